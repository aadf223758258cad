/*
 * test_store.c - the store's conformance suite: every case runs against each
 * backend of the list below (SQLite on a throw-away file; PostgreSQL on the
 * database LIAISON_TEST_PG names, emptied before each case - `make test` starts
 * a private server for it, scripts/pg-server) through store.h only, and
 * together the cases call every entry of struct store_ops at least once.
 * Without LIAISON_TEST_PG the PostgreSQL group's cases are reported skipped.
 * What only one backend has (SQLite's migrations from an old file, its
 * statement cache) is in test_store_<name>.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/store.h"
#include "util/arena.h"

#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the backends ---- */

struct backend {
    const char *name;
    /* Writes the URL of a fresh, empty database into url (a case's set-up). */
    void (*make)(char *url, size_t n);
    /* Removes it (the case's tear-down). */
    void (*drop)(void);
};

static char sqlite_path[256];

static void sqlite_make(char *url, size_t n)
{
    snprintf(sqlite_path, sizeof(sqlite_path), "/tmp/liaison-test-store-%d.db", (int)getpid());
    unlink(sqlite_path);
    snprintf(url, n, "sqlite:%s", sqlite_path);
}

static void sqlite_drop(void)
{
    char p[300];
    unlink(sqlite_path);
    snprintf(p, sizeof(p), "%s-wal", sqlite_path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", sqlite_path);
    unlink(p);
}

/* PostgreSQL: the database of LIAISON_TEST_PG with an empty public schema. */
static void pg_make(char *url, size_t n)
{
    const char *conninfo = getenv("LIAISON_TEST_PG");
    if (conninfo == NULL || *conninfo == '\0') {
        snprintf(url, n, "%s", "");
        return;
    }
    PGconn *db = PQconnectdb(conninfo);
    if (PQstatus(db) != CONNECTION_OK) {
        fprintf(stderr, "test_store: cannot connect to %s: %s", conninfo, PQerrorMessage(db));
        PQfinish(db);
        snprintf(url, n, "%s", "");
        return;
    }
    /* a failed case leaves its store open (cmocka jumps out of it): end its
     * sessions, whose locks would hold up the next case */
    PGresult *r = PQexec(db, "SET client_min_messages = warning;"
                             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                             " WHERE datname = current_database() AND pid <> pg_backend_pid();"
                             "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fprintf(stderr, "test_store: cannot empty %s: %s", conninfo, PQerrorMessage(db));
    PQclear(r);
    PQfinish(db);
    snprintf(url, n, "%s", conninfo);
}

static void pg_drop(void)
{
}

static const struct backend backends[] = {
    {"sqlite", sqlite_make, sqlite_drop},
    {"postgresql", pg_make, pg_drop},
};

static const struct backend *backend; /* the one the cases run against */

/* Reported skipped in place of the PostgreSQL group when no server is given. */
static void test_postgresql_not_configured(void **state)
{
    (void)state;
    print_message("LIAISON_TEST_PG is not set: the PostgreSQL backend is not tested\n");
    skip();
}
static char url[512];

static int setup(void **state)
{
    (void)state;
    backend->make(url, sizeof(url));
    return url[0] == '\0' ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    backend->drop();
    return 0;
}

static struct store *open_store(unsigned readers)
{
    struct store *s = NULL;
    struct diag d;
    diag_clear(&d);
    assert_int_equal(store_open(url, readers, &s, &d), 0);
    return s;
}

static void insert_org(struct store_conn *c, struct org *o, const char *name, const char *uuid)
{
    memset(o, 0, sizeof(*o));
    snprintf(o->uuid, sizeof(o->uuid), "%s", uuid);
    o->name = (char *)name;
    o->local = true;
    assert_int_equal(store_org_insert(c, o), 0);
}

static void insert_event(struct store_conn *c, struct event *e, int64_t org_id, int distribution,
                         const char *uuid)
{
    memset(e, 0, sizeof(*e));
    e->info = "conformance";
    snprintf(e->date, sizeof(e->date), "2026-01-01");
    e->threat_level_id = 4;
    e->distribution = distribution;
    e->timestamp = 100;
    e->org_id = e->orgc_id = org_id;
    snprintf(e->uuid, sizeof(e->uuid), "%s", uuid);
    assert_int_equal(store_event_insert(c, e), 0);
}

static void insert_attribute(struct store_conn *c, struct attribute *at, int64_t event_id,
                             int64_t object_id, const char *value, int distribution,
                             const char *uuid)
{
    memset(at, 0, sizeof(*at));
    at->event_id = event_id;
    at->object_id = object_id;
    at->type = "domain";
    at->category = "Network activity";
    at->value = (char *)value;
    at->distribution = distribution;
    at->timestamp = 100;
    snprintf(at->uuid, sizeof(at->uuid), "%s", uuid);
    assert_int_equal(store_attribute_insert(c, at), 0);
}

static int count_attr(void *ctx, struct attribute *at, const char *event_uuid)
{
    (void)at;
    (void)event_uuid;
    (*(int *)ctx)++;
    return 0;
}

static int count_event(void *ctx, struct event *e)
{
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

static int count_uuid(void *ctx, const char *uuid)
{
    (void)uuid;
    (*(int *)ctx)++;
    return 0;
}

/* ---- opening ---- */

static void test_open_reopen_keeps_version(void **state)
{
    (void)state;
    struct store *s = open_store(2);
    int v1 = 0;
    assert_int_equal(store_schema_version(s, &v1), 0);
    assert_true(v1 >= 1);
    store_close(s);
    s = open_store(2); /* existing database: nothing to apply, same version */
    int v2 = 0;
    assert_int_equal(store_schema_version(s, &v2), 0);
    assert_int_equal(v1, v2);
    store_close(s);
    store_close(NULL);
}

static void test_unknown_scheme_is_refused(void **state)
{
    (void)state;
    struct store *s = NULL;
    struct diag d;
    diag_clear(&d);
    assert_int_equal(store_open("mysql://liaison@db.example/liaison", 1, &s, &d), ERR_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "unsupported"));
    assert_non_null(strstr(d.msg, "\"mysql\"")); /* names the scheme */
    assert_non_null(strstr(d.msg, "sqlite:"));   /* and the supported ones */
    assert_non_null(strstr(d.msg, "postgresql:"));
    assert_null(s);
    /* a PostgreSQL server that cannot be reached: unavailable, saying why */
    diag_clear(&d);
    assert_int_equal(store_open("postgresql:///liaison?host=/nonexistent", 1, &s, &d),
                     ERR_UNAVAILABLE);
    assert_non_null(strstr(d.msg, "cannot connect to PostgreSQL"));
    diag_clear(&d);
    assert_int_equal(store_open("host=/nonexistent dbname=liaison", 1, &s, &d), ERR_UNAVAILABLE);
    assert_null(s);
}

/* ---- transactions and the change sequence ---- */

static void test_change_sequence_one_value_per_write_transaction(void **state)
{
    (void)state;
    struct store *s = open_store(2);
    struct store_conn *c;
    int64_t seq0, seq1, seq2;
    assert_int_equal(store_begin_read(s, &c), 0);
    assert_int_equal(store_change_seq(c, &seq0), 0);
    assert_int_equal(store_end(c, true), 0);
    struct org o1, o2, o3;
    assert_int_equal(store_begin_write(s, &c), 0);
    insert_org(c, &o1, "One", "99999999-9999-4999-8999-999999999991");
    insert_org(c, &o2, "Two", "99999999-9999-4999-8999-999999999992");
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(store_begin_read(s, &c), 0);
    assert_int_equal(store_change_seq(c, &seq1), 0);
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(seq1, seq0 + 1); /* the two inserts shared one value */
    assert_int_equal(store_begin_write(s, &c), 0);
    insert_org(c, &o3, "Three", "99999999-9999-4999-8999-999999999993");
    assert_int_equal(store_change_seq(c, &seq2), 0);
    assert_int_equal(seq2, seq1 + 1); /* the writer sees its own */
    assert_int_equal(store_end(c, false), 0);
    assert_int_equal(store_end(NULL, true), 0);
    store_close(s);
}

static void test_savepoint_keeps_or_undoes(void **state)
{
    (void)state;
    struct store *s = open_store(1);
    struct arena *a = arena_new();
    struct store_conn *c;
    struct org o;
    assert_int_equal(store_begin_write(s, &c), 0);
    insert_org(c, &o, "Kept", "12121212-1212-4121-8121-121212121211");
    assert_int_equal(store_savepoint(c), 0);
    insert_org(c, &o, "Undone", "12121212-1212-4121-8121-121212121212");
    assert_int_equal(store_savepoint_end(c, false), 0);
    assert_int_equal(store_savepoint(c), 0);
    insert_org(c, &o, "Released", "12121212-1212-4121-8121-121212121213");
    assert_int_equal(store_savepoint_end(c, true), 0);
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(store_begin_read(s, &c), 0);
    struct org *orgs, *got;
    size_t n;
    assert_int_equal(store_org_list(c, a, &orgs, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(orgs[0].name, "Kept");
    assert_string_equal(orgs[1].name, "Released");
    assert_int_equal(store_org_get(c, a, 0, NULL, "Undone", &got), ERR_NOTFOUND);
    assert_int_equal(store_end(c, true), 0);
    arena_free(a);
    store_close(s);
}

/* Regression: a cached statement left mid-result kept the reader's transaction
 * open (COMMIT failed), so that reader never saw later writes. */
static void test_reader_sees_writes_after_single_row_lookups(void **state)
{
    (void)state;
    struct store *s = open_store(1); /* one reader: always the same */
    struct arena *a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(s, &c), 0);
    struct org o;
    insert_org(c, &o, "First", "77777777-7777-4777-8777-777777777777");
    assert_int_equal(store_end(c, true), 0);
    struct org *got;
    assert_int_equal(store_begin_read(s, &c), 0);
    assert_int_equal(store_org_get(c, a, o.id, NULL, NULL, &got), 0); /* leaves a row pending */
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(store_begin_write(s, &c), 0);
    struct org o2;
    insert_org(c, &o2, "Second", "88888888-8888-4888-8888-888888888888");
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(store_begin_read(s, &c), 0);
    assert_int_equal(store_org_get(c, a, o2.id, NULL, NULL, &got), 0);
    assert_string_equal(got->name, "Second");
    assert_int_equal(store_end(c, true), 0);
    arena_free(a);
    store_close(s);
}

/* ---- settings, organisations, roles, users, keys ---- */

static int key_seen(void *ctx, const struct auth_key *k, const void *hash, size_t hash_len)
{
    int *n = ctx;
    assert_string_equal(k->key_end, "wxyz");
    assert_int_equal(hash_len, 32);
    assert_int_equal(((const unsigned char *)hash)[2], 3);
    (*n)++;
    return 0;
}

static void test_settings_orgs_users_keys(void **state)
{
    (void)state;
    struct store *s = open_store(2);
    struct arena *a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(s, &c), 0);
    char *value;
    assert_int_equal(store_setting_get(c, a, "motd", &value), ERR_NOTFOUND);
    assert_int_equal(store_setting_set(c, "motd", "hello"), 0);
    assert_int_equal(store_setting_set(c, "motd", "again"), 0);
    assert_int_equal(store_setting_get(c, a, "motd", &value), 0);
    assert_string_equal(value, "again");

    struct org o;
    insert_org(c, &o, "CERT-A", "11111111-1111-4111-8111-111111111111");
    struct org dup = o;
    dup.id = 0;
    assert_int_equal(store_org_insert(c, &dup), ERR_CONFLICT);
    struct org *got;
    assert_int_equal(store_org_get(c, a, 0, NULL, "CERT-A", &got), 0);
    assert_int_equal(got->id, o.id);
    assert_int_equal(store_org_get(c, a, 0, o.uuid, NULL, &got), 0);
    assert_int_equal(got->id, o.id);

    struct user u = {.email = "a@cert.example", .org_id = o.id, .role_id = 3};
    assert_int_equal(store_user_insert(c, &u), 0);
    struct user *gu, *users;
    size_t n;
    assert_int_equal(store_user_get(c, a, 0, "A@CERT.EXAMPLE", &gu), 0); /* case-insensitive */
    assert_int_equal(gu->id, u.id);
    u.disabled = true;
    assert_int_equal(store_user_update(c, &u), 0);
    assert_int_equal(store_user_get(c, a, u.id, NULL, &gu), 0);
    assert_true(gu->disabled);
    assert_int_equal(store_user_list(c, a, o.id, &users, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_user_list(c, a, o.id + 100, &users, &n), 0);
    assert_int_equal(n, 0);

    unsigned char hash[32] = {1, 2, 3};
    struct auth_key k = {.user_id = u.id, .key_start = "abcd", .key_end = "wxyz"};
    snprintf(k.uuid, sizeof(k.uuid), "22222222-2222-4222-8222-222222222222");
    assert_int_equal(store_key_insert(c, &k, hash, sizeof(hash)), 0);
    struct auth_key *keys, *gk;
    assert_int_equal(store_key_list(c, a, u.id, &keys, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(keys[0].key_start, "abcd");
    assert_int_equal(store_key_get(c, a, k.id, &gk), 0);
    assert_string_equal(gk->uuid, k.uuid);
    int seen = 0;
    assert_int_equal(store_key_candidates(c, "abcd", key_seen, &seen), 0);
    assert_int_equal(seen, 1);
    assert_int_equal(store_key_candidates(c, "zzzz", key_seen, &seen), 0);
    assert_int_equal(seen, 1);
    assert_int_equal(store_key_delete(c, k.id), 0);
    assert_int_equal(store_key_delete(c, k.id), ERR_NOTFOUND);
    assert_int_equal(store_key_insert(c, &k, hash, sizeof(hash)), 0);

    assert_int_equal(store_user_delete(c, u.id), 0); /* and its keys */
    assert_int_equal(store_key_list(c, a, u.id, &keys, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_user_get(c, a, u.id, NULL, &gu), ERR_NOTFOUND);
    assert_int_equal(store_user_delete(c, u.id), ERR_NOTFOUND);
    assert_int_equal(store_end(c, true), 0);
    arena_free(a);
    store_close(s);
}

/* The permissions of a role read by name (role_perm_names), not by bit. */
static bool role_has_named(const struct role *r, const char *perm)
{
    for (int p = 0; p < PERM_COUNT; p++)
        if (strcmp(role_perm_names[p], perm) == 0)
            return role_has(r, (enum role_perm)p);
    fail_msg("no permission %s", perm);
    return false;
}

static const struct role *role_named(const struct role *roles, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(roles[i].name, name) == 0)
            return &roles[i];
    fail_msg("no role %s", name);
    return NULL;
}

/* MISP's default roles, as a fresh database holds them, checked by permission name. */
static void test_default_roles_by_permission_name(void **state)
{
    (void)state;
    struct store *s = open_store(1);
    struct arena *a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_read(s, &c), 0);
    struct role *roles, *r;
    size_t n;
    assert_int_equal(store_role_list(c, a, &roles, &n), 0);
    assert_int_equal(n, 6);
    const struct role *admin = role_named(roles, n, "admin");
    assert_int_equal(admin->perms, (1u << PERM_COUNT) - 1); /* every permission */
    assert_true(admin->restricted_to_site_admin);
    const struct role *user = role_named(roles, n, "User");
    assert_true(user->default_role);
    static const char *const user_perms[] = {
        "perm_add",         "perm_modify",   "perm_modify_org", "perm_auth",
        "perm_tagger",      "perm_sighting", "perm_decaying",   "perm_view_feed_correlations",
        "perm_analyst_data"};
    uint32_t want = 0;
    for (size_t i = 0; i < sizeof(user_perms) / sizeof(user_perms[0]); i++) {
        assert_true(role_has_named(user, user_perms[i]));
        for (int p = 0; p < PERM_COUNT; p++)
            if (strcmp(role_perm_names[p], user_perms[i]) == 0)
                want |= PERM_BIT(p);
    }
    assert_int_equal(user->perms, want); /* and nothing else */
    const struct role *publisher = role_named(roles, n, "Publisher");
    assert_int_equal(publisher->perms, want | PERM_BIT(PERM_PUBLISH));
    const struct role *sync = role_named(roles, n, "Sync user");
    assert_true(role_has_named(sync, "perm_sync"));
    assert_true(role_has_named(sync, "perm_sharing_group"));
    assert_false(role_has_named(sync, "perm_site_admin"));
    const struct role *org_admin = role_named(roles, n, "Org Admin");
    assert_true(role_has_named(org_admin, "perm_admin"));
    assert_false(role_has_named(org_admin, "perm_sync"));
    const struct role *ro = role_named(roles, n, "Read Only");
    assert_int_equal(ro->perms, PERM_BIT(PERM_AUTH) | PERM_BIT(PERM_VIEW_FEED_CORRELATIONS));
    assert_int_equal(store_role_get(c, a, user->id, &r), 0);
    assert_string_equal(r->name, "User");
    assert_int_equal(r->perms, user->perms);
    assert_int_equal(store_role_get(c, a, 9999, &r), ERR_NOTFOUND);
    assert_int_equal(store_end(c, true), 0);
    arena_free(a);
    store_close(s);
}

/* ---- events, attributes, tags: acl-filtered loading and search ---- */

static void test_event_attributes_acl_and_search(void **state)
{
    (void)state;
    struct store *s = open_store(2);
    struct arena *a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(s, &c), 0);
    struct org mine, other;
    insert_org(c, &mine, "Owner", "33333333-3333-4333-8333-333333333333");
    insert_org(c, &other, "Reader", "44444444-4444-4444-8444-444444444444");
    struct event e;
    insert_event(c, &e, mine.id, DIST_COMMUNITY, "55555555-5555-4555-8555-555555555555");
    const char *values[] = {"1.2.3.4", "evil.example", "secret"};
    int dists[] = {DIST_INHERIT, DIST_INHERIT, DIST_ORG};
    for (int i = 0; i < 3; i++) {
        struct attribute at;
        char uuid[UUID_STR_LEN + 1];
        snprintf(uuid, sizeof(uuid), "66666666-6666-4666-8666-66666666666%c", (char)('0' + i));
        insert_attribute(c, &at, e.id, 0, values[i], dists[i], uuid);
    }
    struct tag t = {.name = "tlp:green", .colour = "#00ff00"};
    assert_int_equal(store_tag_resolve(c, a, &t, true), 0);
    struct tag again = {.name = "tlp:green"};
    assert_int_equal(store_tag_resolve(c, a, &again, false), 0);
    assert_int_equal(again.id, t.id);
    struct tag missing = {.name = "tlp:none"};
    assert_int_equal(store_tag_resolve(c, a, &missing, false), ERR_NOTFOUND);
    assert_int_equal(store_event_tag_attach(c, e.id, t.id, false), 0);
    assert_int_equal(store_event_tag_attach(c, e.id, t.id, false), 0); /* idempotent */
    assert_int_equal(store_end(c, true), 0);

    assert_int_equal(store_begin_read(s, &c), 0);
    struct acl_filter owner = {.org_id = mine.id}, reader = {.org_id = other.id};
    struct event *loaded;
    assert_int_equal(
        store_event_load(c, a, e.id, NULL, &owner, STORE_LOAD_CHILDREN | STORE_LOAD_TAGS, &loaded),
        0);
    assert_int_equal(loaded->n_attrs, 3);
    assert_int_equal(loaded->n_tags, 1);
    assert_string_equal(loaded->orgc->name, "Owner");
    assert_int_equal(store_event_load(c, a, 0, e.uuid, &reader, STORE_LOAD_CHILDREN, &loaded), 0);
    assert_int_equal(loaded->n_attrs, 2); /* the org-only attribute is hidden */

    struct query q;
    memset(&q, 0, sizeof(q));
    q.to_ids = TRI_ANY;
    q.published = TRI_ANY;
    q.acl = reader;
    const char *pattern[] = {"%.example"};
    q.value.any = pattern;
    q.value.n_any = 1;
    int n = 0;
    assert_int_equal(store_attribute_search(c, a, &q, true, count_attr, &n), 0);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(store_event_search(c, a, &q, count_event, &n), 0);
    assert_int_equal(n, 1);
    const char *secret[] = {"secret"};
    q.value.any = secret;
    n = 0;
    assert_int_equal(store_attribute_search(c, a, &q, false, count_attr, &n), 0);
    assert_int_equal(n, 0);
    n = 0;
    assert_int_equal(store_event_search(c, a, &q, count_event, &n), 0);
    assert_int_equal(n, 0);
    q.acl = owner;
    n = 0;
    assert_int_equal(store_attribute_search(c, a, &q, false, count_attr, &n), 0);
    assert_int_equal(n, 1);
    q.acl.unpublished_private = true; /* the owner still sees its unpublished event */
    n = 0;
    assert_int_equal(store_event_search(c, a, &q, count_event, &n), 0);
    assert_int_equal(n, 1);
    q.acl = reader;
    q.acl.unpublished_private = true;
    q.value.n_any = 0;
    n = 0;
    assert_int_equal(store_event_search(c, a, &q, count_event, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_end(c, true), 0);

    /* org-only event: invisible to the reader */
    assert_int_equal(store_begin_write(s, &c), 0);
    loaded->distribution = DIST_ORG;
    loaded->id = e.id;
    assert_int_equal(store_event_update(c, loaded), 0);
    assert_int_equal(store_event_load(c, a, e.id, NULL, &reader, 0, &loaded), ERR_NOTFOUND);
    /* soft delete then hard delete of an attribute */
    struct attribute *at;
    assert_int_equal(store_attribute_get(c, a, 0, "66666666-6666-4666-8666-666666666660", &at), 0);
    assert_int_equal(store_attribute_delete(c, at->id, false), 0);
    assert_int_equal(store_attribute_get(c, a, at->id, NULL, &at), 0);
    assert_true(at->deleted);
    /* deleted children: shown to the owner on request, never to others */
    assert_int_equal(store_event_load(c, a, e.id, NULL, &owner,
                                      STORE_LOAD_CHILDREN | STORE_LOAD_DELETED_ONLY, &loaded),
                     0);
    assert_int_equal(loaded->n_attrs, 1);
    assert_int_equal(store_attribute_delete(c, at->id, true), 0);
    assert_int_equal(store_attribute_get(c, a, at->id, NULL, &at), ERR_NOTFOUND);
    assert_int_equal(store_event_delete(c, e.id), 0);
    assert_int_equal(store_event_load(c, a, e.id, NULL, &owner, 0, &loaded), ERR_NOTFOUND);
    store_end(c, false); /* roll back: the event is back */
    assert_int_equal(store_begin_read(s, &c), 0);
    assert_int_equal(store_event_load(c, a, e.id, NULL, &owner, 0, &loaded), 0);
    store_end(c, true);
    arena_free(a);
    store_close(s);
}

/* Objects, references, attribute tags, updates, uuids, touch and purge. */
static void test_objects_references_tags_and_purge(void **state)
{
    (void)state;
    struct store *s = open_store(1);
    struct arena *a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(s, &c), 0);
    struct org o;
    insert_org(c, &o, "Owner", "13131313-1313-4131-8131-131313131313");
    struct event e;
    insert_event(c, &e, o.id, DIST_ALL, "14141414-1414-4141-8141-141414141414");
    struct object ob = {.event_id = e.id,
                        .name = "domain-ip",
                        .meta_category = "network",
                        .distribution = DIST_INHERIT,
                        .timestamp = 100};
    snprintf(ob.uuid, sizeof(ob.uuid), "15151515-1515-4151-8151-151515151515");
    assert_int_equal(store_object_insert(c, &ob), 0);
    struct attribute in_obj, plain;
    insert_attribute(c, &in_obj, e.id, ob.id, "in.example", DIST_INHERIT,
                     "16161616-1616-4161-8161-161616161616");
    insert_attribute(c, &plain, e.id, 0, "plain.example", DIST_INHERIT,
                     "17171717-1717-4171-8171-171717171717");
    struct object_reference ref = {
        .object_id = ob.id, .relationship_type = "related-to", .timestamp = 100};
    snprintf(ref.uuid, sizeof(ref.uuid), "18181818-1818-4181-8181-181818181818");
    snprintf(ref.referenced_uuid, sizeof(ref.referenced_uuid), "%s", plain.uuid);
    assert_int_equal(store_reference_insert(c, e.id, &ref), 0);
    struct tag t = {.name = "kill-chain:delivery", .colour = "#123456"};
    assert_int_equal(store_tag_insert(c, &t), 0);
    struct tag *tags, *gt;
    size_t n;
    assert_int_equal(store_tag_list(c, a, "kill-chain:%", &tags, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_tag_list(c, a, NULL, &tags, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_tag_get(c, a, t.id, NULL, &gt), 0);
    assert_string_equal(gt->name, "kill-chain:delivery");
    assert_int_equal(store_attribute_tag_attach(c, e.id, plain.id, t.id, true), 0);
    assert_int_equal(store_event_tag_attach(c, e.id, t.id, false), 0);
    assert_int_equal(store_end(c, true), 0);

    assert_int_equal(store_begin_write(s, &c), 0);
    struct acl_filter all;
    memset(&all, 0, sizeof(all));
    all.everything = true;
    struct event *ld;
    assert_int_equal(
        store_event_load(c, a, e.id, NULL, &all, STORE_LOAD_CHILDREN | STORE_LOAD_TAGS, &ld), 0);
    assert_int_equal(ld->n_attrs, 1);
    assert_int_equal(ld->n_objects, 1);
    assert_int_equal(ld->objects[0].n_attrs, 1);
    assert_int_equal(ld->objects[0].n_refs, 1);
    assert_string_equal(ld->objects[0].refs[0].referenced_uuid, plain.uuid);
    assert_int_equal(ld->attrs[0].n_tags, 1);
    assert_true(ld->attrs[0].tags[0].local);
    assert_int_equal(ld->n_tags, 1);

    struct object *go;
    assert_int_equal(store_object_get(c, a, 0, ob.uuid, &go), 0);
    go->comment = "edited";
    assert_int_equal(store_object_update(c, go), 0);
    assert_int_equal(store_object_get(c, a, ob.id, NULL, &go), 0);
    assert_string_equal(go->comment, "edited");
    struct attribute *ga;
    assert_int_equal(store_attribute_get(c, a, plain.id, NULL, &ga), 0);
    ga->value = "changed.example";
    assert_int_equal(store_attribute_update(c, ga), 0);
    assert_int_equal(store_attribute_get(c, a, 0, plain.uuid, &ga), 0);
    assert_string_equal(ga->value, "changed.example");

    bool taken;
    assert_int_equal(store_uuid_taken(c, ob.uuid, &taken), 0);
    assert_true(taken);
    assert_int_equal(store_uuid_taken_by(c, plain.uuid, false, &taken), 0);
    assert_false(taken); /* attributes left out */
    assert_int_equal(store_uuid_taken_by(c, plain.uuid, true, &taken), 0);
    assert_true(taken);
    assert_int_equal(store_uuid_taken(c, "19191919-1919-4191-8191-191919191919", &taken), 0);
    assert_false(taken);

    assert_int_equal(store_attribute_tag_detach(c, plain.id, t.id), 0);
    assert_int_equal(store_attribute_tag_detach(c, plain.id, t.id), ERR_NOTFOUND);
    assert_int_equal(store_event_tag_detach(c, e.id, t.id), 0);
    assert_int_equal(store_event_tag_detach(c, e.id, t.id), ERR_NOTFOUND);
    assert_int_equal(store_event_touch(c, e.id, 12345), 0);
    assert_int_equal(store_object_delete(c, ob.id, false), 0); /* with its attributes */
    assert_int_equal(
        store_event_load(c, a, e.id, NULL, &all, STORE_LOAD_CHILDREN | STORE_LOAD_TAGS, &ld), 0);
    assert_int_equal(ld->timestamp, 12345);
    assert_int_equal(ld->n_objects, 0);
    assert_int_equal(ld->n_attrs, 1);
    assert_int_equal(ld->attrs[0].n_tags, 0);
    assert_int_equal(ld->n_tags, 0);
    assert_int_equal(store_object_delete(c, ob.id, true), 0);
    assert_int_equal(store_object_get(c, a, ob.id, NULL, &go), ERR_NOTFOUND);

    assert_int_equal(store_event_purge(c, e.id), 0);
    assert_int_equal(store_event_load(c, a, e.id, NULL, &all, 0, &ld), ERR_NOTFOUND);
    assert_int_equal(store_uuid_taken(c, e.uuid, &taken), 0);
    assert_false(taken); /* no trace left */
    assert_int_equal(store_event_purge(c, e.id), ERR_NOTFOUND);
    assert_int_equal(store_end(c, true), 0);
    arena_free(a);
    store_close(s);
}

/* ---- attributes in bulk ---- */

/* Attribute i of a bulk insert: uuid 4a4a4a4a-...-<i>, value "v<i>.example". */
static struct attribute *bulk_attrs(struct arena *a, int64_t event_id, size_t n, size_t first)
{
    struct attribute *v = arena_calloc(a, n, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        v[i].event_id = event_id;
        v[i].type = "domain";
        v[i].category = "Network activity";
        v[i].value = arena_printf(a, "v%zu.example", first + i);
        v[i].distribution = DIST_INHERIT;
        v[i].timestamp = 100;
        snprintf(v[i].uuid, sizeof(v[i].uuid), "4a4a4a4a-4a4a-44a4-84a4-%012zu", first + i);
    }
    return v;
}

static struct attribute **bulk_ptrs(struct arena *a, struct attribute *v, size_t n)
{
    struct attribute **p = arena_alloc(a, n * sizeof(*p));
    for (size_t i = 0; i < n; i++)
        p[i] = &v[i];
    return p;
}

static bool bulk_stored(struct store_conn *c, struct arena *a, const struct attribute *at)
{
    struct attribute *got;
    int rc = store_attribute_get(c, a, 0, at->uuid, &got);
    assert_true(rc == 0 || rc == ERR_NOTFOUND);
    return rc == 0 && got->id == at->id;
}

static int count_removed(void *ctx, const struct index_row *r)
{
    if (r->type == NULL)
        (*(int *)ctx)++;
    return 0;
}

static int note_uuid(void *ctx, const char *uuid)
{
    char *seen = ctx; /* one flag per uuid, by its last digit */
    seen[uuid[strlen(uuid) - 1] - '0'] = 1;
    return 0;
}

/* n attributes, where ats[at] has the uuid of ats[dup]: ERR_CONFLICT at `at`,
 * the attributes before it inserted, the others not. */
static void bulk_conflict(struct store_conn *c, struct arena *a, int64_t event_id, size_t n,
                          size_t first, size_t at, const char *uuid)
{
    struct attribute *v = bulk_attrs(a, event_id, n, first);
    snprintf(v[at].uuid, sizeof(v[at].uuid), "%s", uuid);
    size_t conflict = 0;
    assert_int_equal(store_attributes_insert(c, bulk_ptrs(a, v, n), n, &conflict), ERR_CONFLICT);
    assert_int_equal(conflict, at);
    for (size_t i = 0; i < n; i++)
        if (i != at)
            assert_int_equal(bulk_stored(c, a, &v[i]), i < at);
}

static void test_attributes_in_bulk(void **state)
{
    (void)state;
    struct store *s = open_store(1);
    struct arena *a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(s, &c), 0);
    struct org o;
    insert_org(c, &o, "Bulk", "40404040-4040-4404-8404-404040404040");
    struct event e;
    insert_event(c, &e, o.id, DIST_ALL, "41414141-4141-4414-8414-414141414141");
    struct object ob = {.event_id = e.id,
                        .name = "domain-ip",
                        .meta_category = "network",
                        .distribution = DIST_INHERIT,
                        .timestamp = 100};
    snprintf(ob.uuid, sizeof(ob.uuid), "41414141-4141-4414-8414-414141414142");
    assert_int_equal(store_object_insert(c, &ob), 0);
    struct attribute stored;
    insert_attribute(c, &stored, e.id, 0, "stored.example", DIST_INHERIT,
                     "41414141-4141-4414-8414-414141414143");
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(store_begin_write(s, &c), 0);
    int64_t since; /* the removals this transaction would leave come after it */
    assert_int_equal(store_change_seq(c, &since), 0);

    /* which uuids are taken, with and without the attributes */
    static const char *const uuids[] = {
        "41414141-4141-4414-8414-414141414141", "41414141-4141-4414-8414-414141414142",
        "41414141-4141-4414-8414-414141414143", "41414141-4141-4414-8414-414141414144"};
    char seen[10] = {0};
    assert_int_equal(store_uuids_taken_by(c, (struct str_set){uuids, 4}, true, note_uuid, seen), 0);
    assert_memory_equal(seen, "\0\1\1\1\0", 5);
    memset(seen, 0, sizeof(seen));
    assert_int_equal(store_uuids_taken_by(c, (struct str_set){uuids, 4}, false, note_uuid, seen),
                     0);
    assert_memory_equal(seen, "\0\1\1\0\0", 5);

    /* values COPY's text format must escape, ids in array order */
    static const char *const values[] = {
        "tab\there", "new\nline", "back\\slash", "cr\rlf", "\\N", "", "caf\xc3\xa9 \xe2\x9c\x93",
        "a|b"};
    size_t n = 20;
    struct attribute *v = bulk_attrs(a, e.id, n, 0);
    for (size_t i = 0; i < 8; i++) {
        v[i].comment = (char *)values[i];
        v[i].value = (char *)values[i];
    }
    v[7].type = "domain|ip";
    v[8].object_id = ob.id;
    v[8].object_relation = "domain";
    v[8].first_seen = "2026-01-01T00:00:00.000000+00:00";
    v[9].to_ids = v[9].deleted = v[9].disable_correlation = true;
    v[9].distribution = DIST_SHARING_GROUP;
    v[9].sharing_group_id = 7;
    size_t conflict = 99;
    assert_int_equal(store_attributes_insert(c, bulk_ptrs(a, v, n), n, &conflict), 0);
    for (size_t i = 0; i < n; i++) {
        assert_true(v[i].id > (i ? v[i - 1].id : stored.id));
        struct attribute *got;
        assert_int_equal(store_attribute_get(c, a, v[i].id, NULL, &got), 0);
        assert_string_equal(got->uuid, v[i].uuid);
        assert_string_equal(got->value, v[i].value);
        if (v[i].comment)
            assert_string_equal(got->comment, v[i].comment);
        else
            assert_null(got->comment);
        assert_int_equal(got->event_id, e.id);
        assert_int_equal(got->object_id, v[i].object_id);
        assert_int_equal(got->to_ids, v[i].to_ids);
        assert_int_equal(got->deleted, v[i].deleted);
        assert_int_equal(got->disable_correlation, v[i].disable_correlation);
        assert_int_equal(got->distribution, v[i].distribution);
        assert_int_equal(got->sharing_group_id, v[i].sharing_group_id);
        assert_int_equal(got->timestamp, 100);
    }
    struct attribute *got;
    assert_int_equal(store_attribute_get(c, a, v[8].id, NULL, &got), 0);
    assert_string_equal(got->object_relation, "domain");
    assert_string_equal(got->first_seen, v[8].first_seen);
    assert_null(got->last_seen);
    struct query q;
    memset(&q, 0, sizeof(q));
    q.to_ids = TRI_ANY;
    q.published = TRI_ANY;
    q.acl.everything = true;
    const char *second[] = {"b"}; /* value2, the second part of the composite "a|b" */
    q.value.any = second;
    q.value.n_any = 1;
    int found = 0;
    assert_int_equal(store_attribute_search(c, a, &q, false, count_attr, &found), 0);
    assert_int_equal(found, 1);

    /* a uuid taken by a stored attribute, or by an earlier one of the array
     * (in a first and a later batch of rows, and below the bulk size); the
     * transaction goes on */
    bulk_conflict(c, a, e.id, 10, 100, 6, stored.uuid);
    bulk_conflict(c, a, e.id, 10, 200, 8, "4a4a4a4a-4a4a-44a4-84a4-000000000203");
    bulk_conflict(c, a, e.id, 5000, 1000, 4500, "4a4a4a4a-4a4a-44a4-84a4-000000001010");
    bulk_conflict(c, a, e.id, 3, 10000, 1, stored.uuid);
    int removed = 0;
    assert_int_equal(store_index_feed(c, since, count_removed, &removed), 0);
    assert_int_equal(removed, 0); /* the rows undone past a conflict leave no trace */
    v = bulk_attrs(a, e.id, 1, 20000);
    assert_int_equal(store_attributes_insert(c, bulk_ptrs(a, v, 1), 1, &conflict), 0);
    assert_int_equal(store_end(c, true), 0);
    arena_free(a);
    store_close(s);
}

/* ---- sharing groups ---- */

static void test_sharing_groups_and_their_acl(void **state)
{
    (void)state;
    struct store *s = open_store(1);
    struct arena *a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(s, &c), 0);
    struct org owner, member, outsider;
    insert_org(c, &owner, "Owner", "20202020-2020-4202-8202-202020202020");
    insert_org(c, &member, "Member", "21212121-2121-4212-8212-212121212121");
    insert_org(c, &outsider, "Outsider", "23232323-2323-4232-8232-232323232323");
    struct sharing_group g = {.name = "Circle", .org_id = owner.id, .active = true, .local = true};
    snprintf(g.uuid, sizeof(g.uuid), "22222222-2222-4222-8222-222222222229");
    assert_int_equal(store_sharing_group_insert(c, &g), 0);
    assert_int_equal(store_sharing_group_org_set(c, g.id, owner.id, true), 0);
    assert_int_equal(store_sharing_group_org_set(c, g.id, member.id, false), 0);
    assert_int_equal(store_sharing_group_org_set(c, g.id, member.id, true), 0); /* update */
    assert_int_equal(store_sharing_group_server_set(c, g.id, 0, false), 0);
    g.description = "edited";
    assert_int_equal(store_sharing_group_update(c, &g), 0);
    struct event e;
    insert_event(c, &e, owner.id, DIST_SHARING_GROUP, "24242424-2424-4242-8242-242424242424");
    e.sharing_group_id = g.id;
    assert_int_equal(store_event_update(c, &e), 0);
    assert_int_equal(store_sharing_group_delete(c, g.id), ERR_CONFLICT); /* in use */
    assert_int_equal(store_end(c, true), 0);

    assert_int_equal(store_begin_read(s, &c), 0);
    struct sharing_group *got, *list;
    size_t n;
    assert_int_equal(store_sharing_group_get(c, a, 0, g.uuid, &got), 0);
    assert_int_equal(got->id, g.id);
    assert_string_equal(got->description, "edited");
    assert_int_equal(got->n_orgs, 2);
    assert_true(got->orgs[1].extend);
    assert_string_equal(got->orgs[1].org->name, "Member");
    assert_int_equal(got->n_servers, 1);
    assert_string_equal(got->org->name, "Owner");
    assert_int_equal(store_sharing_group_list(c, a, &list, &n), 0);
    assert_int_equal(n, 1);
    struct id_set ids;
    assert_int_equal(store_sharing_group_visible_ids(c, a, member.id, false, &ids), 0);
    assert_int_equal(ids.n, 1);
    assert_int_equal(ids.v[0], g.id);
    assert_int_equal(store_sharing_group_visible_ids(c, a, outsider.id, false, &ids), 0);
    assert_non_null(ids.v); /* present: known to be empty */
    assert_int_equal(ids.n, 0);
    /* the event is visible through the group only */
    struct acl_filter in = {.org_id = member.id, .sharing_groups = {&g.id, 1}};
    struct acl_filter out = {.org_id = outsider.id, .sharing_groups = id_set_none()};
    struct event *ld;
    assert_int_equal(store_event_load(c, a, e.id, NULL, &in, 0, &ld), 0);
    assert_int_equal(store_event_load(c, a, e.id, NULL, &out, 0, &ld), ERR_NOTFOUND);
    struct query q;
    memset(&q, 0, sizeof(q));
    q.to_ids = TRI_ANY;
    q.published = TRI_ANY;
    q.acl = in;
    int count = 0;
    assert_int_equal(store_event_search(c, a, &q, count_event, &count), 0);
    assert_int_equal(count, 1);
    q.acl = out;
    count = 0;
    assert_int_equal(store_event_search(c, a, &q, count_event, &count), 0);
    assert_int_equal(count, 0);
    assert_int_equal(store_end(c, true), 0);

    assert_int_equal(store_begin_write(s, &c), 0);
    assert_int_equal(store_sharing_group_org_remove(c, g.id, member.id), 0);
    assert_int_equal(store_sharing_group_org_remove(c, g.id, member.id), ERR_NOTFOUND);
    assert_int_equal(store_sharing_group_server_remove(c, g.id, 0), 0);
    assert_int_equal(store_sharing_group_server_remove(c, g.id, 0), ERR_NOTFOUND);
    assert_int_equal(store_event_delete(c, e.id), 0); /* a tombstone does not use it */
    assert_int_equal(store_sharing_group_delete(c, g.id), 0);
    assert_int_equal(store_sharing_group_get(c, a, g.id, NULL, &got), ERR_NOTFOUND);
    assert_int_equal(store_end(c, true), 0);
    arena_free(a);
    store_close(s);
}

/* ---- change feeds ---- */

static int count_change(void *ctx, const struct event_change *ch)
{
    (void)ch;
    (*(int *)ctx)++;
    return 0;
}

static int count_row(void *ctx, const struct index_row *r)
{
    int *n = ctx;
    if (r->type != NULL && r->live)
        n[0]++;
    else
        n[1]++;
    return 0;
}

static int stamp_seen(void *ctx, const char *uuid, int64_t timestamp, bool locked)
{
    assert_string_equal(uuid, "25252525-2525-4252-8252-252525252525");
    assert_int_equal(timestamp, 100);
    assert_true(locked);
    (*(int *)ctx)++;
    return 0;
}

static int sighting_event_seen(void *ctx, int64_t event_id, const char *uuid)
{
    (void)event_id;
    (void)uuid;
    (*(int *)ctx)++;
    return 0;
}

static void test_change_feeds(void **state)
{
    (void)state;
    struct store *s = open_store(1);
    struct arena *a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(s, &c), 0);
    struct org o;
    insert_org(c, &o, "Owner", "26262626-2626-4262-8262-262626262626");
    struct event e;
    insert_event(c, &e, o.id, DIST_ALL, "25252525-2525-4252-8252-252525252525");
    e.locked = true;
    assert_int_equal(store_event_update(c, &e), 0);
    struct attribute at1, at2;
    insert_attribute(c, &at1, e.id, 0, "one.example", DIST_INHERIT,
                     "27272727-2727-4272-8272-272727272727");
    insert_attribute(c, &at2, e.id, 0, "two.example", DIST_INHERIT,
                     "28282828-2828-4282-8282-282828282828");
    int64_t since;
    assert_int_equal(store_change_seq(c, &since), 0);
    assert_int_equal(store_end(c, true), 0);

    assert_int_equal(store_begin_write(s, &c), 0);
    assert_int_equal(store_attribute_delete(c, at2.id, true), 0);
    struct sighting sg = {
        .attribute_id = at1.id, .event_id = e.id, .org_id = o.id, .date_sighting = 1000};
    snprintf(sg.uuid, sizeof(sg.uuid), "29292929-2929-4292-8292-292929292929");
    assert_int_equal(store_sighting_insert(c, &sg), 0);
    assert_int_equal(store_end(c, true), 0);

    assert_int_equal(store_begin_read(s, &c), 0);
    int n = 0;
    assert_int_equal(store_events_changed(c, 0, count_change, &n), 0);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(store_events_changed(c, since, count_change, &n), 0);
    assert_int_equal(n, 0);
    int rows[2] = {0, 0};
    assert_int_equal(store_index_feed(c, 0, count_row, rows), 0);
    assert_int_equal(rows[0], 1); /* every live attribute */
    assert_int_equal(rows[1], 0);
    rows[0] = rows[1] = 0;
    assert_int_equal(store_index_feed(c, since, count_row, rows), 0);
    assert_int_equal(rows[0], 0);
    assert_int_equal(rows[1], 1); /* the removal */
    n = 0;
    static const char *const stamped[] = {"25252525-2525-4252-8252-252525252525",
                                          "30303030-3030-4303-8303-303030303030"};
    assert_int_equal(store_event_stamps(c, (struct str_set){stamped, 2}, stamp_seen, &n), 0);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(store_sighting_events_changed(c, since, sighting_event_seen, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_end(c, true), 0);
    arena_free(a);
    store_close(s);
}

/* ---- sync links and checkpoints ---- */

static void test_servers_sync_state_and_origins(void **state)
{
    (void)state;
    struct store *s = open_store(1);
    struct arena *a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(s, &c), 0);
    struct org o;
    insert_org(c, &o, "Owner", "31313131-3131-4313-8313-313131313131");
    struct server sv = {.name = "peer",
                        .url = "https://peer.example",
                        .authkey = "k",
                        .org_id = o.id,
                        .remote_org_id = o.id,
                        .pull = true,
                        .timeout = 30};
    assert_int_equal(store_server_insert(c, &sv), 0);
    struct server dup = sv;
    assert_int_equal(store_server_insert(c, &dup), ERR_CONFLICT); /* url taken */
    sv.name = "renamed";
    sv.pull_interval = 3600;
    assert_int_equal(store_server_update(c, &sv), 0);
    struct sync_state *st;
    assert_int_equal(store_sync_state_get(c, a, sv.id, false, &st), 0);
    assert_string_equal(st->etag, ""); /* never ran */
    assert_int_equal(st->last_run, 0);
    struct sync_state put = {.server_id = sv.id,
                             .push = true,
                             .etag = "",
                             .last_seq = 7,
                             .last_run = 9,
                             .last_error = "refused",
                             .events = 3};
    assert_int_equal(store_sync_state_put(c, &put), 0);
    put.events = 4;
    assert_int_equal(store_sync_state_put(c, &put), 0);
    struct event e;
    insert_event(c, &e, o.id, DIST_ALL, "32323232-3232-4323-8323-323232323232");
    assert_int_equal(store_event_origin_set(c, e.id, sv.id), 0);
    assert_int_equal(store_end(c, true), 0);

    assert_int_equal(store_begin_read(s, &c), 0);
    struct server *got, *list;
    size_t n;
    assert_int_equal(store_server_get(c, a, sv.id, &got), 0);
    assert_string_equal(got->name, "renamed");
    assert_int_equal(got->pull_interval, 3600);
    assert_int_equal(store_server_list(c, a, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_sync_state_get(c, a, sv.id, true, &st), 0);
    assert_int_equal(st->last_seq, 7);
    assert_int_equal(st->events, 4);
    assert_string_equal(st->last_error, "refused");
    int seen = 0;
    assert_int_equal(store_synced_events(c, sv.id, count_uuid, &seen), 0);
    assert_int_equal(seen, 1);
    assert_int_equal(store_end(c, true), 0);

    assert_int_equal(store_begin_write(s, &c), 0);
    assert_int_equal(store_server_delete(c, sv.id), 0);
    assert_int_equal(store_server_delete(c, sv.id), ERR_NOTFOUND);
    assert_int_equal(store_server_get(c, a, sv.id, &got), ERR_NOTFOUND);
    sv.id = 999;
    assert_int_equal(store_server_update(c, &sv), ERR_NOTFOUND);
    assert_int_equal(store_end(c, true), 0);
    arena_free(a);
    store_close(s);
}

/* ---- sightings ---- */

static int count_sighting(void *ctx, struct sighting *sg)
{
    (void)sg;
    (*(int *)ctx)++;
    return 0;
}

static void test_sightings(void **state)
{
    (void)state;
    struct store *s = open_store(1);
    struct arena *a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(s, &c), 0);
    struct org owner, reader;
    insert_org(c, &owner, "Owner", "33333333-3333-4333-8333-333333333331");
    insert_org(c, &reader, "Reader", "33333333-3333-4333-8333-333333333332");
    struct event e;
    insert_event(c, &e, owner.id, DIST_COMMUNITY, "34343434-3434-4343-8343-343434343434");
    struct attribute shared, hidden;
    insert_attribute(c, &shared, e.id, 0, "seen.example", DIST_INHERIT,
                     "35353535-3535-4353-8353-353535353535");
    insert_attribute(c, &hidden, e.id, 0, "hidden.example", DIST_ORG,
                     "36363636-3636-4363-8363-363636363636");
    struct sighting s1 = {.attribute_id = shared.id,
                          .event_id = e.id,
                          .org_id = owner.id,
                          .source = "sensor",
                          .date_sighting = 1000};
    snprintf(s1.uuid, sizeof(s1.uuid), "37373737-3737-4373-8373-373737373731");
    assert_int_equal(store_sighting_insert(c, &s1), 0);
    struct sighting s2 = s1;
    assert_int_equal(store_sighting_insert(c, &s2), ERR_CONFLICT); /* uuid taken */
    snprintf(s2.uuid, sizeof(s2.uuid), "37373737-3737-4373-8373-373737373732");
    s2.attribute_id = hidden.id;
    assert_int_equal(store_sighting_insert(c, &s2), 0);
    struct sighting s3 = s1;
    snprintf(s3.uuid, sizeof(s3.uuid), "37373737-3737-4373-8373-373737373733");
    s3.type = 2; /* an expiration */
    assert_int_equal(store_sighting_insert(c, &s3), 0);
    assert_int_equal(store_sighting_expire_previous(c, shared.id, owner.id), 0);
    assert_int_equal(store_event_sighting_touch(c, e.id, 5000), 0);
    assert_int_equal(store_event_sighting_touch(c, e.id, 5000), 0); /* not older: one past */
    assert_int_equal(store_event_sighting_touch(c, 9999, 5000), ERR_NOTFOUND);
    assert_int_equal(store_end(c, true), 0);

    assert_int_equal(store_begin_read(s, &c), 0);
    struct sighting *got;
    assert_int_equal(store_sighting_get(c, a, 0, s1.uuid, &got), 0);
    assert_int_equal(got->id, s1.id);
    assert_string_equal(got->value, "seen.example");
    assert_string_equal(got->org->name, "Owner");
    assert_int_equal(store_sighting_get(c, a, s3.id, NULL, &got), 0);
    assert_true(got->deleted); /* the expiration was tombstoned */
    struct sighting_query q = {.acl = {.everything = true}};
    int n = 0;
    assert_int_equal(store_sighting_search(c, a, &q, count_sighting, &n), 0);
    assert_int_equal(n, 2);
    q.with_deleted = true;
    n = 0;
    assert_int_equal(store_sighting_search(c, a, &q, count_sighting, &n), 0);
    assert_int_equal(n, 3);
    q.with_deleted = false;
    q.acl = (struct acl_filter){.org_id = reader.id};
    n = 0;
    assert_int_equal(store_sighting_search(c, a, &q, count_sighting, &n), 0);
    assert_int_equal(n, 1); /* not on the org-only attribute */
    static const char *const attribute_uuids[] = {"36363636-3636-4363-8363-363636363636"};
    q.attribute_uuids = (struct str_set){attribute_uuids, 1};
    q.acl.everything = true;
    q.order = SIGHTING_NEWEST_FIRST;
    n = 0;
    assert_int_equal(store_sighting_search(c, a, &q, count_sighting, &n), 0);
    assert_int_equal(n, 1);
    n = 0;
    static const char *const asked[] = {"37373737-3737-4373-8373-373737373731",
                                        "37373737-3737-4373-8373-373737373739"};
    assert_int_equal(store_sighting_uuids_known(c, 0, (struct str_set){asked, 2}, count_uuid, &n),
                     0);
    assert_int_equal(n, 1);
    struct acl_filter all = {.everything = true};
    struct event *ld;
    assert_int_equal(store_event_load(c, a, e.id, NULL, &all, 0, &ld), 0);
    assert_int_equal(ld->sighting_timestamp, 5001);
    assert_int_equal(store_end(c, true), 0);

    assert_int_equal(store_begin_write(s, &c), 0);
    assert_int_equal(store_sighting_delete(c, s1.id), 0);
    assert_int_equal(store_sighting_delete(c, s1.id), ERR_NOTFOUND);
    assert_int_equal(store_end(c, true), 0);
    arena_free(a);
    store_close(s);
}

/* ---- typed sets (core/query.h) ---- */

static int count_stamp(void *ctx, const char *uuid, int64_t timestamp, bool locked)
{
    (void)uuid;
    (void)timestamp;
    (void)locked;
    (*(int *)ctx)++;
    return 0;
}

struct sets_world {
    struct store *s;
    struct arena *a;
    struct org orgs[3];
    struct sharing_group groups[2];
    struct event events[3];
    struct attribute attrs[3];
    struct sighting sightings[3];
};

static int attrs_matching(struct sets_world *w, const struct query *q)
{
    struct store_conn *c;
    int n = 0;
    assert_int_equal(store_begin_read(w->s, &c), 0);
    assert_int_equal(store_attribute_search(c, w->a, q, false, count_attr, &n), 0);
    store_end(c, true);
    return n;
}

static int events_matching(struct sets_world *w, const struct query *q)
{
    struct store_conn *c;
    int n = 0;
    assert_int_equal(store_begin_read(w->s, &c), 0);
    assert_int_equal(store_event_search(c, w->a, q, count_event, &n), 0);
    store_end(c, true);
    return n;
}

static int sightings_matching(struct sets_world *w, const struct sighting_query *q)
{
    struct store_conn *c;
    int n = 0;
    assert_int_equal(store_begin_read(w->s, &c), 0);
    assert_int_equal(store_sighting_search(c, w->a, q, count_sighting, &n), 0);
    store_end(c, true);
    return n;
}

static bool event_loads(struct sets_world *w, const struct acl_filter *f, int64_t id)
{
    struct store_conn *c;
    struct event *e;
    assert_int_equal(store_begin_read(w->s, &c), 0);
    int rc = store_event_load(c, w->a, id, NULL, f, STORE_LOAD_CHILDREN, &e);
    store_end(c, true);
    assert_true(rc == 0 || rc == ERR_NOTFOUND);
    return rc == 0;
}

/* Three organisations, two sharing groups, three events (two for all, one
 * in the second group) with one attribute each, one sighting on each
 * attribute by a different organisation, of a different type. */
static void sets_world_open(struct sets_world *w)
{
    memset(w, 0, sizeof(*w));
    w->s = open_store(1);
    w->a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(w->s, &c), 0);
    insert_org(c, &w->orgs[0], "One", "40404040-4040-4404-8404-404040404040");
    insert_org(c, &w->orgs[1], "Two", "41414141-4141-4414-8414-414141414141");
    insert_org(c, &w->orgs[2], "Three", "42424242-4242-4424-8424-424242424242");
    for (int i = 0; i < 2; i++) {
        struct sharing_group *g = &w->groups[i];
        *g = (struct sharing_group){
            .name = i ? "Second" : "First", .org_id = w->orgs[0].id, .active = true, .local = true};
        snprintf(g->uuid, sizeof(g->uuid), "43434343-4343-4434-8434-43434343434%c",
                 (char)('0' + i));
        assert_int_equal(store_sharing_group_insert(c, g), 0);
    }
    static const char *const values[] = {"one.example", "two.example", "three.example"};
    static const char *const sources[] = {"quote\"back\\slash", "plain", "plain"};
    for (int i = 0; i < 3; i++) {
        char uuid[UUID_STR_LEN + 1];
        snprintf(uuid, sizeof(uuid), "44444444-4444-4444-8444-44444444444%c", (char)('0' + i));
        insert_event(c, &w->events[i], w->orgs[0].id, i == 2 ? DIST_SHARING_GROUP : DIST_ALL, uuid);
        if (i == 2) {
            w->events[i].sharing_group_id = w->groups[1].id;
            assert_int_equal(store_event_update(c, &w->events[i]), 0);
        }
        snprintf(uuid, sizeof(uuid), "45454545-4545-4454-8454-45454545454%c", (char)('0' + i));
        insert_attribute(c, &w->attrs[i], w->events[i].id, 0, values[i], DIST_INHERIT, uuid);
        struct sighting *sg = &w->sightings[i];
        *sg = (struct sighting){.attribute_id = w->attrs[i].id,
                                .event_id = w->events[i].id,
                                .org_id = w->orgs[i].id,
                                .type = i,
                                .source = (char *)sources[i],
                                .date_sighting = 1000 + i};
        snprintf(sg->uuid, sizeof(sg->uuid), "46464646-4646-4464-8464-46464646464%c",
                 (char)('0' + i));
        assert_int_equal(store_sighting_insert(c, sg), 0);
    }
    assert_int_equal(store_end(c, true), 0);
}

static void sets_world_close(struct sets_world *w)
{
    arena_free(w->a);
    store_close(w->s);
}

/* Every set of the contract: absent matches all (grants nothing, for the
 * sharing groups), the empty set matches nothing, several values match each
 * of them - in searches, whole-event loads, sightings and the sync look-ups. */
static void test_typed_sets(void **state)
{
    (void)state;
    struct sets_world w;
    sets_world_open(&w);
    struct query q;
    memset(&q, 0, sizeof(q));
    q.to_ids = TRI_ANY;
    q.published = TRI_ANY;
    q.acl.everything = true;

    /* struct query: attribute_ids and event_ids */
    assert_int_equal(attrs_matching(&w, &q), 3);
    assert_int_equal(events_matching(&w, &q), 3);
    q.attribute_ids = id_set_none();
    assert_int_equal(attrs_matching(&w, &q), 0);
    assert_int_equal(events_matching(&w, &q), 0);
    const int64_t two_attrs[] = {w.attrs[0].id, w.attrs[2].id};
    q.attribute_ids = (struct id_set){two_attrs, 2};
    assert_int_equal(attrs_matching(&w, &q), 2);
    assert_int_equal(events_matching(&w, &q), 2);
    q.attribute_ids = (struct id_set){0};
    q.event_ids = id_set_none();
    assert_int_equal(attrs_matching(&w, &q), 0);
    assert_int_equal(events_matching(&w, &q), 0);
    const int64_t two_events[] = {w.events[1].id, w.events[0].id, w.events[1].id};
    q.event_ids = (struct id_set){two_events, 3}; /* any order, repeats */
    assert_int_equal(attrs_matching(&w, &q), 2);
    assert_int_equal(events_matching(&w, &q), 2);
    q.event_ids = (struct id_set){0};

    /* struct acl_filter: the sharing groups it grants */
    struct acl_filter reader = {.org_id = w.orgs[1].id};
    q.acl = reader; /* absent: none */
    assert_int_equal(events_matching(&w, &q), 2);
    assert_int_equal(attrs_matching(&w, &q), 2);
    assert_false(event_loads(&w, &reader, w.events[2].id));
    reader.sharing_groups = id_set_none();
    q.acl = reader;
    assert_int_equal(events_matching(&w, &q), 2);
    assert_false(event_loads(&w, &reader, w.events[2].id));
    reader.sharing_groups = (struct id_set){&w.groups[0].id, 1};
    q.acl = reader;
    assert_int_equal(events_matching(&w, &q), 2);
    assert_false(event_loads(&w, &reader, w.events[2].id));
    const int64_t both_groups[] = {w.groups[0].id, w.groups[1].id};
    reader.sharing_groups = (struct id_set){both_groups, 2};
    q.acl = reader;
    assert_int_equal(events_matching(&w, &q), 3);
    assert_int_equal(attrs_matching(&w, &q), 3);
    assert_true(event_loads(&w, &reader, w.events[2].id));

    /* struct sighting_query: each list */
    struct sighting_query sq;
    memset(&sq, 0, sizeof(sq));
    sq.acl = (struct acl_filter){.everything = true};
    assert_int_equal(sightings_matching(&w, &sq), 3);
    sq.acl = reader;
    assert_int_equal(sightings_matching(&w, &sq), 3);
    sq.acl.sharing_groups = id_set_none(); /* not the third event's */
    assert_int_equal(sightings_matching(&w, &sq), 2);
    sq.acl = (struct acl_filter){.everything = true};

    const int64_t sighting_ids[] = {w.sightings[0].id, w.sightings[2].id};
    const int64_t attr_ids[] = {w.attrs[1].id, w.attrs[2].id};
    const int64_t types[] = {0, 2};
    const int64_t org_ids[] = {w.orgs[1].id, w.orgs[2].id};
    const char *const event_uuids[] = {w.events[0].uuid, w.events[2].uuid};
    const char *const attr_uuids[] = {w.attrs[0].uuid, w.attrs[1].uuid};
    static const char *const sources[] = {"quote\"back\\slash", "plain"};
    struct {
        struct id_set *ids;
        struct str_set *strs;
        struct id_set ids_value;
        struct str_set strs_value;
        int several, none;
    } cases[] = {
        {&sq.ids, NULL, {sighting_ids, 2}, {0}, 2, 0},
        {&sq.event_ids, NULL, {two_events, 3}, {0}, 2, 0},
        {&sq.attribute_ids, NULL, {attr_ids, 2}, {0}, 2, 0},
        {NULL, &sq.event_uuids, {0}, {event_uuids, 2}, 2, 0},
        {NULL, &sq.attribute_uuids, {0}, {attr_uuids, 2}, 2, 0},
        {&sq.types, NULL, {types, 2}, {0}, 2, 0},
        {NULL, &sq.sources, {0}, {sources, 2}, 3, 0},
        {NULL, &sq.sources, {0}, {sources, 1}, 1, 0}, /* escaped, matched exactly */
        {&sq.org_ids, NULL, {org_ids, 2}, {0}, 2, 0},
        {&sq.not_org_ids, NULL, {org_ids, 2}, {0}, 1, 3}, /* empty: excludes nothing */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].ids != NULL) {
            *cases[i].ids = cases[i].ids_value;
            assert_int_equal(sightings_matching(&w, &sq), cases[i].several);
            *cases[i].ids = id_set_none();
            assert_int_equal(sightings_matching(&w, &sq), cases[i].none);
            *cases[i].ids = (struct id_set){0};
        } else {
            *cases[i].strs = cases[i].strs_value;
            assert_int_equal(sightings_matching(&w, &sq), cases[i].several);
            *cases[i].strs = str_set_none();
            assert_int_equal(sightings_matching(&w, &sq), cases[i].none);
            *cases[i].strs = (struct str_set){0};
        }
        assert_int_equal(sightings_matching(&w, &sq), 3);
    }

    /* the sync look-ups: uuids known here */
    struct store_conn *c;
    assert_int_equal(store_begin_read(w.s, &c), 0);
    int n = 0;
    assert_int_equal(store_event_stamps(c, str_set_none(), count_stamp, &n), 0);
    assert_int_equal(n, 0);
    const char *const stamps[] = {w.events[0].uuid, "47474747-4747-4474-8474-474747474747",
                                  w.events[2].uuid};
    assert_int_equal(store_event_stamps(c, (struct str_set){stamps, 3}, count_stamp, &n), 0);
    assert_int_equal(n, 2);
    n = 0;
    assert_int_equal(store_sighting_uuids_known(c, 0, str_set_none(), count_uuid, &n), 0);
    assert_int_equal(n, 0);
    const char *const known[] = {w.sightings[1].uuid, "47474747-4747-4474-8474-474747474747",
                                 w.sightings[0].uuid};
    assert_int_equal(store_sighting_uuids_known(c, 0, (struct str_set){known, 3}, count_uuid, &n),
                     0);
    assert_int_equal(n, 2);
    store_end(c, true);
    sets_world_close(&w);
}

