/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <apr_strings.h>
#include <apr_buckets.h>

#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>

#include "xn_login.h"
#include "xn_attempts.h"
#include "xn_audit.h"
#include "xn_auth.h"
#include "xn_csrf.h"
#include "xn_input.h"
#include "xn_pages.h"
#include "xn_session_end.h"
#include "xn_sessions.h"

/* A sign-in form is a few hundred bytes, so anything far larger is an error
 * or an attack, and is rejected before it is parsed. */
#define XN_FORM_MAX 8192
#define XN_FORM_FIELDS_MAX 8

/* Reads the request body into memory, failing with APR_ENOSPC past MAX. */
static apr_status_t read_body(request_rec *r, apr_size_t max, char **out,
                              apr_size_t *out_len)
{
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    char *buf = apr_palloc(r->pool, max + 1);
    apr_size_t used = 0;
    int seen_eos = 0;
    apr_status_t rv;

    do {
        apr_bucket *b;

        rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                            APR_BLOCK_READ, HUGE_STRING_LEN);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
             b = APR_BUCKET_NEXT(b)) {
            const char *data;
            apr_size_t len;

            if (APR_BUCKET_IS_EOS(b)) {
                seen_eos = 1;
                break;
            }
            rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ);
            if (rv != APR_SUCCESS) {
                return rv;
            }
            if (used + len > max) {
                return APR_ENOSPC;
            }
            memcpy(buf + used, data, len);
            used += len;
        }
        apr_brigade_cleanup(bb);
    } while (!seen_eos);

    buf[used] = '\0';
    *out = buf;
    *out_len = used;
    return APR_SUCCESS;
}

static int is_form_post(request_rec *r)
{
    const char *type = apr_table_get(r->headers_in, "Content-Type");

    return type && !strncasecmp(type, "application/x-www-form-urlencoded",
                                33)
           && (type[33] == '\0' || type[33] == ';' || type[33] == ' ');
}

static int bad_request(request_rec *r, xn_request *state, const char *reason)
{
    state->event = XN_EVENT_LOGIN_FAILED;
    state->reason = reason;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, XNLOGNO(0501)
                  "sign-in request rejected: %s", reason);
    return xn_pages_send(r, XN_PAGE_BAD_REQUEST, HTTP_BAD_REQUEST, NULL);
}

/* Reads the sign-in form into *form. Returns NULL, or the audit reason why
 * the request cannot be a sign-in. */
const char *xn_login_read_form(request_rec *r, apr_table_t **form)
{
    char *body = NULL;
    apr_size_t len = 0;
    const char *err = NULL;
    apr_status_t rv;

    if (!is_form_post(r)) {
        return "invalid_content_type";
    }
    rv = read_body(r, XN_FORM_MAX, &body, &len);
    if (rv == APR_ENOSPC) {
        return "body_too_large";
    }
    if (rv != APR_SUCCESS) {
        return "body_unreadable";
    }
    if (xn_form_parse(form, r->pool, body, len, XN_FORM_FIELDS_MAX, &err)
        != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, XNLOGNO(0502)
                      "invalid sign-in form: %s", err);
        return "invalid_form";
    }
    return NULL;
}

/* Rejects a sign-in page request that came over plain HTTP while
 * ExtranetAllowInsecureCookie is Off, because the session cookie would
 * travel in clear. */
static int insecure_refused(request_rec *r)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(1204)
                  "sign-in over plain HTTP refused: serve %s over HTTPS, or "
                  "set ExtranetAllowInsecureCookie On for a test setup",
                  r->uri);
    return xn_pages_send(r, XN_PAGE_UNAVAILABLE, HTTP_FORBIDDEN, NULL);
}

/* Sends the sign-in form PAGE with a CSRF token bound to the pre-session
 * cookie. */
static int send_login_form(request_rec *r, const xn_server_config *sconf,
                           xn_page_e page, const char *target)
{
    xn_page_args args = { target, NULL, 0, NULL };

    args.csrf = xn_csrf_login_token(r, sconf);
    if (!args.csrf) {
        return xn_pages_send(r, XN_PAGE_UNAVAILABLE, HTTP_SERVICE_UNAVAILABLE,
                             target);
    }
    return xn_pages_send_args(r, page, HTTP_OK, &args);
}

/* Sends the 429 page with Retry-After for an attempt that throttling held
 * back. */
