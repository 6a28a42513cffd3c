/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* The HTML report: one file with inline CSS and an inline SVG timeline, no
 * script and no external resource, so it opens offline and can be mailed
 * or archived as it is. The text is Dutch, like the other pages that
 * people see. */

#include <string.h>

#include <apr_strings.h>

#include "xa_record.h"

#define XA_BUCKETS_MAX 400
#define XA_EVENTS_MAX  500

typedef struct timeline {
    apr_pool_t *pool;
    apr_time_t first;
    apr_time_t last;
    long total;
    long access;
    long denied;
    long failed;
    apr_array_header_t *notable;     /* const char * lines of HTML */
} timeline;

typedef struct buckets {
    apr_time_t start;
    apr_time_t width;
    int count;
    long access[XA_BUCKETS_MAX];
    long denied[XA_BUCKETS_MAX];
    long failed[XA_BUCKETS_MAX];
} buckets;

static void html(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out);
        }
    }
}

static const char *html_pool(apr_pool_t *p, const char *s)
{
    const char *out = "";
    const char *start = s;

    if (!s) {
        return "-";
    }
    for (; *s; s++) {
        const char *rep = NULL;

        switch (*s) {
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '&': rep = "&amp;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        }
        if (rep) {
            out = apr_pstrcat(p, out, apr_pstrmemdup(p, start, s - start),
                              rep, NULL);
            start = s + 1;
        }
    }
    return apr_pstrcat(p, out, start, NULL);
}

static void scan_record(const xa_record *rec, void *baton)
{
    timeline *t = baton;

    if (!rec->when) {
        return;
    }
    if (!t->first || rec->when < t->first) {
        t->first = rec->when;
    }
    if (rec->when > t->last) {
        t->last = rec->when;
    }
    t->total++;
    if (!strcmp(rec->event, "access")) {
        t->access++;
        return;
    }
    if (!strcmp(rec->event, "denied")) {
        t->denied++;
    }
    else if (!strcmp(rec->event, "login_failed")) {
        t->failed++;
    }
    else if (!strcmp(rec->event, "login_success")
             || !strcmp(rec->event, "logout")
             || !strcmp(rec->event, "config_load")) {
        return;
    }
    if (t->notable->nelts < XA_EVENTS_MAX) {
        APR_ARRAY_PUSH(t->notable, const char *) = apr_psprintf(t->pool,
            "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
            "<td>%s</td></tr>", html_pool(t->pool, rec->time),
            html_pool(t->pool, rec->event), html_pool(t->pool, rec->user),
            html_pool(t->pool, rec->client), html_pool(t->pool, rec->path),
            html_pool(t->pool, rec->reason ? rec->reason : rec->detail));
    }
}

static void bucket_record(const xa_record *rec, void *baton)
{
    buckets *b = baton;
    int i;

    if (!rec->when || rec->when < b->start) {
        return;
    }
    i = (int)((rec->when - b->start) / b->width);
    if (i >= b->count) {
        i = b->count - 1;
    }
    if (!strcmp(rec->event, "access")) {
        b->access[i]++;
    }
    else if (!strcmp(rec->event, "denied")) {
        b->denied[i]++;
    }
    else if (!strcmp(rec->event, "login_failed")) {
        b->failed[i]++;
    }
}

/* Chooses the bucket width: an hour, a day or a week, so that the span
 * fits in at most XA_BUCKETS_MAX bars. */
static void plan_buckets(buckets *b, const timeline *t)
{
    static const apr_time_t widths[] = {
        APR_USEC_PER_SEC * 3600, APR_USEC_PER_SEC * 86400,
        APR_USEC_PER_SEC * 86400 * 7, APR_USEC_PER_SEC * 86400 * 30
    };
    apr_time_t span = t->last - t->first;
    int i;

    memset(b, 0, sizeof(*b));
    for (i = 0; i < 4; i++) {
        b->width = widths[i];
        if (span / b->width < XA_BUCKETS_MAX - 1) {
            break;
        }
    }
    b->start = t->first - t->first % b->width;
    b->count = (int)((t->last - b->start) / b->width) + 1;
    if (b->count > XA_BUCKETS_MAX) {
        b->count = XA_BUCKETS_MAX;
    }
}

static void print_svg(FILE *out, const buckets *b)
{
    const int height = 200;
    const int left = 50;
    int bar = b->count > 100 ? 2 : (b->count > 40 ? 6 : 16);
    int width = left + b->count * (bar + 1) + 10;
    long max = 1;
    int i;

    for (i = 0; i < b->count; i++) {
        long sum = b->access[i] + b->denied[i] + b->failed[i];
        if (sum > max) {
            max = sum;
        }
    }
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" role=\"img\" aria-label=\"Tijdlijn\">\n",
            width, height + 40);
    fprintf(out, "<text x=\"0\" y=\"12\" font-size=\"11\">%ld</text>\n"
            "<text x=\"0\" y=\"%d\" font-size=\"11\">0</text>\n"
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n",
            max, height, left - 2, height, width, height);
    for (i = 0; i < b->count; i++) {
        int x = left + i * (bar + 1);
        int ha = (int)(b->access[i] * (height - 10) / max);
        int hd = (int)(b->denied[i] * (height - 10) / max);
        int hf = (int)(b->failed[i] * (height - 10) / max);
        apr_time_exp_t xt;

        apr_time_exp_lt(&xt, b->start + i * b->width);
        fprintf(out, "<g><title>%04d-%02d-%02d %02d:00: %ld geopend, %ld "
                "geweigerd, %ld mislukte aanmeldingen</title>"
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                "fill=\"#2b6cb0\"/><rect x=\"%d\" y=\"%d\" width=\"%d\" "
                "height=\"%d\" fill=\"#c53030\"/><rect x=\"%d\" y=\"%d\" "
                "width=\"%d\" height=\"%d\" fill=\"#d69e2e\"/></g>\n",
                xt.tm_year + 1900, xt.tm_mon + 1, xt.tm_mday, xt.tm_hour,
                b->access[i], b->denied[i], b->failed[i],
                x, height - ha, bar, ha, x, height - ha - hd, bar, hd,
                x, height - ha - hd - hf, bar, hf);
        if (i == 0 || i == b->count - 1) {
            fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
                    "text-anchor=\"%s\">%04d-%02d-%02d</text>\n", x,
                    height + 16, i == 0 ? "start" : "end", xt.tm_year + 1900,
                    xt.tm_mon + 1, xt.tm_mday);
        }
    }
    fputs("</svg>\n<p class=\"legend\"><span style=\"color:#2b6cb0\">&#9632;"
          "</span> geopend <span style=\"color:#c53030\">&#9632;</span> "
          "geweigerd <span style=\"color:#d69e2e\">&#9632;</span> mislukte "
          "aanmelding</p>\n", out);
}

