/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <stdlib.h>

#include <apr_general.h>

#include "unit.h"

apr_pool_t *test_pool;

static void pool_setup(void)
{
    ck_assert_int_eq(apr_pool_create(&test_pool, NULL), APR_SUCCESS);
}

static void pool_teardown(void)
{
    apr_pool_destroy(test_pool);
    test_pool = NULL;
}

void unit_add_pool_fixture(TCase *tc)
{
    tcase_add_checked_fixture(tc, pool_setup, pool_teardown);
}

int main(void)
{
    SRunner *runner;
    int failed;

    if (apr_initialize() != APR_SUCCESS) {
        return EXIT_FAILURE;
    }

    runner = srunner_create(path_suite());
    srunner_add_suite(runner, rules_suite());
    srunner_add_suite(runner, roles_suite());
    srunner_add_suite(runner, escape_suite());
    srunner_add_suite(runner, input_suite());
    srunner_add_suite(runner, audit_suite());
    srunner_add_suite(runner, session_suite());
    srunner_add_suite(runner, crypto_suite());
    srunner_add_suite(runner, adstate_suite());
    srunner_add_suite(runner, throttle_suite());
    srunner_add_suite(runner, templates_suite());
    srunner_add_suite(runner, links_suite());
    srunner_add_suite(runner, chain_suite());

    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    apr_terminate();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
