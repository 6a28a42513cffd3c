/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "xn_throttle.h"

#define XN_THROTTLE_VERSION "t1"
#define XN_THROTTLE_FIELDS 5

xn_throttle_e xn_throttle_check(const xn_throttle_state *s,
                                apr_int64_t now, apr_int64_t *wait)
{
    *wait = 0;
    if (s->blocked_until > now) {
        *wait = s->blocked_until - now;
        return XN_THROTTLE_BLOCK;
    }
    if (s->next_allowed > now) {
        *wait = s->next_allowed - now;
        return XN_THROTTLE_DELAY;
    }
    return XN_THROTTLE_ALLOW;
}

static apr_int64_t delay_for(const xn_throttle_policy *policy, int failures)
{
    int excess = failures - policy->delay_after;
    apr_int64_t delay = 1;

    if (excess < 0) {
        return 0;
    }
    while (excess-- > 0 && delay < policy->delay_max) {
        delay *= 2;
    }
    return delay < policy->delay_max ? delay : policy->delay_max;
}

void xn_throttle_fail(xn_throttle_state *s, const xn_throttle_policy *policy,
                      apr_int64_t now)
{
    int block_ended = s->blocked_until != 0 && s->blocked_until <= now;
    int window_ended = now - s->window_start >= policy->window;

    if (block_ended || (window_ended && s->blocked_until <= now)) {
        memset(s, 0, sizeof(*s));
    }
    if (s->failures == 0) {
        s->window_start = now;
    }
    s->failures++;
    if (s->failures >= policy->block_after) {
        s->blocked_until = now + policy->block;
        s->next_allowed = 0;
        return;
    }
    s->next_allowed = s->failures >= policy->delay_after
                      ? now + delay_for(policy, s->failures) : 0;
}

void xn_throttle_unfail(xn_throttle_state *s)
{
    if (s->failures > 0) {
        s->failures--;
    }
    s->next_allowed = 0;
}

apr_int64_t xn_throttle_expiry(const xn_throttle_state *s,
                               const xn_throttle_policy *policy)
{
    apr_int64_t end = s->window_start + policy->window;

    if (s->blocked_until > end) {
        end = s->blocked_until;
    }
    if (s->next_allowed > end) {
        end = s->next_allowed;
    }
    return end;
}

char *xn_throttle_encode(apr_pool_t *p, const xn_throttle_state *s)
{
    return apr_psprintf(p, XN_THROTTLE_VERSION "\t%d\t%" APR_INT64_T_FMT
                        "\t%" APR_INT64_T_FMT "\t%" APR_INT64_T_FMT,
                        s->failures, s->window_start, s->next_allowed,
                        s->blocked_until);
}

/* Parses a decimal number of 1 to 18 digits. */
static int parse_number(apr_int64_t *out, const char *s, apr_size_t len)
{
    apr_int64_t v = 0;
    apr_size_t i;

    if (len == 0 || len > 18) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

apr_status_t xn_throttle_decode(xn_throttle_state *s, const char *data,
                                apr_size_t len)
{
    apr_int64_t values[XN_THROTTLE_FIELDS - 1];
    const char *c = data, *end = data + len, *tab;
    int n;

    memset(s, 0, sizeof(*s));
    if (!data || len < 3 || strncmp(data, XN_THROTTLE_VERSION "\t", 3)) {
        return APR_EINVAL;
    }
    c += 3;
    for (n = 0; n < XN_THROTTLE_FIELDS - 1; n++) {
        tab = memchr(c, '\t', end - c);
        if (!tab) {
            tab = end;
        }
        if (!parse_number(&values[n], c, tab - c)
            || (tab == end && n < XN_THROTTLE_FIELDS - 2)) {
            return APR_EINVAL;
        }
        c = tab + 1;
    }
    if (c < end + 1 && tab != end) {
        return APR_EINVAL;
    }
    if (values[0] > 1000000) {
        return APR_EINVAL;
    }
    s->failures = (int)values[0];
    s->window_start = values[1];
    s->next_allowed = values[2];
    s->blocked_until = values[3];
    return APR_SUCCESS;
}
