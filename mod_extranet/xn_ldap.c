/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_hash.h>
#include <apr_thread_mutex.h>

#define LDAP_DEPRECATED 0
#include <ldap.h>

#include "xn_ldap.h"
#include "xn_adstate.h"
#include "xn_escape.h"

typedef enum { XN_CONN_SEARCH, XN_CONN_BIND } xn_conn_kind_e;

/* LDAP_MATCHING_RULE_IN_CHAIN: AD walks nested membership server-side. */
#define XN_IN_CHAIN_RULE "1.2.840.113556.1.4.1941"

/* One connection and the index of the host it talks to. */
typedef struct xn_conn {
    LDAP *ld;
    int host;
} xn_conn;

/* Idle connections of one kind. Fixed arrays, because the pool's memory
 * must not grow from request threads. */
typedef struct xn_conn_list {
    xn_conn *conns;
    int count;
} xn_conn_list;

/* Failover state of one host. A host that fails is skipped until retry_at.
 * The first request after that probes it and pushes retry_at forward, so
 * the other requests do not wait on the same dead host at once. */
typedef struct xn_host {
    const char *uri;
    int up;
    apr_time_t down_since;
    apr_time_t retry_at;
    apr_uint64_t failures;
} xn_host;

struct xn_ldap_pool {
    const xn_ldap_config *cfg;
    apr_thread_mutex_t *lock;        /* guards idle, hosts and active */
    xn_conn_list idle[2];            /* indexed by xn_conn_kind_e */
    xn_host *hosts;
    int host_count;
    int active;                      /* sign-ins using the directory now */
    xn_ldap_log_fn *log;
    void *log_baton;
};

/* One search: its filter, what it returns and the result kept for parsing. */
typedef struct xn_search {
    const char *base;
    int scope;
    const char *filter;
    char **attrs;
    int sizelimit;
    LDAPMessage *result;
} xn_search;

const char *xn_ldap_status_reason(xn_ldap_status_e status)
{
    switch (status) {
    case XN_LDAP_OK:                  return "ok";
    case XN_LDAP_INVALID_CREDENTIALS: return "bad_password";
    case XN_LDAP_NO_SUCH_USER:        return "unknown_user";
    case XN_LDAP_AMBIGUOUS:           return "ambiguous_user";
    case XN_LDAP_UNAVAILABLE:         return "directory_unavailable";
    case XN_LDAP_BUSY:                return "directory_busy";
    case XN_LDAP_ACCOUNT_DISABLED:    return "account_disabled";
    case XN_LDAP_ACCOUNT_LOCKED:      return "account_locked";
    case XN_LDAP_ACCOUNT_EXPIRED:     return "account_expired";
    case XN_LDAP_PASSWORD_EXPIRED:    return "password_expired";
    case XN_LDAP_PASSWORD_MUST_CHANGE: return "password_must_change";
    case XN_LDAP_LOGON_RESTRICTED:    return "logon_restricted";
    case XN_LDAP_UNKNOWN_DOMAIN:      return "unknown_domain";
    }
    return "unknown";
}

int xn_ldap_status_password_verified(xn_ldap_status_e status)
{
    switch (status) {
    case XN_LDAP_ACCOUNT_DISABLED:
    case XN_LDAP_ACCOUNT_EXPIRED:
    case XN_LDAP_PASSWORD_EXPIRED:
    case XN_LDAP_PASSWORD_MUST_CHANGE:
    case XN_LDAP_LOGON_RESTRICTED:
        return 1;
    default:
        return 0;
    }
}

static xn_ldap_status_e status_from_adstate(xn_adstate_e state)
{
    switch (state) {
    case XN_ADSTATE_OK:               return XN_LDAP_OK;
    case XN_ADSTATE_NO_SUCH_USER:     return XN_LDAP_NO_SUCH_USER;
    case XN_ADSTATE_LOGON_HOURS:
    case XN_ADSTATE_WORKSTATION:      return XN_LDAP_LOGON_RESTRICTED;
    case XN_ADSTATE_PASSWORD_EXPIRED: return XN_LDAP_PASSWORD_EXPIRED;
    case XN_ADSTATE_DISABLED:         return XN_LDAP_ACCOUNT_DISABLED;
    case XN_ADSTATE_ACCOUNT_EXPIRED:  return XN_LDAP_ACCOUNT_EXPIRED;
    case XN_ADSTATE_MUST_CHANGE:      return XN_LDAP_PASSWORD_MUST_CHANGE;
    case XN_ADSTATE_LOCKED:           return XN_LDAP_ACCOUNT_LOCKED;
    case XN_ADSTATE_BAD_PASSWORD:
    default:                          return XN_LDAP_INVALID_CREDENTIALS;
    }
}

static apr_status_t parse_host_list(xn_ldap_config *cfg, apr_pool_t *p,
                                    const char *scheme, const char *hosts,
                                    const char **err)
{
    char *list = apr_pstrdup(p, hosts);
    char *state = NULL;
    const char *uris = NULL;
    char *host;

    for (host = apr_strtok(list, " ", &state); host;
         host = apr_strtok(NULL, " ", &state)) {
        const char *uri = apr_pstrcat(p, scheme, "://", host, NULL);
        uris = uris ? apr_pstrcat(p, uris, " ", uri, NULL) : uri;
    }
    if (!uris) {
        *err = "the URL names no host";
        return APR_EINVAL;
    }
    cfg->uris = uris;
    return APR_SUCCESS;
}

