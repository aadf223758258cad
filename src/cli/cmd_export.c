/*
 * cmd_export.c - `liaison export [-o FILE] [--published]`: write the local
 * database's events as MISP JSON, in the shape `liaison import` reads back.
 *
 * Output: {"response":[ ... ]} with one {"Event":{...}} per line, the shape of
 * MISP's events restSearch.  `liaison import` takes whole documents only (an
 * event, a list or {"response": [...]}), so the whole export is one document;
 * one event per line keeps it readable by line-oriented tools as well.
 *
 * What goes out: every live event, ordered by id, with its attributes,
 * objects, references and tags, soft-deleted children included (marked
 * "deleted": true, which import keeps), as the CLI acts as site admin.
 * Tombstoned events are not exported.  Sharing-group events carry only the
 * group's id, which means nothing to another database.
 *
 * The search service reads (core/search.h, search_export) as the command
 * line's principal (acl_principal_cli): memory is bounded by the largest
 * event, not by the database, and the whole export reads one snapshot.  Each
 * event is encoded and written out before the next is read.
 */
#include "cli/cli.h"

#include "codec/json.h"
#include "codec/misp_json.h"
#include "core/search.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/limits.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

struct export_state {
    FILE *out;
    struct buf b; /* one encoded event */
    size_t events, attrs;
    int io_errno; /* errno of a write error (ERR_IO) */
};

static void export_usage(FILE *f)
{
    fprintf(f, "usage: liaison export [-o FILE] [--published] [--db PATH]\n"
               "\n"
               "Writes every event of the database as MISP JSON ({\"response\": [...]}, one\n"
               "event per line) to standard output or FILE, in the form 'liaison import'\n"
               "reads back.  Soft-deleted attributes and objects are included and marked\n"
               "deleted; deleted events are not.\n"
               "  -o FILE       write to FILE instead of standard output\n"
               "  --published   only published events\n");
}

static int export_event(void *ctx, const struct event *e)
{
    struct export_state *x = ctx;
    struct json_writer w;
    buf_reset(&x->b);
    if (x->events > 0)
        buf_puts(&x->b, ",\n");
    json_writer_init(&w, &x->b, false);
    misp_event_encode(&w, e);
    int rc = x->b.err;
    if (rc == 0 && fwrite(x->b.ptr, 1, x->b.len, x->out) != x->b.len) {
        x->io_errno = errno;
        rc = ERR_IO;
    }
    if (rc == 0) {
        x->events++;
        x->attrs += e->n_attrs;
        for (size_t i = 0; i < e->n_objects; i++)
            x->attrs += e->objects[i].n_attrs;
    }
    return rc;
}

/* Writes the document; returns 0 or the first error (ERR_IO: see x->io_errno). */
static int export_run(struct svc *s, FILE *out, bool published, struct export_state *x)
{
    memset(x, 0, sizeof(*x));
    x->out = out;
    buf_init(&x->b, LIMIT_RESPONSE_MAX);
    struct principal cli;
    acl_principal_cli(NULL, &cli); /* every event, and soft-deleted children too */
    int rc = 0;
    if (fputs("{\"response\":[\n", out) == EOF) {
        x->io_errno = errno;
        rc = ERR_IO;
    }
    if (rc == 0)
        rc = search_export(s, &cli, published, export_event, x);
    if (rc == 0 && (fputs(x->events ? "\n]}\n" : "]}\n", out) == EOF || fflush(out) == EOF)) {
        x->io_errno = errno;
        rc = ERR_IO;
    }
    buf_free(&x->b);
    return rc;
}

int cmd_export(int argc, char **argv)
{
    struct config cfg;
    if (cli_config(&cfg, &argc, argv) != 0)
        return 2;
    const char *path = NULL;
    bool published = false;
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            export_usage(stdout);
            config_free(&cfg);
            return 0;
        } else if (strcmp(argv[i], "--published") == 0) {
            published = true;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else {
            fprintf(stderr, "liaison export: unexpected argument '%s'\n\n", argv[i]);
            export_usage(stderr);
            rc = 2;
        }
    }
    struct svc s;
    bool opened = rc == 0 && cli_svc_open(&cfg, &s) == 0;
    if (rc == 0 && !opened)
        rc = 1;
    FILE *out = stdout;
    if (rc == 0 && path != NULL && (out = fopen(path, "wb")) == NULL) {
        fprintf(stderr, "liaison export: %s: %s\n", path, strerror(errno));
        rc = 1;
    }
    if (rc == 0) {
        struct export_state x;
        int erc = export_run(&s, out, published, &x);
        if (out != stdout && fclose(out) == EOF && erc == 0) {
            x.io_errno = errno;
            erc = ERR_IO;
        }
        if (erc == 0) {
            fprintf(stderr, "exported %zu events, %zu attributes\n", x.events, x.attrs);
        } else {
            /* a partial file is left as it is (it may not be ours to remove);
             * import refuses it whole, as it is not a complete document */
            fprintf(stderr, "liaison export: %s: %s%s\n", path ? path : "<stdout>",
                    erc == ERR_IO ? strerror(x.io_errno) : err_str(erc),
                    path ? " (the file is incomplete)" : "");
            rc = 1;
        }
    }
    if (opened)
        svc_close(&s);
    config_free(&cfg);
    return rc;
}
