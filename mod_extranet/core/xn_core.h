/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* Core library of mod_extranet: APR-only logic that the module, the unit tests
 * and the command-line tools link. Nothing here includes an httpd header or
 * keeps global state, so every function may run on any thread. */

#ifndef XN_CORE_H
#define XN_CORE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#define XN_VERSION "0.1.0"

/* Role sets are bit masks over the role indexes of one xn_rolemap. */
typedef apr_uint64_t xn_roleset_t;
#define XN_ROLES_MAX 64

#endif
