/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <math.h>
#include <stdio.h>

#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_file_io.h>
#include <apr_thread_proc.h>

#include <http_core.h>
#include <ap_mpm.h>
#include <ap_provider.h>
#include <ap_socache.h>

#define LDAP_DEPRECATED 0
#include <ldap.h>

#include "xn_config.h"
#include "xn_audit.h"
#include "xn_templates.h"
#include "xn_filter.h"
#include "xn_auditconf.h"

#define XN_UNSET -1
#define XN_SECONDS_MAX (86400 * 7)

#define XN_DEFAULT_CONNECT_TIMEOUT 3
#define XN_DEFAULT_TIMEOUT 5
#define XN_DEFAULT_NESTED_DEPTH 3
#define XN_DEFAULT_IDLE_TIMEOUT 1800
#define XN_DEFAULT_MAX_LIFETIME 28800
#define XN_DEFAULT_BASIC_CACHE 300
#define XN_DEFAULT_COOKIE "extranet_session"
#define XN_DEFAULT_ENDPOINT "/extranet"
#define XN_DEFAULT_POOL_MAX 16
#define XN_DEFAULT_RETRY_INTERVAL 30
#define XN_DEFAULT_BASIC_RECHECK 60
#define XN_DEFAULT_RECHECK 300
/* Sign-in throttling. The account block after 4 failures stays below the
 * Active Directory lockout threshold of "5 or fewer" that recent CIS
 * Microsoft Windows benchmarks recommend (item 1.2.2), so the extranet alone
 * cannot lock a directory account that follows them. The block lasts the
 * 15 minutes that CIS (item 1.2.3) and the Windows security baselines
 * recommend for "Reset account lockout counter after". */
#define XN_DEFAULT_THROTTLE_ACCOUNT_DELAY 2
#define XN_DEFAULT_THROTTLE_ACCOUNT_BLOCK 4
#define XN_DEFAULT_THROTTLE_ADDRESS_DELAY 5
#define XN_DEFAULT_THROTTLE_ADDRESS_BLOCK 20
#define XN_DEFAULT_THROTTLE_WINDOW 900
#define XN_DEFAULT_THROTTLE_BLOCK 900

static const char *const default_audit_types[] = {
    "application/pdf",
    "text/html",
    "application/xhtml+xml",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/rtf",
    NULL
};

static xn_global_config global_config;

xn_server_config *xn_config_server(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &extranet_module);
}

xn_dir_config *xn_config_dir(const request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &extranet_module);
}

const xn_global_config *xn_config_global(void)
{
    return &global_config;
}

int xn_config_denied_status(const xn_dir_config *dconf)
{
    return dconf->denied_status == XN_UNSET ? HTTP_NOT_FOUND
                                            : dconf->denied_status;
}

const char *xn_config_language(const xn_dir_config *dconf)
{
    return dconf->language ? dconf->language : "nl";
}

void *xn_config_server_create(apr_pool_t *p, server_rec *s)
{
    xn_server_config *conf = apr_pcalloc(p, sizeof(*conf));

    (void)s;
    conf->enabled = XN_UNSET;
    conf->memberof = XN_UNSET;
    conf->nested_depth = XN_UNSET;
    conf->connect_timeout = XN_UNSET;
    conf->timeout = XN_UNSET;
    conf->directory_type = XN_UNSET;
    conf->starttls = XN_UNSET;
    conf->verify_cert = XN_UNSET;
    conf->retry_interval = XN_UNSET;
    conf->max_active = XN_UNSET;
    conf->lookup_user = XN_UNSET;
    conf->basic_cache_recheck = XN_UNSET;
    conf->rule_match_case = XN_UNSET;
    conf->idle_timeout = XN_UNSET;
    conf->max_lifetime = XN_UNSET;
    conf->basic_cache_timeout = XN_UNSET;
    conf->session_recheck = XN_UNSET;
    conf->allow_insecure_cookie = XN_UNSET;
    conf->throttle_account_delay = XN_UNSET;
    conf->throttle_account_block = XN_UNSET;
    conf->throttle_address_delay = XN_UNSET;
    conf->throttle_address_block = XN_UNSET;
    conf->throttle_window = XN_UNSET;
    conf->throttle_block = XN_UNSET;
    conf->audit_checkpoint_records = XN_UNSET;
    conf->audit_checkpoint_seconds = XN_UNSET;
    conf->audit_rotate_daily = XN_UNSET;
    conf->audit_rotate_size = XN_UNSET;
    conf->audit_query = XN_UNSET;
    conf->audit_on_failure = XN_UNSET;
    return conf;
}

#define MERGE_INT(field) \
    conf->field = (add->field != XN_UNSET) ? add->field : base->field
#define MERGE_PTR(field) \
    conf->field = add->field ? add->field : base->field

void *xn_config_server_merge(apr_pool_t *p, void *basev, void *addv)
{
    xn_server_config *base = basev;
    xn_server_config *add = addv;
    xn_server_config *conf = apr_pcalloc(p, sizeof(*conf));

    MERGE_INT(enabled);
    MERGE_PTR(ldap_url);
    MERGE_PTR(ldap_url_parts);
    MERGE_PTR(bind_dn);
    MERGE_PTR(bind_password_source);
    MERGE_PTR(group_base);
    MERGE_PTR(group_attributes);
    MERGE_INT(memberof);
    MERGE_INT(nested_depth);
    MERGE_INT(connect_timeout);
    MERGE_INT(timeout);
    MERGE_INT(directory_type);
    MERGE_PTR(login_attributes);
    MERGE_PTR(domains);
    MERGE_INT(starttls);
    MERGE_PTR(ca_file);
    MERGE_INT(verify_cert);
    MERGE_INT(retry_interval);
    MERGE_INT(max_active);
    MERGE_INT(lookup_user);
    MERGE_INT(basic_cache_recheck);
    MERGE_PTR(role_specs);
    MERGE_PTR(rule_specs);
    MERGE_INT(rule_match_case);
    MERGE_PTR(cookie_name);
    MERGE_INT(idle_timeout);
    MERGE_INT(max_lifetime);
    MERGE_INT(basic_cache_timeout);
    MERGE_PTR(audit_log);
    MERGE_PTR(audit_types);
    MERGE_PTR(audit_key_file);
    MERGE_PTR(audit_checkpoint);
    MERGE_INT(audit_checkpoint_records);
    MERGE_INT(audit_checkpoint_seconds);
    MERGE_INT(audit_rotate_daily);
    MERGE_INT(audit_rotate_size);
    MERGE_INT(audit_query);
    MERGE_INT(audit_on_failure);
    MERGE_PTR(endpoint);
    MERGE_INT(session_recheck);
    MERGE_INT(allow_insecure_cookie);
    MERGE_INT(throttle_account_delay);
    MERGE_INT(throttle_account_block);
    MERGE_INT(throttle_address_delay);
    MERGE_INT(throttle_address_block);
    MERGE_INT(throttle_window);
    MERGE_INT(throttle_block);
    MERGE_PTR(admin_role);
    MERGE_PTR(template_dir);
    MERGE_PTR(brand_logo);
    MERGE_PTR(brand_logo_alt);
    MERGE_PTR(brand_color);
    MERGE_PTR(brand_help[0]);
    MERGE_PTR(brand_help[1]);
    MERGE_PTR(brand_help[2]);
    return conf;
}

