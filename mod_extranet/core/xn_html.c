/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "xn_html.h"

#define DEFAULT_MAX_TAG  (1024 * 1024)
#define DEFAULT_MAX_HOLD (256 * 1024)
#define MAX_ENTRIES      64
#define NAME_SIZE        32

/* Tokenizer states. The names follow the WHATWG HTML tokenizer. */
typedef enum {
    S_TEXT,
    S_TAG_OPEN,            /* after '<' */
    S_END_TAG_OPEN,        /* after "</" */
    S_MARKUP,              /* after "<!", deciding comment or bogus comment */
    S_COMMENT,
    S_BOGUS_COMMENT,       /* <!DOCTYPE ...>, <?...>, </1...> and the like */
    S_TAG,                 /* inside a start or end tag */
    S_RAW,                 /* script, style and other raw text content */
    S_RAW_END,             /* after '<' in raw text, matching "</name" */
    S_CDATA,               /* <![CDATA[ ... ]]> in SVG or MathML */
    S_PLAINTEXT
} lex_state;

typedef enum {
    T_NAME,
    T_BEFORE_ATTR,
    T_ATTR_NAME,
    T_AFTER_ATTR_NAME,
    T_BEFORE_VALUE,
    T_VALUE_DQ,
    T_VALUE_SQ,
    T_VALUE_UQ,
    T_AFTER_VALUE,
    T_SELF_CLOSING
} tag_state;

/* An element the rewriter tracks until it ends: a list item held back in
 * item mode, a removed element, or an unwrapped one. DEPTH counts the
 * elements opened and not yet closed inside it, so its own end tag can be
 * told from a nested one. */
typedef enum {
    E_HOLD,                /* <li> held back: its bytes go to the hold buffer */
    E_HOLD_DONE,           /* <li> whose bytes were written: the hold was full */
    E_SKIP,                /* removed with its content */
    E_UNWRAP               /* start and end tags removed, content kept */
} entry_kind;

typedef struct entry {
    char name[NAME_SIZE];
    entry_kind kind;
    int depth;
    apr_size_t hold_offset;        /* E_HOLD: where its bytes start */
} entry;

typedef struct attribute {
    apr_size_t name, name_len;
    apr_size_t value, value_len;   /* value_len 0 and value 0: no value */
    apr_size_t end;                /* after the value and its quote */
} attribute;

#define MAX_ATTRIBUTES 256
#define MAX_FOREIGN 64

/* An open SVG or MathML element. Inside an integration point (svg title,
 * desc and foreignObject, MathML mi, mo, mn, ms, mtext and an HTML
 * annotation-xml) start tags are HTML again, and HTML_DEPTH counts the HTML
 * elements opened there. */
typedef struct foreign_entry {
    char name[NAME_SIZE];
    int mathml;
    int integration;
    int html_depth;
} foreign_entry;

typedef struct tag_info {
    char name[NAME_SIZE];
    int flags;                     /* F_* of the element */
    int end_tag;
    int self_closing;
    int foreign;                   /* an SVG or MathML element */
    int nattrs;
    int attrs_overflow;            /* more than MAX_ATTRIBUTES attributes */
    attribute attrs[MAX_ATTRIBUTES];
} tag_info;

struct xn_html {
    xn_html_options opt;
    xn_links_base base;
    xn_links_origin origin;
    xn_html_write_fn write;
    void *baton;
    apr_pool_t *pool;
    apr_pool_t *scratch;               /* cleared for every tag */
    apr_status_t error;

    lex_state state;
    tag_state tstate;
    int end_tag;
    char *tag;
    apr_size_t tag_len, tag_cap;
    int tag_overflow;
    int dashes, bang;                  /* comment end detection */
    char raw_name[NAME_SIZE];
    apr_size_t raw_len, raw_match;

    entry stack[MAX_ENTRIES];
    int depth;                         /* entries in use */
    int holding;                       /* E_HOLD entries */
    char *hold;
    apr_size_t hold_len, hold_cap;

    int base_seen;                     /* a <base href> was read */
    int base_dropped;                  /* the first <base href> was dropped */
    int base_used;                     /* a URL resolved against the page URL */

    foreign_entry foreign[MAX_FOREIGN];
    int foreign_depth;                 /* entries in use */
    int foreign_overflow;              /* foreign elements past MAX_FOREIGN */

    tag_info info;                     /* the tag being processed */
    int scratch_used;

    xn_html_stats stats;
};

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Returns non-zero when the LEN bytes at NAME spell one of LIST, ignoring
 * ASCII case. */
static int in_list(const char *name, apr_size_t len, const char *const *list)
{
    for (; *list; list++) {
        if (strlen(*list) == len && !strncasecmp(name, *list, len)) {
            return 1;
        }
    }
    return 0;
}

/* Element properties. VOID: no end tag. OPTIONAL: the end tag may be left
 * out, so the element never counts as nesting. NON_NESTING: cannot contain
 * itself, so its end tag always ends it. CLOSES_P: its start tag ends an open
 * <p>. RAW_TEXT: the content is text up to the end tag. */
#define F_VOID        0x01
#define F_OPTIONAL    0x02
#define F_NON_NESTING 0x04
#define F_CLOSES_P    0x08
#define F_RAW_TEXT    0x10
#define F_PLAINTEXT   0x20

typedef struct element_info {
    const char *name;
    int flags;
} element_info;

