/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <apr_strings.h>
#include <apr_lib.h>

#include <http_protocol.h>

#include "xn_ldap.h"
#include "xn_sessions.h"
#include "xn_auth.h"
#include "xn_session_end.h"
#include "xn_store.h"

/* A session's last-seen time is written back at most every tenth of the
 * idle timeout and at most every 60 seconds, so most requests only read the
 * store, and the idle timeout is exact to within that interval. */
#define XN_TOUCH_INTERVAL_MAX 60

/* Seconds before a directory check that found the directory unavailable is
 * tried again, so an outage costs each session one timeout per interval
 * instead of one per request. */
#define XN_RECHECK_RETRY 30

static apr_int64_t touch_interval(const xn_server_config *sconf)
{
    apr_int64_t interval = sconf->idle_timeout / 10;

    return interval > XN_TOUCH_INTERVAL_MAX ? XN_TOUCH_INTERVAL_MAX : interval;
}

typedef struct cookie_scan {
    const char *name;
    apr_size_t name_len;
    apr_array_header_t *values;
} cookie_scan;

/* Collects every value of the session cookie from one Cookie header. A
 * browser may send two cookies of one name when another site set one. httpd
 * joins repeated Cookie headers with ", ", so ',' separates cookies too; a
 * session id never contains one. */
static int scan_cookie_header(void *data, const char *key, const char *value)
{
    cookie_scan *scan = data;
    const char *c = value;

    (void)key;
    while (*c) {
        const char *end;

        while (*c == ' ' || *c == ';' || *c == ',') {
            c++;
        }
        end = c + strcspn(c, ";,");
        if ((apr_size_t)(end - c) > scan->name_len
            && !strncmp(c, scan->name, scan->name_len)
            && c[scan->name_len] == '=') {
            const char *v = c + scan->name_len + 1;
            APR_ARRAY_PUSH(scan->values, const char *) =
                apr_pstrmemdup(scan->values->pool, v, end - v);
        }
        c = end;
    }
    return 1;
}

int xn_sessions_https(request_rec *r)
{
    return !strcmp(ap_http_scheme(r), "https");
}

int xn_sessions_transport_ok(request_rec *r, const xn_server_config *sconf)
{
    return xn_sessions_https(r) || sconf->allow_insecure_cookie == 1;
}

const char *xn_sessions_cookie_name(request_rec *r,
                                    const xn_server_config *sconf,
                                    const char *suffix)
{
    return apr_pstrcat(r->pool, xn_sessions_https(r) ? "__Host-" : "",
                       sconf->cookie_name, suffix, NULL);
}

apr_array_header_t *xn_sessions_cookie_values(request_rec *r,
                                              const char *name)
{
    cookie_scan scan;

    scan.name = name;
    scan.name_len = strlen(name);
    scan.values = apr_array_make(r->pool, 1, sizeof(const char *));
    apr_table_do(scan_cookie_header, &scan, r->headers_in, "Cookie", NULL);
    return scan.values;
}

static int session_ended(const xn_session *s, const xn_server_config *sconf,
                         apr_int64_t now)
{
    return now - s->last_seen > sconf->idle_timeout
           || now - s->created > sconf->max_lifetime
           || s->last_seen > now + XN_TOUCH_INTERVAL_MAX;
}

static apr_time_t session_expiry(const xn_session *s,
                                 const xn_server_config *sconf)
{
    apr_int64_t idle_end = s->last_seen + sconf->idle_timeout;
    apr_int64_t life_end = s->created + sconf->max_lifetime;

    return apr_time_from_sec(idle_end < life_end ? idle_end : life_end);
}

/* Writes session S under KEY. A last-seen update (TOUCH) may reach other
 * processes a moment late; a new session is visible everywhere at once. */
static apr_status_t session_store(request_rec *r,
                                  const unsigned char *key,
                                  const xn_session *s,
                                  const xn_server_config *sconf, int touch)
{
    char *value = NULL;
    apr_size_t len = 0;
    apr_status_t rv = xn_session_encode(&value, &len, r->pool, s);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (touch) {
        return xn_store_touch(r->server, key, XN_SESSION_KEY_BYTES,
                              session_expiry(s, sconf), value, len, r->pool);
    }
    return xn_store_put(r->server, key, XN_SESSION_KEY_BYTES,
                        session_expiry(s, sconf), value, len, r->pool);
}

/* Decides whether the session under KEY has ended. A process's local copy
 * may hold a last-seen time a moment old, so an end found there is checked
 * against the store before the session is removed. */
static int confirm_ended(request_rec *r, const xn_server_config *sconf,
                         const unsigned char *key, xn_session *out,
                         apr_int64_t now)
{
    unsigned char *value = NULL;
    apr_size_t len = 0;

    if (xn_store_get_fresh(r->server, key, XN_SESSION_KEY_BYTES, &value, &len,
                           r->pool) != APR_SUCCESS) {
        return 1;
    }
    return xn_session_decode(out, r->pool, value, len) != APR_SUCCESS
           || session_ended(out, sconf, now);
}

/* Looks the user of S up in the directory again, without a password, and
 * resolves the roles anew. Returns OK with S updated (the caller stores it),
 * DECLINED when the account is gone, no longer matches the directory URL's
 * filter (which is how a disabled account drops out) or has no role left.
 * While the directory is unavailable or busy the session keeps the roles it had,
 * and no more, and the check runs again on the next request. */
