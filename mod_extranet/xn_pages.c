/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <apr_strings.h>

#include <http_protocol.h>
#include <http_request.h>
#include <http_core.h>

#include "xn_pages.h"
#include "xn_config.h"
#include "xn_escape.h"
#include "xn_input.h"

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
      "worden. Neem contact op met de informaticadienst van de gemeente." },
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
      "commune." },
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
      "changed. Please contact the municipality's IT department." },
};

static const char *const languages[] = { "nl", "fr", "en", NULL };

#define XN_LANGUAGES 3
#define XN_PAGES (XN_PAGE_BAD_REQUEST + 1)

/* Error pages rendered in post_config, read-only afterwards, so the hot
 * path of a signed-in request registers them without building HTML. */
static const char *error_pages[XN_LANGUAGES][XN_PAGES];

static const char page_style[] =
    "body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
    "margin:0;background:#f4f5f7;color:#1b1b1b;line-height:1.5}"
    "main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;"
    "border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.2)}"
    "h1{font-size:1.5rem;margin-top:0}"
    "label{display:block;font-weight:600;margin-top:1rem}"
    "input{box-sizing:border-box;width:100%;font-size:1rem;padding:.6rem;"
    "border:1px solid #5a5a5a;border-radius:.25rem}"
    "button{margin-top:1.5rem;font-size:1rem;padding:.7rem 1.4rem;border:0;"
    "border-radius:.25rem;background:#0b5394;color:#fff;cursor:pointer}"
    "button:focus,input:focus,a:focus{outline:3px solid #f2a900;"
    "outline-offset:2px}"
    ".error{background:#fdecea;border-left:4px solid #b3261e;padding:.75rem;"
    "color:#5f1410}"
    "a{color:#0b5394}";

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

static const char *page_head(apr_pool_t *p, const xn_texts *t,
                             const char *title)
{
    return apr_pstrcat(p,
        "<!DOCTYPE html>\n<html lang=\"", t->lang, "\">\n<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n"
        "<meta name=\"robots\" content=\"noindex\">\n"
        "<title>", title, " - ", t->site, "</title>\n"
        "<style>", page_style, "</style>\n</head>\n<body>\n<main>\n"
        "<h1>", title, "</h1>\n", NULL);
}

static const char *login_form(apr_pool_t *p, const xn_texts *t,
                              const char *endpoint, const char *return_url,
                              const char *error)
{
    return apr_pstrcat(p,
        error ? "<p class=\"error\" role=\"alert\">" : "",
        error ? error : "", error ? "</p>\n" : "",
        "<p>", t->login_intro, "</p>\n"
        "<form method=\"post\" action=\"", endpoint, "/login\">\n"
        "<label for=\"username\">", t->username, "</label>\n"
        "<input id=\"username\" name=\"username\" type=\"text\" "
        "autocomplete=\"username\" autocapitalize=\"none\" "
        "spellcheck=\"false\" required autofocus>\n"
        "<label for=\"password\">", t->password, "</label>\n"
        "<input id=\"password\" name=\"password\" type=\"password\" "
        "autocomplete=\"current-password\" required>\n"
        "<input type=\"hidden\" name=\"return\" value=\"",
        xn_html_escape(p, return_url ? return_url : "/"), "\">\n"
        "<button type=\"submit\">", t->login_button, "</button>\n"
        "</form>\n", NULL);
}

static const char *page_body(apr_pool_t *p, xn_page_e page, const xn_texts *t,
                             const char *endpoint, const char *return_url,
                             const char **title)
{
    const char *home = apr_pstrcat(p, "<p><a href=\"/\">", t->home,
                                   "</a></p>\n", NULL);

    switch (page) {
    case XN_PAGE_LOGIN:
        *title = t->login_title;
        return login_form(p, t, endpoint, return_url, NULL);
    case XN_PAGE_LOGIN_FAILED:
        *title = t->login_title;
        return login_form(p, t, endpoint, return_url, t->login_failed);
    case XN_PAGE_LOGIN_ACCOUNT:
        *title = t->login_title;
        return login_form(p, t, endpoint, return_url, t->login_account);
    case XN_PAGE_LOGOUT_CONFIRM:
        *title = t->logout_title;
        return apr_pstrcat(p, "<p>", t->logout_question, "</p>\n"
                           "<form method=\"post\" action=\"", endpoint,
                           "/logout\">\n<button type=\"submit\">",
                           t->logout_button, "</button>\n</form>\n", NULL);
    case XN_PAGE_LOGGED_OUT:
        *title = t->logout_title;
        return apr_pstrcat(p, "<p>", t->logged_out, "</p>\n<p><a href=\"",
                           endpoint, "/login\">", t->login_again,
                           "</a></p>\n", NULL);
    case XN_PAGE_FORBIDDEN:
        *title = t->forbidden_title;
        return apr_pstrcat(p, "<p>", t->forbidden, "</p>\n", home, NULL);
    case XN_PAGE_UNAVAILABLE:
        *title = t->unavailable_title;
        return apr_pstrcat(p, "<p>", t->unavailable, "</p>\n", NULL);
    case XN_PAGE_BAD_REQUEST:
        *title = t->bad_request_title;
        return apr_pstrcat(p, "<p>", t->bad_request, "</p>\n", home, NULL);
    case XN_PAGE_NOT_FOUND:
    default:
        *title = t->not_found_title;
        return apr_pstrcat(p, "<p>", t->not_found, "</p>\n", home, NULL);
    }
}

const char *xn_pages_render(apr_pool_t *p, xn_page_e page, const char *lang,
                            const char *endpoint, const char *return_url)
{
    const xn_texts *t = texts_for(lang);
    const char *title = NULL;
    const char *body = page_body(p, page, t, endpoint, return_url, &title);

    return to_ascii(p, apr_pstrcat(p, page_head(p, t, title), body,
                                   "</main>\n</body>\n</html>\n", NULL));
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
                   "form-action 'self'; frame-ancestors 'none'; "
                   "base-uri 'none'");
}

int xn_pages_send(request_rec *r, xn_page_e page, int status,
                  const char *return_url)
{
    const char *lang = xn_pages_language(r);
    const char *endpoint = xn_config_server(r->server)->endpoint;
    const char *html = xn_pages_render(r->pool, page, lang, endpoint,
                                       return_url);

    set_private_headers(r);
    r->status = status;
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_set_content_length(r, strlen(html));
    if (!r->header_only) {
        ap_rputs(html, r);
    }
    return OK;
}

void xn_pages_init(apr_pool_t *pconf)
{
    int lang, page;

    for (lang = 0; lang < XN_LANGUAGES; lang++) {
        for (page = XN_PAGE_NOT_FOUND; page < XN_PAGES; page++) {
            error_pages[lang][page] = xn_pages_render(pconf, page,
                                                      languages[lang], "",
                                                      NULL);
        }
    }
}

void xn_pages_set_error(request_rec *r, int status, xn_page_e page)
{
    const char *lang = negotiate(r);
    int index = 0;

    while (languages[index] && strcmp(languages[index], lang)) {
        index++;
    }
    if (!languages[index] || page < XN_PAGE_NOT_FOUND || !error_pages[index][page]) {
        return;
    }
    ap_custom_response(r, status, error_pages[index][page]);
}

void xn_pages_error_headers(request_rec *r)
{
    xn_pages_language(r);
    set_private_headers(r);
}
