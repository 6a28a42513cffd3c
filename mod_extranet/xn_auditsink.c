/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/statvfs.h>
#include <syslog.h>
#include <paths.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <apr_strings.h>
#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_file_io.h>
#include <apr_global_mutex.h>
#include <apr_shm.h>
#include <apr_portable.h>
#include <apr_signal.h>
#include <apr_thread_proc.h>

#include <ap_listen.h>

#include <http_core.h>
#include <http_main.h>
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
#define XN_AUDIT_BATCH       256           /* records per write */
#define XN_AUDIT_READ_SIZE   (64 * 1024)   /* the writer's input buffer */
#define XN_AUDIT_PIPE_SIZE   (1024 * 1024) /* the pipe, where Linux allows */
#define XN_AUDIT_SEND_WAIT   apr_time_from_sec(5)
#define XN_AUDIT_STOP_WAIT   apr_time_from_sec(10)
#define XN_AUDIT_GATHER      apr_time_from_msec(2)
#define XN_AUDIT_SPACE_CHECK_MS 10
/* Every line of xn_audit_format starts with this. */
#define XN_AUDIT_RECORD_START "{\"time\":\""

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
    volatile apr_uint32_t input_failing; /* a child could not send */
    apr_uint32_t torn;               /* a write stopped inside a line */
    apr_uint32_t writing;            /* a writer is inside a file write */
    volatile apr_uint32_t space_low; /* the writer found < 64 KiB free */
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
    piped_log *program;              /* SINK_PIPE: the program */
    apr_pool_t *pool;                /* pconf */
    apr_pool_t *file_pool;           /* per process, after a reopen */
    apr_uint64_t generation;         /* per process: generation of file */
    const xn_server_config *conf;    /* settings of the first host */
    xn_chain_key *key;
    const char *checkpoint_path;
    apr_file_t *checkpoint_file;
    int checkpoint_facility;         /* -1 without a syslog checkpoint */
    audit_retained *retained;
    audit_shared *shared;
    apr_file_t *pipe_in;             /* read end: the writer's input */
    apr_file_t *pipe_out;            /* write end: the children's output */
    struct audit_writer *writer;     /* the running writer, parent only */
    apr_proc_t writer_pid;           /* the last writer started */
    const char *lost_writer;         /* set while replacing a dead writer */
    apr_uint32_t input_error_logged; /* per process: second of last error */
    apr_uint32_t space_checked;      /* per process: msec of last statvfs */
    apr_uint32_t space_low;          /* per process: the result of that check */
    server_rec *s;
};

/* One line of the writer's input, without its chain fields. */
typedef struct audit_line {
    const char *data;
    apr_size_t len;
} audit_line;

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

/* Starts the program of a piped sink once, in the process pool, and finds
 * it again after a restart. A pconf one would end at a graceful restart
 * while the old writer still writes the old children's records to it.
 * NOTE: a program that the configuration no longer names runs on until
 * httpd stops. */
