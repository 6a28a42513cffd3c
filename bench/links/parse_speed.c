/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* Compares, on one page file, the speed of mod_extranet's HTML rewriter
 * (tokenizer, link decisions and output) with libxml2's HTML push parser
 * driven with empty SAX callbacks, which is the least a SAX-based filter
 * pays before it writes anything. Both read the page in 8000-byte pieces,
 * as httpd hands a file to an output filter.
 *
 *   parse_speed PAGE ITERATIONS */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_time.h>
#include <libxml/HTMLparser.h>

#include "xn_html.h"

#define PIECE 8000

static apr_size_t output_bytes;

static apr_status_t count_output(void *baton, const char *data, apr_size_t len)
{
    (void)baton;
    (void)data;
    output_bytes += len;
    return APR_SUCCESS;
}

static void ignore_element(void *ctx, const xmlChar *name, const xmlChar **attrs)
{
    (void)ctx;
    (void)name;
    (void)attrs;
}

static void ignore_text(void *ctx, const xmlChar *text, int len)
{
    (void)ctx;
    (void)text;
    (void)len;
}

static xn_rules *demo_rules(apr_pool_t *p, xn_rolemap **map)
{
    static const char *const patterns[] = { "/publiek/", "/personeel/", "/raad/", "/" };
    apr_array_header_t *specs = apr_array_make(p, 4, sizeof(xn_rule_spec));
    xn_rules *rules = NULL;
    const char *err = NULL;
    int i;

    *map = xn_rolemap_create(p);
    xn_rolemap_add(*map, "raad", NULL, &err);
    xn_rolemap_add(*map, "personeel", NULL, &err);
    for (i = 0; i < 4; i++) {
        xn_rule_spec *spec = apr_array_push(specs);

        memset(spec, 0, sizeof(*spec));
        spec->pattern = patterns[i];
        spec->kind = i ? XN_RULE_ALLOW : XN_RULE_PUBLIC;
        spec->role_names = apr_array_make(p, 2, sizeof(const char *));
        spec->source = "parse_speed";
        *(const char **)apr_array_push(spec->role_names) = "personeel";
        if (i != 1) {
            *(const char **)apr_array_push(spec->role_names) = "raad";
        }
    }
    if (xn_rules_compile(&rules, p, specs, *map, 0, &err) != APR_SUCCESS) {
        fprintf(stderr, "parse_speed: %s\n", err);
        exit(2);
    }
    return rules;
}

static double rewrite_seconds(apr_pool_t *p, const char *page, apr_size_t len,
                              int iterations)
{
    xn_rolemap *map = NULL;
    xn_rules *rules = demo_rules(p, &map);
    apr_time_t start = apr_time_now();
    int k;

    for (k = 0; k < iterations; k++) {
        apr_pool_t *rp = NULL;
        xn_html_options opt;
        xn_html *html = NULL;
        apr_size_t i;

        apr_pool_create(&rp, p);
        memset(&opt, 0, sizeof(opt));
        opt.rules = rules;
        opt.rolemap = map;
        opt.roles = 1;                 /* raad */
        opt.check_links = 1;
        opt.origin.scheme = "http";
        opt.origin.host = "127.0.0.1";
        opt.page_path = "/links/page.html";
        xn_html_create(&html, rp, &opt, count_output, NULL);
        for (i = 0; i < len; i += PIECE) {
            xn_html_feed(html, page + i, len - i < PIECE ? len - i : PIECE);
        }
        xn_html_finish(html);
        apr_pool_destroy(rp);
    }
    return (double)(apr_time_now() - start) / APR_USEC_PER_SEC;
}

static double libxml2_seconds(const char *page, apr_size_t len, int iterations)
{
    htmlSAXHandler sax;
    apr_time_t start = apr_time_now();
    int k;

    memset(&sax, 0, sizeof(sax));
    sax.startElement = ignore_element;
    sax.characters = ignore_text;
    sax.cdataBlock = ignore_text;
    for (k = 0; k < iterations; k++) {
        htmlParserCtxtPtr ctx = htmlCreatePushParserCtxt(&sax, NULL, NULL, 0,
                                                         NULL,
                                                         XML_CHAR_ENCODING_UTF8);
        apr_size_t i;

        htmlCtxtUseOptions(ctx, HTML_PARSE_RECOVER | HTML_PARSE_NONET
                                | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
        for (i = 0; i < len; i += PIECE) {
            htmlParseChunk(ctx, page + i, (int)(len - i < PIECE ? len - i : PIECE), 0);
        }
        htmlParseChunk(ctx, NULL, 0, 1);
        htmlFreeParserCtxt(ctx);
    }
    return (double)(apr_time_now() - start) / APR_USEC_PER_SEC;
}

int main(int argc, char **argv)
{
    apr_pool_t *p = NULL;
    FILE *f;
    char *page;
    long len;
    int iterations;
    double mb, rewrite, sax;

    if (argc != 3 || (iterations = atoi(argv[2])) <= 0) {
        fprintf(stderr, "usage: parse_speed PAGE ITERATIONS\n");
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) <= 0) {
        fprintf(stderr, "parse_speed: failed to read %s\n", argv[1]);
        return 2;
    }
    rewind(f);
    page = malloc((size_t)len);
    if (!page || fread(page, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "parse_speed: failed to read %s\n", argv[1]);
        return 2;
    }
    fclose(f);
    apr_initialize();
    apr_pool_create(&p, NULL);
    xmlInitParser();

    mb = (double)len * iterations / 1048576;
    rewrite = rewrite_seconds(p, page, (apr_size_t)len, iterations);
    sax = libxml2_seconds(page, (apr_size_t)len, iterations);
    printf("page %ld bytes, %d iterations, one thread\n", len, iterations);
    printf("  xn_html rewrite:                 %7.1f MB/s\n", mb / rewrite);
    printf("  libxml2 %s push parse, no-op SAX: %7.1f MB/s\n", xmlParserVersion, mb / sax);
    free(page);
    apr_terminate();
    return 0;
}
