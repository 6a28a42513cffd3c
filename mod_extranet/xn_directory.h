/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* Directory health: host state changes in the error log and the
 * "extranet-ldap-status" handler, which returns the per-host failover state
 * of the process that answers as JSON. */

#ifndef XN_DIRECTORY_H
#define XN_DIRECTORY_H

#include "xn_private.h"
#include "xn_ldap.h"

/* xn_ldap_log_fn for a pool; BATON is the server_rec. Any thread. */
void xn_directory_log_host(void *baton, int up, const char *uri,
                           const char *detail);

/* Handler for "SetHandler extranet-ldap-status". Request thread. */
int xn_directory_status_handler(request_rec *r);

#endif
