/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#ifndef XN_LINKS_H
#define XN_LINKS_H

#include "xn_core.h"
#include "xn_rules.h"

/* URL handling for the HTML link filter: HTML character references in
 * attribute values, resolution of a URL against the page URL and <base href>,
 * srcset and meta refresh parsing, and the rule decision for one URL.
 * Resolution follows what browsers do (the WHATWG URL standard) where it
 * matters for the path. Tabs and newlines are removed, and '\' reads as '/'.
 * "http:x" with the page's own scheme is relative, and any number of slashes
 * may follow "http:" or start a scheme-relative URL.
 *
 * Nothing here keeps global state, so every function may run on any thread. */

/* The server as the browser sees it. A URL names this server when its host
 * equals HOST or one of ALIASES, compared case-insensitively, whatever its
 * scheme and port: behind a proxy that terminates TLS the scheme and port
 * the browser uses differ from the ones httpd sees, and deciding such a link
 * by the rule table can only remove more. Hosts are compared after the
 * IPv4 forms that browsers accept ("127.1", "0x7f000001", "2130706433",
 * "0177.0.0.1") are converted to dotted decimal. */
typedef struct xn_links_origin {
    const char *scheme;              /* "http" or "https" */
    const char *host;
    /* NULL-terminated host names, or NULL. A name containing '*' or '?' is
     * an apr_fnmatch() pattern, as in ServerAlias. */
    const char *const *aliases;
} xn_links_origin;

/* What links on one page resolve against. */
typedef struct xn_links_base {
    const xn_links_origin *origin;
    const char *page_path;           /* raw request path, not decoded */
    const char *base_path;           /* from <base href>, or page_path */
    int base_foreign;                /* <base href> names another host */
} xn_links_base;

typedef enum {
    XN_LINK_LOCAL,                   /* a path on this server */
    XN_LINK_FOREIGN,                 /* another host, or not an http(s) URL */
    XN_LINK_INVALID                  /* cannot be resolved: treat as denied */
} xn_link_e;

/* Decodes the HTML character references in the attribute value VALUE of LEN
 * bytes, as browsers do for attribute values: numeric references, the named
 * references that stand for ASCII characters (such as "&sol;" and "&amp;"),
 * and, without the ';', only "&amp", "&lt", "&gt" and "&quot" when no
 * letter, digit or '=' follows. Other named references stay as written.
 * Returns a NUL-terminated string from P; a NUL in the value becomes
 * U+FFFD. */
const char *xn_links_decode_refs(apr_pool_t *p, const char *value,
                                 apr_size_t len);

/* Resolves URL (already decoded with xn_links_decode_refs) against BASE.
 * For XN_LINK_LOCAL, *path receives the raw path without query and fragment,
 * ready for xn_path_normalize(XN_PATH_DECODE_ALL). */
xn_link_e xn_links_resolve(const char **path, apr_pool_t *p,
                           const xn_links_base *base, const char *url);

/* Returns non-zero when the resolution of URL (decoded) depends on the
 * base URL: a relative reference, which includes an absolute path and
 * "http:x" with the page's own scheme. */
int xn_links_uses_base(const xn_links_base *base, apr_pool_t *p,
                       const char *url);

/* Updates BASE for a <base href="URL"> (URL decoded). A base on another
 * host makes every relative URL foreign. */
void xn_links_set_base(xn_links_base *base, apr_pool_t *p, const char *url);

/* Returns non-zero when a user holding ROLES may open URL (decoded): the URL
 * points to another host, or the rule table allows its normalised path. A
 * URL that cannot be resolved or normalised is denied. */
int xn_links_allowed(const xn_links_base *base, const xn_rules *rules,
                     xn_roleset_t roles, apr_pool_t *p, const char *url);

/* Calls FN for each candidate URL of a srcset attribute value (decoded).
 * Stops and returns the first non-zero value FN returns, else 0. */
int xn_links_srcset_each(apr_pool_t *p, const char *srcset,
                         int (*fn)(void *baton, const char *url),
                         void *baton);

/* Returns the URL of a meta refresh CONTENT value (decoded), such as
 * "/raad/" for "5; url='/raad/'", or NULL when it names none. */
const char *xn_links_refresh_url(apr_pool_t *p, const char *content);

#endif
