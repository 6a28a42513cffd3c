/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <apr_strings.h>
#include <apr_time.h>

#include "unit.h"
#include "xn_input.h"

#define L(s) s, sizeof(s) - 1

typedef struct credential_case {
    const char *label;
    const char *value;
    apr_size_t len;
    const char *user_reason;         /* NULL when accepted */
    const char *password_reason;
} credential_case;

static const credential_case credential_cases[] = {
    { "ascii",            L("raadslid"),          NULL, NULL },
    { "utf-8 name",       L("zo\xc3\xab.m\xc3\xbcller"), NULL, NULL },
    { "utf-8 password",   L("p\xc3\xa9\xe2\x82\xac\xc3\x9f!"), NULL, NULL },
    { "spaces inside",    L("a b"),               NULL, NULL },
    { "empty",            L(""),                  XN_REASON_EMPTY_USERNAME,
                                                  XN_REASON_EMPTY_PASSWORD },
    { "NUL inside",       L("a\0b"),              XN_REASON_INVALID_USERNAME,
                                                  XN_REASON_INVALID_PASSWORD },
    { "newline",          L("a\nb"),              XN_REASON_INVALID_USERNAME,
                                                  XN_REASON_INVALID_PASSWORD },
    { "tab",              L("a\tb"),              XN_REASON_INVALID_USERNAME,
                                                  XN_REASON_INVALID_PASSWORD },
    { "delete",           L("a\x7f"),             XN_REASON_INVALID_USERNAME,
                                                  XN_REASON_INVALID_PASSWORD },
    { "invalid utf-8",    L("a\xff"),             XN_REASON_INVALID_USERNAME,
                                                  XN_REASON_INVALID_PASSWORD },
    { "overlong utf-8",   L("\xc0\xaf"),          XN_REASON_INVALID_USERNAME,
                                                  XN_REASON_INVALID_PASSWORD },
    { "no-break space",   L("wjanssens\xc2\xa0"),  XN_REASON_INVALID_USERNAME,
                                                  NULL },
    { "fullwidth letter", L("\xef\xbd\x97janssens"), XN_REASON_INVALID_USERNAME,
                                                  NULL },
    { "combining mark",   L("zoe\xcc\x88.muller"), XN_REASON_INVALID_USERNAME,
                                                  NULL },
    { "zero-width space", L("raad\xe2\x80\x8bslid"), XN_REASON_INVALID_USERNAME,
                                                  NULL },
    { "ligature",         L("\xef\xac\x81nance"),  XN_REASON_INVALID_USERNAME,
                                                  NULL },
    { "math letter",      L("\xf0\x9d\x90\xab"),  XN_REASON_INVALID_USERNAME,
                                                  NULL },
    { "latin extended",   L("\xc5\x82ukasz"),       NULL, NULL },
};

typedef struct fold_case {
    const char *label;
    const char *value;
    const char *expected;
} fold_case;

static const fold_case fold_cases[] = {
    { "ascii case",       "RaadSlid",                  "raadslid" },
    { "spaces",           "  raad   slid ",            "raad slid" },
    { "latin-1 case",     "ZO\xc3\x8b.M\xc3\x9cLLER", "zo\xc3\xab.m\xc3\xbcller" },
    { "latin-1 lower",    "zo\xc3\xab",                "zo\xc3\xab" },
    { "multiplication",   "a\xc3\x97" "b",             "a\xc3\x97" "b" },
    { "L with stroke",    "\xc5\x81UKASZ",             "\xc5\x82ukasz" },
    { "Y with diaeresis", "\xc5\xb8",                  "\xc3\xbf" },
    { "greek kept",       "\xce\x91",                  "\xce\x91" },
};

START_TEST(input_username_fold_table)
{
    const fold_case *c = &fold_cases[_i];
    const char *out = xn_username_fold(test_pool, c->value);

    ck_assert_msg(strcmp(out, c->expected) == 0, "%s: \"%s\" gave \"%s\"",
                  c->label, c->value, out);
}
END_TEST

