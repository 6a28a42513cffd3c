/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "unit.h"
#include "xn_rules.h"

typedef struct match_case {
    const char *label;
    const char *pattern;
    const char *path;
    int flags;
    int matches;
} match_case;

#define CASE XN_RULES_MATCH_CASE

static const match_case match_cases[] = {
    { "segment itself",         "/personeel/", "/personeel",          0, 1 },
    { "segment with slash",     "/personeel/", "/personeel/",         0, 1 },
    { "below segment",          "/personeel/", "/personeel/a/b",      0, 1 },
    { "longer segment name",    "/personeel/", "/personeelsblad/",    0, 0 },
    { "shorter path",           "/personeel/", "/person",             0, 0 },
    { "other segment",          "/personeel/", "/raad/personeel/",    0, 0 },
    { "without trailing slash", "/personeel",  "/personeel/x",        0, 1 },
    { "root matches root",      "/",           "/",                   0, 1 },
    { "root matches any",       "/",           "/a/b/c.pdf",          0, 1 },
    { "case-insensitive",       "/Personeel/", "/PERSONEEL/x",        0, 1 },
    { "case-sensitive hit",     "/Personeel/", "/Personeel/x",        CASE, 1 },
    { "case-sensitive miss",    "/Personeel/", "/personeel/x",        CASE, 0 },
    { "star in segment",        "/raad/*.pdf", "/raad/agenda.pdf",    0, 1 },
    { "star not across /",      "/raad/*.pdf", "/raad/a/b.pdf",       0, 0 },
    { "star empty run",         "/raad/*.pdf", "/raad/.pdf",          0, 1 },
    { "star other suffix",      "/raad/*.pdf", "/raad/agenda.doc",    0, 0 },
    { "question marks",         "/raad/20?\?-*.pdf", "/raad/2026-x.pdf", 0, 1 },
    { "question too few",       "/raad/20?\?-*.pdf", "/raad/206-x.pdf",  0, 0 },
    { "question utf-8",         "/raad/?.pdf", "/raad/\xc3\xab.pdf",  0, 1 },
    { "star needs a segment",   "/raad/*",     "/raad",               0, 0 },
    { "star segment",           "/raad/*",     "/raad/x",             0, 1 },
    { "star backtracks",        "/a/*b*c",     "/a/xbybzc",           0, 1 },
    { "globstar zero",          "/**/agenda.pdf", "/agenda.pdf",      0, 1 },
    { "globstar several",       "/**/agenda.pdf", "/a/b/c/agenda.pdf", 0, 1 },
    { "globstar miss",          "/**/agenda.pdf", "/a/b/c/notulen.pdf", 0, 0 },
    { "globstar middle",        "/raad/**/bijlage/", "/raad/2026/03/bijlage/x", 0, 1 },
    { "globstar middle zero",   "/raad/**/bijlage/", "/raad/bijlage",  0, 1 },
    { "globstar middle miss",   "/raad/**/bijlage/", "/personeel/bijlage", 0, 0 },
    { "globstar at end",        "/raad/**",    "/raad",               0, 1 },
    { "globstar only",          "/**",         "/",                   0, 1 },
    { "two globstars",          "/**/x/**/y",  "/a/x/b/c/y/z",        0, 1 },
    { "two globstars miss",     "/**/x/**/y",  "/a/y/b/x",            0, 0 },
};

static xn_rules *compile_one(const char *pattern, xn_rule_kind_e kind,
                             int flags)
{
    apr_array_header_t *specs = apr_array_make(test_pool, 1,
                                               sizeof(xn_rule_spec));
    xn_rule_spec *spec = apr_array_push(specs);
    xn_rolemap *map = xn_rolemap_create(test_pool);
    const char *err = NULL;
    xn_rules *rules = NULL;

    memset(spec, 0, sizeof(*spec));
    spec->pattern = pattern;
    spec->kind = kind;
    ck_assert_int_eq(xn_rules_compile(&rules, test_pool, specs, map, flags,
                                      &err), APR_SUCCESS);
    return rules;
}

