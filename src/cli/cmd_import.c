/*
 * cmd_import.c - `liaison import [FILE...]`: load MISP JSON events (one event,
 * a list of events, or {"response": [...]}) from files or standard input into
 * the local database, as the host organisation.  Each file is one transaction:
 * a bad event rejects its whole file, with the event index and field named.
 */
#include "cli/cli.h"

#include "codec/json.h"
#include "codec/misp_json.h"
#include "core/acl.h"
#include "core/event.h"
#include "core/instance.h"
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

static int import_one(struct store *s, const struct principal *p, const char *name, FILE *f,
                      size_t *n_events, size_t *n_attrs)
{
    struct buf b;
    buf_init(&b, LIMIT_BODY_MAX);
    struct arena *a = arena_new();
    int rc = read_all(f, &b);
    if (rc < 0) {
        fprintf(stderr, "liaison import: %s: %s\n", name,
                rc == ERR_TOOBIG ? "file too large" : strerror(errno));
        goto out;
    }
    struct json_value *root;
    struct diag d;
    diag_clear(&d);
    if ((rc = json_parse(a, b.ptr ? b.ptr : "", b.len, LIMIT_JSON_DEPTH, &root, &d)) < 0) {
        fprintf(stderr, "liaison import: %s:%u:%u: %s\n", name, d.line, d.col, d.msg);
        goto out;
    }
    const struct json_value *list = root;
    const struct json_value *resp = json_get(root, "response");
    if (resp)
        list = resp;
    size_t count = list->type == JSON_ARRAY ? list->len : 1;
    struct store_conn *c;
    if ((rc = store_begin_write(s, &c)) < 0) {
        fprintf(stderr, "liaison import: cannot start a transaction\n");
        goto out;
    }
    for (size_t i = 0; i < count && rc == 0; i++) {
        const struct json_value *item = list->type == JSON_ARRAY ? &list->u.items[i] : list;
        struct event *e;
        diag_clear(&d);
        rc = misp_event_decode(a, item, &e, &d);
        if (rc == 0)
            rc = event_create(c, a, p, e, &d);
        if (rc < 0) {
            fprintf(stderr, "liaison import: %s: event %zu: %s%s%s\n", name, i,
                    d.field[0] ? d.field : "", d.field[0] ? ": " : "",
                    d.msg[0] ? d.msg : err_str(rc));
            break;
        }
        (*n_events)++;
        *n_attrs += e->n_attrs;
        for (size_t j = 0; j < e->n_objects; j++)
            *n_attrs += e->objects[j].n_attrs;
    }
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
out:
    arena_free(a);
    buf_free(&b);
    return rc;
}

int cmd_import(int argc, char **argv)
{
    /* keep freed arena memory for the next file instead of faulting it in again */
    mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
    struct config cfg;
    if (cli_config(&cfg, &argc, argv) != 0)
        return 2;
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("usage: liaison import [FILE...]\n\nImports MISP JSON events (an event, a list "
               "of events or {\"response\": [...]}) from each FILE, or from standard input,\n"
               "as the host organisation.  Each file is one transaction.\n");
        config_free(&cfg);
        return 0;
    }
    struct store *s;
    if (cli_store_open(&cfg, &s) != 0) {
        config_free(&cfg);
        return 1;
    }
    struct instance inst;
    struct diag d;
    diag_clear(&d);
    int rc = instance_init(s, &cfg, &inst, &d);
    struct principal p;
    memset(&p, 0, sizeof(p));
    p.cli = true;
    struct arena *a = arena_new();
    if (rc == 0) {
        struct store_conn *c;
        rc = store_begin_read(s, &c);
        struct org *o;
        if (rc == 0) {
            rc = store_org_get(c, a, inst.host_org_id, NULL, NULL, &o);
            if (rc == 0)
                p.org = *o;
            store_end(c, true);
        }
    } else {
        fprintf(stderr, "liaison import: %s\n", d.msg);
    }
    p.role.perms = ~0u;
    size_t n_events = 0, n_attrs = 0;
    for (int i = 1; rc == 0 && i < argc; i++) {
        FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "rb");
        if (f == NULL) {
            fprintf(stderr, "liaison import: %s: %s\n", argv[i], strerror(errno));
            rc = ERR_IO;
            break;
        }
        rc = import_one(s, &p, argv[i], f, &n_events, &n_attrs);
        if (f != stdin)
            fclose(f);
    }
    if (rc == 0 && argc < 2)
        rc = import_one(s, &p, "<stdin>", stdin, &n_events, &n_attrs);
    if (rc == 0)
        printf("imported %zu events, %zu attributes\n", n_events, n_attrs);
    arena_free(a);
    store_close(s);
    config_free(&cfg);
    return rc == 0 ? 0 : 1;
}
