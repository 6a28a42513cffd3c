/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <sched.h>
#include <sys/statvfs.h>
#include <syslog.h>

#include <apr_strings.h>
#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_file_io.h>
#include <apr_global_mutex.h>
#include <apr_shm.h>

#include <http_core.h>
#include <http_log.h>
#include <util_mutex.h>

#include "xn_auditsink.h"
#include "xn_auditconf.h"
#include "xn_chain.h"
#include "xn_config.h"

#define XN_AUDIT_MUTEX       "extranet-audit"
#define XN_AUDIT_FREE_MIN    (64 * 1024)
#define XN_AUDIT_TAIL_READ   (3 * XN_AUDIT_LINE_MAX)
#define XN_AUDIT_LOCK_SPINS  64

enum { SINK_FILE, SINK_PIPE, SINK_SYSLOG };

/* State of one sink shared by all processes; read and written only under
 * the mutex, except "failing", which the fixups probe reads unlocked. */
typedef struct audit_shared {
    xn_chain_state chain;
    char key_id[XN_CHAIN_KEY_ID_LEN + 1];
    int started;                     /* chain state is valid */
    apr_uint64_t generation;         /* bumped by each rotation */
    apr_off_t size;                  /* bytes in the current file */
    apr_int32_t day;                 /* yyyymmdd of the current file */
    apr_uint32_t since_checkpoint;
    apr_time_t checkpoint_time;
    volatile apr_uint32_t failing;   /* the last write failed */
    apr_uint32_t torn;               /* a write stopped inside a line */
    apr_time_t error_logged;
    apr_uint64_t errors;
} audit_shared;

/* Kept in the parent across restarts by ap_retained_data. */
typedef struct audit_retained {
    apr_shm_t *shm;
    apr_global_mutex_t *mutex;
} audit_retained;

struct xn_auditlog {
    const char *target;
    const char *path;                /* SINK_FILE: resolved path */
    int kind;
    int facility;                    /* SINK_SYSLOG */
    apr_file_t *file;
    apr_pool_t *pool;                /* pconf */
    apr_pool_t *file_pool;           /* per process, after a reopen */
    apr_uint64_t generation;         /* per process: generation of file */
    const xn_server_config *conf;    /* settings of the first host */
    const xn_chain_key *key;
    const char *checkpoint_path;
    apr_file_t *checkpoint_file;
    int checkpoint_facility;         /* -1 without a syslog checkpoint */
    audit_retained *retained;
    audit_shared *shared;
    server_rec *s;
};

apr_status_t xn_auditsink_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, XN_AUDIT_MUTEX, NULL, APR_LOCK_DEFAULT, 0);
}

const char *xn_auditsink_target(const xn_auditlog *log)
{
    return log->target;
}

static int syslog_facility(const char *target)
{
    if (strncasecmp(target, "syslog", 6) != 0
        || (target[6] != '\0' && target[6] != ':')) {
        return -1;
    }
    return target[6] == ':' ? xn_auditconf_facility(target + 7) : LOG_USER;
}

static apr_status_t open_file(apr_file_t **file, const char *path,
                              apr_pool_t *p)
{
    return apr_file_open(file, path,
                         APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_APPEND
                         | APR_FOPEN_LARGEFILE,
                         APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD,
                         p);
}

static apr_status_t open_target(xn_auditlog *log, apr_pool_t *pconf,
                                const char **err)
{
    apr_status_t rv;

    log->facility = syslog_facility(log->target);
    if (log->facility >= 0) {
        log->kind = SINK_SYSLOG;
        return APR_SUCCESS;
    }
    if (log->target[0] == '|') {
        piped_log *pl = ap_open_piped_log(pconf, log->target + 1);

        if (!pl) {
            *err = "cannot start the program";
            return APR_EGENERAL;
        }
        log->kind = SINK_PIPE;
        log->file = ap_piped_log_write_fd(pl);
        return APR_SUCCESS;
    }

    log->kind = SINK_FILE;
    log->path = ap_server_root_relative(pconf, log->target);
    if (!log->path) {
        *err = "invalid path";
        return APR_EBADPATH;
    }
    rv = open_file(&log->file, log->path, pconf);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(pconf, "cannot open %s: %pm", log->path, &rv);
    }
    return rv;
}

