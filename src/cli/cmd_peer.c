/*
 * cmd_peer.c - `liaison peer add|list|remove|test`: sync links to peer
 * servers, the same as the API's servers endpoints for the operator on the machine.
 */
#include "cli/cli.h"

#include "core/acl.h"
#include "core/peer.h"
#include "core/uuid.h"
#include "util/alloc.h"
#include "util/parse.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

/* Returns the value after option name in argv, or NULL. */
static const char *opt(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (argv[i] != NULL && strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

struct cli_tx {
    struct config cfg;
    struct store *store;
    struct store_conn *c;
    struct arena *a;
};

/* Takes the configuration flags, checks the rest against the options cmd
 * accepts (cli_check_opts), then opens the store in a write transaction. */
static int tx_begin(struct cli_tx *t, const char *cmd, int *argc, char **argv,
                    const char *const *valued, const char *const *flags)
{
    memset(t, 0, sizeof(*t));
    if (cli_config(&t->cfg, argc, argv) != 0)
        return 2;
    if (cli_check_opts(cmd, *argc, argv, valued, flags) != 0) {
        config_free(&t->cfg);
        return 2;
    }
    if (cli_store_open(&t->cfg, &t->store) != 0) {
        config_free(&t->cfg);
        return 1;
    }
    if (store_begin_write(t->store, &t->c) < 0) {
        fprintf(stderr, "liaison: cannot start a transaction\n");
        store_close(t->store);
        config_free(&t->cfg);
        return 1;
    }
    t->a = arena_new();
    return 0;
}

static int tx_end(struct cli_tx *t, int rc)
{
    if (store_end(t->c, rc == 0) < 0 && rc == 0) {
        fprintf(stderr, "liaison: commit failed\n");
        rc = 1;
    }
    store_close(t->store);
    arena_free(t->a);
    config_free(&t->cfg);
    return rc;
}

/* Finds an org by id, uuid or name. */
static int org_lookup(struct cli_tx *t, const char *ref, struct org **out)
{
    uint64_t id = 0;
    char uuid[UUID_STR_LEN + 1] = "";
    if (parse_u64_all(str_from_cstr(ref), 1, INT64_MAX, &id) == 0)
        return store_org_get(t->c, t->a, (int64_t)id, NULL, NULL, out);
    if (uuid_canonical(str_from_cstr(ref), uuid))
        return store_org_get(t->c, t->a, 0, uuid, NULL, out);
    return store_org_get(t->c, t->a, 0, NULL, ref, out);
}

static bool has_flag(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; i++)
        if (argv[i] != NULL && strcmp(argv[i], name) == 0)
            return true;
    return false;
}

static void peer_usage(FILE *f)
{
    fprintf(f,
            "usage: liaison peer add URL --key KEY (--remote-org ORG | --remote-org-uuid UUID\n"
            "                        [--remote-org-name NAME]) [--name NAME] [--push] [--pull]\n"
            "                        [--push-sightings] [--self-signed] [--cert-file FILE]\n"
            "                        [--timeout SECONDS] [--pull-interval SECONDS]\n"
            "       liaison peer list\n"
            "       liaison peer remove ID\n"
            "       liaison peer test ID     (reach the peer, check the key and perm_sync)\n"
            "KEY is the API key of a sync user on the peer ('@FILE' reads it from a file).\n"
            "--pull-interval: how often the server pulls from a --pull link (default %d s;\n"
            "0: only on demand, 'liaison sync pull ID'); --push links get what is published.\n",
            PEER_PULL_INTERVAL_DEFAULT);
}

static int peer_id(const char *s, int64_t *id)
{
    uint64_t v;
    if (s == NULL || parse_u64_all(str_from_cstr(s), 1, INT64_MAX, &v) < 0) {
        fprintf(stderr, "liaison peer: ID must be a number (see liaison peer list)\n");
        return -1;
    }
    *id = (int64_t)v;
    return 0;
}

static int peer_add(struct cli_tx *t, int argc, char **argv)
{
    struct server sv;
    memset(&sv, 0, sizeof(sv));
    sv.url = arena_strdup(t->a, argv[2]);
    const char *key = opt(argc, argv, "--key");
    if (key != NULL && key[0] == '@') {
        FILE *f = fopen(key + 1, "r");
        char line[128] = "";
        if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
            fprintf(stderr, "liaison peer add: cannot read the key from %s\n", key + 1);
            if (f)
                fclose(f);
            return 1;
        }
        fclose(f);
        line[strcspn(line, "\r\n")] = '\0';
        key = arena_strdup(t->a, line);
    }
    sv.authkey = key ? arena_strdup(t->a, key) : NULL;
    const char *name = opt(argc, argv, "--name");
    sv.name = name ? arena_strdup(t->a, name) : NULL;
    const char *cert = opt(argc, argv, "--cert-file");
    sv.cert_file = cert ? arena_strdup(t->a, cert) : NULL;
    sv.push = has_flag(argc, argv, "--push");
    sv.pull = has_flag(argc, argv, "--pull");
    sv.push_sightings = has_flag(argc, argv, "--push-sightings");
    sv.self_signed = has_flag(argc, argv, "--self-signed");
    sv.timeout = PEER_TIMEOUT_DEFAULT;
    sv.pull_interval = PEER_PULL_INTERVAL_DEFAULT;
    const char *tmo = opt(argc, argv, "--timeout");
    uint64_t v;
    const char *every = opt(argc, argv, "--pull-interval");
    if (every != NULL) {
        if (parse_u64_all(str_from_cstr(every), 0, 7 * 86400, &v) < 0) {
            fprintf(stderr, "liaison peer add: --pull-interval must be 0 or 60 to 604800 "
                            "seconds\n");
            return 2;
        }
        sv.pull_interval = (int64_t)v;
    }
    if (tmo != NULL) {
        if (parse_u64_all(str_from_cstr(tmo), 1, 3600, &v) < 0) {
            fprintf(stderr, "liaison peer add: --timeout must be 1 to 3600 seconds\n");
            return 2;
        }
        sv.timeout = (int64_t)v;
    }
    char *host;
    if (store_setting_get(t->c, t->a, "host_org_id", &host) < 0 ||
        parse_u64_all(str_from_cstr(host), 1, INT64_MAX, &v) < 0) {
        fprintf(stderr, "liaison peer add: the database has no host organisation (liaison init)\n");
        return 1;
    }
    sv.org_id = (int64_t)v;
    struct diag d;
    diag_clear(&d);
    int rc = 0;
    const char *ref = opt(argc, argv, "--remote-org");
    if (ref != NULL) {
        struct org *o;
        if (org_lookup(t, ref, &o) < 0) {
            fprintf(stderr, "liaison peer add: no organisation '%s'\n", ref);
            return 1;
        }
        sv.remote_org_id = o->id;
    } else if (opt(argc, argv, "--remote-org-uuid") != NULL) {
        rc = peer_link_remote_org(t->c, t->a, &sv, 0, opt(argc, argv, "--remote-org-uuid"),
                                  opt(argc, argv, "--remote-org-name"), 0, &d);
    }
    if (rc == 0)
        rc = peer_link_check(&sv, &d);
    if (rc == 0 && (rc = store_server_insert(t->c, &sv)) == ERR_CONFLICT)
        diag_set(&d, rc, "url", "a sync link to %s exists already", sv.url);
    if (rc < 0) {
        fprintf(stderr, "liaison peer add: %s: %s\n", d.field[0] ? d.field : "peer",
                d.msg[0] ? d.msg : err_str(rc));
        return rc == ERR_INVAL || rc == ERR_CONFLICT ? 2 : 1;
    }
    printf("%lld\n", (long long)sv.id);
    return 0;
}

