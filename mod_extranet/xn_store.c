/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <apr_strings.h>
#include <apr_atomic.h>
#include <apr_global_mutex.h>
#include <apr_shm.h>
#include <apr_thread_mutex.h>

#include <ap_provider.h>
#include <ap_socache.h>
#include <util_mutex.h>

#include "xn_store.h"
#include "xn_config.h"
#include "xn_crypto.h"

#define XN_STORE_DEFAULT "shmcb"

#define XN_LOCAL_SLOTS 512
#define XN_LOCAL_LOCKS 16
#define XN_LOCAL_KEY_MAX 64

/* One value copied from the store into a process's local copy. */
typedef struct local_entry {
    unsigned int key_len;            /* 0: slot unused */
    unsigned char key[XN_LOCAL_KEY_MAX];
    apr_time_t fetched;
    apr_uint32_t generation;         /* of the shared counter at fetch time */
    int absent;                      /* the store has no value for key */
    apr_size_t len;
    char value[XN_STORE_VALUE_MAX];
} local_entry;
/* The store key of the key shared by every server of one store, and how long
 * the store keeps it after the last child start renewed it. */
#define XN_SHARED_KEY_NAME "xn-shared-key-1"
#define XN_SHARED_KEY_LIFETIME apr_time_from_sec(400 * 86400)

/* Set once in post_config, before the children start, then only read. */
static const ap_socache_provider_t *provider;
static ap_socache_instance_t *instance;
static apr_global_mutex_t *mutex;
static unsigned char secret[XN_HMAC_BYTES];
static xn_hmac_key *secret_key;      /* secret, set up for HMAC */
static apr_shm_t *generation_shm;
static apr_uint32_t *generation;     /* in shared memory, atomic access only */

/* Set in child_init, before the worker threads start. Slot i is guarded by
 * local_locks[i % XN_LOCAL_LOCKS]. */
static local_entry *local_entries;
static apr_thread_mutex_t *local_locks[XN_LOCAL_LOCKS];

const unsigned char *xn_store_secret(void)
{
    return secret;
}

const xn_hmac_key *xn_store_secret_key(void)
{
    return secret_key;
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
    generation_shm = NULL;
    generation = NULL;
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
    /* shmcb sizes its index from these hints. Records are small (a session
     * is about 100 bytes, a throttling counter less), so hinting the value
     * maximum instead left room for only about 240 entries in the default
     * 512000-byte segment, and a burst of failed sign-ins evicted live
     * sessions. */
    struct ap_socache_hints hints = { 33, 160, 300 };
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
    if (mutex) {
        rv = apr_shm_create(&generation_shm, sizeof(apr_uint32_t), NULL,
                            pconf);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, XNLOGNO(0207)
                         "cannot create the shared memory of the session "
                         "cache's generation counter");
            return !OK;
        }
        generation = apr_shm_baseaddr_get(generation_shm);
        apr_atomic_set32(generation, 0);
    }
    rv = provider->init(instance, "mod_extranet", &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, XNLOGNO(0204)
                     "cannot initialise the session cache");
        return !OK;
    }
    apr_pool_cleanup_register(pconf, s, store_cleanup, apr_pool_cleanup_null);

    rv = xn_random_bytes(secret, sizeof(secret));
    if (rv == APR_SUCCESS) {
        rv = xn_hmac_key_create(&secret_key, pconf, secret, sizeof(secret));
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, XNLOGNO(0205)
                     "cannot set up the credential cache key");
        return !OK;
    }
    return OK;
}

/* Makes the local copy of this child; without it every read goes to the
 * store, which is slower but as correct. */
static void local_init(apr_pool_t *pchild, server_rec *s)
{
    int i;

    for (i = 0; i < XN_LOCAL_LOCKS; i++) {
        if (apr_thread_mutex_create(&local_locks[i], APR_THREAD_MUTEX_DEFAULT,
                                    pchild) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, XNLOGNO(0208)
                         "cannot create a lock of the local session copy; "
                         "every request reads the session cache");
            return;
        }
    }
    local_entries = apr_pcalloc(pchild, sizeof(local_entry) * XN_LOCAL_SLOTS);
}

/* Replaces the random key of this start with the key kept in the store, or
 * puts this start's key there when the store has none. So every server of a
 * memcache or redis store, and every start after a graceful restart, signs
 * CSRF tokens and derives store keys alike. When the store fails, the
 * process keeps its own key and logs why.
 * NOTE: two servers that start at the same moment on an empty store can each
 * put their own key. The later put wins for every child started afterwards,
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
    if (xn_hmac_key_create(&secret_key, pchild, secret, sizeof(secret))
        != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, XNLOGNO(0209)
                     "cannot set up the shared key for the credential "
                     "cache; this process keeps the key of its start");
    }
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
    if (generation) {
        local_init(pchild, s);
    }
}

/* Store keys are hashes, so their first bytes spread evenly over the slots. */
static apr_size_t local_slot(const unsigned char *key, unsigned int key_len)
{
    apr_size_t h = 0;
    unsigned int i;

    for (i = 0; i < key_len && i < 4; i++) {
        h = (h << 8) | key[i];
    }
    return h % XN_LOCAL_SLOTS;
}

