/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* The audit log sink: a file or a piped program, opened at start-up in the
 * open_logs hook and written with one write() per record. Records are
 * shorter than PIPE_BUF and files are opened with O_APPEND, so processes and
 * threads append whole lines without a lock. */

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

#endif
