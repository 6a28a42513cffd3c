/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* The hash chain of the audit log, shared by the module (which seals
 * records) and extranet-audit (which verifies them).
 *
 * A sealed record is the line of xn_audit_format without its closing "}\n",
 * followed by ,"seq":N,"chain":"H"}\n. H is the lower-case hex of
 * HMAC-SHA-256(key, P || B), where P is the 64 hex characters of the
 * previous record's chain value and B is the line up to and including the
 * seq field. The first record of a log uses 64 '0' characters as P.
 *
 * An anchor record (event chain_start or prune) ends in
 * ,"key_id":"K","prev_seq":S,"prev_chain":"C","chain":"H"}\n instead. Its H
 * is HMAC(key, 64 '0' || B), so it can be checked on its own, and it hands
 * the chain on unchanged: the next record has seq S + 1 and uses C as P.
 * An anchor starts every log and every rotated file, and follows a change of
 * key, so each file verifies alone and the change of key is on record.
 *
 * Every function here may be called from any thread. A verifier belongs to
 * one thread. */

#ifndef XN_CHAIN_H
#define XN_CHAIN_H

#include "xn_core.h"
#include "xn_audit.h"
#include "xn_crypto.h"

#define XN_CHAIN_HEX        (2 * XN_HMAC_BYTES)
#define XN_CHAIN_KEY_MIN    32
#define XN_CHAIN_KEY_MAX    1024
#define XN_CHAIN_KEY_ID_LEN 16

typedef struct xn_chain_key {
    apr_size_t len;
    char id[XN_CHAIN_KEY_ID_LEN + 1];  /* public: hex of SHA-256 of the key */
    void *inner;                     /* EVP_MD_CTX after the HMAC ipad block */
    void *outer;                     /* EVP_MD_CTX after the HMAC opad block */
} xn_chain_key;

/* Position of the chain: seq and chain value of the last record. */
typedef struct xn_chain_state {
    apr_uint64_t seq;
    char chain[XN_CHAIN_HEX + 1];
} xn_chain_state;

/* Sets KEY from the contents of a key file: the bytes of DATA without
 * trailing white space, at least XN_CHAIN_KEY_MIN and at most
 * XN_CHAIN_KEY_MAX of them. KEY keeps only the HMAC state after the padded
 * key blocks, in digest contexts that a cleanup of P frees, so a copy of
 * KEY is valid as long as P. On error *ERR names the problem (never the
 * key). */
apr_status_t xn_chain_key_set(xn_chain_key *key, apr_pool_t *p,
                              const char *data, apr_size_t len,
                              const char **err);

/* Erases the key material of KEY in this process, which can then no longer
 * seal or verify with it. The id stays. */
void xn_chain_key_forget(xn_chain_key *key);

/* Sets STATE to the start of a new log: seq 0 and a chain of '0's. */
void xn_chain_state_init(xn_chain_state *state);

/* Seals LINE, a line of xn_audit_format, as the record after STATE and
 * advances STATE. Returns the sealed line and its length in *OUT_LEN. */
char *xn_chain_seal(apr_pool_t *p, const xn_chain_key *key,
                    xn_chain_state *state, const char *line, apr_size_t len,
                    apr_size_t *out_len);

/* Seals LINE as an anchor record that hands on STATE (unchanged). */
char *xn_chain_seal_anchor(apr_pool_t *p, const xn_chain_key *key,
                           const xn_chain_state *state, const char *line,
                           apr_size_t len, apr_size_t *out_len);

/* The chain fields of one sealed line, read by xn_chain_parse. */
typedef struct xn_chain_fields {
    int anchor;
    apr_uint64_t seq;                 /* seq, or prev_seq of an anchor */
    char chain[XN_CHAIN_HEX + 1];
    char prev_chain[XN_CHAIN_HEX + 1];  /* anchors only */
    char key_id[XN_CHAIN_KEY_ID_LEN + 1];  /* anchors only */
    apr_size_t body_len;              /* bytes covered by the HMAC */
} xn_chain_fields;

/* Reads the chain fields from the end of LINE (LEN bytes, no newline).
 * Returns APR_SUCCESS, or APR_EINVAL when the line does not end in well
 * formed chain fields. */
apr_status_t xn_chain_parse(xn_chain_fields *out, const char *line,
                            apr_size_t len);

typedef enum {
    XN_CHAIN_OK = 0,
    XN_CHAIN_UNCHECKED,   /* first line is no anchor: its HMAC was not checked */
    XN_CHAIN_BAD,         /* changed, inserted, removed or reordered */
    XN_CHAIN_TRUNCATED    /* the last line has no newline */
} xn_chain_result;

typedef struct xn_chain_verifier xn_chain_verifier;

/* Creates a verifier that accepts the NKEYS keys of KEYS. Records before
 * the first anchor are checked with KEYS[0]. */
xn_chain_verifier *xn_chain_verifier_create(apr_pool_t *p,
                                            const xn_chain_key *keys,
                                            int nkeys);

/* Checks the next line of the log (LEN bytes without the newline;
 * COMPLETE is 0 when the file ended before its newline). On XN_CHAIN_BAD
 * *WHY describes what is wrong, and the verifier resynchronises on the line so
 * that later lines are checked against it. Lines may come from several
 * files in order. */
xn_chain_result xn_chain_verify_line(xn_chain_verifier *v, const char *line,
                                     apr_size_t len, int complete,
                                     const char **why);

/* Returns the state after the last line checked. */
const xn_chain_state *xn_chain_verifier_state(const xn_chain_verifier *v);

/* Returns the chain value of the record with sequence number SEQ if the
 * verifier has passed it and was asked to remember it with
 * xn_chain_verifier_watch, else NULL. */
const char *xn_chain_verifier_seen(const xn_chain_verifier *v,
                                   apr_uint64_t seq);

/* Asks V to remember the chain value of record SEQ (for checkpoints). */
void xn_chain_verifier_watch(xn_chain_verifier *v, apr_uint64_t seq);

/* Formats a checkpoint line for the second sink: time, event checkpoint,
 * LOG (the audit log it covers), seq and chain of STATE. */
char *xn_chain_checkpoint(apr_pool_t *p, apr_time_t time, const char *log,
                          const xn_chain_state *state, apr_size_t *len);

/* Finds a checkpoint in LINE, which may carry a syslog prefix. Returns
 * APR_SUCCESS and fills SEQ and CHAIN (XN_CHAIN_HEX + 1 bytes), or
 * APR_ENOENT when LINE contains no checkpoint. */
apr_status_t xn_chain_checkpoint_parse(const char *line, apr_uint64_t *seq,
                                       char *chain);

#endif
