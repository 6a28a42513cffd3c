/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "xn_rules.h"

struct xn_rules {
    int count;
    int flags;
    xn_rule *rule;
};

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int is_globstar(const char *segment)
{
    return segment[0] == '*' && segment[1] == '*' && segment[2] == '\0';
}

static int has_globstar_inside(const char *s, apr_size_t n)
{
    apr_size_t i;

    if (n == 2) {
        return 0;
    }
    for (i = 0; i + 1 < n; i++) {
        if (s[i] == '*' && s[i + 1] == '*') {
            return 1;
        }
    }
    return 0;
}

/* Returns why segment S of N bytes cannot match a normalised path, or NULL
 * when it is acceptable. Normalised paths contain no '\', ';', ".", ".." or
 * segment that ends in a dot or a space, so a pattern with one would never
 * match and a deny rule written that way would silently do nothing. */
static const char *segment_error(const char *s, apr_size_t n)
{
    apr_size_t i;

    if (n == 0) {
        return "pattern has an empty segment";
    }
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
        return "pattern has a \".\" or \"..\" segment";
    }
    if (s[n - 1] == '.' || s[n - 1] == ' ') {
        return "pattern has a segment that ends in '.' or ' '";
    }
    if (has_globstar_inside(s, n)) {
        return "pattern mixes \"**\" with other characters in one segment";
    }

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            return "pattern contains a control character";
        }
        if (c == '\\' || c == ';') {
            return "pattern contains '\\' or ';'";
        }
    }
    return NULL;
}

static void push_segment(apr_array_header_t *segments, const char *s,
                         apr_size_t n, int fold)
{
    char *copy = apr_pstrmemdup(segments->pool, s, n);
    char *c;

    for (c = copy; fold && *c; c++) {
        *c = ascii_lower(*c);
    }
    APR_ARRAY_PUSH(segments, const char *) = copy;
}

/* Checks PATTERN segment by segment and, when SEGMENTS is not NULL, appends
 * a copy of each segment to it (lower-cased unless FOLD is 0). Returns a
 * static message on the first error, or NULL. */
static const char *pattern_split(const char *pattern,
                                 apr_array_header_t *segments, int fold)
{
    const char *body, *s, *end, *message;
    apr_size_t len;

    if (pattern == NULL || pattern[0] != '/') {
        return "pattern does not start with '/'";
    }

    body = pattern + 1;
    len = strlen(body);
    if (len >= 2 && body[len - 1] == '/') {
        len--;                           /* one trailing slash is ignored */
    }

    for (s = body; len > 0 && s <= body + len; s = end + 1) {
        end = memchr(s, '/', (apr_size_t)(body + len - s));
        if (end == NULL) {
            end = body + len;
        }
        message = segment_error(s, (apr_size_t)(end - s));
        if (message != NULL) {
            return message;
        }
        if (segments != NULL) {
            push_segment(segments, s, (apr_size_t)(end - s), fold);
        }
    }
    return NULL;
}

