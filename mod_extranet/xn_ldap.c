/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_hash.h>
#include <apr_thread_mutex.h>

#define LDAP_DEPRECATED 0
#include <ldap.h>

#include "xn_ldap.h"
#include "xn_escape.h"

typedef enum { XN_CONN_SEARCH, XN_CONN_BIND } xn_conn_kind_e;

/* Idle connections of one kind. Fixed arrays, because the pool's memory
 * must not grow from request threads. */
typedef struct xn_conn_list {
    LDAP **conns;
    int count;
} xn_conn_list;

struct xn_ldap_pool {
    const xn_ldap_config *cfg;
    apr_thread_mutex_t *lock;        /* guards both lists */
    xn_conn_list idle[2];            /* indexed by xn_conn_kind_e */
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
    }
    return "unknown";
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

static void conn_discard(LDAP *ld)
{
    if (ld) {
        ldap_unbind_ext(ld, NULL, NULL);
    }
}

/* Waits at most the operation timeout for the result of MSGID. A timeout
 * abandons the operation and returns LDAP_TIMEOUT, and the caller discards
 * the connection: libldap cannot tell whether the server will still answer. */
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

static int simple_bind(LDAP *ld, const xn_ldap_config *cfg, const char *dn,
                       const char *password)
{
    struct berval cred;
    LDAPMessage *res = NULL;
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
    rc = ldap_parse_result(ld, res, &result, NULL, NULL, NULL, NULL, 1);
    return rc != LDAP_SUCCESS ? rc : result;
}

static int conn_open(LDAP **out, const xn_ldap_config *cfg)
{
    LDAP *ld = NULL;
    int version = LDAP_VERSION3;
    struct timeval connect_tv = { cfg->connect_timeout, 0 };
    struct timeval op_tv = { cfg->timeout, 0 };
    int rc = ldap_initialize(&ld, cfg->uris);

    if (rc != LDAP_SUCCESS) {
        return rc;
    }
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &connect_tv);
    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op_tv);
    *out = ld;
    return LDAP_SUCCESS;
}

/* Takes an idle connection of KIND, or opens one. A new search connection
 * is bound as the service account first. *pooled tells the caller whether
 * the connection came from the idle list and may have gone stale. */
static int conn_acquire(LDAP **out, int *pooled, xn_ldap_pool *pool,
                        xn_conn_kind_e kind)
{
    xn_conn_list *list = &pool->idle[kind];
    LDAP *ld = NULL;
    int rc;

    apr_thread_mutex_lock(pool->lock);
    if (list->count > 0) {
        ld = list->conns[--list->count];
    }
    apr_thread_mutex_unlock(pool->lock);

    *pooled = ld != NULL;
    if (ld) {
        *out = ld;
        return LDAP_SUCCESS;
    }

    rc = conn_open(&ld, pool->cfg);
    if (rc == LDAP_SUCCESS && kind == XN_CONN_SEARCH) {
        rc = simple_bind(ld, pool->cfg, pool->cfg->bind_dn,
                         pool->cfg->bind_password);
    }
    if (rc != LDAP_SUCCESS) {
        conn_discard(ld);
        return rc;
    }
    *out = ld;
    return LDAP_SUCCESS;
}