/* Sorted by strcmp() for bsearch(). */
static const element_info elements[] = {
    { "a", F_NON_NESTING },
    { "address", F_CLOSES_P },
    { "area", F_VOID },
    { "article", F_CLOSES_P },
    { "aside", F_CLOSES_P },
    { "base", F_VOID },
    { "basefont", F_VOID },
    { "bgsound", F_VOID },
    { "blockquote", F_CLOSES_P },
    { "body", F_OPTIONAL },
    { "br", F_VOID },
    { "button", F_NON_NESTING },
    { "caption", F_OPTIONAL },
    { "col", F_VOID },
    { "colgroup", F_OPTIONAL },
    { "dd", F_OPTIONAL },
    { "details", F_CLOSES_P },
    { "div", F_CLOSES_P },
    { "dl", F_CLOSES_P },
    { "dt", F_OPTIONAL },
    { "embed", F_VOID },
    { "fieldset", F_CLOSES_P },
    { "figure", F_CLOSES_P },
    { "footer", F_CLOSES_P },
    { "form", F_NON_NESTING | F_CLOSES_P },
    { "frame", F_VOID },
    { "h1", F_CLOSES_P },
    { "h2", F_CLOSES_P },
    { "h3", F_CLOSES_P },
    { "h4", F_CLOSES_P },
    { "h5", F_CLOSES_P },
    { "h6", F_CLOSES_P },
    { "head", F_OPTIONAL },
    { "header", F_CLOSES_P },
    { "hr", F_VOID | F_CLOSES_P },
    { "html", F_OPTIONAL },
    { "iframe", F_NON_NESTING | F_RAW_TEXT },
    { "image", F_VOID },
    { "img", F_VOID },
    { "input", F_VOID },
    { "keygen", F_VOID },
    { "li", F_OPTIONAL },
    { "link", F_VOID },
    { "main", F_CLOSES_P },
    { "menu", F_CLOSES_P },
    { "meta", F_VOID },
    { "nav", F_CLOSES_P },
    { "noembed", F_NON_NESTING | F_RAW_TEXT },
    { "noframes", F_NON_NESTING | F_RAW_TEXT },
    { "ol", F_CLOSES_P },
    { "optgroup", F_OPTIONAL },
    { "option", F_OPTIONAL },
    { "p", F_OPTIONAL | F_CLOSES_P },
    { "param", F_VOID },
    { "plaintext", F_PLAINTEXT },
    { "pre", F_CLOSES_P },
    { "rp", F_OPTIONAL },
    { "rt", F_OPTIONAL },
    { "script", F_NON_NESTING | F_RAW_TEXT },
    { "section", F_CLOSES_P },
    { "select", F_NON_NESTING },
    { "source", F_VOID },
    { "style", F_NON_NESTING | F_RAW_TEXT },
    { "table", F_CLOSES_P },
    { "tbody", F_OPTIONAL },
    { "td", F_OPTIONAL },
    { "textarea", F_NON_NESTING | F_RAW_TEXT },
    { "tfoot", F_OPTIONAL },
    { "th", F_OPTIONAL },
    { "thead", F_OPTIONAL },
    { "title", F_NON_NESTING | F_RAW_TEXT },
    { "tr", F_OPTIONAL },
    { "track", F_VOID },
    { "ul", F_CLOSES_P },
    { "wbr", F_VOID },
    { "xmp", F_NON_NESTING | F_RAW_TEXT },
};

static int compare_element(const void *key, const void *member)
{
    return strcmp(key, ((const element_info *)member)->name);
}

static int element_flags(const char *name)
{
    const element_info *info = bsearch(name, elements,
                                       sizeof(elements) / sizeof(elements[0]),
                                       sizeof(elements[0]), compare_element);

    return info ? info->flags : 0;
}

static const char *const srcset_attributes[] = {
    "srcset", "imagesrcset", NULL
};

/* Attributes that carry one URL on any element. */
static const char *const url_attributes[] = {
    "href", "src", "action", "formaction", "poster", "cite", "longdesc",
    "background", "manifest", "xlink:href", NULL
};

/* ---------------------------------------------------------------------- */
/* Output                                                                   */
/* ---------------------------------------------------------------------- */

static void grow(apr_pool_t *p, char **buf, apr_size_t *cap, apr_size_t need)
{
    apr_size_t cap2 = *cap ? *cap : 256;
    char *buf2;

    while (cap2 < need) {
        cap2 *= 2;
    }
    buf2 = apr_palloc(p, cap2);
    if (*cap) {
        memcpy(buf2, *buf, *cap);
    }
    *buf = buf2;
    *cap = cap2;
}

static void write_out(xn_html *h, const char *data, apr_size_t len)
{
    if (h->error == APR_SUCCESS && len) {
        h->error = h->write(h->baton, data, len);
    }
}

/* Writes what is held back and stops holding: the held list items can no
 * longer be removed as a whole. */
static void release_hold(xn_html *h)
{
    int i;

    write_out(h, h->hold, h->hold_len);
    h->hold_len = 0;
    for (i = 0; i < h->depth; i++) {
        if (h->stack[i].kind == E_HOLD) {
            h->stack[i].kind = E_HOLD_DONE;
        }
    }
    h->holding = 0;
}

static int skipping(const xn_html *h)
{
    return h->depth && h->stack[h->depth - 1].kind == E_SKIP;
}

