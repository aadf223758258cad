/*
 * main.c - the liaison command: dispatch to subcommands and their shared
 * configuration handling.
 */
#include "cli/cli.h"

#include "core/peer.h"

#include "util/alloc.h"
#include "util/log.h"
#include "util/version.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/banned.h"

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: liaison COMMAND [options]\n"
        "\n"
        "Liaison: threat- and incident-information exchange server (MISP-compatible API).\n"
        "\n"
        "commands:\n"
        "  serve                 run the HTTP server (creates the database on first start)\n"
        "  init                  create the database, host organisation and admin key, then exit\n"
        "  org add NAME | org list\n"
        "  user add EMAIL --org ORG [--role ROLE_ID] | user list\n"
        "  key create EMAIL [--comment TEXT] | key revoke KEY_ID | key list [EMAIL]\n"
        "  import [FILE...]      import MISP JSON events (files or standard input)\n"
        "  export [-o FILE]      write the events as MISP JSON, as import reads them\n"
        "  migrate --from DB --to DB  copy a whole node to another database (SQLite, PostgreSQL)\n"
        "  lookup [-f FILE]      look observables up (one per line, or --extract from text)\n"
        "  peer add URL --key KEY ... | peer list | peer remove ID | peer test ID\n"
        "  sync pull|push PEER   one pull from or push to a sync link (--full, --json)\n"
        "  config show           print the effective configuration\n"
        "  version               print the version\n"
        "\n"
        "Every command accepts the configuration options (see 'liaison serve --help').\n");
}

static char bare_true[] = "true";

/* A value a boolean setting takes (config.c's words). */
static bool is_bool_word(const char *s)
{
    bool v;
    return s != NULL && config_parse_bool(s, &v);
}

static char *flag_name(const char *arg)
{
    /* --max-body -> max_body */
    char *name = xstrdup(arg + 2);
    for (char *p = name; *p; p++)
        if (*p == '-')
            *p = '_';
    return name;
}

int cli_config(struct config *cfg, int *argc, char **argv)
{
    config_init(cfg);
    struct diag d;
    diag_clear(&d);
    /* --config first, so that flags override the file */
    for (int i = 1; i < *argc && argv[i] != NULL; i++) {
        const char *path = NULL;
        if (strcmp(argv[i], "--config") == 0 && i + 1 < *argc)
            path = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
        if (path && config_load_file(cfg, path, &d) < 0) {
            fprintf(stderr, "liaison: %s\n", d.msg);
            return 1;
        }
    }
    if (config_load_env(cfg, &d) < 0) {
        fprintf(stderr, "liaison: %s\n", d.msg);
        return 1;
    }
    int out = 1;
    for (int i = 1; i < *argc && argv[i] != NULL; i++) {
        char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || strcmp(arg, "--help") == 0) {
            argv[out++] = arg;
            continue;
        }
        char *name = flag_name(arg);
        char *value = strchr(name, '=');
        int consumed = 1;
        if (value) {
            *value++ = '\0';
        } else if (config_is_bool(name) && (i + 1 >= *argc || !is_bool_word(argv[i + 1]))) {
            value = bare_true; /* a boolean flag standing alone: --read-only */
        } else if (i + 1 < *argc) {
            value = argv[i + 1];
            consumed = 2;
        }
        if (strcmp(name, "config") == 0) {
            free(name);
            i += consumed - 1;
            continue;
        }
        diag_clear(&d);
        int rc = value ? config_set(cfg, name, value, &d) : ERR_NOTFOUND;
        if (rc == ERR_NOTFOUND) {
            /* not a configuration flag: leave it for the subcommand */
            free(name);
            argv[out++] = arg;
            continue;
        }
        free(name);
        if (rc < 0) {
            fprintf(stderr, "liaison: %s: %s\n", arg, d.msg);
            return 1;
        }
        i += consumed - 1;
    }
    *argc = out;
    argv[out] = NULL;
    enum log_level level;
    if (log_level_parse(cfg->log_level, &level))
        log_set_level(level);
    return 0;
}

bool cli_help_asked(int argc, char **argv)
{
    for (int i = 1; i < argc && argv[i] != NULL; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

static bool listed(const char *const *names, const char *arg)
{
    for (; names != NULL && *names != NULL; names++)
        if (strcmp(*names, arg) == 0)
            return true;
    return false;
}

int cli_check_opts(const char *cmd, int argc, char **argv, const char *const *valued,
                   const char *const *flags)
{
    for (int i = 1; i < argc && argv[i] != NULL; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0' || listed(flags, arg))
            continue;
        if (listed(valued, arg) && i + 1 < argc) {
            i++;
            continue;
        }
        fprintf(stderr, "liaison %s: %s option '%s' (see liaison %s --help)\n", cmd,
                listed(valued, arg) ? "no value for the" : "unknown", arg, cmd);
        return 2;
    }
    return 0;
}

int cli_svc_open(const struct config *cfg, struct svc *out)
{
    struct diag d;
    diag_clear(&d);
    if (svc_open(out, cfg, &d) < 0) {
        fprintf(stderr, "liaison: %s\n", d.msg);
        return 1;
    }
    return 0;
}

static void config_usage(FILE *f)
{
    fprintf(f, "usage: liaison config show [options]\n"
               "\n"
               "Prints the effective configuration: defaults, then --config FILE, the\n"
               "environment and the flags (see 'liaison serve --help').\n");
}

int cmd_config(int argc, char **argv)
{
    if (cli_help_asked(argc, argv)) {
        config_usage(stdout);
        return 0;
    }
    struct config cfg;
    if (cli_config(&cfg, &argc, argv) != 0)
        return 2;
    if (cli_check_opts("config", argc, argv, NULL, NULL) != 0) {
        config_free(&cfg);
        return 2;
    }
    if (argc != 2 || strcmp(argv[1], "show") != 0) {
        config_usage(stderr);
        config_free(&cfg);
        return 2;
    }
    config_print(stdout, &cfg);
    config_free(&cfg);
    return 0;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "liaison: cannot initialise libsodium\n");
        return 1;
    }
    /* before any thread: sync runs may start on several at once */
    if (peer_global_init() < 0) {
        fprintf(stderr, "liaison: cannot initialise the HTTP client\n");
        return 1;
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"serve", cmd_serve},   {"init", cmd_init},     {"org", cmd_org},
        {"user", cmd_user},     {"key", cmd_key},       {"config", cmd_config},
        {"import", cmd_import}, {"export", cmd_export}, {"migrate", cmd_migrate},
        {"lookup", cmd_lookup}, {"peer", cmd_peer},     {"sync", cmd_sync},
    };
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        if (cli_help_asked(argc - 1, argv + 1))
            printf("usage: liaison version\n\nPrints the version.\n");
        else
            printf("liaison %s\n", LIAISON_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "liaison: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
