/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* Configuration: directive handlers, create and merge functions, and the
 * start-up checks that turn the raw directive values into the objects that
 * requests read.
 *
 * Lifetime: everything here is written while httpd reads its configuration
 * and in check_config/post_config, all on the single start-up thread, and
 * only read afterwards. The exceptions are ldap_pool and audit, which
 * child_init and open_logs set before any request thread runs. */

#ifndef XN_CONFIG_H
#define XN_CONFIG_H

#include "xn_private.h"
#include "xn_ldap.h"
#include "xn_roles.h"
#include "xn_rules.h"

typedef struct xn_auditlog xn_auditlog;

/* Per virtual host. Fields start unset (-1 or NULL); a virtual host takes
 * the main server's value for each field it leaves unset. Role and rule
 * lists are replaced, not appended: a virtual host with any ExtranetRule
 * has only its own rules. */
typedef struct xn_server_config {
    int enabled;
    const char *ldap_url;
    xn_ldap_config *ldap_url_parts;  /* uris, base, attribute, scope, filter */
    const char *bind_dn;
    const char *bind_password_source;
    const char *group_base;
    apr_array_header_t *group_attributes;
    int memberof;
    int nested_depth;
    int connect_timeout;
    int timeout;
    int directory_type;              /* XN_DIRECTORY_* */
    apr_array_header_t *login_attributes;
    apr_array_header_t *domains;
    int starttls;
    const char *ca_file;
    int verify_cert;
    int retry_interval;
    int max_active;
    int lookup_user;
    int basic_cache_recheck;
    apr_array_header_t *role_specs;  /* xn_role_spec */
    apr_array_header_t *rule_specs;  /* xn_rule_spec */
    int rule_match_case;
    const char *cookie_name;
    int idle_timeout;
    int max_lifetime;
    int basic_cache_timeout;
    const char *audit_log;
    apr_array_header_t *audit_types; /* const char *, lower case */
    const char *audit_key_file;
    const char *audit_checkpoint;    /* "syslog", "syslog:FACILITY" or a path */
    int audit_checkpoint_records;
    int audit_checkpoint_seconds;
    int audit_rotate_daily;
    apr_off_t audit_rotate_size;     /* bytes, 0 for no size limit */
    int audit_query;                 /* XN_AUDIT_QUERY_* */
    int audit_on_failure;            /* XN_AUDIT_FAILURE_* */
    const char *endpoint;
    int session_recheck;
    int allow_insecure_cookie;
    int throttle_account_delay;
    int throttle_account_block;
    int throttle_address_delay;
    int throttle_address_block;
    int throttle_window;
    int throttle_block;
    const char *admin_role;
    const char *template_dir;
    const char *brand_logo;          /* same-site URL path of the logo */
    const char *brand_logo_alt;
    const char *brand_color;         /* "#rrggbb" */
    const char *brand_help[3];       /* help line for nl, fr, en */

    /* Resolved at start-up. */
    xn_ldap_config *ldap;
    xn_rolemap *rolemap;
    xn_rules *rules;
    xn_ldap_pool *ldap_pool;         /* set per child in child_init */
    xn_auditlog *audit;              /* set in open_logs */
    struct xn_templates *templates;  /* NULL without ExtranetTemplateDir */
    struct xn_chain_key *audit_key;  /* read in check_config, NULL without a key file */
} xn_server_config;

#define XN_DIRECTORY_LDAP 0
#define XN_DIRECTORY_AD 1

typedef struct xn_role_spec {
    const char *name;
    const char *group_dn;            /* normalised, NULL for a role without groups */
} xn_role_spec;

/* Per directory. */
typedef struct xn_dir_config {
    int denied_status;
    const char *language;
    int link_filter;                 /* ExtranetLinkFilter */
    int link_removal;                /* ExtranetLinkRemoval, xn_html_removal_e */
    const char *role_attribute;      /* ExtranetRoleAttribute, lower case */
} xn_dir_config;

/* Settings of the whole server, from the main server's context only. */
typedef struct xn_global_config {
    const char *session_cache;       /* "provider" or "provider:args" */
} xn_global_config;

extern const command_rec xn_config_cmds[];

void *xn_config_server_create(apr_pool_t *p, server_rec *s);
void *xn_config_server_merge(apr_pool_t *p, void *base, void *add);
void *xn_config_dir_create(apr_pool_t *p, char *dir);
void *xn_config_dir_merge(apr_pool_t *p, void *base, void *add);

/* Validates every enabled virtual host, reads the bind password and compiles
 * role maps and rule tables. Logs the directive and value of each error and
 * returns !OK so that httpd, and "apachectl configtest", stop. */
int xn_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                    server_rec *s);

xn_server_config *xn_config_server(const server_rec *s);
xn_dir_config *xn_config_dir(const request_rec *r);
const xn_global_config *xn_config_global(void);

/* Getters that resolve defaults for fields left unset. */
int xn_config_denied_status(const xn_dir_config *dconf);
const char *xn_config_language(const xn_dir_config *dconf);

#endif
