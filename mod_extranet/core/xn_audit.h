/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#ifndef XN_AUDIT_H
#define XN_AUDIT_H

#include "xn_core.h"

/* Audit events; the strings are the stable "event" values of the log. */
#define XN_EVENT_ACCESS         "access"
#define XN_EVENT_DENIED         "denied"
#define XN_EVENT_LOGIN_SUCCESS  "login_success"
#define XN_EVENT_LOGIN_FAILED   "login_failed"
#define XN_EVENT_LOGOUT         "logout"
#define XN_EVENT_UNAVAILABLE    "directory_unavailable"
#define XN_EVENT_THROTTLE       "throttle"
#define XN_EVENT_BLOCK          "block"
#define XN_EVENT_SESSION_END    "session_end"

/* A session ended without a sign-out: "reason" is idle_timeout,
 * max_lifetime or store_evicted; "user" and "roles" name its owner. */
#define XN_EVENT_SESSION_END    "session_end"
/* Sign-ins of a user name or client are slowed down: "user" or "client" is
 * the throttled key, "reason" the trigger (for example too_many_failures),
 * "detail" the limit in words ("5 failures in 300 s"). */
#define XN_EVENT_THROTTLE       "throttle"
/* A user name or client is refused outright until "detail" states otherwise;
 * the fields are those of throttle. */
#define XN_EVENT_BLOCK          "block"
/* httpd read its configuration (start-up or restart): "host" is the main
 * server, "detail" the module version and the audit key id. */
#define XN_EVENT_CONFIG_LOAD    "config_load"
/* The audit writer before this one ended unexpectedly: records it had read
 * but not written are lost. "detail" names its pid and exit status. */
#define XN_EVENT_WRITER_LOST    "writer_lost"
/* Anchor records of the chain (see xn_chain.h). chain_start: a new log, a
 * new key, a rotated file or a chain that could not be continued, "reason"
 * gives which. prune: extranet-audit prune removed the records before it. */
#define XN_EVENT_CHAIN_START    "chain_start"
#define XN_EVENT_PRUNE          "prune"
/* A checkpoint line of the second sink (not part of the chained log). */
#define XN_EVENT_CHECKPOINT     "checkpoint"

/* A record is at most this long, newline included, so one write() to a pipe
 * stays atomic (POSIX guarantees it up to PIPE_BUF, 4096 on Linux). */
#define XN_AUDIT_LINE_MAX 4096

/* Room that xn_audit_format leaves free for the chain fields that
 * xn_chain_seal appends (the longest are those of an anchor record). */
#define XN_AUDIT_CHAIN_RESERVE 224

/* One audit record. NULL strings and negative numbers are left out of the
 * line. Every string is untrusted and escaped. */
typedef struct xn_audit_record {
    apr_time_t time;
    const char *event;
    const char *user;
    const char *roles;        /* role names joined by ',' */
    const char *client;
    const char *method;
    const char *path;         /* without the query string */
    const char *query;        /* as ExtranetAuditQuery allows, or NULL */
    int status;
    apr_off_t bytes;
    const char *rule;         /* pattern of the deciding rule */
    const char *reason;       /* why a sign-in failed or a request was denied */
    const char *detail;       /* free text of the non-request events */
    const char *request_id;
    const char *host;         /* server name of the virtual host */
    const char *target;       /* user whose sessions an admin ended */
} xn_audit_record;

/* Formats REC as one JSON object followed by '\n', in at most
 * XN_AUDIT_LINE_MAX bytes. Fields come in a fixed order. "time" is local time
 * with milliseconds and UTC offset ("2026-03-12T19:04:05.123+01:00"), from
 * the TZ of the process. Each field is cut at 256 bytes of input, "path" at
 * 1024, and a field is cut or left out when the escaped record would reach
 * XN_AUDIT_LINE_MAX - XN_AUDIT_CHAIN_RESERVE. Values are cut on a character boundary and the record
 * then ends with "truncated":true. The line never contains a raw control
 * character. *len receives the length. May be called from any thread. */
char *xn_audit_format(apr_pool_t *p, const xn_audit_record *rec,
                      apr_size_t *len);

#endif