/* Sends LEN bytes on: dropped inside a removed element, held back inside a
 * held list item, written otherwise. */
static void put(xn_html *h, const char *data, apr_size_t len)
{
    if (skipping(h) || !len) {
        return;
    }
    if (!h->holding) {
        write_out(h, data, len);
        return;
    }
    if (h->hold_len + len > h->opt.max_hold) {
        release_hold(h);
        write_out(h, data, len);
        return;
    }
    if (h->hold_len + len > h->hold_cap) {
        grow(h->pool, &h->hold, &h->hold_cap, h->hold_len + len);
    }
    memcpy(h->hold + h->hold_len, data, len);
    h->hold_len += len;
}

/* ---------------------------------------------------------------------- */
/* Tracked elements                                                         */
/* ---------------------------------------------------------------------- */

static entry *push(xn_html *h, const char *name, entry_kind kind)
{
    entry *e = &h->stack[h->depth++];

    apr_cpystrn(e->name, name, sizeof(e->name));
    e->kind = kind;
    e->depth = 0;
    e->hold_offset = h->hold_len;
    if (kind == E_HOLD) {
        h->holding++;
    }
    return e;
}

static void pop(xn_html *h)
{
    entry *e = &h->stack[--h->depth];

    if (e->kind == E_HOLD && --h->holding == 0) {
        write_out(h, h->hold, h->hold_len);
        h->hold_len = 0;
    }
}

typedef enum { END_INSIDE, END_CLOSES, END_IMPLIED } end_effect;

/* Decides what end tag NAME, an element with FLAGS, does to the tracked
 * element E. */
static end_effect end_tag_effect(entry *e, const char *name, int flags)
{
    int optional = flags & F_OPTIONAL;

    if (!strcmp(name, e->name)) {
        if (e->depth == 0 || (flags & F_NON_NESTING)) {
            return END_CLOSES;
        }
        if (!optional) {
            e->depth--;
        }
        return END_INSIDE;
    }
    if (optional) {
        return END_INSIDE;
    }
    if (e->depth == 0) {
        return END_IMPLIED;            /* an end tag of an enclosing element */
    }
    e->depth--;
    return END_INSIDE;
}

/* Returns non-zero when start tag NAME, an element with FLAGS, ends the
 * tracked element E. */
static int start_tag_ends(const entry *e, const char *name, int flags)
{
    if (e->depth != 0) {
        return 0;
    }
    if ((flags & (F_OPTIONAL | F_NON_NESTING)) && !strcmp(name, e->name)) {
        return 1;
    }
    return (flags & F_CLOSES_P) && e->name[0] == 'p' && e->name[1] == '\0';
}

/* ---------------------------------------------------------------------- */
/* Tags                                                                     */
/* ---------------------------------------------------------------------- */


static void read_tag_name(xn_html *h, tag_info *t, apr_size_t *pos)
{
    apr_size_t i = *pos, n = 0;

    while (i < h->tag_len && !is_space(h->tag[i]) && h->tag[i] != '/'
           && h->tag[i] != '>') {
        if (n < NAME_SIZE - 1) {
            t->name[n++] = (char)apr_tolower((unsigned char)h->tag[i]);
        }
        else {
            n = 0;                     /* too long to be a known element */
            t->name[n++] = '-';
        }
        i++;
    }
    t->name[n] = '\0';
    *pos = i;
}

/* Reads the attributes of the complete tag in h->tag. The rules match the
 * tokenizer states, so a value ends where a browser ends it. */
static void parse_tag(xn_html *h, tag_info *t)
{
    const char *s = h->tag;
    apr_size_t n = h->tag_len, i;

    t->end_tag = h->end_tag;
    t->self_closing = 0;
    t->nattrs = 0;
    t->attrs_overflow = 0;
    i = t->end_tag ? 2 : 1;
    read_tag_name(h, t, &i);
    t->flags = element_flags(t->name);

    while (i < n) {
        attribute a;

        while (i < n && (is_space(s[i]) || s[i] == '/')) {
            t->self_closing = s[i] == '/' && i + 1 < n && s[i + 1] == '>';
            i++;
        }
        if (i >= n || s[i] == '>') {
            break;
        }
        t->self_closing = 0;
        memset(&a, 0, sizeof(a));
        a.name = i++;
        while (i < n && !is_space(s[i]) && s[i] != '/' && s[i] != '>'
               && s[i] != '=') {
            i++;
        }
        a.name_len = i - a.name;
        a.end = i;
        while (i < n && is_space(s[i])) {
            i++;
        }
        if (i < n && s[i] == '=') {
            i++;
            while (i < n && is_space(s[i])) {
                i++;
            }
            if (i < n && (s[i] == '"' || s[i] == '\'')) {
                char quote = s[i++];

                a.value = i;
                while (i < n && s[i] != quote) {
                    i++;
                }
                a.value_len = i - a.value;
                i = i < n ? i + 1 : i;
            }
            else {
                a.value = i;
                while (i < n && !is_space(s[i]) && s[i] != '>') {
                    i++;
                }
                a.value_len = i - a.value;
            }
            a.end = i;
        }
        else {
            i = a.end;
        }
        if (t->nattrs < MAX_ATTRIBUTES) {
            t->attrs[t->nattrs++] = a;
        }
        else {
            t->attrs_overflow = 1;
        }
    }
}

