/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* The shared store of sessions and cached Basic credentials: one socache
 * instance (shmcb by default, or memcache or redis to share it between
 * servers) for the whole server.
 *
 * A store that lives on this host only (a provider flagged not safe across
 * processes, such as shmcb) is read under a global mutex, which made that
 * lock the main cost of a signed-in request. Each process therefore keeps a
 * small local copy of recently read values, for at most XN_STORE_LOCAL_TTL.
 * A put or remove increments a counter in shared memory, and a local copy
 * made before the last increment is not used, so sign-out and new sign-ins
 * take effect at once in every process. Stores shared between hosts
 * (memcache, redis) get no local copy, because the counter cannot reach the
 * other hosts.
 *
 * Threads: xn_store_pre_config(), xn_store_post_config() and
 * xn_store_child_init() run at start-up. The other functions may run on any
 * request thread; a provider that is not safe across processes and threads
 * (shmcb) is guarded by the "extranet-cache" mutex, which the core Mutex
 * directive can tune. */

#ifndef XN_STORE_H
#define XN_STORE_H

#include "xn_private.h"
#include "xn_crypto.h"

#define XN_STORE_MUTEX "extranet-cache"
#define XN_STORE_VALUE_MAX 2048

/* Age limit of a process's local copy of a stored value. */
#define XN_STORE_LOCAL_TTL apr_time_from_sec(2)

int xn_store_pre_config(apr_pool_t *pconf);
int xn_store_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
void xn_store_child_init(apr_pool_t *pchild, server_rec *s);

/* The process-wide key of the Basic credential cache, CSRF tokens and the
 * store keys of throttling and session ends. Made in post_config and
 * replaced in child_init by the key kept in the store, so that every server
 * of one store uses the same key. */
const unsigned char *xn_store_secret(void);

/* The same key, set up for xn_hmac_sha256_keyed(). */
const xn_hmac_key *xn_store_secret_key(void);

/* Stores VALUE under KEY until EXPIRY. Every process reads the new value
 * from its next request on. */
apr_status_t xn_store_put(server_rec *s, const unsigned char *key,
                          unsigned int key_len, apr_time_t expiry,
                          const char *value, apr_size_t len, apr_pool_t *p);

/* Stores VALUE under KEY like xn_store_put(), for an update that other
 * processes may see up to XN_STORE_LOCAL_TTL late, such as a session's
 * last-seen time. */
apr_status_t xn_store_touch(server_rec *s, const unsigned char *key,
                            unsigned int key_len, apr_time_t expiry,
                            const char *value, apr_size_t len, apr_pool_t *p);

/* Reads the value of KEY into a buffer from P. Returns APR_NOTFOUND when the
 * key is absent or expired. The value may come from the process's local
 * copy, at most XN_STORE_LOCAL_TTL old and never older than the last
 * xn_store_put() or xn_store_remove() in any process of this server. */
apr_status_t xn_store_get(server_rec *s, const unsigned char *key,
                          unsigned int key_len, unsigned char **value,
                          apr_size_t *len, apr_pool_t *p);

/* Reads the value of KEY from the store itself, bypassing the local copy. */
apr_status_t xn_store_get_fresh(server_rec *s, const unsigned char *key,
                                unsigned int key_len, unsigned char **value,
                                apr_size_t *len, apr_pool_t *p);

/* Removes KEY. Every process reads it as absent from its next request on. */
apr_status_t xn_store_remove(server_rec *s, const unsigned char *key,
                             unsigned int key_len, apr_pool_t *p);

#endif
