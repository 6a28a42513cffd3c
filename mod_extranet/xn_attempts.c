/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <apr_global_mutex.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include <util_mutex.h>

#include "xn_attempts.h"
#include "xn_input.h"
#include "xn_store.h"
#include "xn_throttle.h"

#define XN_ATTEMPT_KEY_PREFIX 't'

/* Maximum wait between two attempts on one counter, in seconds. */
#define XN_DELAY_MAX 60

/* Set in post_config and child_init, then only used through the APR
 * mutex calls, which are safe on any thread. */
static apr_global_mutex_t *mutex;

int xn_attempts_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, XN_ATTEMPTS_MUTEX, NULL,
                             APR_LOCK_DEFAULT, 0) == APR_SUCCESS ? OK : !OK;
}

static apr_status_t mutex_cleanup(void *data)
{
    (void)data;
    mutex = NULL;
    return APR_SUCCESS;
}

int xn_attempts_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_status_t rv = ap_global_mutex_create(&mutex, NULL, XN_ATTEMPTS_MUTEX,
                                             NULL, s, pconf, 0);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, XNLOGNO(1240)
                     "cannot create the %s mutex", XN_ATTEMPTS_MUTEX);
        return !OK;
    }
    apr_pool_cleanup_register(pconf, NULL, mutex_cleanup,
                              apr_pool_cleanup_null);
    return OK;
}

void xn_attempts_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;

    if (!mutex) {
        return;
    }
    rv = apr_global_mutex_child_init(&mutex, apr_global_mutex_lockfile(mutex),
                                     pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, XNLOGNO(1241)
                     "cannot reopen the %s mutex in the child",
                     XN_ATTEMPTS_MUTEX);
    }
}

/* Folds a user name the way LDAP's caseIgnoreMatch compares names: without
 * case and extra spaces, so that "Raadslid ", "raadslid" and "ZOË.MÜLLER",
 * "zoë.müller" share a counter. The other characters a directory folds
 * (fullwidth letters, other spaces, combining marks) never get here,
 * because xn_username_check() rejects them.
 * NOTE: case is folded for Latin letters only (ASCII, Latin-1 and Latin
 * Extended-A). A name in another script that differs only in case gets a
 * counter of its own. */
static const char *fold_name(apr_pool_t *p, const char *value)
{
    return xn_username_fold(p, value);
}

static void counter_key(unsigned char key[1 + XN_HMAC_BYTES], apr_pool_t *p,
                        const char *kind, const char *value)
{
    const char *text = apr_pstrcat(p, "throttle-", kind, ":",
                                   fold_name(p, value), NULL);

    key[0] = XN_ATTEMPT_KEY_PREFIX;
    xn_hmac_sha256_keyed(key + 1, xn_store_secret_key(), text, strlen(text));
}

static void policies(const xn_server_config *sconf,
                     xn_throttle_policy *account, xn_throttle_policy *address)
{
    account->delay_after = sconf->throttle_account_delay;
    account->block_after = sconf->throttle_account_block;
    address->delay_after = sconf->throttle_address_delay;
    address->block_after = sconf->throttle_address_block;
    account->window = address->window = sconf->throttle_window;
    account->block = address->block = sconf->throttle_block;
    account->delay_max = address->delay_max = XN_DELAY_MAX;
}

static apr_status_t counter_read(request_rec *r, const unsigned char *key,
                                 xn_throttle_state *state)
{
    unsigned char *value = NULL;
    apr_size_t len = 0;
    apr_status_t rv = xn_store_get(r->server, key, 1 + XN_HMAC_BYTES, &value,
                                   &len, r->pool);

    memset(state, 0, sizeof(*state));
    if (APR_STATUS_IS_NOTFOUND(rv)) {
        return APR_SUCCESS;
    }
    if (rv == APR_SUCCESS
        && xn_throttle_decode(state, (const char *)value, len)
           != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, XNLOGNO(1242)
                      "invalid throttling record in the session cache, "
                      "counting afresh");
    }
    return rv;
}

static apr_status_t counter_write(request_rec *r, const unsigned char *key,
                                  const xn_throttle_state *state,
                                  const xn_throttle_policy *policy)
{
    const char *value = xn_throttle_encode(r->pool, state);
    apr_int64_t expiry = xn_throttle_expiry(state, policy) + 1;

    return xn_store_put(r->server, key, 1 + XN_HMAC_BYTES,
                        apr_time_from_sec(expiry), value, strlen(value),
                        r->pool);
}

