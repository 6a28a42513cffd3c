/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <syslog.h>

#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_file_io.h>
#include <apr_file_info.h>

#include <http_core.h>

#include "xn_auditconf.h"
#include "xn_chain.h"
#include "xn_config.h"

static const struct {
    const char *name;
    int facility;
} facilities[] = {
    { "user", LOG_USER }, { "daemon", LOG_DAEMON }, { "auth", LOG_AUTH },
    { "authpriv", LOG_AUTHPRIV }, { "local0", LOG_LOCAL0 },
    { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
    { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
    { "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
    { "local7", LOG_LOCAL7 },
};

int xn_auditconf_facility(const char *name)
{
    apr_size_t i;

    for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
        if (strcasecmp(name, facilities[i].name) == 0) {
            return facilities[i].facility;
        }
    }
    return -1;
}

/* Returns NULL when TARGET is "syslog" or "syslog:FACILITY" with a known
 * facility or is no syslog target at all, else an error message. */
static const char *check_syslog_target(apr_pool_t *p, const char *target)
{
    if (strncasecmp(target, "syslog", 6) != 0
        || (target[6] != '\0' && target[6] != ':')) {
        return NULL;
    }
    if (target[6] == ':' && xn_auditconf_facility(target + 7) < 0) {
        return apr_psprintf(p, "unknown syslog facility \"%s\"; use "
                            "user, daemon, auth, authpriv or local0 to local7",
                            target + 7);
    }
    return NULL;
}

const char *xn_auditconf_key_file(cmd_parms *cmd, void *dconf,
                                  const char *arg)
{
    xn_server_config *conf = xn_config_server(cmd->server);

    (void)dconf;
    conf->audit_key_file = arg;
    return NULL;
}

static const char *parse_count(cmd_parms *cmd, const char *arg, int *out,
                               const char *what)
{
    char *end = NULL;
    long value = strtol(arg, &end, 10);

    if (!*arg || *end || value < 1 || value > 100000000L) {
        return apr_psprintf(cmd->pool, "ExtranetAuditCheckpoint: invalid %s "
                            "\"%s\"; expected a whole number from 1", what,
                            arg);
    }
    *out = (int)value;
    return NULL;
}

const char *xn_auditconf_checkpoint(cmd_parms *cmd, void *dconf,
                                    const char *target, const char *records,
                                    const char *seconds)
{
    xn_server_config *conf = xn_config_server(cmd->server);
    const char *err = check_syslog_target(cmd->pool, target);

    (void)dconf;
    if (err) {
        return apr_pstrcat(cmd->pool, "ExtranetAuditCheckpoint: ", err, NULL);
    }
    if (target[0] == '|') {
        return "ExtranetAuditCheckpoint: a piped program is not supported; "
               "use syslog or a file";
    }
    conf->audit_checkpoint = target;
    if (records && (err = parse_count(cmd, records,
                                      &conf->audit_checkpoint_records,
                                      "record count"))) {
        return err;
    }
    if (seconds && (err = parse_count(cmd, seconds,
                                      &conf->audit_checkpoint_seconds,
                                      "period"))) {
        return err;
    }
    return NULL;
}

const char *xn_auditconf_rotate(cmd_parms *cmd, void *dconf, const char *arg)
{
    xn_server_config *conf = xn_config_server(cmd->server);
    char *end = NULL;
    apr_int64_t value;

    (void)dconf;
    if (!strcasecmp(arg, "daily")) {
        conf->audit_rotate_daily = 1;
        conf->audit_rotate_size = 0;
        return NULL;
    }
    if (!strcasecmp(arg, "off")) {
        conf->audit_rotate_daily = 0;
        conf->audit_rotate_size = 0;
        return NULL;
    }
    value = apr_strtoi64(arg, &end, 10);
    if (end && (*end == 'K' || *end == 'k')) {
        value *= 1024;
        end++;
    }
    else if (end && (*end == 'M' || *end == 'm')) {
        value *= 1024 * 1024;
        end++;
    }
    else if (end && (*end == 'G' || *end == 'g')) {
        value *= APR_INT64_C(1024) * 1024 * 1024;
        end++;
    }
    if (end == arg || !end || *end || value < 65536) {
        return apr_psprintf(cmd->pool, "ExtranetAuditRotate: invalid value "
                            "\"%s\"; expected daily, off or a size of at "
                            "least 64K such as 100M", arg);
    }
    conf->audit_rotate_daily = 0;
    conf->audit_rotate_size = (apr_off_t)value;
    return NULL;
}

const char *xn_auditconf_query(cmd_parms *cmd, void *dconf, const char *arg)
{
    xn_server_config *conf = xn_config_server(cmd->server);

    (void)dconf;
    if (!strcasecmp(arg, "drop")) {
        conf->audit_query = XN_AUDIT_QUERY_DROP;
    }
    else if (!strcasecmp(arg, "redact")) {
        conf->audit_query = XN_AUDIT_QUERY_REDACT;
    }
    else if (!strcasecmp(arg, "keep")) {
        conf->audit_query = XN_AUDIT_QUERY_KEEP;
    }
    else {
        return apr_psprintf(cmd->pool, "ExtranetAuditQuery: invalid value "
                            "\"%s\"; expected drop, redact or keep", arg);
    }
    return NULL;
}

const char *xn_auditconf_on_failure(cmd_parms *cmd, void *dconf,
                                    const char *arg)
{
    xn_server_config *conf = xn_config_server(cmd->server);

    (void)dconf;
    if (!strcasecmp(arg, "deny")) {
        conf->audit_on_failure = XN_AUDIT_FAILURE_DENY;
    }
    else if (!strcasecmp(arg, "log")) {
        conf->audit_on_failure = XN_AUDIT_FAILURE_LOG;
    }
    else {
        return apr_psprintf(cmd->pool, "ExtranetAuditOnFailure: invalid value "
                            "\"%s\"; expected deny or log", arg);
    }
    return NULL;
}

/* Reads the key file at PATH. The file must be a regular file that no group
 * or other user may read or write, because anyone who reads the key can
 * forge a chain. */
apr_status_t xn_auditconf_read_key(xn_chain_key *key, const char **err,
                             apr_pool_t *p, const char *path)
{
    apr_file_t *f = NULL;
    apr_finfo_t finfo;
    char buf[XN_CHAIN_KEY_MAX + 64];
    apr_size_t len = sizeof(buf);
    apr_status_t rv;

    rv = apr_stat(&finfo, path, APR_FINFO_TYPE | APR_FINFO_PROT, p);
    if (APR_STATUS_IS_ENOENT(rv)) {
        *err = apr_psprintf(p, "%s not found; create it as root with "
                            "\"openssl rand -hex 32 > %s && chmod 600 %s\"",
                            path, path, path);
        return rv;
    }
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot read %s: %pm", path, &rv);
        return rv;
    }
    if (finfo.filetype != APR_REG) {
        *err = apr_psprintf(p, "%s is not a regular file", path);
        return APR_EINVAL;
    }
    if (finfo.protection & (APR_FPROT_GREAD | APR_FPROT_GWRITE
                            | APR_FPROT_WREAD | APR_FPROT_WWRITE)) {
        *err = apr_psprintf(p, "%s is readable or writable by other users; "
                            "restrict it to root (chmod 600)", path);
        return APR_EINVAL;
    }
    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_read_full(f, buf, sizeof(buf), &len);
        apr_file_close(f);
        if (rv == APR_EOF) {
            rv = APR_SUCCESS;
        }
    }
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot read %s: %pm", path, &rv);
        return rv;
    }
    rv = xn_chain_key_set(key, p, buf, len, err);
    memset(buf, 0, sizeof(buf));
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "%s: %s", path, *err);
    }
    return rv;
}

