/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <apr_cstr.h>
#include <apr_strings.h>

#include "xn_escape.h"
#include "xn_input.h"

static int has_control(const char *s, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            return 1;
        }
    }
    return 0;
}

static int text_acceptable(const char *s, apr_size_t len, apr_size_t max)
{
    return len <= max && !has_control(s, len) && xn_utf8_valid(s, len);
}

/* Decodes the UTF-8 character at S (already validated) into *CP and returns
 * its length in bytes. */
static apr_size_t utf8_next(const unsigned char *s, unsigned int *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] < 0xE0) {
        *cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
        return 2;
    }
    if (s[0] < 0xF0) {
        *cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
        return 3;
    }
    *cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12)
          | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
    return 4;
}

/* Code points that LDAP string preparation (RFC 4518: mapping, NFKC) folds
 * into other characters or removes: C1 controls, spaces other than U+0020,
 * soft hyphen, combining marks, zero-width and formatting characters,
 * compatibility forms (ligatures, fullwidth and halfwidth letters,
 * mathematical letters, superscripts, circled letters, Roman numerals) and
 * variation selectors. A directory matches a name written with them to the
 * plain spelling, so each of them would be another spelling of one account
 * and could pass a per-name limit on failed sign-ins. */
static int folded_by_ldap(unsigned int cp)
{
    static const unsigned int ranges[][2] = {
        { 0x0080, 0x00A0 }, { 0x00AD, 0x00AD }, { 0x0300, 0x036F },
        { 0x034F, 0x034F }, { 0x1680, 0x1680 }, { 0x180B, 0x180E },
        { 0x2000, 0x200F }, { 0x2028, 0x202F }, { 0x205F, 0x206F },
        { 0x2070, 0x209F }, { 0x2100, 0x214F }, { 0x2150, 0x218F },
        { 0x2460, 0x24FF }, { 0x3000, 0x3000 }, { 0xFB00, 0xFB4F },
        { 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F }, { 0xFEFF, 0xFEFF },
        { 0xFF00, 0xFFEF }, { 0x1D400, 0x1D7FF }, { 0xE0000, 0xE007F },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        if (cp >= ranges[i][0] && cp <= ranges[i][1]) {
            return 1;
        }
    }
    return 0;
}

static int has_folded_character(const char *s, apr_size_t len)
{
    const unsigned char *c = (const unsigned char *)s;
    const unsigned char *end = c + len;

    while (c < end) {
        unsigned int cp = 0;

        c += utf8_next(c, &cp);
        if (folded_by_ldap(cp)) {
            return 1;
        }
    }
    return 0;
}

const char *xn_username_check(const char *user, apr_size_t len)
{
    if (user == NULL || len == 0) {
        return XN_REASON_EMPTY_USERNAME;
    }
    if (!text_acceptable(user, len, XN_USERNAME_MAX)
        || has_folded_character(user, len)) {
        return XN_REASON_INVALID_USERNAME;
    }
    return NULL;
}

/* Lower-cases the Latin letters that Flemish, French and German names use:
 * ASCII, Latin-1 (U+00C0 to U+00DE) and Latin Extended-A, whose upper and
 * lower case letters form adjacent pairs. */
static unsigned int fold_latin(unsigned int cp)
{
    if (cp >= 'A' && cp <= 'Z') {
        return cp + 32;
    }
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) {
        return cp + 32;
    }
    if (cp == 0x178) {
        return 0xFF;
    }
    if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177)) {
        return cp | 1;
    }
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) {
        return (cp & 1) ? cp + 1 : cp;
    }
    return cp;
}

