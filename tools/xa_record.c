/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <apr_strings.h>

#include "xa_input.h"
#include "xa_record.h"

/* Appends code point CP as UTF-8. */
static char *put_utf8(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        *out++ = (char)cp;
    }
    else if (cp < 0x800) {
        *out++ = (char)(0xc0 | (cp >> 6));
        *out++ = (char)(0x80 | (cp & 0x3f));
    }
    else if (cp < 0x10000) {
        *out++ = (char)(0xe0 | (cp >> 12));
        *out++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *out++ = (char)(0x80 | (cp & 0x3f));
    }
    else {
        *out++ = (char)(0xf0 | (cp >> 18));
        *out++ = (char)(0x80 | ((cp >> 12) & 0x3f));
        *out++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *out++ = (char)(0x80 | (cp & 0x3f));
    }
    return out;
}

/* Decodes the JSON string that starts after the opening quote at *POS.
 * Control characters decode to a visible "?" so that output stays one line
 * per record. */
static const char *decode_string(apr_pool_t *p, const char *s, apr_size_t len,
                                 apr_size_t *pos)
{
    char *out = apr_palloc(p, len - *pos + 1);
    char *o = out;
    apr_size_t i = *pos;

    while (i < len && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < len) {
            char c = s[i + 1];
            i += 2;
            switch (c) {
            case 'n': case 'r': case 't': case 'b': case 'f':
                *o++ = ' ';
                break;
            case 'u':
                if (i + 4 <= len) {
                    char hex[5];
                    unsigned long cp;

                    memcpy(hex, s + i, 4);
                    hex[4] = '\0';
                    cp = strtoul(hex, NULL, 16);
                    i += 4;
                    o = cp < 0x20 || cp == 0x7f ? (*o = '?', o + 1)
                                                : put_utf8(o, cp);
                }
                break;
            default:
                *o++ = c;
            }
        }
        else {
            *o++ = s[i++];
        }
    }
    *o = '\0';
    *pos = i + 1;
    return out;
}

static void set_field(xa_record *rec, const char *name, const char *value)
{
    static const struct {
        const char *name;
        apr_size_t offset;
    } fields[] = {
#define F(x) { #x, APR_OFFSETOF(xa_record, x) }
        F(time), F(event), F(user), F(roles), F(client), F(method), F(path),
        F(query), F(status), F(bytes), F(rule), F(reason), F(detail),
        F(request_id), F(host), F(seq),
#undef F
    };
    apr_size_t i;

    if (!strcmp(name, "truncated")) {
        rec->truncated = !strcmp(value, "true");
        return;
    }
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (!strcmp(name, fields[i].name)) {
            *(const char **)((char *)rec + fields[i].offset) = value;
            return;
        }
    }
}

int xa_record_parse(xa_record *rec, apr_pool_t *p, const char *line,
                    apr_size_t len)
{
    apr_size_t i = 1;

    memset(rec, 0, sizeof(*rec));
    rec->line = apr_pstrmemdup(p, line, len);
    if (len < 2 || line[0] != '{' || line[len - 1] != '}') {
        return -1;
    }
    while (i < len && line[i] == '"') {
        const char *name;
        const char *value;

        i++;
        name = decode_string(p, line, len, &i);
        if (i >= len || line[i] != ':') {
            return -1;
        }
        i++;
        if (i < len && line[i] == '"') {
            i++;
            value = decode_string(p, line, len, &i);
        }
        else {
            apr_size_t start = i;

            while (i < len && line[i] != ',' && line[i] != '}') {
                i++;
            }
            value = apr_pstrmemdup(p, line + start, i - start);
        }
        set_field(rec, name, value);
        if (i < len && line[i] == ',') {
            i++;
        }
    }
    if (!rec->time || !rec->event) {
        return -1;
    }
    rec->when = xa_parse_time(rec->time);
    return 0;
}

apr_time_t xa_parse_time(const char *text)
{
    struct tm tm;
    int year, mon, day, hour = 0, min = 0, sec = 0, ms = 0;
    int off_h = 0, off_m = 0;
    char sign = 0;
    int n;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    n = sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c%2d:%2d", &year, &mon,
               &day, &hour, &min, &sec, &ms, &sign, &off_h, &off_m);
    if (n < 3) {
        return 0;
    }
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    if (n == 10 && (sign == '+' || sign == '-')) {
        t = timegm(&tm) - (sign == '+' ? 1 : -1) * (off_h * 3600 + off_m * 60);
    }
    else {
        tm.tm_isdst = -1;
        t = mktime(&tm);
        ms = 0;
    }
    return apr_time_from_sec(t) + (apr_time_t)ms * 1000;
}

static int in_list(const char *list, const char *item)
{
    apr_size_t n = strlen(item);

    while (list && *list) {
        const char *end = strchr(list, ',');
        apr_size_t len = end ? (apr_size_t)(end - list) : strlen(list);

        if (len == n && !strncmp(list, item, n)) {
            return 1;
        }
        list = end ? end + 1 : NULL;
    }
    return 0;
}

int xa_filter_match(const xa_filter *f, const xa_record *rec)
{
    int i;

    if (f->user && (!rec->user || strcmp(f->user, rec->user))) {
        return 0;
    }
    if (f->role && !in_list(rec->roles, f->role)) {
        return 0;
    }
    if (f->path_prefix && (!rec->path || strncmp(rec->path, f->path_prefix,
                                                 strlen(f->path_prefix)))) {
        return 0;
    }
    if (f->since && rec->when < f->since) {
        return 0;
    }
    if (f->until && rec->when >= f->until) {
        return 0;
    }
    if (f->events && f->events->nelts > 0) {
        for (i = 0; i < f->events->nelts; i++) {
            if (!strcmp(APR_ARRAY_IDX(f->events, i, const char *),
                        rec->event)) {
                return 1;
            }
        }
        return 0;
    }
    return 1;
}

/* Reads the records of FILE with the per-file pool FP. */
static int read_file(apr_pool_t *fp, const char *file, const xa_filter *f,
                     xa_record_fn fn, void *baton, long *bad)
{
    xa_input *in = xa_input_open(fp, file);
    apr_pool_t *rp;
    xa_line line;
    int rc;

    if (!in) {
        return -1;
    }
    apr_pool_create(&rp, fp);
    while ((rc = xa_input_read(in, &line)) > 0) {
        xa_record rec;

        if (!line.complete || line.too_long
            || xa_record_parse(&rec, rp, line.data, line.len) != 0) {
            (*bad)++;
        }
        else if (xa_filter_match(f, &rec)) {
            fn(&rec, baton);
        }
        apr_pool_clear(rp);
    }
    xa_input_close(in);
    return rc < 0 ? -1 : 0;
}

int xa_read_files(apr_pool_t *p, const char *const *files, int nfiles,
                  const xa_filter *f, xa_record_fn fn, void *baton,
                  long *bad)
{
    apr_pool_t *fp;
    int rc = 0;
    int i;

    apr_pool_create(&fp, p);
    for (i = 0; i < nfiles && rc == 0; i++) {
        rc = read_file(fp, files[i], f, fn, baton, bad);
        apr_pool_clear(fp);
    }
    apr_pool_destroy(fp);
    return rc;
}