static void check_reason(const char *label, const char *what,
                         const char *got, const char *expected)
{
    if (expected == NULL) {
        ck_assert_msg(got == NULL, "%s: %s rejected with %s", label, what,
                      got);
    }
    else {
        ck_assert_msg(got != NULL && strcmp(got, expected) == 0,
                      "%s: %s gave %s, expected %s", label, what,
                      got ? got : "(accepted)", expected);
    }
}

START_TEST(input_credential_table)
{
    const credential_case *c = &credential_cases[_i];

    check_reason(c->label, "user name", xn_username_check(c->value, c->len),
                 c->user_reason);
    check_reason(c->label, "password", xn_password_check(c->value, c->len),
                 c->password_reason);
}
END_TEST

START_TEST(input_credential_lengths)
{
    char *long_value = apr_palloc(test_pool, XN_PASSWORD_MAX + 1);

    memset(long_value, 'a', XN_PASSWORD_MAX + 1);
    ck_assert_ptr_null(xn_username_check(long_value, XN_USERNAME_MAX));
    ck_assert_str_eq(xn_username_check(long_value, XN_USERNAME_MAX + 1),
                     XN_REASON_INVALID_USERNAME);
    ck_assert_ptr_null(xn_password_check(long_value, XN_PASSWORD_MAX));
    ck_assert_str_eq(xn_password_check(long_value, XN_PASSWORD_MAX + 1),
                     XN_REASON_INVALID_PASSWORD);
    ck_assert_str_eq(xn_username_check(NULL, 0), XN_REASON_EMPTY_USERNAME);
    ck_assert_str_eq(xn_password_check(NULL, 0), XN_REASON_EMPTY_PASSWORD);
}
END_TEST

typedef struct return_case {
    const char *label;
    const char *value;
    int unchanged;                   /* 1: returned as is, 0: "/" */
} return_case;

static const return_case return_cases[] = {
    { "document with query",     "/raad/agenda.pdf?x=1",      1 },
    { "root",                    "/",                         1 },
    { "utf-8 path",              "/raad/zo\xc3\xab.pdf",      1 },
    { "encoded space",           "/raad/a%20b.pdf",           1 },
    { "encoded slash inside",    "/raad%2Fx",                 1 },
    { "fragment",                "/raad/#deel",               1 },
    { "scheme-relative",         "//evil.example/",           0 },
    { "absolute https",          "https://evil.example/",     0 },
    { "slash backslash",         "/\\evil.example",           0 },
    { "backslash later",         "/raad\\x",                  0 },
    { "scheme with escapes",     "http:%2F%5Cevil.example",   0 },
    { "scheme without slashes",  "https:evil.example",        0 },
    { "CR LF injection",         "/x\r\nSet-Cookie:x",        0 },
    { "tab",                     "/\t/evil.example",          0 },
    { "delete",                  "/x\x7f",                    0 },
    { "empty",                   "",                          0 },
    { "relative",                "raad/x",                    0 },
    { "leading space",           " /raad/x",                  0 },
    { "encoded double slash",    "/%2F%2Fevil",               0 },
    { "encoded slash lower",     "/%2fevil.example",          0 },
    { "encoded backslash",       "/%5Cevil.example",          0 },
    { "double encoded slash",    "/%252Fevil.example",        0 },
    { "triple encoded slash",    "/%25252Fevil.example",      0 },
    { "encoded tab then slash",  "/%09/evil.example",         0 },
    { "invalid utf-8",           "/raad/\xff",                0 },
    { "javascript scheme",       "javascript:alert(1)",       0 },
    { "dot then double slash",   "/.//evil.example",          0 },
    { "dot-dot to double slash", "/raad/../..//evil.example", 0 },
    { "inner double slash",      "/raad//x",                  0 },
    { "dot segment",             "/raad/./x",                 0 },
    { "dots in query kept",      "/raad/x?a=../b//c",         1 },
    { "dots in file name kept",  "/raad/a..b.pdf",            1 },
};

START_TEST(input_return_url_table)
{
    const return_case *c = &return_cases[_i];
    const char *out = xn_return_url_check(c->value);
    const char *expected = c->unchanged ? c->value : "/";

    ck_assert_msg(strcmp(out, expected) == 0, "%s: \"%s\" gave \"%s\"",
                  c->label, c->value, out);
}
END_TEST

