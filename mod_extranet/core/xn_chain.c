/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <openssl/evp.h>

#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_lib.h>

#include "xn_chain.h"
#include "xn_escape.h"

#define CHAIN_FIELD   ",\"chain\":\""
#define SEQ_FIELD     ",\"seq\":"
#define PREV_CHAIN    ",\"prev_chain\":\""
#define PREV_SEQ      ",\"prev_seq\":"
#define KEY_ID        ",\"key_id\":\""
#define LIT(s)        (sizeof(s) - 1)

static const char zero_chain[XN_CHAIN_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct xn_chain_verifier {
    apr_pool_t *pool;
    const xn_chain_key *keys;
    int nkeys;
    const xn_chain_key *key;
    int have_prev;
    xn_chain_state state;
    apr_hash_t *watch;               /* apr_uint64_t seq -> chain or "" */
};

static apr_status_t free_digest(void *ctx)
{
    EVP_MD_CTX_free(ctx);
    return APR_SUCCESS;
}

/* Returns a SHA-256 context that has absorbed the 64-byte block of KEY
 * XOR PAD (RFC 2104), freed with P. */
static EVP_MD_CTX *padded_digest(apr_pool_t *p, const unsigned char *key,
                                 apr_size_t len, unsigned char pad)
{
    unsigned char block[64];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    apr_size_t i;

    if (!ctx) {
        return NULL;
    }
    apr_pool_cleanup_register(p, ctx, free_digest, apr_pool_cleanup_null);
    for (i = 0; i < sizeof(block); i++) {
        block[i] = (unsigned char)((i < len ? key[i] : 0) ^ pad);
    }
    if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)
        || !EVP_DigestUpdate(ctx, block, sizeof(block))) {
        ctx = NULL;
    }
    memset(block, 0, sizeof(block));
    return ctx;
}

apr_status_t xn_chain_key_set(xn_chain_key *key, apr_pool_t *p,
                              const char *data, apr_size_t len,
                              const char **err)
{
    unsigned char digest[32];
    unsigned char hashed[32];
    const unsigned char *block_key = (const unsigned char *)data;
    apr_size_t block_len;
    static const char hex[] = "0123456789abcdef";
    int i;

    while (len > 0 && apr_isspace(data[len - 1])) {
        len--;
    }
    if (len < XN_CHAIN_KEY_MIN) {
        *err = "the key is shorter than 32 bytes";
        return APR_EINVAL;
    }
    if (len > XN_CHAIN_KEY_MAX) {
        *err = "the key is longer than 1024 bytes";
        return APR_EINVAL;
    }
    key->len = len;
    block_len = len;
    if (len > 64) {
        /* RFC 2104: a key longer than the block is hashed first. */
        xn_sha256(hashed, data, len);
        block_key = hashed;
        block_len = sizeof(hashed);
    }
    key->inner = padded_digest(p, block_key, block_len, 0x36);
    key->outer = padded_digest(p, block_key, block_len, 0x5c);
    memset(hashed, 0, sizeof(hashed));
    if (!key->inner || !key->outer) {
        *err = "cannot set up SHA-256 (OpenSSL)";
        return APR_EGENERAL;
    }
    xn_sha256(digest, data, len);
    for (i = 0; i < XN_CHAIN_KEY_ID_LEN / 2; i++) {
        key->id[2 * i] = hex[digest[i] >> 4];
        key->id[2 * i + 1] = hex[digest[i] & 0x0f];
    }
    key->id[XN_CHAIN_KEY_ID_LEN] = '\0';
    return APR_SUCCESS;
}

void xn_chain_key_forget(xn_chain_key *key)
{
    /* The contexts stay allocated for the cleanup that frees them. */
    if (key->inner) {
        EVP_MD_CTX_reset(key->inner);
    }
    if (key->outer) {
        EVP_MD_CTX_reset(key->outer);
    }
    key->inner = key->outer = NULL;
}

void xn_chain_state_init(xn_chain_state *state)
{
    state->seq = 0;
    memcpy(state->chain, zero_chain, sizeof(state->chain));
}

/* Computes HMAC-SHA-256 of PREV (XN_CHAIN_HEX chars) followed by BODY from
 * copies of the key's padded digest states, which need no algorithm look-up
 * (OpenSSL 3's one-shot HMAC() does one on every call). Returns 0 when
 * OpenSSL fails. */