static apr_status_t lock(request_rec *r)
{
    apr_status_t rv = mutex ? apr_global_mutex_lock(mutex) : APR_EINIT;

    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, XNLOGNO(1243)
                      "cannot lock the %s mutex", XN_ATTEMPTS_MUTEX);
    }
    return rv;
}

static xn_attempt_e decide(const xn_throttle_state *account,
                           const xn_throttle_state *address, apr_int64_t now,
                           xn_attempt *a)
{
    apr_int64_t account_wait = 0, address_wait = 0;
    xn_throttle_e by_account = xn_throttle_check(account, now, &account_wait);
    xn_throttle_e by_address = xn_throttle_check(address, now, &address_wait);

    if (by_account == XN_THROTTLE_BLOCK || by_address == XN_THROTTLE_BLOCK) {
        int account_blocks = by_account == XN_THROTTLE_BLOCK;

        a->limited = account_blocks ? "account" : "address";
        a->wait = account_blocks ? account_wait : address_wait;
        return XN_ATTEMPT_BLOCKED;
    }
    if (by_account == XN_THROTTLE_DELAY || by_address == XN_THROTTLE_DELAY) {
        int account_delays = account_wait >= address_wait;

        a->limited = account_delays ? "account" : "address";
        a->wait = account_delays ? account_wait : address_wait;
        return XN_ATTEMPT_DELAYED;
    }
    return XN_ATTEMPT_GO;
}

xn_attempt_e xn_attempts_begin(request_rec *r, const xn_server_config *sconf,
                               const char *user, xn_attempt *a)
{
    xn_throttle_policy account_policy, address_policy;
    xn_throttle_state account, address;
    apr_int64_t now = apr_time_sec(apr_time_now());
    xn_attempt_e result;
    apr_status_t rv;

    memset(a, 0, sizeof(*a));
    policies(sconf, &account_policy, &address_policy);
    counter_key(a->account_key, r->pool, "account", user);
    counter_key(a->address_key, r->pool, "address",
                r->useragent_ip ? r->useragent_ip : "");
    if (lock(r) != APR_SUCCESS) {
        return XN_ATTEMPT_ERROR;
    }
    rv = counter_read(r, a->account_key, &account);
    if (rv == APR_SUCCESS) {
        rv = counter_read(r, a->address_key, &address);
    }
    result = rv == APR_SUCCESS ? decide(&account, &address, now, a)
                               : XN_ATTEMPT_ERROR;
    if (result == XN_ATTEMPT_GO) {
        xn_throttle_fail(&account, &account_policy, now);
        xn_throttle_fail(&address, &address_policy, now);
        rv = counter_write(r, a->account_key, &account, &account_policy);
        if (rv == APR_SUCCESS) {
            rv = counter_write(r, a->address_key, &address, &address_policy);
        }
        result = rv == APR_SUCCESS ? XN_ATTEMPT_GO : XN_ATTEMPT_ERROR;
    }
    apr_global_mutex_unlock(mutex);

    if (result == XN_ATTEMPT_ERROR) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, XNLOGNO(1244)
                      "cannot read or update the sign-in counters in the "
                      "session cache; sign-in refused");
    }
    return result;
}

/* Takes back the failure that xn_attempts_begin() counted on KEY. */
static void uncount(request_rec *r, const unsigned char *key,
                    const xn_throttle_policy *policy)
{
    xn_throttle_state state;

    if (counter_read(r, key, &state) == APR_SUCCESS && state.failures > 0) {
        xn_throttle_unfail(&state);
        counter_write(r, key, &state, policy);
    }
}

void xn_attempts_finish(request_rec *r, const xn_server_config *sconf,
                        const xn_attempt *a, xn_outcome_e outcome)
{
    xn_throttle_policy account_policy, address_policy;

    if (outcome == XN_OUTCOME_FAILURE) {
        return;
    }
    policies(sconf, &account_policy, &address_policy);
    if (lock(r) != APR_SUCCESS) {
        return;
    }
    if (outcome == XN_OUTCOME_SUCCESS) {
        xn_store_remove(r->server, a->account_key, 1 + XN_HMAC_BYTES,
                        r->pool);
    }
    else {
        uncount(r, a->account_key, &account_policy);
    }
    uncount(r, a->address_key, &address_policy);
    apr_global_mutex_unlock(mutex);
}