static const char *url_error_text(apr_pool_t *p, int rc)
{
    switch (rc) {
    case LDAP_URL_ERR_BADSCOPE:
        return "the scope is invalid; expected base, one or sub";
    case LDAP_URL_ERR_BADFILTER:
        return "the filter is invalid";
    case LDAP_URL_ERR_BADATTRS:
        return "the attribute list is invalid";
    case LDAP_URL_ERR_BADURL:
    case LDAP_URL_ERR_BADENCLOSURE:
        return "the URL is malformed";
    case LDAP_URL_ERR_BADHOST:
        return "a host is invalid";
    case LDAP_URL_ERR_BADEXTS:
        return "the extensions are invalid";
    }
    return apr_psprintf(p, "the URL is malformed (libldap URL error %d)", rc);
}

/* Checks the nesting of a filter's parentheses, the mistake libldap would
 * otherwise report only at the first search. An escaped parenthesis is
 * written "\28" or "\29" (RFC 4515), so every literal one counts. */
static int parentheses_balanced(const char *filter)
{
    int depth = 0;

    for (; *filter; filter++) {
        if (*filter == '(') {
            depth++;
        }
        else if (*filter == ')' && --depth < 0) {
            return 0;
        }
    }
    return depth == 0;
}

/* Takes base, attribute, scope and filter from a one-host form of the URL. */
static apr_status_t parse_url_tail(xn_ldap_config *cfg, apr_pool_t *p,
                                   const char *one_host_url, const char **err)
{
    LDAPURLDesc *desc = NULL;
    int rc = ldap_url_parse(one_host_url, &desc);

    if (rc != LDAP_URL_SUCCESS) {
        *err = url_error_text(p, rc);
        return APR_EINVAL;
    }
    if (!desc->lud_dn || !*desc->lud_dn) {
        ldap_free_urldesc(desc);
        *err = "the URL has no base DN";
        return APR_EINVAL;
    }
    cfg->base = apr_pstrdup(p, desc->lud_dn);
    cfg->attribute = (desc->lud_attrs && desc->lud_attrs[0])
                     ? apr_pstrdup(p, desc->lud_attrs[0]) : "uid";
    cfg->scope = desc->lud_scope == LDAP_SCOPE_DEFAULT ? LDAP_SCOPE_SUBTREE
                                                        : desc->lud_scope;
    cfg->filter = desc->lud_filter ? apr_pstrdup(p, desc->lud_filter) : NULL;
    ldap_free_urldesc(desc);

    if (cfg->filter && cfg->filter[0] != '(') {
        cfg->filter = apr_pstrcat(p, "(", cfg->filter, ")", NULL);
    }
    if (cfg->filter && !parentheses_balanced(cfg->filter)) {
        *err = apr_psprintf(p, "the filter \"%s\" has unbalanced "
                            "parentheses", cfg->filter);
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

apr_status_t xn_ldap_url_parse(xn_ldap_config *cfg, apr_pool_t *p,
                               const char *url, const char **err)
{
    const char *sep = strstr(url, "://");
    const char *hosts_end;
    const char *scheme;
    const char *first_host;
    apr_status_t rv;

    if (!sep) {
        *err = "the URL has no scheme; expected ldap:// or ldaps://";
        return APR_EINVAL;
    }
    scheme = apr_pstrmemdup(p, url, sep - url);
    if (strcasecmp(scheme, "ldap") && strcasecmp(scheme, "ldaps")) {
        *err = apr_psprintf(p, "scheme \"%s\" is not supported; expected "
                            "ldap or ldaps", scheme);
        return APR_EINVAL;
    }
    hosts_end = strchr(sep + 3, '/');
    if (!hosts_end) {
        *err = "the URL has no base DN";
        return APR_EINVAL;
    }

    rv = parse_host_list(cfg, p, scheme,
                         apr_pstrmemdup(p, sep + 3, hosts_end - sep - 3), err);
    if (rv != APR_SUCCESS) {
        return rv;
    }

    first_host = apr_pstrmemdup(p, sep + 3, strcspn(sep + 3, " /"));
    cfg->url = apr_pstrdup(p, url);
    return parse_url_tail(cfg, p,
                          apr_pstrcat(p, scheme, "://", first_host, hosts_end,
                                      NULL), err);
}

const char *xn_ldap_dn_normalize(apr_pool_t *p, const char *dn)
{
    char *out = NULL;
    const char *copy;

    if (ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAP, &out,
                          LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || !out) {
        return NULL;
    }
    copy = apr_pstrdup(p, out);
    ldap_memfree(out);
    return copy;
}

static int is_connection_error(int rc)
{
    return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR
           || rc == LDAP_TIMEOUT || rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY;
}

static void conn_discard(xn_conn *c)
{
    if (c->ld) {
        ldap_unbind_ext(c->ld, NULL, NULL);
        c->ld = NULL;
    }
}

static const char *ldap_error_text(apr_pool_t *p, int rc)
{
    return apr_psprintf(p, "%s (%d)", ldap_err2string(rc), rc);
}

/* Marks host INDEX failed or working. Only a change of state is logged,
 * once, outside the lock. */
static void host_report(xn_ldap_pool *pool, int index, int ok,
                        const char *detail)
{
    xn_host *h = &pool->hosts[index];
    apr_time_t now = apr_time_now();
    int changed = 0;

    apr_thread_mutex_lock(pool->lock);
    if (ok) {
        changed = !h->up;
        h->up = 1;
        h->down_since = 0;
        h->retry_at = 0;
    }
    else {
        changed = h->up;
        if (h->up) {
            h->down_since = now;
        }
        h->up = 0;
        h->failures++;
        h->retry_at = now + apr_time_from_sec(pool->cfg->retry_interval);
    }
    apr_thread_mutex_unlock(pool->lock);

    if (changed && pool->log) {
        pool->log(pool->log_baton, ok, h->uri, detail);
    }
}

/* Chooses the first host from FROM on that is up or whose back-off has
 * ended, or with ANY the next host whatever its state. A host past its
 * back-off is probed by this request only: retry_at moves on, so
 * concurrent requests skip it until the probe reports. Returns -1 when no
 * host qualifies. */
static int host_pick(xn_ldap_pool *pool, int from, int any)
{
    apr_time_t now = apr_time_now();
    int i;
    int chosen = -1;

    apr_thread_mutex_lock(pool->lock);
    for (i = from; i < pool->host_count; i++) {
        xn_host *h = &pool->hosts[i];

        if (h->up || any) {
            chosen = i;
            break;
        }
        if (h->retry_at <= now) {
            h->retry_at = now + apr_time_from_sec(pool->cfg->retry_interval);
            chosen = i;
            break;
        }
    }
    apr_thread_mutex_unlock(pool->lock);
    return chosen;
}

/* Waits at most the operation timeout for the result of MSGID. A timeout
 * abandons the operation and returns LDAP_TIMEOUT, and the caller discards
 * the connection: libldap cannot tell whether the server will still answer.
 * Search continuation references are collected with the entries and never
 * followed, because LDAP_OPT_REFERRALS is off. */
static int wait_result(LDAP *ld, const xn_ldap_config *cfg, int msgid,
                       LDAPMessage **res)
{
    struct timeval tv = { cfg->timeout, 0 };
    int type = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, res);

    if (type == 0) {
        ldap_abandon_ext(ld, msgid, NULL, NULL);
        return LDAP_TIMEOUT;
    }
    if (type < 0) {
        int rc = LDAP_SERVER_DOWN;
        ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
        return rc == LDAP_SUCCESS ? LDAP_SERVER_DOWN : rc;
    }
    return LDAP_SUCCESS;
}

/* Binds as DN. On failure *diagnostic (when not NULL) receives the
 * server's diagnostic message from P, which on AD carries the account
 * state sub-code. */
static int simple_bind(LDAP *ld, const xn_ldap_config *cfg, const char *dn,
                       const char *password, apr_pool_t *p,
                       const char **diagnostic)
{
    struct berval cred;
    LDAPMessage *res = NULL;
    char *message = NULL;
    int msgid = -1;
    int rc;
    int result = LDAP_OTHER;

    cred.bv_val = (char *)(password ? password : "");
    cred.bv_len = password ? strlen(password) : 0;

    rc = ldap_sasl_bind(ld, dn ? dn : "", LDAP_SASL_SIMPLE, &cred, NULL, NULL,
                        &msgid);
    if (rc != LDAP_SUCCESS) {
        return rc;
    }
    rc = wait_result(ld, cfg, msgid, &res);
    if (rc != LDAP_SUCCESS) {
        return rc;
    }
    rc = ldap_parse_result(ld, res, &result, NULL, &message, NULL, NULL, 1);
    if (diagnostic && message && p) {
        *diagnostic = apr_pstrdup(p, message);
    }
    ldap_memfree(message);
    return rc != LDAP_SUCCESS ? rc : result;
}

/* Sets the TLS options on LD alone: LDAP_OPT_X_TLS_NEWCTX gives the
 * connection its own TLS context, so no global libldap state is touched
 * from a request thread. */
static int set_tls_options(LDAP *ld, const xn_ldap_config *cfg)
{
    int require = cfg->verify_cert ? LDAP_OPT_X_TLS_DEMAND
                                   : LDAP_OPT_X_TLS_NEVER;
    int is_server = 0;
    int rc;

    rc = ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &require);
    if (rc == LDAP_SUCCESS && cfg->ca_file) {
        rc = ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, cfg->ca_file);
    }
    if (rc == LDAP_SUCCESS) {
        rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &is_server);
    }
    return rc;
}