static piped_log *open_program(const char *target)
{
    const char *name = apr_pstrcat(ap_pglobal, "mod_extranet-audit-program:",
                                   target, NULL);
    piped_log **pl = ap_retained_data_get(name);

    if (!pl) {
        pl = ap_retained_data_create(name, sizeof(*pl));
    }
    if (!*pl) {
        *pl = ap_open_piped_log(ap_pglobal, target + 1);
    }
    return *pl;
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
        piped_log *pl = open_program(log->target);

        if (!pl) {
            *err = "cannot start the program";
            return APR_EGENERAL;
        }
        log->kind = SINK_PIPE;
        log->program = pl;
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

/* Finds a sink already opened on the same file as LOG under another
 * spelling ("dir/./audit.log", a link), by device and inode. Then sets
 * *FOUND to it, closes LOG's handle, and returns APR_EEXIST; otherwise
 * records LOG and returns APR_SUCCESS. Two sinks on one file would mix two
 * chains in it. */
static apr_status_t same_file_as(apr_hash_t *opened, xn_auditlog *log,
                                 apr_pool_t *ptemp, xn_auditlog **found)
{
    apr_finfo_t finfo;
    const char *id;
    xn_auditlog *other;

    if (log->kind != SINK_FILE
        || apr_file_info_get(&finfo, APR_FINFO_IDENT, log->file)
           != APR_SUCCESS) {
        return APR_SUCCESS;
    }
    id = apr_psprintf(ptemp, "file:%lu:%lu", (unsigned long)finfo.device,
                      (unsigned long)finfo.inode);
    other = apr_hash_get(opened, id, APR_HASH_KEY_STRING);
    if (!other) {
        apr_hash_set(opened, id, APR_HASH_KEY_STRING, log);
        return APR_SUCCESS;
    }
    apr_file_close(log->file);
    *found = other;
    apr_hash_set(opened, log->target, APR_HASH_KEY_STRING, other);
    return APR_EEXIST;
}

int xn_auditsink_open(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *opened = apr_hash_make(ptemp);
    server_rec *vs;

    for (vs = s; vs; vs = vs->next) {
        xn_server_config *conf = xn_config_server(vs);
        xn_auditlog *log;
        xn_auditlog *other = NULL;
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
            if (same_file_as(opened, log, ptemp, &other) != APR_SUCCESS) {
                if (strcmp(other->key ? other->key->id : "",
                           log->key ? log->key->id : "") != 0) {
                    ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, XNLOGNO(0601)
                                 "ExtranetAuditLog: \"%s\" is the file of "
                                 "\"%s\" with another ExtranetAuditKeyFile; "
                                 "hosts that share an audit log share its key",
                                 conf->audit_log, other->target);
                    return !OK;
                }
                conf->audit = other;
                continue;
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

/* Counts LOST records and logs at most one line per second with the count
 * since start-up. */
static void log_write_error(xn_auditlog *log, apr_status_t rv, int lost,
                            apr_time_t now)
{
    audit_shared *sh = log->shared;

    sh->errors += lost;
    if (now - sh->error_logged >= apr_time_from_sec(1)) {
        sh->error_logged = now;
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, log->s, XNLOGNO(0602)
                     "cannot write to the audit log %s (%d records lost, %"
                     APR_UINT64_T_FMT " since start-up)",
                     log->target, lost, sh->errors);
    }
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

/* Returns 1 when a syslog daemon accepts datagrams on _PATH_LOG. */
static int syslog_reachable(void)
{
    struct sockaddr_un addr;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int ok;

    if (fd < 0) {
        return 0;
    }
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    apr_cpystrn(addr.sun_path, _PATH_LOG, sizeof(addr.sun_path));
    ok = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
    close(fd);
    return ok;
}

/* Records in shared memory whether the file system of LOG's file has less
 * than XN_AUDIT_FREE_MIN free, for children that cannot look themselves.
 * Runs in the writer, which has the file open. */
static void measure_space(xn_auditlog *log)
{
    struct statvfs st;
    apr_os_file_t fd;

    if (apr_os_file_get(&fd, log->file) == APR_SUCCESS
        && fstatvfs(fd, &st) == 0) {
        log->shared->space_low = (apr_uint64_t)st.f_bavail * st.f_frsize
                                 < XN_AUDIT_FREE_MIN;
    }
}

/* Seals LINES[0..N-1] in order (the first as an anchor record when ANCHOR
 * is set) and writes them with one system call. The shared chain advances
 * over the records that were written whole, whose number goes to *WHOLE.
 * Runs under the mutex. */
static apr_status_t seal_and_write(xn_auditlog *log, apr_pool_t *p,
                                   const audit_line *lines, int n, int anchor,
                                   int *whole)
{
    audit_shared *sh = log->shared;
    struct iovec vec[XN_AUDIT_BATCH + 1];
    xn_chain_state after[XN_AUDIT_BATCH];
    apr_size_t end[XN_AUDIT_BATCH];
    xn_chain_state next = sh->chain;
    apr_size_t total = 0;
    apr_size_t written = 0;
    apr_size_t boundary = 0;
    apr_status_t rv = APR_SUCCESS;
    int nvec = 0;
    int reachable = log->kind == SINK_SYSLOG && syslog_reachable();
    int i;

    if (sh->torn && log->kind == SINK_FILE) {
        /* End the line that an earlier failed write left unfinished, so
         * that verify reports it as one bad line. */
        vec[nvec].iov_base = (char *)"\n";
        vec[nvec++].iov_len = 1;
        total = boundary = 1;
    }
    for (i = 0; i < n; i++) {
        const char *out = lines[i].data;
        apr_size_t len = lines[i].len;

        if (log->key && anchor && i == 0) {
            out = xn_chain_seal_anchor(p, log->key, &next, out, len, &len);
        }
        else if (log->key) {
            out = xn_chain_seal(p, log->key, &next, out, len, &len);
        }
        if (log->kind == SINK_SYSLOG && reachable) {
            syslog(log->facility | LOG_INFO, "%.*s", (int)(len - 1), out);
        }
        vec[nvec].iov_base = (char *)out;
        vec[nvec++].iov_len = len;
        total += len;
        end[i] = total;
        after[i] = next;
    }
    if (log->kind == SINK_SYSLOG) {
        /* syslog(3) drops messages silently when no daemon listens. */
        if (reachable) {
            written = total;
        }
        else {
            rv = APR_ECONNREFUSED;
        }
    }
    else {
        /* One buffer and apr_file_write_full, which counts the bytes that
         * reached the file exactly, also when a write stops short. */
        char *buf = apr_pstrcatv(p, vec, nvec, NULL);

        /* A writer killed inside the write leaves "writing" set for the
         * next one, which then reads the chain state from the file. */
        sh->writing = 1;
        rv = apr_file_write_full(log->file, buf, total, &written);
        sh->writing = 0;
        measure_space(log);
    }
    sh->size += written;
    for (i = 0; i < n && end[i] <= written; i++) {
        sh->chain = after[i];
        boundary = end[i];
    }
    *whole = i;
    /* A write that stopped inside a line leaves it unfinished. */
    if (written > 0) {
        sh->torn = written > boundary;
    }
    sh->failing = rv != APR_SUCCESS;
    return rv;
}

/* Writes one record under the mutex, outside any batch. */
static apr_status_t write_one(xn_auditlog *log, apr_pool_t *p,
                              const char *data, apr_size_t len, int anchor)
{
    audit_line line;
    int whole = 0;

    line.data = data;
    line.len = len;
    return seal_and_write(log, p, &line, 1, anchor, &whole);
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
    return write_one(log, p, line, len, 1);
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
 * Runs in the writer, as root. */
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
        log_write_error(log, rv, 1, now);
    }
}

/* Counts RECORDS just written and writes a checkpoint when enough records or
 * time have passed since the last one. */
static void checkpoint_if_due(xn_auditlog *log, apr_pool_t *p, apr_time_t now,
                              int records)
{
    audit_shared *sh = log->shared;

    if (!log->key || (log->checkpoint_facility < 0 && !log->checkpoint_file)) {
        return;
    }
    sh->since_checkpoint += records;
    if (sh->since_checkpoint >= (apr_uint32_t)log->conf->audit_checkpoint_records
        || now - sh->checkpoint_time
           >= apr_time_from_sec(log->conf->audit_checkpoint_seconds)) {
        write_checkpoint(log, p, now);
    }
}

/* Returns how many of N records can be written before the next checkpoint
 * is due: N when LOG has no checkpoints. */
static int records_before_checkpoint(const xn_auditlog *log, int n)
{
    apr_uint32_t every = (apr_uint32_t)log->conf->audit_checkpoint_records;
    apr_uint32_t since = log->shared->since_checkpoint;

    if (!log->key || (log->checkpoint_facility < 0 && !log->checkpoint_file)
        || since >= every || every - since >= (apr_uint32_t)n) {
        return n;
    }
    return (int)(every - since);
}

/* Takes the mutex of LOG. The critical section is short (the HMACs and one
 * write of a batch), so a writer retries a few times before it sleeps in
 * the kernel, because a sleep and a wake-up cost more than the section. */
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

/* Writes a batch of records under the mutex of LOG. Runs in the writer. */
static void write_batch(xn_auditlog *log, apr_pool_t *p,
                        const audit_line *lines, int n)
{
    apr_time_t now = apr_time_now();
    apr_status_t rv;
    int done = 0;

    if ((log->kind == SINK_FILE && !log->file)
        || (log->key && !log->key->inner)) {
        /* A writer whose files or key could not be opened again. */
        log->shared->failing = 1;
        log_write_error(log, APR_EBADF, n, now);
        return;
    }
    rv = lock_log(log);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, log->s, XNLOGNO(1005)
                     "cannot lock the audit log %s (%d records lost)",
                     log->target, n);
        log->shared->failing = 1;
        return;
    }
    /* After a graceful restart with a new key, the old and the new writer
     * both write for a while: each switch of key gets its anchor. */
    rv = follow_rotation(log);
    if (rv == APR_SUCCESS && log->key
        && strcmp(log->shared->key_id, log->key->id) != 0) {
        rv = write_anchor(log, p, now, "key_change",
                          apr_pstrcat(p, "key id ", log->key->id, NULL));
        memcpy(log->shared->key_id, log->key->id, sizeof(log->shared->key_id));
    }
    /* Each write ends where a checkpoint is due, so that checkpoints fall
     * every ExtranetAuditCheckpoint records exactly. */
    while (rv == APR_SUCCESS && done < n) {
        int k = records_before_checkpoint(log, n - done);
        apr_size_t bytes = 0;
        int whole = 0;
        int i;

        for (i = done; i < done + k; i++) {
            bytes += lines[i].len + XN_AUDIT_CHAIN_RESERVE;
        }
        rv = follow_rotation(log);
        if (rv == APR_SUCCESS) {
            rotate_if_due(log, p, now, bytes);
            rv = seal_and_write(log, p, lines + done, k, 0, &whole);
        }
        checkpoint_if_due(log, p, now, whole);
        done += whole;
    }
    if (rv != APR_SUCCESS) {
        log->shared->failing = 1;
        log_write_error(log, rv, n - done, now);
    }
    apr_global_mutex_unlock(log->retained->mutex);
}

