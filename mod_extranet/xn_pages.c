/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <apr_hash.h>
#include <apr_strings.h>

#include <http_protocol.h>
#include <http_request.h>
#include <http_core.h>

#include "xn_pages.h"
#include "xn_config.h"
#include "xn_escape.h"
#include "xn_input.h"
#include "xn_templates.h"

/* The texts of one language. Source strings are UTF-8. */
typedef struct xn_texts {
    const char *lang;
    const char *site;
    const char *login_title;
    const char *login_intro;
    const char *username;
    const char *password;
    const char *login_button;
    const char *login_failed;
    const char *logout_title;
    const char *logout_question;
    const char *logout_button;
    const char *logged_out;
    const char *login_again;
    const char *not_found_title;
    const char *not_found;
    const char *forbidden_title;
    const char *forbidden;
    const char *unavailable_title;
    const char *unavailable;
    const char *bad_request_title;
    const char *bad_request;
    const char *home;
    const char *login_account;
    const char *expired;
    const char *throttled_title;
    const char *throttled;           /* format: %d seconds */
    const char *blocked_title;
    const char *blocked;             /* format: %d minutes */
    const char *admin_title;
    const char *admin_intro;
    const char *admin_button;
    const char *admin_done;          /* format: %s user name */
} xn_texts;

static const xn_texts texts[] = {
    { "nl", "Extranet",
      "Aanmelden",
      "Meld u aan met de gebruikersnaam en het wachtwoord die u van de "
      "gemeente kreeg.",
      "Gebruikersnaam", "Wachtwoord", "Aanmelden",
      "Onjuiste gebruikersnaam of wachtwoord. Probeer het opnieuw.",
      "Afmelden", "Wilt u zich afmelden?", "Afmelden",
      "U bent afgemeld.", "Opnieuw aanmelden",
      "Pagina niet gevonden",
      "De pagina die u zocht, bestaat niet of is niet beschikbaar.",
      "Geen toegang",
      "U hebt geen toegang tot deze pagina.",
      "Tijdelijk niet beschikbaar",
      "Aanmelden is tijdelijk niet beschikbaar. Probeer het over enkele "
      "minuten opnieuw.",
      "Ongeldige aanvraag",
      "Uw aanvraag kon niet verwerkt worden. Probeer het opnieuw.",
      "Naar de startpagina",
      "Uw account is geblokkeerd, verlopen of uw wachtwoord moet gewijzigd "
      "worden. Neem contact op met de informaticadienst van de gemeente.",
      "Uw sessie is verlopen. Meld u opnieuw aan.",
      "Even geduld",
      "Er waren te veel mislukte pogingen om aan te melden. Probeer het "
      "over %d seconden opnieuw.",
      "Aanmelden tijdelijk geblokkeerd",
      "Aanmelden is tijdelijk geblokkeerd na te veel mislukte pogingen. "
      "Probeer het over %d minuten opnieuw, of neem contact op met de "
      "gemeente.",
      "Sessies beëindigen",
      "Be&#235;indig alle sessies van een gebruiker, bijvoorbeeld wanneer "
      "een raadslid het mandaat neerlegt.",
      "Sessies beëindigen",
      "Alle sessies van %s zijn beëindigd." },
    { "fr", "Extranet",
      "Connexion",
      "Connectez-vous avec le nom d’utilisateur et le mot de passe "
      "fournis par la commune.",
      "Nom d’utilisateur", "Mot de passe", "Se connecter",
      "Nom d’utilisateur ou mot de passe incorrect. "
      "Veuillez réessayer.",
      "Déconnexion", "Voulez-vous vous déconnecter ?",
      "Se déconnecter",
      "Vous êtes déconnecté.", "Se reconnecter",
      "Page introuvable",
      "La page demandée n’existe pas ou n’"
      "est pas disponible.",
      "Accès refusé",
      "Vous n’avez pas accès à cette page.",
      "Temporairement indisponible",
      "La connexion est temporairement indisponible. Veuillez ré"
      "essayer dans quelques minutes.",
      "Requête invalide",
      "Votre requête n’a pas pu être traitée. "
      "Veuillez réessayer.",
      "Retour à l’accueil",
      "Votre compte est bloqué ou expiré, ou votre mot de passe doit "
      "être changé. Veuillez contacter le service informatique de la "
      "commune.",
      "Votre session a expiré. Veuillez vous reconnecter.",
      "Veuillez patienter",
      "Trop de tentatives de connexion ont échoué. Veuillez réessayer "
      "dans %d secondes.",
      "Connexion temporairement bloquée",
      "La connexion est temporairement bloquée après trop de tentatives "
      "échouées. Veuillez réessayer dans %d minutes ou contacter la "
      "commune.",
      "Terminer les sessions",
      "Terminez toutes les sessions d’un utilisateur, par exemple "
      "quand un conseiller quitte son mandat.",
      "Terminer les sessions",
      "Toutes les sessions de %s sont terminées." },
    { "en", "Extranet",
      "Sign in",
      "Sign in with the user name and password you received from the "
      "municipality.",
      "User name", "Password", "Sign in",
      "Incorrect user name or password. Please try again.",
      "Sign out", "Do you want to sign out?", "Sign out",
      "You are signed out.", "Sign in again",
      "Page not found",
      "The page you requested does not exist or is not available.",
      "Access denied",
      "You do not have access to this page.",
      "Temporarily unavailable",
      "Signing in is temporarily unavailable. Please try again in a few "
      "minutes.",
      "Bad request",
      "Your request could not be processed. Please try again.",
      "Go to the home page",
      "Your account is blocked or expired, or your password must be "
      "changed. Please contact the municipality's IT department.",
      "Your session has expired. Please sign in again.",
      "Please wait",
      "There were too many failed sign-in attempts. Please try again in %d "
      "seconds.",
      "Sign-in temporarily blocked",
      "Signing in is temporarily blocked after too many failed attempts. "
      "Please try again in %d minutes, or contact the municipality.",
      "End sessions",
      "End every session of one user, for example when a council member "
      "leaves office.",
      "End sessions",
      "All sessions of %s have ended." },
};