/* Opens a connection to host INDEX and, for StartTLS, secures it. The TCP
 * connection is made here, so a dead host shows at once. */
static int conn_open_host(LDAP **out, const xn_ldap_config *cfg,
                          const char *uri, apr_pool_t *p, const char **detail)
{
    LDAP *ld = NULL;
    int version = LDAP_VERSION3;
    struct timeval connect_tv = { cfg->connect_timeout, 0 };
    struct timeval op_tv = { cfg->timeout, 0 };
    int rc = ldap_initialize(&ld, uri);

    if (rc != LDAP_SUCCESS) {
        *detail = apr_pstrcat(p, "cannot use ", uri, ": ",
                              ldap_error_text(p, rc), NULL);
        return rc;
    }
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &connect_tv);
    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op_tv);
    rc = set_tls_options(ld, cfg);
    if (rc == LDAP_SUCCESS) {
        rc = ldap_connect(ld);
    }
    if (rc == LDAP_SUCCESS && cfg->starttls) {
        rc = ldap_start_tls_s(ld, NULL, NULL);
    }
    if (rc != LDAP_SUCCESS) {
        char *message = NULL;
        int tls = cfg->starttls || !strncasecmp(uri, "ldaps:", 6);

        ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &message);
        if (message && !strcmp(message, "(unknown error code)")) {
            ldap_memfree(message);
            message = NULL;
        }
        *detail = apr_psprintf(p, "cannot connect to %s: %s%s%s%s", uri,
                               ldap_error_text(p, rc), message ? ": " : "",
                               message ? message : "",
                               tls ? "; if the host is up, check that the "
                                     "CA in ExtranetLDAPCAFile signed its "
                                     "certificate and that the certificate "
                                     "names the host of the URL" : "");
        ldap_memfree(message);
        ldap_unbind_ext(ld, NULL, NULL);
        return is_connection_error(rc) ? rc : LDAP_CONNECT_ERROR;
    }
    *out = ld;
    return LDAP_SUCCESS;
}

