/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include "unit.h"
#include "xn_adstate.h"

typedef struct bind_case {
    const char *label;
    const char *message;
    xn_adstate_e expected;
} bind_case;

#define AD_MESSAGE(code) "80090308: LdapErr: DSID-0C09030B, comment: " \
                         "AcceptSecurityContext error, data " code ", v893"

static const bind_case bind_cases[] = {
    { "52e bad password",      AD_MESSAGE("52e"), XN_ADSTATE_BAD_PASSWORD },
    { "525 no such user",      AD_MESSAGE("525"), XN_ADSTATE_NO_SUCH_USER },
    { "530 logon hours",       AD_MESSAGE("530"), XN_ADSTATE_LOGON_HOURS },
    { "531 workstation",       AD_MESSAGE("531"), XN_ADSTATE_WORKSTATION },
    { "532 password expired",  AD_MESSAGE("532"), XN_ADSTATE_PASSWORD_EXPIRED },
    { "533 disabled",          AD_MESSAGE("533"), XN_ADSTATE_DISABLED },
    { "701 account expired",   AD_MESSAGE("701"), XN_ADSTATE_ACCOUNT_EXPIRED },
    { "773 must change",       AD_MESSAGE("773"), XN_ADSTATE_MUST_CHANGE },
    { "775 locked",            AD_MESSAGE("775"), XN_ADSTATE_LOCKED },
    { "upper-case hex",        AD_MESSAGE("52E"), XN_ADSTATE_BAD_PASSWORD },
    { "Samba form",            "80090308: LdapErr: DSID-0C0903A9, comment: "
                               "AcceptSecurityContext error, data 533, v1db1",
                               XN_ADSTATE_DISABLED },
    { "unknown code",          AD_MESSAGE("999"), XN_ADSTATE_BAD_PASSWORD },
    { "longer code",           AD_MESSAGE("5330"), XN_ADSTATE_BAD_PASSWORD },
    { "no code",               "Invalid credentials", XN_ADSTATE_BAD_PASSWORD },
    { "empty",                 "", XN_ADSTATE_BAD_PASSWORD },
    { "NULL",                  NULL, XN_ADSTATE_BAD_PASSWORD },
    { "data at end",           "data ", XN_ADSTATE_BAD_PASSWORD },
};

START_TEST(adstate_bind_table)
{
    const bind_case *c = &bind_cases[_i];

    ck_assert_msg(xn_adstate_from_bind_message(c->message) == c->expected,
                  "%s: got %d", c->label,
                  xn_adstate_from_bind_message(c->message));
}
END_TEST

/* 2026-01-01T00:00:00Z as a FILETIME. */
#define NOW APR_INT64_C(134116992000000000)

typedef struct entry_case {
    const char *label;
    const char *uac;
    const char *computed;
    const char *expires;
    const char *pwd_last_set;
    xn_adstate_e expected;
} entry_case;

static const entry_case entry_cases[] = {
    { "normal",              "512", "0", "9223372036854775807",
      "134000000000000000", XN_ADSTATE_OK },
    { "no attributes",       NULL, NULL, NULL, NULL, XN_ADSTATE_OK },
    { "disabled",            "514", "0", "0", "1", XN_ADSTATE_DISABLED },
    { "locked (computed)",   "512", "16", "0", "1", XN_ADSTATE_LOCKED },
    { "expired yesterday",   "512", "0", "134116128000000000", "1",
      XN_ADSTATE_ACCOUNT_EXPIRED },
    { "expires tomorrow",    "512", "0", "134117856000000000", "1",
      XN_ADSTATE_OK },
    { "never expires (0)",   "512", "0", "0", "1", XN_ADSTATE_OK },
    { "must change",         "512", "8388608", "0", "0",
      XN_ADSTATE_MUST_CHANGE },
    { "password expired",    "512", "8388608", "0", "1",
      XN_ADSTATE_PASSWORD_EXPIRED },
    { "disabled wins",       "514", "16", "1", "0", XN_ADSTATE_DISABLED },
    { "malformed values",    "x", "y", "z", "w", XN_ADSTATE_OK },
};

START_TEST(adstate_entry_table)
{
    const entry_case *c = &entry_cases[_i];
    xn_adstate_e got = xn_adstate_from_entry(c->uac, c->computed, c->expires,
                                             c->pwd_last_set, NOW);

    ck_assert_msg(got == c->expected, "%s: got %d, expected %d", c->label,
                  got, c->expected);
}
END_TEST

START_TEST(adstate_filetime_epoch)
{
    ck_assert(xn_adstate_filetime(0) == APR_INT64_C(116444736000000000));
    ck_assert(xn_adstate_filetime(apr_time_from_sec(1767225600)) == NOW);
}
END_TEST

START_TEST(adstate_reasons_distinct)
{
    ck_assert_str_eq(xn_adstate_reason(XN_ADSTATE_DISABLED), "account_disabled");
    ck_assert_str_eq(xn_adstate_reason(XN_ADSTATE_LOCKED), "account_locked");
    ck_assert_str_eq(xn_adstate_reason(XN_ADSTATE_MUST_CHANGE),
                     "password_must_change");
}
END_TEST

Suite *adstate_suite(void)
{
    Suite *s = suite_create("adstate");
    TCase *tc = tcase_create("adstate");

    unit_add_pool_fixture(tc);
    tcase_add_loop_test(tc, adstate_bind_table, 0, XN_COUNT(bind_cases));
    tcase_add_loop_test(tc, adstate_entry_table, 0, XN_COUNT(entry_cases));
    tcase_add_test(tc, adstate_filetime_epoch);
    tcase_add_test(tc, adstate_reasons_distinct);
    suite_add_tcase(s, tc);
    return s;
}