/* Job leases (core/jobs.h): a take is refused while another holder's lease
 * runs, allowed once it ran out or when its holder is known dead; not_before
 * holds back a scheduled take but not an on-demand one; release records the
 * run and frees the job only for its holder. */
static void test_job_leases(void **state)
{
    (void)state;
    struct store *s = open_store(1);
    struct store_conn *c;
    bool taken = false;
    struct job_lease_row row;
    assert_int_equal(store_begin_write(s, &c), 0);
    assert_int_equal(store_lease_get(c, "j", &row), ERR_NOTFOUND);
    assert_int_equal(store_lease_take(c, "j", "a", 1000, 1090, false, NULL, &taken), 0);
    assert_true(taken);
    assert_int_equal(store_lease_take(c, "j", "b", 1050, 1140, true, NULL, &taken), 0);
    assert_false(taken);
    assert_int_equal(store_lease_take(c, "j", "b", 1050, 1140, true, "a", &taken), 0);
    assert_true(taken); /* a is dead */
    assert_int_equal(store_lease_renew(c, "b", 1500), 0);
    assert_int_equal(store_lease_take(c, "j", "a", 1200, 1290, true, NULL, &taken), 0);
    assert_false(taken); /* b renewed until 1500 */
    assert_int_equal(store_lease_release(c, "j", "a", 1300, 0, 0, 0), ERR_NOTFOUND);
    assert_int_equal(store_lease_release(c, "j", "b", 1300, ERR_IO, 2, 1400), 0);
    assert_int_equal(store_lease_get(c, "j", &row), 0);
    assert_string_equal(row.holder, "");
    assert_int_equal(row.failures, 2);
    assert_int_equal(row.not_before, 1400);
    assert_int_equal(row.last_start, 1050);
    assert_int_equal(row.last_end, 1300);
    assert_int_equal(row.last_rc, ERR_IO);
    assert_int_equal(store_lease_take(c, "j", "a", 1350, 1440, false, NULL, &taken), 0);
    assert_false(taken); /* not before 1400 */
    assert_int_equal(store_lease_take(c, "j", "a", 1350, 1440, true, NULL, &taken), 0);
    assert_true(taken); /* on demand */
    assert_int_equal(store_end(c, true), 0);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_reopen_keeps_version, setup, teardown),
        cmocka_unit_test(test_unknown_scheme_is_refused),
        cmocka_unit_test_setup_teardown(test_change_sequence_one_value_per_write_transaction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_savepoint_keeps_or_undoes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_sees_writes_after_single_row_lookups, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_settings_orgs_users_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_roles_by_permission_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_attributes_acl_and_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects_references_tags_and_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attributes_in_bulk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sharing_groups_and_their_acl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_change_feeds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_servers_sync_state_and_origins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sightings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_sets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_leases, setup, teardown),
    };
    const struct CMUnitTest pg_absent[] = {
        cmocka_unit_test(test_postgresql_not_configured),
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        backend = &backends[i];
        if (backend->make == pg_make && getenv("LIAISON_TEST_PG") == NULL) {
            failed += cmocka_run_group_tests_name("store (postgresql)", pg_absent, NULL, NULL);
            continue;
        }
        char name[64];
        snprintf(name, sizeof(name), "store (%s)", backend->name);
        failed += cmocka_run_group_tests_name(name, tests, NULL, NULL);
    }
    return failed;
}
