/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* The HTML report: one file with inline CSS and an inline SVG timeline, no
 * script and no external resource, so it opens offline and can be mailed
 * or archived as it is. The text is Dutch, like the other pages that
 * people see. */

#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include "xa_record.h"

#define XA_BUCKETS_MAX 400
#define XA_EVENTS_MAX  500
#define XA_HOUR        (APR_USEC_PER_SEC * 3600)
#define XA_DAY         (XA_HOUR * 24)

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

/* Events of one hour, in UTC. NOTE: with a UTC offset that is not a whole
 * number of hours, a record lands in the bucket of the hour it starts in,
 * up to 30 minutes off. */
typedef struct hour_counts {
    long access;
    long denied;
    long failed;
} hour_counts;

static void count_hour(apr_hash_t *hours, apr_pool_t *p, const xa_record *rec)
{
    apr_int64_t hour = rec->when / XA_HOUR;
    hour_counts *c;

    if (!rec->when || (strcmp(rec->event, "access")
                       && strcmp(rec->event, "denied")
                       && strcmp(rec->event, "login_failed"))) {
        return;
    }
    c = apr_hash_get(hours, &hour, sizeof(hour));
    if (!c) {
        c = apr_pcalloc(p, sizeof(*c));
        apr_hash_set(hours, apr_pmemdup(p, &hour, sizeof(hour)),
                     sizeof(hour), c);
    }
    if (!strcmp(rec->event, "access")) {
        c->access++;
    }
    else if (!strcmp(rec->event, "denied")) {
        c->denied++;
    }
    else {
        c->failed++;
    }
}

/* Everything the report needs, gathered in one reading of the log, so that
 * standard input works too. Memory grows with the number of distinct hours,
 * documents and users, not with the number of records. */
typedef struct html_data {
    apr_pool_t *pool;
    timeline t;
    apr_hash_t *hours;               /* apr_int64_t hour -> hour_counts */
    xa_collector *documents;
    xa_collector *users;
} html_data;

static void html_record(const xa_record *rec, void *baton)
{
    html_data *d = baton;

    scan_record(rec, &d->t);
    count_hour(d->hours, d->pool, rec);
    xa_collector_add(rec, d->documents);
    xa_collector_add(rec, d->users);
}

/* Chooses the bucket width: an hour, a day, a week or 30 days, so that the
 * span fits in at most XA_BUCKETS_MAX bars. The first bucket starts at the
 * local hour or midnight before the first record. */
static void plan_buckets(buckets *b, const timeline *t)
{
    static const apr_time_t widths[] = {
        XA_HOUR, XA_DAY, XA_DAY * 7, XA_DAY * 30
    };
    apr_time_t span = t->last - t->first;
    apr_time_t offset;
    apr_time_t align;
    apr_time_exp_t first;
    int i;

    memset(b, 0, sizeof(*b));
    for (i = 0; i < 4; i++) {
        b->width = widths[i];
        if (span / b->width < XA_BUCKETS_MAX - 1) {
            break;
        }
    }
    apr_time_exp_lt(&first, t->first);
    offset = apr_time_from_sec(first.tm_gmtoff);
    align = b->width < XA_DAY ? b->width : XA_DAY;
    b->start = t->first + offset;
    b->start -= b->start % align + offset;
    b->count = (int)((t->last - b->start) / b->width) + 1;
    if (b->count > XA_BUCKETS_MAX) {
        b->count = XA_BUCKETS_MAX;
    }
}

static void fill_buckets(buckets *b, apr_pool_t *p, apr_hash_t *hours)
{
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(p, hours); hi; hi = apr_hash_next(hi)) {
        const apr_int64_t *hour = apr_hash_this_key(hi);
        const hour_counts *c = apr_hash_this_val(hi);
        apr_time_t when = *hour * XA_HOUR;
        int i = when < b->start ? 0 : (int)((when - b->start) / b->width);

        if (i >= b->count) {
            i = b->count - 1;
        }
        b->access[i] += c->access;
        b->denied[i] += c->denied;
        b->failed[i] += c->failed;
    }
}

/* Sets XT to the local time of AT, a bucket boundary, moved to noon for
 * buckets of a day or more. Their midnight start is fixed at the UTC offset
 * of the first record, so after a change of daylight saving time it falls
 * at 23:00 or 01:00, but noon always has the right date. */
static void bucket_time(apr_time_exp_t *xt, const buckets *b, apr_time_t at)
{
    if (b->width >= XA_DAY) {
        at += XA_HOUR * 12;
    }
    apr_time_exp_lt(xt, at);
}

/* Returns the axis label of bucket I in the Belgian date order: "12/03
 * 19:00" for hours, "12/03" for days and weeks, "12/03/2026" for 30 days.
 * The period line above the chart gives the year. */
