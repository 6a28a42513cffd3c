/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include "xa_record.h"

static const char *const columns[] = {
    "time", "event", "user", "roles", "client", "method", "path", "query",
    "status", "bytes", "rule", "reason", "detail", "request_id", "host",
    "seq", NULL
};

static const char *column_value(const xa_record *rec, int i)
{
    const char *const values[] = {
        rec->time, rec->event, rec->user, rec->roles, rec->client,
        rec->method, rec->path, rec->query, rec->status, rec->bytes,
        rec->rule, rec->reason, rec->detail, rec->request_id, rec->host,
        rec->seq
    };

    return values[i];
}

void xa_csv_field(FILE *out, const char *value, char separator)
{
    const char *c;
    int quote = 0;

    if (!value) {
        return;
    }
    for (c = value; *c; c++) {
        if (*c == separator || *c == '"' || *c == '\n' || *c == '\r') {
            quote = 1;
        }
    }
    if (strchr("=+-@", value[0]) && value[0]) {
        quote = 1;
    }
    if (!quote) {
        fputs(value, out);
        return;
    }
    fputc('"', out);
    if (strchr("=+-@", value[0]) && value[0]) {
        fputc('\'', out);
    }
    for (c = value; *c; c++) {
        if (*c == '"') {
            fputc('"', out);
        }
        fputc(*c, out);
    }
    fputc('"', out);
}

static void output_csv(xa_output *o, const xa_record *rec)
{
    int i;

    if (!o->header_done) {
        if (o->bom) {
            fputs("\xef\xbb\xbf", o->out);
        }
        for (i = 0; columns[i]; i++) {
            if (i) {
                fputc(o->separator, o->out);
            }
            fputs(columns[i], o->out);
        }
        fputs("\r\n", o->out);
        o->header_done = 1;
    }
    for (i = 0; columns[i]; i++) {
        if (i) {
            fputc(o->separator, o->out);
        }
        xa_csv_field(o->out, column_value(rec, i), o->separator);
    }
    fputs("\r\n", o->out);
}

int xa_text_width(const char *value)
{
    const unsigned char *c = (const unsigned char *)value;
    int width = 0;

    for (; *c; c++) {
        if ((*c & 0xc0) != 0x80) {
            width++;
        }
    }
    return width;
}

/* Prints VALUE in WIDTH columns (counting UTF-8 characters), cut with '~'. */
static void cell(FILE *out, const char *value, int width)
{
    int shown = 0;
    const unsigned char *c = (const unsigned char *)(value ? value : "-");

    while (*c && shown < width) {
        const unsigned char *next = c + 1;

        while ((*next & 0xc0) == 0x80) {
            next++;
        }
        if (shown == width - 1 && *next) {
            fputc('~', out);
            shown++;
            break;
        }
        fwrite(c, 1, (size_t)(next - c), out);
        shown++;
        c = next;
    }
    for (; shown < width; shown++) {
        fputc(' ', out);
    }
    fputc(' ', out);
}

static void output_table(xa_output *o, const xa_record *rec)
{
    if (!o->header_done) {
        fprintf(o->out, "%-23s %-14s %-16s %-12s %-40s %-6s %s\n", "time",
                "event", "user", "roles", "path", "status", "reason");
        o->header_done = 1;
    }
    cell(o->out, rec->time, 23);
    cell(o->out, rec->event, 14);
    cell(o->out, rec->user, 16);
    cell(o->out, rec->roles, 12);
    cell(o->out, rec->path, 40);
    cell(o->out, rec->status, 6);
    fputs(rec->reason ? rec->reason : (rec->detail ? rec->detail : "-"),
          o->out);
    fputc('\n', o->out);
}

void xa_output_record(xa_output *o, const xa_record *rec)
{
    switch (o->format) {
    case XA_JSON:
        fputs(rec->line, o->out);
        fputc('\n', o->out);
        break;
    case XA_CSV:
        output_csv(o, rec);
        break;
    case XA_TABLE:
        output_table(o, rec);
        break;
    }
}