static apr_status_t open_checkpoint(xn_auditlog *log, apr_pool_t *pconf,
                                    const char **err)
{
    const char *target = log->conf->audit_checkpoint;
    apr_status_t rv;

    log->checkpoint_facility = -1;
    if (!target) {
        return APR_SUCCESS;
    }
    log->checkpoint_facility = syslog_facility(target);
    if (log->checkpoint_facility >= 0) {
        return APR_SUCCESS;
    }
    log->checkpoint_path = ap_server_root_relative(pconf, target);
    if (!log->checkpoint_path) {
        *err = "invalid path";
        return APR_EBADPATH;
    }
    rv = open_file(&log->checkpoint_file, log->checkpoint_path, pconf);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(pconf, "cannot open %s: %pm",
                            log->checkpoint_path, &rv);
    }
    return rv;
}

int xn_auditsink_open(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *opened = apr_hash_make(ptemp);
    server_rec *vs;

    for (vs = s; vs; vs = vs->next) {
        xn_server_config *conf = xn_config_server(vs);
        xn_auditlog *log;
        const char *err = NULL;

        if (conf->enabled != 1 || !conf->audit_log) {
            continue;
        }
        log = apr_hash_get(opened, conf->audit_log, APR_HASH_KEY_STRING);
        if (!log) {
            log = apr_pcalloc(pconf, sizeof(*log));
            log->target = conf->audit_log;
            log->conf = conf;
            log->key = conf->audit_key;
            log->pool = pconf;
            log->s = vs;
            if (open_target(log, pconf, &err) != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, XNLOGNO(0601)
                             "ExtranetAuditLog: \"%s\": %s", conf->audit_log,
                             err);
                return !OK;
            }
            if (open_checkpoint(log, pconf, &err) != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, XNLOGNO(1002)
                             "ExtranetAuditCheckpoint: \"%s\": %s",
                             conf->audit_checkpoint, err);
                return !OK;
            }
            apr_hash_set(opened, conf->audit_log, APR_HASH_KEY_STRING, log);
        }
        conf->audit = log;
    }
    return OK;
}

/* Calls FN once for each distinct sink. */
static int each_log(server_rec *s, apr_pool_t *ptemp,
                    int (*fn)(xn_auditlog *log, void *baton), void *baton)
{
    apr_hash_t *seen = apr_hash_make(ptemp);
    server_rec *vs;

    for (vs = s; vs; vs = vs->next) {
        xn_server_config *conf = xn_config_server(vs);

        if (conf->enabled != 1 || !conf->audit
            || apr_hash_get(seen, &conf->audit, sizeof(conf->audit))) {
            continue;
        }
        apr_hash_set(seen, &conf->audit, sizeof(conf->audit), conf->audit);
        if (fn(conf->audit, baton) != OK) {
            return !OK;
        }
    }
    return OK;
}

/* ---------------------------------------------------------------------- */
/* Writing, under the mutex                                                 */

static apr_int32_t local_day(apr_time_t t)
{
    apr_time_exp_t xt;

    apr_time_exp_lt(&xt, t);
    return (xt.tm_year + 1900) * 10000 + (xt.tm_mon + 1) * 100 + xt.tm_mday;
}

static void log_write_error(xn_auditlog *log, apr_status_t rv,
                            const char *event, apr_time_t now)
{
    audit_shared *sh = log->shared;

    sh->errors++;
    /* At most one line per second, with the count of records lost. */
    if (now - sh->error_logged >= apr_time_from_sec(1)) {
        sh->error_logged = now;
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, log->s, XNLOGNO(0602)
                     "cannot write to the audit log %s (%s event lost, %"
                     APR_UINT64_T_FMT " records lost since start-up)",
                     log->target, event, sh->errors);
    }
}

