/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <apr_lib.h>
#include <apr_strings.h>

#include <http_protocol.h>

#include "xn_session_end.h"
#include "xn_audit.h"
#include "xn_auth.h"
#include "xn_crypto.h"
#include "xn_csrf.h"
#include "xn_input.h"
#include "xn_login.h"
#include "xn_pages.h"
#include "xn_store.h"

#define XN_END_KEY_PREFIX 'e'

/* Extra seconds an end record outlives the longest session, for clocks of
 * servers that differ a little. */
#define XN_END_MARGIN 300

static void end_key(unsigned char key[1 + XN_HMAC_BYTES], apr_pool_t *p,
                    const char *user)
{
    char *lower = apr_pstrcat(p, "session-end:", user, NULL);
    char *c;

    for (c = lower; *c; c++) {
        *c = (char)apr_tolower(*c);
    }
    key[0] = XN_END_KEY_PREFIX;
    xn_hmac_sha256_keyed(key + 1, xn_store_secret_key(), lower,
                         strlen(lower));
}

int xn_session_end_applies(request_rec *r, const char *user,
                           apr_int64_t created)
{
    unsigned char key[1 + XN_HMAC_BYTES];
    unsigned char *value = NULL;
    apr_size_t len = 0;
    apr_int64_t ended;
    apr_status_t rv;

    end_key(key, r->pool, user);
    rv = xn_store_get(r->server, key, sizeof(key), &value, &len, r->pool);
    if (APR_STATUS_IS_NOTFOUND(rv)) {
        return 0;
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, XNLOGNO(1233)
                      "cannot read the session end record of %s", user);
        return -1;
    }
    ended = apr_atoi64((const char *)value);
    return ended > 0 && created <= ended;
}

apr_status_t xn_session_end_user(request_rec *r, const xn_server_config *sconf,
                                 const char *user)
{
    unsigned char key[1 + XN_HMAC_BYTES];
    apr_int64_t now = apr_time_sec(apr_time_now());
    const char *value = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, now);

    end_key(key, r->pool, user);
    return xn_store_put(r->server, key, sizeof(key),
                        apr_time_from_sec(now + sconf->max_lifetime
                                          + XN_END_MARGIN),
                        value, strlen(value), r->pool);
}

static int is_admin(const xn_server_config *sconf, xn_roleset_t roles)
{
    int index = sconf->admin_role
                ? xn_rolemap_index(sconf->rolemap, sconf->admin_role) : -1;

    return index >= 0 && (roles & ((xn_roleset_t)1 << index));
}

static int end_sessions_post(request_rec *r, const xn_server_config *sconf,
                             const char *session_id, xn_page_args *args)
{
    xn_request *state = xn_request_get(r);
    apr_table_t *form = NULL;
    const char *invalid = xn_login_read_form(r, &form);
    const char *target;

    if (invalid || !xn_csrf_session_valid(r, "admin", session_id,
                                          apr_table_get(form, XN_CSRF_FIELD))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, XNLOGNO(1230)
                      "request to end sessions rejected: %s",
                      invalid ? invalid : "invalid CSRF token");
        return xn_pages_send(r, XN_PAGE_BAD_REQUEST, HTTP_BAD_REQUEST, NULL);
    }
    target = apr_table_get(form, "user");
    if (!target || xn_username_check(target, strlen(target))) {
        return xn_pages_send(r, XN_PAGE_BAD_REQUEST, HTTP_BAD_REQUEST, NULL);
    }
    if (xn_session_end_user(r, sconf, target) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(1231)
                      "cannot store the end of the sessions of %s", target);
        return xn_pages_send(r, XN_PAGE_UNAVAILABLE,
                             HTTP_SERVICE_UNAVAILABLE, NULL);
    }
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, XNLOGNO(1232)
                  "%s ended every session of %s", r->user, target);
    state->event = XN_EVENT_SESSION_END;
    state->target = target;
    args->notice = target;
    return xn_pages_send_args(r, XN_PAGE_ADMIN, HTTP_OK, args);
}

int xn_session_end_handler(request_rec *r, const xn_server_config *sconf)
{
    const char *user = NULL, *id = NULL;
    xn_roleset_t roles = 0;
    xn_page_args args = { NULL, NULL, 0, NULL };
    int status;

    status = xn_auth_load_session(r, sconf, &user, &roles, &id);
    if (status == HTTP_SERVICE_UNAVAILABLE) {
        return xn_pages_send(r, XN_PAGE_UNAVAILABLE, status, NULL);
    }
    if (status != OK || !is_admin(sconf, roles)) {
        return xn_pages_send(r, XN_PAGE_NOT_FOUND, HTTP_NOT_FOUND, NULL);
    }
    xn_auth_set_user(r, user, roles, sconf);
    args.csrf = xn_csrf_session_token(r, "admin", id);

    if (r->method_number == M_POST) {
        return end_sessions_post(r, sconf, id, &args);
    }
    if (r->method_number != M_GET) {
        apr_table_setn(r->err_headers_out, "Allow", "GET, HEAD, POST");
        return HTTP_METHOD_NOT_ALLOWED;
    }
    return xn_pages_send_args(r, XN_PAGE_ADMIN, HTTP_OK, &args);
}