/* "never", "ok 2026-12-07T15:40Z" or "error 2026-12-07T15:40Z" for a link's
 * last run in one direction. */
static const char *last_run(struct arena *a, const struct sync_state *st)
{
    if (st->last_run == 0)
        return "never";
    char when[32], *out = arena_alloc(a, 48);
    time_t t = (time_t)st->last_run;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%MZ", &tm);
    snprintf(out, 48, "%s %s", st->last_error[0] ? "error" : "ok", when);
    return out;
}

static int peer_list(struct cli_tx *t)
{
    struct server *list;
    size_t n;
    if (store_server_list(t->c, t->a, &list, &n) < 0) {
        fprintf(stderr, "liaison peer list: cannot read the links\n");
        return 1;
    }
    printf("%-4s  %-40s  %-4s  %-4s  %-23s  %-23s  %s\n", "ID", "URL", "PULL", "PUSH", "LAST PULL",
           "LAST PUSH", "NAME");
    for (size_t i = 0; i < n; i++) {
        struct sync_state *pull, *push;
        if (store_sync_state_get(t->c, t->a, list[i].id, false, &pull) < 0 ||
            store_sync_state_get(t->c, t->a, list[i].id, true, &push) < 0) {
            fprintf(stderr, "liaison peer list: cannot read the links' state\n");
            return 1;
        }
        printf("%-4lld  %-40s  %-4s  %-4s  %-23s  %-23s  %s\n", (long long)list[i].id, list[i].url,
               list[i].pull ? "yes" : "no", list[i].push ? "yes" : "no", last_run(t->a, pull),
               last_run(t->a, push), list[i].name);
    }
    return 0;
}

