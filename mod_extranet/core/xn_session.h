/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#ifndef XN_SESSION_H
#define XN_SESSION_H

#include "xn_core.h"

/* Session ids are 32 random bytes (256 bits), sent as 43 base64url
 * characters. The store never receives an id: it is keyed by the SHA-256 of it. */
#define XN_SESSION_ID_BYTES 32
#define XN_SESSION_ID_CHARS 43
#define XN_SESSION_KEY_BYTES 32

/* What the server keeps of a session. Times are whole seconds since the epoch. */
typedef struct xn_session {
    const char *user;         /* canonical name from the directory entry */
    const char *roles;        /* role names joined by ',' */
    apr_int64_t created;
    apr_int64_t last_seen;
    apr_int64_t checked;      /* last check of the account in the directory */
} xn_session;

/* Every function here may be called from any thread. */

/* Encodes S for the store as "xn2", user, roles, created, last_seen and
 * checked joined by tabs. Returns APR_EINVAL when a field contains a tab or a line
 * break, which the format cannot carry, when the user is NULL or empty, or
 * when a time is negative. A NULL roles is stored as "". */
apr_status_t xn_session_encode(char **out, apr_size_t *len, apr_pool_t *p,
                               const xn_session *s);

/* Decodes a stored value of LEN bytes, which need not be NUL-terminated.
 * APR_EINVAL when it is malformed (wrong field count, empty user, a time
 * that is not 1 to 18 decimal digits, a NUL or line break) or of another
 * format version. The older "xn1" form, without checked, is read with
 * checked set to created. The strings in S are allocated from P. */
apr_status_t xn_session_decode(xn_session *s, apr_pool_t *p,
                               const unsigned char *data, apr_size_t len);

/* Creates a new random session id (base64url, XN_SESSION_ID_CHARS long). */
apr_status_t xn_session_id_create(char **out, apr_pool_t *p);

/* Returns non-zero when ID has the shape of a session id: exactly
 * XN_SESSION_ID_CHARS base64url characters. */
int xn_session_id_valid(const char *id);

/* Derives the store key of ID: SHA-256 of the id, XN_SESSION_KEY_BYTES long. */
void xn_session_key(unsigned char key[XN_SESSION_KEY_BYTES], const char *id);

#endif
