/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* Server-side sessions behind the session cookie. The cookie contains only
 * the random id. The store keeps the user and roles under the SHA-256 of the
 * id, so neither the store nor any log ever contains a usable session id.
 * Request threads only. */

#ifndef XN_SESSIONS_H
#define XN_SESSIONS_H

#include "xn_private.h"
#include "xn_config.h"
#include "xn_session.h"

/* Loads the session named by R's cookie. Returns OK with *out filled,
 * DECLINED when there is none or it has ended (an ended one is removed), or
 * HTTP_SERVICE_UNAVAILABLE when the store fails. *id receives the cookie's
 * id of a valid session. */
int xn_sessions_load(request_rec *r, const xn_server_config *sconf,
                     xn_session *out, const char **id);

/* Starts a session for USER with ROLES under a new id and sets the cookie
 * on the response. */
apr_status_t xn_sessions_create(request_rec *r, const xn_server_config *sconf,
                                const char *user, const char *roles);

/* Ends the session ID on the server and expires the cookie. */
void xn_sessions_destroy(request_rec *r, const xn_server_config *sconf,
                         const char *id);

/* Returns 1 when R arrived over HTTPS. Behind a proxy that ends TLS, httpd
 * reports HTTPS only when ServerName names the https scheme. */
int xn_sessions_https(request_rec *r);

/* Returns 1 when R may carry a session cookie: over HTTPS, or over plain
 * HTTP when ExtranetAllowInsecureCookie is On. */
int xn_sessions_transport_ok(request_rec *r, const xn_server_config *sconf);

/* Returns the name of a cookie of the module: the configured name followed
 * by SUFFIX ("" for the session, "_csrf" for the sign-in form), with the
 * "__Host-" prefix under HTTPS. */
const char *xn_sessions_cookie_name(request_rec *r,
                                    const xn_server_config *sconf,
                                    const char *suffix);

/* Returns every value of cookie NAME in R's Cookie headers. */
apr_array_header_t *xn_sessions_cookie_values(request_rec *r,
                                              const char *name);

/* Sets the cookie named by SUFFIX (see xn_sessions_cookie_name()) to VALUE,
 * or expires it when EXPIRE is non-zero. */
void xn_sessions_set_cookie(request_rec *r, const xn_server_config *sconf,
                            const char *suffix, const char *value, int expire);

#endif