static void conn_release(xn_ldap_pool *pool, xn_conn_kind_e kind, LDAP *ld)
{
    xn_conn_list *list = &pool->idle[kind];

    apr_thread_mutex_lock(pool->lock);
    if (list->count < pool->cfg->pool_max) {
        list->conns[list->count++] = ld;
        ld = NULL;
    }
    apr_thread_mutex_unlock(pool->lock);

    conn_discard(ld);
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
static int run_search(LDAP **held, xn_ldap_pool *pool, xn_search *s)
{
    int attempt;
    int rc = LDAP_OTHER;

    for (attempt = 0; attempt < 2; attempt++) {
        LDAP *ld = NULL;
        int pooled = 0;

        rc = conn_acquire(&ld, &pooled, pool, XN_CONN_SEARCH);
        if (rc != LDAP_SUCCESS) {
            return rc;
        }
        rc = search_once(ld, pool->cfg, s);
        if (is_connection_error(rc)) {
            ldap_msgfree(s->result);
            s->result = NULL;
            conn_discard(ld);
            if (pooled && rc != LDAP_TIMEOUT) {
                continue;
            }
            return rc;
        }
        *held = ld;
        return rc;
    }
    return rc;
}

static const char *ldap_error_text(apr_pool_t *p, int rc)
{
    return apr_psprintf(p, "%s (%d)", ldap_err2string(rc), rc);
}

/* Returns the directory's spelling of the login attribute: the value that
 * matches USER ignoring ASCII case, else the first value. The server's
 * matching rule may have found the entry through spaces, Unicode case or
 * normalisation that this comparison does not know, and what the user typed
 * must never become the name that sessions and the audit log carry. Returns
 * NULL when the entry has no value. */
static const char *entry_name(LDAP *ld, LDAPMessage *entry, apr_pool_t *p,
                              const char *attribute, const char *user)
{
    struct berval **values = ldap_get_values_len(ld, entry, attribute);
    const char *name = NULL;
    int i;

    for (i = 0; values && values[i]; i++) {
        if (values[i]->bv_len == strlen(user)
            && !strncasecmp(values[i]->bv_val, user, values[i]->bv_len)) {
            name = apr_pstrmemdup(p, values[i]->bv_val, values[i]->bv_len);
            break;
        }
    }
    if (!name && values && values[0]) {
        name = apr_pstrmemdup(p, values[0]->bv_val, values[0]->bv_len);
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

static xn_ldap_status_e find_user(xn_ldap_user *u, apr_hash_t *seen,
                                  const char **detail, xn_ldap_pool *pool,
                                  apr_pool_t *p, const char *user)
{
    const xn_ldap_config *cfg = pool->cfg;
    char *attrs[3] = { (char *)cfg->attribute, NULL, NULL };
    xn_search s = { cfg->base, cfg->scope, NULL, attrs, 2, NULL };
    LDAP *ld = NULL;
    LDAPMessage *entry;
    char *dn;
    int rc;

    if (cfg->memberof) {
        attrs[1] = "memberOf";
    }
    s.filter = apr_pstrcat(p, "(&", cfg->filter ? cfg->filter : "", "(",
                           cfg->attribute, "=",
                           xn_ldap_filter_escape(p, user, strlen(user)), "))",
                           NULL);

    rc = run_search(&ld, pool, &s);
    if (rc == LDAP_SIZELIMIT_EXCEEDED
        || (rc == LDAP_SUCCESS && ldap_count_entries(ld, s.result) > 1)) {
        ldap_msgfree(s.result);
        conn_release(pool, XN_CONN_SEARCH, ld);
        *detail = "more than one directory entry matches the user name";
        return XN_LDAP_AMBIGUOUS;
    }
    if (rc != LDAP_SUCCESS) {
        ldap_msgfree(s.result);
        if (ld) {
            conn_release(pool, XN_CONN_SEARCH, ld);
        }
        *detail = apr_pstrcat(p, "user search failed: ",
                              ldap_error_text(p, rc), NULL);
        return XN_LDAP_UNAVAILABLE;
    }

    entry = ldap_first_entry(ld, s.result);
    if (!entry) {
        ldap_msgfree(s.result);
        conn_release(pool, XN_CONN_SEARCH, ld);
        *detail = "no directory entry matches the user name";
        return XN_LDAP_NO_SUCH_USER;
    }

    dn = ldap_get_dn(ld, entry);
    u->dn = apr_pstrdup(p, dn ? dn : "");
    ldap_memfree(dn);
    u->name = entry_name(ld, entry, p, cfg->attribute, user);
    if (!u->name) {
        ldap_msgfree(s.result);
        conn_release(pool, XN_CONN_SEARCH, ld);
        *detail = apr_pstrcat(p, "the entry ", u->dn, " has no ",
                              cfg->attribute, " value", NULL);
        return XN_LDAP_NO_SUCH_USER;
    }
    if (cfg->memberof) {
        add_memberof(u->groups, seen, p, ld, entry);
    }
    ldap_msgfree(s.result);
    conn_release(pool, XN_CONN_SEARCH, ld);
    return XN_LDAP_OK;
}

static xn_ldap_status_e bind_user(const char **detail, xn_ldap_pool *pool,
                                  apr_pool_t *p, const char *dn,
                                  const char *password)
{
    int attempt;
    int rc = LDAP_OTHER;

    for (attempt = 0; attempt < 2; attempt++) {
        LDAP *ld = NULL;
        int pooled = 0;

        rc = conn_acquire(&ld, &pooled, pool, XN_CONN_BIND);
        if (rc == LDAP_SUCCESS) {
            rc = simple_bind(ld, pool->cfg, dn, password);
            if (!is_connection_error(rc)) {
                conn_release(pool, XN_CONN_BIND, ld);
                break;
            }
            conn_discard(ld);
        }
        if (!pooled || rc == LDAP_TIMEOUT) {
            break;
        }
    }

    if (rc == LDAP_SUCCESS) {
        return XN_LDAP_OK;
    }
    *detail = apr_pstrcat(p, "bind as \"", dn, "\" failed: ",
                          ldap_error_text(p, rc), NULL);
    return is_connection_error(rc) ? XN_LDAP_UNAVAILABLE
                                   : XN_LDAP_INVALID_CREDENTIALS;
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

/* Reads the groups that list any of MEMBERS[first..] and appends new ones
 * to GROUPS. */
static int search_groups(xn_ldap_pool *pool, apr_pool_t *p,
                         apr_array_header_t *groups, apr_hash_t *seen,
                         const apr_array_header_t *members, int first)
{
    char *attrs[2] = { LDAP_NO_ATTRS, NULL };
    xn_search s = { pool->cfg->group_base, LDAP_SCOPE_SUBTREE, NULL, attrs,
                    0, NULL };
    LDAP *ld = NULL;
    LDAPMessage *entry;
    int rc;

    s.filter = member_filter(p, pool->cfg, members, first);
    rc = run_search(&ld, pool, &s);
    if (rc != LDAP_SUCCESS) {
        ldap_msgfree(s.result);
        if (ld) {
            conn_release(pool, XN_CONN_SEARCH, ld);
        }
        return rc;
    }

    for (entry = ldap_first_entry(ld, s.result); entry;
         entry = ldap_next_entry(ld, entry)) {
        char *dn = ldap_get_dn(ld, entry);
        if (dn) {
            add_group(groups, seen, p, dn);
            ldap_memfree(dn);
        }
    }
    ldap_msgfree(s.result);
    conn_release(pool, XN_CONN_SEARCH, ld);
    return LDAP_SUCCESS;
}

/* Collects direct groups, then the groups of those groups level by level up
 * to nested_depth. SEEN holds every DN found, so a cycle ends the walk. */
static xn_ldap_status_e read_groups(xn_ldap_user *u, apr_hash_t *seen,
                                    const char **detail, xn_ldap_pool *pool,
                                    apr_pool_t *p)
{
    apr_array_header_t *start = apr_array_make(p, 1, sizeof(const char *));
    int level_start = 0;
    int depth;
    int rc;

    if (pool->cfg->group_attributes->nelts > 0) {
        APR_ARRAY_PUSH(start, const char *) = u->dn;
        rc = search_groups(pool, p, u->groups, seen, start, 0);
        if (rc != LDAP_SUCCESS) {
            *detail = apr_pstrcat(p, "group search failed: ",
                                  ldap_error_text(p, rc), NULL);
            return XN_LDAP_UNAVAILABLE;
        }
    }

    for (depth = 0; depth < pool->cfg->nested_depth; depth++) {
        int level_end = u->groups->nelts;

        if (level_start == level_end
            || pool->cfg->group_attributes->nelts == 0) {
            break;
        }
        rc = search_groups(pool, p, u->groups, seen, u->groups, level_start);
        if (rc != LDAP_SUCCESS) {
            *detail = apr_pstrcat(p, "nested group search failed: ",
                                  ldap_error_text(p, rc), NULL);
            return XN_LDAP_UNAVAILABLE;
        }
        level_start = level_end;
    }
    return XN_LDAP_OK;
}

xn_ldap_status_e xn_ldap_authenticate(xn_ldap_user **out, const char **detail,
                                      xn_ldap_pool *pool, apr_pool_t *p,
                                      const char *user, const char *password)
{
    xn_ldap_user *u = apr_pcalloc(p, sizeof(*u));
    apr_hash_t *seen = apr_hash_make(p);
    xn_ldap_status_e status;

    *detail = NULL;
    u->groups = apr_array_make(p, 8, sizeof(const char *));

    status = find_user(u, seen, detail, pool, p, user);
    if (status == XN_LDAP_OK && password) {
        status = bind_user(detail, pool, p, u->dn, password);
    }
    if (status == XN_LDAP_OK) {
        status = read_groups(u, seen, detail, pool, p);
    }
    if (status == XN_LDAP_OK) {
        *out = u;
    }
    return status;
}

static apr_status_t pool_cleanup(void *data)
{
    xn_ldap_pool *pool = data;
    int kind;

    for (kind = 0; kind < 2; kind++) {
        while (pool->idle[kind].count > 0) {
            conn_discard(pool->idle[kind].conns[--pool->idle[kind].count]);
        }
    }
    return APR_SUCCESS;
}

apr_status_t xn_ldap_pool_create(xn_ldap_pool **out, apr_pool_t *p,
                                 const xn_ldap_config *cfg)
{
    xn_ldap_pool *pool = apr_pcalloc(p, sizeof(*pool));
    apr_status_t rv;
    int kind;

    rv = apr_thread_mutex_create(&pool->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    pool->cfg = cfg;
    for (kind = 0; kind < 2; kind++) {
        pool->idle[kind].conns = apr_pcalloc(p, sizeof(LDAP *) * cfg->pool_max);
    }
    apr_pool_cleanup_register(p, pool, pool_cleanup, apr_pool_cleanup_null);
    *out = pool;
    return APR_SUCCESS;
}