static apr_status_t write_raw(xn_auditlog *log, const char *data,
                              apr_size_t len, apr_size_t *written)
{
    *written = 0;
    if (log->kind == SINK_SYSLOG) {
        syslog(log->facility | LOG_INFO, "%.*s", (int)(len - 1), data);
        *written = len;
        return APR_SUCCESS;
    }
    return apr_file_write_full(log->file, data, len, written);
}

static apr_status_t write_checkpoint(xn_auditlog *log, apr_pool_t *p,
                                     apr_time_t now)
{
    audit_shared *sh = log->shared;
    apr_size_t len = 0;
    apr_size_t written = 0;
    char *line;
    apr_status_t rv = APR_SUCCESS;

    sh->since_checkpoint = 0;
    sh->checkpoint_time = now;
    line = xn_chain_checkpoint(p, now, log->target, &sh->chain, &len);
    if (log->checkpoint_facility >= 0) {
        syslog(log->checkpoint_facility | LOG_INFO, "%.*s", (int)(len - 1),
               line);
    }
    else if (log->checkpoint_file) {
        rv = apr_file_write_full(log->checkpoint_file, line, len, &written);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, log->s, XNLOGNO(1003)
                         "cannot write the checkpoint of %s to %s",
                         log->target, log->checkpoint_path);
        }
    }
    return rv;
}

/* Seals LINE (a line of xn_audit_format) and writes it; the shared state
 * advances only when the whole line was written. */
static apr_status_t seal_and_write(xn_auditlog *log, apr_pool_t *p,
                                   const char *line, apr_size_t len,
                                   int anchor)
{
    audit_shared *sh = log->shared;
    xn_chain_state next = sh->chain;
    apr_size_t written = 0;
    const char *out = line;
    apr_status_t rv;

    if (log->key && anchor) {
        out = xn_chain_seal_anchor(p, log->key, &next, line, len, &len);
    }
    else if (log->key) {
        out = xn_chain_seal(p, log->key, &next, line, len, &len);
    }
    if (sh->torn && log->kind == SINK_FILE) {
        /* End the line that an earlier failed write left unfinished, so
         * that verify reports it as one bad line. */
        out = apr_pstrcat(p, "\n", out, NULL);
        len++;
    }
    rv = write_raw(log, out, len, &written);
    sh->size += written;
    if (rv != APR_SUCCESS) {
        sh->torn = written > 0;
        sh->failing = 1;
        return rv;
    }
    sh->torn = 0;
    sh->failing = 0;
    sh->chain = next;
    return APR_SUCCESS;
}

static apr_status_t write_anchor(xn_auditlog *log, apr_pool_t *p,
                                 apr_time_t now, const char *reason,
                                 const char *detail)
{
    xn_audit_record rec;
    apr_size_t len = 0;
    const char *line;

    memset(&rec, 0, sizeof(rec));
    rec.time = now;
    rec.event = XN_EVENT_CHAIN_START;
    rec.reason = reason;
    rec.detail = detail;
    rec.status = -1;
    rec.bytes = -1;
    rec.host = log->s->server_hostname;
    line = xn_audit_format(p, &rec, &len);
    return seal_and_write(log, p, line, len, 1);
}

/* Makes this process write to the current file after another process
 * rotated it. */
static apr_status_t follow_rotation(xn_auditlog *log)
{
    apr_pool_t *pool = NULL;
    apr_file_t *file = NULL;
    apr_status_t rv;

    if (log->kind != SINK_FILE || log->generation == log->shared->generation) {
        return APR_SUCCESS;
    }
    rv = apr_pool_create(&pool, log->pool);
    if (rv == APR_SUCCESS) {
        rv = open_file(&file, log->path, pool);
    }
    if (rv != APR_SUCCESS) {
        if (pool) {
            apr_pool_destroy(pool);
        }
        return rv;
    }
    if (log->file_pool) {
        apr_pool_destroy(log->file_pool);
    }
    log->file_pool = pool;
    log->file = file;
    log->generation = log->shared->generation;
    return APR_SUCCESS;
}