static void resolve_defaults(xn_server_config *conf)
{
    if (conf->audit_checkpoint_records < 0) {
        conf->audit_checkpoint_records = XN_AUDIT_CHECKPOINT_RECORDS;
    }
    if (conf->audit_checkpoint_seconds < 0) {
        conf->audit_checkpoint_seconds = XN_AUDIT_CHECKPOINT_SECONDS;
    }
    if (conf->audit_rotate_daily < 0) {
        conf->audit_rotate_daily = 0;
    }
    if (conf->audit_rotate_size < 0) {
        conf->audit_rotate_size = 0;
    }
    if (conf->audit_query < 0) {
        conf->audit_query = XN_AUDIT_QUERY_DROP;
    }
    if (conf->audit_on_failure < 0) {
        conf->audit_on_failure = XN_AUDIT_FAILURE_DENY;
    }
}

static int fail(server_rec *s, const char *directive, const char *err)
{
    ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, XNLOGNO(1001)
                 "%s: %s", directive, err);
    return !OK;
}

/* Returns !OK when another host writes the same audit log with another
 * key: one chain has one key at a time. */
static int check_shared_key(apr_hash_t *log_keys, const xn_server_config *conf,
                            apr_pool_t *ptemp)
{
    const char *target = conf->audit_log[0] == '|' ? conf->audit_log
                         : ap_server_root_relative(ptemp, conf->audit_log);
    const char *id = conf->audit_key ? conf->audit_key->id : "";
    const char *seen;

    if (!target) {
        return OK;
    }
    seen = apr_hash_get(log_keys, target, APR_HASH_KEY_STRING);
    if (!seen) {
        apr_hash_set(log_keys, target, APR_HASH_KEY_STRING, id);
        return OK;
    }
    return strcmp(seen, id) == 0 ? OK : !OK;
}

