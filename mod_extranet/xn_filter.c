/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <apr_lib.h>
#include <apr_strings.h>

#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>

#include <zlib.h>

#include "xn_auth.h"
#include "xn_config.h"
#include "xn_filter.h"
#include "xn_html.h"

#define FILTER_NAME "EXTRANET_LINKS"

/* Request headers that the fixups hook takes off a proxied request, so the
 * backend sends the whole page uncompressed, and that the filter puts back
 * before mod_deflate and the byterange filter read them. */
static const char *const stashed_headers[] = {
    "Accept-Encoding", "Range", "If-Range", NULL
};
#define NOTE_PREFIX "extranet-links-"

#define PASS_BYTES    (64 * 1024)     /* output passed on in pieces this big */
#define INFLATE_BYTES (32 * 1024)

typedef struct link_filter_ctx {
    xn_html *html;
    apr_bucket_brigade *out;
    apr_size_t pending;                /* bytes in out */
    char *buf;                         /* output not yet in a bucket */
    apr_size_t buf_len;
    apr_bucket_alloc_t *bucket_alloc;
    z_stream *zs;                      /* NULL unless the body is compressed */
    int zs_raw;                        /* "deflate" without the zlib header */
    int zs_started;
    int zs_ended;
    unsigned char *zbuf;
    unsigned char head[4];             /* first body bytes, until checked */
    apr_size_t head_len;
    int head_checked;                  /* the byte order mark check ran */
    int unreadable;                    /* the body is UTF-16 or UTF-32 */
    int failed;                        /* the response was replaced by an error */
} link_filter_ctx;

/* ---------------------------------------------------------------------- */
/* Directives                                                               */
/* ---------------------------------------------------------------------- */

const char *xn_filter_set_enabled(cmd_parms *cmd, void *dconfv, int flag)
{
    xn_dir_config *dconf = dconfv;

    (void)cmd;
    dconf->link_filter = flag;
    return NULL;
}

const char *xn_filter_set_removal(cmd_parms *cmd, void *dconfv,
                                  const char *arg)
{
    xn_dir_config *dconf = dconfv;

    if (!strcasecmp(arg, "item")) {
        dconf->link_removal = XN_REMOVE_ITEM;
    }
    else if (!strcasecmp(arg, "element")) {
        dconf->link_removal = XN_REMOVE_ELEMENT;
    }
    else if (!strcasecmp(arg, "unwrap")) {
        dconf->link_removal = XN_REMOVE_UNWRAP;
    }
    else {
        return apr_psprintf(cmd->pool, "ExtranetLinkRemoval: invalid value "
                            "\"%s\"; expected item, element or unwrap", arg);
    }
    return NULL;
}