/* Opens a connection of KIND to host INDEX. A new search connection is
 * bound as the service account first. */
static int conn_open_kind(LDAP **out, xn_ldap_pool *pool, int index,
                          xn_conn_kind_e kind, apr_pool_t *p,
                          const char **detail)
{
    const char *uri = pool->hosts[index].uri;
    int rc = conn_open_host(out, pool->cfg, uri, p, detail);

    if (rc == LDAP_SUCCESS && kind == XN_CONN_SEARCH) {
        rc = simple_bind(*out, pool->cfg, pool->cfg->bind_dn,
                         pool->cfg->bind_password, NULL, NULL);
        if (rc != LDAP_SUCCESS) {
            *detail = apr_pstrcat(p, "service bind to ", uri, " failed: ",
                                  ldap_error_text(p, rc), NULL);
            ldap_unbind_ext(*out, NULL, NULL);
            *out = NULL;
        }
    }
    return rc;
}

/* Opens a connection of KIND to the first usable host, and tries the next
 * one when a host cannot be reached. Hosts in back-off are skipped while
 * another host is left. When every host is in back-off, each is tried once
 * anyway, so a single-host setup recovers as soon as the directory does. */
static int conn_open(xn_conn *out, xn_ldap_pool *pool, xn_conn_kind_e kind,
                     apr_pool_t *p, const char **detail)
{
    int rc = LDAP_SERVER_DOWN;
    int tried = 0;
    int any;

    *detail = "no directory host could be tried";
    for (any = 0; any < 2 && !tried; any++) {
        int host = 0;

        while ((host = host_pick(pool, host, any)) >= 0) {
            LDAP *ld = NULL;

            tried++;
            rc = conn_open_kind(&ld, pool, host, kind, p, detail);
            if (rc == LDAP_SUCCESS) {
                host_report(pool, host, 1, NULL);
                out->ld = ld;
                out->host = host;
                return LDAP_SUCCESS;
            }
            if (!is_connection_error(rc)) {
                return rc;
            }
            host_report(pool, host, 0, *detail);
            /* A host that timed out has used up this request's time. */
            if (rc == LDAP_TIMEOUT) {
                return rc;
            }
            host++;
        }
    }
    return rc;
}

/* Takes an idle connection of KIND, or opens one. An idle connection to a
 * host after the first one that is up or due for a retry is dropped, and
 * conn_open() probes that host, so traffic returns to the preferred host
 * once it recovers. *pooled is set when the connection
 * came from the idle list and may have gone stale. */
static int conn_acquire(xn_conn *out, int *pooled, xn_ldap_pool *pool,
                        xn_conn_kind_e kind, apr_pool_t *p,
                        const char **detail)
{
    xn_conn_list *list = &pool->idle[kind];
    xn_conn c = { NULL, -1 };
    apr_time_t now = apr_time_now();
    int preferred = 0;

    apr_thread_mutex_lock(pool->lock);
    while (preferred < pool->host_count && !pool->hosts[preferred].up
           && pool->hosts[preferred].retry_at > now) {
        preferred++;
    }
    if (list->count > 0) {
        c = list->conns[--list->count];
    }
    apr_thread_mutex_unlock(pool->lock);

    if (c.ld && c.host > preferred) {
        conn_discard(&c);
    }
    *pooled = c.ld != NULL;
    if (c.ld) {
        *out = c;
        return LDAP_SUCCESS;
    }
    return conn_open(out, pool, kind, p, detail);
}

static void conn_release(xn_ldap_pool *pool, xn_conn_kind_e kind, xn_conn *c)
{
    xn_conn_list *list = &pool->idle[kind];

    apr_thread_mutex_lock(pool->lock);
    if (list->count < pool->cfg->pool_max) {
        list->conns[list->count++] = *c;
        c->ld = NULL;
    }
    apr_thread_mutex_unlock(pool->lock);

    conn_discard(c);
}

/* Discards C after a connection error and marks its host failed. */
static void conn_failed(xn_ldap_pool *pool, xn_conn *c, apr_pool_t *p,
                        int rc)
{
    int host = c->host;

    conn_discard(c);
    host_report(pool, host, 0,
                apr_pstrcat(p, "operation failed: ", ldap_error_text(p, rc),
                            NULL));
}