void *xn_config_dir_create(apr_pool_t *p, char *dir)
{
    xn_dir_config *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    conf->denied_status = XN_UNSET;
    conf->link_filter = XN_UNSET;
    conf->link_removal = XN_UNSET;
    return conf;
}

void *xn_config_dir_merge(apr_pool_t *p, void *basev, void *addv)
{
    xn_dir_config *base = basev;
    xn_dir_config *add = addv;
    xn_dir_config *conf = apr_pcalloc(p, sizeof(*conf));

    MERGE_INT(denied_status);
    MERGE_PTR(language);
    MERGE_INT(link_filter);
    MERGE_INT(link_removal);
    MERGE_PTR(role_attribute);
    return conf;
}

static xn_server_config *cmd_server(cmd_parms *cmd)
{
    return xn_config_server(cmd->server);
}

static const char *cmd_source(cmd_parms *cmd)
{
    if (!cmd->directive) {
        return "(unknown)";
    }
    return apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                        cmd->directive->line_num);
}

static const char *set_flag(cmd_parms *cmd, void *dconf, int flag)
{
    xn_server_config *conf = cmd_server(cmd);
    int *field = (int *)((char *)conf + (apr_size_t)cmd->info);

    (void)dconf;
    *field = flag ? 1 : 0;
    return NULL;
}

/* Bounds of the numeric directives, found by the offset of their field. */
typedef struct xn_number_bounds {
    apr_size_t offset;
    int min;
    int max;
} xn_number_bounds;

static const xn_number_bounds number_bounds[] = {
    { APR_OFFSETOF(xn_server_config, nested_depth), 0, 20 },
    { APR_OFFSETOF(xn_server_config, connect_timeout), 1, 300 },
    { APR_OFFSETOF(xn_server_config, timeout), 1, 300 },
    { APR_OFFSETOF(xn_server_config, retry_interval), 1, 3600 },
    { APR_OFFSETOF(xn_server_config, max_active), 0, 100000 },
    { APR_OFFSETOF(xn_server_config, basic_cache_recheck), 0, 86400 },
    { APR_OFFSETOF(xn_server_config, idle_timeout), 1, XN_SECONDS_MAX },
    { APR_OFFSETOF(xn_server_config, max_lifetime), 1, XN_SECONDS_MAX },
    { APR_OFFSETOF(xn_server_config, basic_cache_timeout), 0, 86400 },
    { APR_OFFSETOF(xn_server_config, session_recheck), 0, XN_SECONDS_MAX },
    { APR_OFFSETOF(xn_server_config, throttle_window), 1, 86400 },
    { APR_OFFSETOF(xn_server_config, throttle_block), 1, 86400 },
};

/* Sets a whole number (seconds, or a depth) within the bounds above. */
static const char *set_number(cmd_parms *cmd, void *dconf, const char *arg)
{
    apr_size_t offset = (apr_size_t)cmd->info;
    int *field = (int *)((char *)cmd_server(cmd) + offset);
    const xn_number_bounds *bounds = &number_bounds[0];
    char *end = NULL;
    long value = strtol(arg, &end, 10);
    apr_size_t i;

    (void)dconf;
    for (i = 0; i < sizeof(number_bounds) / sizeof(number_bounds[0]); i++) {
        if (number_bounds[i].offset == offset) {
            bounds = &number_bounds[i];
        }
    }
    if (!*arg || *end || value < bounds->min || value > bounds->max) {
        return apr_psprintf(cmd->pool, "%s: invalid value \"%s\"; expected "
                            "a whole number from %d to %d", cmd->cmd->name,
                            arg, bounds->min, bounds->max);
    }
    *field = (int)value;
    return NULL;
}

static const char *set_string(cmd_parms *cmd, void *dconf, const char *arg)
{
    xn_server_config *conf = cmd_server(cmd);
    const char **field = (const char **)((char *)conf
                                         + (apr_size_t)cmd->info);

    (void)dconf;
    *field = arg;
    return NULL;
}

static const char *set_ldap_url(cmd_parms *cmd, void *dconf, const char *arg)
{
    xn_server_config *conf = cmd_server(cmd);
    xn_ldap_config *parts = apr_pcalloc(cmd->pool, sizeof(*parts));
    const char *err = NULL;

    (void)dconf;
    if (xn_ldap_url_parse(parts, cmd->pool, arg, &err) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "ExtranetLDAPURL: invalid URL \"%s\": "
                            "%s", arg, err);
    }
    conf->ldap_url = arg;
    conf->ldap_url_parts = parts;
    return NULL;
}

static const char *set_dn(cmd_parms *cmd, void *dconf, const char *arg)
{
    const char *norm = xn_ldap_dn_normalize(cmd->pool, arg);

    if (!norm) {
        return apr_psprintf(cmd->pool, "%s: invalid DN \"%s\"",
                            cmd->cmd->name, arg);
    }
    return set_string(cmd, dconf, norm);
}

static const char *set_bind_password(cmd_parms *cmd, void *dconf,
                                     const char *arg)
{
    xn_server_config *conf = cmd_server(cmd);

    (void)dconf;
    if (strncmp(arg, "file:", 5) && strncmp(arg, "exec:", 5)) {
        return "ExtranetLDAPBindPassword: expected file:/path or exec:/path; "
               "a password written in the configuration is not accepted";
    }
    if (!arg[5]) {
        return apr_psprintf(cmd->pool, "ExtranetLDAPBindPassword: \"%s\" "
                            "names no path", arg);
    }
    conf->bind_password_source = arg;
    return NULL;
}