static const char *axis_label(apr_pool_t *p, const buckets *b, int i)
{
    apr_time_exp_t xt;

    bucket_time(&xt, b, b->start + i * b->width);
    if (b->width < XA_DAY) {
        return apr_psprintf(p, "%02d/%02d %02d:%02d", xt.tm_mday,
                            xt.tm_mon + 1, xt.tm_hour, xt.tm_min);
    }
    if (b->width <= XA_DAY * 7) {
        return apr_psprintf(p, "%02d/%02d", xt.tm_mday, xt.tm_mon + 1);
    }
    return apr_psprintf(p, "%02d/%02d/%04d", xt.tm_mday, xt.tm_mon + 1,
                        xt.tm_year + 1900);
}

static const char *full_date(apr_pool_t *p, const apr_time_exp_t *xt)
{
    return apr_psprintf(p, "%02d/%02d/%04d", xt->tm_mday, xt->tm_mon + 1,
                        xt->tm_year + 1900);
}

/* Returns the period of bucket I for its tooltip: "12/03/2026 19:00-20:00",
 * "12/03/2026", or "12/03/2026 tot en met 18/03/2026". */
static const char *bucket_period(apr_pool_t *p, const buckets *b, int i)
{
    apr_time_t start = b->start + i * b->width;
    apr_time_exp_t from;
    apr_time_exp_t to;

    bucket_time(&from, b, start);
    bucket_time(&to, b, start + b->width - (b->width >= XA_DAY ? XA_DAY : 0));
    if (b->width < XA_DAY) {
        return apr_psprintf(p, "%s %02d:%02d-%02d:%02d", full_date(p, &from),
                            from.tm_hour, from.tm_min, to.tm_hour, to.tm_min);
    }
    if (b->width == XA_DAY) {
        return full_date(p, &from);
    }
    return apr_pstrcat(p, full_date(p, &from), " tot en met ",
                       full_date(p, &to), NULL);
}

/* Estimated width in pixels of one character of an axis label at
 * font-size 11: digits are about 6 px wide in common sans-serif fonts, so
 * 7 px leaves room for a wider font. */
#define XA_LABEL_CHAR_PX 7

static void print_bar(FILE *out, apr_pool_t *p, const buckets *b, int i,
                      int x, int bar, int height, long max)
{
    int ha = (int)(b->access[i] * (height - 10) / max);
    int hd = (int)(b->denied[i] * (height - 10) / max);
    int hf = (int)(b->failed[i] * (height - 10) / max);

    fprintf(out, "<g><title>%s: %ld geopend, %ld geweigerd, %ld mislukte "
            "aanmeldingen</title>"
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
            "fill=\"#2b6cb0\"/><rect x=\"%d\" y=\"%d\" width=\"%d\" "
            "height=\"%d\" fill=\"#c53030\"/><rect x=\"%d\" y=\"%d\" "
            "width=\"%d\" height=\"%d\" fill=\"#d69e2e\"/></g>\n",
            bucket_period(p, b, i), b->access[i], b->denied[i],
            b->failed[i], x, height - ha, bar, ha, x, height - ha - hd, bar,
            hd, x, height - ha - hd - hf, bar, hf);
}

/* Prints the bar chart. Axis labels start at the left edge of their bar,
 * far enough apart not to overlap, and the chart is made wide enough for
 * the last one, so that no label is cut off. */
static void print_svg(FILE *out, apr_pool_t *p, const buckets *b)
{
    const int height = 200;
    const int left = 50;
    int bar = b->count > 100 ? 2 : (b->count > 40 ? 6 : 16);
    int label_px = (int)strlen(axis_label(p, b, 0)) * XA_LABEL_CHAR_PX;
    int every = (label_px + 10) / (bar + 1) + 1;
    int last_label = (b->count - 1) / every * every;
    int width = left + b->count * (bar + 1) + 10;
    long max = 1;
    int i;

    if (width < left + last_label * (bar + 1) + label_px + 10) {
        width = left + last_label * (bar + 1) + label_px + 10;
    }
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

        print_bar(out, p, b, i, x, bar, height, max);
        if (i % every == 0) {
            fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                    "stroke=\"#444\"/><text x=\"%d\" y=\"%d\" "
                    "font-size=\"11\">%s</text>\n", x, height, x, height + 4,
                    x, height + 16, axis_label(p, b, i));
        }
    }
    fputs("</svg>\n<p class=\"legend\"><span style=\"color:#2b6cb0\">&#9632;"
          "</span> geopend <span style=\"color:#c53030\">&#9632;</span> "
          "geweigerd <span style=\"color:#d69e2e\">&#9632;</span> mislukte "
          "aanmelding</p>\n", out);
}

