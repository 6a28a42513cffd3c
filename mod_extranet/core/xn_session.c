/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "xn_crypto.h"
#include "xn_session.h"

/* Stored form: "xn2" TAB user TAB roles TAB created TAB last_seen TAB
 * checked, with the times as decimal seconds. A new layout gets a new version
 * tag, so a store shared across an upgrade drops sessions it cannot read
 * instead of misreading them. "xn1" lacks the checked field. */
#define XN_SESSION_VERSION "xn2"
#define XN_SESSION_VERSION_1 "xn1"
#define XN_SESSION_FIELDS 6

static int field_storable(const char *s)
{
    return strpbrk(s, "\t\r\n") == NULL;
}

apr_status_t xn_session_encode(char **out, apr_size_t *len, apr_pool_t *p,
                               const xn_session *s)
{
    const char *roles = s->roles ? s->roles : "";

    *out = NULL;
    *len = 0;
    if (s->user == NULL || *s->user == '\0' || !field_storable(s->user)
        || !field_storable(roles) || s->created < 0 || s->last_seen < 0
        || s->checked < 0) {
        return APR_EINVAL;
    }

    *out = apr_psprintf(p, XN_SESSION_VERSION "\t%s\t%s\t%" APR_INT64_T_FMT
                        "\t%" APR_INT64_T_FMT "\t%" APR_INT64_T_FMT, s->user,
                        roles, s->created, s->last_seen, s->checked);
    *len = strlen(*out);
    return APR_SUCCESS;
}

/* Parses a non-negative decimal number of at most 18 digits. */
static apr_status_t parse_seconds(apr_int64_t *out, const char *s)
{
    apr_int64_t v = 0;
    apr_size_t n = strlen(s), i;

    if (n == 0 || n > 18) {
        return APR_EINVAL;
    }
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return APR_EINVAL;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return APR_SUCCESS;
}

/* Splits COPY at its tabs into at most XN_SESSION_FIELDS fields and stores
 * their number in *count. */
static apr_status_t split_fields(char *fields[XN_SESSION_FIELDS], char *copy,
                                 int *count)
{
    int n = 0;
    char *s = copy, *tab;

    for (;;) {
        if (n == XN_SESSION_FIELDS) {
            return APR_EINVAL;
        }
        fields[n++] = s;
        tab = strchr(s, '\t');
        if (tab == NULL) {
            break;
        }
        *tab = '\0';
        s = tab + 1;
    }
    *count = n;
    return APR_SUCCESS;
}

apr_status_t xn_session_decode(xn_session *s, apr_pool_t *p,
                               const unsigned char *data, apr_size_t len)
{
    char *fields[XN_SESSION_FIELDS];
    char *copy;
    int count = 0, version_1;

    if (data == NULL || memchr(data, '\0', len) != NULL) {
        return APR_EINVAL;
    }
    copy = apr_pstrmemdup(p, (const char *)data, len);
    if (strpbrk(copy, "\r\n") != NULL
        || split_fields(fields, copy, &count) != APR_SUCCESS) {
        return APR_EINVAL;
    }

    version_1 = count == XN_SESSION_FIELDS - 1
                && !strcmp(fields[0], XN_SESSION_VERSION_1);
    if (!version_1 && (count != XN_SESSION_FIELDS
                       || strcmp(fields[0], XN_SESSION_VERSION) != 0)) {
        return APR_EINVAL;
    }
    if (fields[1][0] == '\0'
        || parse_seconds(&s->created, fields[3]) != APR_SUCCESS
        || parse_seconds(&s->last_seen, fields[4]) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    s->checked = s->created;
    if (!version_1
        && parse_seconds(&s->checked, fields[5]) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    s->user = fields[1];
    s->roles = fields[2];
    return APR_SUCCESS;
}

apr_status_t xn_session_id_create(char **out, apr_pool_t *p)
{
    unsigned char bytes[XN_SESSION_ID_BYTES];
    apr_status_t rv = xn_random_bytes(bytes, sizeof(bytes));

    *out = NULL;
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *out = xn_base64url(p, bytes, sizeof(bytes));
    return APR_SUCCESS;
}

static int is_base64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int xn_session_id_valid(const char *id)
{
    int i;

    if (id == NULL) {
        return 0;
    }
    for (i = 0; i < XN_SESSION_ID_CHARS; i++) {
        if (!is_base64url(id[i])) {
            return 0;
        }
    }
    return id[XN_SESSION_ID_CHARS] == '\0';
}

void xn_session_key(unsigned char key[XN_SESSION_KEY_BYTES], const char *id)
{
    xn_sha256(key, id, id ? strlen(id) : 0);
}
