/*
 * cmd_sync.c - `liaison sync pull|push PEER`: one sync run on demand against
 * the database, as GET /servers/pull/{id} and /servers/push/{id} do in the
 * server (a running server sees the result within its index refresh).
 */
#include "cli/cli.h"

#include "codec/json.h"
#include "codec/sync_report.h"
#include "core/links.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/parse.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

static void sync_usage(FILE *f)
{
    fprintf(f,
            "usage: liaison sync pull|push PEER [--full] [--parallel N] [--json] [--db PATH]\n"
            "\n"
            "Runs one pull from, or push to, the sync link PEER (its id, name or URL, as\n"
            "'liaison peer list' shows them) and reports what moved.\n"
            "  --full         look at every event again instead of only what changed since\n"
            "                 the last run (the checkpoint)\n"
            "  --parallel N   events fetched at once (1-64, default %d)\n"
            "  --json         print the report as JSON\n"
            "Exit status: 0 when the run completed and every event landed, 1 otherwise,\n"
            "2 for a usage error.\n",
            SYNC_PARALLEL_DEFAULT);
}

int cmd_sync(int argc, char **argv)
{
    struct config cfg;
    if (cli_config(&cfg, &argc, argv) != 0)
        return 2;
    bool push = false, json = false;
    struct sync_opts o = {.full = false};
    const char *peer = NULL;
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            sync_usage(stdout);
            config_free(&cfg);
            return 0;
        } else if (strcmp(a, "--full") == 0) {
            o.full = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--parallel") == 0 && i + 1 < argc) {
            uint64_t v;
            if (parse_u64_all(str_from_cstr(argv[++i]), 1, 64, &v) < 0) {
                fprintf(stderr, "liaison sync: --parallel must be 1 to 64\n");
                rc = 2;
            }
            o.parallel = (unsigned)v;
        } else if (i == 1 && (strcmp(a, "pull") == 0 || strcmp(a, "push") == 0)) {
            push = strcmp(a, "push") == 0;
        } else if (i == 2 && a[0] != '-') {
            peer = a;
        } else {
            fprintf(stderr, "liaison sync: unexpected argument '%s'\n", a);
            rc = 2;
        }
    }
    if (rc == 0 && (argc < 2 || peer == NULL)) {
        sync_usage(stderr);
        rc = 2;
    }
    struct svc s;
    bool opened = rc == 0 && cli_svc_open(&cfg, &s) == 0;
    if (rc == 0 && !opened)
        rc = 1;
    struct principal who = {.cli = true};
    struct arena *a = arena_new();
    int64_t id = 0;
    if (rc == 0) {
        int found = links_find(&s, &who, a, peer, &id);
        if (found < 0) {
            fprintf(stderr, "liaison sync: %s '%s' (see liaison peer list)\n",
                    found == ERR_NOTFOUND ? "no sync link" : "cannot read the links to find", peer);
            rc = 1;
        }
    }
    if (rc == 0) {
        o.self_url = cfg.base_url; /* "" unless configured: see docs/federation.md */
        struct sync_report r;
        struct diag d = {0};
        int src = links_sync(&s, &who, id, push, &o, &r, &d);
        if (json) {
            struct buf out;
            buf_init(&out, 1 << 20);
            struct json_writer w;
            json_writer_init(&w, &out, true);
            sync_result_encode(&w, src == 0, &r);
            printf("%s\n", buf_cstr(&out));
            buf_free(&out);
        } else if (src == 0) {
            printf("%s %s: %lld listed, %lld wanted, %lld created, %lld updated, %lld unchanged, "
                   "%lld failed, %lld removed, %lld attributes, %lld sightings in %.2f s%s\n",
                   push ? "push to" : "pull from", peer, (long long)r.listed, (long long)r.wanted,
                   (long long)r.created, (long long)r.updated, (long long)r.unchanged,
                   (long long)r.failed, (long long)r.removed, (long long)r.attributes,
                   (long long)r.sightings, r.seconds,
                   r.not_modified ? " (nothing changed on the peer)" : "");
        }
        if (r.error[0] != '\0')
            fprintf(stderr, "liaison sync: %s%s\n", src == 0 ? "first error: " : "", r.error);
        rc = src == 0 && r.failed == 0 ? 0 : 1;
    }
    arena_free(a);
    if (opened)
        svc_close(&s);
    config_free(&cfg);
    return rc;
}
