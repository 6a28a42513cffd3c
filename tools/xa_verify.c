/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* verify and prune: the commands that need the chain key. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <apr_strings.h>

#include "xa_verify.h"
#include "xn_chain.h"

int xa_read_key(xn_chain_key *key, apr_pool_t *p, const char *path)
{
    FILE *in = fopen(path, "rb");
    char buf[XN_CHAIN_KEY_MAX + 64];
    size_t len;
    const char *err = NULL;
    struct stat st;

    if (!in) {
        fprintf(stderr, "extranet-audit: cannot open the key file %s: %s\n",
                path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(in), &st) == 0 && (st.st_mode & 077)) {
        fprintf(stderr, "extranet-audit: warning: the key file %s is "
                "accessible to other users (chmod 600)\n", path);
    }
    len = fread(buf, 1, sizeof(buf), in);
    fclose(in);
    if (xn_chain_key_set(key, p, buf, len, &err) != APR_SUCCESS) {
        fprintf(stderr, "extranet-audit: %s: %s\n", path, err);
        memset(buf, 0, sizeof(buf));
        return -1;
    }
    memset(buf, 0, sizeof(buf));
    return 0;
}

typedef struct checkpoint {
    apr_uint64_t seq;
    char chain[XN_CHAIN_HEX + 1];
} checkpoint;

static apr_array_header_t *read_checkpoints(apr_pool_t *p, const char *path)
{
    apr_array_header_t *list = apr_array_make(p, 64, sizeof(checkpoint));
    FILE *in = fopen(path, "rb");
    char *line = NULL;
    size_t cap = 0;

    if (!in) {
        fprintf(stderr, "extranet-audit: cannot open %s: %s\n", path,
                strerror(errno));
        return NULL;
    }
    while (getline(&line, &cap, in) > 0) {
        checkpoint cp;

        if (xn_chain_checkpoint_parse(line, &cp.seq, cp.chain)
            == APR_SUCCESS) {
            APR_ARRAY_PUSH(list, checkpoint) = cp;
        }
    }
    free(line);
    fclose(in);
    return list;
}

typedef struct verify_run {
    long records;
    long bad;
    long anchors;
    int truncated;
    int unchecked;
} verify_run;

static void report_line(const char *file, long lineno, const char *kind,
                        const char *why)
{
    printf("%s:%ld: %s: %s\n", file, lineno, kind, why);
}

static int verify_file(xn_chain_verifier *v, const char *file,
                       verify_run *run, int quiet)
{
    FILE *in = strcmp(file, "-") ? fopen(file, "rb") : stdin;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;

    if (!in) {
        fprintf(stderr, "extranet-audit: cannot open %s: %s\n", file,
                strerror(errno));
        return -1;
    }
    while ((n = getline(&line, &cap, in)) > 0) {
        int complete = line[n - 1] == '\n';
        const char *why = NULL;
        xn_chain_result r;

        lineno++;
        r = xn_chain_verify_line(v, line, (apr_size_t)n - complete, complete,
                                 &why);
        if (r == XN_CHAIN_BAD) {
            run->bad++;
            if (run->bad == 1 || !quiet) {
                report_line(file, lineno, run->bad == 1 ? "FIRST BAD RECORD"
                                                        : "bad record", why);
            }
        }
        else if (r == XN_CHAIN_TRUNCATED) {
            run->truncated = 1;
            report_line(file, lineno, "TRUNCATED", why);
        }
        else if (r == XN_CHAIN_UNCHECKED) {
            run->unchecked = 1;
            report_line(file, lineno, "note", why);
        }
        else if (strstr(line, "\"prev_chain\":\"")) {
            run->anchors++;
        }
        else {
            run->records++;
        }
    }
    free(line);
    if (in != stdin) {
        fclose(in);
    }
    return 0;
}

/* Compares the checkpoints with the verified log. Returns the number of
 * problems found. */
static long check_checkpoints(xn_chain_verifier *v,
                              const apr_array_header_t *cps)
{
    const xn_chain_state *end = xn_chain_verifier_state(v);
    long problems = 0;
    long matched = 0;
    int i;

    for (i = 0; i < cps->nelts; i++) {
        const checkpoint *cp = &APR_ARRAY_IDX(cps, i, checkpoint);
        const char *seen = xn_chain_verifier_seen(v, cp->seq);

        if (cp->seq > end->seq) {
            printf("checkpoint: TAIL TRUNCATED: a checkpoint names seq %"
                   APR_UINT64_T_FMT " but the log ends at seq %"
                   APR_UINT64_T_FMT "\n", cp->seq, end->seq);
            problems++;
        }
        else if (seen && strcmp(seen, cp->chain) != 0) {
            printf("checkpoint: MISMATCH: record seq %" APR_UINT64_T_FMT
                   " has another chain value than its checkpoint\n", cp->seq);
            problems++;
        }
        else if (seen) {
            matched++;
        }
    }
    printf("checkpoints: %d read, %ld matched\n", cps->nelts, matched);
    return problems;
}

