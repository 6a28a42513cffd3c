/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* The audit records of requests. xn_auditsink.h writes them. */

#ifndef XN_AUDITLOG_H
#define XN_AUDITLOG_H

#include "xn_private.h"

/* Opens the audit log of every enabled host; hosts that name the same
 * target share one handle. Returns !OK, after logging the directive and the
 * reason, when a log cannot be opened. */
int xn_auditlog_open(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                     server_rec *s);

/* Writes the audit record of a finished request, if it has one. Runs in
 * the log_transaction hook. */
int xn_auditlog_request(request_rec *r);

/* Returns 503 for a request that would be audited while the audit log
 * cannot be written and ExtranetAuditOnFailure is deny. Runs in fixups. */
int xn_auditlog_fixups(request_rec *r);

#endif
