/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* Directives of the audit trail (key file, checkpoints, rotation, query
 * strings, write failures) and the start-up check that reads the key. */

#ifndef XN_AUDITCONF_H
#define XN_AUDITCONF_H

#include "xn_private.h"
#include "xn_chain.h"

/* ExtranetAuditKeyFile value for records without a chain. */
#define XN_AUDIT_NO_KEY        "none"

#define XN_AUDIT_QUERY_DROP    0
#define XN_AUDIT_QUERY_REDACT  1
#define XN_AUDIT_QUERY_KEEP    2

#define XN_AUDIT_FAILURE_LOG   0
#define XN_AUDIT_FAILURE_DENY  1

#define XN_AUDIT_CHECKPOINT_RECORDS 1000
#define XN_AUDIT_CHECKPOINT_SECONDS 60

const char *xn_auditconf_key_file(cmd_parms *cmd, void *dconf,
                                  const char *arg);

/* Reads the key file PATH into KEY after checking that only root can read
 * it. On error *ERR names the file and the reason. */
apr_status_t xn_auditconf_read_key(xn_chain_key *key, const char **err,
                                   apr_pool_t *p, const char *path);
const char *xn_auditconf_checkpoint(cmd_parms *cmd, void *dconf,
                                    const char *target, const char *records,
                                    const char *seconds);
const char *xn_auditconf_rotate(cmd_parms *cmd, void *dconf, const char *arg);
const char *xn_auditconf_query(cmd_parms *cmd, void *dconf, const char *arg);
const char *xn_auditconf_on_failure(cmd_parms *cmd, void *dconf,
                                    const char *arg);

/* Reads the key file of every enabled host and resolves the defaults of the
 * audit directives. Runs in check_config, as root, before the children
 * start. Returns !OK after logging the directive and the reason. */
int xn_auditconf_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s);

/* Returns the syslog facility named by NAME ("local0" ... "local7", "user",
 * "daemon", "auth", "authpriv"), or -1. */
int xn_auditconf_facility(const char *name);

#endif