/* Renames the current file when the day changed or the next record would
 * pass the size limit, then opens a new one that starts with an anchor.
 * The httpd User needs write access to the directory. */
static void rotate_if_due(xn_auditlog *log, apr_pool_t *p, apr_time_t now,
                          apr_size_t next_len)
{
    audit_shared *sh = log->shared;
    apr_int32_t today;
    const char *suffix = NULL;
    const char *rotated;
    apr_time_exp_t xt;
    apr_status_t rv;

    if (log->kind != SINK_FILE || (!log->conf->audit_rotate_daily
                                   && log->conf->audit_rotate_size <= 0)) {
        return;
    }
    today = local_day(now);
    if (sh->size == 0) {
        sh->day = today;
        return;
    }
    if (log->conf->audit_rotate_daily && sh->day != 0 && sh->day != today) {
        suffix = apr_psprintf(p, "%04d-%02d-%02d", sh->day / 10000,
                              sh->day / 100 % 100, sh->day % 100);
    }
    else if (log->conf->audit_rotate_size > 0
             && sh->size + (apr_off_t)next_len > log->conf->audit_rotate_size) {
        apr_time_exp_lt(&xt, now);
        suffix = apr_psprintf(p, "%04d%02d%02d-%02d%02d%02d.%06d",
                              xt.tm_year + 1900, xt.tm_mon + 1, xt.tm_mday,
                              xt.tm_hour, xt.tm_min, xt.tm_sec, xt.tm_usec);
    }
    if (!suffix) {
        return;
    }

    sh->day = today;
    rotated = apr_pstrcat(p, log->path, ".", suffix, NULL);
    rv = apr_file_rename(log->path, rotated, p);
    if (rv != APR_SUCCESS) {
        /* Retry after the next period; the current file keeps growing. */
        sh->size = 0;
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, log->s, XNLOGNO(1004)
                     "cannot rotate the audit log %s to %s; writing on in "
                     "the current file", log->path, rotated);
        return;
    }
    sh->generation++;
    sh->size = 0;
    if (follow_rotation(log) != APR_SUCCESS) {
        return;
    }
    rv = write_anchor(log, p, now, "rotate",
                      apr_pstrcat(p, "previous file ", rotated, NULL));
    if (rv != APR_SUCCESS) {
        log_write_error(log, rv, XN_EVENT_CHAIN_START, now);
    }
}

static void checkpoint_if_due(xn_auditlog *log, apr_pool_t *p, apr_time_t now)
{
    audit_shared *sh = log->shared;

    if (!log->key || (log->checkpoint_facility < 0 && !log->checkpoint_file)) {
        return;
    }
    sh->since_checkpoint++;
    if (sh->since_checkpoint >= (apr_uint32_t)log->conf->audit_checkpoint_records
        || now - sh->checkpoint_time
           >= apr_time_from_sec(log->conf->audit_checkpoint_seconds)) {
        write_checkpoint(log, p, now);
    }
}

/* Takes the mutex of LOG. The critical section is short (an HMAC and one
 * write), so a writer retries a few times before it sleeps in the kernel,
 * because a sleep and a wake-up per record cost more than the section. */
static apr_status_t lock_log(xn_auditlog *log)
{
    apr_global_mutex_t *mutex = log->retained->mutex;
    apr_status_t rv;
    int i;

    for (i = 0; i < XN_AUDIT_LOCK_SPINS; i++) {
        rv = apr_global_mutex_trylock(mutex);
        if (!APR_STATUS_IS_EBUSY(rv)) {
            return rv;
        }
        if (i % 16 == 15) {
            sched_yield();
        }
    }
    return apr_global_mutex_lock(mutex);
}

/* Returns 1 when a record changes shared state: the chain, the size that
 * rotation watches, or the checkpoint counter. */