static int send_throttled(request_rec *r, xn_attempt_e result,
                          const xn_attempt *a, const char *user)
{
    xn_request *state = xn_request_get(r);
    xn_page_args args = { NULL, NULL, a->wait, NULL };
    int blocked = result == XN_ATTEMPT_BLOCKED;

    state->event = blocked ? XN_EVENT_BLOCK : XN_EVENT_THROTTLE;
    state->reason = a->limited;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, XNLOGNO(1205)
                  "sign-in of %s from %s %s by the %s limit for %"
                  APR_INT64_T_FMT " seconds", user, r->useragent_ip,
                  blocked ? "blocked" : "delayed", a->limited, a->wait);
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT, a->wait));
    return xn_pages_send_args(r, blocked ? XN_PAGE_BLOCKED : XN_PAGE_THROTTLED,
                              HTTP_TOO_MANY_REQUESTS, &args);
}

/* Asks the directory, within the throttling limits. Returns 1 with *name
 * and *roles, or 0 with *response set to the status of the response that
 * it sent. */
static int signin(request_rec *r, const xn_server_config *sconf,
                  const char *user, const char *password, const char *target,
                  const char **name, xn_roleset_t *roles, int *response)
{
    xn_request *state = xn_request_get(r);
    const char *reason = xn_username_check(user, strlen(user));
    xn_attempt attempt;
    xn_attempt_e go;
    xn_signin_e result;

    if (!reason) {
        reason = xn_password_check(password, strlen(password));
    }
    if (reason) {
        state->event = XN_EVENT_LOGIN_FAILED;
        state->reason = reason;
        *response = send_login_form(r, sconf, XN_PAGE_LOGIN_FAILED, target);
        return 0;
    }
    go = xn_attempts_begin(r, sconf, user, &attempt);
    if (go == XN_ATTEMPT_DELAYED || go == XN_ATTEMPT_BLOCKED) {
        *response = send_throttled(r, go, &attempt, user);
        return 0;
    }
    if (go == XN_ATTEMPT_ERROR) {
        state->event = XN_EVENT_LOGIN_FAILED;
        state->reason = "session_store_failed";
        *response = xn_pages_send(r, XN_PAGE_UNAVAILABLE,
                                  HTTP_SERVICE_UNAVAILABLE, target);
        return 0;
    }

    result = xn_auth_signin(r, sconf, user, strlen(user), password,
                            strlen(password), name, roles, &reason);
    state->reason = reason;
    xn_attempts_finish(r, sconf, &attempt,
                       result == XN_SIGNIN_OK ? XN_OUTCOME_SUCCESS
                       : result == XN_SIGNIN_UNAVAILABLE
                       ? XN_OUTCOME_NOT_REACHED : XN_OUTCOME_FAILURE);
    if (result == XN_SIGNIN_UNAVAILABLE) {
        state->event = XN_EVENT_UNAVAILABLE;
        *response = xn_pages_send(r, XN_PAGE_UNAVAILABLE,
                                  HTTP_SERVICE_UNAVAILABLE, target);
        return 0;
    }
    if (result != XN_SIGNIN_OK) {
        state->event = XN_EVENT_LOGIN_FAILED;
        *response = send_login_form(r, sconf, result == XN_SIGNIN_ACCOUNT
                                              ? XN_PAGE_LOGIN_ACCOUNT
                                              : XN_PAGE_LOGIN_FAILED, target);
        return 0;
    }
    return 1;
}

static int login_post(request_rec *r, const xn_server_config *sconf)
{
    xn_request *state = xn_request_get(r);
    apr_table_t *form = NULL;
    const char *user, *password, *target, *name = NULL;
    const char *old_id = NULL, *old_user = NULL;
    xn_roleset_t roles = 0, old_roles = 0;
    const char *invalid = xn_login_read_form(r, &form);
    int status;

    if (invalid) {
        return bad_request(r, state, invalid);
    }
    user = apr_table_get(form, "username");
    password = apr_table_get(form, "password");
    target = xn_return_url_check(apr_table_get(form, "return"));
    state->audit_user = user;

    /* Checked before anything else, so a forged post never reaches the
     * directory nor counts as a failed sign-in. */
    if (!xn_csrf_login_valid(r, sconf, apr_table_get(form, XN_CSRF_FIELD))) {
        return bad_request(r, state, "invalid_csrf_token");
    }

    if (!signin(r, sconf, user ? user : "", password ? password : "",
                target, &name, &roles, &status)) {
        return status;
    }

    /* A session that came with the request is ended, so an id planted
     * before sign-in can never carry the new identity. */
    if (xn_auth_load_session(r, sconf, &old_user, &old_roles, &old_id) == OK) {
        xn_sessions_destroy(r, sconf, old_id);
        apr_table_unset(r->err_headers_out, "Set-Cookie");
    }
    if (xn_sessions_create(r, sconf, name,
                           xn_roleset_format(r->pool, sconf->rolemap, roles,
                                             ',')) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(0503)
                      "cannot store the session of %s", name);
        state->event = XN_EVENT_LOGIN_FAILED;
        state->reason = "session_store_failed";
        return xn_pages_send(r, XN_PAGE_UNAVAILABLE,
                             HTTP_SERVICE_UNAVAILABLE, target);
    }

    xn_auth_set_user(r, name, roles, sconf);
    state->event = XN_EVENT_LOGIN_SUCCESS;
    state->reason = NULL;
    apr_table_setn(r->headers_out, "Location", target);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_SEE_OTHER;
}

