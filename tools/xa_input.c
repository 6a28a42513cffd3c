/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "xa_input.h"

/* Bytes requested from zlib per gzread call, and the size of zlib's own
 * input buffer. */
#define XA_CHUNK 65536

struct xa_input {
    apr_pool_t *pool;
    gzFile gz;
    const char *name;                /* for messages */
    char *chunk;
    apr_size_t pos;
    apr_size_t end;
    char *line;                      /* XA_LINE_MAX + 1 bytes */
    long number;
};

static apr_status_t close_gz(void *data)
{
    xa_input *in = data;

    if (in->gz) {
        gzclose(in->gz);
        in->gz = NULL;
    }
    return APR_SUCCESS;
}

static int has_gz_suffix(const char *path)
{
    apr_size_t len = strlen(path);

    return len > 3 && !strcmp(path + len - 3, ".gz");
}

/* Returns 1 when the file FD starts with the gzip magic bytes. zlib reads
 * a file without them as plain text, which for a .gz file whose header
 * was damaged would hand binary data on as log lines. */
static int starts_as_gzip(int fd)
{
    unsigned char magic[2];

    return pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic)
           && magic[0] == 0x1f && magic[1] == 0x8b;
}

xa_input *xa_input_open(apr_pool_t *p, const char *path)
{
    xa_input *in = apr_pcalloc(p, sizeof(*in));
    int from_stdin = !strcmp(path, "-");
    int fd;

    in->pool = p;
    in->name = from_stdin ? "standard input" : path;
    /* gzclose closes the descriptor, so standard input is read through a
     * copy of it. */
    fd = from_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "extranet-audit: cannot open %s: %s\n", in->name,
                strerror(errno));
        return NULL;
    }
    if (!from_stdin && has_gz_suffix(path) && !starts_as_gzip(fd)) {
        fprintf(stderr, "extranet-audit: cannot read %s: not a readable "
                "gzip file (no gzip header); test it with gzip -t\n", path);
        close(fd);
        return NULL;
    }
    in->gz = gzdopen(fd, "rb");
    if (!in->gz) {
        fprintf(stderr, "extranet-audit: cannot read %s: out of memory\n",
                in->name);
        close(fd);
        return NULL;
    }
    apr_pool_cleanup_register(p, in, close_gz, apr_pool_cleanup_null);
    gzbuffer(in->gz, XA_CHUNK);
    in->chunk = apr_palloc(p, XA_CHUNK);
    in->line = apr_palloc(p, XA_LINE_MAX + 1);
    return in;
}

/* Prints why zlib stopped reading IN. */
static void print_read_error(const xa_input *in, int errnum,
                             const char *message)
{
    if (errnum == Z_ERRNO) {
        fprintf(stderr, "extranet-audit: cannot read %s: %s\n", in->name,
                strerror(errno));
    }
    else if (errnum == Z_MEM_ERROR) {
        fprintf(stderr, "extranet-audit: cannot read %s: out of memory\n",
                in->name);
    }
    else {
        /* Z_DATA_ERROR means invalid compressed data or a CRC mismatch,
         * Z_BUF_ERROR compressed data that ends early. zlib starts the
         * message with the name gzdopen gave the file, "<fd:3>: ". */
        const char *name_end = strstr(message, ": ");

        if (name_end) {
            message = name_end + 2;
        }
        fprintf(stderr, "extranet-audit: cannot read %s: not a readable "
                "gzip file (%s); test it with gzip -t\n", in->name,
                errnum == Z_BUF_ERROR ? "unexpected end of file" : message);
    }
}

/* Reads the next chunk. Returns 1 when there is data, 0 at the end, or -1
 * on error. */
static int fill_chunk(xa_input *in)
{
    int n = gzread(in->gz, in->chunk, XA_CHUNK);
    const char *message;
    int errnum;

    if (n > 0) {
        in->pos = 0;
        in->end = (apr_size_t)n;
        return 1;
    }
    /* zlib reports a truncated gzip stream as Z_BUF_ERROR at the end of
     * the input, with a return value of 0, not -1. */
    message = gzerror(in->gz, &errnum);
    if (n == 0 && errnum == Z_OK) {
        return 0;
    }
    print_read_error(in, errnum, message);
    return -1;
}

int xa_input_read(xa_input *in, xa_line *line)
{
    apr_size_t len = 0;
    int too_long = 0;
    int complete = 0;
    int rc;

    while (!complete) {
        const char *start;
        const char *newline;
        apr_size_t n;

        if (in->pos == in->end) {
            rc = fill_chunk(in);
            if (rc < 0) {
                return -1;
            }
            if (rc == 0) {
                break;
            }
        }
        start = in->chunk + in->pos;
        newline = memchr(start, '\n', in->end - in->pos);
        n = newline ? (apr_size_t)(newline - start) : in->end - in->pos;
        if (n > XA_LINE_MAX - len) {
            /* The rest of an overlong line is skipped up to its newline. */
            too_long = 1;
        }
        memcpy(in->line + len, start, too_long ? XA_LINE_MAX - len : n);
        len = too_long ? XA_LINE_MAX : len + n;
        in->pos += n;
        if (newline) {
            in->pos++;
            complete = 1;
        }
    }
    if (!complete && len == 0 && !too_long) {
        return 0;
    }
    in->line[len] = '\0';
    line->data = in->line;
    line->len = len;
    line->number = ++in->number;
    line->complete = complete;
    line->too_long = too_long;
    return 1;
}

void xa_input_close(xa_input *in)
{
    apr_pool_cleanup_run(in->pool, in, close_gz);
}
