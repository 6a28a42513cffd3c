/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <apr_strings.h>

#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <ap_provider.h>
#include <mod_auth.h>
#include <mod_core.h>

#include "xn_auth.h"
#include "xn_audit.h"
#include "xn_crypto.h"
#include "xn_input.h"
#include "xn_attempts.h"
#include "xn_ldap.h"
#include "xn_login.h"
#include "xn_pages.h"
#include "xn_path.h"
#include "xn_sessions.h"
#include "xn_store.h"

#define XN_BASIC_KEY_PREFIX 'b'
#define XN_LOOKUP_KEY_PREFIX 'l'

static request_rec *first_request(request_rec *r)
{
    while (r->main || r->prev) {
        r = r->main ? r->main : r->prev;
    }
    return r;
}

xn_request *xn_request_get(request_rec *r)
{
    request_rec *root = first_request(r);
    xn_request *state = ap_get_module_config(root->request_config,
                                             &extranet_module);

    if (!state) {
        state = apr_pcalloc(root->pool, sizeof(*state));
        ap_set_module_config(root->request_config, &extranet_module, state);
    }
    return state;
}

/* Registers PAGE for STATUS and remembers it, so that the error response
 * gets the page's headers too. */
static void set_error_page(request_rec *r, int status, xn_page_e page)
{
    xn_pages_set_error(r, status, page);
    xn_request_get(r)->error_pages = 1;
}

/* Shows the module's page on a 403 or 404 sent to a signed-in user. httpd
 * runs this hook before it looks up the page of an error response, so the
 * page is registered only when an error happens, not on every request. */
static void error_headers(request_rec *r)
{
    xn_request *state = ap_get_module_config(first_request(r)->request_config,
                                             &extranet_module);

    if (!state || !state->error_pages) {
        return;
    }
    if (state->extranet_user
        && !ap_response_code_string(r, ap_index_of_response(r->status))) {
        if (r->status == HTTP_NOT_FOUND) {
            xn_pages_set_error(r, HTTP_NOT_FOUND, XN_PAGE_NOT_FOUND);
        }
        else if (r->status == HTTP_FORBIDDEN) {
            xn_pages_set_error(r, HTTP_FORBIDDEN, XN_PAGE_FORBIDDEN);
        }
    }
    xn_pages_error_headers(r);
}

/* Registers the module's 403 and 404 pages now when the location has an
 * ErrorDocument for them, because httpd follows an ErrorDocument URL before
 * error_headers() runs. The pages replace it for signed-in users, so that a
 * denied and a missing path look the same. */
static void claim_error_documents(request_rec *r)
{
    if (ap_response_code_string(r, ap_index_of_response(HTTP_NOT_FOUND))) {
        xn_pages_set_error(r, HTTP_NOT_FOUND, XN_PAGE_NOT_FOUND);
    }
    if (ap_response_code_string(r, ap_index_of_response(HTTP_FORBIDDEN))) {
        xn_pages_set_error(r, HTTP_FORBIDDEN, XN_PAGE_FORBIDDEN);
    }
}

int xn_auth_is_endpoint(request_rec *r, const xn_server_config *sconf)
{
    apr_size_t len;

    if (sconf->enabled != 1 || !r->uri) {
        return 0;
    }
    len = strlen(sconf->endpoint);
    return !strncmp(r->uri, sconf->endpoint, len)
           && (r->uri[len] == '/' || r->uri[len] == '\0');
}

void xn_auth_set_user(request_rec *r, const char *user, xn_roleset_t roles,
                      const xn_server_config *sconf)
{
    xn_request *state = xn_request_get(r);

    r->user = apr_pstrdup(r->pool, user);
    state->extranet_user = 1;
    state->roles = roles;
    state->roles_text = xn_roleset_format(r->pool, sconf->rolemap, roles, ',');
    state->error_pages = 1;
    claim_error_documents(r);
}

