/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include "xa_record.h"

typedef xa_report_row report_row;

typedef struct report {
    apr_pool_t *pool;
    int by_user;
    apr_hash_t *rows;
} report;

static void add_record(const xa_record *rec, void *baton)
{
    report *rep = baton;
    const char *key = rep->by_user ? rec->user : rec->path;
    const char *name = rep->by_user ? rec->path : rec->user;
    report_row *row;

    if (!key || !strcmp(rec->event, "checkpoint")) {
        return;
    }
    if (!rep->by_user && strcmp(rec->event, "access")
        && strcmp(rec->event, "denied")) {
        return;
    }
    row = apr_hash_get(rep->rows, key, APR_HASH_KEY_STRING);
    if (!row) {
        row = apr_pcalloc(rep->pool, sizeof(*row));
        row->key = apr_pstrdup(rep->pool, key);
        row->first = apr_pstrdup(rep->pool, rec->time);
        row->names = apr_hash_make(rep->pool);
        apr_hash_set(rep->rows, row->key, APR_HASH_KEY_STRING, row);
    }
    row->last = apr_pstrdup(rep->pool, rec->time);
    if (strcmp(rec->time, row->first) < 0) {
        row->first = row->last;
    }
    if (!strcmp(rec->event, "access")) {
        row->access++;
    }
    else if (!strcmp(rec->event, "denied")) {
        row->denied++;
    }
    else if (!strcmp(rec->event, "login_success")) {
        row->login_success++;
    }
    else if (!strcmp(rec->event, "login_failed")) {
        row->login_failed++;
    }
    else {
        row->other++;
    }
    if (name && !strcmp(rec->event, "access")) {
        long *n = apr_hash_get(row->names, name, APR_HASH_KEY_STRING);

        if (!n) {
            n = apr_pcalloc(rep->pool, sizeof(*n));
            apr_hash_set(row->names, apr_pstrdup(rep->pool, name),
                         APR_HASH_KEY_STRING, n);
        }
        (*n)++;
    }
}

static int compare_rows(const void *a, const void *b)
{
    const report_row *x = *(report_row *const *)a;
    const report_row *y = *(report_row *const *)b;

    return strcmp(x->key, y->key);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *xa_report_names(apr_pool_t *p, const report_row *row,
                                const char *sep)
{
    apr_array_header_t *names = apr_array_make(p, 8, sizeof(const char *));
    apr_hash_index_t *hi;
    const char *out = "";
    int i;

    for (hi = apr_hash_first(p, row->names); hi; hi = apr_hash_next(hi)) {
        APR_ARRAY_PUSH(names, const char *) = apr_hash_this_key(hi);
    }
    qsort(names->elts, names->nelts, sizeof(const char *), compare_strings);
    for (i = 0; i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        long *n = apr_hash_get(row->names, name, APR_HASH_KEY_STRING);

        out = apr_psprintf(p, "%s%s%s (%ld)", out, i ? sep : "", name, *n);
    }
    return out;
}

/* Returns the rows of REP sorted by key. */
static apr_array_header_t *sorted_rows(report *rep)
{
    apr_array_header_t *rows = apr_array_make(rep->pool, 64,
                                              sizeof(report_row *));
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(rep->pool, rep->rows); hi; hi = apr_hash_next(hi)) {
        APR_ARRAY_PUSH(rows, report_row *) = apr_hash_this_val(hi);
    }
    qsort(rows->elts, rows->nelts, sizeof(report_row *), compare_rows);
    return rows;
}

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            fputc('\\', out);
        }
        if ((unsigned char)*s < 0x20) {
            fprintf(out, "\\u%04x", (unsigned char)*s);
            continue;
        }
        fputc(*s, out);
    }
    fputc('"', out);
}