START_TEST(input_return_url_limits)
{
    char *value = apr_palloc(test_pool, XN_RETURN_URL_MAX + 2);

    ck_assert_str_eq(xn_return_url_check(NULL), "/");
    value[0] = '/';
    memset(value + 1, 'a', XN_RETURN_URL_MAX);
    value[XN_RETURN_URL_MAX] = '\0';
    ck_assert_ptr_eq(xn_return_url_check(value), value);
    value[XN_RETURN_URL_MAX] = 'a';
    value[XN_RETURN_URL_MAX + 1] = '\0';
    ck_assert_str_eq(xn_return_url_check(value), "/");
}
END_TEST

typedef struct form_case {
    const char *label;
    const char *body;
    int max_fields;
    int ok;
    const char *username;            /* expected value, NULL when absent */
    const char *password;
} form_case;

static const form_case form_cases[] = {
    { "sign-in form",       "username=raadslid&password=geheim&return=%2F",
                            8, 1, "raadslid", "geheim" },
    { "plus is space",      "username=a+b&password=c%2Bd", 8, 1, "a b", "c+d" },
    { "utf-8 escapes",      "username=zo%C3%AB&password=x", 8, 1, "zo\xc3\xab", "x" },
    { "empty value",        "username=&password=", 8, 1, "", "" },
    { "name without value", "username&password=x", 8, 1, "", "x" },
    { "empty pairs skipped", "&username=a&&password=b&", 8, 1, "a", "b" },
    { "value with equals",  "username=a=b&password=x", 8, 1, "a=b", "x" },
    { "empty body",         "",  8, 1, NULL, NULL },
    { "bad escape",         "username=%zz&password=x", 8, 0, NULL, NULL },
    { "short escape",       "username=a&password=%4", 8, 0, NULL, NULL },
    { "escape in name",     "user%ZZ=a", 8, 0, NULL, NULL },
    { "decoded NUL",        "username=a%00b&password=x", 8, 0, NULL, NULL },
    { "repeated name",      "username=a&username=b", 8, 0, NULL, NULL },
    { "repeated other case", "username=a&USERNAME=b", 8, 0, NULL, NULL },
    { "empty name",         "=a&password=x", 8, 0, NULL, NULL },
    { "too many fields",    "a=1&b=2&c=3", 2, 0, NULL, NULL },
    { "exactly max fields", "a=1&b=2", 2, 1, NULL, NULL },
};

START_TEST(input_form_table)
{
    const form_case *c = &form_cases[_i];
    apr_table_t *t = NULL;
    const char *err = NULL;
    apr_status_t rv = xn_form_parse(&t, test_pool, c->body, strlen(c->body),
                                    c->max_fields, &err);

    ck_assert_msg((rv == APR_SUCCESS) == c->ok, "%s: returned %d (%s)",
                  c->label, rv, err ? err : "");
    if (!c->ok) {
        ck_assert_msg(err != NULL, "%s: no message", c->label);
        ck_assert_ptr_null(t);
        return;
    }
    if (c->username != NULL) {
        ck_assert_str_eq(apr_table_get(t, "username"), c->username);
    }
    if (c->password != NULL) {
        ck_assert_str_eq(apr_table_get(t, "password"), c->password);
    }
}
END_TEST

START_TEST(input_form_raw_nul)
{
    static const char body[] = "username=a\0b&password=x";
    apr_table_t *t = NULL;
    const char *err = NULL;

    ck_assert_int_eq(xn_form_parse(&t, test_pool, body, sizeof(body) - 1, 8,
                                   &err), APR_EINVAL);
}
END_TEST

/* The message never contains the field, which may be a password. */
START_TEST(input_form_message_hides_value)
{
    apr_table_t *t = NULL;
    const char *err = NULL;
    const char *body = "username=a&password=geheim%zz";

    ck_assert_int_eq(xn_form_parse(&t, test_pool, body, strlen(body), 8,
                                   &err), APR_EINVAL);
    ck_assert_ptr_null(strstr(err, "geheim"));
}
END_TEST

typedef struct lang_case {
    const char *label;
    const char *header;
    const char *expected;
} lang_case;

