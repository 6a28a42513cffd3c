/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "unit.h"
#include "xn_chain.h"

#define KEY_A "0123456789abcdef0123456789abcdef-key-a"
#define KEY_B "fedcba9876543210fedcba9876543210-key-b"
#define LINES 6

static xn_chain_key key_a;
static xn_chain_key key_b;

static void set_keys(void)
{
    const char *err = NULL;

    ck_assert_int_eq(xn_chain_key_set(&key_a, test_pool, KEY_A, strlen(KEY_A), &err),
                     APR_SUCCESS);
    ck_assert_int_eq(xn_chain_key_set(&key_b, test_pool, KEY_B, strlen(KEY_B), &err),
                     APR_SUCCESS);
}

static const char *record_line(apr_pool_t *p, const char *event,
                               const char *path, apr_size_t *len)
{
    xn_audit_record rec;

    memset(&rec, 0, sizeof(rec));
    rec.time = apr_time_from_sec(1796411703);
    rec.event = event;
    rec.user = "raadslid";
    rec.path = path;
    rec.status = 200;
    rec.bytes = 10;
    return xn_audit_format(p, &rec, len);
}

/* Builds a log: an anchor, then LINES - 1 access records, sealed with KEY.
 * Each element of OUT is one line without its newline. */
static void build_log(const xn_chain_key *key, char **out)
{
    xn_chain_state state;
    apr_size_t len = 0;
    const char *line;
    char *sealed;
    int i;

    xn_chain_state_init(&state);
    line = record_line(test_pool, XN_EVENT_CHAIN_START, NULL, &len);
    sealed = xn_chain_seal_anchor(test_pool, key, &state, line, len, &len);
    out[0] = apr_pstrmemdup(test_pool, sealed, len - 1);
    for (i = 1; i < LINES; i++) {
        line = record_line(test_pool, XN_EVENT_ACCESS,
                           apr_psprintf(test_pool, "/raad/%d.pdf", i), &len);
        sealed = xn_chain_seal(test_pool, key, &state, line, len, &len);
        ck_assert_int_eq(sealed[len - 1], '\n');
        out[i] = apr_pstrmemdup(test_pool, sealed, len - 1);
    }
}

/* Verifies the N lines of LINES; returns the 1-based number of the first
 * line that is not OK (0 when all are) and its result in *RESULT. */
static int first_problem(char **lines, int n, int last_complete,
                         xn_chain_result *result, const char **why)
{
    xn_chain_verifier *v = xn_chain_verifier_create(test_pool, &key_a, 1);
    int i;

    for (i = 0; i < n; i++) {
        int complete = i < n - 1 || last_complete;

        *result = xn_chain_verify_line(v, lines[i], strlen(lines[i]),
                                       complete, why);
        if (*result != XN_CHAIN_OK) {
            return i + 1;
        }
    }
    return 0;
}

START_TEST(chain_intact_log_verifies)
{
    char *lines[LINES];
    xn_chain_result result = XN_CHAIN_OK;
    const char *why = NULL;

    set_keys();
    build_log(&key_a, lines);
    ck_assert_int_eq(first_problem(lines, LINES, 1, &result, &why), 0);
    ck_assert_ptr_nonnull(strstr(lines[1], ",\"seq\":1,\"chain\":\""));
    ck_assert_ptr_nonnull(strstr(lines[0], ",\"prev_seq\":0,\"prev_chain\":\"000"));
}
END_TEST

START_TEST(chain_changed_byte)
{
    char *lines[LINES];
    xn_chain_result result = XN_CHAIN_OK;
    const char *why = NULL;

    set_keys();
    build_log(&key_a, lines);
    *strstr(lines[3], "/raad/3") = 'X';
    ck_assert_int_eq(first_problem(lines, LINES, 1, &result, &why), 4);
    ck_assert_int_eq(result, XN_CHAIN_BAD);
    ck_assert_ptr_nonnull(strstr(why, "chain value mismatch"));
}
END_TEST

START_TEST(chain_deleted_line)
{
    char *lines[LINES];
    xn_chain_result result = XN_CHAIN_OK;
    const char *why = NULL;

    set_keys();
    build_log(&key_a, lines);
    memmove(&lines[2], &lines[3], sizeof(char *) * (LINES - 3));
    ck_assert_int_eq(first_problem(lines, LINES - 1, 1, &result, &why), 3);
    ck_assert_ptr_nonnull(strstr(why, "seq 3 where 2 was expected"));
}
END_TEST

START_TEST(chain_swapped_lines)
{
    char *lines[LINES];
    char *tmp;
    xn_chain_result result = XN_CHAIN_OK;
    const char *why = NULL;

    set_keys();
    build_log(&key_a, lines);
    tmp = lines[2];
    lines[2] = lines[3];
    lines[3] = tmp;
    ck_assert_int_eq(first_problem(lines, LINES, 1, &result, &why), 3);
    ck_assert_int_eq(result, XN_CHAIN_BAD);
}
END_TEST

