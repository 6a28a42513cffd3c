/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <apr_fnmatch.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "xn_links.h"
#include "xn_path.h"

/* Named references whose whole expansion is ASCII (WHATWG HTML, "Named
 * character references"). Every other name expands to non-ASCII text, which
 * no ASCII rule pattern can match, so it is left as written. */
typedef struct named_ref {
    const char *name;
    const char *text;
} named_ref;

static const named_ref ascii_refs[] = {
    { "AMP", "&" }, { "GT", ">" }, { "Hat", "^" }, { "LT", "<" },
    { "NewLine", "\n" }, { "QUOT", "\"" }, { "Tab", "\t" },
    { "UnderBar", "_" }, { "VerticalLine", "|" }, { "DiacriticalGrave", "`" },
    { "amp", "&" }, { "apos", "'" }, { "ast", "*" }, { "bsol", "\\" },
    { "colon", ":" }, { "comma", "," }, { "commat", "@" }, { "dollar", "$" },
    { "equals", "=" }, { "excl", "!" }, { "fjlig", "fj" }, { "grave", "`" },
    { "gt", ">" }, { "lbrace", "{" }, { "lbrack", "[" }, { "lcub", "{" },
    { "lowbar", "_" }, { "lpar", "(" }, { "lsqb", "[" }, { "lt", "<" },
    { "midast", "*" }, { "num", "#" }, { "percnt", "%" }, { "period", "." },
    { "plus", "+" }, { "quest", "?" }, { "quot", "\"" }, { "rbrace", "}" },
    { "rbrack", "]" }, { "rcub", "}" }, { "rpar", ")" }, { "rsqb", "]" },
    { "semi", ";" }, { "sol", "/" }, { "verbar", "|" }, { "vert", "|" },
    { NULL, NULL }
};

/* Windows-1252 characters for numeric references to 0x80..0x9F, as the HTML
 * standard maps them; 0 keeps the code point. */
static const unsigned short c1_map[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0
};

static apr_size_t put_utf8(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes "&#...;" at S (S[0] == '&', S[1] == '#') into OUT. Returns the
 * number of input bytes used, or 0 when no digit follows. */
static apr_size_t numeric_ref(const char *s, apr_size_t len, char *out,
                              apr_size_t *written)
{
    apr_size_t i = 2;
    int hex = 0, digits = 0;
    unsigned long cp = 0;

    if (i < len && (s[i] == 'x' || s[i] == 'X')) {
        hex = 1;
        i++;
    }
    for (; i < len; i++, digits++) {
        int c = (unsigned char)s[i];
        int v = apr_isdigit(c) ? c - '0'
                : (hex && apr_isxdigit(c)) ? apr_tolower(c) - 'a' + 10 : -1;

        if (v < 0) {
            break;
        }
        if (cp <= 0x10FFFF) {
            cp = cp * (hex ? 16 : 10) + (unsigned long)v;
        }
    }
    if (digits == 0) {
        return 0;
    }
    if (i < len && s[i] == ';') {
        i++;
    }
    if (cp >= 0x80 && cp <= 0x9F && c1_map[cp - 0x80]) {
        cp = c1_map[cp - 0x80];
    }
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        cp = 0xFFFD;
    }
    *written = put_utf8(out, cp);
    return i;
}

/* Decodes a named reference at S (S[0] == '&') into OUT. Returns the number
 * of input bytes used, or 0 to keep the '&' as written. */
static apr_size_t named_ref_decode(const char *s, apr_size_t len, char *out,
                                   apr_size_t *written)
{
    apr_size_t n = 1;
    const named_ref *ref;

    while (n < len && n < 40 && apr_isalnum((unsigned char)s[n])) {
        n++;
    }
    for (ref = ascii_refs; ref->name; ref++) {
        apr_size_t name_len = strlen(ref->name);

        if (name_len != n - 1 || strncmp(s + 1, ref->name, name_len)) {
            continue;
        }
        if (n < len && s[n] == ';') {
            *written = strlen(ref->text);
            memcpy(out, ref->text, *written);
            return n + 1;
        }
        break;
    }

    /* Legacy references without ';': "&amp" and friends, unless a letter,
     * digit or '=' follows, which keeps query strings such as "?a=1&lt=2"
     * as written. */
    if (n < len && (s[n] == '=' || s[n] == ';')) {
        return 0;
    }
    if (n - 1 == 3 && (!strncmp(s + 1, "amp", 3) || !strncmp(s + 1, "AMP", 3))) {
        *out = '&';
    }
    else if (n - 1 == 2 && (!strncmp(s + 1, "lt", 2) || !strncmp(s + 1, "LT", 2))) {
        *out = '<';
    }
    else if (n - 1 == 2 && (!strncmp(s + 1, "gt", 2) || !strncmp(s + 1, "GT", 2))) {
        *out = '>';
    }
    else if (n - 1 == 4 && (!strncmp(s + 1, "quot", 4) || !strncmp(s + 1, "QUOT", 4))) {
        *out = '"';
    }
    else {
        return 0;
    }
    *written = 1;
    return n;
}