START_TEST(rules_match_table)
{
    const match_case *c = &match_cases[_i];
    xn_rules *rules = compile_one(c->pattern, XN_RULE_DENY, c->flags);
    const xn_rule *r = xn_rules_match(rules, c->path);

    ck_assert_msg((r != NULL) == c->matches, "%s: \"%s\" against \"%s\" "
                  "gave %d, expected %d", c->label, c->pattern, c->path,
                  r != NULL, c->matches);
}
END_TEST

typedef struct pattern_case {
    const char *label;
    const char *pattern;
    int valid;
} pattern_case;

static const pattern_case pattern_cases[] = {
    { "root",                 "/",                 1 },
    { "one segment",          "/raad/",            1 },
    { "no trailing slash",    "/raad",             1 },
    { "wildcards",            "/raad/20?\?-*.pdf",  1 },
    { "globstar",             "/raad/**/x",        1 },
    { "utf-8 segment",        "/zo\xc3\xab/",      1 },
    { "empty",                "",                  0 },
    { "relative",             "raad/",             0 },
    { "double slash only",    "//",                0 },
    { "empty segment",        "/a//b",             0 },
    { "empty last segment",   "/a//",              0 },
    { "dot segment",          "/a/./b",            0 },
    { "dot-dot segment",      "/a/../b",           0 },
    { "control character",    "/a\x01/",           0 },
    { "delete character",     "/a\x7f/",           0 },
    { "globstar mixed",       "/a/**x/",           0 },
    { "globstar mixed front", "/a/x**/",           0 },
    { "triple star",          "/a/***/",           0 },
    { "backslash",            "/a\\b/",            0 },
    { "semicolon",            "/a;b/",             0 },
    { "trailing dot",         "/a./",              0 },
    { "trailing space",       "/a /",              0 },
};

START_TEST(rules_pattern_check_table)
{
    const pattern_case *c = &pattern_cases[_i];
    const char *err = NULL;
    apr_status_t rv = xn_rule_pattern_check(c->pattern, &err);

    ck_assert_msg((rv == APR_SUCCESS) == c->valid, "%s: \"%s\" gave %d",
                  c->label, c->pattern, rv);
    if (!c->valid) {
        ck_assert_msg(err != NULL && *err != '\0', "%s: no message",
                      c->label);
    }
}
END_TEST

START_TEST(rules_pattern_check_null)
{
    const char *err = NULL;

    ck_assert_int_eq(xn_rule_pattern_check(NULL, &err), APR_EINVAL);
    ck_assert_ptr_nonnull(err);
}
END_TEST

static xn_rolemap *demo_roles(void)
{
    xn_rolemap *map = xn_rolemap_create(test_pool);
    const char *err = NULL;

    ck_assert_int_eq(xn_rolemap_add(map, "raad", NULL, &err), APR_SUCCESS);
    ck_assert_int_eq(xn_rolemap_add(map, "schepen", NULL, &err), APR_SUCCESS);
    ck_assert_int_eq(xn_rolemap_add(map, "personeel", NULL, &err),
                     APR_SUCCESS);
    return map;
}

static void add_spec(apr_array_header_t *specs, const char *pattern,
                     xn_rule_kind_e kind, const char *roles)
{
    xn_rule_spec *spec = apr_array_push(specs);
    char *copy = apr_pstrdup(test_pool, roles ? roles : "");
    char *state = NULL, *name;

    spec->pattern = pattern;
    spec->kind = kind;
    spec->source = "test.conf:1";
    spec->role_names = apr_array_make(test_pool, 2, sizeof(const char *));
    for (name = apr_strtok(copy, " ", &state); name != NULL;
         name = apr_strtok(NULL, " ", &state)) {
        APR_ARRAY_PUSH(spec->role_names, const char *) = name;
    }
}

static xn_rules *demo_rules(const xn_rolemap *map)
{
    apr_array_header_t *specs = apr_array_make(test_pool, 8,
                                               sizeof(xn_rule_spec));
    const char *err = NULL;
    xn_rules *rules = NULL;

    add_spec(specs, "/personeel/", XN_RULE_DENY, NULL);
    add_spec(specs, "/vriendenkring/", XN_RULE_DENY, NULL);
    add_spec(specs, "/publiek/", XN_RULE_PUBLIC, NULL);
    add_spec(specs, "/raad/schepen/", XN_RULE_ALLOW, "schepen");
    add_spec(specs, "/raad/", XN_RULE_ALLOW, "raad schepen");
    add_spec(specs, "/**/*.pdf", XN_RULE_ALLOW, "schepen");
    ck_assert_msg(xn_rules_compile(&rules, test_pool, specs, map, 0, &err)
                  == APR_SUCCESS, "compile failed: %s", err ? err : "");
    return rules;
}

