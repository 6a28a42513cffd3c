/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* Page templates that an administrator puts in ExtranetTemplateDir, named
 * PAGE.LANG.html ("login.nl.html"). A template is an HTML document with
 * placeholders {{name}}. Every page needs its main placeholder ({{form}} on
 * the sign-in and sign-out pages, {{message}} on the others); {{title}},
 * {{help}}, {{logo}}, {{lang}} and {{style}} are optional. Templates are
 * read and checked once at start-up and only read afterwards, so any thread
 * may render them. */

#ifndef XN_TEMPLATES_H
#define XN_TEMPLATES_H

#include "xn_core.h"

/* Template files larger than this are rejected at start-up. */
#define XN_TEMPLATE_MAX (64 * 1024)

typedef enum {
    XN_VAR_TITLE,
    XN_VAR_MESSAGE,
    XN_VAR_FORM,
    XN_VAR_HELP,
    XN_VAR_LOGO,
    XN_VAR_LANG,
    XN_VAR_STYLE,
    XN_VARS
} xn_template_var_e;

typedef struct xn_template xn_template;
typedef struct xn_templates xn_templates;

/* Page names of the template files, in the order of xn_page_e. */
extern const char *const xn_template_pages[];

/* Parses TEXT (LEN bytes, UTF-8) of the template named NAME, which must
 * contain the placeholder REQUIRED. APR_EINVAL with a message naming NAME
 * in *err for invalid UTF-8, an unknown or unclosed placeholder, or a
 * missing required one. */
apr_status_t xn_template_parse(xn_template **out, apr_pool_t *p,
                               const char *name, const char *text,
                               apr_size_t len, xn_template_var_e required,
                               const char **err);

/* Renders T with VALUES, indexed by xn_template_var_e; a NULL value renders
 * as nothing. Values are inserted as they are, so the caller escapes them. */
const char *xn_template_render(apr_pool_t *p, const xn_template *t,
                               const char *const values[XN_VARS]);

/* Loads every PAGE.LANG.html of DIR for the pages in xn_template_pages and
 * the languages nl, fr and en. A missing file leaves the built-in page. A
 * file that cannot be read or parsed fails with a message naming it. */
apr_status_t xn_templates_load(xn_templates **out, apr_pool_t *p,
                               const char *dir, const char **err);

/* Returns the template of page number PAGE in LANG, or NULL. */
const xn_template *xn_templates_get(const xn_templates *t, int page,
                                    const char *lang);

#endif
