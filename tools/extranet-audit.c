/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* extranet-audit: verify, filter and report on the audit log of
 * mod_extranet. See extranet-audit(1). Exit status: 0 success, 1 the log
 * failed verification, 2 usage or read error. */

#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "xa_record.h"
#include "xa_verify.h"

#define XA_KEYS_MAX 16

typedef struct options {
    xa_filter filter;
    xa_output output;
    const char *keys[XA_KEYS_MAX];
    int nkeys;
    const char *checkpoints;
    const char *html_output;
    const char *title;
    const char *before;
    const char *prune_output;
    int quiet;
    apr_array_header_t *files;
} options;

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "extranet-audit: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nextranet-audit help %s\n",
            xa_dutch() ? "toont de opties." : "lists the options.");
    return 2;
}

static void add_events(apr_pool_t *p, apr_array_header_t *events,
                       const char *list)
{
    char *copy = apr_pstrdup(p, list);
    char *state = NULL;
    char *item;

    for (item = apr_strtok(copy, ",", &state); item;
         item = apr_strtok(NULL, ",", &state)) {
        APR_ARRAY_PUSH(events, const char *) = item;
    }
}

static int set_format(options *o, const char *value)
{
    if (!strcmp(value, "json")) {
        o->output.format = XA_JSON;
    }
    else if (!strcmp(value, "csv")) {
        o->output.format = XA_CSV;
    }
    else if (!strcmp(value, "table")) {
        o->output.format = XA_TABLE;
    }
    else {
        return usage_error("invalid --format \"%s\"; use json, csv or table",
                           value);
    }
    return 0;
}

/* Parses an option that takes a value. Returns 0, or 2 on error. */
static int option_value(apr_pool_t *p, options *o, const char *name,
                        const char *value)
{
    if (!strcmp(name, "--user")) {
        o->filter.user = value;
    }
    else if (!strcmp(name, "--role")) {
        o->filter.role = value;
    }
    else if (!strcmp(name, "--path")) {
        o->filter.path_prefix = value;
    }
    else if (!strcmp(name, "--event")) {
        add_events(p, o->filter.events, value);
    }
    else if (!strcmp(name, "--since") || !strcmp(name, "--until")) {
        apr_time_t t = xa_parse_time(value);

        if (!t) {
            return usage_error("invalid time \"%s\"; use 2026-03-12 or "
                               "2026-03-12T19:30", value);
        }
        *(name[2] == 's' ? &o->filter.since : &o->filter.until) = t;
    }
    else if (!strcmp(name, "--format")) {
        return set_format(o, value);
    }
    else if (!strcmp(name, "--separator")) {
        if (strlen(value) != 1) {
            return usage_error("invalid --separator \"%s\"; give one "
                               "character", value);
        }
        o->output.separator = value[0];
    }
    else if (!strcmp(name, "--key")) {
        if (o->nkeys == XA_KEYS_MAX) {
            return usage_error("too many --key options (at most %s)", "16");
        }
        o->keys[o->nkeys++] = value;
    }
    else if (!strcmp(name, "--checkpoints")) {
        o->checkpoints = value;
    }
    else if (!strcmp(name, "--output")) {
        o->html_output = o->prune_output = value;
    }
    else if (!strcmp(name, "--title")) {
        o->title = value;
    }
    else if (!strcmp(name, "--before")) {
        o->before = value;
    }
    else {
        return usage_error("unknown option \"%s\"", name);
    }
    return 0;
}

static int parse_options(apr_pool_t *p, options *o, int argc,
                         const char *const *argv)
{
    int i;

    for (i = 0; i < argc; i++) {
        const char *arg = argv[i];
        int rc;

        if (arg[0] != '-' || !strcmp(arg, "-")) {
            APR_ARRAY_PUSH(o->files, const char *) = arg;
        }
        else if (!strcmp(arg, "--bom")) {
            o->output.bom = 1;
        }
        else if (!strcmp(arg, "--quiet")) {
            o->quiet = 1;
        }
        else if (i + 1 >= argc) {
            return usage_error("option %s needs a value", arg);
        }
        else if ((rc = option_value(p, o, arg, argv[++i])) != 0) {
            return rc;
        }
    }
    return 0;
}

static void show_record(const xa_record *rec, void *baton)
{
    xa_output_record(baton, rec);
}

