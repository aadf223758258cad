/*
 * cmd_admin.c - `liaison org`, `liaison user` and `liaison key`: the same
 * administration as the REST API, for the operator on the machine (who acts
 * as site admin).
 */
#include "cli/cli.h"

#include "core/acl.h"
#include "core/auth.h"
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
    struct cli_tx t;
    int rc = tx_begin(&t, "org", &argc, argv, valued, NULL);
    if (rc)
        return rc;
    if (argc >= 3 && strcmp(argv[1], "add") == 0) {
        struct org o;
        memset(&o, 0, sizeof(o));
        o.name = argv[2];
        o.local = true;
        const char *uuid = opt(argc, argv, "--uuid");
        if (uuid && !uuid_canonical(str_from_cstr(uuid), o.uuid)) {
            fprintf(stderr, "liaison org add: --uuid: not a valid uuid\n");
            return tx_end(&t, 2);
        }
        if (!uuid)
            uuid_generate(o.uuid);
        o.description = (char *)opt(argc, argv, "--description");
        int r = store_org_insert(t.c, &o);
        if (r == ERR_CONFLICT) {
            fprintf(stderr,
                    "liaison org add: an organisation named '%s' or with this uuid "
                    "already exists\n",
                    o.name);
            return tx_end(&t, 1);
        }
        if (r < 0) {
            fprintf(stderr, "liaison org add: %s\n", err_str(r));
            return tx_end(&t, 1);
        }
        printf("%lld\t%s\t%s\n", (long long)o.id, o.uuid, o.name);
        return tx_end(&t, 0);
    }
    if (argc >= 2 && strcmp(argv[1], "list") == 0) {
        struct org *orgs;
        size_t n;
        if (store_org_list(t.c, t.a, &orgs, &n) < 0)
            return tx_end(&t, 1);
        for (size_t i = 0; i < n; i++)
            printf("%lld\t%s\t%s\n", (long long)orgs[i].id, orgs[i].uuid, orgs[i].name);
        return tx_end(&t, 0);
    }
    org_usage(stderr);
    return tx_end(&t, 2);
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

