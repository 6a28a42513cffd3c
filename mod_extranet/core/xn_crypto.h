/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#ifndef XN_CRYPTO_H
#define XN_CRYPTO_H

#include "xn_core.h"

/* Every function here may be called from any thread. OpenSSL 1.1.0 and
 * later need no locking callbacks. */

#define XN_HMAC_BYTES 32

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
