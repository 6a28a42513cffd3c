/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <apr_strings.h>
#include <apr_global_mutex.h>

#include <ap_provider.h>
#include <ap_socache.h>
#include <util_mutex.h>

#include "xn_store.h"
#include "xn_config.h"
#include "xn_crypto.h"

#define XN_STORE_DEFAULT "shmcb"

/* The store key of the key shared by every server of one store, and how long
 * the store keeps it after the last child start renewed it. */
#define XN_SHARED_KEY_NAME "xn-shared-key-1"
#define XN_SHARED_KEY_LIFETIME apr_time_from_sec(400 * 86400)

/* Set once in post_config, before the children start, then only read. */
static const ap_socache_provider_t *provider;
static ap_socache_instance_t *instance;
static apr_global_mutex_t *mutex;
static unsigned char secret[XN_HMAC_BYTES];

const unsigned char *xn_store_secret(void)
{
    return secret;
}

int xn_store_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, XN_STORE_MUTEX, NULL, APR_LOCK_DEFAULT, 0)
           == APR_SUCCESS ? OK : !OK;
}

static int any_server_enabled(server_rec *s)
{
    for (; s; s = s->next) {
        if (xn_config_server(s)->enabled == 1) {
            return 1;
        }
    }
    return 0;
}

static apr_status_t store_cleanup(void *data)
{
    server_rec *s = data;

    if (instance) {
        provider->destroy(instance, s);
        instance = NULL;
    }
    mutex = NULL;
    return APR_SUCCESS;
}

static int create_instance(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    const char *spec = xn_config_global()->session_cache;
    const char *sep;
    const char *name;
    const char *err;

    spec = spec ? spec : XN_STORE_DEFAULT;
    sep = ap_strchr_c(spec, ':');
    name = sep ? apr_pstrmemdup(ptemp, spec, sep - spec) : spec;
    provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                  AP_SOCACHE_PROVIDER_VERSION);
    if (!provider) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, XNLOGNO(0201)
                     "ExtranetSessionCache: socache provider \"%s\" not "
                     "found; load mod_socache_%s", name, name);
        return !OK;
    }
    err = provider->create(&instance, sep ? sep + 1 : NULL, ptemp, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, XNLOGNO(0202)
                     "ExtranetSessionCache: invalid value \"%s\": %s", spec,
                     err);
        return !OK;
    }
    return OK;
}

int xn_store_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    struct ap_socache_hints hints = { 64, XN_STORE_VALUE_MAX, 1800 };
    apr_status_t rv;

    if (!any_server_enabled(s)) {
        return OK;
    }
    if (create_instance(pconf, ptemp, s) != OK) {
        return !OK;
    }
    if (provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        rv = ap_global_mutex_create(&mutex, NULL, XN_STORE_MUTEX, NULL, s,
                                    pconf, 0);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, XNLOGNO(0203)
                         "cannot create the %s mutex", XN_STORE_MUTEX);
            return !OK;
        }
    }
    rv = provider->init(instance, "mod_extranet", &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, XNLOGNO(0204)
                     "cannot initialise the session cache");
        return !OK;
    }
    apr_pool_cleanup_register(pconf, s, store_cleanup, apr_pool_cleanup_null);

    rv = xn_random_bytes(secret, sizeof(secret));
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, XNLOGNO(0205)
                     "cannot read random bytes for the credential cache key");
        return !OK;
    }
    return OK;
}

/* Replaces the random key of this start with the key kept in the store, or
 * puts this start's key there when the store has none. So every server of a
 * memcache or redis store, and every start after a graceful restart, signs
 * CSRF tokens and derives store keys alike. When the store fails, the
 * process keeps its own key and logs why.
 * NOTE: two servers that start at the same moment on an empty store can each
 * put their own key; the later put wins for every child started afterwards,
 * and the earlier children keep a different key until they are replaced. */
static void share_key(server_rec *s, apr_pool_t *pchild)
{
    const unsigned char *name = (const unsigned char *)XN_SHARED_KEY_NAME;
    unsigned int name_len = sizeof(XN_SHARED_KEY_NAME) - 1;
    unsigned char *value = NULL;
    apr_size_t len = 0;
    apr_status_t rv;

    rv = xn_store_get(s, name, name_len, &value, &len, pchild);
    if (rv == APR_SUCCESS && len == sizeof(secret)) {
        memcpy(secret, value, sizeof(secret));
    }
    rv = xn_store_put(s, name, name_len,
                      apr_time_now() + XN_SHARED_KEY_LIFETIME,
                      (const char *)secret, sizeof(secret), pchild);
    if (rv == APR_SUCCESS) {
        rv = xn_store_get(s, name, name_len, &value, &len, pchild);
    }
    if (rv != APR_SUCCESS || len != sizeof(secret)) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, XNLOGNO(1203)
                     "cannot share the signing key through the session "
                     "cache; this process signs CSRF tokens with its own "
                     "key, which other servers reject");
        return;
    }
    memcpy(secret, value, sizeof(secret));
}

void xn_store_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;

    if (mutex) {
        rv = apr_global_mutex_child_init(&mutex,
                                         apr_global_mutex_lockfile(mutex),
                                         pchild);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, XNLOGNO(0206)
                         "cannot reopen the %s mutex in the child",
                         XN_STORE_MUTEX);
        }
    }
    if (instance) {
        share_key(s, pchild);
    }
}

static apr_status_t store_lock(void)
{
    return mutex ? apr_global_mutex_lock(mutex) : APR_SUCCESS;
}

static void store_unlock(void)
{
    if (mutex) {
        apr_global_mutex_unlock(mutex);
    }
}

apr_status_t xn_store_put(server_rec *s, const unsigned char *key,
                          unsigned int key_len, apr_time_t expiry,
                          const char *value, apr_size_t len, apr_pool_t *p)
{
    apr_status_t rv;

    if (!instance) {
        return APR_EINIT;
    }
    if (len > XN_STORE_VALUE_MAX) {
        return APR_ENOSPC;
    }
    rv = store_lock();
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = provider->store(instance, s, key, key_len, expiry,
                         (unsigned char *)value, (unsigned int)len, p);
    store_unlock();
    return rv;
}

apr_status_t xn_store_get(server_rec *s, const unsigned char *key,
                          unsigned int key_len, unsigned char **value,
                          apr_size_t *len, apr_pool_t *p)
{
    unsigned char *buf;
    unsigned int buf_len = XN_STORE_VALUE_MAX;
    apr_status_t rv;

    if (!instance) {
        return APR_EINIT;
    }
    buf = apr_palloc(p, XN_STORE_VALUE_MAX + 1);
    rv = store_lock();
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = provider->retrieve(instance, s, key, key_len, buf, &buf_len, p);
    store_unlock();
    if (rv != APR_SUCCESS) {
        return rv;
    }
    buf[buf_len] = '\0';
    *value = buf;
    *len = buf_len;
    return APR_SUCCESS;
}

apr_status_t xn_store_remove(server_rec *s, const unsigned char *key,
                             unsigned int key_len, apr_pool_t *p)
{
    apr_status_t rv;

    if (!instance) {
        return APR_EINIT;
    }
    rv = store_lock();
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = provider->remove(instance, s, key, key_len, p);
    store_unlock();
    return rv;
}
