/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include "unit.h"
#include "xn_path.h"

typedef struct path_case {
    const char *label;
    const char *input;
    int flags;
    apr_status_t rv;
    const char *expected;            /* normalised path when rv is success */
} path_case;

#define ALL XN_PATH_DECODE_ALL

static const path_case path_cases[] = {
    { "plain segment",          "/personeel",              0,   APR_SUCCESS, "/personeel" },
    { "root",                   "/",                       0,   APR_SUCCESS, "/" },
    { "trailing slash kept",    "/personeel/",             0,   APR_SUCCESS, "/personeel/" },
    { "double slash",           "//personeel/x",           0,   APR_SUCCESS, "/personeel/x" },
    { "inner double slash",     "/personeel//x",           0,   APR_SUCCESS, "/personeel/x" },
    { "dot segment in link",    "/./personeel/x",          ALL, APR_SUCCESS, "/personeel/x" },
    { "dot-dot segment in link", "/raad/../personeel/x",   ALL, APR_SUCCESS, "/personeel/x" },
    { "dot-dot at end in link", "/raad/..",                ALL, APR_SUCCESS, "/" },
    { "dot at end in link",     "/raad/.",                 ALL, APR_SUCCESS, "/raad/" },
    { "dot segment in request", "/./personeel/x",          0,   APR_EINVAL,  NULL },
    { "dot-dot in request",     "/raad/../personeel/x",    0,   APR_EINVAL,  NULL },
    { "dot-dot at end in request", "/raad/..",             0,   APR_EINVAL,  NULL },
    { "encoded slash lower",    "/personeel%2fx",          0,   APR_SUCCESS, "/personeel/x" },
    { "encoded slash upper",    "/personeel%2Fx",          0,   APR_SUCCESS, "/personeel/x" },
    { "encoded backslash",      "/personeel%5cx",          0,   APR_SUCCESS, "/personeel/x" },
    { "encoded backslash upper", "/personeel%5Cx",         0,   APR_SUCCESS, "/personeel/x" },
    { "other escape kept",      "/%70ersoneel/x",          0,   APR_SUCCESS, "/%70ersoneel/x" },
    { "other escape decoded",   "/%70ersoneel/x",          ALL, APR_SUCCESS, "/personeel/x" },
    { "encoded dots decoded",   "/raad/%2e%2e/personeel",  ALL, APR_SUCCESS, "/personeel" },
    { "encoded dots kept",      "/raad/%2e%2e/personeel",  0,   APR_SUCCESS, "/raad/%2e%2e/personeel" },
    { "path parameter",         "/personeel;jsessionid=1/x", 0, APR_SUCCESS, "/personeel/x" },
    { "parameter at end",       "/personeel;x",            0,   APR_SUCCESS, "/personeel" },
    { "dot-dot parameter",      "/raad/..;x/personeel",    0,   APR_EINVAL,  NULL },
    { "dot-dot parameter in link", "/raad/..;x/personeel", ALL, APR_EINVAL,  NULL },
    { "path info dot-dot params", "/personeel/x.pdf/..;/..;/publiek/", 0, APR_EINVAL, NULL },
    { "path info backslashes",  "/personeel/x.pdf/..\\..\\publiek/", 0, APR_EINVAL, NULL },
    { "path info encoded backslashes", "/personeel/x.pdf/..%5C..%5Cpubliek/", 0, APR_EINVAL, NULL },
    { "encoded slash dot-dot",  "/raad%2f..%2fpersoneel",  0,   APR_EINVAL,  NULL },
    { "encoded parameter",      "/personeel%3bx/y",        ALL, APR_SUCCESS, "/personeel/y" },
    { "trailing dot",           "/personeel./x",           0,   APR_SUCCESS, "/personeel/x" },
    { "trailing dots",          "/personeel.../x",         0,   APR_SUCCESS, "/personeel/x" },
    { "trailing space decoded", "/personeel%20/x",         ALL, APR_SUCCESS, "/personeel/x" },
    { "trailing space raw",     "/personeel /x",           0,   APR_SUCCESS, "/personeel/x" },
    { "backslashes",            "\\personeel\\x",          0,   APR_SUCCESS, "/personeel/x" },
    { "mixed separators in link", "/raad\\..\\personeel/x", ALL, APR_SUCCESS, "/personeel/x" },
    { "mixed separators in request", "/raad\\..\\personeel/x", 0, APR_EINVAL, NULL },
    { "utf-8 kept",             "/raad/zo\xc3\xab.pdf",    0,   APR_SUCCESS, "/raad/zo\xc3\xab.pdf" },
    { "dot inside kept",        "/raad/a.b/c",             0,   APR_SUCCESS, "/raad/a.b/c" },
    { "climb above root",       "/../x",                   0,   APR_EINVAL,  NULL },
    { "climb via encoded",      "/%2e%2e/x",               ALL, APR_EINVAL,  NULL },
    { "climb after pop",        "/a/../../x",              ALL, APR_EINVAL,  NULL },
    { "only dots and spaces",   "/raad/.../x",             0,   APR_EINVAL,  NULL },
    { "dot-dot with space",     "/raad/.. /x",             0,   APR_EINVAL,  NULL },
    { "control character",      "/raad/\x01x",             0,   APR_EINVAL,  NULL },
    { "delete character",       "/raad/\x7fx",             0,   APR_EINVAL,  NULL },
    { "tab",                    "/raad/\tx",               0,   APR_EINVAL,  NULL },
    { "control in parameter",   "/raad;\nx",               0,   APR_EINVAL,  NULL },
    { "encoded NUL decoded",    "/raad/%00x",              ALL, APR_EINVAL,  NULL },
    { "encoded newline",        "/raad/%0a",               ALL, APR_EINVAL,  NULL },
    { "bad escape letters",     "/raad/%zz",               0,   APR_EINVAL,  NULL },
    { "short escape",           "/raad/%4",                0,   APR_EINVAL,  NULL },
    { "bare percent",           "/raad/%",                 0,   APR_EINVAL,  NULL },
    { "bad escape decode all",  "/raad/%g0",               ALL, APR_EINVAL,  NULL },
    { "empty",                  "",                        0,   APR_EINVAL,  NULL },
    { "relative",               "personeel/x",             0,   APR_EINVAL,  NULL },
    { "encoded leading slash",  "%2fpersoneel",            0,   APR_EINVAL,  NULL },
};

