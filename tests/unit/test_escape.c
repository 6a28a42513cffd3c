/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include "unit.h"
#include "xn_escape.h"

typedef struct ldap_case {
    const char *label;
    const char *value;
    apr_size_t len;
    const char *expected;
} ldap_case;

#define L(s) s, sizeof(s) - 1

static const ldap_case ldap_cases[] = {
    { "plain",            L("raadslid"),          "raadslid" },
    { "empty",            L(""),                  "" },
    { "star",             L("*"),                 "\\2a" },
    { "parentheses",      L("a)(uid=*"),          "a\\29\\28uid=\\2a" },
    { "backslash",        L("a\\b"),              "a\\5cb" },
    { "NUL inside",       L("a\0b"),              "a\\00b" },
    { "newline",          L("a\nb"),              "a\\0ab" },
    { "delete",           L("a\x7f"),             "a\\7f" },
    { "utf-8 bytes",      L("zo\xc3\xab"),        "zo\\c3\\ab" },
    { "high byte",        L("\xff"),              "\\ff" },
    { "dot and at kept",  L("zoe.muller@x.be"),   "zoe.muller@x.be" },
};

START_TEST(escape_ldap_table)
{
    const ldap_case *c = &ldap_cases[_i];
    const char *out = xn_ldap_filter_escape(test_pool, c->value, c->len);

    ck_assert_msg(strcmp(out, c->expected) == 0, "%s: got \"%s\", expected "
                  "\"%s\"", c->label, out, c->expected);
}
END_TEST

typedef struct json_case {
    const char *label;
    const char *value;
    const char *expected;
} json_case;

static const json_case json_cases[] = {
    { "plain",           "raadslid",            "raadslid" },
    { "empty",           "",                    "" },
    { "quote",           "a\"b",                "a\\\"b" },
    { "backslash",       "a\\b",                "a\\\\b" },
    { "newline",         "a\nb",                "a\\nb" },
    { "carriage return", "a\rb",                "a\\rb" },
    { "tab",             "a\tb",                "a\\tb" },
    { "escape",          "a\x1b[31m",           "a\\u001b[31m" },
    { "control 01",      "\x01",                "\\u0001" },
    { "delete",          "\x7f",                "\\u007f" },
    { "utf-8 kept",      "zo\xc3\xab \xe2\x82\xac", "zo\xc3\xab \xe2\x82\xac" },
    { "four-byte kept",  "\xf0\x9f\x98\x80",    "\xf0\x9f\x98\x80" },
    { "invalid byte",    "a\xff" "b",           "a\\u00ffb" },
    { "lone lead byte",  "\xc3",                "\\u00c3" },
    { "overlong slash",  "\xc0\xaf",            "\\u00c0\\u00af" },
    { "surrogate",       "\xed\xa0\x80",        "\\u00ed\\u00a0\\u0080" },
    { "slash kept",      "/raad/x",             "/raad/x" },
};

START_TEST(escape_json_table)
{
    const json_case *c = &json_cases[_i];
    const char *out = xn_json_escape(test_pool, c->value);

    ck_assert_msg(strcmp(out, c->expected) == 0, "%s: got \"%s\", expected "
                  "\"%s\"", c->label, out, c->expected);
}
END_TEST

START_TEST(escape_json_null)
{
    ck_assert_str_eq(xn_json_escape(test_pool, NULL), "");
}
END_TEST

typedef struct append_case {
    const char *label;
    const char *value;
    apr_size_t size;
    apr_size_t max_input;
    const char *expected;
    int cut;
} append_case;

static const append_case append_cases[] = {
    { "fits",                "abc",            16, 16, "abc",        0 },
    { "exact input cap",     "abc",            16, 3,  "abc",        0 },
    { "input cap",           "abcdef",         16, 3,  "abc",        1 },
    { "cap inside char",     "a\xc3\xab",      16, 2,  "a",          1 },
    { "cap after char",      "a\xc3\xab" "b",  16, 3,  "a\xc3\xab",  1 },
    { "buffer full",         "abcdef",         4,  64, "abc",        1 },
    { "escape does not fit", "ab\n",           4,  64, "ab",         1 },
    { "zero buffer room",    "a",              1,  64, "",           1 },
    { "empty value",         "",               1,  64, "",           0 },
};

