/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* mod_extranet: council members reach the municipal intranet from outside
 * with their directory account. This file declares the module and wires
 * its hooks; the work happens in the xn_* files. */

#include <apr_strings.h>

#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <ap_mpm.h>

#define LDAP_DEPRECATED 0
#include <ldap.h>
#include <openssl/opensslv.h>

#define XN_MODULE_FILE
#include "xn_private.h"
#include "xn_attempts.h"
#include "xn_auditlog.h"
#include "xn_auditconf.h"
#include "xn_auditsink.h"
#include "xn_auth.h"
#include "xn_config.h"
#include "xn_crypto.h"
#include "xn_directory.h"
#include "xn_filter.h"
#include "xn_login.h"
#include "xn_pages.h"
#include "xn_store.h"

static int pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    if (xn_attempts_pre_config(pconf) != OK
        || xn_auditsink_pre_config(pconf) != APR_SUCCESS) {
        return !OK;
    }
    return xn_store_pre_config(pconf);
}

static void log_versions(server_rec *s)
{
    LDAPAPIInfo info;

    memset(&info, 0, sizeof(info));
    info.ldapai_info_version = LDAP_API_INFO_VERSION;
    ldap_get_option(NULL, LDAP_OPT_API_INFO, &info);
    /* OpenLDAP's vendor version is major * 10000 + minor * 100 + patch. */
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, XNLOGNO(0001)
                 "mod_extranet %s started (%s %d.%d.%d, %s)", XN_VERSION,
                 info.ldapai_vendor_name ? info.ldapai_vendor_name : "libldap",
                 info.ldapai_vendor_version / 10000,
                 info.ldapai_vendor_version / 100 % 100,
                 info.ldapai_vendor_version % 100, OPENSSL_VERSION_TEXT);
    if (info.ldapai_vendor_name) {
        ldap_memfree(info.ldapai_vendor_name);
    }
    if (info.ldapai_extensions) {
        ber_memvfree((void **)info.ldapai_extensions);
    }
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s)
{
    (void)plog;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    if (xn_crypto_init() != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, XNLOGNO(0003)
                     "OpenSSL provides no SHA-256");
        return !OK;
    }
    if (xn_store_post_config(pconf, ptemp, s) != OK
        || xn_attempts_post_config(pconf, s) != OK
        || xn_auditsink_post_config(pconf, ptemp, s) != OK) {
        return !OK;
    }
    xn_pages_init(pconf, s);
    log_versions(s);
    return OK;
}

static void child_init(apr_pool_t *pchild, server_rec *s)
{
    server_rec *vs;

    xn_store_child_init(pchild, s);
    xn_attempts_child_init(pchild, s);
    xn_auditsink_child_init(pchild, s);
    for (vs = s; vs; vs = vs->next) {
        xn_server_config *conf = xn_config_server(vs);
        apr_status_t rv;

        if (conf->enabled != 1) {
            continue;
        }
        rv = xn_ldap_pool_create(&conf->ldap_pool, pchild, conf->ldap,
                                 xn_directory_log_host, vs);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, vs, XNLOGNO(0002)
                         "cannot create the directory connection pool");
        }
    }
}

static void register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(xn_config_check, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(xn_auditconf_check, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_open_logs(xn_auditlog_open, NULL, NULL, APR_HOOK_MIDDLE);
    /* First, so that processes other modules fork from the parent in their
     * post_config (mod_cgid's daemon) come after the parent has handed the
     * audit key and files to the audit writer and dropped them. */
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(xn_login_handler, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_handler(xn_directory_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(xn_auditlog_request, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(xn_auditlog_fixups, NULL, NULL, APR_HOOK_MIDDLE);
    xn_auth_register(p);
    xn_filter_register(p);
}

AP_DECLARE_MODULE(extranet) = {
    STANDARD20_MODULE_STUFF,
    xn_config_dir_create,
    xn_config_dir_merge,
    xn_config_server_create,
    xn_config_server_merge,
    xn_config_cmds,
    register_hooks,
    AP_MODULE_FLAG_NONE
};
