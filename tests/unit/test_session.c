/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include "unit.h"
#include "xn_crypto.h"
#include "xn_session.h"

START_TEST(session_round_trip)
{
    xn_session in = { "zo\xc3\xab.m\xc3\xbcller", "raad,schepen",
                      1796400000, 1796401234, 1796401000 };
    xn_session out;
    char *data = NULL;
    apr_size_t len = 0;

    ck_assert_int_eq(xn_session_encode(&data, &len, test_pool, &in),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, strlen(data));
    ck_assert_int_eq(xn_session_decode(&out, test_pool,
                                       (const unsigned char *)data, len),
                     APR_SUCCESS);
    ck_assert_str_eq(out.user, in.user);
    ck_assert_str_eq(out.roles, in.roles);
    ck_assert(out.created == in.created);
    ck_assert(out.last_seen == in.last_seen);
    ck_assert(out.checked == in.checked);
}
END_TEST

START_TEST(session_round_trip_no_roles)
{
    xn_session in = { "raadslid", NULL, 0, 0, 0 };
    xn_session out;
    char *data = NULL;
    apr_size_t len = 0;

    ck_assert_int_eq(xn_session_encode(&data, &len, test_pool, &in),
                     APR_SUCCESS);
    ck_assert_int_eq(xn_session_decode(&out, test_pool,
                                       (const unsigned char *)data, len),
                     APR_SUCCESS);
    ck_assert_str_eq(out.roles, "");
}
END_TEST

typedef struct encode_case {
    const char *label;
    xn_session session;
} encode_case;

static const encode_case encode_rejects[] = {
    { "tab in user",        { "a\tb", "raad", 1, 1, 1 } },
    { "newline in user",    { "a\nb", "raad", 1, 1, 1 } },
    { "return in roles",    { "a", "raad\r", 1, 1, 1 } },
    { "tab in roles",       { "a", "raad\tx", 1, 1, 1 } },
    { "no user",            { NULL, "raad", 1, 1, 1 } },
    { "empty user",         { "", "raad", 1, 1, 1 } },
    { "negative created",   { "a", "raad", -1, 1, 1 } },
    { "negative checked",   { "a", "raad", 1, 1, -1 } },
};

START_TEST(session_encode_rejects)
{
    const encode_case *c = &encode_rejects[_i];
    char *data = NULL;
    apr_size_t len = 0;

    ck_assert_msg(xn_session_encode(&data, &len, test_pool, &c->session)
                  == APR_EINVAL, "%s: accepted", c->label);
    ck_assert_ptr_null(data);
}
END_TEST

typedef struct decode_case {
    const char *label;
    const char *data;
    apr_size_t len;
    int ok;
} decode_case;

#define L(s) s, sizeof(s) - 1

static const decode_case decode_cases[] = {
    { "valid",              L("xn1\traadslid\traad\t10\t20"),    1 },
    { "valid no roles",     L("xn1\traadslid\t\t10\t20"),        1 },
    { "xn2 missing checked", L("xn2\traadslid\traad\t10\t20"),   0 },
    { "xn2 valid",          L("xn2\traadslid\traad\t10\t20\t15"), 1 },
    { "other version",      L("xn3\traadslid\traad\t10\t20\t15"), 0 },
    { "xn2 bad checked",    L("xn2\traadslid\traad\t10\t20\tx"),  0 },
    { "no version",         L("raadslid\traad\t10\t20"),         0 },
    { "extra field",        L("xn1\traadslid\traad\t10\t20\tx"), 0 },
    { "tab in user",        L("xn1\traad\tslid\traad\t10\t20"),  0 },
    { "missing field",      L("xn1\traadslid\traad\t10"),        0 },
    { "truncated number",   L("xn1\traadslid\traad\t10\t"),      0 },
    { "truncated",          L("xn1\traads"),                     0 },
    { "empty",              L(""),                               0 },
    { "empty user",         L("xn1\t\traad\t10\t20"),            0 },
    { "negative time",      L("xn1\traadslid\traad\t-10\t20"),   0 },
    { "number with sign",   L("xn1\traadslid\traad\t+10\t20"),   0 },
    { "number with space",  L("xn1\traadslid\traad\t10 \t20"),   0 },
    { "huge number",        L("xn1\traadslid\traad\t1234567890123456789\t20"), 0 },
    { "NUL inside",         L("xn1\traad\0slid\traad\t10\t20"),  0 },
    { "newline",            L("xn1\traadslid\traad\t10\t20\n"),  0 },
};

