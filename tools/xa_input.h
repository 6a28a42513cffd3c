/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* extranet-audit: reading log files line by line, plain or gzip
 * compressed, with bounded memory. */

#ifndef XA_INPUT_H
#define XA_INPUT_H

#include <apr_pools.h>

/* The longest line that is passed on whole. An audit record is at most
 * XN_AUDIT_LINE_MAX (4096) bytes; a syslog line with a checkpoint is
 * longer only by its prefix. */
#define XA_LINE_MAX 65536

typedef struct xa_input xa_input;

/* One line of input. DATA stays valid until the next read. */
typedef struct xa_line {
    const char *data;
    apr_size_t len;           /* without the newline */
    long number;              /* 1 for the first line of the file */
    int complete;             /* 1 when the line ended with a newline */
    int too_long;             /* DATA holds only the first XA_LINE_MAX bytes */
} xa_line;

/* Opens PATH for reading, or standard input for "-". gzip data is
 * decompressed, other data is read as it is. Prints the reason and returns
 * NULL on error. */
xa_input *xa_input_open(apr_pool_t *p, const char *path);

/* Reads the next line into *LINE. Returns 1 for a line, 0 at the end of
 * the input, or -1 when the input cannot be read (a damaged or truncated
 * gzip file, an I/O error), after printing the reason. A line that ends at
 * an error is never returned. */
int xa_input_read(xa_input *in, xa_line *line);

/* Closes IN; standard input stays open. */
void xa_input_close(xa_input *in);

#endif