START_TEST(chain_forged_append)
{
    char *lines[LINES + 1];
    xn_chain_result result = XN_CHAIN_OK;
    const char *why = NULL;
    xn_chain_state state;
    apr_size_t len = 0;
    const char *line;

    set_keys();
    build_log(&key_a, lines);
    /* A forger who has the last chain value but not the key. */
    xn_chain_state_init(&state);
    state.seq = LINES - 1;
    line = record_line(test_pool, XN_EVENT_ACCESS, "/forged.pdf", &len);
    line = xn_chain_seal(test_pool, &key_b, &state, line, len, &len);
    lines[LINES] = apr_pstrmemdup(test_pool, line, len - 1);
    ck_assert_int_eq(first_problem(lines, LINES + 1, 1, &result, &why),
                     LINES + 1);
    ck_assert_int_eq(result, XN_CHAIN_BAD);
}
END_TEST

START_TEST(chain_truncated_last_line)
{
    char *lines[LINES];
    xn_chain_result result = XN_CHAIN_OK;
    const char *why = NULL;

    set_keys();
    build_log(&key_a, lines);
    lines[LINES - 1][30] = '\0';
    ck_assert_int_eq(first_problem(lines, LINES, 0, &result, &why), LINES);
    ck_assert_int_eq(result, XN_CHAIN_TRUNCATED);
}
END_TEST

START_TEST(chain_inserted_junk_line)
{
    char *lines[LINES + 1];
    xn_chain_result result = XN_CHAIN_OK;
    const char *why = NULL;

    set_keys();
    build_log(&key_a, lines);
    memmove(&lines[3], &lines[2], sizeof(char *) * (LINES - 2));
    lines[2] = "{\"time\":\"x\",\"event\":\"access\"}";
    ck_assert_int_eq(first_problem(lines, LINES + 1, 1, &result, &why), 3);
    ck_assert_ptr_nonnull(strstr(why, "no valid seq and chain"));
}
END_TEST

START_TEST(chain_anchor_with_unknown_key)
{
    char *lines[LINES];
    xn_chain_result result = XN_CHAIN_OK;
    const char *why = NULL;

    set_keys();
    build_log(&key_b, lines);
    ck_assert_int_eq(first_problem(lines, LINES, 1, &result, &why), 1);
    ck_assert_ptr_nonnull(strstr(why, "not among the keys given"));
}
END_TEST

START_TEST(chain_key_change_anchor)
{
    char *first[LINES];
    char *second[LINES];
    xn_chain_key keys[2];
    xn_chain_verifier *v;
    xn_chain_fields f;
    xn_chain_state state;
    const char *why = NULL;
    apr_size_t len = 0;
    const char *line;
    int i;

    set_keys();
    build_log(&key_a, first);
    ck_assert_int_eq(xn_chain_parse(&f, first[LINES - 1],
                                    strlen(first[LINES - 1])), APR_SUCCESS);
    state.seq = f.seq;
    memcpy(state.chain, f.chain, sizeof(state.chain));
    line = record_line(test_pool, XN_EVENT_CHAIN_START, NULL, &len);
    line = xn_chain_seal_anchor(test_pool, &key_b, &state, line, len, &len);
    second[0] = apr_pstrmemdup(test_pool, line, len - 1);
    line = record_line(test_pool, XN_EVENT_ACCESS, "/raad/x.pdf", &len);
    line = xn_chain_seal(test_pool, &key_b, &state, line, len, &len);
    second[1] = apr_pstrmemdup(test_pool, line, len - 1);

    keys[0] = key_a;
    keys[1] = key_b;
    v = xn_chain_verifier_create(test_pool, keys, 2);
    for (i = 0; i < LINES; i++) {
        ck_assert_int_eq(xn_chain_verify_line(v, first[i], strlen(first[i]),
                                              1, &why), XN_CHAIN_OK);
    }
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(xn_chain_verify_line(v, second[i], strlen(second[i]),
                                              1, &why), XN_CHAIN_OK);
    }
    ck_assert_uint_eq(xn_chain_verifier_state(v)->seq, LINES);
}
END_TEST

