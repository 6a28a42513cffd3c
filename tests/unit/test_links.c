/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <stdio.h>
#include <string.h>

#include <apr_strings.h>

#include "unit.h"
#include "xn_html.h"
#include "xn_links.h"

/* The demo table: /personeel/ for staff, /raad/ for councillors and staff,
 * /publiek/ public, and everything else for both. */
static xn_rolemap *demo_map;

static xn_rules *demo_rules(void)
{
    static const struct { const char *pattern; const char *roles; } specs[] = {
        { "/publiek/",   NULL },
        { "/personeel/", "personeel" },
        { "/raad/",      "raad personeel" },
        { "/",           "raad personeel" },
    };
    apr_array_header_t *list = apr_array_make(test_pool, 4,
                                              sizeof(xn_rule_spec));
    xn_rules *rules = NULL;
    const char *err = NULL;
    int i;

    demo_map = xn_rolemap_create(test_pool);
    ck_assert_int_eq(xn_rolemap_add(demo_map, "raad", NULL, &err), APR_SUCCESS);
    ck_assert_int_eq(xn_rolemap_add(demo_map, "personeel", NULL, &err),
                     APR_SUCCESS);
    for (i = 0; i < XN_COUNT(specs); i++) {
        xn_rule_spec *spec = apr_array_push(list);
        char *names, *last = NULL, *name;

        memset(spec, 0, sizeof(*spec));
        spec->pattern = specs[i].pattern;
        spec->kind = specs[i].roles ? XN_RULE_ALLOW : XN_RULE_PUBLIC;
        spec->role_names = apr_array_make(test_pool, 2, sizeof(const char *));
        spec->source = "test";
        names = apr_pstrdup(test_pool, specs[i].roles ? specs[i].roles : "");
        for (name = apr_strtok(names, " ", &last); name;
             name = apr_strtok(NULL, " ", &last)) {
            *(const char **)apr_array_push(spec->role_names) = name;
        }
    }
    ck_assert_int_eq(xn_rules_compile(&rules, test_pool, list, demo_map, 0,
                                      &err), APR_SUCCESS);
    return rules;
}

static const char *const origin_aliases[] = {
    "intranet.zonnedorp.be", "*.extranet.zonnedorp.be", "10.0.0.1", NULL
};
static const xn_links_origin origin = {
    "https", "extranet.zonnedorp.be", origin_aliases
};

static xn_links_base page_base(const char *page)
{
    xn_links_base base;

    base.origin = &origin;
    base.page_path = page;
    base.base_path = page;
    base.base_foreign = 0;
    return base;
}

/* ---------------------------------------------------------------------- */

typedef struct decode_case {
    const char *label;
    const char *input;
    const char *expected;
} decode_case;

static const decode_case decode_cases[] = {
    { "plain",                 "/raad/",              "/raad/" },
    { "hex slash",             "&#x2f;personeel/",    "/personeel/" },
    { "decimal slash",         "&#47;personeel/",     "/personeel/" },
    { "named sol",             "&sol;personeel&sol;", "/personeel/" },
    { "named period",          "&period;&period;/x",  "../x" },
    { "amp with semicolon",    "?a=1&amp;b=2",        "?a=1&b=2" },
    { "legacy amp",            "?a=1&amp b",          "?a=1& b" },
    { "legacy amp before =",   "?x&amp=1",            "?x&amp=1" },
    { "unknown name kept",     "/caf&eacute;/",       "/caf&eacute;/" },
    { "numeric without semi",  "&#47personeel",       "/personeel" },
    { "c1 maps to euro",       "&#128;",              "\xe2\x82\xac" },
    { "zero is replaced",      "a&#0;b",              "a\xef\xbf\xbd" "b" },
    { "huge number replaced",  "&#99999999999;",      "\xef\xbf\xbd" },
    { "bare ampersand",        "a&b",                 "a&b" },
    { "ampersand at end",      "a&",                  "a&" },
};

START_TEST(decode_refs_table)
{
    const decode_case *c = &decode_cases[_i];
    const char *out = xn_links_decode_refs(test_pool, c->input,
                                           strlen(c->input));

    ck_assert_msg(!strcmp(out, c->expected), "%s: got \"%s\"", c->label, out);
}
END_TEST

