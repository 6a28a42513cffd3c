/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#ifndef XN_ESCAPE_H
#define XN_ESCAPE_H

#include "xn_core.h"

/* Every function here may be called from any thread. */

/* Escapes VALUE for an LDAP search filter (RFC 4515, section 3): '*', '(',
 * ')', '\', NUL, every control character and every byte above 0x7E become
 * "\XX". LEN is the value's length in bytes, so a NUL inside it is escaped
 * too. */
const char *xn_ldap_filter_escape(apr_pool_t *p, const char *value,
                                  apr_size_t len);

/* Appends VALUE as the body of a JSON string (no quotes) to BUF, which contains
 * *USED bytes of SIZE. '"', '\' and control characters are escaped, invalid
 * UTF-8 bytes become \u00XX escapes of the byte, so a reader sees U+00XX in
 * their place and can tell them from valid text only by that. Writes at most
 * MAX_INPUT bytes of VALUE; when VALUE is longer, or its escaped form does
 * not fit in BUF, it is cut on a character boundary and the function returns
 * 1, otherwise 0. BUF is never overrun and stays NUL-terminated. */
int xn_json_append(char *buf, apr_size_t size, apr_size_t *used,
                   const char *value, apr_size_t max_input);

/* Returns a JSON-escaped copy of VALUE (no quotes, no length cap). */
const char *xn_json_escape(apr_pool_t *p, const char *value);

/* Returns an HTML-escaped copy of VALUE for text and quoted attributes. */
const char *xn_html_escape(apr_pool_t *p, const char *value);

/* Returns the value of hexadecimal digit C, or -1 when C is not a hexadecimal digit. */
int xn_hex_value(char c);

/* Returns 1 when the LEN bytes at S are valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
int xn_utf8_valid(const char *s, apr_size_t len);

#endif
