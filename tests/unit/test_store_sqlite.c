/*
 * test_store_sqlite.c - what only the SQLite backend has (the conformance
 * cases every backend passes are in test_store.c): its migrations applied to a
 * file left by an older liaison give the schema and the roles of a fresh one,
 * and its statement cache grows past its first size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/store.h"
#include "util/arena.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TMPDB_NAME "store-sqlite"
#include "tmpdb.h"

extern const char *const store_migrations[];
extern const size_t store_migrations_count;

/* All schema objects of the database at path, in name order, as one string. */
static char *schema_of(const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT group_concat(name || ':' || sql, char(10)) FROM "
                                        "(SELECT name, sql FROM sqlite_master WHERE sql IS NOT "
                                        "NULL ORDER BY name)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

/* Writes a database at path as liaison left it at schema version `version`
 * (the first `version` migrations), then runs extra SQL on it. */
static void make_old_database(const char *path, size_t version, const char *extra)
{
    unlink(path);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                  " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    for (size_t v = 0; v < version; v++) {
        char record[128];
        snprintf(record, sizeof(record),
                 "INSERT INTO schema_migrations VALUES (%zu, 0); PRAGMA user_version = %zu;", v + 1,
                 v + 1);
        assert_int_equal(sqlite3_exec(db, store_migrations[v], NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, record, NULL, NULL, NULL), SQLITE_OK);
    }
    assert_int_equal(sqlite3_exec(db, extra, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void remove_database(const char *path)
{
    char p[320];
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
}

static void test_migrated_database_matches_fresh_one(void **state)
{
    (void)state;
    assert_true(store_migrations_count >= 2);
    /* a database left at version 1, with data, by an older liaison */
    char old_path[300];
    snprintf(old_path, sizeof(old_path), "%s.v1", db_path);
    make_old_database(old_path, 1,
                      "INSERT INTO tags (name, colour, seq) VALUES ('tlp:red', '#ff0000', 1);");

    struct store *s = NULL;
    struct diag d;
    diag_clear(&d);
    assert_int_equal(store_open(old_path, 1, &s, &d), 0);
    int version = 0;
    assert_int_equal(store_schema_version(s, &version), 0);
    assert_int_equal(version, (int)store_migrations_count);
    struct arena *a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_read(s, &c), 0);
    struct tag *t;
    assert_int_equal(store_tag_get(c, a, 0, "tlp:red", &t), 0);
    assert_int_equal(strlen(t->uuid), UUID_STR_LEN); /* existing rows got a uuid */
    assert_int_equal(t->uuid[14], '4');
    store_end(c, true);
    store_close(s);
    arena_free(a);

    struct store *fresh = open_store();
    store_close(fresh);
    char *want = schema_of(db_path);
    char *got = schema_of(old_path);
    assert_string_equal(got, want);
    free(want);
    free(got);
    remove_database(old_path);
}

/* Every role of the database, in id order: name, permissions and flags. */
static char *roles_of(struct store *s, struct arena *a)
{
    struct store_conn *c;
    assert_int_equal(store_begin_read(s, &c), 0);
    struct role *roles;
    size_t n;
    assert_int_equal(store_role_list(c, a, &roles, &n), 0);
    char *out = arena_strdup(a, "");
    for (size_t i = 0; i < n; i++)
        out =
            arena_printf(a, "%s%lld %s %#x %d %d\n", out, (long long)roles[i].id, roles[i].name,
                         roles[i].perms, roles[i].default_role, roles[i].restricted_to_site_admin);
    assert_int_equal(store_end(c, true), 0);
    return out;
}

/* Migration 0013 turns the permission bit set of a database at version 12
 * into one column per permission: the roles read the same as a fresh
 * database's, and a role of its own keeps its permissions, by name. */
static void test_roles_migrated_from_bit_set_match_fresh_ones(void **state)
{
    (void)state;
    assert_true(store_migrations_count >= 13);
    char old_path[300];
    snprintf(old_path, sizeof(old_path), "%s.v12", db_path);
    /* bits 3 (publish) and 15 (sighting) in the order 0001_init used */
    make_old_database(old_path, 12,
                      "INSERT INTO roles (id, name, perms) VALUES (7, 'Sighter', 32776);");
    struct arena *a = arena_new();
    struct store *s = NULL;
    struct diag d;
    diag_clear(&d);
    assert_int_equal(store_open(old_path, 1, &s, &d), 0);
    char *migrated = roles_of(s, a);
    struct store_conn *c;
    assert_int_equal(store_begin_read(s, &c), 0);
    struct role *r;
    assert_int_equal(store_role_get(c, a, 7, &r), 0);
    assert_int_equal(r->perms, PERM_BIT(PERM_PUBLISH) | PERM_BIT(PERM_SIGHTING));
    assert_int_equal(store_end(c, true), 0);
    store_close(s);

    struct store *fresh = open_store();
    char *want = roles_of(fresh, a);
    store_close(fresh);
    char *cut = strstr(migrated, "7 Sighter");
    assert_non_null(cut);
    *cut = '\0';
    assert_string_equal(migrated, want);
    arena_free(a);
    remove_database(old_path);
}

/* One connection preparing more distinct SQL texts than the statement cache's
 * first size (16): it grows; each statement stays usable after growth (issue 10:
 * a fixed 128-slot cache held 118 texts and would fail the 129th). */
static void test_statement_cache_grows_past_its_first_size(void **state)
{
    (void)state;
    struct diag d;
    diag_clear(&d);
    struct store *s = NULL;
    assert_int_equal(store_open(db_path, 1, &s, &d), 0);
    struct arena *a = arena_new();
    struct store_conn *c;
    for (int round = 0; round < 2; round++) { /* the second round hits the cache */
        assert_int_equal(store_begin_write(s, &c), 0);
        char name[32], email[64], uuid[37], tag_name[32];
        unsigned r = (unsigned)round % 10;
        snprintf(name, sizeof(name), "CERT-%d", round);
        snprintf(email, sizeof(email), "u%d@cert.example", round);
        snprintf(uuid, sizeof(uuid), "3333333%u-3333-4333-8333-333333333333", r);
        snprintf(tag_name, sizeof(tag_name), "tlp:test-%d", round);
        struct org o, *go;
        insert_org(c, &o, name, uuid);
        assert_int_equal(store_org_get(c, a, o.id, NULL, NULL, &go), 0);
        assert_string_equal(go->name, name);
        assert_int_equal(store_org_get(c, a, 0, uuid, NULL, &go), 0);
        assert_int_equal(store_org_get(c, a, 0, NULL, name, &go), 0);
        struct org *orgs;
        size_t n;
        assert_int_equal(store_org_list(c, a, &orgs, &n), 0);
        struct role *roles, *role;
        assert_int_equal(store_role_list(c, a, &roles, &n), 0);
        assert_true(n > 0);
        assert_int_equal(store_role_get(c, a, roles[0].id, &role), 0);
        struct user u = {.email = email, .org_id = o.id, .role_id = roles[0].id}, *gu, *users;
        assert_int_equal(store_user_insert(c, &u), 0);
        assert_int_equal(store_user_update(c, &u), 0);
        assert_int_equal(store_user_get(c, a, u.id, NULL, &gu), 0);
        assert_int_equal(store_user_get(c, a, 0, email, &gu), 0);
        assert_int_equal(store_user_list(c, a, o.id, &users, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(store_user_list(c, a, 0, &users, &n), 0);
        struct auth_key k = {.user_id = u.id, .key_start = "abcd", .key_end = "wxyz"}, *keys;
        snprintf(k.uuid, sizeof(k.uuid), "4444444%u-4444-4444-8444-444444444444", r);
        unsigned char hash[32] = {(unsigned char)round, 2, 3};
        assert_int_equal(store_key_insert(c, &k, hash, sizeof(hash)), 0);
        assert_int_equal(store_key_list(c, a, u.id, &keys, &n), 0);
        assert_int_equal(n, 1);
        char *value;
        assert_int_equal(store_setting_set(c, name, "on"), 0);
        assert_int_equal(store_setting_get(c, a, name, &value), 0);
        assert_string_equal(value, "on");
        struct tag t = {.name = tag_name, .colour = "#ffffff", .exportable = true}, *gt, *tags;
        snprintf(t.uuid, sizeof(t.uuid), "5555555%u-5555-4555-8555-555555555555", r);
        assert_int_equal(store_tag_insert(c, &t), 0);
        assert_int_equal(store_tag_get(c, a, t.id, NULL, &gt), 0);
        assert_int_equal(store_tag_get(c, a, 0, tag_name, &gt), 0);
        assert_int_equal(store_tag_list(c, a, NULL, &tags, &n), 0);
        assert_int_equal(n, (size_t)round + 1);
        assert_int_equal(store_tag_list(c, a, "tlp:%", &tags, &n), 0);
        assert_int_equal(store_user_delete(c, u.id), 0);
        assert_int_equal(store_end(c, true), 0);
    }
    arena_free(a);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrated_database_matches_fresh_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles_migrated_from_bit_set_match_fresh_ones, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_statement_cache_grows_past_its_first_size, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("store_sqlite", tests, NULL, NULL);
}