int xn_auditconf_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s)
{
    apr_hash_t *keys = apr_hash_make(ptemp);
    apr_hash_t *log_keys = apr_hash_make(ptemp);
    server_rec *vs;

    (void)plog;
    for (vs = s; vs; vs = vs->next) {
        xn_server_config *conf = xn_config_server(vs);
        const char *path;
        const char *err = NULL;

        if (conf->enabled != 1) {
            continue;
        }
        resolve_defaults(conf);
        if (conf->audit_log
            && (err = check_syslog_target(ptemp, conf->audit_log))) {
            return fail(vs, "ExtranetAuditLog", err);
        }
        if (conf->audit_log && !conf->audit_key_file) {
            return fail(vs, "ExtranetAuditKeyFile", apr_psprintf(ptemp,
                        "not set for ExtranetAuditLog \"%s\": its records "
                        "would carry no chain. Name a key file that only "
                        "root can read, or \"none\" to write records "
                        "without a chain", conf->audit_log));
        }
        if (!conf->audit_key_file
            || !strcasecmp(conf->audit_key_file, XN_AUDIT_NO_KEY)) {
            continue;
        }
        path = ap_server_root_relative(ptemp, conf->audit_key_file);
        if (!path) {
            return fail(vs, "ExtranetAuditKeyFile",
                        apr_psprintf(ptemp, "invalid path \"%s\"",
                                     conf->audit_key_file));
        }
        conf->audit_key = apr_hash_get(keys, path, APR_HASH_KEY_STRING);
        if (conf->audit_key) {
            continue;
        }
        conf->audit_key = apr_pcalloc(pconf, sizeof(xn_chain_key));
        if (xn_auditconf_read_key(conf->audit_key, &err, pconf, path) != APR_SUCCESS) {
            return fail(vs, "ExtranetAuditKeyFile", err);
        }
        apr_hash_set(keys, path, APR_HASH_KEY_STRING, conf->audit_key);
    }
    for (vs = s; vs; vs = vs->next) {
        xn_server_config *conf = xn_config_server(vs);

        if (conf->enabled == 1 && conf->audit_log
            && check_shared_key(log_keys, conf, ptemp) != OK) {
            return fail(vs, "ExtranetAuditKeyFile", apr_psprintf(ptemp,
                        "\"%s\" differs from the key of another virtual "
                        "host that writes ExtranetAuditLog \"%s\"; hosts "
                        "that share an audit log share its key",
                        conf->audit_key_file, conf->audit_log));
        }
    }
    return OK;
}