/* Prints the heading, the period and the chart of the timeline. */
static void print_timeline(FILE *out, apr_pool_t *p, const timeline *t,
                           const buckets *b)
{
    static const char *const units[] = { "uur", "dag", "week", "30 dagen" };
    apr_time_exp_t first;
    apr_time_exp_t last;
    int unit = b->width == XA_HOUR ? 0 : b->width == XA_DAY ? 1
               : b->width == XA_DAY * 7 ? 2 : 3;

    apr_time_exp_lt(&first, t->first);
    apr_time_exp_lt(&last, t->last);
    fprintf(out, "<h2>Tijdlijn</h2>\n<p>Van %s %02d:%02d tot %s "
            "%02d:%02d, per %s.</p>\n", full_date(p, &first), first.tm_hour,
            first.tm_min, full_date(p, &last), last.tm_hour, last.tm_min,
            units[unit]);
    print_svg(out, p, b);
}

static void print_header_row(FILE *out, int by_user)
{
    if (by_user) {
        fputs("<table><tr><th>Gebruiker</th><th>Geopend</th>"
              "<th>Geweigerd</th><th>Aangemeld</th><th>Mislukt</th>"
              "<th>Eerste</th><th>Laatste</th>"
              "<th>Documenten (aantal keer)</th></tr>\n", out);
    }
    else {
        fputs("<table><tr><th>Document</th><th>Geopend</th>"
              "<th>Geweigerd</th><th>Eerste</th><th>Laatste</th>"
              "<th>Geopend door (aantal keer)</th>"
              "<th class=\"denied\">Geweigerd voor (aantal keer)</th>"
              "</tr>\n", out);
    }
}

static void print_rows(FILE *out, apr_pool_t *p, apr_array_header_t *rows,
                       int by_user)
{
    int i;

    print_header_row(out, by_user);
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
        html(out, xa_report_names(p, row->names, ", "));
        if (!by_user) {
            fputs("</td><td class=\"denied\">", out);
            html(out, xa_report_names(p, row->denied_names, ", "));
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

static const char style[] =
    "body{font-family:sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin-bottom:2em;font-size:13px}"
    "th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;"
    "vertical-align:top}th{background:#eee}.legend{font-size:13px}"
    "th.denied{background:#fed7d7}td.denied{color:#9b2c2c}";

static void print_notable(FILE *out, const timeline *t)
{
    int i;

    fprintf(out, "<h2>Weigeringen en andere gebeurtenissen</h2>\n<p>De eerste "
            "%d, in de volgorde van het logboek.</p>\n<table><tr><th>Tijd</th>"
            "<th>Gebeurtenis</th><th>Gebruiker</th><th>Client</th><th>Pad</th>"
            "<th>Reden</th></tr>\n", XA_EVENTS_MAX);
    for (i = 0; i < t->notable->nelts; i++) {
        fputs(APR_ARRAY_IDX(t->notable, i, const char *), out);
        fputc('\n', out);
    }
    fputs("</table>\n", out);
}

int xa_html(apr_pool_t *p, const char *const *files, int nfiles,
            const xa_filter *f, FILE *out, const char *title)
{
    html_data d;
    buckets *b = apr_pcalloc(p, sizeof(*b));
    long bad = 0;

    memset(&d, 0, sizeof(d));
    d.pool = p;
    d.t.pool = p;
    d.t.notable = apr_array_make(p, 64, sizeof(const char *));
    d.hours = apr_hash_make(p);
    d.documents = xa_collector_make(p, 0);
    d.users = xa_collector_make(p, 1);
    if (xa_read_files(p, files, nfiles, f, html_record, &d, &bad) != 0) {
        return 2;
    }
    if (d.t.total) {
        plan_buckets(b, &d.t);
        fill_buckets(b, p, d.hours);
    }

    fputs("<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">"
          "<title>", out);
    html(out, title);
    fprintf(out, "</title><style>%s</style></head><body>\n<h1>", style);
    html(out, title);
    fputs("</h1>\n", out);
    fprintf(out, "<p>%ld records: %ld keer een document geopend, %ld keer "
            "geweigerd, %ld mislukte aanmeldingen.</p>\n", d.t.total,
            d.t.access, d.t.denied, d.t.failed);
    if (d.t.total) {
        print_timeline(out, p, &d.t, b);
    }
    fputs("<h2>Per document</h2>\n", out);
    print_rows(out, p, xa_collector_rows(d.documents), 0);
    fputs("<h2>Per gebruiker</h2>\n", out);
    print_rows(out, p, xa_collector_rows(d.users), 1);
    print_notable(out, &d.t);
    fputs("</body></html>\n", out);
    return 0;
}
