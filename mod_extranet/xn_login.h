/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* The endpoint handler: the sign-in form and its submission, and sign-out.
 * Request threads only. */

#ifndef XN_LOGIN_H
#define XN_LOGIN_H

#include "xn_private.h"

/* Handles a request under the endpoint URL of an enabled host; DECLINED for
 * every other request. */
int xn_login_handler(request_rec *r);

/* URL path, under the endpoint, of the page that ends a user's sessions. */
#define XN_ADMIN_PATH "/admin/sessions"

/* Reads an application/x-www-form-urlencoded POST body of at most 8 KiB
 * into *form. Returns NULL, or the audit reason why it is not a valid form
 * ("body_too_large", "invalid_form", ...). */
const char *xn_login_read_form(request_rec *r, apr_table_t **form);

#endif
