/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* Sign-in throttling decisions: one counter of failed sign-ins per account
 * or per client address, with a progressive delay and then a block. Pure
 * logic over a small record, so the caller decides where records live (the
 * shared session cache) and how updates are serialised. Any thread. */

#ifndef XN_THROTTLE_H
#define XN_THROTTLE_H

#include "xn_core.h"

/* Limits of one counter. Times are whole seconds. */
typedef struct xn_throttle_policy {
    int delay_after;          /* failures before each attempt waits */
    int block_after;          /* failures that start a block */
    int window;               /* failures older than this are forgotten */
    int block;                /* length of a block */
    int delay_max;            /* maximum wait between attempts */
} xn_throttle_policy;

/* One counter. Times are seconds since the epoch, 0 when unset. */
typedef struct xn_throttle_state {
    int failures;
    apr_int64_t window_start;
    apr_int64_t next_allowed;
    apr_int64_t blocked_until;
} xn_throttle_state;

typedef enum {
    XN_THROTTLE_ALLOW,
    XN_THROTTLE_DELAY,        /* too early: try again after the delay */
    XN_THROTTLE_BLOCK         /* blocked until blocked_until */
} xn_throttle_e;

/* Decides whether an attempt may go ahead at NOW. For DELAY and BLOCK,
 * *wait receives the seconds until the next attempt is accepted (at
 * least 1). */
xn_throttle_e xn_throttle_check(const xn_throttle_state *s,
                                apr_int64_t now, apr_int64_t *wait);

/* Counts one failure at NOW. A window or block that has ended first resets
 * the counter. After the failure that reaches block_after, the counter is
 * blocked for policy->block seconds. Past delay_after failures, the next
 * attempt waits 2^(failures - delay_after) seconds, at most delay_max. */
void xn_throttle_fail(xn_throttle_state *s, const xn_throttle_policy *policy,
                      apr_int64_t now);

/* Takes back one failure counted by xn_throttle_fail(), for an attempt
 * that turned out not to reach the directory. A block that was started
 * stays. */
void xn_throttle_unfail(xn_throttle_state *s);

/* Returns the time after which the record contains nothing of use. */
apr_int64_t xn_throttle_expiry(const xn_throttle_state *s,
                               const xn_throttle_policy *policy);

/* Encodes S as "t1" and the four numbers, separated by tabs. */
char *xn_throttle_encode(apr_pool_t *p, const xn_throttle_state *s);

/* Decodes a stored record of LEN bytes. APR_EINVAL when malformed; *s is
 * then zeroed, which reads as a fresh counter. */
apr_status_t xn_throttle_decode(xn_throttle_state *s, const char *data,
                                apr_size_t len);

#endif
