/*
 * cmd_admin.c - `liaison org`, `liaison user` and `liaison key`: the same
 * administration as the REST API, through the same services (core/orgs.h,
 * core/users.h, core/keys.h), for the operator on the machine (who acts as
 * site admin).
 */
#include "cli/cli.h"

#include "core/keys.h"
#include "core/orgs.h"
#include "core/users.h"
#include "util/alloc.h"
#include "util/parse.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

/* Returns the value after option name in argv, or NULL. */
static const char *opt(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (argv[i] != NULL && strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

/* A subcommand's services, arena and caller (the local administrator). */
struct cli_ctx {
    struct config cfg;
    struct svc svc;
    struct arena *a;
    struct principal who;
};

/* Takes the configuration flags, checks the rest against the options cmd
 * accepts (cli_check_opts), then opens the services. */
static int ctx_open(struct cli_ctx *t, const char *cmd, int *argc, char **argv,
                    const char *const *valued)
{
    memset(t, 0, sizeof(*t));
    if (cli_config(&t->cfg, argc, argv) != 0)
        return 2;
    if (cli_check_opts(cmd, *argc, argv, valued, NULL) != 0) {
        config_free(&t->cfg);
        return 2;
    }
    if (cli_svc_open(&t->cfg, &t->svc) != 0) {
        config_free(&t->cfg);
        return 1;
    }
    t->a = arena_new();
    t->who.cli = true;
    return 0;
}

static int ctx_close(struct cli_ctx *t, int rc)
{
    svc_close(&t->svc);
    arena_free(t->a);
    config_free(&t->cfg);
    return rc;
}

/* What a service's failure says: its message, else the code's name. */
static const char *why(int rc, const struct diag *d)
{
    return d->msg[0] ? d->msg : err_str(rc);
}

static void org_usage(FILE *f)
{
    fprintf(f, "usage: liaison org add NAME [--uuid UUID] [--description TEXT]\n"
               "       liaison org list\n"
               "\n"
               "Adds a local organisation, or lists them all (id, uuid, name).\n");
}

int cmd_org(int argc, char **argv)
{
    static const char *const valued[] = {"--uuid", "--description", NULL};
    if (cli_help_asked(argc, argv)) {
        org_usage(stdout);
        return 0;
    }
    struct cli_ctx t;
    int rc = ctx_open(&t, "org", &argc, argv, valued);
    if (rc)
        return rc;
    struct diag d = {0};
    if (argc >= 3 && strcmp(argv[1], "add") == 0) {
        struct org_in in = {.name = argv[2],
                            .uuid = opt(argc, argv, "--uuid"),
                            .description = opt(argc, argv, "--description"),
                            .local = true};
        struct org o;
        rc = orgs_add(&t.svc, &t.who, &in, &o, &d);
        if (rc == ERR_INVAL) {
            fprintf(stderr, "liaison org add: %s%s\n",
                    strcmp(d.field, "uuid") == 0 ? "--uuid: " : "", d.msg);
            return ctx_close(&t, 2);
        }
        if (rc == ERR_CONFLICT) {
            fprintf(stderr,
                    "liaison org add: an organisation named '%s' or with this uuid "
                    "already exists\n",
                    in.name);
            return ctx_close(&t, 1);
        }
        if (rc < 0) {
            fprintf(stderr, "liaison org add: %s\n", why(rc, &d));
            return ctx_close(&t, 1);
        }
        printf("%lld\t%s\t%s\n", (long long)o.id, o.uuid, o.name);
        return ctx_close(&t, 0);
    }
    if (argc >= 2 && strcmp(argv[1], "list") == 0) {
        struct org *orgs;
        size_t n;
        if ((rc = orgs_list(&t.svc, &t.who, t.a, &orgs, &n)) < 0) {
            fprintf(stderr, "liaison org list: %s\n", err_str(rc));
            return ctx_close(&t, 1);
        }
        for (size_t i = 0; i < n; i++)
            printf("%lld\t%s\t%s\n", (long long)orgs[i].id, orgs[i].uuid, orgs[i].name);
        return ctx_close(&t, 0);
    }
    org_usage(stderr);
    return ctx_close(&t, 2);
}

static void user_usage(FILE *f)
{
    fprintf(f, "usage: liaison user add EMAIL --org ORG [--role ROLE_ID]\n"
               "       liaison user list\n"
               "\n"
               "Adds a user to the organisation ORG (id, uuid or name) with a role (1 admin,\n"
               "2 Org Admin, 3 User (default), 4 Publisher, 5 Sync user, 6 Read Only), or\n"
               "lists them all.\n");
}

#define ROLE_HINT "(1 admin, 2 Org Admin, 3 User, 4 Publisher, 5 Sync user, 6 Read Only)"

int cmd_user(int argc, char **argv)
{
    static const char *const valued[] = {"--org", "--role", NULL};
    if (cli_help_asked(argc, argv)) {
        user_usage(stdout);
        return 0;
    }
    struct cli_ctx t;
    int rc = ctx_open(&t, "user", &argc, argv, valued);
    if (rc)
        return rc;
    struct diag d = {0};
    if (argc >= 3 && strcmp(argv[1], "add") == 0) {
        const char *org_ref = opt(argc, argv, "--org");
        const char *role = opt(argc, argv, "--role");
        struct org *o;
        if (org_ref == NULL) {
            fprintf(stderr, "liaison user add: --org ORG (id, uuid or name) is required\n");
            return ctx_close(&t, 2);
        }
        if (orgs_get(&t.svc, &t.who, t.a, org_ref, true, &o) < 0) {
            fprintf(stderr, "liaison user add: --org: no organisation '%s'\n", org_ref);
            return ctx_close(&t, 1);
        }
        struct user_in in = USER_IN_NONE;
        in.email = argv[2];
        in.org_id = o->id;
        uint64_t rid = 0;
        if (role && parse_u64_all(str_from_cstr(role), 1, INT64_MAX, &rid) < 0)
            in.role_id = -1;
        else
            in.role_id = (int64_t)rid;
        struct user u;
        rc = users_add(&t.svc, &t.who, t.a, &in, &u, &d);
        if (rc == ERR_INVAL && strcmp(d.field, "role_id") == 0) {
            fprintf(stderr, "liaison user add: --role: no role with id '%s' " ROLE_HINT "\n", role);
            return ctx_close(&t, 2);
        }
        if (rc == ERR_INVAL && strcmp(d.field, "email") == 0) {
            fprintf(stderr, "liaison user add: '%s' is not an e-mail address\n", in.email);
            return ctx_close(&t, 2);
        }
        if (rc < 0) {
            fprintf(stderr, "liaison user add: %s\n", why(rc, &d));
            return ctx_close(&t, 1);
        }
        printf("%lld\t%s\torg=%lld\trole=%lld\n", (long long)u.id, u.email, (long long)u.org_id,
               (long long)u.role_id);
        return ctx_close(&t, 0);
    }
    if (argc >= 2 && strcmp(argv[1], "list") == 0) {
        struct user *users;
        size_t n;
        if ((rc = users_list(&t.svc, &t.who, t.a, &users, &n, &d)) < 0) {
            fprintf(stderr, "liaison user list: %s\n", why(rc, &d));
            return ctx_close(&t, 1);
        }
        for (size_t i = 0; i < n; i++)
            printf("%lld\t%s\torg=%lld\trole=%lld%s\n", (long long)users[i].id, users[i].email,
                   (long long)users[i].org_id, (long long)users[i].role_id,
                   users[i].disabled ? "\tdisabled" : "");
        return ctx_close(&t, 0);
    }
    user_usage(stderr);
    return ctx_close(&t, 2);
}

static void key_usage(FILE *f)
{
    fprintf(f, "usage: liaison key create EMAIL [--comment TEXT]\n"
               "       liaison key revoke KEY_ID\n"
               "       liaison key list [EMAIL]\n"
               "\n"
               "Creates an API key for a user (printed once on standard output), revokes\n"
               "one, or lists them (id, user, first and last characters, comment).\n");
}

int cmd_key(int argc, char **argv)
{
    static const char *const valued[] = {"--comment", NULL};
    if (cli_help_asked(argc, argv)) {
        key_usage(stdout);
        return 0;
    }
    struct cli_ctx t;
    int rc = ctx_open(&t, "key", &argc, argv, valued);
    if (rc)
        return rc;
    struct diag d = {0};
    if (argc >= 3 && strcmp(argv[1], "create") == 0) {
        struct user *u;
        if (users_get(&t.svc, &t.who, t.a, 0, argv[2], &u) < 0) {
            fprintf(stderr, "liaison key create: no user '%s'\n", argv[2]);
            return ctx_close(&t, 1);
        }
        struct key_in in = {.comment = opt(argc, argv, "--comment")};
        char secret[AUTH_KEY_LEN + 1];
        struct auth_key k;
        if (keys_add(&t.svc, &t.who, t.a, u->id, &in, secret, &k, &d) < 0) {
            fprintf(stderr, "liaison key create: cannot store the key\n");
            return ctx_close(&t, 1);
        }
        printf("%s\n", secret);
        fprintf(stderr, "key id %lld for %s (shown once; store it now)\n", (long long)k.id,
                argv[2]);
        wipe(secret, sizeof(secret));
        return ctx_close(&t, 0);
    }
    if (argc >= 3 && strcmp(argv[1], "revoke") == 0) {
        uint64_t id;
        if (parse_u64_all(str_from_cstr(argv[2]), 1, INT64_MAX, &id) < 0) {
            fprintf(stderr, "liaison key revoke: KEY_ID must be a number (see liaison key list)\n");
            return ctx_close(&t, 2);
        }
        if ((rc = keys_delete(&t.svc, &t.who, t.a, (int64_t)id, &d)) < 0) {
            fprintf(stderr, "liaison key revoke: %s\n",
                    rc == ERR_NOTFOUND ? "no key with this id" : why(rc, &d));
            return ctx_close(&t, 1);
        }
        printf("revoked key %llu\n", (unsigned long long)id);
        return ctx_close(&t, 0);
    }
    if (argc >= 2 && strcmp(argv[1], "list") == 0) {
        int64_t user_id = 0;
        if (argc >= 3) {
            struct user *u;
            if (users_get(&t.svc, &t.who, t.a, 0, argv[2], &u) < 0) {
                fprintf(stderr, "liaison key list: no user '%s'\n", argv[2]);
                return ctx_close(&t, 1);
            }
            user_id = u->id;
        }
        struct auth_key *keys;
        size_t n;
        if ((rc = keys_list(&t.svc, &t.who, t.a, user_id, &keys, &n, &d)) < 0) {
            fprintf(stderr, "liaison key list: %s\n", why(rc, &d));
            return ctx_close(&t, 1);
        }
        for (size_t i = 0; i < n; i++)
            printf("%lld\tuser=%lld\t%s...%s\t%s\n", (long long)keys[i].id,
                   (long long)keys[i].user_id, keys[i].key_start, keys[i].key_end,
                   keys[i].comment ? keys[i].comment : "");
        return ctx_close(&t, 0);
    }
    key_usage(stderr);
    return ctx_close(&t, 2);
}
