/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* The pages a person sees: sign-in, signed out, not found or denied, and
 * directory unavailable, in Dutch, French and English. Pages are pure ASCII
 * (other characters as numeric references), so they read correctly whether
 * httpd labels an error page as UTF-8 or as ISO-8859-1. Any thread. */

#ifndef XN_PAGES_H
#define XN_PAGES_H

#include "xn_private.h"
#include "xn_config.h"

typedef enum {
    XN_PAGE_LOGIN,
    XN_PAGE_LOGIN_FAILED,
    XN_PAGE_LOGOUT_CONFIRM,
    XN_PAGE_LOGGED_OUT,
    XN_PAGE_NOT_FOUND,
    XN_PAGE_FORBIDDEN,
    XN_PAGE_UNAVAILABLE,
    XN_PAGE_BAD_REQUEST,
    XN_PAGE_EXPIRED,                 /* the sign-in form, after a session ended */
    XN_PAGE_THROTTLED,
    XN_PAGE_BLOCKED,
    XN_PAGE_ADMIN,                   /* ending the sessions of one user */
    XN_PAGE_LOGIN_ACCOUNT            /* password right, account unusable */
} xn_page_e;

/* Name of the hidden form field that carries the CSRF token. */
#define XN_CSRF_FIELD "csrf"

/* What a page shows beyond its fixed texts. Every member may be NULL or 0. */
typedef struct xn_page_args {
    const char *return_url;          /* goes into the sign-in form */
    const char *csrf;                /* token for the form */
    apr_int64_t wait;                /* seconds, on the throttled and blocked pages */
    const char *notice;              /* user whose sessions ended, on the admin page */
} xn_page_args;

/* Renders the error pages of every language and enabled host once, with
 * the host's templates and branding. Runs in post_config. */
void xn_pages_init(apr_pool_t *pconf, server_rec *s);

/* Chooses nl, fr or en from Accept-Language, falling back to the directory
 * setting, and sets Content-Language and Vary on the response. */
const char *xn_pages_language(request_rec *r);

/* Renders PAGE in LANG with the template of SCONF, when it has one, or the
 * built-in layout with its branding. ENDPOINT is the URL prefix of the
 * sign-in and sign-out pages. ARGS may be NULL. */
const char *xn_pages_render(apr_pool_t *p, const xn_server_config *sconf,
                            xn_page_e page, const char *lang,
                            const char *endpoint, const xn_page_args *args);

/* Sends PAGE as the complete response with STATUS and returns OK, or DONE
 * for HEAD. */
int xn_pages_send(request_rec *r, xn_page_e page, int status,
                  const char *return_url);

/* Sends PAGE like xn_pages_send(), with everything ARGS carries. */
int xn_pages_send_args(request_rec *r, xn_page_e page, int status,
                       const xn_page_args *args);

/* Makes httpd answer STATUS with PAGE, one of the pages without a form, for
 * the rest of this request, whatever module produces the error. */
void xn_pages_set_error(request_rec *r, int status, xn_page_e page);

/* Sets the headers of the module's pages on an error response that shows
 * one of them: language, no caching, no framing. */
void xn_pages_error_headers(request_rec *r);

#endif
