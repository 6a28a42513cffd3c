/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* Shared declarations of the core library's unit tests. Each test runs in
 * its own process (Check's CK_FORK), with a fresh pool from the fixture. */

#ifndef XN_UNIT_H
#define XN_UNIT_H

#include <check.h>

#include <apr_pools.h>

#define XN_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

extern apr_pool_t *test_pool;

/* Adds the pool fixture to TC. */
void unit_add_pool_fixture(TCase *tc);

Suite *adstate_suite(void);
Suite *audit_suite(void);
Suite *chain_suite(void);
Suite *crypto_suite(void);
Suite *escape_suite(void);
Suite *input_suite(void);
Suite *links_suite(void);
Suite *path_suite(void);
Suite *roles_suite(void);
Suite *rules_suite(void);
Suite *session_suite(void);
Suite *throttle_suite(void);
Suite *templates_suite(void);

#endif
