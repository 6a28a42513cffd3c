/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <apr_file_io.h>
#include <apr_strings.h>

#include "xn_escape.h"
#include "xn_templates.h"

#define XN_TEMPLATE_LANGS 3

const char *const xn_template_pages[] = {
    "login", "login_failed", "logout", "logged_out", "not_found",
    "forbidden", "unavailable", "bad_request", "expired", "throttled",
    "blocked", NULL
};

/* The main placeholder of each page in xn_template_pages. */
static const xn_template_var_e page_required[] = {
    XN_VAR_FORM, XN_VAR_FORM, XN_VAR_FORM, XN_VAR_MESSAGE, XN_VAR_MESSAGE,
    XN_VAR_MESSAGE, XN_VAR_MESSAGE, XN_VAR_MESSAGE, XN_VAR_FORM,
    XN_VAR_MESSAGE, XN_VAR_MESSAGE
};

static const char *const var_names[XN_VARS] = {
    "title", "message", "form", "help", "logo", "lang", "style"
};

static const char *const languages[XN_TEMPLATE_LANGS] = { "nl", "fr", "en" };

#define XN_TEMPLATE_PAGES \
    (sizeof(page_required) / sizeof(page_required[0]))

/* A template is a list of parts: literal text, then a placeholder, and so
 * on. A part with var == XN_VARS has no placeholder. */
typedef struct template_part {
    const char *text;
    xn_template_var_e var;
} template_part;

struct xn_template {
    apr_array_header_t *parts;
};

struct xn_templates {
    const xn_template *pages[XN_TEMPLATE_PAGES][XN_TEMPLATE_LANGS];
};

static int var_lookup(const char *name, apr_size_t len)
{
    int i;

    for (i = 0; i < XN_VARS; i++) {
        if (strlen(var_names[i]) == len && !strncmp(var_names[i], name, len)) {
            return i;
        }
    }
    return -1;
}

apr_status_t xn_template_parse(xn_template **out, apr_pool_t *p,
                               const char *name, const char *text,
                               apr_size_t len, xn_template_var_e required,
                               const char **err)
{
    xn_template *t = apr_pcalloc(p, sizeof(*t));
    const char *c = text, *end = text + len;
    int seen_required = 0;

    *out = NULL;
    if (memchr(text, '\0', len) || !xn_utf8_valid(text, len)) {
        *err = apr_psprintf(p, "%s is not valid UTF-8 text", name);
        return APR_EINVAL;
    }
    t->parts = apr_array_make(p, 8, sizeof(template_part));
    while (c < end) {
        const char *open = strstr(c, "{{");
        const char *close;
        template_part *part = apr_array_push(t->parts);
        int var;

        if (!open || open >= end) {
            part->text = apr_pstrmemdup(p, c, end - c);
            part->var = XN_VARS;
            break;
        }
        close = strstr(open + 2, "}}");
        if (!close) {
            *err = apr_psprintf(p, "%s: unclosed placeholder at byte %ld",
                                name, (long)(open - text));
            return APR_EINVAL;
        }
        var = var_lookup(open + 2, close - open - 2);
        if (var < 0) {
            *err = apr_psprintf(p, "%s: unknown placeholder {{%s}}; known "
                                "are title, message, form, help, logo, lang "
                                "and style", name,
                                apr_pstrmemdup(p, open + 2,
                                               close - open - 2 > 40
                                               ? 40 : close - open - 2));
            return APR_EINVAL;
        }
        part->text = apr_pstrmemdup(p, c, open - c);
        part->var = (xn_template_var_e)var;
        seen_required |= var == (int)required;
        c = close + 2;
    }
    if (!seen_required) {
        *err = apr_psprintf(p, "%s: the placeholder {{%s}} is missing", name,
                            var_names[required]);
        return APR_EINVAL;
    }
    *out = t;
    return APR_SUCCESS;
}

const char *xn_template_render(apr_pool_t *p, const xn_template *t,
                               const char *const values[XN_VARS])
{
    struct iovec *vec = apr_palloc(p, sizeof(*vec) * 2 * t->parts->nelts);
    apr_size_t n = 0;
    int i;

    for (i = 0; i < t->parts->nelts; i++) {
        const template_part *part = &APR_ARRAY_IDX(t->parts, i, template_part);

        vec[n].iov_base = (void *)part->text;
        vec[n++].iov_len = strlen(part->text);
        if (part->var != XN_VARS && values[part->var]) {
            vec[n].iov_base = (void *)values[part->var];
            vec[n++].iov_len = strlen(values[part->var]);
        }
    }
    return apr_pstrcatv(p, vec, n, NULL);
}

static apr_status_t read_file(char **out, apr_size_t *len, apr_pool_t *p,
                              const char *path, const char **err)
{
    apr_file_t *f = NULL;
    apr_finfo_t finfo;
    apr_status_t rv;

    rv = apr_stat(&finfo, path, APR_FINFO_SIZE | APR_FINFO_TYPE, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (finfo.filetype != APR_REG || finfo.size > XN_TEMPLATE_MAX) {
        *err = apr_psprintf(p, "%s is not a regular file of at most %d "
                            "bytes", path, XN_TEMPLATE_MAX);
        return APR_EINVAL;
    }
    *out = apr_palloc(p, (apr_size_t)finfo.size + 1);
    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_read_full(f, *out, (apr_size_t)finfo.size, len);
        apr_file_close(f);
    }
    if (rv != APR_SUCCESS && !(rv == APR_EOF && finfo.size == 0)) {
        *err = apr_psprintf(p, "cannot read %s: %pm", path, &rv);
        return rv;
    }
    (*out)[finfo.size] = '\0';
    *len = (apr_size_t)finfo.size;
    return APR_SUCCESS;
}

apr_status_t xn_templates_load(xn_templates **out, apr_pool_t *p,
                               const char *dir, const char **err)
{
    xn_templates *t = apr_pcalloc(p, sizeof(*t));
    apr_size_t page;
    int lang;

    for (page = 0; page < XN_TEMPLATE_PAGES; page++) {
        for (lang = 0; lang < XN_TEMPLATE_LANGS; lang++) {
            const char *path = apr_pstrcat(p, dir, "/",
                                           xn_template_pages[page], ".",
                                           languages[lang], ".html", NULL);
            char *text = NULL;
            apr_size_t len = 0;
            xn_template *tmpl = NULL;
            apr_status_t rv = read_file(&text, &len, p, path, err);

            if (APR_STATUS_IS_ENOENT(rv)) {
                continue;
            }
            if (rv != APR_SUCCESS) {
                if (!*err) {
                    *err = apr_psprintf(p, "cannot read %s: %pm", path, &rv);
                }
                return rv;
            }
            rv = xn_template_parse(&tmpl, p, path, text, len,
                                   page_required[page], err);
            if (rv != APR_SUCCESS) {
                return rv;
            }
            t->pages[page][lang] = tmpl;
        }
    }
    *out = t;
    return APR_SUCCESS;
}

const xn_template *xn_templates_get(const xn_templates *t, int page,
                                    const char *lang)
{
    int i;

    if (!t || page < 0 || (apr_size_t)page >= XN_TEMPLATE_PAGES) {
        return NULL;
    }
    for (i = 0; i < XN_TEMPLATE_LANGS; i++) {
        if (!strcmp(languages[i], lang)) {
            return t->pages[page][i];
        }
    }
    return NULL;
}
