/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "xn_escape.h"

static const char hex_digits[] = "0123456789abcdef";

/* Returns the length of the valid UTF-8 sequence at S (at most LEN bytes
 * available), or 0 when S does not start one. The ranges are those of
 * RFC 3629, section 4, so overlong forms and surrogates are invalid. */
static apr_size_t utf8_sequence_length(const unsigned char *s, apr_size_t len)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xbf;
    apr_size_t n, i;

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    }
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = (c == 0xe0) ? 0xa0 : 0x80;
        hi = (c == 0xed) ? 0x9f : 0xbf;
    }
    else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = (c == 0xf0) ? 0x90 : 0x80;
        hi = (c == 0xf4) ? 0x8f : 0xbf;
    }
    else {
        return 0;
    }

    if (len < n || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (i = 2; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xbf) {
            return 0;
        }
    }
    return n;
}

int xn_utf8_valid(const char *s, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i = 0;

    while (i < len) {
        apr_size_t n = utf8_sequence_length(u + i, len - i);
        if (n == 0) {
            return 0;
        }
        i += n;
    }
    return 1;
}

const char *xn_ldap_filter_escape(apr_pool_t *p, const char *value,
                                  apr_size_t len)
{
    const unsigned char *v = (const unsigned char *)value;
    char *out = apr_palloc(p, len * 3 + 1);
    char *o = out;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = v[i];
        if (c < 0x20 || c > 0x7e || c == '*' || c == '(' || c == ')'
            || c == '\\') {
            *o++ = '\\';
            *o++ = hex_digits[c >> 4];
            *o++ = hex_digits[c & 0x0f];
        }
        else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

/* Writes the JSON form of the character or invalid byte at S (N bytes) into
 * OUT, which has room for 6 * N bytes, and returns the number written. */
static apr_size_t json_escape_unit(char *out, const unsigned char *s,
                                   apr_size_t n, int valid)
{
    unsigned char c = s[0];

    if (valid && n > 1) {
        memcpy(out, s, n);
        return n;
    }
    if (valid && c >= 0x20 && c != 0x7f && c != '"' && c != '\\') {
        out[0] = (char)c;
        return 1;
    }

    out[0] = '\\';
    switch (c) {
    case '"':  out[1] = '"';  return 2;
    case '\\': out[1] = '\\'; return 2;
    case '\n': out[1] = 'n';  return 2;
    case '\r': out[1] = 'r';  return 2;
    case '\t': out[1] = 't';  return 2;
    case '\b': out[1] = 'b';  return 2;
    case '\f': out[1] = 'f';  return 2;
    default:
        break;
    }
    memcpy(out + 1, "u00", 3);
    out[4] = hex_digits[c >> 4];
    out[5] = hex_digits[c & 0x0f];
    return 6;
}

int xn_json_append(char *buf, apr_size_t size, apr_size_t *used,
                   const char *value, apr_size_t max_input)
{
    const unsigned char *v = (const unsigned char *)(value ? value : "");
    apr_size_t len = strlen((const char *)v);
    apr_size_t i = 0;
    char unit[24];

    if (size == 0 || *used >= size) {
        return len > 0;
    }

    while (i < len) {
        apr_size_t n = utf8_sequence_length(v + i, len - i);
        int valid = (n != 0);
        apr_size_t out_len;

        if (!valid) {
            n = 1;
        }
        if (i + n > max_input) {
            break;
        }
        out_len = json_escape_unit(unit, v + i, n, valid);
        if (*used + out_len >= size) {
            break;
        }
        memcpy(buf + *used, unit, out_len);
        *used += out_len;
        i += n;
    }

    buf[*used] = '\0';
    return i < len;
}

const char *xn_json_escape(apr_pool_t *p, const char *value)
{
    apr_size_t len = value ? strlen(value) : 0;
    apr_size_t size = len * 6 + 1;
    char *out = apr_palloc(p, size);
    apr_size_t used = 0;

    out[0] = '\0';
    xn_json_append(out, size, &used, value, len);
    return out;
}

static const char *html_entity(char c)
{
    switch (c) {
    case '&':  return "&amp;";
    case '<':  return "&lt;";
    case '>':  return "&gt;";
    case '"':  return "&quot;";
    case '\'': return "&#39;";
    default:   return NULL;
    }
}

const char *xn_html_escape(apr_pool_t *p, const char *value)
{
    const char *s, *entity;
    apr_size_t size = 1;
    char *out, *o;

    if (value == NULL) {
        return "";
    }
    for (s = value; *s; s++) {
        entity = html_entity(*s);
        size += entity ? strlen(entity) : 1;
    }

    out = apr_palloc(p, size);
    for (s = value, o = out; *s; s++) {
        entity = html_entity(*s);
        if (entity) {
            apr_size_t n = strlen(entity);
            memcpy(o, entity, n);
            o += n;
        }
        else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

int xn_hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}
