/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <apr_strings.h>

#include <http_core.h>

#include "xn_csrf.h"
#include "xn_crypto.h"
#include "xn_session.h"
#include "xn_sessions.h"
#include "xn_store.h"

/* Token length: 32 HMAC bytes as unpadded base64url. */
#define XN_CSRF_TOKEN_CHARS 43

static const char *token_of(apr_pool_t *p, const char *purpose,
                            const char *value)
{
    unsigned char mac[XN_HMAC_BYTES];
    const char *data = apr_pstrcat(p, "csrf:", purpose, ":", value, NULL);

    xn_hmac_sha256_keyed(mac, xn_store_secret_key(), data, strlen(data));
    return xn_base64url(p, mac, sizeof(mac));
}

static int token_equal(const char *expected, const char *token)
{
    return token && strlen(token) == XN_CSRF_TOKEN_CHARS
           && strlen(expected) == XN_CSRF_TOKEN_CHARS
           && xn_secure_equal(expected, token, XN_CSRF_TOKEN_CHARS);
}

/* Returns the first value of R's pre-session cookie that has the shape of
 * a random id, or NULL. */
static const char *pre_session_id(request_rec *r,
                                  const xn_server_config *sconf)
{
    apr_array_header_t *values = xn_sessions_cookie_values(r,
        xn_sessions_cookie_name(r, sconf, XN_CSRF_COOKIE_SUFFIX));
    int i;

    for (i = 0; i < values->nelts; i++) {
        const char *value = APR_ARRAY_IDX(values, i, const char *);

        if (xn_session_id_valid(value)) {
            return value;
        }
    }
    return NULL;
}

const char *xn_csrf_login_token(request_rec *r, const xn_server_config *sconf)
{
    const char *id = pre_session_id(r, sconf);
    char *fresh = NULL;

    if (!id) {
        if (xn_session_id_create(&fresh, r->pool) != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(1220)
                          "cannot read random bytes for the pre-session "
                          "cookie");
            return NULL;
        }
        xn_sessions_set_cookie(r, sconf, XN_CSRF_COOKIE_SUFFIX, fresh, 0);
        id = fresh;
    }
    return token_of(r->pool, "login", id);
}

int xn_csrf_login_valid(request_rec *r, const xn_server_config *sconf,
                        const char *token)
{
    const char *id = pre_session_id(r, sconf);

    return id && token_equal(token_of(r->pool, "login", id), token);
}

const char *xn_csrf_session_token(request_rec *r, const char *purpose,
                                  const char *session_id)
{
    return session_id ? token_of(r->pool, purpose, session_id) : NULL;
}

int xn_csrf_session_valid(request_rec *r, const char *purpose,
                          const char *session_id, const char *token)
{
    return session_id
           && token_equal(token_of(r->pool, purpose, session_id), token);
}

int xn_csrf_same_origin(request_rec *r)
{
    const char *own = ap_construct_url(r->pool, "/", r);
    apr_size_t len = strlen(own) - 1;
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *referer;

    if (origin) {
        return strlen(origin) == len && !strncasecmp(origin, own, len);
    }
    referer = apr_table_get(r->headers_in, "Referer");
    return referer && !strncasecmp(referer, own, len + 1);
}