static int search_once(LDAP *ld, const xn_ldap_config *cfg, xn_search *s)
{
    struct timeval tv = { cfg->timeout, 0 };
    int msgid = -1;
    int result = LDAP_OTHER;
    int rc;

    rc = ldap_search_ext(ld, s->base, s->scope, s->filter, s->attrs, 0, NULL,
                         NULL, &tv, s->sizelimit, &msgid);
    if (rc != LDAP_SUCCESS) {
        return rc;
    }
    rc = wait_result(ld, cfg, msgid, &s->result);
    if (rc != LDAP_SUCCESS) {
        return rc;
    }
    rc = ldap_parse_result(ld, s->result, &result, NULL, NULL, NULL, NULL, 0);
    return rc != LDAP_SUCCESS ? rc : result;
}

/* Runs one search on a service connection. A stale pooled connection is
 * replaced once, so a directory restart costs no failed sign-in. */
static int run_search(xn_conn *held, xn_ldap_pool *pool, xn_search *s,
                      apr_pool_t *p, const char **detail)
{
    int attempt;
    int rc = LDAP_OTHER;

    for (attempt = 0; attempt < 2; attempt++) {
        xn_conn c = { NULL, -1 };
        int pooled = 0;

        rc = conn_acquire(&c, &pooled, pool, XN_CONN_SEARCH, p, detail);
        if (rc != LDAP_SUCCESS) {
            return rc;
        }
        rc = search_once(c.ld, pool->cfg, s);
        if (is_connection_error(rc)) {
            ldap_msgfree(s->result);
            s->result = NULL;
            if (pooled && rc != LDAP_TIMEOUT) {
                conn_discard(&c);
                continue;
            }
            conn_failed(pool, &c, p, rc);
            *detail = ldap_error_text(p, rc);
            return rc;
        }
        *held = c;
        return rc;
    }
    return rc;
}

static const char *first_value(LDAP *ld, LDAPMessage *entry, apr_pool_t *p,
                               const char *attribute)
{
    struct berval **values = ldap_get_values_len(ld, entry, attribute);
    const char *value = NULL;

    if (values && values[0]) {
        value = apr_pstrmemdup(p, values[0]->bv_val, values[0]->bv_len);
    }
    ldap_value_free_len(values);
    return value;
}

/* Returns the directory's spelling of the first login attribute: the value
 * that matches USER ignoring ASCII case, else the first value. So a
 * userPrincipalName sign-in on AD still yields the sAMAccountName. The
 * server's matching rule may have found the entry through spaces, Unicode
 * case or normalisation that this comparison does not know, and what the
 * user typed must never become the name that sessions and the audit log
 * carry. Returns NULL when the entry has no value. */
static const char *entry_name(LDAP *ld, LDAPMessage *entry, apr_pool_t *p,
                              const char *attribute, const char *user)
{
    struct berval **values = ldap_get_values_len(ld, entry, attribute);
    const struct berval *chosen = values ? values[0] : NULL;
    const char *name = NULL;
    int i;

    for (i = 0; values && values[i]; i++) {
        if (values[i]->bv_len == strlen(user)
            && !strncasecmp(values[i]->bv_val, user, values[i]->bv_len)) {
            chosen = values[i];
            break;
        }
    }
    if (chosen) {
        name = apr_pstrmemdup(p, chosen->bv_val, chosen->bv_len);
    }
    ldap_value_free_len(values);
    return name;
}

static const char *lowercase_copy(apr_pool_t *p, const char *s)
{
    char *copy = apr_pstrdup(p, s);
    char *c;

    for (c = copy; *c; c++) {
        *c = apr_tolower(*c);
    }
    return copy;
}

static void add_group(apr_array_header_t *groups, apr_hash_t *seen,
                      apr_pool_t *p, const char *dn)
{
    const char *norm = xn_ldap_dn_normalize(p, dn);
    const char *key;

    if (!norm) {
        return;
    }
    key = lowercase_copy(p, norm);
    if (apr_hash_get(seen, key, APR_HASH_KEY_STRING)) {
        return;
    }
    apr_hash_set(seen, key, APR_HASH_KEY_STRING, key);
    APR_ARRAY_PUSH(groups, const char *) = norm;
}

static void add_memberof(apr_array_header_t *groups, apr_hash_t *seen,
                         apr_pool_t *p, LDAP *ld, LDAPMessage *entry)
{
    struct berval **values = ldap_get_values_len(ld, entry, "memberOf");
    int i;

    for (i = 0; values && values[i]; i++) {
        add_group(groups, seen, p,
                  apr_pstrmemdup(p, values[i]->bv_val, values[i]->bv_len));
    }
    ldap_value_free_len(values);
}

static const char *login_attribute(const xn_ldap_config *cfg, int i)
{
    return APR_ARRAY_IDX(cfg->login_attributes, i, const char *);
}

/* Builds "(&FILTER(|(a1=USER)(a2=USER)))" over the login attributes. */
static const char *user_filter(apr_pool_t *p, const xn_ldap_config *cfg,
                               const char *user)
{
    const char *escaped = xn_ldap_filter_escape(p, user, strlen(user));
    const char *alternatives = "";
    int i;

    for (i = 0; i < cfg->login_attributes->nelts; i++) {
        alternatives = apr_pstrcat(p, alternatives, "(",
                                   login_attribute(cfg, i), "=", escaped,
                                   ")", NULL);
    }
    if (cfg->login_attributes->nelts > 1) {
        alternatives = apr_pstrcat(p, "(|", alternatives, ")", NULL);
    }
    return apr_pstrcat(p, "(&", cfg->filter ? cfg->filter : "", alternatives,
                       ")", NULL);
}

