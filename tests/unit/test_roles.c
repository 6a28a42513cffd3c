/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include "unit.h"
#include "xn_roles.h"

typedef struct name_case {
    const char *label;
    const char *name;
    int valid;
} name_case;

static const name_case name_cases[] = {
    { "lower case",        "raad",          1 },
    { "digits and marks",  "raad_2026-a",   1 },
    { "upper case",        "Schepen",       1 },
    { "one character",     "x",             1 },
    { "64 characters",     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1 },
    { "65 characters",     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },
    { "empty",             "",              0 },
    { "space",             "raad leden",    0 },
    { "comma",             "raad,x",        0 },
    { "dot",               "raad.x",        0 },
    { "utf-8",             "schep\xc3\xab", 0 },
    { "reserved public",   "public",        0 },
    { "reserved PUBLIC",   "PUBLIC",        0 },
    { "reserved deny",     "deny",          0 },
    { "reserved Deny",     "Deny",          0 },
};

START_TEST(roles_name_table)
{
    const name_case *c = &name_cases[_i];
    xn_rolemap *map = xn_rolemap_create(test_pool);
    const char *err = NULL;
    apr_status_t rv = xn_rolemap_add(map, c->name, NULL, &err);

    ck_assert_msg((rv == APR_SUCCESS) == c->valid, "%s: \"%s\" gave %d",
                  c->label, c->name, rv);
    ck_assert_int_eq(xn_rolemap_count(map), c->valid ? 1 : 0);
    if (!c->valid) {
        ck_assert_msg(err != NULL && strstr(err, c->name) != NULL,
                      "%s: message \"%s\" does not name the value",
                      c->label, err ? err : "(null)");
    }
}
END_TEST

START_TEST(roles_null_name)
{
    xn_rolemap *map = xn_rolemap_create(test_pool);
    const char *err = NULL;

    ck_assert_int_eq(xn_rolemap_add(map, NULL, NULL, &err), APR_EINVAL);
    ck_assert_ptr_nonnull(err);
}
END_TEST

START_TEST(roles_limit)
{
    xn_rolemap *map = xn_rolemap_create(test_pool);
    const char *err = NULL;
    int i;

    for (i = 0; i < XN_ROLES_MAX; i++) {
        const char *name = apr_psprintf(test_pool, "rol%d", i);
        ck_assert_int_eq(xn_rolemap_add(map, name, NULL, &err), APR_SUCCESS);
    }
    ck_assert_int_eq(xn_rolemap_count(map), XN_ROLES_MAX);
    ck_assert_int_eq(xn_rolemap_add(map, "rol0", "cn=x", &err), APR_SUCCESS);
    ck_assert_int_eq(xn_rolemap_add(map, "een_te_veel", NULL, &err),
                     APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "een_te_veel"));
    ck_assert_int_eq(xn_rolemap_index(map, "rol63"), 63);
    ck_assert_str_eq(xn_roleset_format(test_pool, map,
                                       (xn_roleset_t)1 << 63, ','), "rol63");
}
END_TEST

START_TEST(roles_index_and_name)
{
    xn_rolemap *map = xn_rolemap_create(test_pool);
    const char *err = NULL;

    ck_assert_int_eq(xn_rolemap_add(map, "raad", NULL, &err), APR_SUCCESS);
    ck_assert_int_eq(xn_rolemap_add(map, "schepen", NULL, &err), APR_SUCCESS);
    ck_assert_int_eq(xn_rolemap_add(map, "Raad", "cn=x", &err), APR_SUCCESS);
    ck_assert_int_eq(xn_rolemap_count(map), 2);
    ck_assert_int_eq(xn_rolemap_index(map, "raad"), 0);
    ck_assert_int_eq(xn_rolemap_index(map, "RAAD"), 0);
    ck_assert_int_eq(xn_rolemap_index(map, "schepen"), 1);
    ck_assert_int_eq(xn_rolemap_index(map, "burgemeester"), -1);
    ck_assert_int_eq(xn_rolemap_index(map, NULL), -1);
    ck_assert_str_eq(xn_rolemap_name(map, 1), "schepen");
    ck_assert_ptr_null(xn_rolemap_name(map, 2));
    ck_assert_ptr_null(xn_rolemap_name(map, -1));
}
END_TEST

START_TEST(roles_empty_group_dn)
{
    xn_rolemap *map = xn_rolemap_create(test_pool);
    const char *err = NULL;

    ck_assert_int_eq(xn_rolemap_add(map, "raad", "", &err), APR_EINVAL);
    ck_assert_ptr_nonnull(err);
}
END_TEST

#define RAAD_DN      "cn=raad,ou=groepen,dc=gemeente,dc=test"
#define SCHEPEN_DN   "cn=schepencollege,ou=groepen,dc=gemeente,dc=test"
#define MANDATAR_DN  "cn=mandatarissen,ou=groepen,dc=gemeente,dc=test"