static const char *const languages[] = { "nl", "fr", "en", NULL };

#define XN_LANGUAGES 3
#define XN_PAGES (XN_PAGE_LOGIN_ACCOUNT + 1)
#define XN_DEFAULT_COLOR "#0b5394"

/* The error pages of one virtual host, rendered in post_config and
 * read-only afterwards, so the hot path of a signed-in request registers
 * them without building HTML. */
typedef struct server_pages {
    const char *error[XN_LANGUAGES][XN_PAGES];
} server_pages;

/* Maps a server config to its server_pages. Filled in post_config. */
static apr_hash_t *pages_by_server;

/* The built-in style; the brand colour replaces every %s. */
static const char page_style[] =
    "body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
    "margin:0;background:#f4f5f7;color:#1b1b1b;line-height:1.5}"
    "header{background:%s;color:#fff;padding:.75rem 1rem}"
    "header p{margin:0;font-weight:600;font-size:1.1rem}"
    "header img{max-height:3rem;max-width:100%%;display:block;"
    "margin-bottom:.25rem}"
    "main{max-width:28rem;margin:2rem auto;padding:1.5rem 2rem;"
    "background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.2)}"
    "footer{max-width:28rem;margin:0 auto 2rem;padding:0 2rem}"
    "h1{font-size:1.5rem;margin-top:0}"
    "label{display:block;font-weight:600;margin-top:1rem}"
    "input{box-sizing:border-box;width:100%%;font-size:1rem;padding:.6rem;"
    "border:1px solid #5a5a5a;border-radius:.25rem}"
    "button{margin-top:1.5rem;font-size:1rem;padding:.7rem 1.4rem;border:0;"
    "border-radius:.25rem;background:%s;color:#fff;cursor:pointer;"
    "min-height:44px}"
    "button:focus,input:focus,a:focus{outline:3px solid #f2a900;"
    "outline-offset:2px}"
    ".error{background:#fdecea;border-left:4px solid #b3261e;padding:.75rem;"
    "color:#5f1410}"
    ".notice{background:#e8f1fb;border-left:4px solid %s;padding:.75rem}"
    "a{color:%s}"
    "@media (max-width:30rem){main{margin:0;border-radius:0;"
    "padding:1rem}footer{padding:0 1rem}}";

