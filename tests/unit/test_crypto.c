/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include "unit.h"
#include "xn_crypto.h"

typedef struct base64_case {
    const char *label;
    const char *data;
    apr_size_t len;
    const char *expected;
} base64_case;

#define L(s) s, sizeof(s) - 1

/* RFC 4648, section 10, plus bytes that use the URL-safe characters. */
static const base64_case base64_cases[] = {
    { "empty",        L(""),         "" },
    { "one byte",     L("f"),        "Zg" },
    { "two bytes",    L("fo"),       "Zm8" },
    { "three bytes",  L("foo"),      "Zm9v" },
    { "four bytes",   L("foob"),     "Zm9vYg" },
    { "five bytes",   L("fooba"),    "Zm9vYmE" },
    { "six bytes",    L("foobar"),   "Zm9vYmFy" },
    { "url alphabet", L("\xfb\xff"), "-_8" },
    { "NUL bytes",    L("\0\0\0"),   "AAAA" },
};

START_TEST(crypto_base64url_table)
{
    const base64_case *c = &base64_cases[_i];
    const char *out = xn_base64url(test_pool, (const unsigned char *)c->data,
                                   c->len);

    ck_assert_msg(strcmp(out, c->expected) == 0, "%s: got \"%s\", expected "
                  "\"%s\"", c->label, out, c->expected);
}
END_TEST

START_TEST(crypto_hex)
{
    static const unsigned char data[] = { 0x00, 0x0f, 0xa5, 0xff };

    ck_assert_str_eq(xn_hex(test_pool, data, sizeof(data)), "000fa5ff");
    ck_assert_str_eq(xn_hex(test_pool, data, 0), "");
}
END_TEST

typedef struct digest_case {
    const char *label;
    const char *key;
    apr_size_t key_len;
    const char *data;
    apr_size_t len;
    const char *expected;
} digest_case;

/* HMAC vectors from RFC 4231 (test cases 2 and 7). The empty-key value was
 * computed with Python's hmac module. */
static const digest_case hmac_cases[] = {
    { "RFC 4231 case 2", L("Jefe"), L("what do ya want for nothing?"),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
    { "RFC 4231 case 7",
      L("\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
        "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
        "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
        "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
        "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
        "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
        "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
        "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
        "\xaa\xaa\xaa"),
      L("This is a test using a larger than block-size key and a larger "
        "than block-size data. The key needs to be hashed before being "
        "used by the HMAC algorithm."),
      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
    { "empty key", NULL, 0, L("x"),
      "4cbc96099a6467ce002461f10549b4898265ebe6188b45efacc44293516e62c4" },
};

START_TEST(crypto_hmac_table)
{
    const digest_case *c = &hmac_cases[_i];
    unsigned char out[XN_HMAC_BYTES];
    const char *hex;

    xn_hmac_sha256(out, (const unsigned char *)c->key, c->key_len, c->data,
                   c->len);
    hex = xn_hex(test_pool, out, sizeof(out));
    ck_assert_msg(strcmp(hex, c->expected) == 0, "%s: got %s", c->label,
                  hex);
}
END_TEST

/* The keyed form gives the same values as the one-shot form. */
START_TEST(crypto_hmac_keyed_table)
{
    const digest_case *c = &hmac_cases[_i];
    unsigned char out[XN_HMAC_BYTES];
    xn_hmac_key *key = NULL;
    const char *hex;

    if (c->key_len == 0) {
        return;
    }
    ck_assert_int_eq(xn_hmac_key_create(&key, test_pool,
                                        (const unsigned char *)c->key,
                                        c->key_len), APR_SUCCESS);
    ck_assert_int_eq(xn_hmac_sha256_keyed(out, key, c->data, c->len),
                     APR_SUCCESS);
    hex = xn_hex(test_pool, out, sizeof(out));
    ck_assert_msg(strcmp(hex, c->expected) == 0, "%s: got %s", c->label,
                  hex);
}
END_TEST

/* The digest looked up once gives the same value as the default lookup. */
START_TEST(crypto_sha256_after_init)
{
    unsigned char out[32];

    ck_assert_int_eq(xn_crypto_init(), APR_SUCCESS);
    xn_sha256(out, "abc", 3);
    ck_assert_str_eq(xn_hex(test_pool, out, sizeof(out)),
                     "ba7816bf8f01cfea414140de5dae2223"
                     "b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(crypto_sha256)
{
    unsigned char out[32];

    xn_sha256(out, "abc", 3);
    ck_assert_str_eq(xn_hex(test_pool, out, sizeof(out)),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    xn_sha256(out, "", 0);
    ck_assert_str_eq(xn_hex(test_pool, out, sizeof(out)),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

typedef struct equal_case {
    const char *label;
    const char *a;
    const char *b;
    apr_size_t len;
    int equal;
} equal_case;

static const equal_case equal_cases[] = {
    { "equal",           "abcdef", "abcdef", 6, 1 },
    { "first differs",   "xbcdef", "abcdef", 6, 0 },
    { "last differs",    "abcdex", "abcdef", 6, 0 },
    { "prefix only",     "abcxxx", "abcdef", 3, 1 },
    { "zero length",     "a",      "b",      0, 1 },
    { "NUL bytes",       "a\0b",   "a\0c",   3, 0 },
};

START_TEST(crypto_secure_equal_table)
{
    const equal_case *c = &equal_cases[_i];

    ck_assert_msg(xn_secure_equal(c->a, c->b, c->len) == c->equal,
                  "%s: expected %d", c->label, c->equal);
}
END_TEST

START_TEST(crypto_random_bytes)
{
    unsigned char a[32], b[32];

    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    ck_assert_int_eq(xn_random_bytes(a, sizeof(a)), APR_SUCCESS);
    ck_assert_int_eq(xn_random_bytes(b, sizeof(b)), APR_SUCCESS);
    ck_assert(memcmp(a, b, sizeof(a)) != 0);
    ck_assert_int_eq(xn_random_bytes(a, 0), APR_SUCCESS);
}
END_TEST

Suite *crypto_suite(void)
{
    Suite *s = suite_create("crypto");
    TCase *tc = tcase_create("crypto");

    unit_add_pool_fixture(tc);
    tcase_add_loop_test(tc, crypto_base64url_table, 0,
                        XN_COUNT(base64_cases));
    tcase_add_test(tc, crypto_hex);
    tcase_add_loop_test(tc, crypto_hmac_table, 0, XN_COUNT(hmac_cases));
    tcase_add_loop_test(tc, crypto_hmac_keyed_table, 0,
                        XN_COUNT(hmac_cases));
    tcase_add_test(tc, crypto_sha256);
    tcase_add_test(tc, crypto_sha256_after_init);
    tcase_add_loop_test(tc, crypto_secure_equal_table, 0,
                        XN_COUNT(equal_cases));
    tcase_add_test(tc, crypto_random_bytes);
    suite_add_tcase(s, tc);
    return s;
}