START_TEST(path_normalize_table)
{
    const path_case *c = &path_cases[_i];
    const char *out = "unset";
    apr_status_t rv = xn_path_normalize(&out, test_pool, c->input, c->flags);

    ck_assert_msg(rv == c->rv, "%s: \"%s\" returned %d, expected %d",
                  c->label, c->input, rv, c->rv);
    if (c->expected != NULL) {
        ck_assert_msg(out != NULL && strcmp(out, c->expected) == 0,
                      "%s: \"%s\" became \"%s\", expected \"%s\"", c->label,
                      c->input, out ? out : "(null)", c->expected);
    }
    else {
        ck_assert_msg(out == NULL, "%s: output not NULL on error", c->label);
    }
}
END_TEST

START_TEST(path_normalize_null)
{
    const char *out = "unset";

    ck_assert_int_eq(xn_path_normalize(&out, test_pool, NULL, 0), APR_EINVAL);
    ck_assert_ptr_null(out);
}
END_TEST

/* Normalising twice gives the same path, for every successful row. */
START_TEST(path_normalize_idempotent)
{
    const path_case *c = &path_cases[_i];
    const char *once, *twice;

    if (c->rv != APR_SUCCESS) {
        return;
    }
    ck_assert_int_eq(xn_path_normalize(&once, test_pool, c->input, c->flags),
                     APR_SUCCESS);
    ck_assert_msg(xn_path_normalize(&twice, test_pool, once, c->flags)
                  == APR_SUCCESS, "%s: \"%s\" rejected", c->label, once);
    ck_assert_msg(strcmp(once, twice) == 0, "%s: \"%s\" became \"%s\"",
                  c->label, once, twice);
}
END_TEST

/* A long path of "a/../" pairs stays linear: 200,000 segments. */
START_TEST(path_normalize_long)
{
    apr_size_t n = 100000, i;
    char *path = apr_palloc(test_pool, n * 5 + 3);
    const char *out;

    for (i = 0; i < n; i++) {
        memcpy(path + i * 5, "/a/..", 5);
    }
    memcpy(path + n * 5, "/b", 3);
    ck_assert_int_eq(xn_path_normalize(&out, test_pool, path, ALL),
                     APR_SUCCESS);
    ck_assert_str_eq(out, "/b");
}
END_TEST

Suite *path_suite(void)
{
    Suite *s = suite_create("path");
    TCase *tc = tcase_create("normalize");

    unit_add_pool_fixture(tc);
    tcase_add_loop_test(tc, path_normalize_table, 0, XN_COUNT(path_cases));
    tcase_add_loop_test(tc, path_normalize_idempotent, 0,
                        XN_COUNT(path_cases));
    tcase_add_test(tc, path_normalize_null);
    tcase_add_test(tc, path_normalize_long);
    suite_add_tcase(s, tc);
    return s;
}
