/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* Authentication and authorisation: the session cookie (AuthType Extranet),
 * the "extranet" Basic authn provider, the "extranet-rules" and
 * "extranet-role" authz providers, and the rule guard that keeps every
 * extranet user inside the rule table. All functions run on request
 * threads, except xn_auth_register(), which runs at module load. */

#ifndef XN_AUTH_H
#define XN_AUTH_H

#include "xn_private.h"
#include "xn_config.h"

/* What one request has learned about its user and what the audit log should
 * record. Kept on the first request of an internal redirect chain, so
 * every request of the chain shares it. */
typedef struct xn_request {
    int extranet_user;               /* signed in through this module */
    xn_roleset_t roles;
    const char *roles_text;          /* role names joined by ',' */
    const char *event;               /* audit event, NULL for the default */
    const char *reason;
    const char *audit_user;          /* user name for failed sign-ins */
    const char *rule;                /* pattern of the deciding rule */
    int error_pages;                 /* the module's error pages are set */

    /* The last rule decision, for one request_rec, URI and role set. */
    const request_rec *decided_request;
    const char *decided_uri;
    xn_roleset_t decided_roles;
    const char *decided_rule;
    int decided_allowed;
    const char *target;              /* user whose sessions an admin ended */
} xn_request;

xn_request *xn_request_get(request_rec *r);

/* Returns 1 when R's URI lies under the endpoint of an enabled host. */
int xn_auth_is_endpoint(request_rec *r, const xn_server_config *sconf);

/* Marks R's user as signed in with ROLES and registers the module's pages
 * for 401, 403 and 404, so a denied path reads like a missing one. */
void xn_auth_set_user(request_rec *r, const char *user, xn_roleset_t roles,
                      const xn_server_config *sconf);

/* Reads and validates the session cookie of R. Returns OK and fills *user
 * and *roles, DECLINED when there is no valid session, or
 * HTTP_SERVICE_UNAVAILABLE when the store cannot be read. The session id
 * found, valid or not, goes to *id when ID is not NULL. */
int xn_auth_load_session(request_rec *r, const xn_server_config *sconf,
                         const char **user, xn_roleset_t *roles,
                         const char **id);

typedef enum {
    XN_SIGNIN_OK,
    XN_SIGNIN_FAILED,                /* *reason gives the audit reason */
    XN_SIGNIN_ACCOUNT,               /* password right, account state denies */
    XN_SIGNIN_UNAVAILABLE            /* the directory cannot be reached */
} xn_signin_e;

/* Checks USER and PASSWORD (lengths in bytes, as received) and queries the
 * directory. On success *name is the directory's spelling of the user name
 * and *roles is not empty. An empty password never reaches the directory. */
xn_signin_e xn_auth_signin(request_rec *r, const xn_server_config *sconf,
                           const char *user, apr_size_t user_len,
                           const char *password, apr_size_t password_len,
                           const char **name, xn_roleset_t *roles,
                           const char **reason);

/* Looks up R->user, authenticated by another module, in the directory and
 * makes it an extranet user with the roles of its groups. Returns OK,
 * HTTP_FORBIDDEN when the user is unknown, has no role or a blocked
 * account, or HTTP_SERVICE_UNAVAILABLE. */
int xn_auth_lookup_user(request_rec *r, const xn_server_config *sconf);

/* Looks USER up in the directory without a password and resolves its
 * roles. Returns OK with *name (the directory's spelling) and *roles,
 * HTTP_FORBIDDEN with the audit reason in *reason when the account may not
 * sign in or has no role, or HTTP_SERVICE_UNAVAILABLE when the directory is
 * down or busy. *detail receives a message for the error log. */
int xn_auth_lookup_roles(request_rec *r, const xn_server_config *sconf,
                         const char *user, const char **name,
                         xn_roleset_t *roles, const char **reason,
                         const char **detail);

void xn_auth_register(apr_pool_t *p);

#endif