const char *xn_links_decode_refs(apr_pool_t *p, const char *value,
                                 apr_size_t len)
{
    /* No reference is shorter than its UTF-8 result, and a NUL byte
     * becomes the 3 bytes of U+FFFD, so 3 output bytes per input byte are
     * enough. */
    char *out = apr_palloc(p, len * 3 + 1);
    apr_size_t i = 0, o = 0;

    while (i < len) {
        apr_size_t used = 0, written = 0;

        if (value[i] == '&' && i + 1 < len) {
            used = value[i + 1] == '#'
                   ? numeric_ref(value + i, len - i, out + o, &written)
                   : named_ref_decode(value + i, len - i, out + o, &written);
        }
        if (used) {
            i += used;
            o += written;
        }
        else if (value[i] == '\0') {
            o += put_utf8(out + o, 0xFFFD);
            i++;
        }
        else {
            out[o++] = value[i++];
        }
    }
    out[o] = '\0';
    return out;
}

/* Copies URL without tabs and newlines, without leading and trailing C0
 * controls and spaces, and with '\' read as '/' before any '?' or '#'. */
static char *clean_url(apr_pool_t *p, const char *url)
{
    apr_size_t len = strlen(url), i, o = 0;
    char *out;
    int in_path = 1;

    while (len && (unsigned char)url[len - 1] <= 0x20) {
        len--;
    }
    while (len && (unsigned char)*url <= 0x20) {
        url++;
        len--;
    }
    out = apr_palloc(p, len + 1);
    for (i = 0; i < len; i++) {
        char c = url[i];

        if (c == '\t' || c == '\n' || c == '\r') {
            continue;
        }
        if (c == '?' || c == '#') {
            in_path = 0;
        }
        out[o++] = (in_path && c == '\\') ? '/' : c;
    }
    out[o] = '\0';
    return out;
}

/* Returns the length of URL's scheme, without the ':', or 0 when it has none. */
static apr_size_t scheme_length(const char *url)
{
    apr_size_t i = 0;

    if (!apr_isalpha((unsigned char)url[0])) {
        return 0;
    }
    while (apr_isalnum((unsigned char)url[i]) || url[i] == '+'
           || url[i] == '-' || url[i] == '.') {
        i++;
    }
    return url[i] == ':' ? i : 0;
}

/* Parses one part of an IPv4 address as the WHATWG URL standard does:
 * "0x" starts a hexadecimal number and a leading "0" an octal one. Returns
 * 0 when PART is not a number; a value above 2^32 - 1 is stored as 2^32. */
static int ipv4_number(const char *part, apr_size_t len, apr_uint64_t *value)
{
    int radix = 10;
    apr_size_t i = 0;

    if (len == 0) {
        return 0;
    }
    if (len >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
        radix = 16;
        i = 2;
    }
    else if (len >= 2 && part[0] == '0') {
        radix = 8;
        i = 1;
    }
    *value = 0;
    for (; i < len; i++) {
        int digit;

        if (apr_isdigit((unsigned char)part[i])) {
            digit = part[i] - '0';
        }
        else if (radix == 16 && apr_isxdigit((unsigned char)part[i])) {
            digit = apr_tolower((unsigned char)part[i]) - 'a' + 10;
        }
        else {
            return 0;
        }
        if (digit >= radix) {
            return 0;
        }
        *value = *value * (apr_uint64_t)radix + (apr_uint64_t)digit;
        if (*value > 0xFFFFFFFFu) {
            *value = (apr_uint64_t)0xFFFFFFFFu + 1;
        }
    }
    return 1;
}

/* Converts HOST, whose last dot-separated part is a number, to dotted
 * decimal as browsers do. Returns NULL when HOST is not a valid IPv4
 * address, which browsers then reject. Other hosts are returned as they
 * are. */