typedef struct resolve_case {
    const char *label;
    const char *page;
    const char *url;
    xn_link_e kind;
    const char *path;
} resolve_case;

static const resolve_case resolve_cases[] = {
    { "absolute path",        "/raad/", "/personeel/",           XN_LINK_LOCAL, "/personeel/" },
    { "relative",             "/raad/index.html", "agenda.pdf",  XN_LINK_LOCAL, "/raad/agenda.pdf" },
    { "relative up",          "/raad/", "./../personeel/",       XN_LINK_LOCAL, "/raad/./../personeel/" },
    { "query cut",            "/", "/personeel/?a=b#c",          XN_LINK_LOCAL, "/personeel/" },
    { "fragment only",        "/raad/x.html", "#top",            XN_LINK_LOCAL, "/raad/x.html" },
    { "empty",                "/raad/x.html", "",                XN_LINK_LOCAL, "/raad/x.html" },
    { "same host absolute",   "/", "HTTPS://Extranet.Zonnedorp.BE/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "same host trailing dot", "/", "https://extranet.zonnedorp.be./personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "same host port",       "/", "https://extranet.zonnedorp.be:443/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "userinfo",             "/", "https://x@extranet.zonnedorp.be/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "host no path",         "/", "https://extranet.zonnedorp.be", XN_LINK_LOCAL, "/" },
    { "scheme relative",      "/", "//extranet.zonnedorp.be/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "many slashes",         "/", "https:////extranet.zonnedorp.be/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "backslashes",          "/", "\\\\extranet.zonnedorp.be\\personeel\\", XN_LINK_LOCAL, "/personeel/" },
    { "same scheme relative", "/raad/", "https:/personeel/",     XN_LINK_LOCAL, "/personeel/" },
    { "tab inside",           "/", "/perso\tnneel/",             XN_LINK_LOCAL, "/personneel/" },
    { "newline inside",       "/", "/perso\nneel/",              XN_LINK_LOCAL, "/personeel/" },
    { "leading space",        "/", "  /personeel/ ",             XN_LINK_LOCAL, "/personeel/" },
    { "percent host",         "/", "//extranet.zonnedorp.%62e/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "other host",           "/", "https://www.example.org/personeel/", XN_LINK_FOREIGN, NULL },
    { "alias host",           "/", "https://Intranet.Zonnedorp.be/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "wildcard alias host",  "/", "https://raad.extranet.zonnedorp.be/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "ipv4 alias",           "/", "http://10.0.0.1/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "ipv4 short",           "/", "http://10.1/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "ipv4 hex",             "/", "http://0xa000001/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "ipv4 decimal",         "/", "http://167772161/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "ipv4 octal",           "/", "http://012.0.0.01/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "ipv4 trailing dot",    "/", "http://10.0.0.1./personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "ipv4 mixed parts",     "/", "http://0xA.0.1/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "ipv4 other address",   "/", "http://10.0.0.2/personeel/", XN_LINK_FOREIGN, NULL },
    { "ipv4 part too large",  "/", "http://10.256.0.1/personeel/", XN_LINK_INVALID, NULL },
    { "ipv4 empty part",      "/", "http://10..1/personeel/", XN_LINK_INVALID, NULL },
    { "ipv4 bad octal",       "/", "http://09.0.0.1/personeel/", XN_LINK_INVALID, NULL },
    { "numeric label host",   "/", "http://www.10/personeel/", XN_LINK_INVALID, NULL },
    { "other port",           "/", "https://extranet.zonnedorp.be:8443/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "other scheme",         "/", "http://extranet.zonnedorp.be/personeel/", XN_LINK_LOCAL, "/personeel/" },
    { "other scheme relative", "/raad/", "http:../personeel/",   XN_LINK_FOREIGN, NULL },
    { "mailto",               "/", "mailto:raad@zonnedorp.be",   XN_LINK_FOREIGN, NULL },
    { "javascript",           "/", "javascript:void(0)",         XN_LINK_FOREIGN, NULL },
    { "bad port",             "/", "https://extranet.zonnedorp.be:x/", XN_LINK_INVALID, NULL },
};

START_TEST(resolve_table)
{
    const resolve_case *c = &resolve_cases[_i];
    xn_links_base base = page_base(c->page);
    const char *path = NULL;
    xn_link_e kind = xn_links_resolve(&path, test_pool, &base, c->url);

    ck_assert_msg(kind == c->kind, "%s: kind %d", c->label, (int)kind);
    if (c->path) {
        ck_assert_msg(path && !strcmp(path, c->path), "%s: path \"%s\"",
                      c->label, path ? path : "(null)");
    }
}
END_TEST

START_TEST(base_href_changes_resolution)
{
    xn_links_base base = page_base("/index.html");
    const char *path = NULL;

    xn_links_set_base(&base, test_pool, "/personeel/");
    ck_assert_int_eq(xn_links_resolve(&path, test_pool, &base, "verlof.html"),
                     XN_LINK_LOCAL);
    ck_assert_str_eq(path, "/personeel/verlof.html");

    xn_links_set_base(&base, test_pool, "https://www.example.org/");
    ck_assert_int_eq(xn_links_resolve(&path, test_pool, &base, "verlof.html"),
                     XN_LINK_FOREIGN);
    ck_assert_int_eq(xn_links_resolve(&path, test_pool, &base, "/personeel/"),
                     XN_LINK_FOREIGN);
}
END_TEST

/* Every spelling of the staff folder is denied to a councillor, and the
 * staff newsletter next to it is not. */
static const char *const denied_spellings[] = {
    "/Raad/../personeel/", "HTTPS://extranet.zonnedorp.be/personeel/",
    "//extranet.zonnedorp.be/personeel/", "./../personeel/",
    "&#x2f;personeel/", "/personeel", "/%70ersoneel/", "/personeel/%00",
    "/personeel./", "/perso&#10;neel/", "&sol;personeel&sol;",
    "https:/personeel/", "\\personeel\\", "/raad/%2e%2e/personeel/",
};

START_TEST(spellings_denied)
{
    xn_rules *rules = demo_rules();
    xn_links_base base = page_base("/");
    xn_roleset_t raad = (xn_roleset_t)1 << xn_rolemap_index(demo_map, "raad");
    const char *url = denied_spellings[_i];
    const char *decoded = xn_links_decode_refs(test_pool, url, strlen(url));

    ck_assert_msg(!xn_links_allowed(&base, rules, raad, test_pool, decoded),
                  "%s allowed", url);
}
END_TEST

START_TEST(neighbours_allowed)
{
    xn_rules *rules = demo_rules();
    xn_links_base base = page_base("/");
    xn_roleset_t raad = (xn_roleset_t)1 << xn_rolemap_index(demo_map, "raad");

    ck_assert(xn_links_allowed(&base, rules, raad, test_pool, "/personeelsblad/"));
    ck_assert(xn_links_allowed(&base, rules, raad, test_pool, "/raad/agenda.pdf"));
    ck_assert(xn_links_allowed(&base, rules, raad, test_pool,
                               "https://www.example.org/personeel/"));
    ck_assert(xn_links_allowed(&base, rules, 0, test_pool, "/publiek/"));
    ck_assert(!xn_links_allowed(&base, rules, 0, test_pool, "/raad/"));
}
END_TEST

static int collect(void *baton, const char *url)
{
    apr_array_header_t *urls = baton;

    *(const char **)apr_array_push(urls) = url;
    return 0;
}

START_TEST(srcset_candidates)
{
    apr_array_header_t *urls = apr_array_make(test_pool, 4, sizeof(char *));

    xn_links_srcset_each(test_pool, " a.png 1x, /b,c.png 2x,d.png,, e.png (x, y) 3w",
                         collect, urls);
    ck_assert_int_eq(urls->nelts, 4);
    ck_assert_str_eq(APR_ARRAY_IDX(urls, 0, const char *), "a.png");
    ck_assert_str_eq(APR_ARRAY_IDX(urls, 1, const char *), "/b,c.png");
    ck_assert_str_eq(APR_ARRAY_IDX(urls, 2, const char *), "d.png");
    ck_assert_str_eq(APR_ARRAY_IDX(urls, 3, const char *), "e.png");
}
END_TEST

START_TEST(refresh_urls)
{
    ck_assert_str_eq(xn_links_refresh_url(test_pool, "5; url=/personeel/"),
                     "/personeel/");
    ck_assert_str_eq(xn_links_refresh_url(test_pool, "0;URL='/raad/'"), "/raad/");
    ck_assert_str_eq(xn_links_refresh_url(test_pool, "3, /raad/"), "/raad/");
    ck_assert_str_eq(xn_links_refresh_url(test_pool, " 1 ; url = \"x y\""), "x y");
    ck_assert_ptr_null(xn_links_refresh_url(test_pool, "30"));
}
END_TEST

/* ---------------------------------------------------------------------- */
/* The rewriter                                                             */
/* ---------------------------------------------------------------------- */

typedef struct sink {
    char *data;
    apr_size_t len, cap;
} sink;

static apr_status_t sink_write(void *baton, const char *data, apr_size_t len)
{
    sink *s = baton;

    if (s->len + len + 1 > s->cap) {
        apr_size_t cap = (s->len + len + 1) * 2;
        char *data2 = apr_palloc(test_pool, cap);

        if (s->len) {
            memcpy(data2, s->data, s->len);
        }
        s->data = data2;
        s->cap = cap;
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
    s->data[s->len] = '\0';
    return APR_SUCCESS;
}

/* Rewrites INPUT for a councillor, feeding it in pieces of CHUNK bytes. */
static const char *rewrite_chunked(const char *input, apr_size_t len,
                                   xn_html_removal_e removal, const char *roles,
                                   apr_size_t chunk, xn_html_stats *stats)
{
    xn_html_options opt;
    xn_html *html = NULL;
    sink out = { NULL, 0, 0 };
    apr_size_t i;

    memset(&opt, 0, sizeof(opt));
    opt.rules = demo_rules();
    opt.rolemap = demo_map;
    opt.roles = xn_roleset_parse(demo_map, roles, ',');
    opt.check_links = opt.roles != 0;
    opt.removal = removal;
    opt.origin = origin;
    opt.page_path = "/raad/index.html";
    ck_assert_int_eq(xn_html_create(&html, test_pool, &opt, sink_write, &out),
                     APR_SUCCESS);
    for (i = 0; i < len; i += chunk) {
        ck_assert_int_eq(xn_html_feed(html, input + i,
                                      len - i < chunk ? len - i : chunk),
                         APR_SUCCESS);
    }
    ck_assert_int_eq(xn_html_finish(html), APR_SUCCESS);
    if (stats) {
        *stats = *xn_html_get_stats(html);
    }
    sink_write(&out, "", 0);
    return out.data;
}

typedef struct rewrite_case {
    const char *label;
    xn_html_removal_e removal;
    const char *input;
    const char *expected;
} rewrite_case;

#define ITEM XN_REMOVE_ITEM
#define ELEMENT XN_REMOVE_ELEMENT
#define UNWRAP XN_REMOVE_UNWRAP

/* 300 attributes, more than the rewriter checks in one tag. */
#define ATTRS_10 " x x x x x x x x x x"
#define ATTRS_100 ATTRS_10 ATTRS_10 ATTRS_10 ATTRS_10 ATTRS_10 \
    ATTRS_10 ATTRS_10 ATTRS_10 ATTRS_10 ATTRS_10
#define ATTRS_300 ATTRS_100 ATTRS_100 ATTRS_100

static const rewrite_case rewrite_cases[] = {
    { "script unchanged", ITEM,
      "<script>if(a<b&&c>d){location=\"/personeel/\"}</script>",
      "<script>if(a<b&&c>d){location=\"/personeel/\"}</script>" },
    { "style unchanged", ITEM,
      "<style>a[href=\"/personeel/\"]>b{x:1}</style>",
      "<style>a[href=\"/personeel/\"]>b{x:1}</style>" },
    { "script end tag in string", ITEM,
      "<script>x='</scrip'+'t>'</script><a href=/personeel/>p</a>",
      "<script>x='</scrip'+'t>'</script>" },
    { "menu item removed", ITEM,
      "<ul><li><a href=\"/raad/\">Raad</a></li><li><a href=\"/personeel/\">P</a></li></ul>",
      "<ul><li><a href=\"/raad/\">Raad</a></li></ul>" },
    { "item without end tags", ITEM,
      "<ul><li><a href=/personeel/>P</a><li><a href=/raad/>R</a></ul>",
      "<ul><li><a href=/raad/>R</a></ul>" },
    { "nested list item", ITEM,
      "<ul><li><a href=/raad/>R</a><ul><li><a href=/personeel/>P</a></li></ul></li></ul>",
      "<ul><li><a href=/raad/>R</a><ul></ul></li></ul>" },
    { "item with nested span", ITEM,
      "<li><span><a href=/personeel/>P</a> tekst</span> meer</li><li>ok</li>",
      "<li>ok</li>" },
    { "link outside list", ITEM,
      "<p>Zie <a href=/personeel/>personeel</a>.</p>",
      "<p>Zie .</p>" },
    { "element mode", ELEMENT,
      "<ul><li><a href=/personeel/>P</a> uitleg</li></ul>",
      "<ul><li> uitleg</li></ul>" },
    { "unwrap mode", UNWRAP,
      "<p>Zie <a href=/personeel/ class=x>personeel</a>.</p>",
      "<p>Zie personeel.</p>" },
    { "kept neighbour", ITEM,
      "<a href=\"/personeelsblad/\">Blad</a>",
      "<a href=\"/personeelsblad/\">Blad</a>" },
    { "entity spelled link", ITEM,
      "<a href=\"&#x2f;personeel/\">P</a>x", "x" },
    { "other host kept", ITEM,
      "<a href=\"https://www.example.org/personeel/\">P</a>",
      "<a href=\"https://www.example.org/personeel/\">P</a>" },
    { "quoted greater-than", ITEM,
      "<a title=\"a>b\" href=\"/personeel/\">P</a>x", "x" },
    { "comment kept", ITEM,
      "<!-- <a href=\"/personeel/\"> --><!--[if IE]><p>oud</p><![endif]-->",
      "<!-- <a href=\"/personeel/\"> --><!--[if IE]><p>oud</p><![endif]-->" },
    { "short comments", ITEM,
      "<!--><!---><a href=/personeel/>x</a>", "<!--><!--->" },
    { "doctype kept", ITEM,
      "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\">",
      "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\">" },
    { "entities kept", ITEM,
      "<p title=\"&quot;x&quot;\">&nbsp;&eacute;&#8364;</p>",
      "<p title=\"&quot;x&quot;\">&nbsp;&eacute;&#8364;</p>" },
    { "img removed", ITEM, "a<img src=/personeel/x.png>b", "ab" },
    { "srcset removed", ITEM,
      "a<img src=/raad/x.png srcset=\"/raad/y.png 2x, /personeel/z.png 3x\">b", "ab" },
    { "form removed", ITEM,
      "<form action=/personeel/zoek><input name=q></form>x", "x" },
    { "iframe removed", ITEM,
      "<iframe src=/personeel/>fallback <a></iframe>x", "x" },
    { "meta refresh removed", ITEM,
      "<meta http-equiv=Refresh content=\"0; url=/personeel/\"><meta charset=utf-8>",
      "<meta charset=utf-8>" },
    { "relative to page", ITEM,
      "<a href=\"../personeel/\">P</a><a href=\"agenda.pdf\">A</a>",
      "<a href=\"agenda.pdf\">A</a>" },
    { "base href", ITEM,
      "<base href=\"/personeel/\"><a href=\"verlof.html\">V</a>",
      "<base href=\"/personeel/\">" },
    { "second base ignored", ITEM,
      "<base href=\"/raad/\"><base href=\"/personeel/x/\"><a href=\"../personeel/\">P</a>x",
      "<base href=\"/raad/\"><base href=\"/personeel/x/\">x" },
    { "base after relative link dropped", ITEM,
      "<a href=\"agenda.pdf\">A</a><base href=\"/x/y/\"><a href=\"../personeel/\">P</a>x",
      "<a href=\"agenda.pdf\">A</a>x" },
    { "later base after dropped base", ITEM,
      "<a href=\"a.pdf\">A</a><base href=\"/x/\"><base href=\"/y/z/\"><a href=\"../personeel/\">P</a>",
      "<a href=\"a.pdf\">A</a>" },
    { "same base after relative link", ITEM,
      "<a href=\"a.pdf\">A</a><base href=\"index.html\"><a href=\"../personeel/\">P</a>",
      "<a href=\"a.pdf\">A</a><base href=\"index.html\">" },
    { "base after absolute link kept", ITEM,
      "<a href=\"https://www.example.org/\">E</a><base href=\"/x/y/\"><a href=\"../../personeel/\">P</a>",
      "<a href=\"https://www.example.org/\">E</a><base href=\"/x/y/\">" },
    { "base releases held item", ITEM,
      "<ul><li><base href=\"/x/y/\"><a href=\"/personeel/\">P</a></li></ul><a href=\"../../personeel/\">Q</a><a href=\"../p/\">R</a>",
      "<ul><li><base href=\"/x/y/\"></li></ul><a href=\"../p/\">R</a>" },
    { "base href ipv4 hex", ITEM,
      "<base href=\"http://0xa000001/personeel/\"><a href=\"verlof.html\">V</a>",
      "<base href=\"http://0xa000001/personeel/\">" },
    { "marked block removed", ITEM,
      "<div data-extranet-roles=\"personeel\"><div>geheim</div></div><p>open</p>",
      "<p>open</p>" },
    { "marked block kept", ITEM,
      "<div class=x data-extranet-roles=\"personeel raad\">raad</div>",
      "<div class=x>raad</div>" },
    { "marked paragraph implied end", ITEM,
      "<p data-extranet-roles=personeel>geheim<p>open", "<p>open" },
    { "uppercase tags", ITEM,
      "<UL><LI><A HREF=\"/PERSONEEL/\">P</A></LI></UL>", "<UL></UL>" },
    { "slash in unquoted value", ITEM,
      "<a href=/raad/>R</a>", "<a href=/raad/>R</a>" },
    { "lone less-than", ITEM, "a < b <3 </> c<", "a < b <3  c<" },
    { "processing instruction", ITEM, "<?xml version=\"1.0\"?><p>", "<?xml version=\"1.0\"?><p>" },
    { "truncated tag dropped", ITEM, "ok<a href=\"/raad/", "ok" },
    { "nul byte", ITEM, "a\0b<a href=/personeel/>x</a>c", "a\0bc" },
    { "link in textarea kept", ITEM,
      "<textarea><a href=/personeel/>x</a></textarea>",
      "<textarea><a href=/personeel/>x</a></textarea>" },
    { "svg style is markup", ITEM,
      "<svg><style></svg><ul><li><a href=\"/personeel/\">P</a></li></ul>",
      "<svg><style></svg><ul></ul>" },
    { "svg title is markup", ITEM,
      "<svg><title></svg><a href=\"/personeel/\">V</a>x",
      "<svg><title></svg>x" },
    { "math style is markup", ITEM,
      "<math><style></math><a href=\"/personeel/\">P</a>x",
      "<math><style></math>x" },
    { "svg script is markup", ITEM,
      "<svg><script><a href=\"/personeel/\">P</a></script></svg>x",
      "<svg><script></script></svg>x" },
    { "style after svg is raw", ITEM,
      "<svg></svg><style><a href=\"/personeel/\"></style>",
      "<svg></svg><style><a href=\"/personeel/\"></style>" },
    { "style in foreignObject is raw", ITEM,
      "<svg><foreignObject><style><a href=\"/personeel/\"></style></foreignObject></svg>",
      "<svg><foreignObject><style><a href=\"/personeel/\"></style></foreignObject></svg>" },
    { "html tag leaves svg", ITEM,
      "<svg><g><p><style><a href=\"/personeel/\"></style>",
      "<svg><g><p><style><a href=\"/personeel/\"></style>" },
    { "self-closing svg", ITEM,
      "<svg/><style><a href=\"/personeel/\"></style>",
      "<svg/><style><a href=\"/personeel/\"></style>" },
    { "svg cdata ends early", ITEM,
      "<svg><![CDATA[> <!-- ]]><a href=\"/personeel/\">P</a>--></svg>x",
      "<svg><![CDATA[> <!-- ]]>--></svg>x" },
    { "cdata outside svg is bogus comment", ITEM,
      "<![CDATA[<a href=\"/personeel/\">]]>x",
      "<![CDATA[<a href=\"/personeel/\">]]>x" },
    { "svg base ignored", ITEM,
      "<svg><base href=\"/x/y/\"></base></svg><a href=\"../personeel/\">P</a>x",
      "<svg><base href=\"/x/y/\"></base></svg>x" },
    { "too many attributes item", ITEM,
      "<ul><li><a" ATTRS_300 " href=\"/personeel/\">P</a></li></ul>",
      "<ul></ul>" },
    { "too many attributes element", ELEMENT,
      "<p><a" ATTRS_300 " href=\"/raad/\">R</a>x</p>", "<p>x</p>" },
};

START_TEST(rewrite_table)
{
    const rewrite_case *c = &rewrite_cases[_i];
    apr_size_t len = strlen(c->input), expected_len = strlen(c->expected);
    apr_size_t chunks[] = { 1, 3, 4096 };
    int k;

    if (!strcmp(c->label, "nul byte")) {
        len = 30;
        expected_len = 4;
    }
    for (k = 0; k < XN_COUNT(chunks); k++) {
        const char *out = rewrite_chunked(c->input, len, c->removal, "raad",
                                          chunks[k], NULL);

        ck_assert_msg(!memcmp(out, c->expected, expected_len)
                      && strlen(out + (expected_len ? expected_len - 1 : 0))
                         <= 1,
                      "%s (chunks of %lu): got \"%s\"", c->label,
                      (unsigned long)chunks[k], out);
    }
}
END_TEST

START_TEST(staff_sees_everything)
{
    const char *page = "<ul><li><a href=/personeel/>P</a></li></ul>"
                       "<div data-extranet-roles=personeel>x</div>";
    const char *out = rewrite_chunked(page, strlen(page), ITEM, "personeel",
                                      7, NULL);

    ck_assert_str_eq(out, "<ul><li><a href=/personeel/>P</a></li></ul><div>x</div>");
}
END_TEST

START_TEST(anonymous_keeps_links)
{
    const char *page = "<a href=/personeel/>P</a><p data-extranet-roles=raad>r</p>.";
    const char *out = rewrite_chunked(page, strlen(page), ITEM, "", 5, NULL);

    ck_assert_str_eq(out, "<a href=/personeel/>P</a>.");
}
END_TEST

START_TEST(deep_nesting_bounded)
{
    apr_size_t n = 100000, i;
    char *page = apr_palloc(test_pool, n * 11 + 64);
    char *p = page;
    const char *out;
    xn_html_stats stats;

    for (i = 0; i < n; i++) {
        memcpy(p, "<div>", 5);
        p += 5;
    }
    p += sprintf(p, "<a href=/personeel/>x</a>");
    for (i = 0; i < n; i++) {
        memcpy(p, "</div>", 6);
        p += 6;
    }
    out = rewrite_chunked(page, (apr_size_t)(p - page), ITEM, "raad", 8192,
                          &stats);
    ck_assert_uint_eq(strlen(out), n * 11);
    ck_assert_uint_eq(stats.links_removed, 1);
}
END_TEST

START_TEST(long_list_item_released)
{
    apr_size_t n = 400 * 1024;
    char *page = apr_palloc(test_pool, n + 64);
    const char *out;

    memcpy(page, "<li>", 4);
    memset(page + 4, 'x', n);
    strcpy(page + 4 + n, "<a href=/personeel/>P</a></li>");
    out = rewrite_chunked(page, strlen(page), ITEM, "raad", 65536, NULL);
    /* The item outgrew the hold buffer, so only the link goes. */
    ck_assert_uint_eq(strlen(out), 4 + n + 5);
}
END_TEST

Suite *links_suite(void)
{
    Suite *s = suite_create("links");
    TCase *tc = tcase_create("links");

    unit_add_pool_fixture(tc);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, decode_refs_table, 0, XN_COUNT(decode_cases));
    tcase_add_loop_test(tc, resolve_table, 0, XN_COUNT(resolve_cases));
    tcase_add_test(tc, base_href_changes_resolution);
    tcase_add_loop_test(tc, spellings_denied, 0, XN_COUNT(denied_spellings));
    tcase_add_test(tc, neighbours_allowed);
    tcase_add_test(tc, srcset_candidates);
    tcase_add_test(tc, refresh_urls);
    tcase_add_loop_test(tc, rewrite_table, 0, XN_COUNT(rewrite_cases));
    tcase_add_test(tc, staff_sees_everything);
    tcase_add_test(tc, anonymous_keeps_links);
    tcase_add_test(tc, deep_nesting_bounded);
    tcase_add_test(tc, long_list_item_released);
    suite_add_tcase(s, tc);
    return s;
}