static int recheck(request_rec *r, const xn_server_config *sconf,
                   xn_session *s, apr_int64_t now)
{
    const char *name = NULL, *reason = NULL, *detail = NULL;
    xn_roleset_t roles = 0;
    int status;

    if (!sconf->ldap_pool) {
        return OK;
    }
    status = xn_auth_lookup_roles(r, sconf, s->user, &name, &roles, &reason,
                                  &detail);
    if (status == HTTP_SERVICE_UNAVAILABLE) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, XNLOGNO(1210)
                      "cannot check the account %s in the directory, the "
                      "session keeps its roles and the check is retried in "
                      "%d seconds: %s", s->user, XN_RECHECK_RETRY, detail);
        s->checked = now - sconf->session_recheck + XN_RECHECK_RETRY;
        return OK;
    }
    if (status != OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, XNLOGNO(1211)
                      "session of %s ended by the directory check (%s): %s",
                      s->user, reason, detail);
        return DECLINED;
    }
    s->roles = xn_roleset_format(r->pool, sconf->rolemap, roles, ',');
    s->checked = now;
    return OK;
}

/* Returns OK, DECLINED or HTTP_SERVICE_UNAVAILABLE for one cookie value. */
static int load_one(request_rec *r, const xn_server_config *sconf,
                    const char *id, xn_session *out)
{
    unsigned char key[XN_SESSION_KEY_BYTES];
    unsigned char *value = NULL;
    apr_size_t len = 0;
    apr_int64_t now = apr_time_sec(apr_time_now());
    int dirty = 0, ended;
    apr_status_t rv;

    xn_session_key(key, id);
    rv = xn_store_get(r->server, key, sizeof(key), &value, &len, r->pool);
    if (APR_STATUS_IS_NOTFOUND(rv)) {
        return DECLINED;
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, XNLOGNO(0301)
                      "cannot read a session from the session cache");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if ((xn_session_decode(out, r->pool, value, len) != APR_SUCCESS
         || session_ended(out, sconf, now))
        && confirm_ended(r, sconf, key, out, now)) {
        xn_store_remove(r->server, key, sizeof(key), r->pool);
        return DECLINED;
    }
    ended = xn_session_end_applies(r, out->user, out->created);
    if (ended < 0) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (ended) {
        xn_store_remove(r->server, key, sizeof(key), r->pool);
        return DECLINED;
    }

    if (sconf->session_recheck > 0
        && now - out->checked >= sconf->session_recheck) {
        if (recheck(r, sconf, out, now) != OK) {
            xn_store_remove(r->server, key, sizeof(key), r->pool);
            return DECLINED;
        }
        dirty = 1;
    }
    if (dirty || now - out->last_seen >= touch_interval(sconf)) {
        out->last_seen = now;
        rv = session_store(r, key, out, sconf, 1);
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r, XNLOGNO(0302)
                          "cannot update the last-seen time of the session "
                          "of %s", out->user);
        }
    }
    return OK;
}

int xn_sessions_load(request_rec *r, const xn_server_config *sconf,
                     xn_session *out, const char **id)
{
    apr_array_header_t *values;
    int i;

    if (!xn_sessions_transport_ok(r, sconf)) {
        return DECLINED;
    }
    values = xn_sessions_cookie_values(r, xn_sessions_cookie_name(r, sconf,
                                                                  ""));

    for (i = 0; i < values->nelts; i++) {
        const char *value = APR_ARRAY_IDX(values, i, const char *);
        int status;

        if (!xn_session_id_valid(value)) {
            continue;
        }
        status = load_one(r, sconf, value, out);
        if (status != DECLINED) {
            if (status == OK && id) {
                *id = value;
            }
            return status;
        }
    }
    return DECLINED;
}

void xn_sessions_set_cookie(request_rec *r, const xn_server_config *sconf,
                            const char *suffix, const char *value, int expire)
{
    /* Under HTTPS the "__Host-" prefix makes browsers accept the cookie only
     * with Secure, Path=/ and no Domain, so a sibling host cannot plant or
     * shadow it (RFC 6265bis, section 4.1.3.2). */
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   apr_pstrcat(r->pool,
                               xn_sessions_cookie_name(r, sconf, suffix),
                               "=", value, "; Path=/; HttpOnly; SameSite=Lax",
                               xn_sessions_https(r) ? "; Secure" : "",
                               expire ? "; Max-Age=0" : "", NULL));
    apr_table_mergen(r->err_headers_out, "Cache-Control",
                     "no-cache=\"Set-Cookie\"");
}

apr_status_t xn_sessions_create(request_rec *r, const xn_server_config *sconf,
                                const char *user, const char *roles)
{
    unsigned char key[XN_SESSION_KEY_BYTES];
    xn_session s;
    char *id = NULL;
    apr_status_t rv;

    rv = xn_session_id_create(&id, r->pool);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    s.user = user;
    s.roles = roles;
    s.created = apr_time_sec(apr_time_now());
    s.last_seen = s.created;
    s.checked = s.created;

    xn_session_key(key, id);
    rv = session_store(r, key, &s, sconf, 0);
    if (rv == APR_SUCCESS) {
        xn_sessions_set_cookie(r, sconf, "", id, 0);
    }
    return rv;
}

void xn_sessions_destroy(request_rec *r, const xn_server_config *sconf,
                         const char *id)
{
    unsigned char key[XN_SESSION_KEY_BYTES];
    apr_status_t rv;

    if (id) {
        xn_session_key(key, id);
        rv = xn_store_remove(r->server, key, sizeof(key), r->pool);
        if (rv != APR_SUCCESS && !APR_STATUS_IS_NOTFOUND(rv)) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, XNLOGNO(0303)
                          "cannot remove a session from the session cache");
        }
    }
    xn_sessions_set_cookie(r, sconf, "", "", 1);
}