static int chain_mac(unsigned char mac[XN_HMAC_BYTES],
                      const xn_chain_key *key, const char *prev,
                      const char *body, apr_size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char inner[XN_HMAC_BYTES];
    unsigned int n = 0;
    int ok;

    ok = ctx && EVP_MD_CTX_copy_ex(ctx, key->inner)
         && EVP_DigestUpdate(ctx, prev, XN_CHAIN_HEX)
         && EVP_DigestUpdate(ctx, body, len)
         && EVP_DigestFinal_ex(ctx, inner, &n)
         && EVP_MD_CTX_copy_ex(ctx, key->outer)
         && EVP_DigestUpdate(ctx, inner, sizeof(inner))
         && EVP_DigestFinal_ex(ctx, mac, &n);
    if (!ok) {
        memset(mac, 0, XN_HMAC_BYTES);
    }
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* Writes the hex HMAC of PREV (XN_CHAIN_HEX chars) followed by BODY.
 * Returns 0 when it could not be computed. */
static int compute_chain(char out[XN_CHAIN_HEX + 1], const xn_chain_key *key,
                          const char *prev, const char *body, apr_size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[XN_HMAC_BYTES];
    int ok = chain_mac(mac, key, prev, body, len);
    int i;

    for (i = 0; i < XN_HMAC_BYTES; i++) {
        out[2 * i] = hex[mac[i] >> 4];
        out[2 * i + 1] = hex[mac[i] & 0x0f];
    }
    out[XN_CHAIN_HEX] = '\0';
    return ok;
}

/* Returns the length of LINE without its closing "}\n" (or "}"). */
static apr_size_t body_length(const char *line, apr_size_t len)
{
    if (len > 0 && line[len - 1] == '\n') {
        len--;
    }
    if (len > 0 && line[len - 1] == '}') {
        len--;
    }
    return len;
}

static char *finish_line(apr_pool_t *p, const char *body, apr_size_t len,
                         const char *chain, apr_size_t *out_len)
{
    char *line = apr_palloc(p, len + LIT(CHAIN_FIELD) + XN_CHAIN_HEX + 4);

    memcpy(line, body, len);
    memcpy(line + len, CHAIN_FIELD, LIT(CHAIN_FIELD));
    len += LIT(CHAIN_FIELD);
    memcpy(line + len, chain, XN_CHAIN_HEX);
    len += XN_CHAIN_HEX;
    memcpy(line + len, "\"}\n", 4);
    *out_len = len + 3;
    return line;
}

char *xn_chain_seal(apr_pool_t *p, const xn_chain_key *key,
                    xn_chain_state *state, const char *line, apr_size_t len,
                    apr_size_t *out_len)
{
    apr_size_t body_len = body_length(line, len);
    char *body;
    char chain[XN_CHAIN_HEX + 1];

    state->seq++;
    body = apr_psprintf(p, "%.*s" SEQ_FIELD "%" APR_UINT64_T_FMT,
                        (int)body_len, line, state->seq);
    body_len = strlen(body);
    /* NOTE: when OpenSSL fails (out of memory) the record gets a chain of
     * '0's, which verify reports as a mismatch. */
    compute_chain(chain, key, state->chain, body, body_len);
    memcpy(state->chain, chain, sizeof(chain));
    return finish_line(p, body, body_len, chain, out_len);
}

char *xn_chain_seal_anchor(apr_pool_t *p, const xn_chain_key *key,
                           const xn_chain_state *state, const char *line,
                           apr_size_t len, apr_size_t *out_len)
{
    apr_size_t body_len = body_length(line, len);
    char *body;
    char chain[XN_CHAIN_HEX + 1];

    body = apr_psprintf(p, "%.*s" KEY_ID "%s\"" PREV_SEQ "%" APR_UINT64_T_FMT
                        PREV_CHAIN "%s\"", (int)body_len, line, key->id,
                        state->seq, state->chain);
    body_len = strlen(body);
    compute_chain(chain, key, zero_chain, body, body_len);
    return finish_line(p, body, body_len, chain, out_len);
}

static int is_hex(const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

/* Reads the decimal number that ends at END (exclusive) and starts after
 * the literal FIELD. Returns the position of FIELD, or (apr_size_t)-1. */
static apr_size_t number_before(const char *line, apr_size_t end,
                                const char *field, apr_uint64_t *value)
{
    apr_size_t start = end;
    apr_size_t flen = strlen(field);
    apr_uint64_t v = 0;
    apr_size_t i;

    while (start > 0 && apr_isdigit(line[start - 1]) && end - start < 20) {
        start--;
    }
    if (start == end || start < flen
        || memcmp(line + start - flen, field, flen) != 0) {
        return (apr_size_t)-1;
    }
    for (i = start; i < end; i++) {
        v = v * 10 + (apr_uint64_t)(line[i] - '0');
    }
    *value = v;
    return start - flen;
}

/* Reads a quoted hex value of N chars that ends at END (the closing quote
 * is at END - 1) after the literal FIELD. Returns the position of FIELD. */
static apr_size_t hex_before(const char *line, apr_size_t end,
                             const char *field, apr_size_t n, char *out)
{
    apr_size_t flen = strlen(field);

    if (end < flen + n + 1 || line[end - 1] != '"') {
        return (apr_size_t)-1;
    }
    if (memcmp(line + end - 1 - n - flen, field, flen) != 0
        || !is_hex(line + end - 1 - n, n)) {
        return (apr_size_t)-1;
    }
    memcpy(out, line + end - 1 - n, n);
    out[n] = '\0';
    return end - 1 - n - flen;
}

apr_status_t xn_chain_parse(xn_chain_fields *out, const char *line,
                            apr_size_t len)
{
    apr_size_t pos;

    memset(out, 0, sizeof(*out));
    if (len < 2 || line[0] != '{' || line[len - 1] != '}') {
        return APR_EINVAL;
    }
    pos = hex_before(line, len - 1, CHAIN_FIELD, XN_CHAIN_HEX, out->chain);
    if (pos == (apr_size_t)-1) {
        return APR_EINVAL;
    }
    out->body_len = pos;

    if (pos > 0 && line[pos - 1] == '"') {
        pos = hex_before(line, pos, PREV_CHAIN, XN_CHAIN_HEX, out->prev_chain);
        if (pos == (apr_size_t)-1) {
            return APR_EINVAL;
        }
        pos = number_before(line, pos, PREV_SEQ, &out->seq);
        if (pos == (apr_size_t)-1) {
            return APR_EINVAL;
        }
        pos = hex_before(line, pos, KEY_ID, XN_CHAIN_KEY_ID_LEN, out->key_id);
        if (pos == (apr_size_t)-1) {
            return APR_EINVAL;
        }
        out->anchor = 1;
        return APR_SUCCESS;
    }
    pos = number_before(line, pos, SEQ_FIELD, &out->seq);
    return pos == (apr_size_t)-1 ? APR_EINVAL : APR_SUCCESS;
}

xn_chain_verifier *xn_chain_verifier_create(apr_pool_t *p,
                                            const xn_chain_key *keys,
                                            int nkeys)
{
    xn_chain_verifier *v = apr_pcalloc(p, sizeof(*v));

    v->pool = p;
    v->keys = keys;
    v->nkeys = nkeys;
    v->key = nkeys > 0 ? &keys[0] : NULL;
    v->watch = apr_hash_make(p);
    xn_chain_state_init(&v->state);
    return v;
}

static const xn_chain_key *find_key(const xn_chain_verifier *v,
                                    const char *id)
{
    int i;

    for (i = 0; i < v->nkeys; i++) {
        if (strcmp(v->keys[i].id, id) == 0) {
            return &v->keys[i];
        }
    }
    return NULL;
}

static int chain_matches(const xn_chain_key *key, const char *prev,
                         const char *line, const xn_chain_fields *f)
{
    char expected[XN_CHAIN_HEX + 1];

    /* A chain that cannot be computed never matches (fail closed). */
    return compute_chain(expected, key, prev, line, f->body_len)
           && xn_secure_equal(expected, f->chain, XN_CHAIN_HEX);
}

static void remember(xn_chain_verifier *v, apr_uint64_t seq,
                     const char *chain)
{
    apr_uint64_t *k;

    if (apr_hash_get(v->watch, &seq, sizeof(seq)) != NULL) {
        k = apr_pmemdup(v->pool, &seq, sizeof(seq));
        apr_hash_set(v->watch, k, sizeof(*k), apr_pstrdup(v->pool, chain));
    }
}

static void move_to(xn_chain_verifier *v, apr_uint64_t seq,
                    const char *chain)
{
    v->state.seq = seq;
    memcpy(v->state.chain, chain, XN_CHAIN_HEX + 1);
    v->have_prev = 1;
}

static xn_chain_result verify_anchor(xn_chain_verifier *v, const char *line,
                                     const xn_chain_fields *f,
                                     const char **why)
{
    const xn_chain_key *key = find_key(v, f->key_id);
    int continues = !v->have_prev || (f->seq == v->state.seq
                                      && strcmp(f->prev_chain,
                                                v->state.chain) == 0);

    if (!key) {
        *why = apr_psprintf(v->pool, "anchor record signed with key id %s, "
                            "which is not among the keys given", f->key_id);
        move_to(v, f->seq, f->prev_chain);
        return XN_CHAIN_BAD;
    }
    if (!chain_matches(key, zero_chain, line, f)) {
        *why = "anchor record changed or forged (HMAC mismatch)";
        move_to(v, f->seq, f->prev_chain);
        return XN_CHAIN_BAD;
    }
    v->key = key;
    if (!continues) {
        *why = apr_psprintf(v->pool, "anchor record continues seq %"
                            APR_UINT64_T_FMT " but the record before it has "
                            "seq %" APR_UINT64_T_FMT " or another chain "
                            "value (records removed or reordered)", f->seq,
                            v->state.seq);
        move_to(v, f->seq, f->prev_chain);
        return XN_CHAIN_BAD;
    }
    move_to(v, f->seq, f->prev_chain);
    return XN_CHAIN_OK;
}

xn_chain_result xn_chain_verify_line(xn_chain_verifier *v, const char *line,
                                     apr_size_t len, int complete,
                                     const char **why)
{
    xn_chain_fields f;
    apr_uint64_t expected = v->state.seq + 1;

    *why = NULL;
    if (!complete) {
        *why = "the last line has no newline (a record cut short by a crash "
               "or by truncation)";
        return XN_CHAIN_TRUNCATED;
    }
    if (xn_chain_parse(&f, line, len) != APR_SUCCESS) {
        *why = "the line has no valid seq and chain fields (changed, torn "
               "or inserted)";
        return XN_CHAIN_BAD;
    }
    if (f.anchor) {
        return verify_anchor(v, line, &f, why);
    }
    if (!v->key) {
        *why = "no key to check the record with";
        return XN_CHAIN_BAD;
    }
    if (!v->have_prev && f.seq != 1) {
        move_to(v, f.seq, f.chain);
        remember(v, f.seq, f.chain);
        *why = "the first record is no anchor and has no predecessor here, "
               "so its own chain value is taken on trust";
        return XN_CHAIN_UNCHECKED;
    }
    if (f.seq != expected) {
        *why = apr_psprintf(v->pool, "seq %" APR_UINT64_T_FMT " where %"
                            APR_UINT64_T_FMT " was expected (a record "
                            "removed, inserted or reordered)", f.seq,
                            expected);
        move_to(v, f.seq, f.chain);
        return XN_CHAIN_BAD;
    }
    if (!chain_matches(v->key, v->state.chain, line, &f)) {
        *why = "chain value mismatch (the record was changed or forged, or "
               "signed with another key)";
        move_to(v, f.seq, f.chain);
        return XN_CHAIN_BAD;
    }
    move_to(v, f.seq, f.chain);
    remember(v, f.seq, f.chain);
    return XN_CHAIN_OK;
}

const xn_chain_state *xn_chain_verifier_state(const xn_chain_verifier *v)
{
    return &v->state;
}

void xn_chain_verifier_watch(xn_chain_verifier *v, apr_uint64_t seq)
{
    apr_uint64_t *k = apr_pmemdup(v->pool, &seq, sizeof(seq));

    apr_hash_set(v->watch, k, sizeof(*k), "");
}

const char *xn_chain_verifier_seen(const xn_chain_verifier *v,
                                   apr_uint64_t seq)
{
    const char *chain = apr_hash_get(v->watch, &seq, sizeof(seq));

    return chain && *chain ? chain : NULL;
}

char *xn_chain_checkpoint(apr_pool_t *p, apr_time_t time, const char *log,
                          const xn_chain_state *state, apr_size_t *len)
{
    xn_audit_record rec;
    apr_size_t body_len;
    const char *line;
    char *out;

    memset(&rec, 0, sizeof(rec));
    rec.time = time;
    rec.event = XN_EVENT_CHECKPOINT;
    rec.path = log;
    rec.status = -1;
    rec.bytes = -1;
    line = xn_audit_format(p, &rec, &body_len);
    body_len = body_length(line, body_len);
    out = apr_psprintf(p, "%.*s" SEQ_FIELD "%" APR_UINT64_T_FMT CHAIN_FIELD
                       "%s\"}\n", (int)body_len, line, state->seq,
                       state->chain);
    *len = strlen(out);
    return out;
}

apr_status_t xn_chain_checkpoint_parse(const char *line, apr_uint64_t *seq,
                                       char *chain)
{
    const char *start = strstr(line, "{\"time\":");
    xn_chain_fields f;
    apr_size_t len;

    if (!start || !strstr(start, "\"event\":\"checkpoint\"")) {
        return APR_ENOENT;
    }
    len = strcspn(start, "\r\n");
    if (xn_chain_parse(&f, start, len) != APR_SUCCESS || f.anchor) {
        return APR_ENOENT;
    }
    *seq = f.seq;
    memcpy(chain, f.chain, XN_CHAIN_HEX + 1);
    return APR_SUCCESS;
}
