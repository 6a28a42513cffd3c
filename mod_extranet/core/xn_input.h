/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#ifndef XN_INPUT_H
#define XN_INPUT_H

#include "xn_core.h"

/* Every function here may be called from any thread. */

#define XN_USERNAME_MAX 256
#define XN_PASSWORD_MAX 1024
#define XN_RETURN_URL_MAX 2048

/* Reasons an input is rejected; the strings are stable audit values. */
#define XN_REASON_EMPTY_USERNAME  "empty_username"
#define XN_REASON_EMPTY_PASSWORD  "empty_password"
#define XN_REASON_INVALID_USERNAME "invalid_username"
#define XN_REASON_INVALID_PASSWORD "invalid_password"

/* Checks a user name typed at sign-in. Returns NULL when acceptable, or one
 * of the XN_REASON_* strings: empty, longer than XN_USERNAME_MAX bytes, not
 * valid UTF-8, or containing a control character (NUL included, so LEN is
 * the length in bytes as received), or a character that LDAP string
 * preparation (RFC 4518) folds into another: a space other than U+0020, a
 * combining mark, a zero-width, fullwidth or other compatibility
 * character. */
const char *xn_username_check(const char *user, apr_size_t len);

/* Returns USER in the form that names one account whatever its spelling
 * (case of Latin letters, leading, trailing and repeated spaces), for keys
 * such as the counters of failed sign-ins. USER must have passed
 * xn_username_check(), which rejects the other characters a directory
 * folds. Folding a Latin letter never changes its UTF-8 length, so the
 * result is never longer than USER. */
char *xn_username_fold(apr_pool_t *p, const char *user);

/* Checks a password the same way. An empty password is rejected because an
 * LDAP simple bind with an empty password is an unauthenticated bind, which
 * servers accept as a success. */
const char *xn_password_check(const char *password, apr_size_t len);

/* Returns VALUE when it is a same-site relative reference that is safe to
 * put in a Location header after sign-in, else "/". Accepted: starts with
 * one '/' not followed by '/' or '\', no backslash, no control character,
 * valid UTF-8, at most XN_RETURN_URL_MAX bytes. A value is also rejected when
 * it starts with "//" or "/\" after percent-decoding up to three times and
 * removing tabs and line breaks. Browsers remove those characters, and some
 * servers decode a path before they redirect again, so "/%2F%2Fevil.example"
 * could still leave the site. */
const char *xn_return_url_check(const char *value);

/* Parses an application/x-www-form-urlencoded BODY of LEN bytes into *out,
 * decoding '+' and %XX. Empty values are kept, a name without '=' gets "",
 * and empty pairs ("a=1&&b=2") are skipped. Returns APR_EINVAL with a
 * message in *err for a malformed escape, a NUL byte (raw or decoded), an
 * empty name, a repeated field name (compared case-insensitively, as
 * apr_table does) or more than MAX_FIELDS fields. The message never quotes
 * the body, which may hold a password. */
apr_status_t xn_form_parse(apr_table_t **out, apr_pool_t *p, const char *body,
                           apr_size_t len, int max_fields, const char **err);

/* Chooses the page language from an Accept-Language header: the supported
 * tag (AVAILABLE, NULL-terminated, such as {"nl","fr","en",NULL}) with the
 * highest q-value, ties going to header order; DEFAULT_LANG when none fits or
 * the header is NULL. "nl-BE" matches "nl"; "*" chooses nothing, so it
 * leaves DEFAULT_LANG; q=0 on the exact tag ("nl;q=0") excludes a language
 * even when another range matches it. Elements with a malformed q-value are
 * ignored. Runs in time linear in the header length for each available
 * language. */
const char *xn_lang_negotiate(const char *accept_language,
                              const char *const *available,
                              const char *default_lang);

#endif