typedef struct allow_case {
    const char *label;
    const char *path;
    const char *roles;               /* names joined by ',' */
    int allowed;
    const char *rule;                /* pattern of the deciding rule */
} allow_case;

static const allow_case allow_cases[] = {
    { "raad reads agenda",      "/raad/agenda.pdf",   "raad",    1, "/raad/" },
    { "anonymous on raad",      "/raad/agenda.pdf",   "",        0, "/raad/" },
    { "personeel denied raad",  "/raad/agenda.pdf",   "personeel", 0, "/raad/" },
    { "raad denied personeel",  "/personeel/x",       "raad",    0, "/personeel/" },
    { "all roles denied",       "/personeel/x",       "raad,schepen,personeel", 0, "/personeel/" },
    { "deny before allow",      "/vriendenkring/a.pdf", "schepen", 0, "/vriendenkring/" },
    { "public anonymous",       "/publiek/info",      "",        1, "/publiek/" },
    { "public signed in",       "/publiek/info",      "raad",    1, "/publiek/" },
    { "first rule wins",        "/raad/schepen/x",    "raad",    0, "/raad/schepen/" },
    { "schepen own folder",     "/raad/schepen/x",    "schepen", 1, "/raad/schepen/" },
    { "globstar rule",          "/andere/x/y.pdf",    "schepen", 1, "/**/*.pdf" },
    { "no rule matches",        "/andere/x.doc",      "schepen", 0, NULL },
    { "similar prefix",         "/raadzaal/x",        "raad",    0, NULL },
};

START_TEST(rules_allows_table)
{
    const allow_case *c = &allow_cases[_i];
    xn_rolemap *map = demo_roles();
    xn_rules *rules = demo_rules(map);
    xn_roleset_t roles = xn_roleset_parse(map, c->roles, ',');
    const xn_rule *rule = NULL;
    int allowed = xn_rules_allows(rules, c->path, roles, &rule);

    ck_assert_msg(allowed == c->allowed, "%s: \"%s\" for \"%s\" gave %d",
                  c->label, c->path, c->roles, allowed);
    if (c->rule == NULL) {
        ck_assert_msg(rule == NULL, "%s: a rule matched", c->label);
    }
    else {
        ck_assert_msg(rule != NULL && strcmp(rule->pattern, c->rule) == 0,
                      "%s: deciding rule \"%s\", expected \"%s\"", c->label,
                      rule ? rule->pattern : "(none)", c->rule);
    }
}
END_TEST

START_TEST(rules_count_and_source)
{
    xn_rules *rules = demo_rules(demo_roles());
    const xn_rule *rule = xn_rules_match(rules, "/raad/x");

    ck_assert_int_eq(xn_rules_count(rules), 6);
    ck_assert_ptr_nonnull(rule);
    ck_assert_str_eq(rule->source, "test.conf:1");
    ck_assert_int_eq(rule->kind, XN_RULE_ALLOW);
}
END_TEST

START_TEST(rules_compile_undeclared_role)
{
    apr_array_header_t *specs = apr_array_make(test_pool, 1,
                                               sizeof(xn_rule_spec));
    const char *err = NULL;
    xn_rules *rules = NULL;

    add_spec(specs, "/raad/", XN_RULE_ALLOW, "raad raadd");
    ck_assert_int_eq(xn_rules_compile(&rules, test_pool, specs, demo_roles(),
                                      0, &err), APR_EINVAL);
    ck_assert_ptr_null(rules);
    ck_assert_str_eq(err, "rule \"/raad/\" at test.conf:1 names undeclared "
                          "role \"raadd\"");
}
END_TEST