/* Writes the complete lines at the start of BUF in batches and returns the
 * number of bytes they took. Runs in the writer. */
static apr_size_t write_lines(xn_auditlog *log, apr_pool_t *p, char *buf,
                              apr_size_t len)
{
    audit_line lines[XN_AUDIT_BATCH];
    apr_size_t used = 0;
    char *nl;
    int n = 0;

    while ((nl = memchr(buf + used, '\n', len - used)) != NULL) {
        apr_size_t line_len = (apr_size_t)(nl + 1 - (buf + used));

        if (line_len < sizeof(XN_AUDIT_RECORD_START)
            || memcmp(buf + used, XN_AUDIT_RECORD_START,
                      sizeof(XN_AUDIT_RECORD_START) - 1) != 0) {
            /* The rest of a record whose start a killed writer had read:
             * inside a record the start cannot occur unescaped. */
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, log->s, XNLOGNO(1018)
                         "the writer of the audit log %s dropped %"
                         APR_SIZE_T_FMT " bytes of a record whose start "
                         "was lost with an earlier writer", log->target,
                         line_len);
            used += line_len;
            continue;
        }
        lines[n].data = buf + used;
        lines[n].len = line_len;
        used += lines[n++].len;
        if (n == XN_AUDIT_BATCH) {
            write_batch(log, p, lines, n);
            apr_pool_clear(p);
            n = 0;
        }
    }
    if (n > 0) {
        write_batch(log, p, lines, n);
        apr_pool_clear(p);
    }
    return used;
}