static int needs_lock(const xn_auditlog *log)
{
    return log->key || log->checkpoint_facility >= 0 || log->checkpoint_file
           || (log->kind == SINK_FILE
               && (log->conf->audit_rotate_daily
                   || log->conf->audit_rotate_size > 0));
}

/* Writes a record that changes no shared state. One write() of a line
 * shorter than PIPE_BUF, to a file opened with O_APPEND or to a pipe, lands
 * whole between other processes' lines, so no lock is needed. */
static apr_status_t write_unlocked(xn_auditlog *log, const char *line,
                                   apr_size_t len, const char *event,
                                   apr_time_t now)
{
    apr_size_t written = 0;
    apr_status_t rv = write_raw(log, line, len, &written);

    if (rv != APR_SUCCESS) {
        log->shared->failing = 1;
        log_write_error(log, rv, event, now);
    }
    else if (log->shared->failing) {
        log->shared->failing = 0;
    }
    return rv;
}

apr_status_t xn_auditsink_write(xn_auditlog *log, apr_pool_t *p,
                                const xn_audit_record *rec, server_rec *s)
{
    apr_size_t len = 0;
    const char *line = xn_audit_format(p, rec, &len);
    apr_time_t now = apr_time_now();
    apr_status_t rv;

    (void)s;
    if (!needs_lock(log)) {
        return write_unlocked(log, line, len, rec->event, now);
    }
    rv = lock_log(log);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, log->s, XNLOGNO(1005)
                     "cannot lock the audit log %s (%s event lost)",
                     log->target, rec->event);
        log->shared->failing = 1;
        return rv;
    }
    rv = follow_rotation(log);
    if (rv == APR_SUCCESS) {
        rotate_if_due(log, p, now, len + XN_AUDIT_CHAIN_RESERVE);
        rv = seal_and_write(log, p, line, len, 0);
    }
    if (rv == APR_SUCCESS) {
        checkpoint_if_due(log, p, now);
    }
    else {
        log->shared->failing = 1;
        log_write_error(log, rv, rec->event, now);
    }
    apr_global_mutex_unlock(log->retained->mutex);
    return rv;
}

int xn_auditsink_unavailable(xn_auditlog *log)
{
    struct statvfs st;

    if (log->shared->failing) {
        return 1;
    }
    if (log->kind != SINK_FILE || statvfs(log->path, &st) != 0) {
        return 0;
    }
    return (apr_uint64_t)st.f_bavail * st.f_frsize < XN_AUDIT_FREE_MIN;
}

/* ---------------------------------------------------------------------- */
/* Start-up                                                                 */

/* Reads the end of the file and finds its last two complete lines. Sets
 * *TORN when the file does not end in a newline. */
static apr_status_t read_tail(xn_auditlog *log, apr_pool_t *p,
                              const char **prev, const char **last,
                              int *torn)
{
    apr_file_t *f = NULL;
    apr_finfo_t finfo;
    apr_off_t offset;
    apr_size_t len = XN_AUDIT_TAIL_READ;
    char *buf = apr_palloc(p, XN_AUDIT_TAIL_READ + 1);
    char *end;
    char *line;
    apr_status_t rv;

    *prev = *last = NULL;
    *torn = 0;
    rv = apr_file_open(&f, log->path, APR_FOPEN_READ | APR_FOPEN_LARGEFILE,
                       APR_OS_DEFAULT, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_info_get(&finfo, APR_FINFO_SIZE, f);
    }
    if (rv != APR_SUCCESS || finfo.size == 0) {
        log->shared->size = 0;
        return rv;
    }
    log->shared->size = finfo.size;
    offset = finfo.size > XN_AUDIT_TAIL_READ ? finfo.size - XN_AUDIT_TAIL_READ
                                              : 0;
    rv = apr_file_seek(f, APR_SET, &offset);
    if (rv == APR_SUCCESS) {
        rv = apr_file_read_full(f, buf, XN_AUDIT_TAIL_READ, &len);
        rv = (rv == APR_EOF) ? APR_SUCCESS : rv;
    }
    apr_file_close(f);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    buf[len] = '\0';
    *torn = len > 0 && buf[len - 1] != '\n';
    end = *torn ? strrchr(buf, '\n') : buf + len - 1;
    while (end && end > buf) {
        *end = '\0';
        line = strrchr(buf, '\n');
        line = line ? line + 1 : buf;
        if (!*last) {
            *last = line;
        }
        else {
            *prev = line;
            break;
        }
        end = line > buf ? line - 1 : NULL;
    }
    return APR_SUCCESS;
}