START_TEST(chain_key_rules)
{
    xn_chain_key key;
    const char *err = NULL;

    ck_assert_int_ne(xn_chain_key_set(&key, test_pool, "short\n", 6, &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(err, "shorter than 32"));
    ck_assert_int_eq(xn_chain_key_set(&key, test_pool, KEY_A "\n\n", strlen(KEY_A) + 2,
                                      &err), APR_SUCCESS);
    ck_assert_uint_eq(key.len, strlen(KEY_A));
    ck_assert_uint_eq(strlen(key.id), XN_CHAIN_KEY_ID_LEN);
}
END_TEST

START_TEST(chain_forgotten_key_keeps_its_id)
{
    xn_chain_key key;
    const char *err = NULL;
    char id[XN_CHAIN_KEY_ID_LEN + 1];

    ck_assert_int_eq(xn_chain_key_set(&key, test_pool, KEY_A, strlen(KEY_A), &err),
                     APR_SUCCESS);
    memcpy(id, key.id, sizeof(id));
    xn_chain_key_forget(&key);
    ck_assert_ptr_null(key.inner);
    ck_assert_ptr_null(key.outer);
    ck_assert_str_eq(key.id, id);
    /* A second call, as for two logs that share one key, does nothing. */
    xn_chain_key_forget(&key);
}
END_TEST

START_TEST(chain_checkpoint_round_trip)
{
    xn_chain_state state;
    apr_size_t len = 0;
    char chain[XN_CHAIN_HEX + 1];
    apr_uint64_t seq = 0;
    char *line;

    xn_chain_state_init(&state);
    state.seq = 42;
    memset(state.chain, 'a', XN_CHAIN_HEX);
    line = xn_chain_checkpoint(test_pool, apr_time_from_sec(1796411703),
                               "/var/log/audit.log", &state, &len);
    line = apr_pstrcat(test_pool, "Dec  4 20:00:00 host httpd: ", line, NULL);
    ck_assert_int_eq(xn_chain_checkpoint_parse(line, &seq, chain),
                     APR_SUCCESS);
    ck_assert_uint_eq(seq, 42);
    ck_assert_str_eq(chain, state.chain);
    ck_assert_int_eq(xn_chain_checkpoint_parse("{\"time\":\"x\",\"event\":"
                                               "\"access\"}", &seq, chain),
                     APR_ENOENT);
}
END_TEST

START_TEST(chain_worst_record_fits)
{
    xn_audit_record rec;
    xn_chain_state state;
    apr_size_t len = 0;
    const char *line;
    char worst[2001];

    set_keys();
    memset(worst, 1, sizeof(worst) - 1);
    worst[sizeof(worst) - 1] = '\0';
    memset(&rec, 0, sizeof(rec));
    rec.event = rec.user = rec.roles = rec.client = rec.method = worst;
    rec.path = rec.query = rec.rule = rec.reason = rec.detail = worst;
    rec.request_id = rec.host = worst;
    rec.status = 200;
    rec.bytes = 1;
    line = xn_audit_format(test_pool, &rec, &len);
    xn_chain_state_init(&state);
    state.seq = APR_UINT64_C(18446744073709551614);
    line = xn_chain_seal_anchor(test_pool, &key_a, &state, line, len, &len);
    ck_assert_uint_lt(len, XN_AUDIT_LINE_MAX);
}
END_TEST

/* The chain value equals HMAC-SHA-256 from xn_hmac_sha256 over 64 '0's
 * and the line up to the seq field, for a short key and for a key longer
 * than the SHA-256 block, which HMAC hashes first. */
START_TEST(chain_matches_reference_hmac)
{
    static const char *const secrets[] = {
        KEY_A,
        KEY_A KEY_B KEY_A,
    };
    const char *secret = secrets[_i];
    xn_chain_key key;
    xn_chain_state state;
    xn_chain_fields f;
    unsigned char mac[XN_HMAC_BYTES];
    const char *err = NULL;
    apr_size_t len = 0;
    const char *line;
    char *data;

    ck_assert_int_eq(xn_chain_key_set(&key, test_pool, secret, strlen(secret),
                                      &err), APR_SUCCESS);
    xn_chain_state_init(&state);
    line = record_line(test_pool, XN_EVENT_ACCESS, "/raad/agenda.pdf", &len);
    line = xn_chain_seal(test_pool, &key, &state, line, len, &len);
    ck_assert_int_eq(xn_chain_parse(&f, line, len - 1), APR_SUCCESS);
    data = apr_pstrcat(test_pool,
        "0000000000000000000000000000000000000000000000000000000000000000",
        apr_pstrmemdup(test_pool, line, f.body_len), NULL);
    xn_hmac_sha256(mac, (const unsigned char *)secret, strlen(secret), data,
                   strlen(data));
    ck_assert_str_eq(f.chain, xn_hex(test_pool, mac, sizeof(mac)));
}
END_TEST

Suite *chain_suite(void)
{
    Suite *s = suite_create("chain");
    TCase *tc = tcase_create("chain");

    unit_add_pool_fixture(tc);
    tcase_add_test(tc, chain_intact_log_verifies);
    tcase_add_test(tc, chain_forgotten_key_keeps_its_id);
    tcase_add_test(tc, chain_changed_byte);
    tcase_add_test(tc, chain_deleted_line);
    tcase_add_test(tc, chain_swapped_lines);
    tcase_add_test(tc, chain_forged_append);
    tcase_add_test(tc, chain_truncated_last_line);
    tcase_add_test(tc, chain_inserted_junk_line);
    tcase_add_test(tc, chain_anchor_with_unknown_key);
    tcase_add_test(tc, chain_key_change_anchor);
    tcase_add_test(tc, chain_key_rules);
    tcase_add_test(tc, chain_checkpoint_round_trip);
    tcase_add_test(tc, chain_worst_record_fits);
    tcase_add_loop_test(tc, chain_matches_reference_hmac, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