static const char *add_group_attribute(cmd_parms *cmd, void *dconf,
                                       const char *arg)
{
    xn_server_config *conf = cmd_server(cmd);
    const char *c;

    (void)dconf;
    for (c = arg; *c; c++) {
        if (!apr_isalnum(*c) && *c != '-' && *c != ';') {
            return apr_psprintf(cmd->pool, "ExtranetLDAPGroupAttribute: "
                                "invalid attribute name \"%s\"", arg);
        }
    }
    if (!*arg) {
        return "ExtranetLDAPGroupAttribute: empty attribute name";
    }
    if (!conf->group_attributes) {
        conf->group_attributes = apr_array_make(cmd->pool, 2,
                                                sizeof(const char *));
    }
    APR_ARRAY_PUSH(conf->group_attributes, const char *) = arg;
    return NULL;
}

static const char *set_directory_type(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    xn_server_config *conf = cmd_server(cmd);

    (void)dconf;
    if (!strcasecmp(arg, "ad")) {
        conf->directory_type = XN_DIRECTORY_AD;
    }
    else if (!strcasecmp(arg, "ldap")) {
        conf->directory_type = XN_DIRECTORY_LDAP;
    }
    else {
        return apr_psprintf(cmd->pool, "ExtranetLDAPDirectoryType: invalid "
                            "value \"%s\"; expected ad or ldap", arg);
    }
    return NULL;
}

/* Appends ARG to the array at the field offset cmd->info, after checking it
 * is an attribute name or a NetBIOS domain name. */
static const char *add_name(cmd_parms *cmd, void *dconf, const char *arg)
{
    xn_server_config *conf = cmd_server(cmd);
    apr_array_header_t **field =
        (apr_array_header_t **)((char *)conf + (apr_size_t)cmd->info);
    const char *c;

    (void)dconf;
    for (c = arg; *c; c++) {
        if (!apr_isalnum(*c) && *c != '-' && *c != '_' && *c != '.') {
            break;
        }
    }
    if (!*arg || *c || strlen(arg) > 64) {
        return apr_psprintf(cmd->pool, "%s: invalid name \"%s\"; use 1 to "
                            "64 letters, digits, '-', '_' or '.'",
                            cmd->cmd->name, arg);
    }
    if (!*field) {
        *field = apr_array_make(cmd->pool, 2, sizeof(const char *));
    }
    APR_ARRAY_PUSH(*field, const char *) = arg;
    return NULL;
}

static const char *add_role(cmd_parms *cmd, void *dconf, int argc,
                            char *const argv[])
{
    xn_server_config *conf = cmd_server(cmd);
    xn_rolemap *scratch = xn_rolemap_create(cmd->temp_pool);
    const char *err = NULL;
    int i;

    (void)dconf;
    if (argc < 2) {
        return "ExtranetRole: expected a role name and one or more group DNs";
    }
    if (xn_rolemap_add(scratch, argv[0], NULL, &err) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "ExtranetRole: %s", err);
    }
    if (!conf->role_specs) {
        conf->role_specs = apr_array_make(cmd->pool, 8, sizeof(xn_role_spec));
    }
    for (i = 1; i < argc; i++) {
        xn_role_spec *spec = apr_array_push(conf->role_specs);

        spec->name = argv[0];
        spec->group_dn = xn_ldap_dn_normalize(cmd->pool, argv[i]);
        if (!spec->group_dn) {
            return apr_psprintf(cmd->pool, "ExtranetRole: invalid group DN "
                                "\"%s\" for role \"%s\"", argv[i], argv[0]);
        }
    }
    return NULL;
}

static const char *add_rule(cmd_parms *cmd, void *dconf, int argc,
                            char *const argv[])
{
    xn_server_config *conf = cmd_server(cmd);
    xn_rule_spec *spec;
    const char *err = NULL;
    int i;

    (void)dconf;
    if (argc < 2) {
        return "ExtranetRule: expected a path pattern followed by role names, "
               "\"public\" or \"deny\"";
    }
    if (xn_rule_pattern_check(argv[0], &err) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "ExtranetRule: invalid pattern \"%s\": "
                            "%s", argv[0], err);
    }
    if (!conf->rule_specs) {
        conf->rule_specs = apr_array_make(cmd->pool, 16, sizeof(xn_rule_spec));
    }
    spec = apr_array_push(conf->rule_specs);
    spec->pattern = argv[0];
    spec->source = cmd_source(cmd);
    spec->role_names = apr_array_make(cmd->pool, argc, sizeof(const char *));
    spec->kind = XN_RULE_ALLOW;

    if (!strcasecmp(argv[1], "public") || !strcasecmp(argv[1], "deny")) {
        if (argc > 2) {
            return apr_psprintf(cmd->pool, "ExtranetRule %s: \"%s\" takes no "
                                "role names", argv[0], argv[1]);
        }
        spec->kind = strcasecmp(argv[1], "public") ? XN_RULE_DENY
                                                   : XN_RULE_PUBLIC;
        return NULL;
    }
    for (i = 1; i < argc; i++) {
        APR_ARRAY_PUSH(spec->role_names, const char *) = argv[i];
    }
    return NULL;
}

static const char *set_session_cache(cmd_parms *cmd, void *dconf,
                                     const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *sep = ap_strchr_c(arg, ':');
    const char *name = sep ? apr_pstrmemdup(cmd->pool, arg, sep - arg) : arg;

    (void)dconf;
    if (err) {
        return err;
    }
    if (!ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                            AP_SOCACHE_PROVIDER_VERSION)) {
        return apr_psprintf(cmd->pool, "ExtranetSessionCache: socache "
                            "provider \"%s\" not found; load "
                            "mod_socache_%s first", name, name);
    }
    global_config.session_cache = arg;
    return NULL;
}

static const char *add_audit_type(cmd_parms *cmd, void *dconf, const char *arg)
{
    xn_server_config *conf = cmd_server(cmd);
    char *type = apr_pstrdup(cmd->pool, arg);

    (void)dconf;
    if (!ap_strchr_c(type, '/')) {
        return apr_psprintf(cmd->pool, "ExtranetAuditContentType: invalid "
                            "media type \"%s\"; expected type/subtype", arg);
    }
    ap_str_tolower(type);
    if (!conf->audit_types) {
        conf->audit_types = apr_array_make(cmd->pool, 8, sizeof(const char *));
    }
    APR_ARRAY_PUSH(conf->audit_types, const char *) = type;
    return NULL;
}