int xn_auth_load_session(request_rec *r, const xn_server_config *sconf,
                         const char **user, xn_roleset_t *roles,
                         const char **id)
{
    xn_session s;
    int status = xn_sessions_load(r, sconf, &s, id);

    if (status == OK) {
        *user = s.user;
        *roles = xn_roleset_parse(sconf->rolemap, s.roles, ',');
        if (*roles == 0) {
            return DECLINED;
        }
    }
    return status;
}

/* Decides whether the path of R is open to ROLES and records the deciding
 * rule. A path that cannot be normalised is denied. */
static int path_allowed(request_rec *r, const xn_server_config *sconf,
                        xn_roleset_t roles, const char **rule_pattern)
{
    xn_request *state = xn_request_get(r);
    const char *npath = NULL;
    const xn_rule *rule = NULL;
    int allowed;

    /* The guard, the Require provider and the fixups guard ask the same
     * question of one request; the answer is kept for its URI and roles. */
    if (state->decided_request == r && state->decided_uri == r->uri
        && state->decided_roles == roles) {
        *rule_pattern = state->decided_rule;
        return state->decided_allowed;
    }

    *rule_pattern = NULL;
    if (!r->uri || xn_path_normalize(&npath, r->pool, r->uri, 0)
                   != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, XNLOGNO(0401)
                      "path cannot be normalised, denied");
        return 0;
    }
    allowed = xn_rules_allows(sconf->rules, npath, roles, &rule);
    *rule_pattern = rule ? rule->pattern : NULL;
    state->decided_request = r;
    state->decided_uri = r->uri;
    state->decided_roles = roles;
    state->decided_rule = *rule_pattern;
    state->decided_allowed = allowed;
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                  "path %s %s by rule %s", npath,
                  allowed ? "allowed" : "denied",
                  rule ? rule->pattern : "(none)");
    return allowed;
}

static int deny(request_rec *r, xn_request *state, const char *rule)
{
    int status = xn_config_denied_status(xn_config_dir(r));

    /* A subrequest (a directory listing probing its entries, say) fails
     * quietly; only the request the user made is audited as denied. */
    if (r->main) {
        return status;
    }
    state->event = XN_EVENT_DENIED;
    state->reason = rule ? "rule" : "no_rule";
    state->rule = rule;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, XNLOGNO(0402)
                  "denied %s to %s (roles %s) by %s", r->uri, r->user,
                  state->roles_text, rule ? rule : "the default rule");
    return status;
}

/* Marks the response private: what one role may read must not reach a
 * shared cache that could serve it to another. */
static void mark_private(request_rec *r)
{
    const char *cache = apr_table_get(r->err_headers_out, "Cache-Control");

    if (!cache || !ap_strstr_c(cache, "private")) {
        apr_table_mergen(r->err_headers_out, "Cache-Control", "private");
    }
}

/* Keeps every extranet user inside the rule table, whatever Require lines
 * the location carries. Runs before mod_authz_core, and again in fixups,
 * which also run for internal redirects and subrequests. */
static int guard(request_rec *r)
{
    const xn_server_config *sconf = xn_config_server(r->server);
    xn_request *state;
    const char *rule = NULL;

    if (sconf->enabled != 1 || xn_auth_is_endpoint(r, sconf)) {
        return DECLINED;
    }
    state = xn_request_get(r);
    if (!state->extranet_user) {
        return DECLINED;
    }
    if (!path_allowed(r, sconf, state->roles, &rule)) {
        return deny(r, state, rule);
    }
    if (!r->main) {
        state->rule = rule;
        mark_private(r);
    }
    return DECLINED;
}

static int guard_authz(request_rec *r)
{
    return guard(r);
}

/* In fixups, a request that no authentication ran for (a location with
 * "Require all granted", say) is still held to the rules when it carries a
 * valid session. */
