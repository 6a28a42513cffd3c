/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* Ending every session of one user, for example when a council member
 * leaves office. The store cannot list the sessions of a user, so ending
 * them stores the time instead: under a key derived from the user name, the
 * moment before which every session of that user counts as ended. The
 * record lives as long as the longest session could, so it covers every
 * session that was open when it was written. Request threads only. */

#ifndef XN_SESSION_END_H
#define XN_SESSION_END_H

#include "xn_private.h"
#include "xn_config.h"

/* Returns 1 when a session of USER created at CREATED (seconds) was ended
 * by xn_session_end_user(), 0 when not, and -1 when the store fails.
 * NOTE: a session created in the same second as the end counts as ended. */
int xn_session_end_applies(request_rec *r, const char *user,
                           apr_int64_t created);

/* Ends every current session of USER (compared without regard to ASCII
 * case) on every server of the store. */
apr_status_t xn_session_end_user(request_rec *r, const xn_server_config *sconf,
                                 const char *user);

/* Serves ENDPOINT/admin/sessions: the form (GET) and the action (POST) that
 * end the sessions of a user. Open only to a signed-in user with the role
 * of ExtranetAdminRole; every other request gets the not-found page. */
int xn_session_end_handler(request_rec *r, const xn_server_config *sconf);

#endif
