/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#ifndef XN_HTML_H
#define XN_HTML_H

#include "xn_core.h"
#include "xn_links.h"
#include "xn_roles.h"
#include "xn_rules.h"

/* A streaming HTML rewriter that removes links a user may not open and
 * blocks marked for roles the user lacks. It splits the input into text,
 * comments, doctypes and tags with the tokenizer rules of the WHATWG HTML
 * standard, so it finds the same tag boundaries as a browser. Every byte it
 * does not remove is copied unchanged, so the output keeps the input's
 * character encoding, entities, comments and script and style content.
 * The input must be in an encoding where ASCII bytes stand for ASCII
 * characters (UTF-8, windows-1252, ISO-8859-x and the like), not UTF-16.
 *
 * Memory: one tag is buffered at a time (at most max_tag bytes), and in item
 * mode a list item is held back until it ends (at most max_hold bytes), so
 * memory stays bounded whatever the page size.
 *
 * An xn_html object belongs to one response and one thread. */

typedef enum {
    XN_REMOVE_ITEM = 0,     /* the enclosing <li>, else the element */
    XN_REMOVE_ELEMENT,      /* the element and its content */
    XN_REMOVE_UNWRAP        /* the tags of a, form and button; content stays */
} xn_html_removal_e;

typedef apr_status_t (*xn_html_write_fn)(void *baton, const char *data,
                                         apr_size_t len);

typedef struct xn_html_options {
    const xn_rules *rules;
    const xn_rolemap *rolemap;
    xn_roleset_t roles;              /* roles of the user; 0 when anonymous */
    int check_links;                 /* 0 leaves links alone */
    int all_roles;                   /* keep every marked block */
    xn_html_removal_e removal;
    const char *role_attribute;      /* lower case, e.g. "data-extranet-roles" */
    xn_links_origin origin;
    const char *page_path;           /* raw request path */
    apr_size_t max_tag;              /* 0 for the default, 1 MB */
    apr_size_t max_hold;             /* 0 for the default, 256 KB */
} xn_html_options;

typedef struct xn_html_stats {
    apr_size_t links_removed;
    apr_size_t blocks_removed;
    apr_size_t tags_too_long;        /* tags over max_tag, dropped */
} xn_html_stats;

typedef struct xn_html xn_html;

/* Creates a rewriter that writes its output through WRITE. OPTIONS is
 * copied; the strings and tables it points to must outlive P. */
apr_status_t xn_html_create(xn_html **out, apr_pool_t *p,
                            const xn_html_options *options,
                            xn_html_write_fn write, void *baton);

/* Rewrites the next LEN bytes of the page. Returns the first error of WRITE. */
apr_status_t xn_html_feed(xn_html *html, const char *data, apr_size_t len);

/* Ends the page: writes what is held back. A tag cut off by the end of the
 * page is dropped, and so is an open removed element. */
apr_status_t xn_html_finish(xn_html *html);

const xn_html_stats *xn_html_get_stats(const xn_html *html);

#endif
