/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#ifndef XN_RULES_H
#define XN_RULES_H

#include "xn_core.h"
#include "xn_roles.h"

/* The ordered path rule table. The first rule whose pattern matches the
 * normalised path decides, and a path that no rule matches is denied.
 *
 * A pattern is an absolute URL path matched on whole segments. "/personeel/"
 * matches the segment "personeel" and everything below it, but not
 * "/personeelsblad" (a trailing slash is ignored). Inside a segment '*'
 * matches any run of bytes and '?' one UTF-8 character, as in
 * "/raad/20??-*.pdf". A segment of "**" matches zero or more whole segments.
 * A pattern matches a path when it matches the path's leading segments, so
 * every pattern also covers the paths below it. "/" matches every path.
 * Matching ignores ASCII case unless XN_RULES_MATCH_CASE is set. Its cost is
 * polynomial in the pattern and path lengths for any number of "*" and "**",
 * because only the last wildcard is ever backtracked to.
 *
 * Rules are compiled at config time. The compiled table is immutable, and
 * xn_rules_match and xn_rules_allows allocate nothing and may be called from
 * any thread. */

typedef enum {
    XN_RULE_ALLOW,   /* open to the listed roles */
    XN_RULE_DENY,    /* closed to every extranet user */
    XN_RULE_PUBLIC   /* open without sign-in */
} xn_rule_kind_e;

/* One rule as written in the config, before role names are resolved. */
typedef struct xn_rule_spec {
    const char *pattern;
    xn_rule_kind_e kind;
    apr_array_header_t *role_names;  /* const char *, for XN_RULE_ALLOW */
    const char *source;              /* "file:line" of the directive */
} xn_rule_spec;

typedef struct xn_rule {
    const char *pattern;             /* as written, logged as the deciding rule */
    xn_rule_kind_e kind;
    xn_roleset_t roles;
    const char *source;
    /* compiled form, private to xn_rules.c */
    int nsegments;
    const char **segments;
} xn_rule;

typedef struct xn_rules xn_rules;

#define XN_RULES_MATCH_CASE 0x01     /* case-sensitive matching */

/* Checks a pattern's syntax; used by the directive handler. A pattern must
 * start with '/'. It must not contain an empty segment ("/a//b"), a "." or
 * ".." segment, a control character, '\' or ';', a segment that ends in '.'
 * or ' ', or "**" mixed with other characters in one segment. A normalised
 * path never contains those, so such a rule could never match.
 * On error *err receives a static message such as "pattern has an empty
 * segment", which the caller combines with the directive and the value. */
apr_status_t xn_rule_pattern_check(const char *pattern, const char **err);

/* Compiles SPECS (xn_rule_spec) against MAP. Returns APR_EINVAL with a message
 * in *err, allocated from P, for an invalid pattern, an allow rule without
 * roles or an undeclared role, such as
 * 'rule "/raad/" names undeclared role "raadd"'. SPECS may be NULL. */
apr_status_t xn_rules_compile(xn_rules **out, apr_pool_t *p,
                              const apr_array_header_t *specs,
                              const xn_rolemap *map, int flags,
                              const char **err);

int xn_rules_count(const xn_rules *rules);

/* Returns the first rule matching NPATH, a path from xn_path_normalize(), or
 * NULL when none does. */
const xn_rule *xn_rules_match(const xn_rules *rules, const char *npath);

/* Returns non-zero when NPATH is open to a user holding ROLES: the deciding
 * rule is public, or allows one of ROLES. ROLES of 0 means not signed in.
 * *rule receives the deciding rule, or NULL when no rule matched. */
int xn_rules_allows(const xn_rules *rules, const char *npath,
                    xn_roleset_t roles, const xn_rule **rule);

#endif