static char *canonical_ipv4(apr_pool_t *p, char *host)
{
    apr_uint64_t parts[4], value;
    const char *last = strrchr(host, '.');
    const char *s = host;
    int n = 0, i;

    last = last ? last + 1 : host;
    if (!*last || !ipv4_number(last, strlen(last), &value)) {
        return host;
    }
    while (1) {
        apr_size_t len = strcspn(s, ".");

        if (n == 4 || !ipv4_number(s, len, &parts[n])) {
            return NULL;
        }
        n++;
        if (!s[len]) {
            break;
        }
        s += len + 1;
    }
    for (i = 0; i < n - 1; i++) {
        if (parts[i] > 255) {
            return NULL;
        }
    }
    if (parts[n - 1] >= ((apr_uint64_t)1 << (8 * (5 - n)))) {
        return NULL;
    }
    value = parts[n - 1];
    for (i = 0; i < n - 1; i++) {
        value += parts[i] << (8 * (3 - i));
    }
    return apr_psprintf(p, "%u.%u.%u.%u", (unsigned)(value >> 24) & 255,
                        (unsigned)(value >> 16) & 255,
                        (unsigned)(value >> 8) & 255, (unsigned)value & 255);
}

/* Lower-cases HOST after decoding its %XX escapes, drops one trailing
 * '.' and converts IPv4 forms to dotted decimal, as browsers do. Returns
 * NULL for a host that looks like an IPv4 address but is not valid. */
static char *canonical_host(apr_pool_t *p, const char *host, apr_size_t len)
{
    char *out = apr_pstrmemdup(p, host, len);
    apr_size_t i, o = 0;

    for (i = 0; i < len; i++) {
        char c = out[i];

        if (c == '%' && i + 2 < len && apr_isxdigit(out[i + 1])
            && apr_isxdigit(out[i + 2])) {
            char hex[3] = { out[i + 1], out[i + 2], '\0' };

            c = (char)strtol(hex, NULL, 16);
            i += 2;
        }
        out[o++] = (char)apr_tolower((unsigned char)c);
    }
    if (o && out[o - 1] == '.') {
        o--;
    }
    out[o] = '\0';
    return canonical_ipv4(p, out);
}

/* Returns non-zero when the canonical host HOST names the origin. */
static int is_origin_host(apr_pool_t *p, const xn_links_origin *origin,
                          const char *host)
{
    const char *const *alias;
    const char *name;

    name = canonical_host(p, origin->host, strlen(origin->host));
    if (name && !strcmp(name, host)) {
        return 1;
    }
    for (alias = origin->aliases; alias && *alias; alias++) {
        if (strpbrk(*alias, "*?")) {
            if (apr_fnmatch(*alias, host, APR_FNM_CASE_BLIND) == APR_SUCCESS) {
                return 1;
            }
            continue;
        }
        name = canonical_host(p, *alias, strlen(*alias));
        if (name && !strcmp(name, host)) {
            return 1;
        }
    }
    return 0;
}

/* Parses the authority at S (slashes already skipped) and decides whether it
 * names the origin. A port that is not a number makes the URL invalid. */
static xn_link_e resolve_authority(const char **path, apr_pool_t *p,
                                   const xn_links_base *base, const char *s)
{
    apr_size_t end = strcspn(s, "/?#");
    const char *at, *host = s, *host_end = s + end, *colon;
    const char *url_host;

    for (at = s; at < s + end; at++) {
        if (*at == '@') {
            host = at + 1;
        }
    }
    colon = host_end;
    for (at = host_end; at > host; at--) {
        if (at[-1] == ']') {
            break;
        }
        if (at[-1] == ':') {
            colon = at - 1;
            break;
        }
    }
    if (colon < host_end && colon + 1 < host_end) {
        char *digits_end;
        long value = strtol(colon + 1, &digits_end, 10);

        if (digits_end != host_end || value < 0 || value > 65535) {
            return XN_LINK_INVALID;
        }
    }
    url_host = canonical_host(p, host, (apr_size_t)(colon - host));
    if (!url_host) {
        return XN_LINK_INVALID;
    }
    if (!is_origin_host(p, base->origin, url_host)) {
        return XN_LINK_FOREIGN;
    }
    *path = s[end] == '/' ? apr_pstrmemdup(p, s + end, strcspn(s + end, "?#"))
                          : "/";
    return XN_LINK_LOCAL;
}

/* Resolves a relative reference S against the base path. */
static xn_link_e resolve_relative(const char **path, apr_pool_t *p,
                                  const xn_links_base *base, const char *s)
{
    apr_size_t len = strcspn(s, "?#");
    const char *dir = base->base_path;
    const char *slash;

    if (base->base_foreign) {
        return XN_LINK_FOREIGN;
    }
    if (s[0] == '/') {
        *path = apr_pstrmemdup(p, s, len);
        return XN_LINK_LOCAL;
    }
    if (len == 0) {
        *path = base->base_path;
        return XN_LINK_LOCAL;
    }
    slash = strrchr(dir, '/');
    *path = apr_pstrcat(p, apr_pstrmemdup(p, dir, slash ? (apr_size_t)(slash - dir + 1) : 0),
                        apr_pstrmemdup(p, s, len), NULL);
    if ((*path)[0] != '/') {
        *path = apr_pstrcat(p, "/", *path, NULL);
    }
    return XN_LINK_LOCAL;
}