const char *xn_filter_set_role_attribute(cmd_parms *cmd, void *dconfv,
                                         const char *arg)
{
    xn_dir_config *dconf = dconfv;
    char *name = apr_pstrdup(cmd->pool, arg);
    char *c;

    if (!apr_isalpha(*name)) {
        return apr_psprintf(cmd->pool, "ExtranetRoleAttribute: invalid "
                            "attribute name \"%s\"; expected a letter "
                            "followed by letters, digits, '-', '_' or ':'",
                            arg);
    }
    for (c = name; *c; c++) {
        if (!apr_isalnum(*c) && *c != '-' && *c != '_' && *c != ':') {
            return apr_psprintf(cmd->pool, "ExtranetRoleAttribute: invalid "
                                "attribute name \"%s\"; expected a letter "
                                "followed by letters, digits, '-', '_' or "
                                "':'", arg);
        }
        *c = (char)apr_tolower(*c);
    }
    dconf->role_attribute = name;
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Hooks                                                                    */
/* ---------------------------------------------------------------------- */

static int filter_configured(request_rec *r)
{
    const xn_server_config *sconf = xn_config_server(r->server);
    const xn_dir_config *dconf = xn_config_dir(r);

    return !r->main && sconf->enabled == 1 && dconf->link_filter != 0
           && !xn_auth_is_endpoint(r, sconf);
}

static void insert_filter(request_rec *r)
{
    if (filter_configured(r)) {
        ap_add_output_filter(FILTER_NAME, NULL, r, r->connection);
    }
}

/* A reverse-proxied page must reach the filter whole and in an encoding it
 * can read, so the backend is asked for identity and never for a range. */
static int proxy_fixups(request_rec *r)
{
    int i;

    if (r->proxyreq != PROXYREQ_REVERSE || !filter_configured(r)) {
        return DECLINED;
    }
    for (i = 0; stashed_headers[i]; i++) {
        const char *value = apr_table_get(r->headers_in, stashed_headers[i]);

        if (value) {
            apr_table_setn(r->notes, apr_pstrcat(r->pool, NOTE_PREFIX,
                                                 stashed_headers[i], NULL),
                           value);
            apr_table_unset(r->headers_in, stashed_headers[i]);
        }
    }
    apr_table_setn(r->headers_in, "Accept-Encoding", "identity");
    return DECLINED;
}

static void restore_stashed_headers(request_rec *r)
{
    int i;

    if (r->proxyreq != PROXYREQ_REVERSE) {
        return;
    }
    apr_table_unset(r->headers_in, "Accept-Encoding");
    for (i = 0; stashed_headers[i]; i++) {
        const char *value = apr_table_get(r->notes,
                                          apr_pstrcat(r->pool, NOTE_PREFIX,
                                                      stashed_headers[i],
                                                      NULL));

        if (value) {
            apr_table_setn(r->headers_in, stashed_headers[i], value);
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Response set-up                                                          */
/* ---------------------------------------------------------------------- */

static int is_html(const char *type)
{
    apr_size_t len;

    if (!type) {
        return 0;
    }
    len = strcspn(type, "; \t");
    return (len == 9 && !strncasecmp(type, "text/html", 9))
           || (len == 21 && !strncasecmp(type, "application/xhtml+xml", 21));
}

/* Returns non-zero for a charset the tokenizer cannot read: one in which
 * ASCII characters are not single ASCII bytes. */
static int unreadable_charset(const char *type)
{
    const char *charset = type ? ap_strcasestr(type, "charset=") : NULL;

    if (!charset) {
        return 0;
    }
    charset += 8;
    charset += (*charset == '"');
    return !strncasecmp(charset, "utf-16", 6) || !strncasecmp(charset, "utf-32", 6)
           || !strncasecmp(charset, "ucs-", 4) || !strncasecmp(charset, "utf-7", 5);
}

static const char *response_encoding(request_rec *r)
{
    const char *ce = apr_table_get(r->headers_out, "Content-Encoding");

    if (!ce) {
        ce = apr_table_get(r->err_headers_out, "Content-Encoding");
    }
    if (!ce) {
        ce = r->content_encoding;
    }
    return ce;
}

static apr_status_t inflate_cleanup(void *data)
{
    inflateEnd(data);
    return APR_SUCCESS;
}

/* Prepares inflation of a gzip or deflate body. Returns 0 for another
 * encoding, which the filter cannot read. */
static int setup_inflate(request_rec *r, link_filter_ctx *ctx, const char *ce)
{
    if (!ce || !strcasecmp(ce, "identity")) {
        return 1;
    }
    if (strcasecmp(ce, "gzip") && strcasecmp(ce, "x-gzip")
        && strcasecmp(ce, "deflate")) {
        return 0;
    }
    ctx->zs = apr_pcalloc(r->pool, sizeof(*ctx->zs));
    if (inflateInit2(ctx->zs, 15 + 32) != Z_OK) {
        return 0;
    }
    apr_pool_cleanup_register(r->pool, ctx->zs, inflate_cleanup,
                              apr_pool_cleanup_null);
    ctx->zs_raw = !strcasecmp(ce, "deflate");
    ctx->zbuf = apr_palloc(r->pool, INFLATE_BYTES);
    apr_table_unset(r->headers_out, "Content-Encoding");
    apr_table_unset(r->err_headers_out, "Content-Encoding");
    r->content_encoding = NULL;
    return 1;
}

/* The filtered body differs by user and is produced as it streams. */
static void set_response_headers(request_rec *r)
{
    const char *etag = apr_table_get(r->headers_out, "ETag");
    const char *cache = apr_table_get(r->headers_out, "Cache-Control");
    const char *vary = apr_table_get(r->headers_out, "Vary");

    apr_table_unset(r->headers_out, "Content-Length");
    apr_table_unset(r->headers_out, "Content-MD5");
    if (etag && strncmp(etag, "W/", 2)) {
        apr_table_setn(r->headers_out, "ETag",
                       apr_pstrcat(r->pool, "W/", etag, NULL));
    }
    if (!cache || !ap_strcasestr(cache, "private")) {
        apr_table_mergen(r->headers_out, "Cache-Control", "private");
    }
    if (!vary || !ap_strcasestr(vary, "cookie")) {
        apr_table_mergen(r->headers_out, "Vary", "Cookie");
    }
}

/* Moves the output buffer into a bucket at the end of ctx->out. */
static void flush_buffer(link_filter_ctx *ctx)
{
    apr_bucket *e;

    if (!ctx->buf) {
        return;
    }
    e = apr_bucket_heap_create(ctx->buf, ctx->buf_len, apr_bucket_free,
                               ctx->bucket_alloc);
    APR_BRIGADE_INSERT_TAIL(ctx->out, e);
    ctx->pending += ctx->buf_len;
    ctx->buf = NULL;
    ctx->buf_len = 0;
}

/* Collects the rewriter's many small writes in full buckets.
 * apr_brigade_write() would give each write that no longer fits its own
 * bucket, and a page of small buckets costs the later filters dearly. */
static apr_status_t write_output(void *baton, const char *data,
                                 apr_size_t len)
{
    link_filter_ctx *ctx = baton;

    while (len) {
        apr_size_t n;

        if (!ctx->buf) {
            ctx->buf = apr_bucket_alloc(APR_BUCKET_BUFF_SIZE,
                                        ctx->bucket_alloc);
        }
        n = APR_BUCKET_BUFF_SIZE - ctx->buf_len;
        n = n < len ? n : len;
        memcpy(ctx->buf + ctx->buf_len, data, n);
        ctx->buf_len += n;
        data += n;
        len -= n;
        if (ctx->buf_len == APR_BUCKET_BUFF_SIZE) {
            flush_buffer(ctx);
        }
    }
    return APR_SUCCESS;
}

static request_rec *first_request(request_rec *r)
{
    while (r->prev) {
        r = r->prev;
    }
    return r;
}

static void add_names(apr_array_header_t *list,
                      const apr_array_header_t *names)
{
    int i;

    for (i = 0; names && i < names->nelts; i++) {
        *(const char **)apr_array_push(list) = APR_ARRAY_IDX(names, i,
                                                             const char *);
    }
}

/* Returns the NULL-terminated names of this server besides the request's
 * Host: ServerName, ServerAlias names and patterns, and the local address
 * the client connected to. A link to any of them reaches this server
 * whatever Host header the client sent. */
static const char *const *server_names(request_rec *r)
{
    apr_array_header_t *list = apr_array_make(r->pool, 8,
                                              sizeof(const char *));

    if (r->server->server_hostname) {
        *(const char **)apr_array_push(list) = r->server->server_hostname;
    }
    add_names(list, r->server->names);
    add_names(list, r->server->wild_names);
    if (r->connection->local_ip) {
        *(const char **)apr_array_push(list) = r->connection->local_ip;
    }
    *(const char **)apr_array_push(list) = NULL;
    return (const char *const *)list->elts;
}

static apr_status_t create_rewriter(ap_filter_t *f, link_filter_ctx *ctx)
{
    request_rec *r = f->r;
    const xn_server_config *sconf = xn_config_server(r->server);
    const xn_dir_config *dconf = xn_config_dir(r);
    const xn_request *state = xn_request_get(r);
    const char *path = first_request(r)->parsed_uri.path;
    xn_html_options opt;

    memset(&opt, 0, sizeof(opt));
    opt.rules = sconf->rules;
    opt.rolemap = sconf->rolemap;
    if (state->extranet_user) {
        opt.roles = state->roles;
        opt.check_links = 1;
    }
    else if (r->user) {
        /* Signed in some other way: the rule table does not apply, so
         * links stay, and so do marked blocks. */
        opt.all_roles = 1;
    }
    opt.removal = dconf->link_removal < 0 ? XN_REMOVE_ITEM
                                          : (xn_html_removal_e)dconf->link_removal;
    opt.role_attribute = dconf->role_attribute ? dconf->role_attribute
                                               : "data-extranet-roles";
    opt.origin.scheme = ap_http_scheme(r);
    opt.origin.host = r->hostname ? r->hostname : r->server->server_hostname;
    opt.origin.aliases = server_names(r);
    opt.page_path = path && *path == '/' ? path : "/";
    ctx->out = apr_brigade_create(r->pool, f->c->bucket_alloc);
    ctx->bucket_alloc = f->c->bucket_alloc;
    return xn_html_create(&ctx->html, r->pool, &opt, write_output, ctx);
}

/* Replaces the response by an error, before any byte of it has been passed
 * on. Returns what passing the error returns. */
static apr_status_t fail_response(ap_filter_t *f, apr_bucket_brigade *bb,
                                  int status)
{
    link_filter_ctx *ctx = f->ctx;

    ctx->failed = 1;
    apr_brigade_cleanup(bb);
    APR_BRIGADE_INSERT_TAIL(bb, ap_bucket_error_create(status, NULL,
                                                       f->r->pool,
                                                       f->c->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
    return ap_pass_brigade(f->next, bb);
}

/* Sets up the filter for the response. Returns OK to filter it, DECLINED
 * to let it pass, or an HTTP status for a page that cannot be filtered. */
static int start_response(ap_filter_t *f)
{
    request_rec *r = f->r;
    link_filter_ctx *ctx;
    const char *ce;
    const char *accept;

    /* The byterange filter serves a range of any response from the whole
     * body that the backend sent. */
    restore_stashed_headers(r);
    if (!is_html(r->content_type)) {
        return DECLINED;
    }
    if (r->header_only || r->status == HTTP_NO_CONTENT
        || r->status == HTTP_NOT_MODIFIED) {
        set_response_headers(r);
        return DECLINED;
    }
    ctx = f->ctx = apr_pcalloc(r->pool, sizeof(*ctx));
    if (r->status == HTTP_PARTIAL_CONTENT) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(1101)
                      "partial content of an HTML page cannot be filtered; "
                      "response replaced by 502");
        return HTTP_BAD_GATEWAY;
    }
    if (unreadable_charset(r->content_type)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(1102)
                      "HTML in %s cannot be filtered; response replaced by "
                      "500", r->content_type);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ce = response_encoding(r);
    if (!setup_inflate(r, ctx, ce)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(1103)
                      "HTML with content encoding %s cannot be filtered; "
                      "response replaced by 502", ce);
        return HTTP_BAD_GATEWAY;
    }
    accept = apr_table_get(r->headers_in, "Accept-Encoding");
    if (ctx->zs && accept && ap_strcasestr(accept, "gzip")
        && ap_get_output_filter_handle("DEFLATE")) {
        ap_add_output_filter("DEFLATE", NULL, r, r->connection);
    }
    set_response_headers(r);
    if (create_rewriter(f, ctx) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/* ---------------------------------------------------------------------- */
/* Body                                                                     */
/* ---------------------------------------------------------------------- */

/* Returns non-zero when the LEN bytes at DATA start with a UTF-16 or
 * UTF-32 byte order mark. UTF-32LE starts with the UTF-16LE mark. */
static int utf16_bom(const unsigned char *data, apr_size_t len)
{
    if (len >= 2 && ((data[0] == 0xFE && data[1] == 0xFF)
                     || (data[0] == 0xFF && data[1] == 0xFE))) {
        return 1;
    }
    return len >= 4 && data[0] == 0 && data[1] == 0 && data[2] == 0xFE
           && data[3] == 0xFF;
}

/* Checks the first body bytes for a byte order mark, then feeds the
 * rewriter. Bytes are held back until 4 are known or the body ends
 * (AT_END), so a mark split across buckets is found too. Sets
 * ctx->unreadable and returns APR_EGENERAL for a UTF-16 or UTF-32 body. */
static apr_status_t feed_body(request_rec *r, link_filter_ctx *ctx,
                              const char *data, apr_size_t len, int at_end)
{
    apr_status_t rv;

    if (!ctx->head_checked) {
        while (ctx->head_len < sizeof(ctx->head) && len) {
            ctx->head[ctx->head_len++] = (unsigned char)*data++;
            len--;
        }
        if (ctx->head_len < sizeof(ctx->head) && !at_end) {
            return APR_SUCCESS;
        }
        ctx->head_checked = 1;
        if (utf16_bom(ctx->head, ctx->head_len)) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(1106)
                          "HTML in UTF-16 or UTF-32 cannot be filtered; "
                          "response replaced by 500");
            ctx->unreadable = 1;
            return APR_EGENERAL;
        }
        rv = xn_html_feed(ctx->html, (const char *)ctx->head, ctx->head_len);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    return len ? xn_html_feed(ctx->html, data, len) : APR_SUCCESS;
}

static int zlib_header(const unsigned char *data, apr_size_t len)
{
    return len >= 2 && (data[0] & 0x0F) == 8
           && ((data[0] << 8) | data[1]) % 31 == 0;
}

static apr_status_t feed_compressed(request_rec *r, link_filter_ctx *ctx,
                                    const char *data, apr_size_t len)
{
    z_stream *zs = ctx->zs;
    apr_status_t rv = APR_SUCCESS;

    if (!ctx->zs_started) {
        ctx->zs_started = 1;
        if (ctx->zs_raw && !zlib_header((const unsigned char *)data, len)) {
            inflateReset2(zs, -15);
        }
    }
    zs->next_in = (unsigned char *)data;
    zs->avail_in = (uInt)len;
    while (zs->avail_in > 0 && rv == APR_SUCCESS) {
        int zrv;

        if (ctx->zs_ended) {
            /* Another gzip member follows, which browsers decode too. */
            inflateReset(zs);
            ctx->zs_ended = 0;
        }

        zs->next_out = ctx->zbuf;
        zs->avail_out = INFLATE_BYTES;
        zrv = inflate(zs, Z_NO_FLUSH);
        if (zrv != Z_OK && zrv != Z_STREAM_END && zrv != Z_BUF_ERROR) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(1104)
                          "cannot inflate the HTML page: %s",
                          zs->msg ? zs->msg : "invalid data");
            return APR_EGENERAL;
        }
        ctx->zs_ended = zrv == Z_STREAM_END;
        rv = feed_body(r, ctx, (const char *)ctx->zbuf,
                       INFLATE_BYTES - zs->avail_out, 0);
        if (zrv == Z_BUF_ERROR) {
            break;
        }
    }
    return rv;
}

static apr_status_t pass_output(ap_filter_t *f, link_filter_ctx *ctx)
{
    apr_status_t rv;

    flush_buffer(ctx);
    rv = ap_pass_brigade(f->next, ctx->out);

    apr_brigade_cleanup(ctx->out);
    ctx->pending = 0;
    return rv;
}

static apr_status_t finish(ap_filter_t *f, link_filter_ctx *ctx,
                          apr_bucket *eos)
{
    const xn_html_stats *stats;

    xn_html_finish(ctx->html);
    stats = xn_html_get_stats(ctx->html);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, f->r, XNLOGNO(1105)
                  "link filter removed %" APR_SIZE_T_FMT " links and %"
                  APR_SIZE_T_FMT " marked blocks, dropped %" APR_SIZE_T_FMT
                  " overlong tags", stats->links_removed,
                  stats->blocks_removed, stats->tags_too_long);
    flush_buffer(ctx);
    APR_BUCKET_REMOVE(eos);
    APR_BRIGADE_INSERT_TAIL(ctx->out, eos);
    return pass_output(f, ctx);
}

/* Feeds one data bucket. Returns an HTTP status when the page turns out
 * to be unreadable before anything was passed on, else OK. */
static int feed_bucket(ap_filter_t *f, link_filter_ctx *ctx, apr_bucket *e,
                       apr_status_t *rv)
{
    const char *data;
    apr_size_t len;

    /* NOTE: reading a mapped file bucket grew the child's anonymous RSS by
     * the whole file size (measured with httpd 2.4 on Debian), so files are
     * read in pieces instead. */
    if (APR_BUCKET_IS_FILE(e)) {
        apr_bucket_file_enable_mmap(e, 0);
    }
    *rv = apr_bucket_read(e, &data, &len, APR_BLOCK_READ);
    if (*rv != APR_SUCCESS || len == 0) {
        return OK;
    }
    *rv = ctx->zs ? feed_compressed(f->r, ctx, data, len)
                  : feed_body(f->r, ctx, data, len, 0);
    return ctx->unreadable ? HTTP_INTERNAL_SERVER_ERROR : OK;
}

static apr_status_t link_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    link_filter_ctx *ctx = f->ctx;
    apr_status_t rv = APR_SUCCESS;

    if (!ctx) {
        int status = start_response(f);

        if (status == DECLINED) {
            ap_remove_output_filter(f);
            return ap_pass_brigade(f->next, bb);
        }
        ctx = f->ctx;
        if (status != OK) {
            return fail_response(f, bb, status);
        }
    }
    if (ctx->failed) {
        apr_brigade_cleanup(bb);
        return APR_SUCCESS;
    }

    while (!APR_BRIGADE_EMPTY(bb) && rv == APR_SUCCESS) {
        apr_bucket *e = APR_BRIGADE_FIRST(bb);

        if (APR_BUCKET_IS_EOS(e)) {
            if (feed_body(f->r, ctx, NULL, 0, 1) != APR_SUCCESS
                && ctx->unreadable) {
                return fail_response(f, bb, HTTP_INTERNAL_SERVER_ERROR);
            }
            return finish(f, ctx, e);
        }
        if (APR_BUCKET_IS_FLUSH(e) && !ctx->head_checked) {
            /* Passing it would send the headers, and the status could no
             * longer change if the byte order mark check fails. */
            apr_bucket_delete(e);
            continue;
        }
        if (APR_BUCKET_IS_FLUSH(e)) {
            flush_buffer(ctx);
            APR_BUCKET_REMOVE(e);
            APR_BRIGADE_INSERT_TAIL(ctx->out, e);
            rv = pass_output(f, ctx);
            continue;
        }
        if (APR_BUCKET_IS_METADATA(e)) {
            flush_buffer(ctx);
            APR_BUCKET_REMOVE(e);
            APR_BRIGADE_INSERT_TAIL(ctx->out, e);
            continue;
        }
        if (feed_bucket(f, ctx, e, &rv) != OK) {
            return fail_response(f, bb, HTTP_INTERNAL_SERVER_ERROR);
        }
        apr_bucket_delete(e);
        if (rv == APR_SUCCESS && ctx->pending >= PASS_BYTES) {
            rv = pass_output(f, ctx);
        }
    }
    if (rv != APR_SUCCESS) {
        /* The page is cut off here: nothing unfiltered may follow. */
        ctx->failed = 1;
        apr_brigade_cleanup(bb);
    }
    return rv;
}

void xn_filter_register(apr_pool_t *p)
{
    (void)p;
    /* After every resource filter (mod_include, mod_substitute,
     * mod_proxy_html), so the filter sees the page as it will be sent, and
     * before DEFLATE (AP_FTYPE_CONTENT_SET + 1). */
    ap_register_output_filter(FILTER_NAME, link_filter, NULL,
                              AP_FTYPE_CONTENT_SET - 1);
    ap_hook_insert_filter(insert_filter, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(proxy_fixups, NULL, NULL, APR_HOOK_LAST);
}