static const attribute *find_attribute(const xn_html *h, const tag_info *t,
                                       const char *name)
{
    apr_size_t len = strlen(name);
    int i;

    for (i = 0; i < t->nattrs; i++) {
        if (t->attrs[i].name_len == len
            && !strncasecmp(h->tag + t->attrs[i].name, name, len)) {
            return &t->attrs[i];
        }
    }
    return NULL;
}

static const char *attribute_value(xn_html *h, const attribute *a)
{
    h->scratch_used = 1;
    return xn_links_decode_refs(h->scratch, h->tag + a->value, a->value_len);
}

static int url_allowed(xn_html *h, const char *url)
{
    h->scratch_used = 1;
    if (!h->base_seen && xn_links_uses_base(&h->base, h->scratch, url)) {
        h->base_used = 1;
    }
    return xn_links_allowed(&h->base, h->opt.rules, h->opt.roles, h->scratch,
                            url);
}

static int srcset_denied(void *baton, const char *url)
{
    return !url_allowed(baton, url);
}

/* Returns non-zero when any URL of the tag leads to a page the user may
 * not open. */
static int tag_denied(xn_html *h, const tag_info *t)
{
    int i;

    for (i = 0; i < t->nattrs; i++) {
        const attribute *a = &t->attrs[i];
        const char *name = h->tag + a->name;
        apr_size_t len = a->name_len;

        if (in_list(name, len, url_attributes)
            || (len == 4 && !strncasecmp(name, "data", 4)
                && !strcmp(t->name, "object"))) {
            if (!url_allowed(h, attribute_value(h, a))) {
                return 1;
            }
        }
        else if (in_list(name, len, srcset_attributes)) {
            if (xn_links_srcset_each(h->scratch, attribute_value(h, a),
                                     srcset_denied, h)) {
                return 1;
            }
        }
        else if (len == 7 && !strncasecmp(name, "content", 7)
                 && !strcmp(t->name, "meta")) {
            const attribute *equiv = find_attribute(h, t, "http-equiv");
            const char *url;

            if (!equiv || strcasecmp(attribute_value(h, equiv), "refresh")) {
                continue;
            }
            url = xn_links_refresh_url(h->scratch, attribute_value(h, a));
            if (url && !url_allowed(h, url)) {
                return 1;
            }
        }
    }
    return 0;
}

/* Returns non-zero when the user holds one of the roles listed in the
 * marked-block attribute A (names separated by spaces or commas). */
static int block_allowed(xn_html *h, const attribute *a)
{
    char *names = apr_pstrdup(h->scratch, attribute_value(h, a));
    char *last = NULL;
    const char *name;

    if (h->opt.all_roles) {
        return 1;
    }
    for (name = apr_strtok(names, " \t\r\n\f,", &last); name;
         name = apr_strtok(NULL, " \t\r\n\f,", &last)) {
        int index = h->opt.rolemap ? xn_rolemap_index(h->opt.rolemap, name)
                                   : -1;

        if (index >= 0 && (h->opt.roles & ((xn_roleset_t)1 << index))) {
            return 1;
        }
    }
    return 0;
}

/* Writes the tag without attribute A and the white space before it. */
static void put_tag_without(xn_html *h, const attribute *a)
{
    apr_size_t start = a->name;

    while (start > 0 && is_space(h->tag[start - 1])) {
        start--;
    }
    put(h, h->tag, start);
    put(h, h->tag + a->end, h->tag_len - a->end);
}

/* Removes the element of the current start tag, whose start tag is not
 * written: a void element is simply left out. */
static void remove_element(xn_html *h, const tag_info *t, int is_void)
{
    if (!is_void) {
        push(h, t->name, E_SKIP);
    }
}

/* Removes a link by the configured mode. */
static void remove_link(xn_html *h, const tag_info *t, int is_void)
{
    int i;

    h->stats.links_removed++;
    if (h->opt.removal == XN_REMOVE_ITEM) {
        for (i = h->depth - 1; i >= 0; i--) {
            entry *e = &h->stack[i];

            if (e->kind != E_HOLD) {
                continue;
            }
            h->hold_len = e->hold_offset;
            while (h->depth > i + 1) {
                h->depth--;
                if (h->stack[h->depth].kind == E_HOLD) {
                    h->holding--;
                }
            }
            e->kind = E_SKIP;
            h->holding--;
            if (!is_void && !(t->flags & F_OPTIONAL)) {
                e->depth++;            /* the link's own element is open */
            }
            if (!h->holding) {
                write_out(h, h->hold, h->hold_len);
                h->hold_len = 0;
            }
            return;
        }
    }
    if (h->opt.removal == XN_REMOVE_UNWRAP && !is_void
        && (!strcmp(t->name, "a") || !strcmp(t->name, "form")
            || !strcmp(t->name, "button"))
        && h->depth < MAX_ENTRIES - 1) {
        push(h, t->name, E_UNWRAP);
        return;
    }
    remove_element(h, t, is_void);
}

/* Applies the first <base href>, which browsers use for the whole
 * document. Returns 0 when the <base> must be left out of the output.
 * URLs before it were already decided against the page URL, so a base that
 * resolves them differently is dropped, and so is every later <base href>,
 * which a browser would otherwise use in its place. Browsers ignore a
 * <base href> after the first one, so the filter does too and keeps it. */