int cmd_peer(int argc, char **argv)
{
    static const char *const valued[] = {
        "--key",  "--remote-org", "--remote-org-uuid", "--remote-org-name",
        "--name", "--cert-file",  "--timeout",         "--pull-interval",
        NULL};
    static const char *const flags[] = {"--push", "--pull", "--push-sightings", "--self-signed",
                                        NULL};
    if (argc < 2 || cli_help_asked(argc, argv)) {
        peer_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    struct cli_tx t;
    int rc = tx_begin(&t, "peer", &argc, argv, valued, flags);
    if (rc)
        return rc;
    int64_t id;
    if (argc >= 3 && strcmp(argv[1], "add") == 0)
        return tx_end(&t, peer_add(&t, argc, argv));
    if (argc == 2 && strcmp(argv[1], "list") == 0)
        return tx_end(&t, peer_list(&t));
    if (argc == 3 && strcmp(argv[1], "remove") == 0) {
        if (peer_id(argv[2], &id) < 0)
            return tx_end(&t, 2);
        rc = store_server_delete(t.c, id);
        if (rc == ERR_NOTFOUND)
            fprintf(stderr, "liaison peer remove: no link %lld\n", (long long)id);
        return tx_end(&t, rc == 0 ? 0 : 1);
    }
    if (argc == 3 && strcmp(argv[1], "test") == 0) {
        struct server *sv;
        char *self = NULL;
        if (peer_id(argv[2], &id) < 0)
            return tx_end(&t, 2);
        if (store_server_get(t.c, t.a, id, &sv) < 0) {
            fprintf(stderr, "liaison peer test: no link %lld\n", (long long)id);
            return tx_end(&t, 1);
        }
        store_setting_get(t.c, t.a, "instance_uuid", &self);
        /* the database is not held while the peer is asked */
        struct arena *keep = arena_new();
        struct server link = *sv;
        link.url = arena_strdup(keep, sv->url);
        link.authkey = arena_strdup(keep, sv->authkey);
        link.cert_file = sv->cert_file ? arena_strdup(keep, sv->cert_file) : NULL;
        const char *me = arena_strdup(keep, self ? self : "");
        tx_end(&t, 0);
        struct peer_version v;
        enum peer_status st = peer_test(&link, me, &v);
        arena_free(keep);
        printf("%d %s", (int)st, peer_status_name(st));
        if (v.version[0])
            printf(" (version %s, uuid %s, perm_sync %s)", v.version, v.uuid,
                   v.perm_sync ? "yes" : "no");
        if (st != PEER_OK)
            printf(": %s", v.message);
        printf("\n");
        return st == PEER_OK ? 0 : 1;
    }
    peer_usage(stderr);
    return tx_end(&t, 2);
}