/* The loop of the writer process: reads the records that the children send
 * through the pipe, seals and writes them, and ends when every child and
 * the parent have closed the pipe. Each read takes whatever has arrived, so
 * a record that comes after a quiet moment is written at once. */
static void writer_loop(xn_auditlog *log, apr_pool_t *pool)
{
    char *buf = apr_palloc(pool, XN_AUDIT_READ_SIZE);
    apr_pool_t *p = NULL;
    apr_size_t have = 0;

    apr_pool_create(&p, pool);
    /* An idle writer still measures the free space every
     * XN_AUDIT_SPACE_CHECK_MS, for children that cannot. */
    apr_file_pipe_timeout_set(log->pipe_in,
                              apr_time_from_msec(XN_AUDIT_SPACE_CHECK_MS));
    for (;;) {
        apr_size_t n = XN_AUDIT_READ_SIZE - have;
        apr_size_t used;
        apr_status_t rv = apr_file_read(log->pipe_in, buf + have, &n);

        if (APR_STATUS_IS_TIMEUP(rv) || APR_STATUS_IS_EAGAIN(rv)) {
            if (log->kind == SINK_FILE) {
                measure_space(log);
            }
            continue;
        }
        if (rv != APR_SUCCESS) {
            break;
        }
        have += n;
        used = write_lines(log, p, buf, have);
        memmove(buf, buf + used, have - used);
        have -= used;
        /* Let records gather in the pipe. A busy server then costs a few
         * hundred wake-ups and writes per second instead of one per record,
         * and waiting records stay in the kernel, safe from a crash. */
        apr_sleep(XN_AUDIT_GATHER);
    }
    if (have > 0) {
        /* Records arrive whole (one write of at most PIPE_BUF bytes), so
         * this is a child that wrote past the record format. */
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, log->s, XNLOGNO(1012)
                     "the audit writer of %s dropped %" APR_SIZE_T_FMT
                     " bytes without a line end at the end of its input",
                     log->target, have);
    }
}

