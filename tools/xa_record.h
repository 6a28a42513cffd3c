/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* extranet-audit: reading audit records, filters and shared helpers. */

#ifndef XA_RECORD_H
#define XA_RECORD_H

#include <stdio.h>

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

/* One record, decoded. Strings are UTF-8 with JSON escapes undone; a
 * missing field is NULL. */
typedef struct xa_record {
    const char *time;
    apr_time_t when;                 /* from time, 0 when unreadable */
    const char *event;
    const char *user;
    const char *roles;
    const char *client;
    const char *method;
    const char *path;
    const char *query;
    const char *status;
    const char *bytes;
    const char *rule;
    const char *reason;
    const char *detail;
    const char *request_id;
    const char *host;
    const char *seq;
    int truncated;
    const char *line;                /* the raw line, without newline */
} xa_record;

typedef struct xa_filter {
    const char *user;
    const char *role;
    const char *path_prefix;
    apr_array_header_t *events;      /* const char *, empty for all */
    apr_time_t since;                /* 0 for no bound */
    apr_time_t until;
} xa_filter;

/* Decodes LINE (LEN bytes). Returns 0, or -1 when it is no JSON object of
 * the audit log. */
int xa_record_parse(xa_record *rec, apr_pool_t *p, const char *line,
                    apr_size_t len);

/* Returns 1 when REC passes every condition of F. */
int xa_filter_match(const xa_filter *f, const xa_record *rec);

/* Parses "2026-03-12", "2026-03-12T19:30" or "2026-03-12T19:30:05" as
 * local time, or a full record time with its offset. Returns 0 on error. */
apr_time_t xa_parse_time(const char *text);

/* Reads the records of the files FILES (or stdin for "-"), plain or gzip
 * compressed, in order, and calls FN for each complete line that parses
 * and passes F. Lines that do not parse are counted in *BAD. Returns 0, or
 * -1 when a file cannot be read to its end, after printing why. */
typedef void (*xa_record_fn)(const xa_record *rec, void *baton);
int xa_read_files(apr_pool_t *p, const char *const *files, int nfiles,
                  const xa_filter *f, xa_record_fn fn, void *baton,
                  long *bad);

/* Output formats of "show". */
typedef enum { XA_JSON, XA_CSV, XA_TABLE } xa_format;

typedef struct xa_output {
    FILE *out;
    xa_format format;
    char separator;
    int bom;
    int header_done;
} xa_output;

void xa_output_record(xa_output *o, const xa_record *rec);

/* Writes VALUE as one CSV field, quoted when needed. Values that start
 * with =, +, - or @ get a leading ' so that a spreadsheet does not run them
 * as formulas. */
void xa_csv_field(FILE *out, const char *value, char separator);

/* One row of a report: a document (path) or a user. */
typedef struct xa_report_row {
    const char *key;
    long access;
    long denied;
    long login_success;
    long login_failed;
    long other;
    const char *first;
    const char *last;
    struct apr_hash_t *names;        /* users who opened a document, paths
                                      * a user opened: name -> long count */
    struct apr_hash_t *denied_names; /* the same for denied records */
} xa_report_row;

/* Collects the rows of the documents or users report, one record at a
 * time, so that several reports can share one reading of the log. */
typedef struct xa_collector xa_collector;

xa_collector *xa_collector_make(apr_pool_t *p, int by_user);

/* Adds the record REC to the collector BATON (an xa_record_fn). */
void xa_collector_add(const xa_record *rec, void *baton);

/* Returns the rows (xa_report_row *) of C, sorted by key. */
apr_array_header_t *xa_collector_rows(xa_collector *c);

/* Collects the rows (xa_report_row *) of the documents or users report,
 * sorted by key. Returns NULL when a file cannot be read. */
apr_array_header_t *xa_report_collect(apr_pool_t *p, int by_user,
                                      const char *const *files, int nfiles,
                                      const xa_filter *f, long *bad);

/* Returns the names of NAMES (a names or denied_names hash of a row),
 * sorted, each with its count, joined by SEP. */
const char *xa_report_names(apr_pool_t *p, struct apr_hash_t *names,
                            const char *sep);

/* Returns the number of characters (UTF-8 code points) of VALUE, the
 * columns it takes in a terminal. NOTE: a wide (East Asian) character
 * takes two columns but counts as one. */
int xa_text_width(const char *value);

/* Reports. */
int xa_report(apr_pool_t *p, const char *kind, const char *const *files,
              int nfiles, const xa_filter *f, xa_output *o);
int xa_html(apr_pool_t *p, const char *const *files, int nfiles,
            const xa_filter *f, FILE *out, const char *title);

/* Help text in the language of LANG / LC_MESSAGES / LC_ALL. */
void xa_usage(FILE *out);
int xa_dutch(void);

#endif