static int guard_fixups(request_rec *r)
{
    const xn_server_config *sconf = xn_config_server(r->server);
    xn_request *state;
    const char *user = NULL;
    xn_roleset_t roles = 0;

    if (sconf->enabled != 1 || xn_auth_is_endpoint(r, sconf)) {
        return DECLINED;
    }
    state = xn_request_get(r);
    if (!state->extranet_user && !r->main && !r->user
        && xn_auth_load_session(r, sconf, &user, &roles, NULL) == OK) {
        xn_auth_set_user(r, user, roles, sconf);
    }
    return guard(r);
}

static int is_extranet_auth_type(request_rec *r)
{
    const char *type = ap_auth_type(r);

    return type && !strcasecmp(type, XN_AUTH_TYPE);
}

/* Sends the browser to the sign-in form. When the request carried a session
 * cookie that no longer names a session, the form reports that the session
 * has expired, and the stale cookie is removed. */
static int redirect_to_login(request_rec *r, const xn_server_config *sconf)
{
    const char *target = r->unparsed_uri ? r->unparsed_uri : "/";
    int expired = xn_sessions_transport_ok(r, sconf)
                  && xn_sessions_cookie_values(r,
                         xn_sessions_cookie_name(r, sconf, ""))->nelts > 0;
    const char *location = apr_pstrcat(r->pool, sconf->endpoint,
                                       "/login?return=",
                                       ap_escape_urlencoded(r->pool, target),
                                       expired ? "&expired=1" : "", NULL);

    if (expired) {
        xn_sessions_set_cookie(r, sconf, "", "", 1);
    }
    apr_table_setn(r->err_headers_out, "Location", location);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_MOVED_TEMPORARILY;
}

/* AuthType Extranet: the user comes from the session cookie, and a request
 * without a valid session is sent to the sign-in page. */
static int check_authn(request_rec *r)
{
    const xn_server_config *sconf = xn_config_server(r->server);
    const char *user = NULL;
    xn_roleset_t roles = 0;
    int status;

    if (!is_extranet_auth_type(r)) {
        return DECLINED;
    }
    if (sconf->enabled != 1) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(0403)
                      "AuthType Extranet is used on a virtual host without "
                      "\"Extranet On\"");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    status = xn_auth_load_session(r, sconf, &user, &roles, NULL);
    if (status == OK) {
        xn_auth_set_user(r, user, roles, sconf);
        return OK;
    }
    if (status == HTTP_SERVICE_UNAVAILABLE) {
        set_error_page(r, status, XN_PAGE_UNAVAILABLE);
        return status;
    }
    return redirect_to_login(r, sconf);
}

/* mod_authz_core calls this when a Require line denies a signed-in user.
 * httpd then responds 401, or 403 under AuthzSendForbiddenOnFailure On. */
static int note_auth_failure(request_rec *r, const char *auth_type)
{
    if (strcasecmp(auth_type, XN_AUTH_TYPE)) {
        return DECLINED;
    }
    set_error_page(r, HTTP_UNAUTHORIZED, XN_PAGE_FORBIDDEN);
    return OK;
}

/* The sign-in and sign-out pages must stay reachable without a session, so
 * they bypass the Require lines of the location they sit in. The admin page
 * does not: the Require lines of its location apply, and its handler checks
 * ExtranetAdminRole as well. */
static int endpoint_access(request_rec *r)
{
    const xn_server_config *sconf = xn_config_server(r->server);

    if (!xn_auth_is_endpoint(r, sconf)) {
        return DECLINED;
    }
    return strcmp(r->uri + strlen(sconf->endpoint), XN_ADMIN_PATH) ? OK
                                                                  : DECLINED;
}

static authz_status lookup_if_enabled(request_rec *r,
                                      const xn_server_config *sconf,
                                      xn_request *state);

