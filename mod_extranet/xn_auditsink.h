/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* The audit log sinks (file, piped program, syslog) and the one hash chain
 * that runs through each of them.
 *
 * Every record of a sink, from any process or thread, is written under the
 * global mutex "extranet-audit": the writer reads seq and chain value from
 * shared memory, seals the record, writes it with one write() and stores
 * the new state. The shared memory and the mutex are created once in the
 * parent and kept across graceful restarts (ap_retained_data), so old and
 * new children of a restart extend the same chain. */

#ifndef XN_AUDITSINK_H
#define XN_AUDITSINK_H

#include "xn_private.h"
#include "xn_audit.h"

typedef struct xn_auditlog xn_auditlog;

/* Registers the mutex type with httpd. Runs in pre_config. */
apr_status_t xn_auditsink_pre_config(apr_pool_t *pconf);

/* Opens the sink of every enabled host in open_logs, as root. Hosts that
 * name the same target share one sink and the audit settings of the first
 * of them. Returns !OK, after logging why, when a sink cannot be opened. */
int xn_auditsink_open(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);

/* Attaches the shared state, continues the chain from the end of the file
 * (or starts one with an anchor record) and writes config_load. Runs in
 * post_config; returns !OK when a record cannot be written, so httpd does
 * not start with a broken audit log. */
int xn_auditsink_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                             server_rec *s);

void xn_auditsink_child_init(apr_pool_t *pchild, server_rec *s);

/* Formats, seals and writes REC. Returns APR_SUCCESS or the write error,
 * which has been logged (rate-limited). May be called from any thread. */
apr_status_t xn_auditsink_write(xn_auditlog *log, apr_pool_t *p,
                                const xn_audit_record *rec, server_rec *s);

/* Returns 1 when a record of LOG cannot be written now: the last write
 * failed, a child could not send a record, or the file system of the file
 * had less than 64 KiB free when this process last looked, at most 10 ms
 * ago. */
int xn_auditsink_unavailable(xn_auditlog *log);

/* Returns the configured target of LOG, for messages. */
const char *xn_auditsink_target(const xn_auditlog *log);

#endif