static int base_applied(xn_html *h, const attribute *href)
{
    xn_links_base next = h->base;

    if (h->base_seen) {
        return !h->base_dropped;
    }
    h->base_seen = 1;
    xn_links_set_base(&next, h->pool, attribute_value(h, href));
    if (h->base_used && h->opt.check_links
        && (next.base_foreign != h->base.base_foreign
            || strcmp(next.base_path, h->base.base_path))) {
        h->base_dropped = 1;
        return 0;
    }
    /* A held list item may still be removed with the <base> in it, which
     * would leave the browser a base the filter did not use. */
    if (h->holding) {
        release_hold(h);
    }
    h->base = next;
    return 1;
}

static void start_tag(xn_html *h, const tag_info *t)
{
    int is_void = t->self_closing || (t->flags & F_VOID);
    const attribute *marked;

    while (h->depth
           && start_tag_ends(&h->stack[h->depth - 1], t->name, t->flags)) {
        pop(h);
    }
    if (skipping(h)) {
        if (!is_void && !(t->flags & F_OPTIONAL)) {
            h->stack[h->depth - 1].depth++;
        }
        return;
    }

    if (t->attrs_overflow && (h->opt.check_links || !h->opt.all_roles)) {
        /* Attributes past MAX_ATTRIBUTES are not checked, so the tag is
         * treated as a denied link, or as a denied marked block when links
         * are not checked. */
        if (h->opt.check_links) {
            remove_link(h, t, is_void);
        }
        else {
            h->stats.blocks_removed++;
            remove_element(h, t, is_void);
        }
        return;
    }
    marked = find_attribute(h, t, h->opt.role_attribute);
    if (marked && !block_allowed(h, marked)) {
        h->stats.blocks_removed++;
        remove_element(h, t, is_void);
        return;
    }
    if (!t->foreign && !strcmp(t->name, "base")) {
        const attribute *href = find_attribute(h, t, "href");

        if (href && !base_applied(h, href)) {
            return;
        }
    }
    else if (h->opt.check_links && tag_denied(h, t)) {
        remove_link(h, t, is_void);
        return;
    }

    if (h->depth && !is_void && !(t->flags & F_OPTIONAL)) {
        h->stack[h->depth - 1].depth++;
    }
    if (h->opt.check_links && h->opt.removal == XN_REMOVE_ITEM && !is_void
        && !strcmp(t->name, "li") && h->depth < MAX_ENTRIES - 1) {
        push(h, "li", E_HOLD);
    }
    if (marked) {
        put_tag_without(h, marked);
    }
    else {
        put(h, h->tag, h->tag_len);
    }
}

static void end_tag(xn_html *h, const tag_info *t)
{
    while (h->depth) {
        entry *e = &h->stack[h->depth - 1];
        end_effect effect = end_tag_effect(e, t->name, t->flags);

        if (effect == END_INSIDE) {
            break;
        }
        if (effect == END_CLOSES) {
            if (e->kind == E_SKIP || e->kind == E_UNWRAP) {
                pop(h);
                return;
            }
            put(h, h->tag, h->tag_len);
            pop(h);
            return;
        }
        pop(h);
    }
    put(h, h->tag, h->tag_len);
}

/* ---------------------------------------------------------------------- */
/* SVG and MathML                                                           */
/* ---------------------------------------------------------------------- */

/* HTML start tags that end SVG and MathML content up to the nearest
 * integration point (WHATWG HTML, "parsing tokens in foreign content"). */
static const char *const breakout_elements[] = {
    "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div",
    "dl", "dt", "em", "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head",
    "hr", "i", "img", "li", "listing", "menu", "meta", "nobr", "ol", "p",
    "pre", "ruby", "s", "small", "span", "strong", "strike", "sub", "sup",
    "table", "tt", "u", "ul", "var", NULL
};

static const char *const mathml_text_points[] = {
    "mi", "mo", "mn", "ms", "mtext", NULL
};

/* Returns non-zero when the current node is an SVG or MathML element whose
 * start tags are not read as HTML. */
static int in_foreign(const xn_html *h)
{
    if (h->foreign_overflow) {
        return 1;
    }
    return h->foreign_depth
           && !h->foreign[h->foreign_depth - 1].integration;
}

static void foreign_push(xn_html *h, const tag_info *t, int mathml,
                         int integration)
{
    foreign_entry *f;

    if (h->foreign_depth == MAX_FOREIGN) {
        /* NOTE: deeper elements are counted, not named, so an end tag
         * there closes one of them whatever its name. */
        h->foreign_overflow++;
        return;
    }
    f = &h->foreign[h->foreign_depth++];
    apr_cpystrn(f->name, t->name, sizeof(f->name));
    f->mathml = mathml;
    f->integration = integration;
    f->html_depth = 0;
}

/* Pops SVG and MathML elements up to the nearest integration point, as an
 * HTML element that breaks out of foreign content does. */
static void foreign_break_out(xn_html *h)
{
    h->foreign_overflow = 0;
    while (h->foreign_depth
           && !h->foreign[h->foreign_depth - 1].integration) {
        h->foreign_depth--;
    }
}

/* Returns non-zero when start tag T, a MathML element when MATHML is set
 * and an SVG one otherwise, is an integration point. */
