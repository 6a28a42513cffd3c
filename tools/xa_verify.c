/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* verify and prune: the commands that need the chain key. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apr_strings.h>

#include "xa_input.h"
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
    xa_input *in = xa_input_open(p, path);
    xa_line line;
    int rc;

    if (!in) {
        return NULL;
    }
    while ((rc = xa_input_read(in, &line)) > 0) {
        checkpoint cp;

        if (!line.too_long
            && xn_chain_checkpoint_parse(line.data, &cp.seq, cp.chain)
               == APR_SUCCESS) {
            APR_ARRAY_PUSH(list, checkpoint) = cp;
        }
    }
    xa_input_close(in);
    return rc < 0 ? NULL : list;
}

typedef struct verify_run {
    long records;
    long bad;
    long anchors;
    int truncated;
    int unchecked;
} verify_run;

static void report_line(FILE *out, const char *file, long lineno,
                        const char *kind, const char *why)
{
    fprintf(out, "%s:%ld: %s: %s\n", file, lineno, kind, why);
}

static void verify_line(xn_chain_verifier *v, const char *file,
                        const xa_line *line, verify_run *run, int quiet,
                        FILE *out)
{
    const char *why = NULL;
    xn_chain_result r;

    if (line->too_long) {
        /* The verifier does not see the line, so the next record is
         * checked against the one before it. */
        r = XN_CHAIN_BAD;
        why = "the line is longer than 65536 bytes, which no audit record "
              "is (inserted or damaged)";
    }
    else {
        r = xn_chain_verify_line(v, line->data, line->len, line->complete,
                                 &why);
    }
    if (r == XN_CHAIN_BAD) {
        run->bad++;
        if (run->bad == 1 || !quiet) {
            report_line(out, file, line->number, run->bad == 1
                        ? "FIRST BAD RECORD" : "bad record", why);
        }
    }
    else if (r == XN_CHAIN_TRUNCATED) {
        run->truncated = 1;
        report_line(out, file, line->number, "TRUNCATED", why);
    }
    else if (r == XN_CHAIN_UNCHECKED) {
        run->unchecked = 1;
        report_line(out, file, line->number, "note", why);
    }
    else if (strstr(line->data, "\"prev_chain\":\"")) {
        run->anchors++;
    }
    else {
        run->records++;
    }
}

/* Copies the spooled reports of one file to standard output. */
static int copy_spool(FILE *spool)
{
    char buf[8192];
    size_t n;

    if (fflush(spool) != 0 || ferror(spool)) {
        fprintf(stderr, "extranet-audit: cannot write a temporary file: %s\n",
                strerror(errno));
        return -1;
    }
    rewind(spool);
    while ((n = fread(buf, 1, sizeof(buf), spool)) > 0) {
        fwrite(buf, 1, n, stdout);
    }
    if (ferror(spool)) {
        fprintf(stderr, "extranet-audit: cannot read a temporary file: %s\n",
                strerror(errno));
        return -1;
    }
    return 0;
}

/* Verifies the lines of FILE. The reports wait in a temporary file until
 * the whole file has been read without error. A damaged gzip file can
 * decompress to garbage before zlib finds the CRC mismatch at its end, and
 * that garbage must not be reported as changed records. */
static int verify_file(apr_pool_t *p, xn_chain_verifier *v, const char *file,
                       verify_run *run, int quiet)
{
    xa_input *in = xa_input_open(p, file);
    FILE *spool;
    xa_line line;
    int rc;

    if (!in) {
        return -1;
    }
    spool = tmpfile();
    if (!spool) {
        fprintf(stderr, "extranet-audit: cannot create a temporary file: "
                "%s\n", strerror(errno));
        return -1;
    }
    while ((rc = xa_input_read(in, &line)) > 0) {
        verify_line(v, file, &line, run, quiet, spool);
    }
    if (rc == 0) {
        rc = copy_spool(spool);
    }
    fclose(spool);
    return rc;
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
    apr_pool_t *fp;
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
    apr_pool_create(&fp, p);
    for (i = 0; i < nfiles; i++) {
        /* The per-file pool closes the input. */
        if (verify_file(fp, v, files[i], &run, quiet) != 0) {
            return 2;
        }
        apr_pool_clear(fp);
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

/* Returns 1 when LINE is a sealed record from before BEFORE, and then sets
 * LAST to the chain position after it. */
static int prune_removes(apr_pool_t *p, const xa_line *line,
                         apr_time_t before, xn_chain_state *last)
{
    xn_chain_fields f;
    xa_record rec;
    apr_pool_t *rp;
    int removes;

    if (!line->complete || line->too_long) {
        return 0;
    }
    apr_pool_create(&rp, p);
    removes = xn_chain_parse(&f, line->data, line->len) == APR_SUCCESS
              && xa_record_parse(&rec, rp, line->data, line->len) == 0
              && rec.when < before;
    apr_pool_destroy(rp);
    if (removes) {
        last->seq = f.seq;
        memcpy(last->chain, f.anchor ? f.prev_chain : f.chain,
               sizeof(last->chain));
    }
    return removes;
}

/* Copies IN to OUT without the records before BEFORE, which a prune anchor
 * replaces. Returns 0, or -1 on a read error or an overlong line. */
static int prune_copy(apr_pool_t *p, const xn_chain_key *key,
                      apr_time_t before, xa_input *in, const char *file,
                      FILE *out, xn_chain_state *last, long *removed)
{
    xa_line line;
    int copying = 0;
    int rc;

    while ((rc = xa_input_read(in, &line)) > 0) {
        if (line.too_long) {
            fprintf(stderr, "extranet-audit: %s:%ld: the line is longer "
                    "than 65536 bytes, so %s is no audit log\n", file,
                    line.number, file);
            return -1;
        }
        if (!copying && prune_removes(p, &line, before, last)) {
            (*removed)++;
            continue;
        }
        if (!copying && *removed > 0) {
            xa_write_prune_anchor(p, key, last, *removed, out);
        }
        copying = 1;
        fwrite(line.data, 1, line.len, out);
        if (line.complete) {
            fputc('\n', out);
        }
    }
    if (rc == 0 && !copying && *removed > 0) {
        xa_write_prune_anchor(p, key, last, *removed, out);
    }
    return rc < 0 ? -1 : 0;
}

/* Writes the prune anchor and the records from the first one at or after
 * BEFORE to OUTPUT, through a temporary file that is renamed at the end. */
int xa_prune(apr_pool_t *p, const xn_chain_key *key, apr_time_t before,
             const char *file, const char *output)
{
    xa_input *in = xa_input_open(p, file);
    const char *tmp = apr_pstrcat(p, output, ".tmp", NULL);
    FILE *out;
    xn_chain_state last;
    long removed = 0;
    int rc;

    xn_chain_state_init(&last);
    if (!in) {
        return 2;
    }
    out = fopen(tmp, "wb");
    if (!out) {
        fprintf(stderr, "extranet-audit: cannot create %s: %s\n", tmp,
                strerror(errno));
        xa_input_close(in);
        return 2;
    }
    fchmod(fileno(out), 0640);
    rc = prune_copy(p, key, before, in, file, out, &last, &removed);
    xa_input_close(in);
    if (fclose(out) != 0 && rc == 0) {
        fprintf(stderr, "extranet-audit: cannot write %s: %s\n", tmp,
                strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, output) != 0) {
        fprintf(stderr, "extranet-audit: cannot rename %s to %s: %s\n", tmp,
                output, strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        unlink(tmp);
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