apr_status_t xn_auditsink_write(xn_auditlog *log, apr_pool_t *p,
                                const xn_audit_record *rec, server_rec *s)
{
    audit_shared *sh = log->shared;
    apr_size_t len = 0;
    apr_size_t written = 0;
    const char *line = xn_audit_format(p, rec, &len);
    apr_uint32_t second;
    apr_status_t rv;

    /* One write of at most PIPE_BUF bytes reaches the pipe whole, between
     * the records of other threads and processes. */
    rv = apr_file_write_full(log->pipe_out, line, len, &written);
    if (rv == APR_SUCCESS) {
        if (sh->input_failing) {
            sh->input_failing = 0;
        }
        return APR_SUCCESS;
    }
    sh->input_failing = 1;
    /* At most one line per second and process. */
    second = (apr_uint32_t)apr_time_sec(apr_time_now());
    if (apr_atomic_xchg32(&log->input_error_logged, second) != second) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, XNLOGNO(1013)
                     "cannot pass the %s record to the writer of the audit "
                     "log %s", rec->event, log->target);
    }
    return rv;
}

int xn_auditsink_unavailable(xn_auditlog *log)
{
    struct statvfs st;
    apr_uint32_t now_ms;

    if (log->shared->failing || log->shared->input_failing) {
        return 1;
    }
    if (log->kind != SINK_FILE) {
        return 0;
    }
    /* One statvfs per process every XN_AUDIT_SPACE_CHECK_MS, not one per
     * request. The threads in between use its result. */
    now_ms = (apr_uint32_t)apr_time_as_msec(apr_time_now());
    if (now_ms - apr_atomic_read32(&log->space_checked)
        >= XN_AUDIT_SPACE_CHECK_MS) {
        apr_atomic_set32(&log->space_checked, now_ms);
        /* A child that cannot reach the log's directory (root only, as
         * /var/log/apache2 on Debian) uses what the writer measured. */
        apr_atomic_set32(&log->space_low,
                         statvfs(log->path, &st) == 0
                         ? (apr_uint64_t)st.f_bavail * st.f_frsize
                           < XN_AUDIT_FREE_MIN
                         : log->shared->space_low);
    }
    return apr_atomic_read32(&log->space_low) != 0;
}

/* ---------------------------------------------------------------------- */
/* The writer process                                                       */

/* The parent's record of a writer process. Its pool lives in the process
 * pool, so that httpd still finds the process after a graceful restart and
 * reaps its exit quietly. LOG is valid only while CURRENT is set. */