static void print_row(xa_output *o, apr_pool_t *p, const report_row *row,
                      int by_user)
{
    const char *names = xa_report_names(p, row, o->format == XA_CSV ? ", " : ", ");
    char sep = o->separator;

    if (o->format == XA_JSON) {
        fputs(by_user ? "{\"user\":" : "{\"path\":", o->out);
        json_string(o->out, row->key);
        fprintf(o->out, ",\"access\":%ld,\"denied\":%ld", row->access,
                row->denied);
        if (by_user) {
            fprintf(o->out, ",\"login_success\":%ld,\"login_failed\":%ld",
                    row->login_success, row->login_failed);
        }
        fputs(",\"first\":", o->out);
        json_string(o->out, row->first);
        fputs(",\"last\":", o->out);
        json_string(o->out, row->last);
        fputs(by_user ? ",\"documents\":" : ",\"users\":", o->out);
        json_string(o->out, names);
        fputs("}\n", o->out);
    }
    else if (o->format == XA_CSV) {
        xa_csv_field(o->out, row->key, sep);
        fprintf(o->out, "%c%ld%c%ld", sep, row->access, sep, row->denied);
        if (by_user) {
            fprintf(o->out, "%c%ld%c%ld", sep, row->login_success, sep,
                    row->login_failed);
        }
        fputc(sep, o->out);
        xa_csv_field(o->out, row->first, sep);
        fputc(sep, o->out);
        xa_csv_field(o->out, row->last, sep);
        fputc(sep, o->out);
        xa_csv_field(o->out, names, sep);
        fputs("\r\n", o->out);
    }
    else if (by_user) {
        fprintf(o->out, "%-20s %7ld %7ld %7ld %7ld  %-23s %-23s %s\n",
                row->key, row->access, row->denied, row->login_success,
                row->login_failed, row->first, row->last, names);
    }
    else {
        fprintf(o->out, "%-40s %7ld %7ld  %-23s %-23s %s\n", row->key,
                row->access, row->denied, row->first, row->last, names);
    }
}

static void print_header(xa_output *o, int by_user)
{
    char s = o->separator;

    if (o->format == XA_CSV) {
        if (o->bom) {
            fputs("\xef\xbb\xbf", o->out);
        }
        if (by_user) {
            fprintf(o->out, "user%caccess%cdenied%clogin_success%c"
                    "login_failed%cfirst%clast%cdocuments\r\n",
                    s, s, s, s, s, s, s);
        }
        else {
            fprintf(o->out, "path%caccess%cdenied%cfirst%clast%cusers\r\n",
                    s, s, s, s, s);
        }
    }
    else if (o->format == XA_TABLE && by_user) {
        fprintf(o->out, "%-20s %7s %7s %7s %7s  %-23s %-23s %s\n", "user",
                "access", "denied", "sign-in", "failed", "first", "last",
                "documents (opened)");
    }
    else if (o->format == XA_TABLE) {
        fprintf(o->out, "%-40s %7s %7s  %-23s %-23s %s\n", "path", "access",
                "denied", "first", "last", "users (opened)");
    }
}

apr_array_header_t *xa_report_collect(apr_pool_t *p, int by_user,
                                      const char *const *files, int nfiles,
                                      const xa_filter *f, long *bad)
{
    report rep;

    rep.pool = p;
    rep.rows = apr_hash_make(p);
    rep.by_user = by_user;
    if (xa_read_files(p, files, nfiles, f, add_record, &rep, bad) != 0) {
        return NULL;
    }
    return sorted_rows(&rep);
}

int xa_report(apr_pool_t *p, const char *kind, const char *const *files,
              int nfiles, const xa_filter *f, xa_output *o)
{
    apr_array_header_t *rows;
    long bad = 0;
    int by_user;
    int i;

    if (!strcmp(kind, "users")) {
        by_user = 1;
    }
    else if (!strcmp(kind, "documents")) {
        by_user = 0;
    }
    else {
        fprintf(stderr, "extranet-audit: unknown report \"%s\"; use documents "
                "or users\n", kind);
        return 2;
    }
    rows = xa_report_collect(p, by_user, files, nfiles, f, &bad);
    if (!rows) {
        return 2;
    }
    print_header(o, by_user);
    for (i = 0; i < rows->nelts; i++) {
        print_row(o, p, APR_ARRAY_IDX(rows, i, report_row *), by_user);
    }
    if (bad) {
        fprintf(stderr, "extranet-audit: %ld lines skipped (not records)\n",
                bad);
    }
    return 0;
}
