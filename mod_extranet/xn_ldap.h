/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* The directory client: search, then bind, with a per-process connection
 * pool. It uses APR and libldap only, so command-line tools can link it.
 *
 * Threads: xn_ldap_url_parse() and xn_ldap_pool_create() run at config time
 * or child init. xn_ldap_authenticate() may run on any request thread at
 * once: each connection is held by one thread between acquire and release,
 * and the pool's free lists are guarded by a thread mutex. */

#ifndef XN_LDAP_H
#define XN_LDAP_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct xn_ldap_config {
    const char *url;                 /* as configured, for messages */
    const char *uris;                /* "ldap://h1:389 ldap://h2:389" */
    const char *base;
    const char *attribute;           /* login attribute, default "uid" */
    int scope;                       /* LDAP_SCOPE_* */
    const char *filter;              /* extra filter, "(objectClass=...)" or NULL */
    const char *bind_dn;             /* NULL binds anonymously */
    const char *bind_password;
    const char *group_base;
    const apr_array_header_t *group_attributes;   /* const char * */
    int memberof;
    int nested_depth;
    int connect_timeout;             /* seconds */
    int timeout;                     /* seconds for each operation */
    int pool_max;                    /* idle connections kept per list */
    const apr_array_header_t *login_attributes;  /* const char *, NULL: attribute */
    const apr_array_header_t *domains;  /* NetBIOS names accepted as "NAME\user" */
    int active_directory;            /* read AD account state, chain groups */
    int chain_groups;                /* LDAP_MATCHING_RULE_IN_CHAIN group query */
    int starttls;
    const char *ca_file;             /* NULL: libldap's default trust store */
    int verify_cert;                 /* 0 accepts any server certificate */
    int retry_interval;              /* seconds a failed host is skipped */
    int max_active;                  /* concurrent sign-ins per process */
} xn_ldap_config;

/* Parses an RFC 4516 URL whose host part may list several hosts separated by
 * spaces ("ldap://h1 h2:3890/dc=x?uid?sub?(objectClass=person)") into CFG's
 * uris, base, attribute, scope and filter. Returns APR_EINVAL with a message
 * in *err for a malformed URL, a scheme other than ldap or ldaps, or a
 * missing base DN. */
apr_status_t xn_ldap_url_parse(xn_ldap_config *cfg, apr_pool_t *p,
                               const char *url, const char **err);

/* Returns DN in LDAPv3 string form with insignificant spaces removed, or
 * NULL when DN is not a valid DN. */
const char *xn_ldap_dn_normalize(apr_pool_t *p, const char *dn);

typedef enum {
    XN_LDAP_OK = 0,
    XN_LDAP_INVALID_CREDENTIALS,     /* the directory rejected the password */
    XN_LDAP_NO_SUCH_USER,
    XN_LDAP_AMBIGUOUS,               /* more than one entry matched */
    XN_LDAP_UNAVAILABLE,             /* down, timed out, or the service bind failed */
    XN_LDAP_BUSY,                    /* too many sign-ins wait for the directory */
    XN_LDAP_ACCOUNT_DISABLED,        /* AD data 533, userAccountControl 0x2 */
    XN_LDAP_ACCOUNT_LOCKED,          /* AD data 775, lockout */
    XN_LDAP_ACCOUNT_EXPIRED,         /* AD data 701, accountExpires */
    XN_LDAP_PASSWORD_EXPIRED,        /* AD data 532 */
    XN_LDAP_PASSWORD_MUST_CHANGE,    /* AD data 773, pwdLastSet 0 */
    XN_LDAP_LOGON_RESTRICTED,        /* AD data 530 (hours), 531 (workstation) */
    XN_LDAP_UNKNOWN_DOMAIN           /* "NAME\user" with a NAME not configured */
} xn_ldap_status_e;

/* Returns 1 when STATUS shows that the password was correct, so telling
 * the user about the account's state reveals nothing to a guesser. AD
 * returns data 775 (locked) whatever the password, so it does not count. */
int xn_ldap_status_password_verified(xn_ldap_status_e status);


/* Returns the stable audit reason for STATUS ("bad_password", ...). */
const char *xn_ldap_status_reason(xn_ldap_status_e status);

typedef struct xn_ldap_user {
    const char *dn;
    const char *name;                /* first login attribute's value from the entry */
    apr_array_header_t *groups;      /* normalised group DNs, const char * */
} xn_ldap_user;

typedef struct xn_ldap_pool xn_ldap_pool;

/* Health of one directory host in this process, for a status page. */
typedef struct xn_ldap_host_health {
    const char *uri;
    int up;
    apr_time_t down_since;           /* 0 while up */
    apr_time_t retry_at;             /* 0 while up */
    apr_uint64_t failures;           /* connection failures since start */
} xn_ldap_host_health;

/* Copies the health of every host into an array from P. Any thread. */
apr_array_header_t *xn_ldap_pool_health(xn_ldap_pool *pool, apr_pool_t *p);

/* Creates the connection pool of one process. CFG must outlive P. LOG
 * (may be NULL) is called with BATON once for each change of a host's
 * state, from the request thread that saw it. */
typedef void xn_ldap_log_fn(void *baton, int up, const char *uri,
                            const char *detail);

apr_status_t xn_ldap_pool_create(xn_ldap_pool **out, apr_pool_t *p,
                                 const xn_ldap_config *cfg,
                                 xn_ldap_log_fn *log, void *baton);

/* Finds USER (not yet escaped) by the login attributes, binds as the entry
 * with PASSWORD, then reads its groups. PASSWORD must not be empty: the
 * caller rejects that first. With PASSWORD NULL no bind happens, for users
 * authenticated elsewhere. On XN_LDAP_OK *out is filled from P. *detail
 * receives a message for the error log, never containing the password. */
xn_ldap_status_e xn_ldap_authenticate(xn_ldap_user **out, const char **detail,
                                      xn_ldap_pool *pool, apr_pool_t *p,
                                      const char *user, const char *password);

/* Splits "NAME\user" into the user part when NAME is one of CFG's domains
 * (compared ignoring case). Returns USER unchanged when it has no
 * backslash, or NULL for an unknown domain. */
const char *xn_ldap_strip_domain(const xn_ldap_config *cfg, const char *user);

#endif