static int integration_point(xn_html *h, const tag_info *t, int mathml)
{
    const attribute *encoding;
    const char *value;

    if (!mathml) {
        return !strcmp(t->name, "foreignobject") || !strcmp(t->name, "desc")
               || !strcmp(t->name, "title");
    }
    if (in_list(t->name, strlen(t->name), mathml_text_points)) {
        return 1;
    }
    if (strcmp(t->name, "annotation-xml")) {
        return 0;
    }
    encoding = find_attribute(h, t, "encoding");
    if (!encoding) {
        return 0;
    }
    value = attribute_value(h, encoding);
    return !strcasecmp(value, "text/html")
           || !strcasecmp(value, "application/xhtml+xml");
}

/* Updates the SVG and MathML element stack for start tag T and sets
 * t->foreign. Browsers read the content of style, script, title and the
 * like as markup inside SVG and MathML, and an end tag such as </svg>
 * closes them. */
static void foreign_start_tag(xn_html *h, tag_info *t)
{
    foreign_entry *top;
    int mathml;

    if (in_foreign(h) && (in_list(t->name, strlen(t->name), breakout_elements)
                          || (!strcmp(t->name, "font")
                              && (find_attribute(h, t, "color")
                                  || find_attribute(h, t, "face")
                                  || find_attribute(h, t, "size"))))) {
        foreign_break_out(h);
    }
    top = h->foreign_depth ? &h->foreign[h->foreign_depth - 1] : NULL;
    if (top && top->integration && top->mathml && top->html_depth == 0
        && (!strcmp(t->name, "mglyph") || !strcmp(t->name, "malignmark"))) {
        t->foreign = 1;
    }
    else {
        t->foreign = in_foreign(h);
    }
    if (t->foreign) {
        mathml = h->foreign_overflow || !top ? 0 : top->mathml;
        if (!t->self_closing) {
            foreign_push(h, t, mathml, integration_point(h, t, mathml));
        }
        return;
    }
    if (!strcmp(t->name, "svg") || !strcmp(t->name, "math")) {
        t->foreign = 1;
        if (!t->self_closing) {
            foreign_push(h, t, t->name[0] == 'm', 0);
        }
        return;
    }
    if (top && !(t->flags & F_VOID)) {
        top->html_depth++;
    }
}

/* Updates the SVG and MathML element stack for end tag T. */
static void foreign_end_tag(xn_html *h, tag_info *t)
{
    foreign_entry *top;
    int i;

    if (h->foreign_overflow) {
        h->foreign_overflow--;
        t->foreign = 1;
        return;
    }
    if (!h->foreign_depth) {
        return;
    }
    top = &h->foreign[h->foreign_depth - 1];
    if (top->integration && top->html_depth) {
        /* NOTE: HTML elements inside an integration point are counted, not
         * named, so any HTML end tag closes one of them. */
        if (!(t->flags & F_VOID)) {
            top->html_depth--;
        }
        return;
    }
    if (!top->integration
        && (!strcmp(t->name, "br") || !strcmp(t->name, "p"))) {
        foreign_break_out(h);
        return;
    }
    for (i = h->foreign_depth - 1; i >= 0; i--) {
        if (!strcmp(h->foreign[i].name, t->name)) {
            h->foreign_depth = i;
            t->foreign = 1;
            return;
        }
        if (i > 0 && h->foreign[i - 1].html_depth) {
            return;                    /* an HTML element is open in between */
        }
    }
}

static void complete_tag(xn_html *h)
{
    tag_info *t = &h->info;

    parse_tag(h, t);
    h->state = S_TEXT;
    t->foreign = 0;
    if (!h->tag_overflow) {
        if (t->end_tag) {
            foreign_end_tag(h, t);
        }
        else {
            foreign_start_tag(h, t);
        }
    }
    if (h->tag_overflow) {
        /* NOTE: a tag longer than max_tag cannot be checked, so it is
         * dropped; its element's content stays. */
        h->stats.tags_too_long++;
    }
    else if (t->end_tag) {
        end_tag(h, t);
    }
    else {
        start_tag(h, t);
    }
    if (!t->end_tag && !t->foreign && (t->flags & F_RAW_TEXT)) {
        apr_cpystrn(h->raw_name, t->name, sizeof(h->raw_name));
        h->raw_len = strlen(h->raw_name);
        h->state = S_RAW;
    }
    else if (!t->end_tag && !t->foreign && (t->flags & F_PLAINTEXT)) {
        h->state = S_PLAINTEXT;
    }
    if (h->scratch_used) {
        apr_pool_clear(h->scratch);
        h->scratch_used = 0;
    }
}

/* ---------------------------------------------------------------------- */
/* Tokenizer                                                                */
/* ---------------------------------------------------------------------- */

static void tag_reset(xn_html *h)
{
    h->tag_len = 0;
    h->tag_overflow = 0;
}

static void tag_append(xn_html *h, char c)
{
    if (h->tag_len >= h->opt.max_tag) {
        h->tag_overflow = 1;
        return;
    }
    if (h->tag_len + 1 > h->tag_cap) {
        grow(h->pool, &h->tag, &h->tag_cap, h->tag_len + 1);
    }
    h->tag[h->tag_len++] = c;
}

static void tag_append_run(xn_html *h, const char *data, apr_size_t len)
{
    if (h->tag_len + len > h->opt.max_tag) {
        h->tag_overflow = 1;
        len = h->tag_len < h->opt.max_tag ? h->opt.max_tag - h->tag_len : 0;
    }
    if (h->tag_len + len > h->tag_cap) {
        grow(h->pool, &h->tag, &h->tag_cap, h->tag_len + len);
    }
    memcpy(h->tag + h->tag_len, data, len);
    h->tag_len += len;
}