/* The AD state attributes of ENTRY. */
static xn_ldap_status_e entry_state(LDAP *ld, LDAPMessage *entry,
                                    apr_pool_t *p)
{
    xn_adstate_e state = xn_adstate_from_entry(
        first_value(ld, entry, p, "userAccountControl"),
        first_value(ld, entry, p, "msDS-User-Account-Control-Computed"),
        first_value(ld, entry, p, "accountExpires"),
        first_value(ld, entry, p, "pwdLastSet"),
        xn_adstate_filetime(apr_time_now()));

    return status_from_adstate(state);
}

static xn_ldap_status_e find_user(xn_ldap_user *u, xn_ldap_status_e *state,
                                  apr_hash_t *seen, const char **detail,
                                  xn_ldap_pool *pool, apr_pool_t *p,
                                  const char *user)
{
    const xn_ldap_config *cfg = pool->cfg;
    char *attrs[8] = { (char *)login_attribute(cfg, 0), NULL };
    xn_search s = { cfg->base, cfg->scope, NULL, attrs, 2, NULL };
    xn_conn c = { NULL, -1 };
    LDAPMessage *entry;
    char *dn;
    int n = 1;
    int rc;

    if (cfg->memberof) {
        attrs[n++] = "memberOf";
    }
    if (cfg->active_directory) {
        attrs[n++] = "userAccountControl";
        attrs[n++] = "msDS-User-Account-Control-Computed";
        attrs[n++] = "accountExpires";
        attrs[n++] = "pwdLastSet";
    }
    s.filter = user_filter(p, cfg, user);

    rc = run_search(&c, pool, &s, p, detail);
    if (rc == LDAP_SIZELIMIT_EXCEEDED
        || (rc == LDAP_SUCCESS && ldap_count_entries(c.ld, s.result) > 1)) {
        ldap_msgfree(s.result);
        conn_release(pool, XN_CONN_SEARCH, &c);
        *detail = "more than one directory entry matches the user name";
        return XN_LDAP_AMBIGUOUS;
    }
    if (rc != LDAP_SUCCESS) {
        ldap_msgfree(s.result);
        if (c.ld) {
            conn_release(pool, XN_CONN_SEARCH, &c);
            *detail = ldap_error_text(p, rc);
        }
        *detail = apr_pstrcat(p, "user search failed: ", *detail, NULL);
        return XN_LDAP_UNAVAILABLE;
    }

    entry = ldap_first_entry(c.ld, s.result);
    if (!entry) {
        ldap_msgfree(s.result);
        conn_release(pool, XN_CONN_SEARCH, &c);
        *detail = "no directory entry matches the user name";
        return XN_LDAP_NO_SUCH_USER;
    }

    dn = ldap_get_dn(c.ld, entry);
    u->dn = apr_pstrdup(p, dn ? dn : "");
    ldap_memfree(dn);
    u->name = entry_name(c.ld, entry, p, login_attribute(cfg, 0), user);
    if (!u->name) {
        ldap_msgfree(s.result);
        conn_release(pool, XN_CONN_SEARCH, &c);
        *detail = apr_pstrcat(p, "the entry ", u->dn, " has no ",
                              login_attribute(cfg, 0), " value", NULL);
        return XN_LDAP_NO_SUCH_USER;
    }
    if (cfg->memberof) {
        add_memberof(u->groups, seen, p, c.ld, entry);
    }
    *state = cfg->active_directory ? entry_state(c.ld, entry, p) : XN_LDAP_OK;
    ldap_msgfree(s.result);
    conn_release(pool, XN_CONN_SEARCH, &c);
    return XN_LDAP_OK;
}

static xn_ldap_status_e bind_user(const char **detail, xn_ldap_pool *pool,
                                  apr_pool_t *p, const char *dn,
                                  const char *password)
{
    const char *diagnostic = NULL;
    int attempt;
    int rc = LDAP_OTHER;

    for (attempt = 0; attempt < 2; attempt++) {
        xn_conn c = { NULL, -1 };
        int pooled = 0;

        rc = conn_acquire(&c, &pooled, pool, XN_CONN_BIND, p, detail);
        if (rc != LDAP_SUCCESS) {
            *detail = apr_pstrcat(p, "no connection for the user bind: ",
                                  *detail, NULL);
            return XN_LDAP_UNAVAILABLE;
        }
        rc = simple_bind(c.ld, pool->cfg, dn, password, p, &diagnostic);
        if (!is_connection_error(rc)) {
            conn_release(pool, XN_CONN_BIND, &c);
            break;
        }
        if (!pooled || rc == LDAP_TIMEOUT) {
            conn_failed(pool, &c, p, rc);
            break;
        }
        conn_discard(&c);
    }

    if (rc == LDAP_SUCCESS) {
        return XN_LDAP_OK;
    }
    *detail = apr_pstrcat(p, "bind as \"", dn, "\" failed: ",
                          ldap_error_text(p, rc),
                          diagnostic && *diagnostic ? ": " : "",
                          diagnostic ? diagnostic : "", NULL);
    if (is_connection_error(rc)) {
        return XN_LDAP_UNAVAILABLE;
    }
    if (rc == LDAP_INVALID_CREDENTIALS && pool->cfg->active_directory) {
        return status_from_adstate(xn_adstate_from_bind_message(diagnostic));
    }
    return XN_LDAP_INVALID_CREDENTIALS;
}

