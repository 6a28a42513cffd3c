/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include "xn_path.h"
#include "xn_escape.h"

/* Normalisation writes into OUT, which contains "/" followed by every finished
 * segment and its '/', so OUT[0..LEN) always ends with '/'. The segment being
 * read starts at SEGMENT. */
typedef struct path_state {
    char *out;
    apr_size_t len;
    apr_size_t segment;
    int in_parameter;      /* inside ";..." of the current segment */
    int had_parameter;     /* the current segment had a ";..." part */
    int resolve_dots;      /* "." and ".." may be resolved (XN_PATH_DECODE_ALL) */
} path_state;

static int is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

/* Reads one character of PATH at *I into *C, decoding an escape when FLAGS
 * ask for it. Sets *LITERAL to 3 when an escape is kept as is, else 0. */
static apr_status_t read_char(const char *path, apr_size_t *i, int flags,
                              unsigned char *c, int *literal)
{
    int hi, lo;

    *literal = 0;
    *c = (unsigned char)path[*i];
    if (*c != '%') {
        *i += 1;
        return is_control(*c) ? APR_EINVAL : APR_SUCCESS;
    }

    hi = xn_hex_value(path[*i + 1]);
    lo = (hi < 0) ? -1 : xn_hex_value(path[*i + 2]);
    if (lo < 0) {
        return APR_EINVAL;
    }
    *c = (unsigned char)(hi << 4 | lo);
    if (!(flags & XN_PATH_DECODE_ALL) && *c != '/' && *c != '\\') {
        *c = '%';
        *literal = 3;
        return APR_SUCCESS;
    }
    *i += 3;
    return is_control(*c) ? APR_EINVAL : APR_SUCCESS;
}

/* Removes the last finished segment from the output: "/a/b/" becomes "/a/". */
static apr_status_t pop_segment(path_state *st)
{
    if (st->len <= 1) {
        return APR_EINVAL;
    }
    st->len--;
    while (st->out[st->len - 1] != '/') {
        st->len--;
    }
    return APR_SUCCESS;
}

/* Finishes the segment that starts at st->segment. Returns APR_EINVAL for a
 * ".." above the root, and for a segment made only of dots and spaces other
 * than "." and "..", which servers resolve in different ways.
 *
 * A "." or ".." segment is resolved only in links (resolve_dots), where the
 * browser resolves it too. In a request path httpd has already removed the
 * real dot segments, so one that appears here was made by this function's
 * own reading (";x" dropped, '\' or %2F taken as a separator) and names
 * another path than the one httpd serves: it is rejected. */
static apr_status_t finish_segment(path_state *st, int *dir)
{
    const char *s = st->out + st->segment;
    apr_size_t n = st->len - st->segment;
    int dots = (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
    int had_parameter = st->had_parameter;

    st->in_parameter = 0;
    st->had_parameter = 0;
    *dir = 1;
    if (dots && (!st->resolve_dots || had_parameter)) {
        return APR_EINVAL;
    }
    if (n == 0 || (n == 1 && s[0] == '.')) {
        st->len = st->segment;
        return APR_SUCCESS;
    }
    if (n == 2 && s[0] == '.' && s[1] == '.') {
        st->len = st->segment;
        return pop_segment(st);
    }

    while (st->len > st->segment
           && (st->out[st->len - 1] == '.' || st->out[st->len - 1] == ' ')) {
        st->len--;
    }
    if (st->len == st->segment) {
        return APR_EINVAL;
    }
    st->out[st->len++] = '/';
    *dir = 0;
    return APR_SUCCESS;
}

/* Copies the character at PATH[*I] into the current segment, or ends the
 * segment at a separator. */
static apr_status_t step(path_state *st, const char *path, apr_size_t *i,
                         int flags, int *dir)
{
    unsigned char c;
    int literal;
    apr_status_t rv = read_char(path, i, flags, &c, &literal);

    if (rv != APR_SUCCESS) {
        return rv;
    }

    if (c == '/' || c == '\\') {
        rv = finish_segment(st, dir);
        st->segment = st->len;
        return rv;
    }

    if (c == ';') {
        st->in_parameter = 1;
        st->had_parameter = 1;
    }
    if (!st->in_parameter && literal) {
        memcpy(st->out + st->len, path + *i, 3);
        st->len += 3;
    }
    else if (!st->in_parameter) {
        st->out[st->len++] = (char)c;
    }
    *i += literal;
    return APR_SUCCESS;
}

apr_status_t xn_path_normalize(const char **out, apr_pool_t *p,
                               const char *path, int flags)
{
    path_state st;
    apr_size_t i = 1, n;
    int dir = 1;
    apr_status_t rv = APR_SUCCESS;

    *out = NULL;
    if (path == NULL || (path[0] != '/' && path[0] != '\\')) {
        return APR_EINVAL;
    }

    n = strlen(path);
    st.out = apr_palloc(p, n + 2);
    st.out[0] = '/';
    st.len = st.segment = 1;
    st.in_parameter = 0;
    st.had_parameter = 0;
    st.resolve_dots = (flags & XN_PATH_DECODE_ALL) != 0;
    while (i < n && rv == APR_SUCCESS) {
        rv = step(&st, path, &i, flags, &dir);
    }
    if (rv == APR_SUCCESS) {
        rv = finish_segment(&st, &dir);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }

    /* The last segment named a file unless the path ended on a separator,
     * ".", ".." or an empty segment, so its '/' goes. */
    if (!dir && st.len > 1) {
        st.len--;
    }
    st.out[st.len] = '\0';
    *out = st.out;
    return APR_SUCCESS;
}
