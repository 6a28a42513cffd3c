/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "xn_audit.h"
#include "xn_escape.h"

#define XN_AUDIT_PATH_MAX   1024
#define XN_AUDIT_FIELD_MAX  256

/* Room kept free for ,"truncated":true}\n and the NUL. */
#define XN_AUDIT_TAIL       24

typedef struct audit_buffer {
    char *data;
    apr_size_t used;
    apr_size_t limit;        /* fields stop here; the tail goes after it */
    int truncated;
} audit_buffer;

static void append_raw(audit_buffer *b, const char *s)
{
    apr_size_t n = strlen(s);

    memcpy(b->data + b->used, s, n);
    b->used += n;
    b->data[b->used] = '\0';
}

/* Appends ,"NAME":"VALUE" with VALUE escaped and cut to MAX input bytes. A
 * field that does not fit at all is left out and marks the record as
 * truncated. */
static void append_string(audit_buffer *b, const char *name,
                          const char *value, apr_size_t max)
{
    apr_size_t need = strlen(name) + 6;

    if (value == NULL) {
        return;
    }
    if (b->used + need >= b->limit) {
        b->truncated = 1;
        return;
    }

    append_raw(b, b->used > 1 ? ",\"" : "\"");
    append_raw(b, name);
    append_raw(b, "\":\"");
    if (xn_json_append(b->data, b->limit - 1, &b->used, value, max)) {
        b->truncated = 1;
    }
    append_raw(b, "\"");
}

static void append_number(audit_buffer *b, const char *name, apr_off_t value)
{
    char field[96];

    if (value < 0) {
        return;
    }
    apr_snprintf(field, sizeof(field), ",\"%s\":%" APR_OFF_T_FMT, name, value);
    if (b->used + strlen(field) >= b->limit) {
        b->truncated = 1;
        return;
    }
    append_raw(b, field);
}

/* Formats T as local time with milliseconds and the UTC offset. */
static void format_time(char *out, apr_size_t size, apr_time_t t)
{
    apr_time_exp_t xt;
    apr_int32_t offset;
    char sign = '+';

    apr_time_exp_lt(&xt, t);
    offset = xt.tm_gmtoff / 60;
    if (offset < 0) {
        sign = '-';
        offset = -offset;
    }
    apr_snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02d:%02d",
                 xt.tm_year + 1900, xt.tm_mon + 1, xt.tm_mday, xt.tm_hour,
                 xt.tm_min, xt.tm_sec, xt.tm_usec / 1000, sign,
                 (int)(offset / 60), (int)(offset % 60));
}

char *xn_audit_format(apr_pool_t *p, const xn_audit_record *rec,
                      apr_size_t *len)
{
    audit_buffer b;
    char stamp[64];

    b.data = apr_palloc(p, XN_AUDIT_LINE_MAX);
    b.used = 0;
    b.limit = XN_AUDIT_LINE_MAX - XN_AUDIT_CHAIN_RESERVE - XN_AUDIT_TAIL;
    b.truncated = 0;
    append_raw(&b, "{");

    format_time(stamp, sizeof(stamp), rec->time);
    append_string(&b, "time", stamp, sizeof(stamp));
    append_string(&b, "event", rec->event, XN_AUDIT_FIELD_MAX);
    append_string(&b, "user", rec->user, XN_AUDIT_FIELD_MAX);
    append_string(&b, "roles", rec->roles, XN_AUDIT_FIELD_MAX);
    append_string(&b, "client", rec->client, XN_AUDIT_FIELD_MAX);
    append_string(&b, "method", rec->method, XN_AUDIT_FIELD_MAX);
    append_string(&b, "path", rec->path, XN_AUDIT_PATH_MAX);
    append_string(&b, "query", rec->query, XN_AUDIT_PATH_MAX);
    append_number(&b, "status", rec->status);
    append_number(&b, "bytes", rec->bytes);
    append_string(&b, "rule", rec->rule, XN_AUDIT_FIELD_MAX);
    append_string(&b, "reason", rec->reason, XN_AUDIT_FIELD_MAX);
    append_string(&b, "detail", rec->detail, XN_AUDIT_FIELD_MAX);
    append_string(&b, "request_id", rec->request_id, XN_AUDIT_FIELD_MAX);
    append_string(&b, "host", rec->host, XN_AUDIT_FIELD_MAX);
    append_string(&b, "target", rec->target, XN_AUDIT_FIELD_MAX);

    if (b.truncated) {
        append_raw(&b, ",\"truncated\":true");
    }
    append_raw(&b, "}\n");
    *len = b.used;
    return b.data;
}