START_TEST(rules_compile_bad_pattern)
{
    apr_array_header_t *specs = apr_array_make(test_pool, 1,
                                               sizeof(xn_rule_spec));
    const char *err = NULL;
    xn_rules *rules = NULL;

    add_spec(specs, "/a//b", XN_RULE_DENY, NULL);
    ck_assert_int_eq(xn_rules_compile(&rules, test_pool, specs, demo_roles(),
                                      0, &err), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "\"/a//b\""));
    ck_assert_ptr_nonnull(strstr(err, "empty segment"));
}
END_TEST

START_TEST(rules_compile_allow_without_roles)
{
    apr_array_header_t *specs = apr_array_make(test_pool, 1,
                                               sizeof(xn_rule_spec));
    const char *err = NULL;
    xn_rules *rules = NULL;

    add_spec(specs, "/raad/", XN_RULE_ALLOW, NULL);
    ck_assert_int_eq(xn_rules_compile(&rules, test_pool, specs, demo_roles(),
                                      0, &err), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "\"/raad/\""));
}
END_TEST

START_TEST(rules_empty_table_denies)
{
    xn_rules *rules = NULL;
    const char *err = NULL;
    const xn_rule *rule = NULL;

    ck_assert_int_eq(xn_rules_compile(&rules, test_pool, NULL, demo_roles(),
                                      0, &err), APR_SUCCESS);
    ck_assert_int_eq(xn_rules_count(rules), 0);
    ck_assert_int_eq(xn_rules_allows(rules, "/raad/x", 1, &rule), 0);
    ck_assert_ptr_null(rule);
}
END_TEST

/* Many "**" against a long path that does not match must not backtrack
 * exponentially: 200 segments, no "x" at the end. */
START_TEST(rules_globstar_polynomial)
{
    xn_rules *rules = compile_one("/**/**/**/**/**/**/x", XN_RULE_DENY, 0);
    char *path = apr_palloc(test_pool, 200 * 2 + 3);
    apr_time_t start;
    int i;

    for (i = 0; i < 200; i++) {
        memcpy(path + 2 * i, "/a", 2);
    }
    memcpy(path + 400, "/y", 3);

    start = apr_time_now();
    ck_assert_ptr_null(xn_rules_match(rules, path));
    path[401] = 'x';
    ck_assert_ptr_nonnull(xn_rules_match(rules, path));
    ck_assert_msg(apr_time_now() - start < apr_time_from_sec(1),
                  "matching took %" APR_TIME_T_FMT " us",
                  apr_time_now() - start);
}
END_TEST

/* A long segment against many stars stays fast too. */
START_TEST(rules_star_polynomial)
{
    xn_rules *rules = compile_one("/*a*a*a*a*a*a*a*b", XN_RULE_DENY, 0);
    char *path = apr_palloc(test_pool, 4002);
    apr_time_t start;

    path[0] = '/';
    memset(path + 1, 'a', 4000);
    path[4001] = '\0';

    start = apr_time_now();
    ck_assert_ptr_null(xn_rules_match(rules, path));
    ck_assert_msg(apr_time_now() - start < apr_time_from_sec(1),
                  "matching took %" APR_TIME_T_FMT " us",
                  apr_time_now() - start);
}
END_TEST

Suite *rules_suite(void)
{
    Suite *s = suite_create("rules");
    TCase *match = tcase_create("match");
    TCase *compile = tcase_create("compile");

    unit_add_pool_fixture(match);
    tcase_add_loop_test(match, rules_match_table, 0, XN_COUNT(match_cases));
    tcase_add_loop_test(match, rules_allows_table, 0, XN_COUNT(allow_cases));
    tcase_add_test(match, rules_empty_table_denies);
    tcase_add_test(match, rules_globstar_polynomial);
    tcase_add_test(match, rules_star_polynomial);
    suite_add_tcase(s, match);

    unit_add_pool_fixture(compile);
    tcase_add_loop_test(compile, rules_pattern_check_table, 0,
                        XN_COUNT(pattern_cases));
    tcase_add_test(compile, rules_pattern_check_null);
    tcase_add_test(compile, rules_count_and_source);
    tcase_add_test(compile, rules_compile_undeclared_role);
    tcase_add_test(compile, rules_compile_bad_pattern);
    tcase_add_test(compile, rules_compile_allow_without_roles);
    suite_add_tcase(s, compile);
    return s;
}