apr_status_t xn_rule_pattern_check(const char *pattern, const char **err)
{
    const char *message = pattern_split(pattern, NULL, 0);

    if (message != NULL) {
        *err = message;
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

/* Resolves the role names of SPEC into R->roles. */
static apr_status_t resolve_roles(xn_rule *r, const xn_rule_spec *spec,
                                  const xn_rolemap *map, apr_pool_t *p,
                                  const char **err)
{
    int i;

    r->roles = 0;
    if (spec->kind != XN_RULE_ALLOW) {
        return APR_SUCCESS;
    }
    if (spec->role_names == NULL || spec->role_names->nelts == 0) {
        *err = apr_psprintf(p, "rule \"%s\" names no role", spec->pattern);
        return APR_EINVAL;
    }

    for (i = 0; i < spec->role_names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(spec->role_names, i, const char *);
        int index = xn_rolemap_index(map, name);
        if (index < 0) {
            *err = spec->source
                   ? apr_psprintf(p, "rule \"%s\" at %s names undeclared "
                                  "role \"%s\"", spec->pattern, spec->source,
                                  name)
                   : apr_psprintf(p, "rule \"%s\" names undeclared role "
                                  "\"%s\"", spec->pattern, name);
            return APR_EINVAL;
        }
        r->roles |= (xn_roleset_t)1 << index;
    }
    return APR_SUCCESS;
}

static apr_status_t compile_rule(xn_rule *r, apr_pool_t *p,
                                 const xn_rule_spec *spec,
                                 const xn_rolemap *map, int flags,
                                 const char **err)
{
    apr_array_header_t *segments = apr_array_make(p, 8, sizeof(const char *));
    const char *message;

    message = pattern_split(spec->pattern, segments,
                        !(flags & XN_RULES_MATCH_CASE));
    if (message != NULL) {
        *err = apr_psprintf(p, "rule \"%s\": %s",
                            spec->pattern ? spec->pattern : "", message);
        return APR_EINVAL;
    }

    r->pattern = spec->pattern;
    r->kind = spec->kind;
    r->source = spec->source;
    r->nsegments = segments->nelts;
    r->segments = (const char **)segments->elts;
    return resolve_roles(r, spec, map, p, err);
}

apr_status_t xn_rules_compile(xn_rules **out, apr_pool_t *p,
                              const apr_array_header_t *specs,
                              const xn_rolemap *map, int flags,
                              const char **err)
{
    xn_rules *rules = apr_pcalloc(p, sizeof(*rules));
    int i;

    *out = NULL;
    rules->flags = flags;
    rules->count = specs ? specs->nelts : 0;
    rules->rule = apr_pcalloc(p, sizeof(xn_rule) * (rules->count + 1));

    for (i = 0; i < rules->count; i++) {
        const xn_rule_spec *spec = &APR_ARRAY_IDX(specs, i, xn_rule_spec);
        apr_status_t rv = compile_rule(&rules->rule[i], p, spec, map, flags,
                                       err);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }

    *out = rules;
    return APR_SUCCESS;
}

int xn_rules_count(const xn_rules *rules)
{
    return rules ? rules->count : 0;
}

/* Matches pattern segment P against the path segment S of N bytes: '*' is
 * any run of bytes, '?' one UTF-8 character. The last '*' is the only
 * backtracking point, and it only moves forward, so the cost is about
 * strlen(P) * N steps. */
static int segment_match(const char *p, const char *s, apr_size_t n, int fold)
{
    const char *star = NULL;
    apr_size_t i = 0, star_i = 0;

    while (i < n) {
        char c = fold ? ascii_lower(s[i]) : s[i];
        if (*p == '*') {
            star = ++p;
            star_i = i;
        }
        else if (*p == '?') {
            p++;
            i++;
            while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80) {
                i++;
            }
        }
        else if (*p != '\0' && *p == c) {
            p++;
            i++;
        }
        else if (star != NULL) {
            p = star;
            i = ++star_i;
        }
        else {
            return 0;
        }
    }

    while (*p == '*') {
        p++;
    }
    return *p == '\0';
}

static apr_size_t path_segment_length(const char *s)
{
    const char *end = strchr(s, '/');

    return end ? (apr_size_t)(end - s) : strlen(s);
}

static const char *next_path_segment(const char *s)
{
    s += path_segment_length(s);
    return (*s == '/') ? s + 1 : s;
}

/* Matches the rule's segments against the leading segments of PATH. It works
 * like the pattern followed by an implicit "**", with the last "**" as the
 * only backtracking point, which only moves forward, so it makes about
 * (pattern segments) * (path segments) segment matches however many "**"
 * the pattern contains. */
static int rule_match(const xn_rule *r, const char *path, int fold)
{
    const char *s = (path[0] == '/') ? path + 1 : path;
    const char *star_s = NULL;
    int i = 0, star_i = -1;

    while (i < r->nsegments) {
        const char *segment = r->segments[i];
        if (is_globstar(segment)) {
            star_i = i++;
            star_s = s;
        }
        else if (*s != '\0'
                 && segment_match(segment, s, path_segment_length(s), fold)) {
            i++;
            s = next_path_segment(s);
        }
        else if (star_i >= 0 && *star_s != '\0') {
            i = star_i + 1;
            star_s = next_path_segment(star_s);
            s = star_s;
        }
        else {
            return 0;
        }
    }
    return 1;
}

const xn_rule *xn_rules_match(const xn_rules *rules, const char *npath)
{
    int fold, i;

    if (rules == NULL || npath == NULL) {
        return NULL;
    }

    fold = !(rules->flags & XN_RULES_MATCH_CASE);
    for (i = 0; i < rules->count; i++) {
        if (rule_match(&rules->rule[i], npath, fold)) {
            return &rules->rule[i];
        }
    }
    return NULL;
}

int xn_rules_allows(const xn_rules *rules, const char *npath,
                    xn_roleset_t roles, const xn_rule **rule)
{
    const xn_rule *r = xn_rules_match(rules, npath);

    if (rule != NULL) {
        *rule = r;
    }
    if (r == NULL || r->kind == XN_RULE_DENY) {
        return 0;
    }
    if (r->kind == XN_RULE_PUBLIC) {
        return 1;
    }
    return (r->roles & roles) != 0;
}
