/*
 * cmd_peer.c - `liaison peer add|list|remove|test`: sync links to peer
 * servers, through the links service (core/links.h) the API's servers
 * endpoints use, for the operator on the machine.
 */
#include "cli/cli.h"

#include "core/links.h"
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
            LINK_PULL_INTERVAL_DEFAULT);
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

/* The link the options describe; 0, or the exit status of a usage error. */
static int link_from_args(struct arena *a, int argc, char **argv, struct link_change *in)
{
    memset(in, 0, sizeof(*in));
    struct server *sv = &in->sv;
    sv->url = arena_strdup(a, argv[2]);
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
        key = arena_strdup(a, line);
    }
    const char *name = opt(argc, argv, "--name");
    const char *cert = opt(argc, argv, "--cert-file");
    sv->authkey = key ? arena_strdup(a, key) : NULL;
    sv->name = name ? arena_strdup(a, name) : NULL;
    sv->cert_file = cert ? arena_strdup(a, cert) : NULL;
    sv->push = has_flag(argc, argv, "--push");
    sv->pull = has_flag(argc, argv, "--pull");
    sv->push_sightings = has_flag(argc, argv, "--push-sightings");
    sv->self_signed = has_flag(argc, argv, "--self-signed");
    in->set = LINK_SET_URL | LINK_SET_NAME | LINK_SET_AUTHKEY | LINK_SET_CERT_FILE | LINK_SET_PUSH |
              LINK_SET_PULL | LINK_SET_PUSH_SIGHTINGS | LINK_SET_SELF_SIGNED;
    uint64_t v;
    const char *every = opt(argc, argv, "--pull-interval");
    if (every != NULL) {
        if (parse_u64_all(str_from_cstr(every), 0, 7 * 86400, &v) < 0) {
            fprintf(stderr, "liaison peer add: --pull-interval must be 0 or 60 to 604800 "
                            "seconds\n");
            return 2;
        }
        sv->pull_interval = (int64_t)v;
        in->set |= LINK_SET_PULL_INTERVAL;
    }
    const char *tmo = opt(argc, argv, "--timeout");
    if (tmo != NULL) {
        if (parse_u64_all(str_from_cstr(tmo), 1, 3600, &v) < 0) {
            fprintf(stderr, "liaison peer add: --timeout must be 1 to 3600 seconds\n");
            return 2;
        }
        sv->timeout = (int64_t)v;
        in->set |= LINK_SET_TIMEOUT;
    }
    in->remote_org = opt(argc, argv, "--remote-org");
    if (in->remote_org == NULL) {
        in->remote_org_uuid = opt(argc, argv, "--remote-org-uuid");
        in->remote_org_name = opt(argc, argv, "--remote-org-name");
    }
    return 0;
}

static int peer_add(struct svc *s, const struct principal *who, struct arena *a, int argc,
                    char **argv)
{
    struct link_change in;
    int rc = link_from_args(a, argc, argv, &in);
    if (rc != 0)
        return rc;
    struct diag d = {0};
    struct link *l;
    if ((rc = links_add(s, who, a, &in, &l, &d)) < 0) {
        fprintf(stderr, "liaison peer add: %s: %s\n", d.field[0] ? d.field : "peer",
                d.msg[0] ? d.msg : err_str(rc));
        return rc == ERR_INVAL || rc == ERR_CONFLICT ? 2 : 1;
    }
    printf("%lld\n", (long long)l->sv.id);
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

static int peer_list(struct svc *s, const struct principal *who, struct arena *a)
{
    struct link *v;
    size_t n;
    if (links_list(s, who, a, &v, &n) < 0) {
        fprintf(stderr, "liaison peer list: cannot read the links\n");
        return 1;
    }
    printf("%-4s  %-40s  %-4s  %-4s  %-23s  %-23s  %s\n", "ID", "URL", "PULL", "PUSH", "LAST PULL",
           "LAST PUSH", "NAME");
    for (size_t i = 0; i < n; i++) {
        const struct server *sv = &v[i].sv;
        printf("%-4lld  %-40s  %-4s  %-4s  %-23s  %-23s  %s\n", (long long)sv->id, sv->url,
               sv->pull ? "yes" : "no", sv->push ? "yes" : "no", last_run(a, v[i].pull),
               last_run(a, v[i].push), sv->name);
    }
    return 0;
}

static int peer_remove(struct svc *s, const struct principal *who, const char *arg)
{
    int64_t id;
    if (peer_id(arg, &id) < 0)
        return 2;
    int rc = links_delete(s, who, id);
    if (rc == ERR_NOTFOUND)
        fprintf(stderr, "liaison peer remove: no link %lld\n", (long long)id);
    else if (rc < 0)
        fprintf(stderr, "liaison peer remove: %s\n", err_str(rc));
    return rc == 0 ? 0 : 1;
}

static int peer_check(struct svc *s, const struct principal *who, const char *arg)
{
    int64_t id;
    if (peer_id(arg, &id) < 0)
        return 2;
    enum peer_status st;
    struct peer_version v;
    if (links_test(s, who, id, &st, &v) < 0) {
        fprintf(stderr, "liaison peer test: no link %lld\n", (long long)id);
        return 1;
    }
    printf("%d %s", (int)st, peer_status_name(st));
    if (v.version[0])
        printf(" (version %s, uuid %s, perm_sync %s)", v.version, v.uuid,
               v.perm_sync ? "yes" : "no");
    if (st != PEER_OK)
        printf(": %s", v.message);
    printf("\n");
    return st == PEER_OK ? 0 : 1;
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
    struct config cfg;
    if (cli_config(&cfg, &argc, argv) != 0)
        return 2;
    if (cli_check_opts("peer", argc, argv, valued, flags) != 0) {
        config_free(&cfg);
        return 2;
    }
    struct svc s;
    if (cli_svc_open(&cfg, &s) != 0) {
        config_free(&cfg);
        return 1;
    }
    struct principal who = {.cli = true};
    struct arena *a = arena_new();
    int rc;
    if (argc >= 3 && strcmp(argv[1], "add") == 0)
        rc = peer_add(&s, &who, a, argc, argv);
    else if (argc == 2 && strcmp(argv[1], "list") == 0)
        rc = peer_list(&s, &who, a);
    else if (argc == 3 && strcmp(argv[1], "remove") == 0)
        rc = peer_remove(&s, &who, argv[2]);
    else if (argc == 3 && strcmp(argv[1], "test") == 0)
        rc = peer_check(&s, &who, argv[2]);
    else {
        peer_usage(stderr);
        rc = 2;
    }
    arena_free(a);
    svc_close(&s);
    config_free(&cfg);
    return rc;
}
