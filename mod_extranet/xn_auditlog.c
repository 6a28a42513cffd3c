/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <apr_strings.h>

#include <http_core.h>
#include <http_log.h>

#include "xn_auditlog.h"
#include "xn_audit.h"
#include "xn_auditconf.h"
#include "xn_auditsink.h"
#include "xn_auth.h"
#include "xn_config.h"

int xn_auditlog_open(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                     server_rec *s)
{
    (void)plog;
    return xn_auditsink_open(pconf, ptemp, s);
}

/* Returns 1 when the media type of CONTENT_TYPE is in TYPES. */
static int audited_type(const apr_array_header_t *types,
                        const char *content_type)
{
    apr_size_t len;
    int i;

    if (!content_type) {
        return 0;
    }
    len = strcspn(content_type, "; ");
    for (i = 0; i < types->nelts; i++) {
        const char *type = APR_ARRAY_IDX(types, i, const char *);

        if (strlen(type) == len && !strncasecmp(type, content_type, len)) {
            return 1;
        }
    }
    return 0;
}

/* Returns mod_unique_id's id when it is loaded, else httpd's log id of the
 * request, made now if nothing has asked for it yet, so the audit record
 * and any error-log line of the request share one id. */
static const char *request_id(request_rec *r)
{
    const char *id = apr_table_get(r->subprocess_env, "UNIQUE_ID");

    if (!id && !r->log_id) {
        ap_run_generate_log_id(r->connection, r, &r->log_id);
    }
    return id ? id : r->log_id;
}

/* Returns the query string of R as ExtranetAuditQuery allows: NULL for
 * drop, the parameter names with each value replaced by "*" for redact
 * ("a=*&b=*"), or as received for keep. */
static const char *audit_query(request_rec *r, int mode)
{
    const char *in = r->args;
    char *out;
    apr_size_t i = 0;
    int in_value = 0;

    if (!in || !*in || mode == XN_AUDIT_QUERY_DROP) {
        return NULL;
    }
    if (mode == XN_AUDIT_QUERY_KEEP) {
        return in;
    }
    out = apr_palloc(r->pool, strlen(in) + 2);
    for (; *in; in++) {
        if (*in == '&') {
            in_value = 0;
            out[i++] = '&';
        }
        else if (*in == '=' && !in_value) {
            in_value = 1;
            out[i++] = '=';
            out[i++] = '*';
        }
        else if (!in_value) {
            out[i++] = *in;
        }
    }
    out[i] = '\0';
    return out;
}

/* Denies a request that would be audited while its record cannot be
 * written (ExtranetAuditOnFailure deny). The record of the denial itself
 * is the retry: when it is written, the log works again. */
int xn_auditlog_fixups(request_rec *r)
{
    const xn_server_config *sconf = xn_config_server(r->server);
    xn_request *state;

    if (r->main || !sconf->audit
        || sconf->audit_on_failure != XN_AUDIT_FAILURE_DENY) {
        return DECLINED;
    }
    state = ap_get_module_config(r->request_config, &extranet_module);
    if (!(state && state->extranet_user) && !xn_auth_is_endpoint(r, sconf)) {
        return DECLINED;
    }
    if (!xn_auditsink_unavailable(sconf->audit)) {
        return DECLINED;
    }
    state = xn_request_get(r);
    state->event = XN_EVENT_DENIED;
    state->reason = "audit_unavailable";
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, XNLOGNO(1010)
                  "the audit log %s cannot be written; request of %s denied "
                  "with 503 (ExtranetAuditOnFailure deny)",
                  xn_auditsink_target(sconf->audit), r->uri);
    return HTTP_SERVICE_UNAVAILABLE;
}

int xn_auditlog_request(request_rec *r)
{
    const xn_server_config *sconf = xn_config_server(r->server);
    xn_request *state = ap_get_module_config(r->request_config,
                                             &extranet_module);
    request_rec *last = r;
    xn_audit_record rec;

    if (!state || !sconf->audit) {
        return DECLINED;
    }
    while (last->next) {
        last = last->next;
    }
    memset(&rec, 0, sizeof(rec));
    rec.event = state->event;
    rec.reason = state->reason;
    if (!rec.event && state->extranet_user
        && (last->status == HTTP_UNAUTHORIZED
            || last->status == HTTP_FORBIDDEN)) {
        /* Another Require line of the location denied the user. */
        rec.event = XN_EVENT_DENIED;
        rec.reason = "require";
    }
    if (!rec.event) {
        /* An error response (a missing file, a favicon) is no access to a
         * document; denials have their own event above. */
        if (!state->extranet_user || last->status >= 400
            || !audited_type(sconf->audit_types, last->content_type)) {
            return DECLINED;
        }
        rec.event = XN_EVENT_ACCESS;
    }

    rec.time = r->request_time;
    rec.user = r->user ? r->user : state->audit_user;
    rec.roles = state->roles_text;
    rec.client = r->useragent_ip;
    rec.method = r->method;
    rec.path = r->uri;
    rec.query = audit_query(r, sconf->audit_query);
    rec.status = last->status;
    rec.bytes = last->bytes_sent;
    rec.rule = state->rule;
    rec.request_id = request_id(r);
    rec.host = r->server->server_hostname;
    rec.target = state->target;
    xn_auditsink_write(sconf->audit, r->pool, &rec, r->server);
    return OK;
}