int xa_verify(apr_pool_t *p, const xn_chain_key *keys, int nkeys,
              const char *checkpoints, const char *const *files, int nfiles,
              int quiet)
{
    xn_chain_verifier *v = xn_chain_verifier_create(p, keys, nkeys);
    apr_array_header_t *cps = NULL;
    verify_run run;
    long problems = 0;
    int i;

    memset(&run, 0, sizeof(run));
    if (checkpoints) {
        cps = read_checkpoints(p, checkpoints);
        if (!cps) {
            return 2;
        }
        for (i = 0; i < cps->nelts; i++) {
            xn_chain_verifier_watch(v, APR_ARRAY_IDX(cps, i, checkpoint).seq);
        }
    }
    for (i = 0; i < nfiles; i++) {
        if (verify_file(v, files[i], &run, quiet) != 0) {
            return 2;
        }
    }
    if (cps) {
        problems = check_checkpoints(v, cps);
    }
    printf("%s: %ld records verified, %ld anchors, last seq %"
           APR_UINT64_T_FMT ", %ld bad%s\n",
           run.bad || run.truncated || problems ? "FAILED" : "OK",
           run.records, run.anchors, xn_chain_verifier_state(v)->seq,
           run.bad, run.truncated ? ", last line truncated" : "");
    return run.bad || run.truncated || problems ? 1 : 0;
}

/* Writes the prune anchor and the records from the first one at or after
 * BEFORE to OUT. */
int xa_prune(apr_pool_t *p, const xn_chain_key *key, apr_time_t before,
             const char *file, const char *output)
{
    FILE *in = fopen(file, "rb");
    FILE *out = NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    xn_chain_state last;
    long removed = 0;
    int copying = 0;
    const char *tmp = apr_pstrcat(p, output, ".tmp", NULL);

    xn_chain_state_init(&last);
    if (!in) {
        fprintf(stderr, "extranet-audit: cannot open %s: %s\n", file,
                strerror(errno));
        return 2;
    }
    out = fopen(tmp, "wb");
    if (!out) {
        fprintf(stderr, "extranet-audit: cannot create %s: %s\n", tmp,
                strerror(errno));
        fclose(in);
        return 2;
    }
    fchmod(fileno(out), 0640);
    while ((n = getline(&line, &cap, in)) > 0) {
        xn_chain_fields f;
        xa_record rec;
        apr_pool_t *rp;

        if (!copying) {
            apr_pool_create(&rp, p);
            if (line[n - 1] == '\n'
                && xn_chain_parse(&f, line, (apr_size_t)n - 1) == APR_SUCCESS
                && xa_record_parse(&rec, rp, line, (apr_size_t)n - 1) == 0
                && rec.when < before) {
                last.seq = f.seq;
                memcpy(last.chain, f.anchor ? f.prev_chain : f.chain,
                       sizeof(last.chain));
                removed++;
                apr_pool_destroy(rp);
                continue;
            }
            apr_pool_destroy(rp);
            copying = 1;
            if (removed > 0) {
                xa_write_prune_anchor(p, key, &last, removed, out);
            }
        }
        fwrite(line, 1, (size_t)n, out);
    }
    if (!copying && removed > 0) {
        xa_write_prune_anchor(p, key, &last, removed, out);
    }
    free(line);
    fclose(in);
    if (fclose(out) != 0 || rename(tmp, output) != 0) {
        fprintf(stderr, "extranet-audit: cannot write %s: %s\n", output,
                strerror(errno));
        return 2;
    }
    fprintf(stderr, "extranet-audit: %ld records removed, %s starts at seq %"
            APR_UINT64_T_FMT "\n", removed, output, last.seq + 1);
    return 0;
}

void xa_write_prune_anchor(apr_pool_t *p, const xn_chain_key *key,
                           const xn_chain_state *state, long removed,
                           FILE *out)
{
    xn_audit_record rec;
    apr_size_t len = 0;
    const char *line;

    memset(&rec, 0, sizeof(rec));
    rec.time = apr_time_now();
    rec.event = XN_EVENT_PRUNE;
    rec.status = -1;
    rec.bytes = -1;
    rec.detail = apr_psprintf(p, "%ld records removed", removed);
    line = xn_audit_format(p, &rec, &len);
    line = xn_chain_seal_anchor(p, key, state, line, len, &len);
    fwrite(line, 1, len, out);
}