xn_link_e xn_links_resolve(const char **path, apr_pool_t *p,
                           const xn_links_base *base, const char *url)
{
    char *s = clean_url(p, url);
    apr_size_t scheme_len = scheme_length(s);

    *path = NULL;
    if (scheme_len) {
        char *scheme = apr_pstrmemdup(p, s, scheme_len);
        const char *rest = s + scheme_len + 1;

        if (strcasecmp(scheme, "http") && strcasecmp(scheme, "https")) {
            return XN_LINK_FOREIGN;
        }
        if (!strcasecmp(scheme, base->origin->scheme)
            && strncmp(rest, "//", 2)) {
            return resolve_relative(path, p, base, rest);
        }
        rest += strspn(rest, "/");
        return resolve_authority(path, p, base, rest);
    }
    if (!strncmp(s, "//", 2)) {
        return resolve_authority(path, p, base, s + strspn(s, "/"));
    }
    return resolve_relative(path, p, base, s);
}

int xn_links_uses_base(const xn_links_base *base, apr_pool_t *p,
                       const char *url)
{
    char *s = clean_url(p, url);
    apr_size_t scheme_len = scheme_length(s);

    if (scheme_len) {
        const char *rest = s + scheme_len + 1;

        return !strncasecmp(s, base->origin->scheme, scheme_len)
               && base->origin->scheme[scheme_len] == '\0'
               && strncmp(rest, "//", 2);
    }
    return strncmp(s, "//", 2) != 0;
}

void xn_links_set_base(xn_links_base *base, apr_pool_t *p, const char *url)
{
    const char *path = NULL;
    xn_link_e kind = xn_links_resolve(&path, p, base, url);

    if (kind == XN_LINK_LOCAL) {
        base->base_path = path;
        base->base_foreign = 0;
    }
    else if (kind == XN_LINK_FOREIGN) {
        base->base_foreign = 1;
    }
    /* NOTE: an invalid <base href> is ignored, as browsers ignore it. */
}

int xn_links_allowed(const xn_links_base *base, const xn_rules *rules,
                     xn_roleset_t roles, apr_pool_t *p, const char *url)
{
    const char *path = NULL, *npath = NULL;
    const xn_rule *rule = NULL;

    switch (xn_links_resolve(&path, p, base, url)) {
    case XN_LINK_FOREIGN:
        return 1;
    case XN_LINK_INVALID:
        return 0;
    case XN_LINK_LOCAL:
        break;
    }
    if (xn_path_normalize(&npath, p, path, XN_PATH_DECODE_ALL)
        != APR_SUCCESS) {
        return 0;
    }
    return xn_rules_allows(rules, npath, roles, &rule);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

int xn_links_srcset_each(apr_pool_t *p, const char *srcset,
                         int (*fn)(void *baton, const char *url),
                         void *baton)
{
    const char *s = srcset;

    while (*s) {
        const char *start;
        apr_size_t len;
        int result, depth = 0;

        while (is_space(*s) || *s == ',') {
            s++;
        }
        if (!*s) {
            break;
        }
        start = s;
        while (*s && !is_space(*s)) {
            s++;
        }
        len = (apr_size_t)(s - start);
        if (len && start[len - 1] == ',') {
            while (len && start[len - 1] == ',') {
                len--;
            }
        }
        else {
            /* Skip the descriptors up to the next ',' outside parentheses. */
            for (; *s && (depth || *s != ','); s++) {
                depth += (*s == '(') - (*s == ')' && depth);
            }
        }
        result = fn(baton, apr_pstrmemdup(p, start, len));
        if (result) {
            return result;
        }
    }
    return 0;
}

const char *xn_links_refresh_url(apr_pool_t *p, const char *content)
{
    const char *s = content;
    char quote;
    apr_size_t len;

    while (is_space(*s)) {
        s++;
    }
    while (apr_isdigit((unsigned char)*s) || *s == '.') {
        s++;
    }
    while (is_space(*s)) {
        s++;
    }
    if (*s == ';' || *s == ',') {
        s++;
    }
    while (is_space(*s)) {
        s++;
    }
    if (!*s) {
        return NULL;
    }
    if (!strncasecmp(s, "url", 3)) {
        const char *t = s + 3;

        while (is_space(*t)) {
            t++;
        }
        if (*t == '=') {
            t++;
            while (is_space(*t)) {
                t++;
            }
            s = t;
        }
    }
    quote = (*s == '"' || *s == '\'') ? *s++ : '\0';
    len = quote ? strcspn(s, quote == '"' ? "\"" : "'") : strlen(s);
    return apr_pstrmemdup(p, s, len);
}
