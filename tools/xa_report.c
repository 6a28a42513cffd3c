/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include "xa_record.h"

typedef xa_report_row report_row;

struct xa_collector {
    apr_pool_t *pool;
    int by_user;
    apr_hash_t *rows;                /* key -> collector_row */
};

/* Room for a record time ("2026-03-12T19:04:05.123+01:00" has 29
 * characters). first and last are copied into it, so that a row does not
 * grow with every record. */
#define XA_TIME_MAX 64

typedef struct collector_row {
    report_row row;
    char first[XA_TIME_MAX];
    char last[XA_TIME_MAX];
} collector_row;

xa_collector *xa_collector_make(apr_pool_t *p, int by_user)
{
    xa_collector *c = apr_pcalloc(p, sizeof(*c));

    c->pool = p;
    c->by_user = by_user;
    c->rows = apr_hash_make(p);
    return c;
}

static void count_name(apr_pool_t *p, apr_hash_t *names, const char *name)
{
    long *n = apr_hash_get(names, name, APR_HASH_KEY_STRING);

    if (!n) {
        n = apr_pcalloc(p, sizeof(*n));
        apr_hash_set(names, apr_pstrdup(p, name), APR_HASH_KEY_STRING, n);
    }
    (*n)++;
}

/* Returns a copy of TIME in BUF (XA_TIME_MAX bytes), or a copy from P when
 * TIME does not fit. The times that the module writes always fit. */
static const char *copy_time(apr_pool_t *p, char *buf, const char *time)
{
    apr_size_t len = strlen(time);

    if (len >= XA_TIME_MAX) {
        return apr_pstrdup(p, time);
    }
    memcpy(buf, time, len + 1);
    return buf;
}

/* Returns the row of KEY, created on first use. */
static collector_row *find_row(xa_collector *c, const char *key)
{
    collector_row *cr = apr_hash_get(c->rows, key, APR_HASH_KEY_STRING);

    if (!cr) {
        cr = apr_pcalloc(c->pool, sizeof(*cr));
        cr->row.key = apr_pstrdup(c->pool, key);
        cr->row.names = apr_hash_make(c->pool);
        cr->row.denied_names = apr_hash_make(c->pool);
        apr_hash_set(c->rows, cr->row.key, APR_HASH_KEY_STRING, cr);
    }
    return cr;
}