START_TEST(escape_json_append_table)
{
    const append_case *c = &append_cases[_i];
    char buf[64];
    apr_size_t used = 0;
    int cut;

    memset(buf, 'X', sizeof(buf));
    cut = xn_json_append(buf, c->size, &used, c->value, c->max_input);
    ck_assert_msg(cut == c->cut, "%s: cut %d, expected %d", c->label, cut,
                  c->cut);
    ck_assert_msg(strcmp(buf, c->expected) == 0, "%s: got \"%s\", expected "
                  "\"%s\"", c->label, buf, c->expected);
    ck_assert_uint_eq(used, strlen(c->expected));
    ck_assert_msg(buf[c->size] == 'X', "%s: wrote past the buffer",
                  c->label);
}
END_TEST

START_TEST(escape_json_append_offset)
{
    char buf[16] = "ab";
    apr_size_t used = 2;

    ck_assert_int_eq(xn_json_append(buf, sizeof(buf), &used, "\"c", 16), 0);
    ck_assert_str_eq(buf, "ab\\\"c");
    ck_assert_uint_eq(used, 5);
}
END_TEST

typedef struct html_case {
    const char *label;
    const char *value;
    const char *expected;
} html_case;

static const html_case html_cases[] = {
    { "plain",      "Aanmelden",               "Aanmelden" },
    { "markup",     "<script>x</script>",      "&lt;script&gt;x&lt;/script&gt;" },
    { "ampersand",  "a&b",                     "a&amp;b" },
    { "quotes",     "\"'",                     "&quot;&#39;" },
    { "utf-8 kept", "zo\xc3\xab",              "zo\xc3\xab" },
    { "empty",      "",                        "" },
};

START_TEST(escape_html_table)
{
    const html_case *c = &html_cases[_i];
    const char *out = xn_html_escape(test_pool, c->value);

    ck_assert_msg(strcmp(out, c->expected) == 0, "%s: got \"%s\", expected "
                  "\"%s\"", c->label, out, c->expected);
}
END_TEST

START_TEST(escape_html_null)
{
    ck_assert_str_eq(xn_html_escape(test_pool, NULL), "");
}
END_TEST

typedef struct utf8_case {
    const char *label;
    const char *value;
    apr_size_t len;
    int valid;
} utf8_case;

static const utf8_case utf8_cases[] = {
    { "ascii",              L("raad"),                 1 },
    { "empty",              L(""),                     1 },
    { "two-byte",           L("zo\xc3\xab"),           1 },
    { "three-byte",         L("\xe2\x82\xac"),         1 },
    { "four-byte",          L("\xf0\x9f\x98\x80"),     1 },
    { "highest code point", L("\xf4\x8f\xbf\xbf"),     1 },
    { "NUL is valid",       L("a\0b"),                 1 },
    { "lone continuation",  L("\x80"),                 0 },
    { "truncated two-byte", L("\xc3"),                 0 },
    { "truncated four",     L("\xf0\x9f\x98"),         0 },
    { "overlong two-byte",  L("\xc0\xaf"),             0 },
    { "overlong three",     L("\xe0\x80\xaf"),         0 },
    { "overlong four",      L("\xf0\x80\x80\xaf"),     0 },
    { "surrogate",          L("\xed\xa0\x80"),         0 },
    { "above U+10FFFF",     L("\xf4\x90\x80\x80"),     0 },
    { "byte F5",            L("\xf5\x80\x80\x80"),     0 },
    { "byte FF",            L("\xff"),                 0 },
    { "bad continuation",   L("\xe2\x28\xa1"),         0 },
};

START_TEST(escape_utf8_table)
{
    const utf8_case *c = &utf8_cases[_i];

    ck_assert_msg(xn_utf8_valid(c->value, c->len) == c->valid,
                  "%s: expected %d", c->label, c->valid);
}
END_TEST

Suite *escape_suite(void)
{
    Suite *s = suite_create("escape");
    TCase *tc = tcase_create("escape");

    unit_add_pool_fixture(tc);
    tcase_add_loop_test(tc, escape_ldap_table, 0, XN_COUNT(ldap_cases));
    tcase_add_loop_test(tc, escape_json_table, 0, XN_COUNT(json_cases));
    tcase_add_test(tc, escape_json_null);
    tcase_add_loop_test(tc, escape_json_append_table, 0,
                        XN_COUNT(append_cases));
    tcase_add_test(tc, escape_json_append_offset);
    tcase_add_loop_test(tc, escape_html_table, 0, XN_COUNT(html_cases));
    tcase_add_test(tc, escape_html_null);
    tcase_add_loop_test(tc, escape_utf8_table, 0, XN_COUNT(utf8_cases));
    suite_add_tcase(s, tc);
    return s;
}