/* Builds "(|(member=A)(uniqueMember=A)(member=B)...)" for the DNS. */
static const char *member_filter(apr_pool_t *p, const xn_ldap_config *cfg,
                                 const apr_array_header_t *dns, int first)
{
    const char *filter = "(|";
    int i, j;

    for (i = first; i < dns->nelts; i++) {
        const char *dn = APR_ARRAY_IDX(dns, i, const char *);
        const char *escaped = xn_ldap_filter_escape(p, dn, strlen(dn));

        for (j = 0; j < cfg->group_attributes->nelts; j++) {
            filter = apr_pstrcat(p, filter, "(",
                                 APR_ARRAY_IDX(cfg->group_attributes, j,
                                               const char *),
                                 "=", escaped, ")", NULL);
        }
    }
    return apr_pstrcat(p, filter, ")", NULL);
}

/* Runs the group search FILTER and appends the DNs found to GROUPS. Only
 * DNs are read (attribute list "1.1"): a group's member list is never
 * transferred. */
static int search_groups(xn_ldap_pool *pool, apr_pool_t *p,
                         apr_array_header_t *groups, apr_hash_t *seen,
                         const char *filter, const char **detail)
{
    char *attrs[2] = { LDAP_NO_ATTRS, NULL };
    xn_search s = { pool->cfg->group_base, LDAP_SCOPE_SUBTREE, NULL, attrs,
                    0, NULL };
    xn_conn c = { NULL, -1 };
    LDAPMessage *entry;
    int rc;

    s.filter = filter;
    rc = run_search(&c, pool, &s, p, detail);
    if (rc != LDAP_SUCCESS) {
        ldap_msgfree(s.result);
        if (c.ld) {
            conn_release(pool, XN_CONN_SEARCH, &c);
            *detail = ldap_error_text(p, rc);
        }
        return rc;
    }

    for (entry = ldap_first_entry(c.ld, s.result); entry;
         entry = ldap_next_entry(c.ld, entry)) {
        char *dn = ldap_get_dn(c.ld, entry);
        if (dn) {
            add_group(groups, seen, p, dn);
            ldap_memfree(dn);
        }
    }
    ldap_msgfree(s.result);
    conn_release(pool, XN_CONN_SEARCH, &c);
    return LDAP_SUCCESS;
}

/* Collects direct groups, then the groups of those groups level by level up
 * to nested_depth. SEEN contains every DN found, so a cycle ends the walk. On
 * AD with chain_groups, one LDAP_MATCHING_RULE_IN_CHAIN search returns
 * every group the user belongs to, however deep. */
static xn_ldap_status_e read_groups(xn_ldap_user *u, apr_hash_t *seen,
                                    const char **detail, xn_ldap_pool *pool,
                                    apr_pool_t *p)
{
    const xn_ldap_config *cfg = pool->cfg;
    apr_array_header_t *start = apr_array_make(p, 1, sizeof(const char *));
    int level_start = 0;
    int depth;
    int rc;

    if (cfg->chain_groups) {
        const char *filter = apr_pstrcat(p, "(member:" XN_IN_CHAIN_RULE ":=",
                                         xn_ldap_filter_escape(p, u->dn,
                                                               strlen(u->dn)),
                                         ")", NULL);
        rc = search_groups(pool, p, u->groups, seen, filter, detail);
        if (rc != LDAP_SUCCESS) {
            *detail = apr_pstrcat(p, "group search failed: ", *detail, NULL);
            return XN_LDAP_UNAVAILABLE;
        }
        return XN_LDAP_OK;
    }

    if (cfg->group_attributes->nelts > 0) {
        APR_ARRAY_PUSH(start, const char *) = u->dn;
        rc = search_groups(pool, p, u->groups, seen,
                           member_filter(p, cfg, start, 0), detail);
        if (rc != LDAP_SUCCESS) {
            *detail = apr_pstrcat(p, "group search failed: ", *detail, NULL);
            return XN_LDAP_UNAVAILABLE;
        }
    }

    for (depth = 0; depth < cfg->nested_depth; depth++) {
        int level_end = u->groups->nelts;

        if (level_start == level_end || cfg->group_attributes->nelts == 0) {
            break;
        }
        rc = search_groups(pool, p, u->groups, seen,
                           member_filter(p, cfg, u->groups, level_start),
                           detail);
        if (rc != LDAP_SUCCESS) {
            *detail = apr_pstrcat(p, "nested group search failed: ", *detail,
                                  NULL);
            return XN_LDAP_UNAVAILABLE;
        }
        level_start = level_end;
    }
    return XN_LDAP_OK;
}

const char *xn_ldap_strip_domain(const xn_ldap_config *cfg, const char *user)
{
    const char *sep = strchr(user, '\\');
    apr_size_t len;
    int i;

    if (!sep) {
        return user;
    }
    len = sep - user;
    for (i = 0; cfg->domains && i < cfg->domains->nelts; i++) {
        const char *domain = APR_ARRAY_IDX(cfg->domains, i, const char *);

        if (strlen(domain) == len && !strncasecmp(domain, user, len)) {
            return sep + 1;
        }
    }
    return NULL;
}