void xa_collector_add(const xa_record *rec, void *baton)
{
    xa_collector *c = baton;
    const char *key = c->by_user ? rec->user : rec->path;
    const char *name = c->by_user ? rec->path : rec->user;
    collector_row *cr;
    report_row *row;

    if (!key || !strcmp(rec->event, "checkpoint")) {
        return;
    }
    if (!c->by_user && strcmp(rec->event, "access")
        && strcmp(rec->event, "denied")) {
        return;
    }
    cr = find_row(c, key);
    row = &cr->row;
    if (!row->first || strcmp(rec->time, row->first) < 0) {
        row->first = copy_time(c->pool, cr->first, rec->time);
    }
    row->last = copy_time(c->pool, cr->last, rec->time);
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
        count_name(c->pool, row->names, name);
    }
    else if (name && !strcmp(rec->event, "denied")) {
        count_name(c->pool, row->denied_names, name);
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

const char *xa_report_names(apr_pool_t *p, apr_hash_t *names,
                            const char *sep)
{
    apr_array_header_t *sorted = apr_array_make(p, 8, sizeof(const char *));
    apr_array_header_t *parts = apr_array_make(p, 16, sizeof(const char *));
    apr_hash_index_t *hi;
    int i;

    for (hi = apr_hash_first(p, names); hi; hi = apr_hash_next(hi)) {
        APR_ARRAY_PUSH(sorted, const char *) = apr_hash_this_key(hi);
    }
    qsort(sorted->elts, sorted->nelts, sizeof(const char *), compare_strings);
    for (i = 0; i < sorted->nelts; i++) {
        const char *name = APR_ARRAY_IDX(sorted, i, const char *);
        long *n = apr_hash_get(names, name, APR_HASH_KEY_STRING);

        APR_ARRAY_PUSH(parts, const char *) = apr_psprintf(p, "%s%s (%ld)",
                                                           i ? sep : "",
                                                           name, *n);
    }
    return apr_array_pstrcat(p, parts, '\0');
}

apr_array_header_t *xa_collector_rows(xa_collector *c)
{
    apr_array_header_t *rows = apr_array_make(c->pool, 64,
                                              sizeof(report_row *));
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(c->pool, c->rows); hi; hi = apr_hash_next(hi)) {
        collector_row *cr = apr_hash_this_val(hi);

        APR_ARRAY_PUSH(rows, report_row *) = &cr->row;
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

static void print_json_row(xa_output *o, const report_row *row, int by_user,
                           const char *names)
{
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

static void print_csv_row(xa_output *o, const report_row *row, int by_user,
                          const char *names)
{
    char sep = o->separator;

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

static void print_csv_header(xa_output *o, int by_user)
{
    char s = o->separator;

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

#define TABLE_COLUMNS_MAX 8

/* The columns of the table output: headers, and which ones hold numbers
 * and are aligned to the right. */
typedef struct table_layout {
    int ncols;
    const char *const *header;
    const int *numeric;
} table_layout;

static const char *const document_header[] = {
    "path", "access", "denied", "first", "last", "users (opened)"
};
static const int document_numeric[] = { 0, 1, 1, 0, 0, 0 };
static const char *const user_header[] = {
    "user", "access", "denied", "sign-in", "failed", "first", "last",
    "documents (opened)"
};
static const int user_numeric[] = { 0, 1, 1, 1, 1, 0, 0, 0 };

/* Returns the cells of ROW in the columns of the table output. */
static const char **table_cells(apr_pool_t *p, const report_row *row,
                                int by_user)
{
    const char **cells = apr_pcalloc(p, TABLE_COLUMNS_MAX * sizeof(*cells));
    int n = 0;

    cells[n++] = row->key;
    cells[n++] = apr_ltoa(p, row->access);
    cells[n++] = apr_ltoa(p, row->denied);
    if (by_user) {
        cells[n++] = apr_ltoa(p, row->login_success);
        cells[n++] = apr_ltoa(p, row->login_failed);
    }
    cells[n++] = row->first;
    cells[n++] = row->last;
    cells[n++] = xa_report_names(p, row->names, ", ");
    return cells;
}

/* Prints one line of the table. The last column is not padded, so that
 * lines have no trailing blanks. */
static void print_table_line(FILE *out, const table_layout *t,
                             const char *const *cells, const int *width)
{
    int i;

    for (i = 0; i < t->ncols; i++) {
        int pad = width[i] - xa_text_width(cells[i]);
        int last = i == t->ncols - 1;

        if (last && !*cells[i]) {
            break;
        }
        if (i > 0) {
            fputs("  ", out);
        }
        for (; t->numeric[i] && pad > 0; pad--) {
            fputc(' ', out);
        }
        fputs(cells[i], out);
        for (; !last && pad > 0; pad--) {
            fputc(' ', out);
        }
    }
    fputc('\n', out);
}

/* Prints ROWS as a table in which every column is as wide as its widest
 * cell, counted in characters. */
static void print_table(xa_output *o, apr_pool_t *p,
                        const apr_array_header_t *rows, int by_user)
{
    table_layout t;
    const char ***cells = apr_palloc(p, (rows->nelts + 1) * sizeof(*cells));
    int width[TABLE_COLUMNS_MAX];
    int i, j;

    t.ncols = by_user ? 8 : 6;
    t.header = by_user ? user_header : document_header;
    t.numeric = by_user ? user_numeric : document_numeric;
    for (j = 0; j < t.ncols; j++) {
        width[j] = xa_text_width(t.header[j]);
    }
    for (i = 0; i < rows->nelts; i++) {
        cells[i] = table_cells(p, APR_ARRAY_IDX(rows, i, report_row *),
                               by_user);
        for (j = 0; j < t.ncols; j++) {
            int w = xa_text_width(cells[i][j]);

            width[j] = w > width[j] ? w : width[j];
        }
    }
    print_table_line(o->out, &t, t.header, width);
    for (i = 0; i < rows->nelts; i++) {
        print_table_line(o->out, &t, cells[i], width);
    }
}

apr_array_header_t *xa_report_collect(apr_pool_t *p, int by_user,
                                      const char *const *files, int nfiles,
                                      const xa_filter *f, long *bad)
{
    xa_collector *c = xa_collector_make(p, by_user);

    if (xa_read_files(p, files, nfiles, f, xa_collector_add, c, bad) != 0) {
        return NULL;
    }
    return xa_collector_rows(c);
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
    if (o->format == XA_TABLE) {
        print_table(o, p, rows, by_user);
    }
    else {
        if (o->format == XA_CSV) {
            print_csv_header(o, by_user);
        }
        for (i = 0; i < rows->nelts; i++) {
            report_row *row = APR_ARRAY_IDX(rows, i, report_row *);
            const char *names = xa_report_names(p, row->names, ", ");

            if (o->format == XA_CSV) {
                print_csv_row(o, row, by_user, names);
            }
            else {
                print_json_row(o, row, by_user, names);
            }
        }
    }
    if (bad) {
        fprintf(stderr, "extranet-audit: %ld lines skipped (not records)\n",
                bad);
    }
    return 0;
}
