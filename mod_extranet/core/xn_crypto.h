/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#ifndef XN_CRYPTO_H
#define XN_CRYPTO_H

#include "xn_core.h"

/* Every function here may be called from any thread. OpenSSL 1.1.0 and
 * later need no locking callbacks. */

#define XN_HMAC_BYTES 32

/* Looks up the SHA-256 implementation once, so xn_sha256() skips OpenSSL's
 * algorithm lookup on every call. Call it at start-up, before threads run;
 * without it the functions work too, a little slower. This and
 * xn_hmac_key_create() are the only functions of the core library that are
 * meant for start-up only. */
apr_status_t xn_crypto_init(void);

/* A key for HMAC-SHA-256, set up once so that each use only copies it. */
typedef struct xn_hmac_key xn_hmac_key;

/* Sets up KEY for xn_hmac_sha256_keyed(). The key is freed with P. Call at
 * start-up. */
apr_status_t xn_hmac_key_create(xn_hmac_key **out, apr_pool_t *p,
                                const unsigned char *key, apr_size_t len);

/* Computes HMAC-SHA-256 of DATA with a key from xn_hmac_key_create(). Any
 * number of threads may use one key at once. Returns APR_EGENERAL when
 * OpenSSL fails, with OUT then filled with zeros. */
apr_status_t xn_hmac_sha256_keyed(unsigned char out[XN_HMAC_BYTES],
                                  const xn_hmac_key *key, const void *data,
                                  apr_size_t len);

/* Fills BUF with LEN bytes from the system's CSPRNG
 * (apr_generate_random_bytes). */
apr_status_t xn_random_bytes(unsigned char *buf, apr_size_t len);

/* Computes HMAC-SHA-256 of DATA with KEY into OUT. */
void xn_hmac_sha256(unsigned char out[XN_HMAC_BYTES],
                    const unsigned char *key, apr_size_t key_len,
                    const void *data, apr_size_t len);

void xn_sha256(unsigned char out[32], const void *data, apr_size_t len);

/* Compares two buffers of LEN bytes in time that does not depend on their
 * contents (CRYPTO_memcmp). Returns 1 when equal. */
int xn_secure_equal(const void *a, const void *b, apr_size_t len);

/* Encodes LEN bytes as unpadded base64url. */
char *xn_base64url(apr_pool_t *p, const unsigned char *data, apr_size_t len);

char *xn_hex(apr_pool_t *p, const unsigned char *data, apr_size_t len);

#endif