/* Counts this sign-in against max_active. Returns 0 when the limit is
 * reached, so the caller responds at once instead of holding a worker. */
static int enter_active(xn_ldap_pool *pool)
{
    int admitted;

    apr_thread_mutex_lock(pool->lock);
    admitted = pool->cfg->max_active <= 0
               || pool->active < pool->cfg->max_active;
    if (admitted) {
        pool->active++;
    }
    apr_thread_mutex_unlock(pool->lock);
    return admitted;
}

static void leave_active(xn_ldap_pool *pool)
{
    apr_thread_mutex_lock(pool->lock);
    pool->active--;
    apr_thread_mutex_unlock(pool->lock);
}

static xn_ldap_status_e authenticate(xn_ldap_user *u, const char **detail,
                                     xn_ldap_pool *pool, apr_pool_t *p,
                                     const char *user, const char *password)
{
    apr_hash_t *seen = apr_hash_make(p);
    xn_ldap_status_e state = XN_LDAP_OK;
    xn_ldap_status_e status;

    status = find_user(u, &state, seen, detail, pool, p, user);
    if (status == XN_LDAP_OK && password) {
        status = bind_user(detail, pool, p, u->dn, password);
    }
    /* A bind to AD already fails for these states. The entry check also
     * covers users authenticated elsewhere, who never bind here. */
    if (status == XN_LDAP_OK && state != XN_LDAP_OK) {
        *detail = apr_pstrcat(p, "the account state of \"", u->dn,
                              "\" denies sign-in: ",
                              xn_ldap_status_reason(state), NULL);
        status = state;
    }
    if (status == XN_LDAP_OK) {
        status = read_groups(u, seen, detail, pool, p);
    }
    return status;
}

xn_ldap_status_e xn_ldap_authenticate(xn_ldap_user **out, const char **detail,
                                      xn_ldap_pool *pool, apr_pool_t *p,
                                      const char *user, const char *password)
{
    xn_ldap_user *u = apr_pcalloc(p, sizeof(*u));
    const char *name;
    xn_ldap_status_e status;

    *detail = NULL;
    u->groups = apr_array_make(p, 8, sizeof(const char *));

    name = xn_ldap_strip_domain(pool->cfg, user);
    if (!name || !*name) {
        *detail = "the domain before the backslash is not configured";
        return XN_LDAP_UNKNOWN_DOMAIN;
    }
    if (!enter_active(pool)) {
        *detail = apr_psprintf(p, "%d sign-ins already wait for the "
                               "directory in this process",
                               pool->cfg->max_active);
        return XN_LDAP_BUSY;
    }
    status = authenticate(u, detail, pool, p, name, password);
    leave_active(pool);

    if (status == XN_LDAP_OK) {
        *out = u;
    }
    return status;
}

apr_array_header_t *xn_ldap_pool_health(xn_ldap_pool *pool, apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, pool->host_count,
                                              sizeof(xn_ldap_host_health));
    int i;

    apr_thread_mutex_lock(pool->lock);
    for (i = 0; i < pool->host_count; i++) {
        xn_ldap_host_health *h = apr_array_push(out);

        h->uri = pool->hosts[i].uri;
        h->up = pool->hosts[i].up;
        h->down_since = pool->hosts[i].down_since;
        h->retry_at = pool->hosts[i].retry_at;
        h->failures = pool->hosts[i].failures;
    }
    apr_thread_mutex_unlock(pool->lock);
    return out;
}

static apr_status_t pool_cleanup(void *data)
{
    xn_ldap_pool *pool = data;
    int kind;

    for (kind = 0; kind < 2; kind++) {
        while (pool->idle[kind].count > 0) {
            conn_discard(&pool->idle[kind].conns[--pool->idle[kind].count]);
        }
    }
    return APR_SUCCESS;
}

static void make_hosts(xn_ldap_pool *pool, apr_pool_t *p)
{
    char *list = apr_pstrdup(p, pool->cfg->uris);
    char *state = NULL;
    char *uri;
    int n = 0;

    for (uri = list; *uri; uri++) {
        n += *uri == ' ';
    }
    pool->hosts = apr_pcalloc(p, sizeof(xn_host) * (n + 1));
    for (uri = apr_strtok(list, " ", &state); uri;
         uri = apr_strtok(NULL, " ", &state)) {
        pool->hosts[pool->host_count].uri = uri;
        pool->hosts[pool->host_count].up = 1;
        pool->host_count++;
    }
}

apr_status_t xn_ldap_pool_create(xn_ldap_pool **out, apr_pool_t *p,
                                 const xn_ldap_config *cfg,
                                 xn_ldap_log_fn *log, void *baton)
{
    xn_ldap_pool *pool = apr_pcalloc(p, sizeof(*pool));
    apr_status_t rv;
    int kind;

    rv = apr_thread_mutex_create(&pool->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    pool->cfg = cfg;
    pool->log = log;
    pool->log_baton = baton;
    make_hosts(pool, p);
    for (kind = 0; kind < 2; kind++) {
        pool->idle[kind].conns = apr_pcalloc(p, sizeof(xn_conn)
                                                * cfg->pool_max);
    }
    apr_pool_cleanup_register(p, pool, pool_cleanup, apr_pool_cleanup_null);
    *out = pool;
    return APR_SUCCESS;
}
