/*
 * test_store.c - the SQLite store: migrations on an empty and an existing
 * database, change sequence, CRUD of orgs, users, keys, events, attributes and
 * tags, acl-filtered loading and search rendering.
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

#define TMPDB_NAME "store"
#include "tmpdb.h"

static void test_migrations_fresh_and_reopen_keep_version(void **state)
{
    (void)state;
    struct store *s = open_store();
    int v1 = 0;
    assert_int_equal(store_schema_version(s, &v1), 0);
    assert_true(v1 >= 1);
    store_close(s);
    s = open_store(); /* existing database: nothing to apply, same version */
    int v2 = 0;
    assert_int_equal(store_schema_version(s, &v2), 0);
    assert_int_equal(v1, v2);
    store_close(s);
}

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

static void test_migrated_database_matches_fresh_one(void **state)
{
    (void)state;
    assert_true(store_migrations_count >= 2);
    /* a database left at version 1, with data, by an older liaison */
    char old_path[300];
    snprintf(old_path, sizeof(old_path), "%s.v1", db_path);
    unlink(old_path);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(old_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                  " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, store_migrations[0], NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO schema_migrations VALUES (1, 0);"
                                  "PRAGMA user_version = 1;"
                                  "INSERT INTO tags (name, colour, seq) VALUES ('tlp:red', "
                                  "'#ff0000', 1);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

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
    unlink(old_path);
    char p[320];
    snprintf(p, sizeof(p), "%s-wal", old_path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", old_path);
    unlink(p);
}

static void test_unsupported_url_is_refused(void **state)
{
    (void)state;
    struct store *s = NULL;
    struct diag d;
    diag_clear(&d);
    assert_int_equal(store_open("mysql://x", 1, &s, &d), ERR_UNSUPPORTED);
    assert_non_null(strstr(d.msg, "unsupported"));
}

static void test_one_change_sequence_value_per_transaction(void **state)
{
    (void)state;
    struct store *s = open_store();
    struct store_conn *c;
    struct org o1, o2;
    assert_int_equal(store_begin_write(s, &c), 0);
    insert_org(c, &o1, "One", "99999999-9999-4999-8999-999999999991");
    insert_org(c, &o2, "Two", "99999999-9999-4999-8999-999999999992");
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(store_begin_write(s, &c), 0);
    int64_t next;
    assert_int_equal(store_next_seq(c, &next), 0);
    assert_int_equal(next, 2); /* the two inserts shared value 1 */
    assert_int_equal(store_end(c, true), 0);
    store_close(s);
}

static void test_change_sequence_increases_per_write(void **state)
{
    (void)state;
    struct store *s = open_store();
    struct store_conn *c;
    assert_int_equal(store_begin_write(s, &c), 0);
    int64_t a, b;
    assert_int_equal(store_next_seq(c, &a), 0);
    assert_int_equal(store_next_seq(c, &b), 0);
    assert_true(b == a + 1);
    assert_int_equal(store_end(c, true), 0);
    store_close(s);
}


static void test_org_user_key_crud(void **state)
{
    (void)state;
    struct store *s = open_store();
    struct arena *a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(s, &c), 0);
    struct org o;
    insert_org(c, &o, "CERT-A", "11111111-1111-4111-8111-111111111111");
    struct org dup = o;
    dup.id = 0;
    assert_int_equal(store_org_insert(c, &dup), ERR_CONFLICT);
    struct org *got;
    assert_int_equal(store_org_get(c, a, 0, NULL, "CERT-A", &got), 0);
    assert_int_equal(got->id, o.id);
    struct user u = {.email = "a@cert.example", .org_id = o.id, .role_id = 3};
    assert_int_equal(store_user_insert(c, &u), 0);
    struct user *gu;
    assert_int_equal(store_user_get(c, a, 0, "A@CERT.EXAMPLE", &gu), 0); /* NOCASE */
    assert_int_equal(gu->id, u.id);
    unsigned char hash[32] = {1, 2, 3};
    struct auth_key k = {.user_id = u.id, .key_start = "abcd", .key_end = "wxyz"};
    snprintf(k.uuid, sizeof(k.uuid), "22222222-2222-4222-8222-222222222222");
    assert_int_equal(store_key_insert(c, &k, hash, sizeof(hash)), 0);
    struct auth_key *keys;
    size_t n;
    assert_int_equal(store_key_list(c, a, u.id, &keys, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(keys[0].key_start, "abcd");
    assert_int_equal(store_user_delete(c, u.id), 0);
    assert_int_equal(store_key_list(c, a, u.id, &keys, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_user_get(c, a, u.id, NULL, &gu), ERR_NOTFOUND);
    assert_int_equal(store_end(c, true), 0);
    arena_free(a);
    store_close(s);
}

static int count_attr(void *ctx, struct attribute *at, const char *event_uuid)
{
    (void)at;
    (void)event_uuid;
    (*(int *)ctx)++;
    return 0;
}

static void test_event_attributes_acl_and_search(void **state)
{
    (void)state;
    struct store *s = open_store();
    struct arena *a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(s, &c), 0);
    struct org mine, other;
    insert_org(c, &mine, "Owner", "33333333-3333-4333-8333-333333333333");
    insert_org(c, &other, "Reader", "44444444-4444-4444-8444-444444444444");
    struct event e = {.info = "store test", .date = "2026-01-01", .threat_level_id = 4,
                      .distribution = 1, .timestamp = 100, .org_id = mine.id,
                      .orgc_id = mine.id};
    snprintf(e.uuid, sizeof(e.uuid), "55555555-5555-4555-8555-555555555555");
    assert_int_equal(store_event_insert(c, &e), 0);
    const char *values[] = {"1.2.3.4", "evil.example", "secret"};
    int dists[] = {5, 5, 0};
    for (int i = 0; i < 3; i++) {
        struct attribute at = {.event_id = e.id, .type = "text", .category = "Other",
                               .value = (char *)values[i], .distribution = dists[i],
                               .timestamp = 100};
        memcpy(at.uuid, "66666666-6666-4666-8666-666666666660", UUID_STR_LEN + 1);
        at.uuid[UUID_STR_LEN - 1] = (char)('0' + i);
        assert_int_equal(store_attribute_insert(c, &at), 0);
    }
    struct tag t = {.name = "tlp:green", .colour = "#00ff00"};
    assert_int_equal(store_tag_resolve(c, a, &t, true), 0);
    assert_int_equal(store_event_tag_attach(c, e.id, t.id, false), 0);
    assert_int_equal(store_event_tag_attach(c, e.id, t.id, false), 0); /* idempotent */
    assert_int_equal(store_end(c, true), 0);

    assert_int_equal(store_begin_read(s, &c), 0);
    struct acl_filter owner = {.org_id = mine.id}, reader = {.org_id = other.id};
    struct event *loaded;
    assert_int_equal(store_event_load(c, a, e.id, NULL, &owner,
                                      STORE_LOAD_CHILDREN | STORE_LOAD_TAGS, &loaded),
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
    const char *secret[] = {"secret"};
    q.value.any = secret;
    n = 0;
    assert_int_equal(store_attribute_search(c, a, &q, false, count_attr, &n), 0);
    assert_int_equal(n, 0);
    q.acl = owner;
    n = 0;
    assert_int_equal(store_attribute_search(c, a, &q, false, count_attr, &n), 0);
    assert_int_equal(n, 1);
    store_end(c, true);

    /* org-only event: invisible to the reader */
    assert_int_equal(store_begin_write(s, &c), 0);
    loaded->distribution = 0;
    loaded->id = e.id;
    assert_int_equal(store_event_update(c, loaded), 0);
    assert_int_equal(store_event_load(c, a, e.id, NULL, &reader, 0, &loaded), ERR_NOTFOUND);
    /* soft delete then hard delete of an attribute */
    struct attribute *at;
    assert_int_equal(store_attribute_get(c, a, 0, "66666666-6666-4666-8666-666666666660", &at), 0);
    assert_int_equal(store_attribute_delete(c, at->id, false), 0);
    assert_int_equal(store_attribute_get(c, a, at->id, NULL, &at), 0);
    assert_true(at->deleted);
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

/* Regression: a cached statement left mid-result kept the reader's transaction
 * open (COMMIT failed), so that reader never saw later writes. */
static void test_reader_sees_writes_after_single_row_lookups(void **state)
{
    (void)state;
    struct store *s = NULL;
    struct diag d;
    diag_clear(&d);
    assert_int_equal(store_open(db_path, 1, &s, &d), 0); /* one reader: always the same */
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
        char renamed[40];
        snprintf(renamed, sizeof(renamed), "renamed-%s", name);
        o.name = renamed;
        assert_int_equal(store_org_update(c, &o), 0);
        assert_int_equal(store_org_get(c, a, o.id, NULL, NULL, &go), 0);
        assert_string_equal(go->name, renamed);
        assert_int_equal(store_org_get(c, a, 0, uuid, NULL, &go), 0);
        assert_int_equal(store_org_get(c, a, 0, NULL, renamed, &go), 0);
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
        assert_int_equal(n, 1); /* the earlier round's tag is deleted */
        assert_int_equal(store_tag_list(c, a, "tlp:%", &tags, &n), 0);
        assert_int_equal(store_tag_delete(c, t.id), 0);
        assert_int_equal(store_user_delete(c, u.id), 0);
        assert_int_equal(store_end(c, true), 0);
    }
    arena_free(a);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrations_fresh_and_reopen_keep_version, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_migrated_database_matches_fresh_one, setup,
                                        teardown),
        cmocka_unit_test(test_unsupported_url_is_refused),
        cmocka_unit_test_setup_teardown(test_change_sequence_increases_per_write, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_one_change_sequence_value_per_transaction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_org_user_key_crud, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_attributes_acl_and_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statement_cache_grows_past_its_first_size, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reader_sees_writes_after_single_row_lookups, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