/* Continues the chain from the last line of the file on a first start.
 * Returns the reason for an anchor record, or NULL when the chain goes on
 * with the current key. */
static const char *resume_from_file(xn_auditlog *log, apr_pool_t *p,
                                    int *torn)
{
    audit_shared *sh = log->shared;
    const char *prev = NULL;
    const char *last = NULL;
    xn_chain_fields f;
    xn_chain_verifier *v;
    const char *why = NULL;

    xn_chain_state_init(&sh->chain);
    if (read_tail(log, p, &prev, &last, torn) != APR_SUCCESS || !last) {
        return "new_log";
    }
    if (xn_chain_parse(&f, last, strlen(last)) != APR_SUCCESS) {
        /* A log written before the chain existed: the chain starts here. */
        return "new_log";
    }
    sh->chain.seq = f.seq;
    memcpy(sh->chain.chain, f.anchor ? f.prev_chain : f.chain,
           XN_CHAIN_HEX + 1);
    v = xn_chain_verifier_create(p, log->key, 1);
    if (prev) {
        xn_chain_verify_line(v, prev, strlen(prev), 1, &why);
    }
    if (*torn) {
        return "torn_record";
    }
    if (xn_chain_verify_line(v, last, strlen(last), 1, &why) != XN_CHAIN_OK) {
        /* Another key, or a tail that this key cannot confirm. */
        return "key_change";
    }
    return NULL;
}