static int local_usable(unsigned int key_len)
{
    return local_entries && key_len <= XN_LOCAL_KEY_MAX;
}

/* Looks KEY up in the local copy. Returns APR_SUCCESS with the value,
 * APR_NOTFOUND when the copy records that the store has none, or APR_EGENERAL
 * when the copy has no usable entry. */
static apr_status_t local_get(const unsigned char *key, unsigned int key_len,
                              unsigned char **value, apr_size_t *len,
                              apr_pool_t *p)
{
    apr_size_t slot = local_slot(key, key_len);
    local_entry *e = &local_entries[slot];
    apr_thread_mutex_t *lock = local_locks[slot % XN_LOCAL_LOCKS];
    apr_status_t rv = APR_EGENERAL;

    apr_thread_mutex_lock(lock);
    if (e->key_len == key_len && !memcmp(e->key, key, key_len)
        && e->generation == apr_atomic_read32(generation)
        && apr_time_now() - e->fetched < XN_STORE_LOCAL_TTL) {
        rv = e->absent ? APR_NOTFOUND : APR_SUCCESS;
    }
    if (rv == APR_SUCCESS) {
        *value = apr_palloc(p, e->len + 1);
        memcpy(*value, e->value, e->len);
        (*value)[e->len] = '\0';
        *len = e->len;
    }
    apr_thread_mutex_unlock(lock);
    return rv;
}

/* Records VALUE, or with ABSENT that the store has no value, for KEY in the
 * local copy. GENERATION is the counter read before the store was read, so
 * a put or remove that raced with that read leaves the copy unusable. */
static void local_set(const unsigned char *key, unsigned int key_len,
                      const void *value, apr_size_t len, int absent,
                      apr_uint32_t read_generation)
{
    apr_size_t slot = local_slot(key, key_len);
    local_entry *e = &local_entries[slot];
    apr_thread_mutex_t *lock = local_locks[slot % XN_LOCAL_LOCKS];

    if (!absent && len > XN_STORE_VALUE_MAX) {
        return;
    }
    apr_thread_mutex_lock(lock);
    e->key_len = key_len;
    memcpy(e->key, key, key_len);
    e->absent = absent;
    if (!absent) {
        memcpy(e->value, value, len);
    }
    e->len = absent ? 0 : len;
    e->fetched = apr_time_now();
    e->generation = read_generation;
    apr_thread_mutex_unlock(lock);
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

/* Writes VALUE under KEY. INVALIDATE increments the shared counter, so no
 * process uses a local copy made before this write. */
static apr_status_t store_write(server_rec *s, const unsigned char *key,
                                unsigned int key_len, apr_time_t expiry,
                                const char *value, apr_size_t len,
                                apr_pool_t *p, int invalidate)
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

    if (rv == APR_SUCCESS && generation) {
        if (invalidate) {
            apr_atomic_inc32(generation);
        }
        if (local_usable(key_len)) {
            local_set(key, key_len, value, len, 0,
                      apr_atomic_read32(generation));
        }
    }
    return rv;
}

apr_status_t xn_store_put(server_rec *s, const unsigned char *key,
                          unsigned int key_len, apr_time_t expiry,
                          const char *value, apr_size_t len, apr_pool_t *p)
{
    return store_write(s, key, key_len, expiry, value, len, p, 1);
}

apr_status_t xn_store_touch(server_rec *s, const unsigned char *key,
                            unsigned int key_len, apr_time_t expiry,
                            const char *value, apr_size_t len, apr_pool_t *p)
{
    return store_write(s, key, key_len, expiry, value, len, p, 0);
}

apr_status_t xn_store_get_fresh(server_rec *s, const unsigned char *key,
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

apr_status_t xn_store_get(server_rec *s, const unsigned char *key,
                          unsigned int key_len, unsigned char **value,
                          apr_size_t *len, apr_pool_t *p)
{
    apr_uint32_t read_generation;
    apr_status_t rv;

    if (!generation || !local_usable(key_len)) {
        return xn_store_get_fresh(s, key, key_len, value, len, p);
    }
    rv = local_get(key, key_len, value, len, p);
    if (rv == APR_SUCCESS || APR_STATUS_IS_NOTFOUND(rv)) {
        return rv;
    }

    read_generation = apr_atomic_read32(generation);
    rv = xn_store_get_fresh(s, key, key_len, value, len, p);
    if (rv == APR_SUCCESS) {
        local_set(key, key_len, *value, *len, 0, read_generation);
    }
    else if (APR_STATUS_IS_NOTFOUND(rv)) {
        local_set(key, key_len, NULL, 0, 1, read_generation);
    }
    return rv;
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

    if (generation) {
        apr_atomic_inc32(generation);
        if (local_usable(key_len)) {
            local_set(key, key_len, NULL, 0, 1, apr_atomic_read32(generation));
        }
    }
    return rv;
}