START_TEST(session_decode_table)
{
    const decode_case *c = &decode_cases[_i];
    xn_session s;

    ck_assert_msg((xn_session_decode(&s, test_pool,
                                     (const unsigned char *)c->data, c->len)
                   == APR_SUCCESS) == c->ok, "%s: expected %d", c->label,
                  c->ok);
}
END_TEST

START_TEST(session_decode_not_terminated)
{
    static const char data[] = "xn1\traadslid\traad\t10\t20XXXX";
    xn_session s;

    ck_assert_int_eq(xn_session_decode(&s, test_pool,
                                       (const unsigned char *)data,
                                       sizeof(data) - 5), APR_SUCCESS);
    ck_assert(s.last_seen == 20);
    ck_assert(s.checked == 10);
}
END_TEST

START_TEST(session_id_create)
{
    char *a = NULL, *b = NULL;

    ck_assert_int_eq(xn_session_id_create(&a, test_pool), APR_SUCCESS);
    ck_assert_int_eq(xn_session_id_create(&b, test_pool), APR_SUCCESS);
    ck_assert_uint_eq(strlen(a), XN_SESSION_ID_CHARS);
    ck_assert_uint_eq(strlen(a), 43);
    ck_assert(xn_session_id_valid(a));
    ck_assert(xn_session_id_valid(b));
    ck_assert_str_ne(a, b);
}
END_TEST

typedef struct id_case {
    const char *label;
    const char *id;
    int valid;
} id_case;

static const id_case id_cases[] = {
    { "43 characters", "abcdefghijABCDEFGHIJ0123456789-_abcdefghijk", 1 },
    { "42 characters", "abcdefghijABCDEFGHIJ0123456789-_abcdefghij",  0 },
    { "44 characters", "abcdefghijABCDEFGHIJ0123456789-_abcdefghijkl", 0 },
    { "plus sign",     "abcdefghijABCDEFGHIJ0123456789+_abcdefghijk", 0 },
    { "slash",         "abcdefghijABCDEFGHIJ0123456789-/abcdefghijk", 0 },
    { "padding",       "abcdefghijABCDEFGHIJ0123456789-_abcdefghij=", 0 },
    { "space",         "abcdefghijABCDEFGHIJ0123456789-_abcdefghij ", 0 },
    { "utf-8",         "abcdefghijABCDEFGHIJ0123456789-_abcdefghi\xc3\xab", 0 },
    { "empty",         "",                                            0 },
};

START_TEST(session_id_valid_table)
{
    const id_case *c = &id_cases[_i];

    ck_assert_msg(xn_session_id_valid(c->id) == c->valid,
                  "%s: expected %d", c->label, c->valid);
}
END_TEST

START_TEST(session_id_valid_null)
{
    ck_assert_int_eq(xn_session_id_valid(NULL), 0);
}
END_TEST

/* The store key is SHA-256 of the id text (FIPS 180-2 test vector "abc"). */
START_TEST(session_key_is_sha256)
{
    static const char expected[] =
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    unsigned char key[XN_SESSION_KEY_BYTES];

    xn_session_key(key, "abc");
    ck_assert_str_eq(xn_hex(test_pool, key, sizeof(key)), expected);
}
END_TEST

Suite *session_suite(void)
{
    Suite *s = suite_create("session");
    TCase *tc = tcase_create("session");

    unit_add_pool_fixture(tc);
    tcase_add_test(tc, session_round_trip);
    tcase_add_test(tc, session_round_trip_no_roles);
    tcase_add_loop_test(tc, session_encode_rejects, 0,
                        XN_COUNT(encode_rejects));
    tcase_add_loop_test(tc, session_decode_table, 0, XN_COUNT(decode_cases));
    tcase_add_test(tc, session_decode_not_terminated);
    tcase_add_test(tc, session_id_create);
    tcase_add_loop_test(tc, session_id_valid_table, 0, XN_COUNT(id_cases));
    tcase_add_test(tc, session_id_valid_null);
    tcase_add_test(tc, session_key_is_sha256);
    suite_add_tcase(s, tc);
    return s;
}