/* Advances the tag tokenizer by C. Returns non-zero at the '>' that ends
 * the tag. */
static int tag_step(xn_html *h, int c)
{
    switch (h->tstate) {
    case T_NAME:
    case T_ATTR_NAME:
        if (is_space(c)) {
            h->tstate = h->tstate == T_NAME ? T_BEFORE_ATTR : T_AFTER_ATTR_NAME;
        }
        else if (c == '/') {
            h->tstate = T_SELF_CLOSING;
        }
        else if (c == '=' && h->tstate == T_ATTR_NAME) {
            h->tstate = T_BEFORE_VALUE;
        }
        return c == '>';
    case T_SELF_CLOSING:
        if (c == '>') {
            return 1;
        }
        /* The character is read again in the before-attribute state. */
        h->tstate = T_BEFORE_ATTR;
        /* fall through */
    case T_BEFORE_ATTR:
    case T_AFTER_ATTR_NAME:
    case T_AFTER_VALUE:
        if (is_space(c)) {
            if (h->tstate == T_AFTER_VALUE) {
                h->tstate = T_BEFORE_ATTR;
            }
        }
        else if (c == '/') {
            h->tstate = T_SELF_CLOSING;
        }
        else if (c == '=' && h->tstate == T_AFTER_ATTR_NAME) {
            h->tstate = T_BEFORE_VALUE;
        }
        else if (c != '>') {
            h->tstate = T_ATTR_NAME;
        }
        return c == '>';
    case T_BEFORE_VALUE:
        if (c == '"') {
            h->tstate = T_VALUE_DQ;
        }
        else if (c == '\'') {
            h->tstate = T_VALUE_SQ;
        }
        else if (!is_space(c) && c != '>') {
            h->tstate = T_VALUE_UQ;
        }
        return c == '>';
    case T_VALUE_DQ:
    case T_VALUE_SQ:
        if (c == (h->tstate == T_VALUE_DQ ? '"' : '\'')) {
            h->tstate = T_AFTER_VALUE;
        }
        return 0;
    case T_VALUE_UQ:
        if (is_space(c)) {
            h->tstate = T_BEFORE_ATTR;
        }
        return c == '>';
    }
    return 0;
}

/* Writes the buffered bytes as text and reads C again in the text state. */
static apr_size_t tag_as_text(xn_html *h, lex_state next)
{
    put(h, h->tag, h->tag_len);
    tag_reset(h);
    h->state = next;
    return 0;
}

/* Matches "<![CDATA[" byte by byte. Browsers read it as a CDATA section
 * only in SVG and MathML content, elsewhere as a bogus comment. */
static apr_size_t step_cdata_open(xn_html *h, int c)
{
    static const char opening[] = "<![CDATA[";

    if (!in_foreign(h) || c != opening[h->tag_len]) {
        return tag_as_text(h, S_BOGUS_COMMENT);
    }
    tag_append(h, (char)c);
    if (h->tag_len == sizeof(opening) - 1) {
        tag_as_text(h, S_CDATA);
        h->dashes = 0;                 /* counts the ']' before a '>' */
    }
    return 1;
}

/* Handles one byte in the states that read byte by byte. Returns the number
 * of bytes consumed: 0 means C is read again in the new state. */
static apr_size_t step_byte(xn_html *h, int c)
{
    switch (h->state) {
    case S_TAG_OPEN:
        if (c == '!') {
            tag_append(h, (char)c);
            h->state = S_MARKUP;
            return 1;
        }
        if (c == '/') {
            tag_append(h, (char)c);
            h->state = S_END_TAG_OPEN;
            return 1;
        }
        if (apr_isalpha(c)) {
            h->end_tag = 0;
            h->tstate = T_NAME;
            h->state = S_TAG;
            return 0;
        }
        if (c == '?') {
            return tag_as_text(h, S_BOGUS_COMMENT);
        }
        return tag_as_text(h, S_TEXT);
    case S_END_TAG_OPEN:
        if (apr_isalpha(c)) {
            h->end_tag = 1;
            h->tstate = T_NAME;
            h->state = S_TAG;
            return 0;
        }
        if (c == '>') {
            tag_reset(h);              /* browsers ignore "</>" */
            h->state = S_TEXT;
            return 1;
        }
        return tag_as_text(h, S_BOGUS_COMMENT);
    case S_MARKUP:
        if (c == '[' || (h->tag_len > 2 && h->tag[2] == '[')) {
            return step_cdata_open(h, c);
        }
        if (c != '-') {
            return tag_as_text(h, S_BOGUS_COMMENT);
        }
        tag_append(h, (char)c);
        if (h->tag_len == 4) {
            tag_as_text(h, S_COMMENT);
            h->dashes = 2;             /* so "<!-->" and "<!--->" end at once */
            h->bang = 0;
        }
        return 1;
    case S_RAW_END:
        if (h->raw_match == 0 ? c == '/'
            : h->raw_match <= h->raw_len
              ? apr_tolower(c) == h->raw_name[h->raw_match - 1]
              : 0) {
            tag_append(h, (char)c);
            h->raw_match++;
            return 1;
        }
        if (h->raw_match == h->raw_len + 1
            && (is_space(c) || c == '/' || c == '>')) {
            h->end_tag = 1;
            h->tstate = T_NAME;
            h->state = S_TAG;
            return 0;
        }
        return tag_as_text(h, S_RAW);
    default:
        return 1;
    }
}