static apr_size_t utf8_put(char *o, unsigned int cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

char *xn_username_fold(apr_pool_t *p, const char *user)
{
    apr_size_t len = strlen(user);
    char *out = apr_palloc(p, len + 1);
    const unsigned char *c = (const unsigned char *)user;
    const unsigned char *end = c + len;
    char *o = out;
    int space = 0;

    if (!xn_utf8_valid(user, len)) {
        memcpy(out, user, len + 1);
        return out;
    }
    while (c < end) {
        unsigned int cp = 0;

        c += utf8_next(c, &cp);
        if (cp == ' ') {
            space = o > out;
            continue;
        }
        if (space) {
            *o++ = ' ';
            space = 0;
        }
        o += utf8_put(o, fold_latin(cp));
    }
    *o = '\0';
    return out;
}

const char *xn_password_check(const char *password, apr_size_t len)
{
    if (password == NULL || len == 0) {
        return XN_REASON_EMPTY_PASSWORD;
    }
    if (!text_acceptable(password, len, XN_PASSWORD_MAX)) {
        return XN_REASON_INVALID_PASSWORD;
    }
    return NULL;
}

/* Decodes the %XX escapes of the NUL-terminated BUF in place. Malformed
 * escapes stay as they are. */
static void percent_decode_lenient(char *buf)
{
    char *in = buf, *out = buf;

    while (*in != '\0') {
        int hi = (in[0] == '%') ? xn_hex_value(in[1]) : -1;
        int lo = (hi >= 0) ? xn_hex_value(in[2]) : -1;
        if (lo >= 0) {
            *out++ = (char)(hi << 4 | lo);
            in += 3;
        }
        else {
            *out++ = *in++;
        }
    }
    *out = '\0';
}

/* Returns 1 when VALUE, percent-decoded up to three times, starts with "//"
 * or "/\" once tabs and line breaks are removed. Browsers remove those
 * characters (WHATWG URL standard) and some servers and proxies decode a
 * Location path before they redirect again, so "/%2F%2Fevil.example" or
 * "/%252F%252Fevil.example" can end up as the scheme-relative URL
 * "//evil.example", which leaves the site. Only a prefix is decoded: 64 bytes
 * decode to at least 2 characters even after three rounds. */
static int decodes_to_other_host(const char *value)
{
    char prefix[65];
    char *in, *out;
    int round;

    apr_cpystrn(prefix, value, sizeof(prefix));
    for (round = 0; round < 3; round++) {
        percent_decode_lenient(prefix);
    }

    for (in = out = prefix; *in != '\0'; in++) {
        if (*in != '\t' && *in != '\r' && *in != '\n') {
            *out++ = *in;
        }
    }
    *out = '\0';
    return prefix[0] == '/' && (prefix[1] == '/' || prefix[1] == '\\');
}

/* Returns 1 when the path part of VALUE (up to '?' or '#') has an empty,
 * "." or ".." segment. A browser resolves "/.//evil.example" to the path
 * "//evil.example", which scripts on the page may take for another host. */
static int has_odd_segment(const char *value)
{
    apr_size_t end = strcspn(value, "?#");
    apr_size_t i = 0;

    while (i < end) {
        apr_size_t start = ++i;
        apr_size_t n;

        while (i < end && value[i] != '/') {
            i++;
        }
        n = i - start;
        if ((n == 0 && i < end)
            || (n == 1 && value[start] == '.')
            || (n == 2 && value[start] == '.' && value[start + 1] == '.')) {
            return 1;
        }
    }
    return 0;
}

const char *xn_return_url_check(const char *value)
{
    apr_size_t len = value ? strlen(value) : 0;

    if (len == 0 || len > XN_RETURN_URL_MAX || value[0] != '/') {
        return "/";
    }
    if (value[1] == '/' || strchr(value, '\\') != NULL) {
        return "/";
    }
    if (has_control(value, len) || !xn_utf8_valid(value, len)) {
        return "/";
    }
    if (decodes_to_other_host(value) || has_odd_segment(value)) {
        return "/";
    }
    return value;
}

/* Decodes the form component S of LEN bytes ('+' and %XX) into a new string.
 * Returns NULL for a malformed escape or a NUL byte. */
static char *form_decode(apr_pool_t *p, const char *s, apr_size_t len)
{
    char *out = apr_palloc(p, len + 1);
    apr_size_t i = 0, o = 0;

    while (i < len) {
        char c = s[i];
        if (c == '%') {
            int hi = (i + 2 < len) ? xn_hex_value(s[i + 1]) : -1;
            int lo = (hi >= 0) ? xn_hex_value(s[i + 2]) : -1;
            if (lo < 0) {
                return NULL;
            }
            c = (char)(hi << 4 | lo);
            i += 3;
        }
        else {
            c = (c == '+') ? ' ' : c;
            i++;
        }
        if (c == '\0') {
            return NULL;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

/* Adds the NUMBERth field, "name=value" in the LEN bytes at PAIR, to T. The
 * messages leave the field out because it may hold a password. */
static apr_status_t add_field(apr_table_t *t, apr_pool_t *p, const char *pair,
                              apr_size_t len, int number, const char **err)
{
    const char *eq = memchr(pair, '=', len);
    apr_size_t name_len = eq ? (apr_size_t)(eq - pair) : len;
    char *name = form_decode(p, pair, name_len);
    char *value = eq ? form_decode(p, eq + 1, len - name_len - 1) : "";

    if (name == NULL || value == NULL) {
        *err = apr_psprintf(p, "form field %d has a malformed percent escape "
                            "or a NUL byte", number);
        return APR_EINVAL;
    }
    if (*name == '\0') {
        *err = apr_psprintf(p, "form field %d has an empty name", number);
        return APR_EINVAL;
    }
    if (apr_table_get(t, name) != NULL) {
        *err = apr_psprintf(p, "form field %d repeats the name of an earlier "
                            "field", number);
        return APR_EINVAL;
    }

    apr_table_setn(t, name, value);
    return APR_SUCCESS;
}

apr_status_t xn_form_parse(apr_table_t **out, apr_pool_t *p, const char *body,
                           apr_size_t len, int max_fields, const char **err)
{
    apr_table_t *t = apr_table_make(p, max_fields > 0 ? max_fields : 1);
    apr_size_t i = 0;
    int number = 0;

    *out = NULL;
    while (i < len) {
        const char *pair = body + i;
        const char *amp = memchr(pair, '&', len - i);
        apr_size_t pair_len = amp ? (apr_size_t)(amp - pair) : len - i;
        apr_status_t rv;

        i += pair_len + 1;
        if (pair_len == 0) {
            continue;                    /* "a=1&&b=2" and a trailing '&' */
        }
        if (++number > max_fields) {
            *err = apr_psprintf(p, "form has more than %d fields", max_fields);
            return APR_EINVAL;
        }
        rv = add_field(t, p, pair, pair_len, number, err);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }

    *out = t;
    return APR_SUCCESS;
}

/* One element of an Accept-Language list: a language range and its q-value
 * in thousandths, or -1 when the q-value is malformed. */
typedef struct lang_item {
    const char *range;
    apr_size_t range_len;
    int q;
} lang_item;

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Parses a qvalue (RFC 9110, section 12.4.2) in [S, END) into thousandths. */
static int parse_qvalue(const char *s, const char *end)
{
    int q, scale = 100;

    while (s < end && is_ows(*s)) {
        s++;
    }
    while (end > s && is_ows(end[-1])) {
        end--;
    }
    if (s == end || (*s != '0' && *s != '1')) {
        return -1;
    }

    q = (*s++ - '0') * 1000;
    if (s < end && (*s++ != '.' || end - s > 3)) {
        return -1;
    }
    for (; s < end; s++, scale /= 10) {
        if (*s < '0' || *s > '9') {
            return -1;
        }
        q += (*s - '0') * scale;
    }
    return q <= 1000 ? q : -1;
}

/* Returns the q-value of the parameters in [S, END): 1000 without "q=". */
static int parse_weight(const char *s, const char *end)
{
    while (s < end) {
        const char *semi = memchr(s, ';', (apr_size_t)(end - s));
        const char *param_end = semi ? semi : end;

        while (s < param_end && is_ows(*s)) {
            s++;
        }
        if (param_end - s >= 2 && (*s == 'q' || *s == 'Q') && s[1] == '=') {
            return parse_qvalue(s + 2, param_end);
        }
        s = semi ? semi + 1 : end;
    }
    return 1000;
}

/* Parses the list element at *S and advances *S past its ','. */
static void next_item(const char **s, lang_item *item)
{
    const char *start = *s, *end = strchr(start, ',');
    const char *semi, *range_end;

    if (end == NULL) {
        end = start + strlen(start);
    }
    *s = (*end == ',') ? end + 1 : end;

    while (start < end && is_ows(*start)) {
        start++;
    }
    semi = start;
    while (semi < end && *semi != ';') {
        semi++;
    }
    range_end = semi;
    while (range_end > start && is_ows(range_end[-1])) {
        range_end--;
    }

    item->range = start;
    item->range_len = (apr_size_t)(range_end - start);
    item->q = (semi < end) ? parse_weight(semi + 1, end) : 1000;
}

/* Returns how ITEM's range matches LANG: 2 exactly, 1 as a more specific
 * range ("nl-BE" for "nl"), 0 not at all. */
static int range_matches(const lang_item *item, const char *lang)
{
    apr_size_t n = strlen(lang);

    if (item->range_len < n || apr_cstr_casecmpn(item->range, lang, n) != 0) {
        return 0;
    }
    if (item->range_len == n) {
        return 2;
    }
    return item->range[n] == '-' ? 1 : 0;
}

/* Returns the q-value the header gives LANG, 0 when it is excluded or not
 * named, and the position of the deciding element in *position. */
static int lang_quality(const char *header, const char *lang, int *position)
{
    const char *s = header;
    int best = 0, index;
    lang_item item;

    *position = 0;
    for (index = 0; *s != '\0'; index++) {
        int match;

        next_item(&s, &item);
        match = range_matches(&item, lang);
        if (match == 2 && item.q == 0) {
            return 0;
        }
        if (match != 0 && item.q > best) {
            best = item.q;
            *position = index;
        }
    }
    return best;
}

const char *xn_lang_negotiate(const char *accept_language,
                              const char *const *available,
                              const char *default_lang)
{
    const char *chosen = default_lang;
    int best_q = 0, best_position = 0, i;

    if (accept_language == NULL || available == NULL) {
        return default_lang;
    }

    for (i = 0; available[i] != NULL; i++) {
        int position, q = lang_quality(accept_language, available[i],
                                       &position);
        if (q > best_q || (q > 0 && q == best_q && position < best_position)) {
            chosen = available[i];
            best_q = q;
            best_position = position;
        }
    }
    return chosen;
}