static authz_status rules_check(request_rec *r, const char *require_line,
                                const void *parsed)
{
    const xn_server_config *sconf = xn_config_server(r->server);
    xn_request *state;
    const char *rule = NULL;
    authz_status lookup;

    (void)require_line;
    (void)parsed;
    if (sconf->enabled != 1) {
        return AUTHZ_DENIED;
    }
    if (!r->user) {
        return path_allowed(r, sconf, 0, &rule) ? AUTHZ_GRANTED
                                                : AUTHZ_DENIED_NO_USER;
    }
    state = xn_request_get(r);
    lookup = lookup_if_enabled(r, sconf, state);
    if (lookup != AUTHZ_GRANTED) {
        return lookup;
    }
    if (!state->extranet_user) {
        return AUTHZ_DENIED;
    }
    return path_allowed(r, sconf, state->roles, &rule) ? AUTHZ_GRANTED
                                                       : AUTHZ_DENIED;
}

static const char *role_parse(cmd_parms *cmd, const char *require_line,
                              const void **parsed)
{
    const char *line = require_line;
    const char *word;

    (void)parsed;
    word = ap_getword_conf(cmd->temp_pool, &line);
    if (!word || !*word) {
        return "Require extranet-role: expected one or more role names";
    }
    return NULL;
}

static authz_status role_check(request_rec *r, const char *require_line,
                               const void *parsed)
{
    const xn_server_config *sconf = xn_config_server(r->server);
    xn_request *state;
    const char *line = require_line;
    const char *word;
    authz_status lookup;

    (void)parsed;
    if (!r->user) {
        return AUTHZ_DENIED_NO_USER;
    }
    state = xn_request_get(r);
    if (sconf->enabled != 1) {
        return AUTHZ_DENIED;
    }
    lookup = lookup_if_enabled(r, sconf, state);
    if (lookup != AUTHZ_GRANTED) {
        return lookup;
    }
    if (!state->extranet_user) {
        return AUTHZ_DENIED;
    }
    while (*(word = ap_getword_conf(r->pool, &line))) {
        int index = xn_rolemap_index(sconf->rolemap, word);

        if (index >= 0 && (state->roles & ((xn_roleset_t)1 << index))) {
            return AUTHZ_GRANTED;
        }
    }
    return AUTHZ_DENIED;
}

static const authz_provider rules_provider = { rules_check, NULL };

/* The lookup cache keeps, under a keyed hash of REMOTE_USER, the canonical
 * name and roles found for it, for ExtranetBasicCacheTimeout seconds. */
static void lookup_cache_key(unsigned char key[1 + XN_HMAC_BYTES],
                             const char *user)
{
    key[0] = XN_LOOKUP_KEY_PREFIX;
    xn_hmac_sha256_keyed(key + 1, xn_store_secret_key(), user,
                         strlen(user) + 1);
}

static int lookup_cache_get(request_rec *r, const xn_server_config *sconf)
{
    unsigned char key[1 + XN_HMAC_BYTES];
    unsigned char *value = NULL;
    apr_size_t len = 0;
    char *name, *roles;

    lookup_cache_key(key, r->user);
    if (xn_store_get(r->server, key, sizeof(key), &value, &len, r->pool)
        != APR_SUCCESS || len == 0) {
        return 0;
    }
    name = apr_pstrmemdup(r->pool, (const char *)value, len);
    roles = strchr(name, '\t');
    if (!roles) {
        return 0;
    }
    *roles++ = '\0';
    xn_auth_set_user(r, name, xn_roleset_parse(sconf->rolemap, roles, ','),
                     sconf);
    return xn_request_get(r)->roles != 0;
}

static void lookup_cache_put(request_rec *r, const xn_server_config *sconf,
                             const char *user)
{
    unsigned char key[1 + XN_HMAC_BYTES];
    const char *text = apr_pstrcat(r->pool, r->user, "\t",
                                   xn_request_get(r)->roles_text, NULL);
    apr_status_t rv;

    lookup_cache_key(key, user);
    rv = xn_store_put(r->server, key, sizeof(key),
                      apr_time_now()
                      + apr_time_from_sec(sconf->basic_cache_timeout),
                      text, strlen(text), r->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, XNLOGNO(1305)
                      "cannot cache the lookup of %s", user);
    }
}