typedef struct audit_writer {
    apr_pool_t *pool;
    apr_proc_t proc;
    xn_auditlog *log;
    int current;
} audit_writer;

static apr_status_t start_writer(xn_auditlog *log);
static apr_status_t read_tail(xn_auditlog *log, apr_pool_t *p,
                              const char **prev, const char **last,
                              int *torn);

/* Closes the write end of LOG's pipe in a writer. A log whose pipe does not
 * exist yet (it is made after this writer) has none. */
static int close_input(xn_auditlog *log, void *baton)
{
    (void)baton;
    if (log->pipe_out) {
        apr_file_close(log->pipe_out);
        log->pipe_out = NULL;
    }
    /* Without the read end of a piped sink's program, a write to a program
     * that has ended fails at once instead of filling the pipe. */
    if (log->program && ap_piped_log_read_fd(log->program)) {
        apr_file_close(ap_piped_log_read_fd(log->program));
    }
    return OK;
}

/* Takes the chain state from the end of the file when an earlier writer
 * was killed inside a write: the shared state then lags behind the file,
 * and the next record would repeat a seq. */
static void resync_after_crash(xn_auditlog *log, apr_pool_t *p)
{
    audit_shared *sh = log->shared;
    const char *prev = NULL;
    const char *last = NULL;
    xn_chain_fields f;
    int torn = 0;

    if (log->kind != SINK_FILE || lock_log(log) != APR_SUCCESS) {
        return;
    }
    if (sh->writing) {
        if (read_tail(log, p, &prev, &last, &torn) == APR_SUCCESS && last
            && xn_chain_parse(&f, last, strlen(last)) == APR_SUCCESS) {
            sh->chain.seq = f.seq;
            memcpy(sh->chain.chain, f.anchor ? f.prev_chain : f.chain,
                   XN_CHAIN_HEX + 1);
        }
        sh->torn = torn;
        sh->writing = 0;
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, log->s, XNLOGNO(1019)
                     "the audit log %s continues after seq %" APR_UINT64_T_FMT
                     " from its last complete line%s", log->target,
                     sh->chain.seq, torn ? "; the line after it is torn" : "");
    }
    apr_global_mutex_unlock(log->retained->mutex);
}

/* Opens the files and reads the key that the parent dropped after it
 * started the first writer. Runs in a writer that replaces a dead one. */
static apr_status_t reopen_dropped(xn_auditlog *log, apr_pool_t *p)
{
    const char *err = NULL;
    apr_status_t rv = APR_SUCCESS;

    if (log->kind == SINK_FILE && !log->file) {
        rv = open_file(&log->file, log->path, p);
    }
    if (rv == APR_SUCCESS && log->checkpoint_path && !log->checkpoint_file) {
        rv = open_file(&log->checkpoint_file, log->checkpoint_path, p);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, log->s, XNLOGNO(1020)
                     "the writer of the audit log %s cannot open its files",
                     log->target);
        return rv;
    }
    if (log->key && !log->key->inner) {
        rv = xn_auditconf_read_key(log->key, &err, p, ap_server_root_relative(
                                   p, log->conf->audit_key_file));
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, log->s, XNLOGNO(1021)
                         "the writer of the audit log %s cannot read its key: "
                         "%s", log->target, err);
        }
    }
    return rv;
}

/* Writes the writer_lost record, which marks for auditors where records
 * may be missing. */
static void record_lost_writer(xn_auditlog *log, apr_pool_t *p)
{
    xn_audit_record rec;
    audit_line line;

    memset(&rec, 0, sizeof(rec));
    rec.time = apr_time_now();
    rec.event = XN_EVENT_WRITER_LOST;
    rec.detail = log->lost_writer;
    rec.status = -1;
    rec.bytes = -1;
    rec.host = log->s->server_hostname;
    line.data = xn_audit_format(p, &rec, &line.len);
    write_batch(log, p, &line, 1);
}

/* Runs in the new writer process and never returns. It keeps no write end
 * of any sink's pipe, so its input ends when the parent and the children
 * have closed theirs, and it ignores the signals that stop or restart
 * httpd: records still in the pipe are written before it ends. */