static xn_rolemap *group_map(void)
{
    xn_rolemap *map = xn_rolemap_create(test_pool);
    const char *err = NULL;

    ck_assert_int_eq(xn_rolemap_add(map, "raad", RAAD_DN, &err), APR_SUCCESS);
    ck_assert_int_eq(xn_rolemap_add(map, "schepen", SCHEPEN_DN, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(xn_rolemap_add(map, "raad", MANDATAR_DN, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(xn_rolemap_add(map, "schepen", MANDATAR_DN, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(xn_rolemap_add(map, "personeel", NULL, &err),
                     APR_SUCCESS);
    return map;
}

typedef struct resolve_case {
    const char *label;
    const char *groups;              /* DNs joined by ';' */
    const char *roles;               /* expected, joined by ',' */
} resolve_case;

static const resolve_case resolve_cases[] = {
    { "no groups",          "",                                  "" },
    { "one group",          RAAD_DN,                             "raad" },
    { "group case",         "CN=Raad,OU=Groepen,DC=Gemeente,DC=Test", "raad" },
    { "group grants two",   MANDATAR_DN,                         "raad,schepen" },
    { "two groups",         RAAD_DN ";" SCHEPEN_DN,              "raad,schepen" },
    { "unknown group",      "cn=sport,dc=gemeente,dc=test",      "" },
    { "suffix not enough",  "ou=groepen,dc=gemeente,dc=test",    "" },
};

START_TEST(roles_resolve_table)
{
    const resolve_case *c = &resolve_cases[_i];
    xn_rolemap *map = group_map();
    apr_array_header_t *dns = apr_array_make(test_pool, 2,
                                             sizeof(const char *));
    char *copy = apr_pstrdup(test_pool, c->groups), *state = NULL, *dn;
    xn_roleset_t set;

    for (dn = apr_strtok(copy, ";", &state); dn != NULL;
         dn = apr_strtok(NULL, ";", &state)) {
        APR_ARRAY_PUSH(dns, const char *) = dn;
    }
    set = xn_rolemap_resolve(map, dns);
    ck_assert_msg(strcmp(xn_roleset_format(test_pool, map, set, ','),
                         c->roles) == 0, "%s: got \"%s\", expected \"%s\"",
                  c->label, xn_roleset_format(test_pool, map, set, ','),
                  c->roles);
}
END_TEST

START_TEST(roles_resolve_null)
{
    ck_assert(xn_rolemap_resolve(group_map(), NULL) == 0);
}
END_TEST

typedef struct parse_case {
    const char *label;
    const char *names;
    const char *formatted;
} parse_case;

static const parse_case parse_cases[] = {
    { "empty",              "",                      "" },
    { "one",                "schepen",               "schepen" },
    { "declaration order",  "personeel,raad",        "raad,personeel" },
    { "unknown skipped",    "raad,verwijderd",       "raad" },
    { "empty names",        ",,raad,,",              "raad" },
    { "repeated",           "raad,raad",             "raad" },
    { "case folded",        "SCHEPEN",               "schepen" },
    { "overlong name",      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "" },
};

START_TEST(roles_parse_table)
{
    const parse_case *c = &parse_cases[_i];
    xn_rolemap *map = group_map();
    xn_roleset_t set = xn_roleset_parse(map, c->names, ',');
    const char *formatted = xn_roleset_format(test_pool, map, set, ',');

    ck_assert_msg(strcmp(formatted, c->formatted) == 0,
                  "%s: \"%s\" became \"%s\", expected \"%s\"", c->label,
                  c->names, formatted, c->formatted);
}
END_TEST

START_TEST(roles_format_separator)
{
    xn_rolemap *map = group_map();

    ck_assert_str_eq(xn_roleset_format(test_pool, map, 7, ' '),
                     "raad schepen personeel");
    ck_assert(xn_roleset_parse(map, "raad schepen", ' ') == 3);
    ck_assert(xn_roleset_parse(map, NULL, ',') == 0);
}
END_TEST

Suite *roles_suite(void)
{
    Suite *s = suite_create("roles");
    TCase *tc = tcase_create("rolemap");

    unit_add_pool_fixture(tc);
    tcase_add_loop_test(tc, roles_name_table, 0, XN_COUNT(name_cases));
    tcase_add_test(tc, roles_null_name);
    tcase_add_test(tc, roles_limit);
    tcase_add_test(tc, roles_index_and_name);
    tcase_add_test(tc, roles_empty_group_dn);
    tcase_add_loop_test(tc, roles_resolve_table, 0, XN_COUNT(resolve_cases));
    tcase_add_test(tc, roles_resolve_null);
    tcase_add_loop_test(tc, roles_parse_table, 0, XN_COUNT(parse_cases));
    tcase_add_test(tc, roles_format_separator);
    suite_add_tcase(s, tc);
    return s;
}
