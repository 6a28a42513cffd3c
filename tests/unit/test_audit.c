/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <apr_strings.h>

#include "unit.h"
#include "xn_audit.h"
#include "xn_escape.h"

/* 2026-12-04T19:15:03.123Z, winter time in Brussels. */
#define WINTER (apr_time_from_sec(1796411703) + 123000)
/* 2026-07-01T12:00:00.000Z, summer time in Brussels. */
#define SUMMER apr_time_from_sec(1782907200)

static void set_zone(const char *zone)
{
    setenv("TZ", zone, 1);
    tzset();
}

static xn_audit_record full_record(void)
{
    xn_audit_record rec;

    memset(&rec, 0, sizeof(rec));
    rec.time = WINTER;
    rec.event = XN_EVENT_ACCESS;
    rec.user = "raadslid";
    rec.roles = "raad";
    rec.client = "127.0.0.1";
    rec.method = "GET";
    rec.path = "/raad/agenda.pdf";
    rec.status = 200;
    rec.bytes = 1234;
    rec.rule = "/raad/";
    rec.reason = NULL;
    rec.request_id = "Z0abc";
    rec.host = "intranet.gemeente.test";
    return rec;
}

/* Asserts that LINE is one line without control characters or invalid
 * UTF-8, ending in "}\n", and shorter than XN_AUDIT_LINE_MAX. */
static void check_line_shape(const char *line, apr_size_t len)
{
    apr_size_t i;

    ck_assert_uint_eq(len, strlen(line));
    ck_assert_uint_lt(len, XN_AUDIT_LINE_MAX);
    ck_assert_msg(len >= 3 && line[0] == '{' && line[len - 2] == '}'
                  && line[len - 1] == '\n', "bad line ends: %s", line);
    for (i = 0; i + 1 < len; i++) {
        unsigned char c = (unsigned char)line[i];
        ck_assert_msg(c >= 0x20 && c != 0x7f, "raw control byte 0x%02x at %u",
                      c, (unsigned)i);
    }
    ck_assert(xn_utf8_valid(line, len));
}

typedef struct zone_case {
    const char *label;
    const char *zone;
    apr_time_t time;
    const char *expected;
} zone_case;

static const zone_case zone_cases[] = {
    { "Brussels winter", "Europe/Brussels", WINTER,
      "\"time\":\"2026-12-04T20:15:03.123+01:00\"" },
    { "Brussels summer", "Europe/Brussels", SUMMER,
      "\"time\":\"2026-07-01T14:00:00.000+02:00\"" },
    { "UTC winter",      "UTC",             WINTER,
      "\"time\":\"2026-12-04T19:15:03.123+00:00\"" },
    { "New York",        "America/New_York", WINTER,
      "\"time\":\"2026-12-04T14:15:03.123-05:00\"" },
    { "Kolkata",         "Asia/Kolkata",    WINTER,
      "\"time\":\"2026-12-05T00:45:03.123+05:30\"" },
};

START_TEST(audit_time_table)
{
    const zone_case *c = &zone_cases[_i];
    xn_audit_record rec = full_record();
    apr_size_t len = 0;
    const char *line;

    set_zone(c->zone);
    rec.time = c->time;
    line = xn_audit_format(test_pool, &rec, &len);
    ck_assert_msg(strncmp(line + 1, c->expected, strlen(c->expected)) == 0,
                  "%s: got %s", c->label, line);
}
END_TEST

START_TEST(audit_full_record)
{
    static const char expected[] =
        "{\"time\":\"2026-12-04T20:15:03.123+01:00\",\"event\":\"access\","
        "\"user\":\"raadslid\",\"roles\":\"raad\",\"client\":\"127.0.0.1\","
        "\"method\":\"GET\",\"path\":\"/raad/agenda.pdf\",\"status\":200,"
        "\"bytes\":1234,\"rule\":\"/raad/\",\"reason\":\"r\","
        "\"request_id\":\"Z0abc\",\"host\":\"intranet.gemeente.test\"}\n";
    xn_audit_record rec = full_record();
    apr_size_t len = 0;
    const char *line;

    set_zone("Europe/Brussels");
    rec.reason = "r";
    line = xn_audit_format(test_pool, &rec, &len);
    ck_assert_str_eq(line, expected);
    ck_assert_uint_eq(len, sizeof(expected) - 1);
    check_line_shape(line, len);
}
END_TEST

START_TEST(audit_fields_left_out)
{
    static const char expected[] =
        "{\"time\":\"2026-12-04T19:15:03.123+00:00\","
        "\"event\":\"login_failed\",\"client\":\"::1\","
        "\"reason\":\"empty_password\"}\n";
    xn_audit_record rec;
    apr_size_t len = 0;

    set_zone("UTC");
    memset(&rec, 0, sizeof(rec));
    rec.time = WINTER;
    rec.event = XN_EVENT_LOGIN_FAILED;
    rec.client = "::1";
    rec.status = -1;
    rec.bytes = -1;
    rec.reason = "empty_password";
    ck_assert_str_eq(xn_audit_format(test_pool, &rec, &len), expected);
}
END_TEST

START_TEST(audit_zero_numbers_kept)
{
    xn_audit_record rec = full_record();
    apr_size_t len = 0;
    const char *line;

    rec.status = 0;
    rec.bytes = 0;
    line = xn_audit_format(test_pool, &rec, &len);
    ck_assert_ptr_nonnull(strstr(line, ",\"status\":0,\"bytes\":0,"));
}
END_TEST