static void run_writer(xn_auditlog *log)
{
    static const int ignored[] = { SIGHUP, SIGINT, SIGTERM, SIGUSR1,
                                   SIGWINCH, SIGPIPE };
    apr_pool_t *pool = NULL;
    apr_global_mutex_t **mutex = &log->retained->mutex;
    apr_status_t rv;
    apr_size_t i;

    for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
        apr_signal(ignored[i], SIG_IGN);
    }
    ap_close_listeners();
    apr_pool_create(&pool, log->s->process->pool);
    each_log(log->s, pool, close_input, NULL);
    rv = apr_global_mutex_child_init(mutex, apr_global_mutex_lockfile(*mutex),
                                     pool);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, log->s, XNLOGNO(1009)
                     "cannot attach to the mutex of the audit log %s",
                     log->target);
        _exit(1);
    }
    if (reopen_dropped(log, pool) != APR_SUCCESS) {
        /* Fail closed: records are lost and counted, and deny refuses
         * audited requests, until a restart fixes the files. */
        log->shared->failing = 1;
    }
    resync_after_crash(log, pool);
    if (log->lost_writer) {
        record_lost_writer(log, pool);
    }
    writer_loop(log, pool);
    /* _exit: the parent's pool cleanups (its pid file) are not ours. */
    _exit(0);
}

/* Called by httpd when a writer process ends. A writer of the running
 * configuration is replaced at once; its pipe kept the records sent in the
 * meantime. */
static void writer_maintenance(int reason, void *data, int status)
{
    audit_writer *w = data;
    xn_auditlog *log = w->current ? w->log : NULL;

    if (reason == APR_OC_REASON_UNREGISTER) {
        if (log && log->writer == w) {
            log->writer = NULL;
        }
        return;
    }
    if (reason != APR_OC_REASON_DEATH && reason != APR_OC_REASON_LOST) {
        return;
    }
    apr_proc_other_child_unregister(w);
    if (log) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, log->s, XNLOGNO(1014)
                     "the writer of the audit log %s (pid %" APR_PID_T_FMT
                     ") ended with status %d; starting a new one",
                     log->target, w->proc.pid, status);
        log->lost_writer = apr_psprintf(w->pool, "pid %" APR_PID_T_FMT
                                        ", status %d", w->proc.pid, status);
        start_writer(log);
        log->lost_writer = NULL;
    }
    apr_pool_destroy(w->pool);
}

/* Forks the writer of LOG. Runs in the parent. */
static apr_status_t start_writer(xn_auditlog *log)
{
    apr_pool_t *pool = NULL;
    audit_writer *w;
    apr_status_t rv = apr_pool_create(&pool, log->s->process->pool);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    w = apr_pcalloc(pool, sizeof(*w));
    w->pool = pool;
    w->log = log;
    w->current = 1;
    rv = apr_proc_fork(&w->proc, pool);
    if (rv == APR_INCHILD) {
        run_writer(log);
    }
    if (rv != APR_INPARENT) {
        apr_pool_destroy(pool);
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, log->s, XNLOGNO(1015)
                     "cannot start the writer of the audit log %s",
                     log->target);
        return rv;
    }
    apr_proc_other_child_register(&w->proc, writer_maintenance, w, NULL,
                                  pool);
    log->writer = w;
    log->writer_pid = w->proc;
    return APR_SUCCESS;
}

/* Closes the parent's ends of the pipe of LOG. When httpd stops, the
 * children have ended by now, so the writer reads the end of its input.
 * httpd waits for it, so every record is on disk once httpd has stopped.
 * After a graceful restart the writer goes on until the old children have
 * ended. */
