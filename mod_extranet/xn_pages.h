/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* The pages a person sees: sign-in, signed out, not found or denied, and
 * directory unavailable, in Dutch, French and English. Pages are pure ASCII
 * (other characters as numeric references), so they read correctly whether
 * httpd labels an error page as UTF-8 or as ISO-8859-1. Any thread. */

#ifndef XN_PAGES_H
#define XN_PAGES_H

#include "xn_private.h"

typedef enum {
    XN_PAGE_LOGIN,
    XN_PAGE_LOGIN_FAILED,
    XN_PAGE_LOGIN_ACCOUNT,           /* password right, account unusable */
    XN_PAGE_LOGOUT_CONFIRM,
    XN_PAGE_LOGGED_OUT,
    XN_PAGE_NOT_FOUND,
    XN_PAGE_FORBIDDEN,
    XN_PAGE_UNAVAILABLE,
    XN_PAGE_BAD_REQUEST
} xn_page_e;

/* Renders the error pages of every language once. Runs in post_config. */
void xn_pages_init(apr_pool_t *pconf);

/* Chooses nl, fr or en from Accept-Language, falling back to the directory
 * setting, and sets Content-Language and Vary on the response. */
const char *xn_pages_language(request_rec *r);

/* Renders PAGE in LANG. RETURN_URL (may be NULL) goes into the sign-in form;
 * ENDPOINT is the URL prefix of the sign-in and sign-out pages. */
const char *xn_pages_render(apr_pool_t *p, xn_page_e page, const char *lang,
                            const char *endpoint, const char *return_url);

/* Sends PAGE as the complete response with STATUS and returns OK, or DONE
 * for HEAD. */
int xn_pages_send(request_rec *r, xn_page_e page, int status,
                  const char *return_url);

/* Makes httpd answer STATUS with PAGE, one of the pages without a form, for
 * the rest of this request, whatever module produces the error. */
void xn_pages_set_error(request_rec *r, int status, xn_page_e page);

/* Sets the headers of the module's pages on an error response that shows
 * one of them: language, no caching, no framing. */
void xn_pages_error_headers(request_rec *r);

#endif