static apr_status_t attach_shared(xn_auditlog *log, server_rec *s, int *fresh)
{
    const char *name = apr_pstrcat(log->pool, "mod_extranet-audit:",
                                   log->target, NULL);
    apr_pool_t *pproc = s->process->pool;
    apr_status_t rv;

    *fresh = 0;
    log->retained = ap_retained_data_get(name);
    if (!log->retained) {
        log->retained = ap_retained_data_create(name, sizeof(audit_retained));
    }
    if (!log->retained->shm) {
        rv = apr_shm_create(&log->retained->shm, sizeof(audit_shared), NULL,
                            pproc);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        memset(apr_shm_baseaddr_get(log->retained->shm), 0,
               sizeof(audit_shared));
        xn_chain_state_init(
            &((audit_shared *)apr_shm_baseaddr_get(log->retained->shm))->chain);
        *fresh = 1;
    }
    if (!log->retained->mutex) {
        rv = ap_global_mutex_create(&log->retained->mutex, NULL,
                                    XN_AUDIT_MUTEX, NULL, s, pproc, 0);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    log->shared = apr_shm_baseaddr_get(log->retained->shm);
    return APR_SUCCESS;
}

/* Decides whether the chain needs an anchor record now and returns its
 * reason, or NULL. */
static const char *anchor_reason(xn_auditlog *log, apr_pool_t *p, int *torn)
{
    audit_shared *sh = log->shared;
    const char *reason = NULL;
    apr_finfo_t finfo;

    *torn = 0;
    if (log->kind == SINK_FILE && !sh->started) {
        reason = resume_from_file(log, p, torn);
    }
    else if (!sh->started) {
        reason = "new_log";
    }
    else if (log->kind == SINK_FILE) {
        if (apr_stat(&finfo, log->path, APR_FINFO_SIZE, p) == APR_SUCCESS) {
            sh->size = finfo.size;
        }
        /* Moved away by another program (logrotate): a new file. */
        reason = sh->size == 0 ? "new_file" : NULL;
    }
    if (!reason && log->key && strcmp(sh->key_id, log->key->id) != 0
        && sh->started) {
        reason = "key_change";
    }
    return reason;
}

static apr_status_t write_start_records(xn_auditlog *log, apr_pool_t *p)
{
    audit_shared *sh = log->shared;
    apr_time_t now = apr_time_now();
    const char *reason;
    xn_audit_record rec;
    apr_size_t len = 0;
    const char *line;
    int torn = 0;
    apr_status_t rv = APR_SUCCESS;

    reason = anchor_reason(log, p, &torn);
    sh->started = 1;
    sh->day = local_day(now);
    sh->generation++;
    log->generation = sh->generation;
    sh->torn = torn;
    if (reason && log->key) {
        rv = write_anchor(log, p, now, reason,
                          apr_pstrcat(p, "key id ", log->key->id, NULL));
    }
    if (log->key) {
        memcpy(sh->key_id, log->key->id, sizeof(sh->key_id));
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }

    memset(&rec, 0, sizeof(rec));
    rec.time = now;
    rec.event = XN_EVENT_CONFIG_LOAD;
    rec.status = -1;
    rec.bytes = -1;
    rec.host = log->s->server_hostname;
    rec.detail = log->key
        ? apr_psprintf(p, "mod_extranet %s, key id %s", XN_VERSION, log->key->id)
        : apr_psprintf(p, "mod_extranet %s, no key: records are not chained",
                       XN_VERSION);
    line = xn_audit_format(p, &rec, &len);
    rv = seal_and_write(log, p, line, len, 0);
    if (rv == APR_SUCCESS && log->key) {
        write_checkpoint(log, p, now);
    }
    return rv;
}

static apr_status_t check_free_space(xn_auditlog *log)
{
    struct statvfs st;

    if (log->kind != SINK_FILE || statvfs(log->path, &st) != 0) {
        return APR_SUCCESS;
    }
    if ((apr_uint64_t)st.f_bavail * st.f_frsize < XN_AUDIT_FREE_MIN) {
        return APR_ENOSPC;
    }
    return APR_SUCCESS;
}

static int start_log(xn_auditlog *log, void *baton)
{
    server_rec *s = log->s;
    apr_pool_t *ptemp = baton;
    int fresh = 0;
    apr_status_t rv = attach_shared(log, s, &fresh);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, XNLOGNO(1006)
                     "cannot create the shared state of the audit log %s",
                     log->target);
        return !OK;
    }
    rv = check_free_space(log);
    if (rv == APR_SUCCESS) {
        rv = apr_global_mutex_lock(log->retained->mutex);
        if (rv == APR_SUCCESS) {
            rv = write_start_records(log, ptemp);
            apr_global_mutex_unlock(log->retained->mutex);
        }
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, XNLOGNO(1007)
                     "ExtranetAuditLog: cannot write to %s; httpd does not "
                     "start without a working audit log", log->target);
        return !OK;
    }
    if (!log->key) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, XNLOGNO(1008)
                     "the audit log %s has no ExtranetAuditKeyFile: its "
                     "records carry no chain and are not tamper-evident",
                     log->target);
    }
    return OK;
}

int xn_auditsink_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                             server_rec *s)
{
    (void)pconf;
    return each_log(s, ptemp, start_log, ptemp);
}

static int child_init_log(xn_auditlog *log, void *baton)
{
    apr_pool_t *pchild = baton;
    apr_global_mutex_t **mutex = &log->retained->mutex;
    apr_status_t rv;

    rv = apr_global_mutex_child_init(mutex,
                                     apr_global_mutex_lockfile(*mutex), pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, log->s, XNLOGNO(1009)
                     "cannot attach to the mutex of the audit log %s",
                     log->target);
    }
    return OK;
}

void xn_auditsink_child_init(apr_pool_t *pchild, server_rec *s)
{
    each_log(s, pchild, child_init_log, pchild);
}