int xn_auth_lookup_roles(request_rec *r, const xn_server_config *sconf,
                         const char *user, const char **name,
                         xn_roleset_t *roles, const char **reason,
                         const char **detail)
{
    xn_ldap_user *entry = NULL;
    xn_ldap_status_e status;

    *detail = NULL;
    if (!sconf->ldap_pool) {
        *detail = "no directory connection pool in this process";
        return HTTP_SERVICE_UNAVAILABLE;
    }
    status = xn_ldap_authenticate(&entry, detail, sconf->ldap_pool, r->pool,
                                  user, NULL);
    if (status == XN_LDAP_UNAVAILABLE || status == XN_LDAP_BUSY) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (status != XN_LDAP_OK) {
        *reason = xn_ldap_status_reason(status);
        return HTTP_FORBIDDEN;
    }
    *roles = xn_rolemap_resolve(sconf->rolemap, entry->groups);
    if (*roles == 0) {
        *reason = "no_role";
        *detail = apr_psprintf(r->pool, "none of its %d groups maps to a "
                               "role", entry->groups->nelts);
        return HTTP_FORBIDDEN;
    }
    *name = entry->name;
    return OK;
}

/* Looks USER up in the directory without a password and, when the account
 * may sign in and has a role, makes it R's extranet user. Returns OK,
 * HTTP_FORBIDDEN with the audit reason in *reason, or
 * HTTP_SERVICE_UNAVAILABLE. */
static int lookup_directory(request_rec *r, const xn_server_config *sconf,
                            const char *user, const char **reason)
{
    const char *name = NULL, *detail = NULL;
    xn_roleset_t roles = 0;
    int status = xn_auth_lookup_roles(r, sconf, user, &name, &roles, reason,
                                      &detail);

    if (status == HTTP_SERVICE_UNAVAILABLE) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(1302)
                      "lookup of %s failed, directory %s unavailable: %s",
                      user, sconf->ldap->url, detail);
        return status;
    }
    if (status != OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, XNLOGNO(1303)
                      "lookup of %s refused: %s", user, detail);
        return status;
    }
    xn_auth_set_user(r, name, roles, sconf);
    return OK;
}

int xn_auth_lookup_user(request_rec *r, const xn_server_config *sconf)
{
    const char *user = r->user;
    const char *reason = NULL;
    int status;

    if (xn_username_check(user, strlen(user))) {
        return HTTP_FORBIDDEN;
    }
    if (sconf->basic_cache_timeout > 0 && lookup_cache_get(r, sconf)) {
        return OK;
    }
    status = lookup_directory(r, sconf, user, &reason);
    if (status == OK && sconf->basic_cache_timeout > 0) {
        lookup_cache_put(r, sconf, user);
    }
    return status;
}

/* With ExtranetLookupUser On, a user that another module authenticated
 * becomes an extranet user here. Returns AUTHZ_GENERAL_ERROR when the
 * directory cannot be asked, so the request fails closed. */
static authz_status lookup_if_enabled(request_rec *r,
                                      const xn_server_config *sconf,
                                      xn_request *state)
{
    int status;

    if (state->extranet_user || !sconf->lookup_user) {
        return AUTHZ_GRANTED;
    }
    status = xn_auth_lookup_user(r, sconf);
    if (status == HTTP_SERVICE_UNAVAILABLE) {
        set_error_page(r, HTTP_INTERNAL_SERVER_ERROR, XN_PAGE_UNAVAILABLE);
        return AUTHZ_GENERAL_ERROR;
    }
    return status == OK ? AUTHZ_GRANTED : AUTHZ_DENIED;
}
static const authz_provider role_provider = { role_check, role_parse };