static apr_status_t stop_writer(void *data)
{
    xn_auditlog *log = data;
    apr_time_t deadline = apr_time_now() + XN_AUDIT_STOP_WAIT;
    apr_exit_why_e why;
    int code;

    apr_file_close(log->pipe_out);
    apr_file_close(log->pipe_in);
    if (log->writer) {
        log->writer->current = 0;
        log->writer = NULL;
    }
    if (!log->writer_pid.pid
        || ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_EXITING) {
        return APR_SUCCESS;
    }
    while (apr_proc_wait(&log->writer_pid, &code, &why, APR_NOWAIT)
           == APR_CHILD_NOTDONE) {
        if (apr_time_now() > deadline) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, log->s, XNLOGNO(1016)
                         "the writer of the audit log %s (pid %" APR_PID_T_FMT
                         ") is still writing; httpd stops without it",
                         log->target, log->writer_pid.pid);
            break;
        }
        apr_sleep(apr_time_from_msec(10));
    }
    return APR_SUCCESS;
}

/* Creates the pipe from the children to the writer and starts the writer.
 * A child's write waits at most XN_AUDIT_SEND_WAIT for room in the pipe. */
static apr_status_t open_writer(xn_auditlog *log, apr_pool_t *pconf)
{
    apr_os_file_t in;
    apr_os_file_t out;
    apr_status_t rv;

    rv = apr_file_pipe_create_ex(&log->pipe_in, &log->pipe_out,
                                 APR_READ_BLOCK, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, log->s, XNLOGNO(1017)
                     "cannot create the pipe of the audit log %s",
                     log->target);
        return rv;
    }
    apr_file_pipe_timeout_set(log->pipe_out, XN_AUDIT_SEND_WAIT);
    /* A program that a child runs (a CGI script) must not keep the write
     * end open, or the writer would not see the end of its input. */
    apr_os_file_get(&in, log->pipe_in);
    apr_os_file_get(&out, log->pipe_out);
    fcntl(in, F_SETFD, fcntl(in, F_GETFD) | FD_CLOEXEC);
    fcntl(out, F_SETFD, fcntl(out, F_GETFD) | FD_CLOEXEC);
#ifdef F_SETPIPE_SZ
    /* A larger pipe absorbs bursts; the default of 64 KiB also works. */
    (void)fcntl(out, F_SETPIPE_SZ, XN_AUDIT_PIPE_SIZE);
#endif
    apr_pool_cleanup_register(pconf, log, stop_writer, apr_pool_cleanup_null);
    return start_writer(log);
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
        /* Closed now, not with the pool: processes forked later in
         * post_config (the writer, mod_cgid's daemon) must not inherit it. */
        if (f) {
            apr_file_close(f);
        }
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
    rv = write_one(log, p, line, len, 0);
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

/* Leaves the log file, the checkpoint file and the key to the writer: the
 * parent and every process forked from it later (children, mod_cgid's
 * daemon) hold none of them. A writer that replaces a dead one opens and
 * reads them again. */
static void drop_secrets(xn_auditlog *log)
{
    if (log->kind == SINK_FILE && log->file) {
        apr_file_close(log->file);
        log->file = NULL;
    }
    if (log->checkpoint_file) {
        apr_file_close(log->checkpoint_file);
        log->checkpoint_file = NULL;
    }
    if (log->key) {
        xn_chain_key_forget(log->key);
    }
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
                     "the audit log %s has ExtranetAuditKeyFile none: its "
                     "records carry no chain and are not tamper-evident",
                     log->target);
    }
    if (open_writer(log, log->pool) != APR_SUCCESS) {
        return !OK;
    }
    drop_secrets(log);
    return OK;
}

int xn_auditsink_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                             server_rec *s)
{
    (void)pconf;
    return each_log(s, ptemp, start_log, ptemp);
}

/* A child only sends records. It keeps neither the key nor a handle on the
 * log or its checkpoints, so a child taken over through a request can add
 * records but cannot change or remove written ones, nor seal a forged
 * chain. */
static int child_init_log(xn_auditlog *log, void *baton)
{
    (void)baton;
    apr_file_close(log->pipe_in);
    if (log->file) {
        apr_file_close(log->file);
        log->file = NULL;
    }
    if (log->checkpoint_file) {
        apr_file_close(log->checkpoint_file);
        log->checkpoint_file = NULL;
    }
    if (log->key) {
        xn_chain_key_forget(log->key);
    }
    return OK;
}

void xn_auditsink_child_init(apr_pool_t *pchild, server_rec *s)
{
    each_log(s, pchild, child_init_log, pchild);
}
