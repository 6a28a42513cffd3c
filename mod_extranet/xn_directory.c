/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <apr_strings.h>

#include <http_protocol.h>

#include "xn_directory.h"
#include "xn_config.h"
#include "xn_escape.h"

void xn_directory_log_host(void *baton, int up, const char *uri,
                           const char *detail)
{
    server_rec *s = baton;
    const xn_server_config *sconf = xn_config_server(s);

    if (up) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, XNLOGNO(1310)
                     "directory host %s is available again", uri);
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, XNLOGNO(1311)
                     "directory host %s failed, skipped for %d s before the "
                     "next try: %s", uri, sconf->ldap->retry_interval,
                     detail ? detail : "unknown error");
    }
}

static const char *json_time(apr_pool_t *p, apr_time_t t)
{
    char buf[APR_RFC822_DATE_LEN];

    if (!t) {
        return "null";
    }
    apr_rfc822_date(buf, t);
    return apr_pstrcat(p, "\"", buf, "\"", NULL);
}

int xn_directory_status_handler(request_rec *r)
{
    const xn_server_config *sconf = xn_config_server(r->server);
    apr_array_header_t *hosts;
    int i;

    if (!r->handler || strcmp(r->handler, "extranet-ldap-status")) {
        return DECLINED;
    }
    if (sconf->enabled != 1 || !sconf->ldap_pool) {
        return HTTP_NOT_FOUND;
    }
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    ap_set_content_type(r, "application/json");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (r->header_only) {
        return OK;
    }

    hosts = xn_ldap_pool_health(sconf->ldap_pool, r->pool);
    ap_rprintf(r, "{\"pid\":%" APR_PID_T_FMT ",\"hosts\":[", getpid());
    for (i = 0; i < hosts->nelts; i++) {
        const xn_ldap_host_health *h = &APR_ARRAY_IDX(hosts, i,
                                                      xn_ldap_host_health);

        ap_rprintf(r, "%s{\"uri\":\"%s\",\"up\":%s,\"down_since\":%s,"
                   "\"retry_at\":%s,\"failures\":%" APR_UINT64_T_FMT "}",
                   i ? "," : "", xn_json_escape(r->pool, h->uri),
                   h->up ? "true" : "false", json_time(r->pool, h->down_since),
                   json_time(r->pool, h->retry_at), h->failures);
    }
    ap_rputs("]}\n", r);
    return OK;
}
