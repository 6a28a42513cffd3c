/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* Throttling of sign-in attempts, per account and per client address, with
 * the counters in the session cache so that every server of a shared store
 * (memcache, redis) counts alike.
 *
 * An attempt is counted as a failure before it reaches the directory, under
 * the "extranet-throttle" mutex. The count is taken back when the attempt
 * succeeds or never reached the directory. So concurrent attempts cannot together pass more
 * binds than the limits allow on one server.
 * NOTE: between servers the read and write of a counter are not atomic
 * (socache has no compare-and-set), so each other server may let one more
 * attempt through at the moment the limit is reached.
 *
 * Threads: xn_attempts_pre_config(), xn_attempts_post_config() and
 * xn_attempts_child_init() run at start-up, the rest on request threads. */

#ifndef XN_ATTEMPTS_H
#define XN_ATTEMPTS_H

#include "xn_private.h"
#include "xn_config.h"
#include "xn_crypto.h"

#define XN_ATTEMPTS_MUTEX "extranet-throttle"

typedef enum {
    XN_ATTEMPT_GO,                   /* counted; ask the directory */
    XN_ATTEMPT_DELAYED,              /* too early after earlier failures */
    XN_ATTEMPT_BLOCKED,
    XN_ATTEMPT_ERROR                 /* the store failed; fail closed */
} xn_attempt_e;

typedef enum {
    XN_OUTCOME_SUCCESS,
    XN_OUTCOME_FAILURE,
    XN_OUTCOME_NOT_REACHED           /* the directory was not asked */
} xn_outcome_e;

typedef struct xn_attempt {
    unsigned char account_key[1 + XN_HMAC_BYTES];
    unsigned char address_key[1 + XN_HMAC_BYTES];
    apr_int64_t wait;                /* seconds, for DELAYED and BLOCKED */
    const char *limited;             /* "account" or "address" */
} xn_attempt;

int xn_attempts_pre_config(apr_pool_t *pconf);
int xn_attempts_post_config(apr_pool_t *pconf, server_rec *s);
void xn_attempts_child_init(apr_pool_t *pchild, server_rec *s);

/* Decides whether a sign-in of USER from R's client address
 * (r->useragent_ip, which mod_remoteip sets from a trusted proxy's header
 * only) may go to the directory, and counts it when it may. */
xn_attempt_e xn_attempts_begin(request_rec *r, const xn_server_config *sconf,
                               const char *user, xn_attempt *a);

/* Records the outcome of an attempt that xn_attempts_begin() let through. */
void xn_attempts_finish(request_rec *r, const xn_server_config *sconf,
                        const xn_attempt *a, xn_outcome_e outcome);

#endif