xn_signin_e xn_auth_signin(request_rec *r, const xn_server_config *sconf,
                           const char *user, apr_size_t user_len,
                           const char *password, apr_size_t password_len,
                           const char **name, xn_roleset_t *roles,
                           const char **reason)
{
    xn_ldap_user *entry = NULL;
    const char *detail = NULL;
    xn_ldap_status_e status;

    *reason = xn_username_check(user, user_len);
    if (!*reason) {
        *reason = xn_password_check(password, password_len);
    }
    if (*reason) {
        return XN_SIGNIN_FAILED;
    }
    if (!sconf->ldap_pool) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(0409)
                      "no directory connection pool in this process; see "
                      "the XN0002 message at its start");
        *reason = xn_ldap_status_reason(XN_LDAP_UNAVAILABLE);
        return XN_SIGNIN_UNAVAILABLE;
    }

    status = xn_ldap_authenticate(&entry, &detail, sconf->ldap_pool, r->pool,
                                  user, password);
    if (status == XN_LDAP_UNAVAILABLE) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(0404)
                      "directory %s unavailable: %s", sconf->ldap->url,
                      detail);
        *reason = xn_ldap_status_reason(status);
        return XN_SIGNIN_UNAVAILABLE;
    }
    if (status == XN_LDAP_BUSY) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, XNLOGNO(1301)
                      "sign-in refused with 503: %s "
                      "(ExtranetLDAPMaxActive)", detail);
        *reason = xn_ldap_status_reason(status);
        return XN_SIGNIN_UNAVAILABLE;
    }
    if (status != XN_LDAP_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, XNLOGNO(0405)
                      "sign-in failed: %s", detail);
        *reason = xn_ldap_status_reason(status);
        return xn_ldap_status_password_verified(status) ? XN_SIGNIN_ACCOUNT
                                                        : XN_SIGNIN_FAILED;
    }

    *roles = xn_rolemap_resolve(sconf->rolemap, entry->groups);
    if (*roles == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, XNLOGNO(0406)
                      "sign-in of %s refused: none of its %d groups maps to "
                      "a role", entry->name, entry->groups->nelts);
        *reason = "no_role";
        return XN_SIGNIN_FAILED;
    }
    *name = entry->name;
    return XN_SIGNIN_OK;
}

/* The Basic credential cache stores, under a keyed hash of the user name,
 * a keyed hash of name and password plus the result of the directory
 * lookup. Neither the password nor an unkeyed hash of it is stored. */
static void basic_cache_key(unsigned char key[1 + XN_HMAC_BYTES],
                            const char *user)
{
    key[0] = XN_BASIC_KEY_PREFIX;
    xn_hmac_sha256_keyed(key + 1, xn_store_secret_key(), user,
                         strlen(user) + 1);
}

static void basic_cache_proof(unsigned char proof[XN_HMAC_BYTES],
                              apr_pool_t *p, const char *user,
                              const char *password)
{
    apr_size_t user_len = strlen(user);
    apr_size_t password_len = strlen(password);
    char *data = apr_palloc(p, user_len + password_len + 1);

    memcpy(data, user, user_len);
    data[user_len] = '\0';
    memcpy(data + user_len + 1, password, password_len);
    xn_hmac_sha256_keyed(proof, xn_store_secret_key(), data,
                         user_len + password_len + 1);
    memset(data, 0, user_len + password_len + 1);
}

/* Writes the cache entry under KEY: the proof, then the text
 * "CHECKED\tEXPIRY\tNAME\tROLES" with the times in microseconds since the
 * epoch. The name and roles are R's. */
static void basic_cache_write(request_rec *r, const unsigned char *key,
                              const unsigned char *proof, apr_time_t checked,
                              apr_time_t expiry)
{
    xn_request *state = xn_request_get(r);
    const char *text = apr_psprintf(r->pool, "%" APR_TIME_T_FMT "\t%"
                                    APR_TIME_T_FMT "\t%s\t%s", checked,
                                    expiry, r->user, state->roles_text);
    apr_size_t len = XN_HMAC_BYTES + strlen(text);
    char *value = apr_palloc(r->pool, len);
    apr_status_t rv;

    memcpy(value, proof, XN_HMAC_BYTES);
    memcpy(value + XN_HMAC_BYTES, text, len - XN_HMAC_BYTES);
    rv = xn_store_put(r->server, key, 1 + XN_HMAC_BYTES, expiry, value, len,
                      r->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, XNLOGNO(0407)
                      "cannot cache the Basic credential of %s", r->user);
    }
}

