/*
 * cmd_import.c - `liaison import [FILE...]`: load MISP JSON events (one event,
 * a list of events, or {"response": [...]}) from files or standard input into
 * the local database, as the host organisation.  Each file is all or nothing:
 * a bad event rejects its whole file (the event index and field are named)
 * and the other files are still imported; the exit status says whether any
 * file failed.
 */
#include "cli/cli.h"

#include "codec/json.h"
#include "codec/misp_json.h"
#include "core/event.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/limits.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

static int read_all(FILE *f, struct buf *b)
{
    char chunk[1 << 16];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(b, chunk, n);
    return ferror(f) ? ERR_IO : b->err;
}

/*
 * Files are written in batches (core/event.h, events_import): one transaction
 * holds files until it has IMPORT_BATCH attributes, each file inside its own
 * savepoint, so a bad file is undone alone while good ones share the cost of
 * a commit.
 */
#define IMPORT_BATCH 250000

static int import_commit(struct events_import *im)
{
    int rc = events_import_commit(im);
    if (rc < 0)
        fprintf(stderr, "liaison import: commit failed: %s\n", err_str(rc));
    return rc;
}

/* Imports one file; returns 0, or an error for this file (already reported). */
static int import_one(struct events_import *im, const char *name, FILE *f)
{
    struct buf b;
    buf_init(&b, LIMIT_BODY_MAX);
    struct arena *a = arena_new();
    struct diag d;
    diag_clear(&d);
    int rc = read_all(f, &b);
    if (rc < 0) {
        fprintf(stderr, "liaison import: %s: %s\n", name,
                rc == ERR_TOOBIG ? "file too large" : strerror(errno));
        goto out;
    }
    struct json_value *root;
    if ((rc = json_parse(a, b.ptr ? b.ptr : "", b.len, LIMIT_JSON_DEPTH, &root, &d)) < 0) {
        fprintf(stderr, "liaison import: %s:%u:%u: %s\n", name, d.line, d.col, d.msg);
        goto out;
    }
    const struct json_value *list = root;
    const struct json_value *resp = json_get(root, "response");
    if (resp)
        list = resp;
    size_t count = list->type == JSON_ARRAY ? list->len : 1;
    if ((rc = events_import_file_begin(im)) < 0) {
        fprintf(stderr, "liaison import: cannot start a transaction\n");
        goto out;
    }
    for (size_t i = 0; i < count && rc == 0; i++) {
        const struct json_value *item = list->type == JSON_ARRAY ? &list->u.items[i] : list;
        struct event *e;
        diag_clear(&d);
        rc = misp_event_decode(a, item, &e, &d);
        if (rc == 0)
            rc = events_import_add(im, a, e, &d);
        if (rc < 0)
            fprintf(stderr, "liaison import: %s: event %zu: %s%s%s\n", name, i,
                    d.field[0] ? d.field : "", d.field[0] ? ": " : "",
                    d.msg[0] ? d.msg : err_str(rc));
    }
    int erc = events_import_file_end(im, rc == 0);
    if (rc == 0)
        rc = erc;
    if (rc == 0 && im->in_tx >= IMPORT_BATCH)
        rc = import_commit(im);
out:
    arena_free(a);
    buf_free(&b);
    return rc;
}

int cmd_import(int argc, char **argv)
{
    if (cli_help_asked(argc, argv)) {
        printf("usage: liaison import [FILE...]\n\nImports MISP JSON events (an event, a list "
               "of events or {\"response\": [...]}) from each FILE, or from standard input\n"
               "('-' or no FILE), as the host organisation.  Each file is all or nothing; a bad\n"
               "file is reported and skipped, and the exit status is 1 if any file failed.\n");
        return 0;
    }
    /* keep freed arena memory for the next file instead of faulting it in again */
    mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
    struct config cfg;
    if (cli_config(&cfg, &argc, argv) != 0)
        return 2;
    if (cli_check_opts("import", argc, argv, NULL, NULL) != 0) {
        config_free(&cfg);
        return 2;
    }
    struct svc s;
    if (cli_svc_open(&cfg, &s) != 0) {
        config_free(&cfg);
        return 1;
    }
    struct diag d;
    diag_clear(&d);
    struct arena *a = arena_new();
    struct principal p;
    int rc = events_import_principal(&s, a, &p, &d);
    if (rc < 0)
        fprintf(stderr, "liaison import: %s\n", d.msg[0] ? d.msg : err_str(rc));
    struct events_import im;
    events_import_init(&im, &s, &p);
    size_t failed_files = 0;
    for (int i = 1; rc == 0 && i < argc; i++) {
        FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "rb");
        if (f == NULL) {
            fprintf(stderr, "liaison import: %s: %s\n", argv[i], strerror(errno));
            failed_files++;
            continue;
        }
        if (import_one(&im, argv[i], f) < 0)
            failed_files++;
        if (f != stdin)
            fclose(f);
    }
    if (rc == 0 && argc < 2 && import_one(&im, "<stdin>", stdin) < 0)
        failed_files++;
    if (rc == 0)
        rc = import_commit(&im);
    if (rc == 0)
        printf("imported %zu events, %zu attributes\n", im.events, im.attrs);
    if (rc == 0 && failed_files) {
        fprintf(stderr, "liaison import: %zu file(s) failed and were not imported\n",
                failed_files);
        rc = ERR_INVAL;
    }
    arena_free(a);
    svc_close(&s);
    config_free(&cfg);
    return rc == 0 ? 0 : 1;
}
