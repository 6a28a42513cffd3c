/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* CSRF tokens of the module's forms. A token is the HMAC-SHA-256 of a
 * purpose and a cookie value, under the key shared through the session
 * cache. The sign-in form uses the pre-session cookie, and the sign-out and
 * admin forms use the session id. A site that makes the browser post a form
 * cannot read that cookie, so it cannot compute the token. Request threads
 * only. */

#ifndef XN_CSRF_H
#define XN_CSRF_H

#include "xn_private.h"
#include "xn_config.h"

#define XN_CSRF_COOKIE_SUFFIX "_csrf"

/* Returns the token of the sign-in form. Reuses R's pre-session cookie when
 * it has a valid one, else makes a new random one and sets it on the
 * response. NULL when no random bytes can be read. */
const char *xn_csrf_login_token(request_rec *r, const xn_server_config *sconf);

/* Returns 1 when TOKEN matches the pre-session cookie of R. */
int xn_csrf_login_valid(request_rec *r, const xn_server_config *sconf,
                        const char *token);

/* Returns the token of a form of the session SESSION_ID for PURPOSE
 * ("logout", "admin"). */
const char *xn_csrf_session_token(request_rec *r, const char *purpose,
                                  const char *session_id);

/* Returns 1 when TOKEN is the token of PURPOSE for SESSION_ID. */
int xn_csrf_session_valid(request_rec *r, const char *purpose,
                          const char *session_id, const char *token);

/* Returns 1 when R comes from a page of this site: its Origin header is
 * the site's own scheme, host and port, or, without Origin, its Referer
 * starts with them. A browser sets both itself, so another site's form
 * cannot claim this site's origin. */
int xn_csrf_same_origin(request_rec *r);

#endif
