/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* The endpoint handler: the sign-in form and its submission, and sign-out.
 * Request threads only. */

#ifndef XN_LOGIN_H
#define XN_LOGIN_H

#include "xn_private.h"

/* Handles a request under the endpoint URL of an enabled host; DECLINED for
 * every other request. */
int xn_login_handler(request_rec *r);

#endif
