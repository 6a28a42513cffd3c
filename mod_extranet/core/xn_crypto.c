/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <openssl/core_names.h>

#include <apr_general.h>

#include "xn_crypto.h"

struct xn_hmac_key {
    EVP_MAC_CTX *ctx;                /* keyed once, then only duplicated */
};

/* Set by xn_crypto_init() at start-up, read-only afterwards. */
static EVP_MD *sha256_md;

apr_status_t xn_crypto_init(void)
{
    if (!sha256_md) {
        sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    }
    return sha256_md ? APR_SUCCESS : APR_EGENERAL;
}

static apr_status_t hmac_key_cleanup(void *data)
{
    xn_hmac_key *key = data;

    EVP_MAC_CTX_free(key->ctx);
    key->ctx = NULL;
    return APR_SUCCESS;
}

apr_status_t xn_hmac_key_create(xn_hmac_key **out, apr_pool_t *p,
                                const unsigned char *key, apr_size_t len)
{
    xn_hmac_key *k = apr_pcalloc(p, sizeof(*k));
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    OSSL_PARAM params[2];

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    k->ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac);
    if (!k->ctx || !EVP_MAC_init(k->ctx, key, len, params)) {
        EVP_MAC_CTX_free(k->ctx);
        return APR_EGENERAL;
    }
    apr_pool_cleanup_register(p, k, hmac_key_cleanup, apr_pool_cleanup_null);
    *out = k;
    return APR_SUCCESS;
}

apr_status_t xn_hmac_sha256_keyed(unsigned char out[XN_HMAC_BYTES],
                                  const xn_hmac_key *key, const void *data,
                                  apr_size_t len)
{
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(key->ctx);
    size_t out_len = 0;
    int ok = ctx != NULL
             && EVP_MAC_update(ctx, data, len)
             && EVP_MAC_final(ctx, out, &out_len, XN_HMAC_BYTES)
             && out_len == XN_HMAC_BYTES;

    EVP_MAC_CTX_free(ctx);
    if (!ok) {
        memset(out, 0, XN_HMAC_BYTES);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

apr_status_t xn_random_bytes(unsigned char *buf, apr_size_t len)
{
    return apr_generate_random_bytes(buf, len);
}

void xn_hmac_sha256(unsigned char out[XN_HMAC_BYTES],
                    const unsigned char *key, apr_size_t key_len,
                    const void *data, apr_size_t len)
{
    static const unsigned char empty[1] = { 0 };
    unsigned int out_len = XN_HMAC_BYTES;

    /* OpenSSL rejects a NULL key even when its length is 0. */
    if (key == NULL || key_len == 0) {
        key = empty;
        key_len = 0;
    }
    if (data == NULL) {
        data = empty;
        len = 0;
    }
    HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &out_len);
}

void xn_sha256(unsigned char out[32], const void *data, apr_size_t len)
{
    static const unsigned char empty[1] = { 0 };

    if (sha256_md) {
        EVP_Digest(data != NULL ? data : empty, data != NULL ? len : 0, out,
                   NULL, sha256_md, NULL);
        return;
    }
    SHA256(data != NULL ? data : empty, data != NULL ? len : 0, out);
}

int xn_secure_equal(const void *a, const void *b, apr_size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}

char *xn_base64url(apr_pool_t *p, const unsigned char *data, apr_size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = apr_palloc(p, (len + 2) / 3 * 4 + 1);
    char *o = out;
    apr_size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        apr_uint32_t v = (apr_uint32_t)data[i] << 16
                         | (apr_uint32_t)data[i + 1] << 8 | data[i + 2];
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 0x3f];
        *o++ = alphabet[(v >> 6) & 0x3f];
        *o++ = alphabet[v & 0x3f];
    }

    if (len - i == 1) {
        *o++ = alphabet[data[i] >> 2];
        *o++ = alphabet[(data[i] & 0x03) << 4];
    }
    else if (len - i == 2) {
        apr_uint32_t v = (apr_uint32_t)data[i] << 8 | data[i + 1];
        *o++ = alphabet[v >> 10];
        *o++ = alphabet[(v >> 4) & 0x3f];
        *o++ = alphabet[(v << 2) & 0x3f];
    }
    *o = '\0';
    return out;
}

char *xn_hex(apr_pool_t *p, const unsigned char *data, apr_size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *out = apr_palloc(p, len * 2 + 1);
    apr_size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 0x0f];
    }
    out[2 * len] = '\0';
    return out;
}