static const char *set_endpoint(cmd_parms *cmd, void *dconf, const char *arg)
{
    xn_server_config *conf = cmd_server(cmd);
    const char *c;

    (void)dconf;
    if (arg[0] != '/' || !arg[1] || arg[strlen(arg) - 1] == '/') {
        return apr_psprintf(cmd->pool, "ExtranetEndpoint: invalid URL path "
                            "\"%s\"; expected a path such as /extranet, "
                            "without a trailing slash", arg);
    }
    for (c = arg; *c; c++) {
        if (!apr_isalnum(*c) && !ap_strchr_c("/-_.", *c)) {
            return apr_psprintf(cmd->pool, "ExtranetEndpoint: invalid "
                                "character in \"%s\"", arg);
        }
    }
    conf->endpoint = arg;
    return NULL;
}

static const char *set_cookie_name(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    xn_server_config *conf = cmd_server(cmd);
    const char *c;

    (void)dconf;
    for (c = arg; *c; c++) {
        if (!apr_isalnum(*c) && *c != '_' && *c != '-') {
            break;
        }
    }
    if (!*arg || *c || strlen(arg) > 64) {
        return apr_psprintf(cmd->pool, "ExtranetCookieName: invalid name "
                            "\"%s\"; use 1 to 64 letters, digits, '_' or '-'",
                            arg);
    }
    conf->cookie_name = arg;
    return NULL;
}

static const char *set_denied_status(cmd_parms *cmd, void *dconfv,
                                     const char *arg)
{
    xn_dir_config *dconf = dconfv;

    if (!strcmp(arg, "404")) {
        dconf->denied_status = HTTP_NOT_FOUND;
    }
    else if (!strcmp(arg, "403")) {
        dconf->denied_status = HTTP_FORBIDDEN;
    }
    else {
        return apr_psprintf(cmd->pool, "ExtranetDeniedStatus: invalid value "
                            "\"%s\"; expected 404 or 403", arg);
    }
    return NULL;
}

static const char *set_language(cmd_parms *cmd, void *dconfv, const char *arg)
{
    xn_dir_config *dconf = dconfv;

    if (strcmp(arg, "nl") && strcmp(arg, "fr") && strcmp(arg, "en")) {
        return apr_psprintf(cmd->pool, "ExtranetLanguage: invalid language "
                            "\"%s\"; expected nl, fr or en", arg);
    }
    dconf->language = arg;
    return NULL;
}

/* Sets a pair of failure counts at the field named by cmd->info and the
 * field after it: the delay threshold, then the block threshold. */
static const char *set_throttle_limits(cmd_parms *cmd, void *dconf,
                                       const char *delay, const char *block)
{
    int *field = (int *)((char *)cmd_server(cmd) + (apr_size_t)cmd->info);
    char *end1 = NULL, *end2 = NULL;
    long d = strtol(delay, &end1, 10);
    long b = strtol(block, &end2, 10);

    (void)dconf;
    if (!*delay || *end1 || !*block || *end2 || d < 1 || b < 1 || d > 1000
        || b > 1000 || d > b) {
        return apr_psprintf(cmd->pool, "%s: invalid values \"%s %s\"; "
                            "expected two whole numbers from 1 to 1000, the "
                            "first not above the second", cmd->cmd->name,
                            delay, block);
    }
    field[0] = (int)d;
    field[1] = (int)b;
    return NULL;
}

static const char *set_template_dir(cmd_parms *cmd, void *dconf,
                                    const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);

    (void)dconf;
    if (!path || !ap_is_directory(cmd->temp_pool, path)) {
        return apr_psprintf(cmd->pool, "ExtranetTemplateDir: \"%s\" is not "
                            "a folder", arg);
    }
    cmd_server(cmd)->template_dir = path;
    return NULL;
}

static const char *set_brand_logo(cmd_parms *cmd, void *dconf,
                                  const char *url, const char *alt)
{
    xn_server_config *conf = cmd_server(cmd);

    (void)dconf;
    if (url[0] != '/' || url[1] == '/' || strpbrk(url, "\"<>\\ ")) {
        return apr_psprintf(cmd->pool, "ExtranetBrandingLogo: invalid URL "
                            "path \"%s\"; expected a path on this site such "
                            "as /publiek/logo.png", url);
    }
    conf->brand_logo = url;
    conf->brand_logo_alt = alt ? alt : "";
    return NULL;
}

/* Returns the linear value (WCAG 2.1 relative luminance) of the 8-bit
 * sRGB channel C. */