static int logout_get(request_rec *r, const xn_server_config *sconf)
{
    const char *user = NULL, *id = NULL;
    xn_roleset_t roles = 0;
    xn_page_args args = { NULL, NULL, 0, NULL };

    if (xn_auth_load_session(r, sconf, &user, &roles, &id) == OK) {
        args.csrf = xn_csrf_session_token(r, "logout", id);
    }
    return xn_pages_send_args(r, XN_PAGE_LOGOUT_CONFIRM, HTTP_OK, &args);
}

static int logout_post(request_rec *r, const xn_server_config *sconf)
{
    xn_request *state = xn_request_get(r);
    apr_table_t *form = NULL;
    const char *user = NULL, *id = NULL;
    xn_roleset_t roles = 0;
    const char *invalid;

    if (xn_auth_load_session(r, sconf, &user, &roles, &id) != OK) {
        xn_sessions_destroy(r, sconf, NULL);
        return xn_pages_send(r, XN_PAGE_LOGGED_OUT, HTTP_OK, NULL);
    }
    invalid = xn_login_read_form(r, &form);
    if (invalid) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, XNLOGNO(1206)
                      "sign-out request rejected: %s", invalid);
        return xn_pages_send(r, XN_PAGE_BAD_REQUEST, HTTP_BAD_REQUEST, NULL);
    }
    /* The "Afmelden" button of an intranet page cannot carry a token, so a
     * post from the site itself also signs out. A post from anywhere else
     * gets the confirmation page, whose form carries one. */
    if (!xn_csrf_session_valid(r, "logout", id,
                               apr_table_get(form, XN_CSRF_FIELD))
        && !xn_csrf_same_origin(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, XNLOGNO(1207)
                      "sign-out request without a valid token from another "
                      "origin; asking for confirmation");
        return logout_get(r, sconf);
    }
    r->user = apr_pstrdup(r->pool, user);
    state->roles_text = xn_roleset_format(r->pool, sconf->rolemap, roles, ',');
    state->event = XN_EVENT_LOGOUT;
    xn_sessions_destroy(r, sconf, id);
    return xn_pages_send(r, XN_PAGE_LOGGED_OUT, HTTP_OK, NULL);
}

static const char *query_value(request_rec *r, const char *name)
{
    apr_table_t *query = NULL;
    const char *err = NULL;

    if (!r->args || xn_form_parse(&query, r->pool, r->args, strlen(r->args),
                                  XN_FORM_FIELDS_MAX, &err) != APR_SUCCESS) {
        return NULL;
    }
    return apr_table_get(query, name);
}

static int method_not_allowed(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "Allow", "GET, HEAD, POST");
    return HTTP_METHOD_NOT_ALLOWED;
}

static int login_page(request_rec *r, const xn_server_config *sconf)
{
    const char *expired = query_value(r, "expired");

    if (r->method_number == M_POST) {
        return login_post(r, sconf);
    }
    if (r->method_number != M_GET) {
        return method_not_allowed(r);
    }
    return send_login_form(r, sconf,
                           expired && !strcmp(expired, "1") ? XN_PAGE_EXPIRED
                                                            : XN_PAGE_LOGIN,
                           xn_return_url_check(query_value(r, "return")));
}

int xn_login_handler(request_rec *r)
{
    const xn_server_config *sconf = xn_config_server(r->server);
    const char *page;

    if (r->main || !xn_auth_is_endpoint(r, sconf)) {
        return DECLINED;
    }
    page = r->uri + strlen(sconf->endpoint);

    if (!strcmp(page, "/login") || !strcmp(page, "/logout")) {
        if (!xn_sessions_transport_ok(r, sconf)) {
            return insecure_refused(r);
        }
        if (!strcmp(page, "/login")) {
            return login_page(r, sconf);
        }
        if (r->method_number == M_POST) {
            return logout_post(r, sconf);
        }
        if (r->method_number != M_GET) {
            return method_not_allowed(r);
        }
        return logout_get(r, sconf);
    }
    if (!strcmp(page, XN_ADMIN_PATH)) {
        return xn_session_end_handler(r, sconf);
    }
    return xn_pages_send(r, XN_PAGE_NOT_FOUND, HTTP_NOT_FOUND, NULL);
}
