/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#ifndef XA_VERIFY_H
#define XA_VERIFY_H

#include "xa_record.h"
#include "xn_chain.h"

/* Reads the key file PATH into KEY; prints why on failure and returns -1. */
int xa_read_key(xn_chain_key *key, apr_pool_t *p, const char *path);

/* Verifies FILES in order with KEYS, and with the checkpoint file
 * CHECKPOINTS when not NULL. Prints the first bad record (every bad record
 * unless QUIET) and a summary. Returns 0 when all is well, 1 when the log
 * failed verification, 2 on a usage or read error. */
int xa_verify(apr_pool_t *p, const xn_chain_key *keys, int nkeys,
              const char *checkpoints, const char *const *files, int nfiles,
              int quiet);

/* Writes to OUTPUT the records of FILE from the first one at or after
 * BEFORE, preceded by a prune anchor that KEY signs, so the result still
 * verifies. Returns 0, or 2 on error. */
int xa_prune(apr_pool_t *p, const xn_chain_key *key, apr_time_t before,
             const char *file, const char *output);

void xa_write_prune_anchor(apr_pool_t *p, const xn_chain_key *key,
                           const xn_chain_state *state, long removed,
                           FILE *out);

#endif