typedef struct escape_case {
    const char *label;
    const char *user;
    const char *expected;            /* the "user" member as written */
} escape_case;

static const escape_case escape_cases[] = {
    { "newline",      "a\nb",         "\"user\":\"a\\nb\"" },
    { "return",       "a\rb",         "\"user\":\"a\\rb\"" },
    { "tab",          "a\tb",         "\"user\":\"a\\tb\"" },
    { "escape code",  "a\x1b[2Jb",    "\"user\":\"a\\u001b[2Jb\"" },
    { "quote",        "a\",\"x\":\"", "\"user\":\"a\\\",\\\"x\\\":\\\"\"" },
    { "backslash",    "a\\",          "\"user\":\"a\\\\\"" },
    { "invalid utf-8", "a\xff",       "\"user\":\"a\\u00ff\"" },
    { "valid utf-8",  "zo\xc3\xab",   "\"user\":\"zo\xc3\xab\"" },
};

START_TEST(audit_escape_table)
{
    const escape_case *c = &escape_cases[_i];
    xn_audit_record rec = full_record();
    apr_size_t len = 0;
    const char *line;

    rec.user = c->user;
    line = xn_audit_format(test_pool, &rec, &len);
    ck_assert_msg(strstr(line, c->expected) != NULL, "%s: got %s", c->label,
                  line);
    ck_assert_ptr_null(strstr(line, "truncated"));
    check_line_shape(line, len);
}
END_TEST

static char *repeat(const char *unit, int count)
{
    apr_size_t n = strlen(unit);
    char *out = apr_palloc(test_pool, n * count + 1);
    int i;

    for (i = 0; i < count; i++) {
        memcpy(out + n * i, unit, n);
    }
    out[n * count] = '\0';
    return out;
}

START_TEST(audit_path_cap)
{
    xn_audit_record rec = full_record();
    apr_size_t len = 0;
    const char *line, *path;

    rec.path = repeat("a", 5000);
    line = xn_audit_format(test_pool, &rec, &len);
    check_line_shape(line, len);
    path = strstr(line, "\"path\":\"");
    ck_assert_ptr_nonnull(path);
    ck_assert_int_eq(strspn(path + 8, "a"), 1024);
    ck_assert_ptr_nonnull(strstr(line, ",\"truncated\":true}\n"));
    ck_assert_ptr_nonnull(strstr(line, "\"host\":"));
}
END_TEST

START_TEST(audit_user_cap_on_character)
{
    xn_audit_record rec = full_record();
    apr_size_t len = 0;
    const char *line, *user;

    rec.user = apr_pstrcat(test_pool, "a", repeat("\xc3\xab", 200),
                           (char *)NULL);
    line = xn_audit_format(test_pool, &rec, &len);
    check_line_shape(line, len);
    user = strstr(line, "\"user\":\"a");
    ck_assert_ptr_nonnull(user);
    ck_assert_ptr_nonnull(strstr(user, apr_pstrcat(test_pool, "a",
                                                   repeat("\xc3\xab", 127),
                                                   "\",", (char *)NULL)));
    ck_assert_ptr_nonnull(strstr(line, ",\"truncated\":true}\n"));
}
END_TEST

/* Every field at its cap and made of bytes that escape to six characters
 * would give a line far over the limit. */
START_TEST(audit_whole_record_cap)
{
    xn_audit_record rec;
    const char *worst = repeat("\x01", 2000);
    apr_size_t len = 0;
    const char *line;

    memset(&rec, 0, sizeof(rec));
    rec.time = WINTER;
    rec.event = rec.user = rec.roles = rec.client = rec.method = worst;
    rec.path = rec.rule = rec.reason = rec.request_id = rec.host = worst;
    rec.query = rec.detail = worst;
    rec.status = 200;
    rec.bytes = 1234;
    line = xn_audit_format(test_pool, &rec, &len);
    check_line_shape(line, len);
    ck_assert_ptr_nonnull(strstr(line, ",\"truncated\":true}\n"));
    ck_assert_ptr_nonnull(strstr(line, "\"\\u0001"));
    ck_assert_ptr_null(strstr(line, "\\u000\""));
}
END_TEST

START_TEST(audit_event_names)
{
    ck_assert_str_eq(XN_EVENT_ACCESS, "access");
    ck_assert_str_eq(XN_EVENT_DENIED, "denied");
    ck_assert_str_eq(XN_EVENT_LOGIN_SUCCESS, "login_success");
    ck_assert_str_eq(XN_EVENT_LOGIN_FAILED, "login_failed");
    ck_assert_str_eq(XN_EVENT_LOGOUT, "logout");
    ck_assert_str_eq(XN_EVENT_UNAVAILABLE, "directory_unavailable");
}
END_TEST

Suite *audit_suite(void)
{
    Suite *s = suite_create("audit");
    TCase *tc = tcase_create("format");

    unit_add_pool_fixture(tc);
    tcase_add_loop_test(tc, audit_time_table, 0, XN_COUNT(zone_cases));
    tcase_add_test(tc, audit_full_record);
    tcase_add_test(tc, audit_fields_left_out);
    tcase_add_test(tc, audit_zero_numbers_kept);
    tcase_add_loop_test(tc, audit_escape_table, 0, XN_COUNT(escape_cases));
    tcase_add_test(tc, audit_path_cap);
    tcase_add_test(tc, audit_user_cap_on_character);
    tcase_add_test(tc, audit_whole_record_cap);
    tcase_add_test(tc, audit_event_names);
    suite_add_tcase(s, tc);
    return s;
}