static const lang_case lang_cases[] = {
    { "Flemish browser",     "nl-BE,nl;q=0.9,en;q=0.8",  "nl" },
    { "French Belgian",      "fr-BE",                    "fr" },
    { "English",             "en-US,en;q=0.5",           "en" },
    { "German only",         "de",                       "xx" },
    { "wildcard",            "*",                        "xx" },
    { "garbage",             ";;,,=q=;\x01\xff",         "xx" },
    { "empty",               "",                         "xx" },
    { "higher q wins",       "nl;q=0.5,fr;q=0.8",        "fr" },
    { "tie goes to order",   "fr;q=0.5,nl;q=0.5",        "fr" },
    { "q zero excludes",     "nl;q=0,fr;q=0.1",          "fr" },
    { "only excluded",       "nl;q=0",                   "xx" },
    { "exclusion wins",      "nl-BE,nl;q=0",             "xx" },
    { "case-insensitive",    "FR-be",                    "fr" },
    { "spaces",              " de ; q=0.9 , en ; q=0.7 ", "en" },
    { "q upper case",        "nl;Q=0.2,en;q=0.3",        "en" },
    { "q three decimals",    "nl;q=0.001,en;q=0.0005",   "nl" },
    { "q above one ignored", "nl;q=1.5,en;q=0.1",        "en" },
    { "q malformed ignored", "nl;q=abc,fr;q=0.2",        "fr" },
    { "other parameter",     "nl;level=1;q=0.2,fr;q=0.1", "nl" },
    { "prefix not a match",  "nld,english",              "xx" },
    { "q one",               "fr;q=1.000,nl",            "fr" },
};

static const char *const languages[] = { "nl", "fr", "en", NULL };

START_TEST(input_lang_table)
{
    const lang_case *c = &lang_cases[_i];
    const char *out = xn_lang_negotiate(c->header, languages, "xx");

    ck_assert_msg(strcmp(out, c->expected) == 0, "%s: \"%s\" gave %s",
                  c->label, c->header, out);
}
END_TEST

START_TEST(input_lang_null)
{
    ck_assert_str_eq(xn_lang_negotiate(NULL, languages, "nl"), "nl");
}
END_TEST

START_TEST(input_lang_long_header)
{
    apr_size_t n = 10 * 1024, i;
    char *header = apr_palloc(test_pool, n + 8);
    apr_time_t start;

    for (i = 0; i < n; i += 2) {
        memcpy(header + i, "x,", 2);
    }
    memcpy(header + n, "en", 3);

    start = apr_time_now();
    ck_assert_str_eq(xn_lang_negotiate(header, languages, "nl"), "en");
    ck_assert_msg(apr_time_now() - start < apr_time_from_msec(200),
                  "negotiation took %" APR_TIME_T_FMT " us",
                  apr_time_now() - start);
}
END_TEST

Suite *input_suite(void)
{
    Suite *s = suite_create("input");
    TCase *credentials = tcase_create("credentials");
    TCase *return_url = tcase_create("return_url");
    TCase *form = tcase_create("form");
    TCase *lang = tcase_create("language");

    unit_add_pool_fixture(credentials);
    tcase_add_loop_test(credentials, input_credential_table, 0,
                        XN_COUNT(credential_cases));
    tcase_add_loop_test(credentials, input_username_fold_table, 0,
                        XN_COUNT(fold_cases));
    tcase_add_test(credentials, input_credential_lengths);
    suite_add_tcase(s, credentials);

    unit_add_pool_fixture(return_url);
    tcase_add_loop_test(return_url, input_return_url_table, 0,
                        XN_COUNT(return_cases));
    tcase_add_test(return_url, input_return_url_limits);
    suite_add_tcase(s, return_url);

    unit_add_pool_fixture(form);
    tcase_add_loop_test(form, input_form_table, 0, XN_COUNT(form_cases));
    tcase_add_test(form, input_form_raw_nul);
    tcase_add_test(form, input_form_message_hides_value);
    suite_add_tcase(s, form);

    unit_add_pool_fixture(lang);
    tcase_add_loop_test(lang, input_lang_table, 0, XN_COUNT(lang_cases));
    tcase_add_test(lang, input_lang_null);
    tcase_add_test(lang, input_lang_long_header);
    suite_add_tcase(s, lang);
    return s;
}