/* Asks the directory again about the cached user NAME. Returns OK, with
 * R's user and roles set, when the cached credential may still be used.
 * Returns HTTP_FORBIDDEN and removes the entry when the account was
 * disabled, deleted or lost its roles. Returns HTTP_SERVICE_UNAVAILABLE,
 * leaving the entry as it is, when the directory cannot be asked. */
static int basic_cache_recheck(request_rec *r, const xn_server_config *sconf,
                               const unsigned char *key,
                               const unsigned char *proof, apr_time_t expiry,
                               const char *name)
{
    const char *reason = NULL;
    int status = lookup_directory(r, sconf, name, &reason);

    if (status == HTTP_FORBIDDEN) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, XNLOGNO(1306)
                      "cached Basic credential of %s ended: %s", name,
                      reason);
        xn_store_remove(r->server, key, 1 + XN_HMAC_BYTES, r->pool);
    }
    else if (status == OK) {
        basic_cache_write(r, key, proof, apr_time_now(), expiry);
    }
    return status;
}

static int basic_cache_lookup(request_rec *r, const xn_server_config *sconf,
                              const char *user, const char *password)
{
    unsigned char key[1 + XN_HMAC_BYTES];
    unsigned char proof[XN_HMAC_BYTES];
    unsigned char *value = NULL;
    apr_size_t len = 0;
    char *text, *fields[4], *state = NULL;
    apr_time_t checked, expiry;
    int i;

    basic_cache_key(key, user);
    if (xn_store_get(r->server, key, sizeof(key), &value, &len, r->pool)
        != APR_SUCCESS || len <= XN_HMAC_BYTES) {
        return 0;
    }
    basic_cache_proof(proof, r->pool, user, password);
    if (!xn_secure_equal(proof, value, XN_HMAC_BYTES)) {
        return 0;
    }
    text = apr_pstrmemdup(r->pool, (char *)value + XN_HMAC_BYTES,
                          len - XN_HMAC_BYTES);
    for (i = 0; i < 4; i++) {
        fields[i] = apr_strtok(i ? NULL : text, "\t", &state);
        if (!fields[i]) {
            return 0;
        }
    }
    checked = apr_atoi64(fields[0]);
    expiry = apr_atoi64(fields[1]);

    if (sconf->basic_cache_recheck > 0
        && apr_time_now() - checked
           >= apr_time_from_sec(sconf->basic_cache_recheck)) {
        int status = basic_cache_recheck(r, sconf, key, proof, expiry,
                                         fields[2]);

        /* While the directory is down, the credential verified before
         * stays usable until its expiry, as without a re-check. */
        if (status != HTTP_SERVICE_UNAVAILABLE) {
            return status == OK;
        }
    }
    xn_auth_set_user(r, fields[2],
                     xn_roleset_parse(sconf->rolemap, fields[3], ','), sconf);
    return xn_request_get(r)->roles != 0;
}

static void basic_cache_store(request_rec *r, const xn_server_config *sconf,
                              const char *user, const char *password)
{
    unsigned char key[1 + XN_HMAC_BYTES];
    unsigned char proof[XN_HMAC_BYTES];
    apr_time_t now = apr_time_now();

    basic_cache_key(key, user);
    basic_cache_proof(proof, r->pool, user, password);
    basic_cache_write(r, key, proof, now,
                      now + apr_time_from_sec(sconf->basic_cache_timeout));
}