/* Reads comment bytes up to and including the end of the comment.
 * NOTE: links inside comments stay, including IE conditional comments, which
 * only Internet Explorer 9 and older render as markup. */
static apr_size_t scan_comment(xn_html *h, const char *data, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i < len; i++) {
        char c = data[i];

        if (c == '-') {
            h->dashes++;
            h->bang = 0;
        }
        else if (c == '!' && h->dashes >= 2 && !h->bang) {
            h->bang = 1;
        }
        else if (c == '>' && h->dashes >= 2) {
            h->state = S_TEXT;
            i++;
            break;
        }
        else {
            h->dashes = 0;
            h->bang = 0;
        }
    }
    put(h, data, i);
    return i;
}

/* Reads CDATA section bytes up to and including the "]]>" that ends it. */
static apr_size_t scan_cdata(xn_html *h, const char *data, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i < len; i++) {
        if (data[i] == ']') {
            h->dashes++;
        }
        else if (data[i] == '>' && h->dashes >= 2) {
            h->state = S_TEXT;
            i++;
            break;
        }
        else {
            h->dashes = 0;
        }
    }
    put(h, data, i);
    return i;
}

/* Reads tag bytes up to and including the '>' that ends the tag. */
static apr_size_t scan_tag(xn_html *h, const char *data, apr_size_t len)
{
    apr_size_t i = 0;
    int done = 0;

    while (i < len && !done) {
        done = tag_step(h, (unsigned char)data[i++]);
    }
    tag_append_run(h, data, i);
    if (done) {
        complete_tag(h);
    }
    return i;
}

/* Writes text up to the next '<' and starts a tag there. */
static apr_size_t scan_text(xn_html *h, const char *data, apr_size_t len,
                            lex_state tag_state_next)
{
    const char *lt = memchr(data, '<', len);
    apr_size_t n = lt ? (apr_size_t)(lt - data) : len;

    put(h, data, n);
    if (!lt) {
        return n;
    }
    tag_reset(h);
    tag_append(h, '<');
    h->raw_match = 0;
    h->state = tag_state_next;
    return n + 1;
}

apr_status_t xn_html_feed(xn_html *h, const char *data, apr_size_t len)
{
    apr_size_t i = 0;

    while (i < len && h->error == APR_SUCCESS) {
        switch (h->state) {
        case S_TEXT:
            i += scan_text(h, data + i, len - i, S_TAG_OPEN);
            break;
        case S_RAW:
            i += scan_text(h, data + i, len - i, S_RAW_END);
            break;
        case S_PLAINTEXT:
            put(h, data + i, len - i);
            i = len;
            break;
        case S_COMMENT:
            i += scan_comment(h, data + i, len - i);
            break;
        case S_CDATA:
            i += scan_cdata(h, data + i, len - i);
            break;
        case S_TAG:
            i += scan_tag(h, data + i, len - i);
            break;
        case S_BOGUS_COMMENT: {
            const char *gt = memchr(data + i, '>', len - i);
            apr_size_t n = gt ? (apr_size_t)(gt - (data + i)) + 1 : len - i;

            put(h, data + i, n);
            i += n;
            if (gt) {
                h->state = S_TEXT;
            }
            break;
        }
        default:
            i += step_byte(h, (unsigned char)data[i]);
            break;
        }
    }
    return h->error;
}

apr_status_t xn_html_finish(xn_html *h)
{
    /* An unfinished "<", "</x" in raw text or "<!-" is text to a browser;
     * an unfinished tag is dropped. */
    if (h->state == S_TAG_OPEN || h->state == S_RAW_END
        || h->state == S_MARKUP || h->state == S_END_TAG_OPEN) {
        put(h, h->tag, h->tag_len);
    }
    tag_reset(h);
    h->state = S_TEXT;
    if (h->holding) {
        write_out(h, h->hold, h->hold_len);
        h->hold_len = 0;
        h->holding = 0;
    }
    h->depth = 0;
    h->foreign_depth = 0;
    h->foreign_overflow = 0;
    return h->error;
}

const xn_html_stats *xn_html_get_stats(const xn_html *h)
{
    return &h->stats;
}

apr_status_t xn_html_create(xn_html **out, apr_pool_t *p,
                            const xn_html_options *options,
                            xn_html_write_fn write, void *baton)
{
    xn_html *h = apr_pcalloc(p, sizeof(*h));
    apr_status_t rv;

    h->opt = *options;
    if (!h->opt.max_tag) {
        h->opt.max_tag = DEFAULT_MAX_TAG;
    }
    if (!h->opt.max_hold) {
        h->opt.max_hold = DEFAULT_MAX_HOLD;
    }
    if (!h->opt.role_attribute) {
        h->opt.role_attribute = "data-extranet-roles";
    }
    h->origin = options->origin;
    h->base.origin = &h->origin;
    h->base.page_path = options->page_path ? options->page_path : "/";
    h->base.base_path = h->base.page_path;
    h->write = write;
    h->baton = baton;
    h->pool = p;
    rv = apr_pool_create(&h->scratch, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    h->state = S_TEXT;
    *out = h;
    return APR_SUCCESS;
}