int cmd_user(int argc, char **argv)
{
    static const char *const valued[] = {"--org", "--role", NULL};
    if (cli_help_asked(argc, argv)) {
        user_usage(stdout);
        return 0;
    }
    struct cli_tx t;
    int rc = tx_begin(&t, "user", &argc, argv, valued, NULL);
    if (rc)
        return rc;
    if (argc >= 3 && strcmp(argv[1], "add") == 0) {
        const char *org_ref = opt(argc, argv, "--org");
        const char *role = opt(argc, argv, "--role");
        struct org *o;
        if (org_ref == NULL) {
            fprintf(stderr, "liaison user add: --org ORG (id, uuid or name) is required\n");
            return tx_end(&t, 2);
        }
        if (org_lookup(&t, org_ref, &o) < 0) {
            fprintf(stderr, "liaison user add: --org: no organisation '%s'\n", org_ref);
            return tx_end(&t, 1);
        }
        struct user u;
        memset(&u, 0, sizeof(u));
        u.email = argv[2];
        u.org_id = o->id;
        u.role_id = 3;
        uint64_t rid;
        struct role *r;
        if (role && (parse_u64_all(str_from_cstr(role), 1, INT64_MAX, &rid) < 0 ||
                     store_role_get(t.c, t.a, (int64_t)rid, &r) < 0)) {
            fprintf(stderr,
                    "liaison user add: --role: no role with id '%s' (1 admin, 2 Org "
                    "Admin, 3 User, 4 Publisher, 5 Sync user, 6 Read Only)\n",
                    role);
            return tx_end(&t, 2);
        }
        if (role)
            u.role_id = (int64_t)rid;
        if (strchr(u.email, '@') == NULL) {
            fprintf(stderr, "liaison user add: '%s' is not an e-mail address\n", u.email);
            return tx_end(&t, 2);
        }
        int r2 = store_user_insert(t.c, &u);
        if (r2 < 0) {
            fprintf(stderr, "liaison user add: %s\n",
                    r2 == ERR_CONFLICT ? "a user with this e-mail already exists" : err_str(r2));
            return tx_end(&t, 1);
        }
        printf("%lld\t%s\torg=%lld\trole=%lld\n", (long long)u.id, u.email, (long long)u.org_id,
               (long long)u.role_id);
        return tx_end(&t, 0);
    }
    if (argc >= 2 && strcmp(argv[1], "list") == 0) {
        struct user *users;
        size_t n;
        if (store_user_list(t.c, t.a, 0, &users, &n) < 0)
            return tx_end(&t, 1);
        for (size_t i = 0; i < n; i++)
            printf("%lld\t%s\torg=%lld\trole=%lld%s\n", (long long)users[i].id, users[i].email,
                   (long long)users[i].org_id, (long long)users[i].role_id,
                   users[i].disabled ? "\tdisabled" : "");
        return tx_end(&t, 0);
    }
    user_usage(stderr);
    return tx_end(&t, 2);
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
    struct cli_tx t;
    int rc = tx_begin(&t, "key", &argc, argv, valued, NULL);
    if (rc)
        return rc;
    if (argc >= 3 && strcmp(argv[1], "create") == 0) {
        struct user *u;
        if (store_user_get(t.c, t.a, 0, argv[2], &u) < 0) {
            fprintf(stderr, "liaison key create: no user '%s'\n", argv[2]);
            return tx_end(&t, 1);
        }
        char secret[AUTH_KEY_LEN + 1];
        struct auth_key k;
        if (auth_key_create(t.c, u->id, opt(argc, argv, "--comment"), 0, secret, &k) < 0) {
            fprintf(stderr, "liaison key create: cannot store the key\n");
            return tx_end(&t, 1);
        }
        rc = tx_end(&t, 0);
        if (rc == 0)
            printf("%s\n", secret);
        fprintf(stderr, "key id %lld for %s (shown once; store it now)\n", (long long)k.id,
                argv[2]);
        wipe(secret, sizeof(secret));
        return rc;
    }
    if (argc >= 3 && strcmp(argv[1], "revoke") == 0) {
        uint64_t id;
        if (parse_u64_all(str_from_cstr(argv[2]), 1, INT64_MAX, &id) < 0) {
            fprintf(stderr, "liaison key revoke: KEY_ID must be a number (see liaison key list)\n");
            return tx_end(&t, 2);
        }
        int r = store_key_delete(t.c, (int64_t)id);
        if (r < 0) {
            fprintf(stderr, "liaison key revoke: %s\n",
                    r == ERR_NOTFOUND ? "no key with this id" : err_str(r));
            return tx_end(&t, 1);
        }
        printf("revoked key %llu\n", (unsigned long long)id);
        return tx_end(&t, 0);
    }
    if (argc >= 2 && strcmp(argv[1], "list") == 0) {
        int64_t user_id = 0;
        if (argc >= 3) {
            struct user *u;
            if (store_user_get(t.c, t.a, 0, argv[2], &u) < 0) {
                fprintf(stderr, "liaison key list: no user '%s'\n", argv[2]);
                return tx_end(&t, 1);
            }
            user_id = u->id;
        }
        struct auth_key *keys;
        size_t n;
        if (store_key_list(t.c, t.a, user_id, &keys, &n) < 0)
            return tx_end(&t, 1);
        for (size_t i = 0; i < n; i++)
            printf("%lld\tuser=%lld\t%s...%s\t%s\n", (long long)keys[i].id,
                   (long long)keys[i].user_id, keys[i].key_start, keys[i].key_end,
                   keys[i].comment ? keys[i].comment : "");
        return tx_end(&t, 0);
    }
    key_usage(stderr);
    return tx_end(&t, 2);
}