static double channel_luminance(unsigned int c)
{
    double v = c / 255.0;

    return v <= 0.03928 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

static const char *set_brand_color(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    unsigned int red = 0, green = 0, blue = 0;
    double luminance, contrast;
    int n = 0;

    (void)dconf;
    if (strlen(arg) != 7 || sscanf(arg, "#%2x%2x%2x%n", &red, &green, &blue,
                                   &n) != 3 || n != 7) {
        return apr_psprintf(cmd->pool, "ExtranetBrandingColor: invalid "
                            "colour \"%s\"; expected #rrggbb", arg);
    }
    luminance = 0.2126 * channel_luminance(red)
                + 0.7152 * channel_luminance(green)
                + 0.0722 * channel_luminance(blue);
    contrast = 1.05 / (luminance + 0.05);
    if (contrast < 4.5) {
        return apr_psprintf(cmd->pool, "ExtranetBrandingColor: \"%s\" has a "
                            "contrast ratio of %.1f:1 with white text; WCAG "
                            "2.1 AA needs 4.5:1, choose a darker colour", arg,
                            contrast);
    }
    cmd_server(cmd)->brand_color = arg;
    return NULL;
}

static const char *set_brand_help(cmd_parms *cmd, void *dconf,
                                  const char *lang, const char *text)
{
    static const char *const langs[] = { "nl", "fr", "en" };
    int i;

    (void)dconf;
    for (i = 0; i < 3; i++) {
        if (!strcmp(lang, langs[i])) {
            cmd_server(cmd)->brand_help[i] = text;
            return NULL;
        }
    }
    return apr_psprintf(cmd->pool, "ExtranetBrandingHelp: invalid language "
                        "\"%s\"; expected nl, fr or en", lang);
}

#define SERVER_OFFSET(field) (void *)APR_OFFSETOF(xn_server_config, field)

const command_rec xn_config_cmds[] = {
    AP_INIT_FLAG("Extranet", set_flag, SERVER_OFFSET(enabled), RSRC_CONF,
        "On enables the extranet on this virtual host (default Off)"),
    AP_INIT_TAKE1("ExtranetLDAPURL", set_ldap_url, NULL, RSRC_CONF,
        "RFC 4516 URL of the directory, several hosts separated by spaces "
        "(no default)"),
    AP_INIT_TAKE1("ExtranetLDAPBindDN", set_dn, SERVER_OFFSET(bind_dn),
        RSRC_CONF, "DN of the service account for searches "
        "(default: anonymous)"),
    AP_INIT_TAKE1("ExtranetLDAPBindPassword", set_bind_password, NULL,
        RSRC_CONF, "file:/path or exec:/path giving the service account "
        "password (no default)"),
    AP_INIT_TAKE1("ExtranetLDAPGroupBase", set_dn, SERVER_OFFSET(group_base),
        RSRC_CONF, "base DN of group searches (default: the URL's base DN)"),
    AP_INIT_ITERATE("ExtranetLDAPGroupAttribute", add_group_attribute, NULL,
        RSRC_CONF, "group attributes that list members "
        "(default: member uniqueMember)"),
    AP_INIT_FLAG("ExtranetLDAPMemberOf", set_flag, SERVER_OFFSET(memberof),
        RSRC_CONF, "On also reads memberOf from the user entry (default On)"),
    AP_INIT_TAKE1("ExtranetLDAPNestedGroupDepth", set_number,
        SERVER_OFFSET(nested_depth), RSRC_CONF,
        "levels of groups within groups to follow, 0 to 20 (default 3)"),
    AP_INIT_TAKE1("ExtranetLDAPConnectTimeout", set_number,
        SERVER_OFFSET(connect_timeout), RSRC_CONF,
        "seconds to wait for a TCP connection to a directory host (default 3)"),
    AP_INIT_TAKE1("ExtranetLDAPTimeout", set_number, SERVER_OFFSET(timeout),
        RSRC_CONF, "seconds to wait for each directory operation (default 5)"),
    AP_INIT_TAKE1("ExtranetLDAPDirectoryType", set_directory_type, NULL,
        RSRC_CONF, "ad reads Active Directory account state, signs in by "
        "sAMAccountName or userPrincipalName and resolves nested groups in "
        "one query; ldap for other directories (default ldap)"),
    AP_INIT_ITERATE("ExtranetLDAPLoginAttribute", add_name,
        SERVER_OFFSET(login_attributes), RSRC_CONF, "attributes a user "
        "name is looked up in; the first gives the canonical name (default: "
        "the URL's attribute; for ad: sAMAccountName userPrincipalName)"),
    AP_INIT_ITERATE("ExtranetLDAPDomain", add_name, SERVER_OFFSET(domains),
        RSRC_CONF, "NetBIOS domain names accepted in DOMAIN\\user sign-ins "
        "(default: none)"),
    AP_INIT_FLAG("ExtranetLDAPStartTLS", set_flag, SERVER_OFFSET(starttls),
        RSRC_CONF, "On secures ldap:// connections with StartTLS "
        "(default Off)"),
    AP_INIT_TAKE1("ExtranetLDAPCAFile", set_string, SERVER_OFFSET(ca_file),
        RSRC_CONF, "PEM file of the CAs that sign the directory's "
        "certificate (default: the system trust store)"),
    AP_INIT_FLAG("ExtranetLDAPVerifyServerCert", set_flag,
        SERVER_OFFSET(verify_cert), RSRC_CONF, "Off accepts any directory "
        "certificate; for tests only (default On)"),
    AP_INIT_TAKE1("ExtranetLDAPRetryInterval", set_number,
        SERVER_OFFSET(retry_interval), RSRC_CONF, "seconds a directory host "
        "that failed is skipped before it is tried again (default 30)"),
    AP_INIT_TAKE1("ExtranetLDAPMaxActive", set_number,
        SERVER_OFFSET(max_active), RSRC_CONF, "sign-ins per process that may "
        "wait for the directory at once; more get 503 at once; 0 for no "
        "limit (default: half of ThreadsPerChild)"),
    AP_INIT_FLAG("ExtranetLookupUser", set_flag, SERVER_OFFSET(lookup_user),
        RSRC_CONF, "On looks up a user that another module authenticated "
        "and takes the roles from the directory (default Off)"),
    AP_INIT_TAKE_ARGV("ExtranetRole", add_role, NULL, RSRC_CONF,
        "role name followed by the DNs of the groups that grant it"),
    AP_INIT_TAKE_ARGV("ExtranetRule", add_rule, NULL, RSRC_CONF,
        "URL path pattern followed by role names, \"public\" or \"deny\"; "
        "the first match wins and unmatched paths are denied"),
    AP_INIT_FLAG("ExtranetRuleMatchCase", set_flag,
        SERVER_OFFSET(rule_match_case), RSRC_CONF,
        "On matches rule patterns case-sensitively (default Off)"),
    AP_INIT_TAKE1("ExtranetSessionCache", set_session_cache, NULL, RSRC_CONF,
        "socache provider and arguments for sessions (default shmcb)"),
    AP_INIT_TAKE1("ExtranetSessionIdleTimeout", set_number,
        SERVER_OFFSET(idle_timeout), RSRC_CONF,
        "seconds of inactivity that end a session (default 1800)"),
    AP_INIT_TAKE1("ExtranetSessionMaxLifetime", set_number,
        SERVER_OFFSET(max_lifetime), RSRC_CONF,
        "seconds after sign-in that end a session (default 28800)"),
    AP_INIT_TAKE1("ExtranetCookieName", set_cookie_name, NULL, RSRC_CONF,
        "name of the session cookie (default extranet_session)"),
    AP_INIT_TAKE1("ExtranetBasicCacheTimeout", set_number,
        SERVER_OFFSET(basic_cache_timeout), RSRC_CONF,
        "seconds a verified Basic credential is cached, 0 disables "
        "(default 300)"),
    AP_INIT_TAKE1("ExtranetBasicCacheRecheck", set_number,
        SERVER_OFFSET(basic_cache_recheck), RSRC_CONF,
        "seconds after which a cached Basic credential's account and groups "
        "are looked up again, 0 never (default 60)"),
    AP_INIT_TAKE1("ExtranetAuditLog", set_string, SERVER_OFFSET(audit_log),
        RSRC_CONF, "audit log file, or |program for a piped log (no default)"),
    AP_INIT_ITERATE("ExtranetAuditContentType", add_audit_type, NULL,
        RSRC_CONF, "media types whose access is audited (default: PDF, "
        "office documents and HTML)"),
    AP_INIT_TAKE1("ExtranetAuditKeyFile", xn_auditconf_key_file, NULL,
        RSRC_CONF, "file with the HMAC key of the audit chain, readable by "
        "root only, or none for records without a chain (no default: "
        "required with ExtranetAuditLog)"),
    AP_INIT_TAKE123("ExtranetAuditCheckpoint", xn_auditconf_checkpoint, NULL,
        RSRC_CONF, "syslog[:facility] or a file, then a record count and a "
        "period in seconds (default: none; 1000 records, 60 seconds)"),
    AP_INIT_TAKE1("ExtranetAuditRotate", xn_auditconf_rotate, NULL,
        RSRC_CONF, "daily, a size such as 100M, or off (default off)"),
    AP_INIT_TAKE1("ExtranetAuditQuery", xn_auditconf_query, NULL,
        RSRC_CONF, "drop, redact or keep the query string (default drop)"),
    AP_INIT_TAKE1("ExtranetAuditOnFailure", xn_auditconf_on_failure, NULL,
        RSRC_CONF, "deny (503) or log when the audit log cannot be written "
        "(default deny)"),
    AP_INIT_TAKE1("ExtranetEndpoint", set_endpoint, NULL, RSRC_CONF,
        "URL path of the sign-in and sign-out pages (default /extranet)"),
    AP_INIT_TAKE1("ExtranetDeniedStatus", set_denied_status, NULL,
        RSRC_CONF | ACCESS_CONF, "status for a denied path, 404 or 403 "
        "(default 404)"),
    AP_INIT_TAKE1("ExtranetLanguage", set_language, NULL,
        RSRC_CONF | ACCESS_CONF, "page language when Accept-Language names "
        "none of nl, fr, en (default nl)"),
    AP_INIT_TAKE1("ExtranetSessionRecheck", set_number,
        SERVER_OFFSET(session_recheck), RSRC_CONF,
        "seconds between checks of a signed-in account in the directory, "
        "0 disables (default 300)"),
    AP_INIT_FLAG("ExtranetAllowInsecureCookie", set_flag,
        SERVER_OFFSET(allow_insecure_cookie), RSRC_CONF,
        "On allows sign-in over plain HTTP with a cookie without Secure, "
        "for test setups only (default Off)"),
    AP_INIT_TAKE2("ExtranetThrottleAccount", set_throttle_limits,
        SERVER_OFFSET(throttle_account_delay), RSRC_CONF,
        "failed sign-ins of one account before each attempt waits, and "
        "before the account is blocked (default 2 4)"),
    AP_INIT_TAKE2("ExtranetThrottleAddress", set_throttle_limits,
        SERVER_OFFSET(throttle_address_delay), RSRC_CONF,
        "failed sign-ins from one client address before each attempt "
        "waits, and before the address is blocked (default 5 20)"),
    AP_INIT_TAKE1("ExtranetThrottleWindow", set_number,
        SERVER_OFFSET(throttle_window), RSRC_CONF,
        "seconds after which failed sign-ins are forgotten (default 900)"),
    AP_INIT_TAKE1("ExtranetThrottleBlock", set_number,
        SERVER_OFFSET(throttle_block), RSRC_CONF,
        "seconds a blocked account or address stays blocked (default 900)"),
    AP_INIT_TAKE1("ExtranetAdminRole", set_string,
        SERVER_OFFSET(admin_role), RSRC_CONF,
        "role that may end the sessions of other users at the admin page "
        "(default: none, the admin page answers 404)"),
    AP_INIT_TAKE1("ExtranetTemplateDir", set_template_dir, NULL, RSRC_CONF,
        "folder of page templates such as login.nl.html (default: the "
        "built-in pages)"),
    AP_INIT_TAKE12("ExtranetBrandingLogo", set_brand_logo, NULL, RSRC_CONF,
        "URL path of the logo and its text alternative (default: no logo)"),
    AP_INIT_TAKE1("ExtranetBrandingColor", set_brand_color, NULL, RSRC_CONF,
        "colour of buttons, links and the header bar as #rrggbb "
        "(default #0b5394)"),
    AP_INIT_TAKE2("ExtranetBrandingHelp", set_brand_help, NULL, RSRC_CONF,
        "language (nl, fr or en) and the help line shown under the "
        "sign-in form (default: none)"),
    AP_INIT_FLAG("ExtranetLinkFilter", xn_filter_set_enabled, NULL,
        RSRC_CONF | ACCESS_CONF, "remove links to pages the user may not "
        "open from HTML responses (default On)"),
    AP_INIT_TAKE1("ExtranetLinkRemoval", xn_filter_set_removal, NULL,
        RSRC_CONF | ACCESS_CONF, "what goes with a denied link: item, "
        "element or unwrap (default item)"),
    AP_INIT_TAKE1("ExtranetRoleAttribute", xn_filter_set_role_attribute, NULL,
        RSRC_CONF | ACCESS_CONF, "HTML attribute that marks blocks for "
        "roles (default data-extranet-roles)"),
    { NULL }
};

/* Returns the first line of BUF without its line break. */
static const char *first_line(apr_pool_t *p, const char *buf, apr_size_t len)
{
    apr_size_t n = 0;

    while (n < len && buf[n] != '\n' && buf[n] != '\r' && buf[n] != '\0') {
        n++;
    }
    return apr_pstrmemdup(p, buf, n);
}

static apr_status_t read_password_file(const char **out, const char **err,
                                       apr_pool_t *p, const char *path)
{
    apr_file_t *f = NULL;
    apr_finfo_t finfo;
    char buf[4096];
    apr_size_t len = sizeof(buf);
    apr_status_t rv;

    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_read(f, buf, &len);
        if (apr_file_info_get(&finfo, APR_FINFO_PROT, f) == APR_SUCCESS
            && (finfo.protection & APR_FPROT_WREAD)) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, NULL, XNLOGNO(0101)
                         "ExtranetLDAPBindPassword: %s is readable by every "
                         "local user; restrict it to root (chmod 600)", path);
        }
        apr_file_close(f);
    }
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot read %s: %pm", path, &rv);
        return rv;
    }
    *out = first_line(p, buf, len);
    return APR_SUCCESS;
}