static const xn_texts *texts_for(const char *lang)
{
    apr_size_t i;

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (!strcmp(texts[i].lang, lang)) {
            return &texts[i];
        }
    }
    return &texts[0];
}

/* Decodes one UTF-8 sequence at S; returns its length, 0 when invalid. */
static int utf8_decode(const unsigned char *s, unsigned int *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
        *cp = ((s[0] & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80
        && (s[2] & 0xC0) == 0x80) {
        *cp = ((s[0] & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80
        && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
        *cp = ((s[0] & 0x07) << 18) | ((s[1] & 0x3F) << 12)
              | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        return 4;
    }
    return 0;
}

/* Replaces every non-ASCII character of the (already HTML-escaped) UTF-8
 * text with a numeric character reference. */
static const char *to_ascii(apr_pool_t *p, const char *html)
{
    apr_size_t len = strlen(html);
    char *out = apr_palloc(p, len * 10 + 1);
    const unsigned char *s = (const unsigned char *)html;
    char *o = out;

    while (*s) {
        unsigned int cp = '?';
        int n = utf8_decode(s, &cp);

        if (n == 1) {
            *o++ = (char)cp;
        }
        else {
            o += apr_snprintf(o, 12, "&#%u;", n ? cp : '?');
        }
        s += n ? n : 1;
    }
    *o = '\0';
    return out;
}

static const char *page_css(apr_pool_t *p, const xn_server_config *sconf)
{
    const char *color = sconf->brand_color ? sconf->brand_color
                                           : XN_DEFAULT_COLOR;

    return apr_psprintf(p, page_style, color, color, color, color);
}

static int lang_index(const char *lang)
{
    int i;

    for (i = 0; i < XN_LANGUAGES; i++) {
        if (!strcmp(languages[i], lang)) {
            return i;
        }
    }
    return 0;
}

/* The header bar: the logo, when one is configured, and the site name. */
static const char *logo_html(apr_pool_t *p, const xn_server_config *sconf)
{
    if (!sconf->brand_logo) {
        return "";
    }
    return apr_pstrcat(p, "<img src=\"", xn_html_escape(p, sconf->brand_logo),
                       "\" alt=\"", xn_html_escape(p, sconf->brand_logo_alt),
                       "\">", NULL);
}

static const char *help_html(apr_pool_t *p, const xn_server_config *sconf,
                             const char *lang)
{
    const char *help = sconf->brand_help[lang_index(lang)];

    return help ? apr_pstrcat(p, "<p>", xn_html_escape(p, help), "</p>", NULL)
                : "";
}

static const char *hidden_field(apr_pool_t *p, const char *name,
                                const char *value)
{
    if (!value) {
        return "";
    }
    return apr_pstrcat(p, "<input type=\"hidden\" name=\"", name,
                       "\" value=\"", xn_html_escape(p, value), "\">\n",
                       NULL);
}

static const char *login_form(apr_pool_t *p, const xn_texts *t,
                              const char *endpoint, const xn_page_args *args)
{
    return apr_pstrcat(p,
        "<form method=\"post\" action=\"", endpoint, "/login\">\n"
        "<label for=\"username\">", t->username, "</label>\n"
        "<input id=\"username\" name=\"username\" type=\"text\" "
        "autocomplete=\"username\" autocapitalize=\"none\" "
        "spellcheck=\"false\" maxlength=\"256\" required>\n"
        "<label for=\"password\">", t->password, "</label>\n"
        "<input id=\"password\" name=\"password\" type=\"password\" "
        "autocomplete=\"current-password\" maxlength=\"1024\" required>\n"
        "<input type=\"hidden\" name=\"return\" value=\"",
        xn_html_escape(p, args->return_url ? args->return_url : "/"), "\">\n",
        hidden_field(p, XN_CSRF_FIELD, args->csrf),
        "<button type=\"submit\">", t->login_button, "</button>\n"
        "</form>\n", NULL);
}

static const char *alert(apr_pool_t *p, const char *text)
{
    return apr_pstrcat(p, "<p class=\"error\" role=\"alert\">", text,
                       "</p>\n", NULL);
}

static const char *form_body(apr_pool_t *p, xn_page_e page, const xn_texts *t,
                             const char *endpoint, const xn_page_args *args,
                             const char **title, const char **message)
{
    *message = NULL;
    switch (page) {
    case XN_PAGE_LOGIN_FAILED:
    case XN_PAGE_LOGIN_ACCOUNT:
    case XN_PAGE_EXPIRED:
        *message = alert(p, page == XN_PAGE_EXPIRED ? t->expired
                            : page == XN_PAGE_LOGIN_ACCOUNT ? t->login_account
                            : t->login_failed);
        /* fall through */
    case XN_PAGE_LOGIN:
        *title = t->login_title;
        *message = apr_pstrcat(p, *message ? *message : "", "<p>",
                               t->login_intro, "</p>\n", NULL);
        return login_form(p, t, endpoint, args);
    case XN_PAGE_LOGOUT_CONFIRM:
        *title = t->logout_title;
        *message = apr_pstrcat(p, "<p>", t->logout_question, "</p>\n", NULL);
        return apr_pstrcat(p, "<form method=\"post\" action=\"", endpoint,
                           "/logout\">\n",
                           hidden_field(p, XN_CSRF_FIELD, args->csrf),
                           "<button type=\"submit\">", t->logout_button,
                           "</button>\n</form>\n", NULL);
    case XN_PAGE_ADMIN:
    default:
        *title = t->admin_title;
        *message = apr_pstrcat(p, args->notice
                               ? apr_pstrcat(p, "<p class=\"notice\" "
                                             "role=\"status\">",
                                             apr_psprintf(p, t->admin_done,
                                                 xn_html_escape(p,
                                                     args->notice)),
                                             "</p>\n", NULL) : "",
                               "<p>", t->admin_intro, "</p>\n", NULL);
        return apr_pstrcat(p, "<form method=\"post\" action=\"", endpoint,
                           "/admin/sessions\">\n"
                           "<label for=\"user\">", t->username,
                           "</label>\n<input id=\"user\" name=\"user\" "
                           "type=\"text\" autocomplete=\"off\" "
                           "maxlength=\"256\" required>\n",
                           hidden_field(p, XN_CSRF_FIELD, args->csrf),
                           "<button type=\"submit\">", t->admin_button,
                           "</button>\n</form>\n", NULL);
    }
}

/* Returns the main HTML of PAGE: the form of a form page in *form, or the
 * message of another page. */
static void page_parts(apr_pool_t *p, xn_page_e page, const xn_texts *t,
                       const char *endpoint, const xn_page_args *args,
                       const char **title, const char **message,
                       const char **form)
{
    const char *home = apr_pstrcat(p, "<p><a href=\"/\">", t->home,
                                   "</a></p>\n", NULL);
    int minutes = (int)((args->wait + 59) / 60);

    *form = NULL;
    switch (page) {
    case XN_PAGE_LOGIN:
    case XN_PAGE_LOGIN_FAILED:
    case XN_PAGE_LOGIN_ACCOUNT:
    case XN_PAGE_EXPIRED:
    case XN_PAGE_LOGOUT_CONFIRM:
    case XN_PAGE_ADMIN:
        *form = form_body(p, page, t, endpoint, args, title, message);
        return;
    case XN_PAGE_LOGGED_OUT:
        *title = t->logout_title;
        *message = apr_pstrcat(p, "<p role=\"status\">", t->logged_out,
                               "</p>\n<p><a href=\"", endpoint, "/login\">",
                               t->login_again, "</a></p>\n", NULL);
        return;
    case XN_PAGE_FORBIDDEN:
        *title = t->forbidden_title;
        *message = apr_pstrcat(p, "<p>", t->forbidden, "</p>\n", home, NULL);
        return;
    case XN_PAGE_UNAVAILABLE:
        *title = t->unavailable_title;
        *message = apr_pstrcat(p, "<p>", t->unavailable, "</p>\n", NULL);
        return;
    case XN_PAGE_BAD_REQUEST:
        *title = t->bad_request_title;
        *message = apr_pstrcat(p, "<p>", t->bad_request, "</p>\n<p><a href=\"",
                               endpoint, "/login\">", t->login_title,
                               "</a></p>\n", home, NULL);
        return;
    case XN_PAGE_THROTTLED:
        *title = t->throttled_title;
        *message = apr_pstrcat(p, "<p role=\"alert\">",
                               apr_psprintf(p, t->throttled,
                                            (int)(args->wait > 0 ? args->wait
                                                                 : 1)),
                               "</p>\n<p><a href=\"", endpoint, "/login\">",
                               t->login_title, "</a></p>\n", NULL);
        return;
    case XN_PAGE_BLOCKED:
        *title = t->blocked_title;
        *message = apr_pstrcat(p, "<p role=\"alert\">",
                               apr_psprintf(p, t->blocked,
                                            minutes > 0 ? minutes : 1),
                               "</p>\n", NULL);
        return;
    case XN_PAGE_NOT_FOUND:
    default:
        *title = t->not_found_title;
        *message = apr_pstrcat(p, "<p>", t->not_found, "</p>\n", home, NULL);
        return;
    }
}

static const char *builtin_page(apr_pool_t *p, const xn_texts *t,
                                const char *const v[XN_VARS])
{
    const char *help = v[XN_VAR_HELP];

    return apr_pstrcat(p,
        "<!DOCTYPE html>\n<html lang=\"", t->lang, "\">\n<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n"
        "<meta name=\"robots\" content=\"noindex\">\n"
        "<title>", v[XN_VAR_TITLE], " - ", t->site, "</title>\n"
        "<style>", v[XN_VAR_STYLE], "</style>\n</head>\n<body>\n"
        "<header>", v[XN_VAR_LOGO], "<p>", t->site, "</p></header>\n"
        "<main>\n<h1>", v[XN_VAR_TITLE], "</h1>\n",
        v[XN_VAR_MESSAGE] ? v[XN_VAR_MESSAGE] : "",
        v[XN_VAR_FORM] ? v[XN_VAR_FORM] : "",
        "</main>\n",
        *help ? "<footer>" : "", help, *help ? "</footer>\n" : "",
        "</body>\n</html>\n", NULL);
}

const char *xn_pages_render(apr_pool_t *p, const xn_server_config *sconf,
                            xn_page_e page, const char *lang,
                            const char *endpoint, const xn_page_args *args)
{
    static const xn_page_args none = { NULL, NULL, 0, NULL };
    const xn_texts *t = texts_for(lang);
    const xn_template *tmpl = xn_templates_get(sconf->templates, (int)page,
                                               t->lang);
    const char *v[XN_VARS];

    args = args ? args : &none;
    page_parts(p, page, t, endpoint, args, &v[XN_VAR_TITLE],
               &v[XN_VAR_MESSAGE], &v[XN_VAR_FORM]);
    v[XN_VAR_HELP] = help_html(p, sconf, t->lang);
    v[XN_VAR_LOGO] = logo_html(p, sconf);
    v[XN_VAR_LANG] = t->lang;
    v[XN_VAR_STYLE] = page_css(p, sconf);
    if (tmpl) {
        /* A template without {{form}} still shows the form's introduction
         * through {{message}}; one without {{message}} misses it. */
        return to_ascii(p, xn_template_render(p, tmpl, v));
    }
    return to_ascii(p, builtin_page(p, t, v));
}

static const char *negotiate(request_rec *r)
{
    return xn_lang_negotiate(apr_table_get(r->headers_in, "Accept-Language"),
                             languages, xn_config_language(xn_config_dir(r)));
}

const char *xn_pages_language(request_rec *r)
{
    const char *lang = negotiate(r);

    apr_table_setn(r->err_headers_out, "Content-Language", lang);
    apr_table_mergen(r->err_headers_out, "Vary", "Accept-Language");
    return lang;
}

static void set_private_headers(request_rec *r)
{
    /* Unset first, so the header lands at the end whether or not an allowed
     * request set it before: the header order of a denied and a missing
     * path must not differ. */
    apr_table_unset(r->err_headers_out, "Cache-Control");
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->err_headers_out, "X-Frame-Options", "DENY");
    apr_table_setn(r->err_headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->err_headers_out, "Referrer-Policy", "same-origin");
    apr_table_setn(r->err_headers_out, "Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; "
                   "img-src 'self'; "
                   "form-action 'self'; frame-ancestors 'none'; "
                   "base-uri 'none'");
}

int xn_pages_send_args(request_rec *r, xn_page_e page, int status,
                       const xn_page_args *args)
{
    const char *lang = xn_pages_language(r);
    const xn_server_config *sconf = xn_config_server(r->server);
    const char *html = xn_pages_render(r->pool, sconf, page, lang,
                                       sconf->endpoint, args);

    set_private_headers(r);
    r->status = status;
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_set_content_length(r, strlen(html));
    if (!r->header_only) {
        ap_rputs(html, r);
    }
    return OK;
}

int xn_pages_send(request_rec *r, xn_page_e page, int status,
                  const char *return_url)
{
    xn_page_args args = { return_url, NULL, 0, NULL };

    return xn_pages_send_args(r, page, status, &args);
}

void xn_pages_init(apr_pool_t *pconf, server_rec *s)
{
    pages_by_server = apr_hash_make(pconf);
    for (; s; s = s->next) {
        const xn_server_config *sconf = xn_config_server(s);
        server_pages *pages;
        int lang, page;

        if (sconf->enabled != 1 || apr_hash_get(pages_by_server, &sconf,
                                                sizeof(sconf))) {
            continue;
        }
        pages = apr_pcalloc(pconf, sizeof(*pages));
        for (lang = 0; lang < XN_LANGUAGES; lang++) {
            for (page = XN_PAGE_NOT_FOUND; page <= XN_PAGE_BAD_REQUEST;
                 page++) {
                pages->error[lang][page] = xn_pages_render(pconf, sconf,
                                                           page,
                                                           languages[lang],
                                                           sconf->endpoint,
                                                           NULL);
            }
        }
        apr_hash_set(pages_by_server, apr_pmemdup(pconf, &sconf,
                                                  sizeof(sconf)),
                     sizeof(sconf), pages);
    }
}

void xn_pages_set_error(request_rec *r, int status, xn_page_e page)
{
    const xn_server_config *sconf = xn_config_server(r->server);
    const server_pages *pages = pages_by_server
        ? apr_hash_get(pages_by_server, &sconf, sizeof(sconf)) : NULL;
    int index = lang_index(negotiate(r));

    if (!pages || page < XN_PAGE_NOT_FOUND || page > XN_PAGE_BAD_REQUEST
        || !pages->error[index][page]) {
        return;
    }
    ap_custom_response(r, status, pages->error[index][page]);
}

void xn_pages_error_headers(request_rec *r)
{
    xn_pages_language(r);
    set_private_headers(r);
}