/* Signs in a Basic user within the same throttling limits as the form. A
 * throttled attempt fails with reason "throttle" or "block" and never
 * reaches the directory. */
static xn_signin_e basic_signin(request_rec *r, const xn_server_config *sconf,
                                const char *user, const char *password,
                                const char **name, xn_roleset_t *roles,
                                const char **reason)
{
    xn_attempt attempt;
    xn_attempt_e go;
    xn_signin_e result;

    *reason = xn_username_check(user, strlen(user));
    if (!*reason) {
        *reason = xn_password_check(password, strlen(password));
    }
    if (*reason) {
        return XN_SIGNIN_FAILED;
    }
    go = xn_attempts_begin(r, sconf, user, &attempt);
    if (go == XN_ATTEMPT_ERROR) {
        *reason = "session_store_failed";
        return XN_SIGNIN_UNAVAILABLE;
    }
    if (go != XN_ATTEMPT_GO) {
        xn_request_get(r)->event = go == XN_ATTEMPT_BLOCKED ? XN_EVENT_BLOCK
                                                             : XN_EVENT_THROTTLE;
        *reason = attempt.limited;
        return XN_SIGNIN_FAILED;
    }
    result = xn_auth_signin(r, sconf, user, strlen(user), password,
                            strlen(password), name, roles, reason);
    xn_attempts_finish(r, sconf, &attempt,
                       result == XN_SIGNIN_OK ? XN_OUTCOME_SUCCESS
                       : result == XN_SIGNIN_UNAVAILABLE
                       ? XN_OUTCOME_NOT_REACHED : XN_OUTCOME_FAILURE);
    return result;
}

static authn_status basic_check(request_rec *r, const char *user,
                                const char *password)
{
    const xn_server_config *sconf = xn_config_server(r->server);
    xn_request *state = xn_request_get(r);
    const char *name = NULL, *reason = NULL;
    xn_roleset_t roles = 0;
    xn_signin_e result;

    if (sconf->enabled != 1) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(0408)
                      "AuthBasicProvider extranet is used on a virtual host "
                      "without \"Extranet On\"");
        return AUTH_GENERAL_ERROR;
    }
    if (sconf->basic_cache_timeout > 0 && *password
        && basic_cache_lookup(r, sconf, user, password)) {
        return AUTH_GRANTED;
    }

    result = basic_signin(r, sconf, user, password, &name, &roles, &reason);
    if (result == XN_SIGNIN_OK) {
        xn_auth_set_user(r, name, roles, sconf);
        if (sconf->basic_cache_timeout > 0) {
            basic_cache_store(r, sconf, user, password);
        }
        return AUTH_GRANTED;
    }
    if (!state->event) {
        state->event = result == XN_SIGNIN_UNAVAILABLE
                       ? XN_EVENT_UNAVAILABLE : XN_EVENT_LOGIN_FAILED;
    }
    state->reason = reason;
    state->audit_user = user;
    if (result == XN_SIGNIN_UNAVAILABLE) {
        set_error_page(r, HTTP_INTERNAL_SERVER_ERROR, XN_PAGE_UNAVAILABLE);
        return AUTH_GENERAL_ERROR;
    }
    return AUTH_DENIED;
}

static const authn_provider basic_provider = { basic_check, NULL };

void xn_auth_register(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, XN_AUTHN_PROVIDER,
                              AUTHN_PROVIDER_VERSION, &basic_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "extranet-rules",
                              AUTHZ_PROVIDER_VERSION, &rules_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "extranet-role",
                              AUTHZ_PROVIDER_VERSION, &role_provider,
                              AP_AUTH_INTERNAL_PER_CONF);

    ap_hook_check_authn(check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authz(guard_authz, NULL, NULL, APR_HOOK_FIRST,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_access_checker_ex(endpoint_access, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_note_auth_failure(note_auth_failure, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(guard_fixups, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_insert_error_filter(error_headers, NULL, NULL, APR_HOOK_MIDDLE);
}