static apr_status_t read_password_program(const char **out, const char **err,
                                          apr_pool_t *p, const char *path)
{
    const char *argv[2] = { path, NULL };
    apr_procattr_t *attr = NULL;
    apr_proc_t proc;
    char buf[4096];
    apr_size_t len = sizeof(buf);
    int code = 0;
    apr_exit_why_e why;
    apr_status_t rv;

    rv = apr_procattr_create(&attr, p);
    if (rv == APR_SUCCESS) {
        rv = apr_procattr_io_set(attr, APR_NO_PIPE, APR_FULL_BLOCK, APR_NO_PIPE);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_procattr_cmdtype_set(attr, APR_PROGRAM);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_proc_create(&proc, path, argv, NULL, attr, p);
    }
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot run %s: %pm", path, &rv);
        return rv;
    }

    rv = apr_file_read_full(proc.out, buf, sizeof(buf), &len);
    apr_file_close(proc.out);
    apr_proc_wait(&proc, &code, &why, APR_WAIT);
    if (why != APR_PROC_EXIT || code != 0) {
        *err = apr_psprintf(p, "%s exited with status %d", path, code);
        return APR_EGENERAL;
    }
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        *err = apr_psprintf(p, "cannot read the output of %s: %pm", path, &rv);
        return rv;
    }
    *out = first_line(p, buf, len);
    return APR_SUCCESS;
}

