/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_file_io.h>

#include <http_core.h>
#include <http_log.h>

#include "xn_auditlog.h"
#include "xn_audit.h"
#include "xn_auth.h"
#include "xn_config.h"

struct xn_auditlog {
    const char *target;              /* as configured */
    apr_file_t *file;
};

static apr_status_t open_target(xn_auditlog *log, apr_pool_t *pconf,
                                const char **err)
{
    const char *path;
    apr_status_t rv;

    if (log->target[0] == '|') {
        piped_log *pl = ap_open_piped_log(pconf, log->target + 1);

        if (!pl) {
            *err = "cannot start the program";
            return APR_EGENERAL;
        }
        log->file = ap_piped_log_write_fd(pl);
        return APR_SUCCESS;
    }

    path = ap_server_root_relative(pconf, log->target);
    if (!path) {
        *err = "invalid path";
        return APR_EBADPATH;
    }
    rv = apr_file_open(&log->file, path,
                       APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_APPEND
                       | APR_FOPEN_LARGEFILE,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD,
                       pconf);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(pconf, "cannot open %s: %pm", path, &rv);
    }
    return rv;
}

int xn_auditlog_open(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                     server_rec *s)
{
    apr_hash_t *opened = apr_hash_make(ptemp);
    server_rec *vs;

    (void)plog;
    for (vs = s; vs; vs = vs->next) {
        xn_server_config *conf = xn_config_server(vs);
        xn_auditlog *log;
        const char *err = NULL;

        if (conf->enabled != 1 || !conf->audit_log) {
            continue;
        }
        log = apr_hash_get(opened, conf->audit_log, APR_HASH_KEY_STRING);
        if (!log) {
            log = apr_pcalloc(pconf, sizeof(*log));
            log->target = conf->audit_log;
            if (open_target(log, pconf, &err) != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, XNLOGNO(0601)
                             "ExtranetAuditLog: \"%s\": %s", conf->audit_log,
                             err);
                return !OK;
            }
            apr_hash_set(opened, conf->audit_log, APR_HASH_KEY_STRING, log);
        }
        conf->audit = log;
    }
    return OK;
}

/* Returns 1 when the media type of CONTENT_TYPE is in TYPES. */
static int audited_type(const apr_array_header_t *types,
                        const char *content_type)
{
    apr_size_t len;
    int i;

    if (!content_type) {
        return 0;
    }
    len = strcspn(content_type, "; ");
    for (i = 0; i < types->nelts; i++) {
        const char *type = APR_ARRAY_IDX(types, i, const char *);

        if (strlen(type) == len && !strncasecmp(type, content_type, len)) {
            return 1;
        }
    }
    return 0;
}

/* Returns mod_unique_id's id when it is loaded, else httpd's log id of the
 * request, made now if nothing has asked for it yet, so the audit record
 * and any error-log line of the request share one id. */
static const char *request_id(request_rec *r)
{
    const char *id = apr_table_get(r->subprocess_env, "UNIQUE_ID");

    if (!id && !r->log_id) {
        ap_run_generate_log_id(r->connection, r, &r->log_id);
    }
    return id ? id : r->log_id;
}

static void write_record(request_rec *r, xn_auditlog *log,
                         const xn_audit_record *rec)
{
    apr_size_t len = 0;
    char *line = xn_audit_format(r->pool, rec, &len);
    apr_size_t written = 0;
    apr_status_t rv = apr_file_write_full(log->file, line, len, &written);

    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, XNLOGNO(0602)
                      "cannot write to the audit log %s (%s event lost)",
                      log->target, rec->event);
    }
}

int xn_auditlog_request(request_rec *r)
{
    const xn_server_config *sconf = xn_config_server(r->server);
    xn_request *state = ap_get_module_config(r->request_config,
                                             &extranet_module);
    request_rec *last = r;
    xn_audit_record rec;

    if (!state || !sconf->audit) {
        return DECLINED;
    }
    while (last->next) {
        last = last->next;
    }
    memset(&rec, 0, sizeof(rec));
    rec.event = state->event;
    rec.reason = state->reason;
    if (!rec.event && state->extranet_user
        && (last->status == HTTP_UNAUTHORIZED
            || last->status == HTTP_FORBIDDEN)) {
        /* Another Require line of the location denied the user. */
        rec.event = XN_EVENT_DENIED;
        rec.reason = "require";
    }
    if (!rec.event) {
        /* An error response (a missing file, a favicon) is no access to a
         * document; denials have their own event above. */
        if (!state->extranet_user || last->status >= 400
            || !audited_type(sconf->audit_types, last->content_type)) {
            return DECLINED;
        }
        rec.event = XN_EVENT_ACCESS;
    }

    rec.time = r->request_time;
    rec.user = r->user ? r->user : state->audit_user;
    rec.roles = state->roles_text;
    rec.client = r->useragent_ip;
    rec.method = r->method;
    rec.path = r->uri;
    rec.status = last->status;
    rec.bytes = last->bytes_sent;
    rec.rule = state->rule;
    rec.request_id = request_id(r);
    rec.host = r->server->server_hostname;
    rec.target = state->target;
    write_record(r, sconf->audit, &rec);
    return OK;
}
