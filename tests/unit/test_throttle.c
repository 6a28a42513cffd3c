/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include "unit.h"
#include "xn_throttle.h"

static const xn_throttle_policy policy = { 2, 4, 900, 600, 60 };

START_TEST(throttle_fresh_allows)
{
    xn_throttle_state s;
    apr_int64_t wait = -1;

    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(xn_throttle_check(&s, 1000, &wait), XN_THROTTLE_ALLOW);
    ck_assert(wait == 0);
}
END_TEST

START_TEST(throttle_delay_then_block)
{
    xn_throttle_state s;
    apr_int64_t wait = 0;

    memset(&s, 0, sizeof(s));
    xn_throttle_fail(&s, &policy, 1000);
    ck_assert_int_eq(xn_throttle_check(&s, 1000, &wait), XN_THROTTLE_ALLOW);

    xn_throttle_fail(&s, &policy, 1000);
    ck_assert_int_eq(xn_throttle_check(&s, 1000, &wait), XN_THROTTLE_DELAY);
    ck_assert(wait == 1);
    ck_assert_int_eq(xn_throttle_check(&s, 1001, &wait), XN_THROTTLE_ALLOW);

    xn_throttle_fail(&s, &policy, 1001);
    ck_assert_int_eq(xn_throttle_check(&s, 1001, &wait), XN_THROTTLE_DELAY);
    ck_assert(wait == 2);

    xn_throttle_fail(&s, &policy, 1003);
    ck_assert_int_eq(xn_throttle_check(&s, 1003, &wait), XN_THROTTLE_BLOCK);
    ck_assert(wait == 600);
    ck_assert_int_eq(xn_throttle_check(&s, 1602, &wait), XN_THROTTLE_BLOCK);
    ck_assert_int_eq(xn_throttle_check(&s, 1603, &wait), XN_THROTTLE_ALLOW);
}
END_TEST

START_TEST(throttle_block_end_resets)
{
    xn_throttle_state s;
    apr_int64_t wait = 0;
    int i;

    memset(&s, 0, sizeof(s));
    for (i = 0; i < 4; i++) {
        xn_throttle_fail(&s, &policy, 1000);
    }
    ck_assert_int_eq(s.failures, 4);
    xn_throttle_fail(&s, &policy, 1600);
    ck_assert_int_eq(s.failures, 1);
    ck_assert_int_eq(xn_throttle_check(&s, 1600, &wait), XN_THROTTLE_ALLOW);
}
END_TEST

START_TEST(throttle_window_end_resets)
{
    xn_throttle_state s;

    memset(&s, 0, sizeof(s));
    xn_throttle_fail(&s, &policy, 1000);
    xn_throttle_fail(&s, &policy, 1000);
    xn_throttle_fail(&s, &policy, 1900);
    ck_assert_int_eq(s.failures, 1);
    ck_assert(s.window_start == 1900);
}
END_TEST

START_TEST(throttle_delay_capped)
{
    xn_throttle_policy wide = { 1, 100, 900, 600, 60 };
    xn_throttle_state s;
    apr_int64_t wait = 0;
    int i;

    memset(&s, 0, sizeof(s));
    for (i = 0; i < 40; i++) {
        xn_throttle_fail(&s, &wide, 1000);
    }
    ck_assert_int_eq(xn_throttle_check(&s, 1000, &wait), XN_THROTTLE_DELAY);
    ck_assert(wait == 60);
}
END_TEST

START_TEST(throttle_unfail)
{
    xn_throttle_state s;
    apr_int64_t wait = 0;

    memset(&s, 0, sizeof(s));
    xn_throttle_fail(&s, &policy, 1000);
    xn_throttle_fail(&s, &policy, 1000);
    xn_throttle_unfail(&s);
    ck_assert_int_eq(s.failures, 1);
    ck_assert_int_eq(xn_throttle_check(&s, 1000, &wait), XN_THROTTLE_ALLOW);
}
END_TEST

START_TEST(throttle_round_trip)
{
    xn_throttle_state in = { 3, 1000, 1004, 0 };
    xn_throttle_state out;
    const char *text = xn_throttle_encode(test_pool, &in);

    ck_assert_str_eq(text, "t1\t3\t1000\t1004\t0");
    ck_assert_int_eq(xn_throttle_decode(&out, text, strlen(text)),
                     APR_SUCCESS);
    ck_assert_int_eq(out.failures, 3);
    ck_assert(out.window_start == 1000);
    ck_assert(out.next_allowed == 1004);
    ck_assert(out.blocked_until == 0);
}
END_TEST

typedef struct decode_case {
    const char *label;
    const char *data;
    int ok;
} decode_case;

static const decode_case decode_cases[] = {
    { "valid",           "t1\t3\t1000\t1004\t0",    1 },
    { "other version",   "t2\t3\t1000\t1004\t0",    0 },
    { "missing field",   "t1\t3\t1000\t1004",       0 },
    { "extra field",     "t1\t3\t1000\t1004\t0\t1", 0 },
    { "empty field",     "t1\t3\t\t1004\t0",        0 },
    { "sign",            "t1\t-3\t1000\t1004\t0",   0 },
    { "trailing tab",    "t1\t3\t1000\t1004\t0\t",  0 },
    { "huge count",      "t1\t99999999\t1\t1\t0",   0 },
    { "empty",           "",                        0 },
};

START_TEST(throttle_decode_table)
{
    const decode_case *c = &decode_cases[_i];
    xn_throttle_state s;

    ck_assert_msg((xn_throttle_decode(&s, c->data, strlen(c->data))
                   == APR_SUCCESS) == c->ok, "%s: expected %d", c->label,
                  c->ok);
}
END_TEST

Suite *throttle_suite(void)
{
    Suite *s = suite_create("throttle");
    TCase *tc = tcase_create("core");

    unit_add_pool_fixture(tc);
    tcase_add_test(tc, throttle_fresh_allows);
    tcase_add_test(tc, throttle_delay_then_block);
    tcase_add_test(tc, throttle_block_end_resets);
    tcase_add_test(tc, throttle_window_end_resets);
    tcase_add_test(tc, throttle_delay_capped);
    tcase_add_test(tc, throttle_unfail);
    tcase_add_test(tc, throttle_round_trip);
    tcase_add_loop_test(tc, throttle_decode_table, 0, XN_COUNT(decode_cases));
    suite_add_tcase(s, tc);
    return s;
}