static apr_status_t load_bind_password(const char **out, const char **err,
                                       apr_pool_t *p, const char *source)
{
    const char *path = ap_server_root_relative(p, source + 5);
    apr_status_t rv;

    if (!path) {
        *err = apr_psprintf(p, "invalid path in \"%s\"", source);
        return APR_EINVAL;
    }
    rv = strncmp(source, "exec:", 5) ? read_password_file(out, err, p, path)
                                     : read_password_program(out, err, p, path);
    if (rv == APR_SUCCESS && !**out) {
        *err = apr_psprintf(p, "%s gives an empty password", path);
        return APR_EINVAL;
    }
    return rv;
}

static void resolve_defaults(xn_server_config *conf, apr_pool_t *p)
{
    int i;

    if (conf->memberof == XN_UNSET) conf->memberof = 1;
    if (conf->nested_depth == XN_UNSET) conf->nested_depth = XN_DEFAULT_NESTED_DEPTH;
    if (conf->connect_timeout == XN_UNSET) conf->connect_timeout = XN_DEFAULT_CONNECT_TIMEOUT;
    if (conf->timeout == XN_UNSET) conf->timeout = XN_DEFAULT_TIMEOUT;
    if (conf->rule_match_case == XN_UNSET) conf->rule_match_case = 0;
    if (conf->idle_timeout == XN_UNSET) conf->idle_timeout = XN_DEFAULT_IDLE_TIMEOUT;
    if (conf->max_lifetime == XN_UNSET) conf->max_lifetime = XN_DEFAULT_MAX_LIFETIME;
    if (conf->basic_cache_timeout == XN_UNSET) conf->basic_cache_timeout = XN_DEFAULT_BASIC_CACHE;
    if (conf->directory_type == XN_UNSET) conf->directory_type = XN_DIRECTORY_LDAP;
    if (conf->starttls == XN_UNSET) conf->starttls = 0;
    if (conf->verify_cert == XN_UNSET) conf->verify_cert = 1;
    if (conf->retry_interval == XN_UNSET) conf->retry_interval = XN_DEFAULT_RETRY_INTERVAL;
    if (conf->lookup_user == XN_UNSET) conf->lookup_user = 0;
    if (conf->basic_cache_recheck == XN_UNSET) conf->basic_cache_recheck = XN_DEFAULT_BASIC_RECHECK;
    if (!conf->cookie_name) conf->cookie_name = XN_DEFAULT_COOKIE;
    if (!conf->endpoint) conf->endpoint = XN_DEFAULT_ENDPOINT;
    if (conf->session_recheck == XN_UNSET) conf->session_recheck = XN_DEFAULT_RECHECK;
    if (conf->allow_insecure_cookie == XN_UNSET) conf->allow_insecure_cookie = 0;
    if (conf->throttle_account_delay == XN_UNSET) {
        conf->throttle_account_delay = XN_DEFAULT_THROTTLE_ACCOUNT_DELAY;
        conf->throttle_account_block = XN_DEFAULT_THROTTLE_ACCOUNT_BLOCK;
    }
    if (conf->throttle_address_delay == XN_UNSET) {
        conf->throttle_address_delay = XN_DEFAULT_THROTTLE_ADDRESS_DELAY;
        conf->throttle_address_block = XN_DEFAULT_THROTTLE_ADDRESS_BLOCK;
    }
    if (conf->throttle_window == XN_UNSET) conf->throttle_window = XN_DEFAULT_THROTTLE_WINDOW;
    if (conf->throttle_block == XN_UNSET) conf->throttle_block = XN_DEFAULT_THROTTLE_BLOCK;

    if (!conf->group_attributes) {
        conf->group_attributes = apr_array_make(p, 2, sizeof(const char *));
        APR_ARRAY_PUSH(conf->group_attributes, const char *) = "member";
        APR_ARRAY_PUSH(conf->group_attributes, const char *) = "uniqueMember";
    }
    if (!conf->audit_types) {
        conf->audit_types = apr_array_make(p, 16, sizeof(const char *));
        for (i = 0; default_audit_types[i]; i++) {
            APR_ARRAY_PUSH(conf->audit_types, const char *) =
                default_audit_types[i];
        }
    }
}

/* Resolves the directory type, login attributes, TLS and failover
 * settings into LDAP. */
static apr_status_t build_ldap_directory(xn_ldap_config *ldap,
                                         const xn_server_config *conf,
                                         apr_pool_t *p, const char **err,
                                         const char **directive)
{
    apr_array_header_t *attrs = conf->login_attributes;
    int threads = 0;

    ldap->active_directory = conf->directory_type == XN_DIRECTORY_AD;
    ldap->chain_groups = ldap->active_directory;
    if (!attrs) {
        attrs = apr_array_make(p, 2, sizeof(const char *));
        if (ldap->active_directory) {
            APR_ARRAY_PUSH(attrs, const char *) = "sAMAccountName";
            APR_ARRAY_PUSH(attrs, const char *) = "userPrincipalName";
        }
        else {
            APR_ARRAY_PUSH(attrs, const char *) = ldap->attribute;
        }
    }
    ldap->login_attributes = attrs;
    ldap->domains = conf->domains;
    ldap->starttls = conf->starttls;
    ldap->verify_cert = conf->verify_cert;
    ldap->retry_interval = conf->retry_interval;

    if (conf->max_active != XN_UNSET) {
        ldap->max_active = conf->max_active;
    }
    else {
        ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);
        ldap->max_active = threads > 1 ? threads / 2 : 0;
    }

    if (conf->starttls && !strncasecmp(ldap->uris, "ldaps:", 6)) {
        *directive = "ExtranetLDAPStartTLS";
        *err = "On needs an ldap:// URL; ldaps:// is already encrypted";
        return APR_EINVAL;
    }
    if (conf->ca_file) {
        apr_file_t *f = NULL;
        const char *path = ap_server_root_relative(p, conf->ca_file);
        apr_status_t rv = path ? apr_file_open(&f, path, APR_FOPEN_READ,
                                               APR_OS_DEFAULT, p)
                               : APR_EINVAL;

        if (rv != APR_SUCCESS) {
            *directive = "ExtranetLDAPCAFile";
            *err = apr_psprintf(p, "cannot read \"%s\": %pm", conf->ca_file,
                                &rv);
            return rv;
        }
        apr_file_close(f);
        ldap->ca_file = path;
    }
    return APR_SUCCESS;
}

