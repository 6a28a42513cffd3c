/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* The shared store of sessions and cached Basic credentials: one socache
 * instance (shmcb by default, or memcache or redis to share it between
 * servers) for the whole server.
 *
 * Threads: xn_store_pre_config(), xn_store_post_config() and
 * xn_store_child_init() run at start-up. The other functions may run on any
 * request thread; a provider that is not safe across processes and threads
 * (shmcb) is guarded by the "extranet-cache" mutex, which the core Mutex
 * directive can tune. */

#ifndef XN_STORE_H
#define XN_STORE_H

#include "xn_private.h"

#define XN_STORE_MUTEX "extranet-cache"
#define XN_STORE_VALUE_MAX 2048

int xn_store_pre_config(apr_pool_t *pconf);
int xn_store_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
void xn_store_child_init(apr_pool_t *pchild, server_rec *s);

/* The process-wide key of the Basic credential cache, CSRF tokens and the
 * store keys of throttling and session ends. Made in post_config and
 * replaced in child_init by the key kept in the store, so that every server
 * of one store uses the same key. */
const unsigned char *xn_store_secret(void);

apr_status_t xn_store_put(server_rec *s, const unsigned char *key,
                          unsigned int key_len, apr_time_t expiry,
                          const char *value, apr_size_t len, apr_pool_t *p);

/* Reads the value of KEY into a buffer from P. Returns APR_NOTFOUND when the
 * key is absent or expired. */
apr_status_t xn_store_get(server_rec *s, const unsigned char *key,
                          unsigned int key_len, unsigned char **value,
                          apr_size_t *len, apr_pool_t *p);

apr_status_t xn_store_remove(server_rec *s, const unsigned char *key,
                             unsigned int key_len, apr_pool_t *p);

#endif