static int command_verify(apr_pool_t *p, options *o)
{
    xn_chain_key *keys = apr_pcalloc(p, sizeof(xn_chain_key) * XA_KEYS_MAX);
    int i;

    if (o->nkeys == 0) {
        return usage_error("%s needs --key KEYFILE", "verify");
    }
    for (i = 0; i < o->nkeys; i++) {
        if (xa_read_key(&keys[i], p, o->keys[i]) != 0) {
            return 2;
        }
    }
    return xa_verify(p, keys, o->nkeys, o->checkpoints,
                     (const char *const *)o->files->elts, o->files->nelts,
                     o->quiet);
}

static int command_prune(apr_pool_t *p, options *o)
{
    xn_chain_key key;
    apr_time_t before;

    if (o->nkeys != 1 || !o->before || !o->prune_output
        || o->files->nelts != 1) {
        return usage_error("%s needs --key, --before, --output and one FILE",
                           "prune");
    }
    before = xa_parse_time(o->before);
    if (!before) {
        return usage_error("invalid --before \"%s\"", o->before);
    }
    if (xa_read_key(&key, p, o->keys[0]) != 0) {
        return 2;
    }
    return xa_prune(p, &key, before, APR_ARRAY_IDX(o->files, 0, const char *),
                    o->prune_output);
}

static int command_html(apr_pool_t *p, options *o)
{
    FILE *out = stdout;
    int rc;

    if (o->html_output && !(out = fopen(o->html_output, "w"))) {
        return usage_error("cannot create \"%s\"", o->html_output);
    }
    rc = xa_html(p, (const char *const *)o->files->elts, o->files->nelts,
                 &o->filter, out, o->title ? o->title : "Auditrapport extranet");
    if (out == stdout) {
        return rc;
    }
    if (fclose(out) != 0 && rc == 0) {
        rc = usage_error("cannot write \"%s\"", o->html_output);
    }
    if (rc != 0) {
        /* An input file could not be read or the report could not be
         * written, so the file does not contain a complete report. */
        remove(o->html_output);
    }
    return rc;
}

static int run(apr_pool_t *p, int argc, const char *const *argv)
{
    const char *command = argc > 1 ? argv[1] : "help";
    const char *report = NULL;
    options o;
    long bad = 0;
    int first = 2;
    int rc;

    memset(&o, 0, sizeof(o));
    o.filter.events = apr_array_make(p, 4, sizeof(const char *));
    o.files = apr_array_make(p, 4, sizeof(const char *));
    o.output.out = stdout;
    o.output.format = XA_TABLE;
    o.output.separator = ';';

    if (!strcmp(command, "help") || !strcmp(command, "--help")
        || !strcmp(command, "-h")) {
        xa_usage(stdout);
        return 0;
    }
    if (!strcmp(command, "report")) {
        if (argc < 3) {
            return usage_error("%s needs documents or users", "report");
        }
        report = argv[2];
        first = 3;
    }
    rc = parse_options(p, &o, argc - first, argv + first);
    if (rc != 0) {
        return rc;
    }
    if (o.files->nelts == 0) {
        return usage_error("%s needs a FILE (or - for standard input)",
                           command);
    }
    if (!strcmp(command, "verify")) {
        return command_verify(p, &o);
    }
    if (!strcmp(command, "prune")) {
        return command_prune(p, &o);
    }
    if (!strcmp(command, "html")) {
        return command_html(p, &o);
    }
    if (report) {
        return xa_report(p, report, (const char *const *)o.files->elts,
                         o.files->nelts, &o.filter, &o.output);
    }
    if (strcmp(command, "show")) {
        return usage_error("unknown command \"%s\"", command);
    }
    if (xa_read_files(p, (const char *const *)o.files->elts, o.files->nelts,
                      &o.filter, show_record, &o.output, &bad) != 0) {
        return 2;
    }
    if (bad) {
        fprintf(stderr, "extranet-audit: %ld lines skipped (not records)\n",
                bad);
    }
    return 0;
}

/* Exits with status 2. APR calls it when a pool allocation fails, for
 * every pool of the tool, because they all descend from the one in main. */
static int out_of_memory(int status)
{
    (void)status;
    fputs("extranet-audit: out of memory\n", stderr);
    exit(2);
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;
    int rc;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS
        || apr_pool_create_ex(&p, NULL, out_of_memory, NULL)
           != APR_SUCCESS) {
        fputs("extranet-audit: cannot initialise APR\n", stderr);
        return 2;
    }
    rc = run(p, argc, argv);
    if (fflush(stdout) != 0) {
        rc = 2;
    }
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