static apr_status_t build_ldap_config(xn_server_config *conf, apr_pool_t *p,
                                      const char **err, const char **directive)
{
    xn_ldap_config *ldap = apr_pmemdup(p, conf->ldap_url_parts,
                                       sizeof(*ldap));
    apr_status_t rv = APR_SUCCESS;

    ldap->bind_dn = conf->bind_dn;
    ldap->group_base = conf->group_base ? conf->group_base : ldap->base;
    ldap->group_attributes = conf->group_attributes;
    ldap->memberof = conf->memberof;
    ldap->nested_depth = conf->nested_depth;
    ldap->connect_timeout = conf->connect_timeout;
    ldap->timeout = conf->timeout;
    ldap->pool_max = XN_DEFAULT_POOL_MAX;
    rv = build_ldap_directory(ldap, conf, p, err, directive);
    if (rv != APR_SUCCESS) {
        return rv;
    }

    if (conf->bind_password_source) {
        rv = load_bind_password(&ldap->bind_password, err, p,
                                conf->bind_password_source);
    }
    else if (conf->bind_dn) {
        *err = "ExtranetLDAPBindDN is set but ExtranetLDAPBindPassword is not";
        return APR_EINVAL;
    }
    conf->ldap = ldap;
    return rv;
}

static apr_status_t build_rolemap(xn_server_config *conf, apr_pool_t *p,
                                  const char **err)
{
    int i;

    conf->rolemap = xn_rolemap_create(p);
    for (i = 0; conf->role_specs && i < conf->role_specs->nelts; i++) {
        const xn_role_spec *spec = &APR_ARRAY_IDX(conf->role_specs, i,
                                                  xn_role_spec);
        apr_status_t rv = xn_rolemap_add(conf->rolemap, spec->name,
                                         spec->group_dn, err);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

static int fail_check(server_rec *s, const char *directive, const char *err)
{
    if (s->is_virtual) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, XNLOGNO(0102)
                     "%s: %s (virtual host %s, defined at %s:%d)", directive,
                     err, s->server_hostname ? s->server_hostname : "",
                     s->defn_name ? s->defn_name : "?", s->defn_line_number);
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, XNLOGNO(0102)
                     "%s: %s (main server)", directive, err);
    }
    return !OK;
}

/* Rejects a rule that follows a catch-all rule (the pattern "/", or a
 * single "**" segment). The catch-all matches every path, so the later rule
 * never decides, and the paths it was meant to close would stay open to the
 * catch-all's roles. */
static int check_unreachable_rules(const xn_server_config *conf, server_rec *s)
{
    const xn_rule_spec *catch_all = NULL;
    int i;

    for (i = 0; i < conf->rule_specs->nelts; i++) {
        const xn_rule_spec *spec = &APR_ARRAY_IDX(conf->rule_specs, i,
                                                  xn_rule_spec);

        if (catch_all) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, XNLOGNO(0103)
                         "ExtranetRule: rule %s at %s can never match, "
                         "because the rule %s at %s before it matches every "
                         "path; move the catch-all rule to the end",
                         spec->pattern, spec->source, catch_all->pattern,
                         catch_all->source);
            return !OK;
        }
        if (!strcmp(spec->pattern, "/") || !strcmp(spec->pattern, "/**")
            || !strcmp(spec->pattern, "/**/")) {
            catch_all = spec;
        }
    }
    return OK;
}

static int check_signin_settings(xn_server_config *conf, server_rec *s,
                                 apr_pool_t *p)
{
    const char *err = NULL;

    if (conf->admin_role
        && xn_rolemap_index(conf->rolemap, conf->admin_role) < 0) {
        return fail_check(s, "ExtranetAdminRole", apr_psprintf(p,
                          "role \"%s\" is not declared with ExtranetRole",
                          conf->admin_role));
    }
    if (conf->template_dir
        && xn_templates_load(&conf->templates, p, conf->template_dir, &err)
           != APR_SUCCESS) {
        return fail_check(s, "ExtranetTemplateDir", err);
    }
    if (conf->allow_insecure_cookie == 1) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, XNLOGNO(1201)
                     "ExtranetAllowInsecureCookie On: the session cookie is "
                     "sent without Secure over plain HTTP, where anyone on "
                     "the network can read it; use this for tests only");
    }
    return OK;
}

static int check_server(xn_server_config *conf, server_rec *s, apr_pool_t *p)
{
    const char *err = NULL;
    const char *directive = "ExtranetLDAPBindPassword";

    resolve_defaults(conf, p);
    if (!conf->ldap_url) {
        return fail_check(s, "ExtranetLDAPURL", "missing; Extranet On needs "
                          "the directory URL");
    }
    if (!conf->audit_log) {
        return fail_check(s, "ExtranetAuditLog", "missing; Extranet On needs "
                          "an audit log");
    }
    if (build_ldap_config(conf, p, &err, &directive) != APR_SUCCESS) {
        return fail_check(s, directive, err);
    }
    if (build_rolemap(conf, p, &err) != APR_SUCCESS) {
        return fail_check(s, "ExtranetRole", err);
    }
    if (xn_rolemap_count(conf->rolemap) == 0) {
        return fail_check(s, "ExtranetRole", "no role is declared; a user "
                          "without a role cannot sign in");
    }
    if (!conf->rule_specs || conf->rule_specs->nelts == 0) {
        return fail_check(s, "ExtranetRule", "no rule is declared; every "
                          "path would be denied");
    }
    if (xn_rules_compile(&conf->rules, p, conf->rule_specs, conf->rolemap,
                         conf->rule_match_case ? XN_RULES_MATCH_CASE : 0,
                         &err) != APR_SUCCESS) {
        return fail_check(s, "ExtranetRule", err);
    }
    if (check_unreachable_rules(conf, s) != OK) {
        return !OK;
    }
    return check_signin_settings(conf, s, p);
}

int xn_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                    server_rec *s)
{
    server_rec *vs;

    (void)plog;
    (void)ptemp;
    for (vs = s; vs; vs = vs->next) {
        xn_server_config *conf = xn_config_server(vs);

        if (conf->enabled == 1 && check_server(conf, vs, pconf) != OK) {
            return !OK;
        }
    }
    return OK;
}