static void print_rows(FILE *out, apr_pool_t *p, apr_array_header_t *rows,
                       int by_user)
{
    int i;

    fprintf(out, "<table><tr><th>%s</th><th>Geopend</th><th>Geweigerd</th>"
            "%s<th>Eerste</th><th>Laatste</th><th>%s</th></tr>\n",
            by_user ? "Gebruiker" : "Document",
            by_user ? "<th>Aangemeld</th><th>Mislukt</th>" : "",
            by_user ? "Documenten (aantal keer)" : "Gebruikers (aantal keer)");
    for (i = 0; i < rows->nelts; i++) {
        xa_report_row *row = APR_ARRAY_IDX(rows, i, xa_report_row *);

        fputs("<tr><td>", out);
        html(out, row->key);
        fprintf(out, "</td><td>%ld</td><td>%ld</td>", row->access,
                row->denied);
        if (by_user) {
            fprintf(out, "<td>%ld</td><td>%ld</td>", row->login_success,
                    row->login_failed);
        }
        fputs("<td>", out);
        html(out, row->first);
        fputs("</td><td>", out);
        html(out, row->last);
        fputs("</td><td>", out);
        html(out, xa_report_names(p, row, ", "));
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

static const char style[] =
    "body{font-family:sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin-bottom:2em;font-size:13px}"
    "th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;"
    "vertical-align:top}th{background:#eee}.legend{font-size:13px}";

int xa_html(apr_pool_t *p, const char *const *files, int nfiles,
            const xa_filter *f, FILE *out, const char *title)
{
    timeline t;
    buckets *b = apr_pcalloc(p, sizeof(*b));
    apr_array_header_t *docs;
    apr_array_header_t *users;
    long bad = 0;
    int i;

    memset(&t, 0, sizeof(t));
    t.pool = p;
    t.notable = apr_array_make(p, 64, sizeof(const char *));
    if (xa_read_files(p, files, nfiles, f, scan_record, &t, &bad) != 0) {
        return 2;
    }
    plan_buckets(b, &t);
    if (t.total && xa_read_files(p, files, nfiles, f, bucket_record, b,
                                 &bad) != 0) {
        return 2;
    }
    docs = xa_report_collect(p, 0, files, nfiles, f, &bad);
    users = xa_report_collect(p, 1, files, nfiles, f, &bad);
    if (!docs || !users) {
        return 2;
    }

    fputs("<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">"
          "<title>", out);
    html(out, title);
    fprintf(out, "</title><style>%s</style></head><body>\n<h1>", style);
    html(out, title);
    fputs("</h1>\n", out);
    fprintf(out, "<p>%ld records: %ld keer een document geopend, %ld keer "
            "geweigerd, %ld mislukte aanmeldingen.</p>\n", t.total, t.access,
            t.denied, t.failed);
    if (t.total) {
        fputs("<h2>Tijdlijn</h2>\n", out);
        print_svg(out, b);
    }
    fputs("<h2>Per document</h2>\n", out);
    print_rows(out, p, docs, 0);
    fputs("<h2>Per gebruiker</h2>\n", out);
    print_rows(out, p, users, 1);
    fprintf(out, "<h2>Weigeringen en andere gebeurtenissen</h2>\n<p>De eerste "
            "%d, in de volgorde van het logboek.</p>\n<table><tr><th>Tijd</th>"
            "<th>Gebeurtenis</th><th>Gebruiker</th><th>Client</th><th>Pad</th>"
            "<th>Reden</th></tr>\n", XA_EVENTS_MAX);
    for (i = 0; i < t.notable->nelts; i++) {
        fputs(APR_ARRAY_IDX(t.notable, i, const char *), out);
        fputc('\n', out);
    }
    fputs("</table>\n</body></html>\n", out);
    return 0;
}
