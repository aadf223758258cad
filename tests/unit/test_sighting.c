/*
 * test_sighting.c - sightings in the store (insert, search filters and acl,
 * tombstones, known uuids, the event's sighting_timestamp) and the sighting
 * service's rules (add by id or value, expirations, delete, index,
 * listSightings, a paged search, known uuids, a peer's bulk save), each
 * service call in its own transaction, against a real SQLite file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/sighting.h"
#include "util/arena.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define TMPDB_NAME "sighting"
#include "tmpdb.h"

/* Owner (org A) of two events; B and C read and sight them. */
struct world {
    struct store *s;
    struct arena *a;
    struct org org_a, org_b, org_c;
    int64_t event, other_event;
    int64_t open_attr, private_attr, other_attr; /* open: "evil.example", dist 5 */
    char open_uuid[UUID_STR_LEN + 1];
};

static int64_t insert_event(struct store_conn *c, const struct org *owner, const char *uuid)
{
    struct event e = {.info = "sighted", .date = "2026-01-01", .threat_level_id = 4,
                      .distribution = 1, .timestamp = 100, .org_id = owner->id,
                      .orgc_id = owner->id};
    snprintf(e.uuid, sizeof(e.uuid), "%s", uuid);
    assert_int_equal(store_event_insert(c, &e), 0);
    return e.id;
}

static int64_t insert_attr(struct store_conn *c, int64_t event, const char *uuid,
                           const char *value, int distribution)
{
    struct attribute at = {.event_id = event, .type = "domain", .category = "Network activity",
                           .value = (char *)value, .distribution = distribution,
                           .timestamp = 100};
    snprintf(at.uuid, sizeof(at.uuid), "%s", uuid);
    assert_int_equal(store_attribute_insert(c, &at), 0);
    return at.id;
}

static void world_open(struct world *w)
{
    memset(w, 0, sizeof(*w));
    w->s = open_store();
    w->a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(w->s, &c), 0);
    insert_org(c, &w->org_a, "Owner", "a0000000-0000-4000-8000-000000000001");
    insert_org(c, &w->org_b, "Reader", "b0000000-0000-4000-8000-000000000002");
    insert_org(c, &w->org_c, "Peer", "c0000000-0000-4000-8000-000000000003");
    w->event = insert_event(c, &w->org_a, "e0000000-0000-4000-8000-000000000001");
    w->other_event = insert_event(c, &w->org_a, "e0000000-0000-4000-8000-000000000002");
    snprintf(w->open_uuid, sizeof(w->open_uuid), "d0000000-0000-4000-8000-000000000001");
    w->open_attr = insert_attr(c, w->event, w->open_uuid, "evil.example", 5);
    w->private_attr =
        insert_attr(c, w->event, "d0000000-0000-4000-8000-000000000002", "secret.example", 0);
    w->other_attr =
        insert_attr(c, w->other_event, "d0000000-0000-4000-8000-000000000003", "evil.example", 5);
    assert_int_equal(store_end(c, true), 0);
}

static void world_close(struct world *w)
{
    arena_free(w->a);
    store_close(w->s);
}

#define USER_PERMS (PERM_BIT(PERM_ADD) | PERM_BIT(PERM_MODIFY_ORG) | PERM_BIT(PERM_SIGHTING))

static struct acl_filter filter_of(const struct principal *p)
{
    struct acl_filter f;
    acl_filter(p, NULL, &f);
    return f;
}

static struct sighting raw(int64_t attribute, int64_t event, int64_t org, int type,
                           const char *source, int64_t date, const char *uuid)
{
    struct sighting s = {.attribute_id = attribute, .event_id = event, .org_id = org,
                         .type = type, .source = (char *)source, .date_sighting = date};
    snprintf(s.uuid, sizeof(s.uuid), "%s", uuid);
    return s;
}

static size_t count(struct world *w, struct sighting_query *q)
{
    struct store_conn *c;
    assert_int_equal(store_begin_read(w->s, &c), 0);
    struct sighting_list l = {0};
    assert_int_equal(sighting_search(c, w->a, q, &l), 0);
    store_end(c, true);
    return l.n;
}

static void test_store_search_filters_acl_and_tombstones(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct store_conn *c;
    assert_int_equal(store_begin_write(w.s, &c), 0);
    struct sighting rows[] = {
        raw(w.open_attr, w.event, w.org_b.id, 0, "s1", 1000, "f0000000-0000-4000-8000-000000000001"),
        raw(w.open_attr, w.event, w.org_c.id, 1, "s2", 2000, "f0000000-0000-4000-8000-000000000002"),
        raw(w.private_attr, w.event, w.org_a.id, 0, "s1", 3000,
            "f0000000-0000-4000-8000-000000000003"),
        raw(w.other_attr, w.other_event, w.org_b.id, 2, "", 4000,
            "f0000000-0000-4000-8000-000000000004"),
    };
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(store_sighting_insert(c, &rows[i]), 0);
    struct sighting again = rows[0];
    assert_int_equal(store_sighting_insert(c, &again), ERR_CONFLICT);
    struct sighting *got;
    assert_int_equal(store_sighting_get(c, w.a, 0, rows[1].uuid, &got), 0);
    assert_int_equal(got->id, rows[1].id);
    assert_string_equal(got->attribute_uuid, w.open_uuid);
    assert_string_equal(got->event_uuid, "e0000000-0000-4000-8000-000000000001");
    assert_string_equal(got->value, "evil.example");
    assert_int_equal(got->event_org_id, w.org_a.id);
    assert_string_equal(got->org->name, "Peer");
    assert_int_equal(store_end(c, true), 0);

    struct principal admin = member(&w.org_a, 1, PERM_BIT(PERM_SITE_ADMIN));
    struct principal owner = member(&w.org_a, 2, USER_PERMS);
    struct principal reader = member(&w.org_b, 3, USER_PERMS);
    struct sighting_query q = {.acl = filter_of(&admin)};
    assert_int_equal(count(&w, &q), 4);
    q.acl = filter_of(&owner);
    assert_int_equal(count(&w, &q), 4);
    q.acl = filter_of(&reader); /* its own two; not C's, not on the org-only attribute */
    assert_int_equal(count(&w, &q), 2);

    q.acl = filter_of(&admin);
    static const int64_t types[] = {1, 2};
    q.types = (struct id_set){types, 2};
    assert_int_equal(count(&w, &q), 2);
    q.types = (struct id_set){0};
    static const char *const sources[] = {"s1"};
    q.sources = (struct str_set){sources, 1};
    assert_int_equal(count(&w, &q), 2);
    q.sources = (struct str_set){0};
    q.org_ids = (struct id_set){&w.org_b.id, 1};
    assert_int_equal(count(&w, &q), 2);
    q.org_ids = (struct id_set){0};
    const int64_t not_orgs[] = {w.org_b.id, w.org_c.id};
    q.not_org_ids = (struct id_set){not_orgs, 2};
    assert_int_equal(count(&w, &q), 1);
    q.not_org_ids = (struct id_set){0};
    q.from = 2000;
    q.to = 3000;
    assert_int_equal(count(&w, &q), 2);
    q.from = q.to = 0;
    static const char *const event_uuids[] = {"e0000000-0000-4000-8000-000000000002"};
    q.event_uuids = (struct str_set){event_uuids, 1};
    assert_int_equal(count(&w, &q), 1);
    q.event_uuids = (struct str_set){0};
    q.attribute_ids = (struct id_set){&w.open_attr, 1};
    q.order = SIGHTING_NEWEST_FIRST;
    struct sighting_list l = {0};
    assert_int_equal(store_begin_read(w.s, &c), 0);
    assert_int_equal(sighting_search(c, w.a, &q, &l), 0);
    store_end(c, true);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].date_sighting, 2000);

    /* a tombstone leaves every read but stays known */
    assert_int_equal(store_begin_write(w.s, &c), 0);
    assert_int_equal(store_sighting_delete(c, rows[0].id), 0);
    assert_int_equal(store_sighting_delete(c, rows[0].id), ERR_NOTFOUND);
    assert_int_equal(store_sighting_get(c, w.a, rows[0].id, NULL, &got), 0);
    assert_true(got->deleted);
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(count(&w, &q), 1);
    world_close(&w);
}

static int collect_uuid(void *ctx, const char *uuid)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s;", uuid);
    return 0;
}

static void test_store_known_uuids_per_event_include_tombstones(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct store_conn *c;
    assert_int_equal(store_begin_write(w.s, &c), 0);
    struct sighting live = raw(w.open_attr, w.event, w.org_b.id, 0, "", 10,
                               "f1000000-0000-4000-8000-000000000001");
    struct sighting gone = raw(w.open_attr, w.event, w.org_b.id, 0, "", 10,
                               "f1000000-0000-4000-8000-000000000002");
    struct sighting elsewhere = raw(w.other_attr, w.other_event, w.org_b.id, 0, "", 10,
                                    "f1000000-0000-4000-8000-000000000003");
    assert_int_equal(store_sighting_insert(c, &live), 0);
    assert_int_equal(store_sighting_insert(c, &gone), 0);
    assert_int_equal(store_sighting_insert(c, &elsewhere), 0);
    assert_int_equal(store_sighting_delete(c, gone.id), 0);
    static const char *const uuids[] = {
        "f1000000-0000-4000-8000-000000000001", "f1000000-0000-4000-8000-000000000002",
        "f1000000-0000-4000-8000-000000000003", "f1000000-0000-4000-8000-000000000009"};
    struct str_set asked = {uuids, 4};
    char found[512] = "";
    assert_int_equal(store_sighting_uuids_known(c, w.event, asked, collect_uuid, found), 0);
    assert_non_null(strstr(found, live.uuid));
    assert_non_null(strstr(found, gone.uuid));
    assert_null(strstr(found, elsewhere.uuid));
    found[0] = '\0';
    assert_int_equal(store_sighting_uuids_known(c, 0, asked, collect_uuid, found), 0);
    assert_non_null(strstr(found, elsewhere.uuid));
    assert_null(strstr(found, "000000000009"));
    assert_int_equal(store_end(c, true), 0);
    world_close(&w);
}

/* One column of the event row, read with a plain connection. */
static int64_t event_column(int64_t event, const char *column)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT %s FROM events WHERE id = %lld", column, (long long)event);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void test_touch_moves_sighting_timestamp_strictly_and_nothing_else(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    int64_t seq = event_column(w.event, "seq"), timestamp = event_column(w.event, "timestamp");
    struct store_conn *c;
    const int64_t nows[] = {1000, 1000, 500, 5000};
    const int64_t want[] = {1000, 1001, 1002, 5000};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(store_begin_write(w.s, &c), 0);
        assert_int_equal(store_event_sighting_touch(c, w.event, nows[i]), 0);
        assert_int_equal(store_end(c, true), 0);
        assert_int_equal(event_column(w.event, "sighting_timestamp"), want[i]);
    }
    assert_int_equal(event_column(w.event, "seq"), seq);
    assert_int_equal(event_column(w.event, "timestamp"), timestamp);
    assert_int_equal(store_begin_write(w.s, &c), 0);
    assert_int_equal(store_event_sighting_touch(c, 999999, 1), ERR_NOTFOUND);
    store_end(c, false);
    world_close(&w);
}

static struct svc svc_of(struct world *w)
{
    struct svc s;
    memset(&s, 0, sizeof(s));
    s.store = w->s;
    return s;
}

static int add(struct world *w, const struct principal *p, const struct sighting_add *in,
               struct sighting_list *out, struct diag *d)
{
    struct svc s = svc_of(w);
    struct acl_filter f = filter_of(p);
    return sightings_add(&s, p, &f, w->a, in, out, d);
}

static void test_add_by_value_reaches_every_visible_attribute(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal reader = member(&w.org_b, 3, USER_PERMS);
    struct diag d;
    diag_clear(&d);
    const char *values[] = {"EVIL.example"};
    struct sighting_add in = {.values = values, .n_values = 1, .type = -1, .source = "sensor"};
    struct sighting_list out = {0};
    assert_int_equal(add(&w, &reader, &in, &out, &d), 0);
    assert_int_equal(out.n, 2); /* the attribute of each event */
    assert_int_equal(out.v[0].org_id, w.org_b.id);
    assert_int_equal(out.v[0].type, SIGHTING_SEEN);
    assert_string_equal(out.v[0].source, "sensor");
    assert_int_equal(out.v[0].uuid[14], '4');
    assert_true(event_column(w.event, "sighting_timestamp") > 0);
    assert_true(event_column(w.other_event, "sighting_timestamp") > 0);

    /* by uuid; an attribute the caller may not see is no target */
    struct sighting_add by_uuid = {.attribute = w.open_uuid, .type = 1};
    out.n = 0;
    assert_int_equal(add(&w, &reader, &by_uuid, &out, &d), 0);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.v[0].attribute_id, w.open_attr);
    struct sighting_add hidden = {.attribute = arena_printf(w.a, "%lld", (long long)w.private_attr),
                                  .type = -1};
    assert_int_equal(add(&w, &reader, &hidden, &out, &d), ERR_NOTFOUND);
    assert_string_equal(d.field, "id");
    const char *secret[] = {"secret.example"};
    struct sighting_add hidden_value = {.values = secret, .n_values = 1, .type = -1};
    assert_int_equal(add(&w, &reader, &hidden_value, &out, &d), ERR_NOTFOUND);
    assert_string_equal(d.field, "value");
    world_close(&w);
}

static void test_add_refuses_bad_input_and_missing_permission(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal reader = member(&w.org_b, 3, USER_PERMS);
    struct principal read_only = member(&w.org_b, 4, PERM_BIT(PERM_AUTH));
    struct diag d;
    struct sighting_list out = {0};
    const char *wild[] = {"%.example"};
    char long_source[SIGHTING_SOURCE_MAX + 2];
    memset(long_source, 's', sizeof(long_source) - 1);
    long_source[sizeof(long_source) - 1] = '\0';
    const char *id = arena_printf(w.a, "%lld", (long long)w.open_attr);
    struct {
        struct sighting_add in;
        int rc;
        const char *field;
    } cases[] = {
        {{.values = wild, .n_values = 1, .type = -1}, ERR_INVAL, "value"},
        {{.attribute = id, .type = 3}, ERR_INVAL, "type"},
        {{.attribute = id, .type = -1, .source = long_source}, ERR_INVAL, "source"},
        {{.attribute = id, .type = -1, .date_sighting = INT64_C(4102444800)}, ERR_INVAL,
         "timestamp"},
        {{.type = -1}, ERR_INVAL, "id"},
        {{.attribute = "nonsense", .type = -1}, ERR_NOTFOUND, "id"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        diag_clear(&d);
        assert_int_equal(add(&w, &reader, &cases[i].in, &out, &d), cases[i].rc);
        assert_string_equal(d.field, cases[i].field);
    }
    struct sighting_add fine = {.attribute = id, .type = -1};
    assert_int_equal(add(&w, &read_only, &fine, &out, &d), ERR_FORBIDDEN);
    assert_int_equal(out.n, 0);
    assert_int_equal(event_column(w.event, "sighting_timestamp"), 0);
    world_close(&w);
}

static void test_expiration_replaces_the_orgs_earlier_one(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal reader = member(&w.org_b, 3, USER_PERMS);
    struct principal owner = member(&w.org_a, 2, USER_PERMS);
    struct diag d;
    struct sighting_list out = {0};
    struct sighting_add expire = {.attribute = w.open_uuid, .type = SIGHTING_EXPIRATION};
    assert_int_equal(add(&w, &reader, &expire, &out, &d), 0);
    assert_int_equal(add(&w, &owner, &expire, &out, &d), 0);
    assert_int_equal(add(&w, &reader, &expire, &out, &d), 0);
    struct sighting_query q = {.acl = filter_of(&owner)};
    assert_int_equal(count(&w, &q), 2); /* the owner's, and the reader's second */
    world_close(&w);
}

static int delete_as(struct world *w, const struct principal *p, const char *ref,
                     struct diag *d)
{
    struct svc s = svc_of(w);
    struct acl_filter f = filter_of(p);
    struct sighting *gone = NULL;
    return sightings_delete(&s, p, &f, w->a, ref, &gone, d);
}

static void test_delete_needs_sight_then_right(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal reader = member(&w.org_b, 3, USER_PERMS);
    struct principal read_only = member(&w.org_b, 4, PERM_BIT(PERM_AUTH));
    struct principal owner = member(&w.org_a, 2, USER_PERMS | PERM_BIT(PERM_ADMIN));
    struct principal peer = member(&w.org_c, 5, USER_PERMS);
    struct diag d;
    struct sighting_list out = {0};
    struct sighting_add in = {.attribute = w.open_uuid, .type = -1};
    assert_int_equal(add(&w, &reader, &in, &out, &d), 0);
    const char *id = arena_printf(w.a, "%lld", (long long)out.v[0].id);
    int64_t before = event_column(w.event, "sighting_timestamp");
    assert_int_equal(delete_as(&w, &peer, id, &d), ERR_NOTFOUND);      /* cannot see it */
    assert_int_equal(delete_as(&w, &owner, id, &d), ERR_FORBIDDEN);    /* sees, not its own */
    assert_int_equal(delete_as(&w, &read_only, id, &d), ERR_FORBIDDEN); /* its own, no right */
    assert_int_equal(delete_as(&w, &reader, out.v[0].uuid, &d), 0);
    assert_true(event_column(w.event, "sighting_timestamp") > before);
    assert_int_equal(delete_as(&w, &reader, id, &d), ERR_NOTFOUND);
    assert_int_equal(delete_as(&w, &reader, "junk", &d), ERR_NOTFOUND);
    world_close(&w);
}

/* Reader B sights the open attribute twice (one with a quoted source), owner A
 * once; returns B's first. */
static struct sighting three_sightings(struct world *w)
{
    struct principal reader = member(&w->org_b, 3, USER_PERMS);
    struct principal owner = member(&w->org_a, 2, USER_PERMS);
    struct diag d;
    struct sighting_list out = {0};
    struct sighting_add seen = {.attribute = w->open_uuid, .type = -1};
    struct sighting_add fp = {.attribute = w->open_uuid, .type = 1, .source = "say \"no\""};
    assert_int_equal(add(w, &reader, &seen, &out, &d), 0);
    assert_int_equal(add(w, &reader, &fp, &out, &d), 0);
    assert_int_equal(add(w, &owner, &seen, &out, &d), 0);
    assert_int_equal(out.n, 3);
    return out.v[0];
}

static void test_service_index_and_list_read_what_acl_allows(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    three_sightings(&w);
    struct svc s = svc_of(&w);
    struct principal reader = member(&w.org_b, 3, USER_PERMS);
    struct principal owner = member(&w.org_a, 2, USER_PERMS);
    struct acl_filter rf = filter_of(&reader), of = filter_of(&owner);
    struct sighting_list l = {0};
    assert_int_equal(sightings_index(&s, &rf, w.a, NULL, &l), 0);
    assert_int_equal(l.n, 2); /* its own organisation's only */
    l.n = 0;
    assert_int_equal(sightings_index(&s, &of, w.a, "e0000000-0000-4000-8000-000000000001", &l),
                     0);
    assert_int_equal(l.n, 3); /* the event's owner sees all */
    l.n = 0;
    assert_int_equal(sightings_index(&s, &of, w.a, "2", &l), 0);
    assert_int_equal(l.n, 0);
    assert_int_equal(sightings_index(&s, &of, w.a, "999", &l), ERR_NOTFOUND);

    l.n = 0;
    assert_int_equal(sightings_of(&s, &of, w.a, w.open_uuid, false, NULL, &l), 0);
    assert_int_equal(l.n, 3);
    assert_true(l.v[0].id > l.v[2].id); /* newest first */
    struct sighting_org_ref by_b = {.uuid = "b0000000-0000-4000-8000-000000000002"};
    l.n = 0;
    assert_int_equal(sightings_of(&s, &of, w.a, w.open_uuid, false, &by_b, &l), 0);
    assert_int_equal(l.n, 2);
    struct sighting_org_ref unknown = {.uuid = "b0000000-0000-4000-8000-00000000ffff"};
    l.n = 0;
    assert_int_equal(sightings_of(&s, &of, w.a, "1", true, &unknown, &l), 0);
    assert_int_equal(l.n, 0);
    struct sighting_org_ref by_a = {.id = w.org_a.id};
    assert_int_equal(sightings_of(&s, &of, w.a, "1", true, &by_a, &l), 0);
    assert_int_equal(l.n, 1);
    const char *hidden = arena_printf(w.a, "%lld", (long long)w.private_attr);
    assert_int_equal(sightings_of(&s, &rf, w.a, hidden, false, NULL, &l), ERR_NOTFOUND);
    world_close(&w);
}

/* Reads every page of f as who, rows at a time; returns the count. */
static size_t search_all(struct world *w, const struct principal *who,
                         const struct sighting_filter *f, size_t rows, size_t *pages,
                         bool *with_deleted)
{
    struct svc s = svc_of(w);
    struct acl_filter acl = filter_of(who);
    struct sighting_cursor cur;
    assert_int_equal(sightings_search_begin(&s, who, &acl, w->a, f, &cur), 0);
    *with_deleted = cur.with_deleted;
    size_t n = 0;
    for (*pages = 0; !cur.done; (*pages)++) {
        struct sighting_list l = {0};
        assert_int_equal(sightings_search_next(&s, &cur, w->a, rows, &l), 0);
        for (size_t i = 1; i < l.n; i++)
            assert_true(l.v[i].id > l.v[i - 1].id); /* oldest first, by id */
        n += l.n;
    }
    return n;
}

static void test_service_search_filters_pages_and_grants_tombstones(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    three_sightings(&w);
    struct principal owner = member(&w.org_a, 2, USER_PERMS);
    struct principal sync = member(&w.org_c, 6, USER_PERMS | PERM_BIT(PERM_SYNC));
    size_t pages;
    bool deleted;
    struct sighting_filter f = {0};
    assert_int_equal(search_all(&w, &owner, &f, 2, &pages, &deleted), 3);
    assert_int_equal(pages, 2);
    assert_int_equal(search_all(&w, &owner, &f, 1, &pages, &deleted), 3);
    assert_int_equal(pages, 4); /* the last one finds nothing more */
    int fp[] = {1};
    f.types = fp;
    f.n_types = 1;
    assert_int_equal(search_all(&w, &owner, &f, 100, &pages, &deleted), 1);
    f.n_types = 0;
    const char *sources[] = {"say \"no\""};
    f.sources = sources;
    f.n_sources = 1;
    assert_int_equal(search_all(&w, &owner, &f, 100, &pages, &deleted), 1);
    f.n_sources = 0;
    struct sighting_org_ref not_b = {.uuid = "b0000000-0000-4000-8000-000000000002",
                                     .negate = true};
    f.orgs = &not_b;
    f.n_orgs = 1;
    assert_int_equal(search_all(&w, &owner, &f, 100, &pages, &deleted), 1);
    f.n_orgs = 0;
    int64_t other[] = {w.other_attr};
    f.context = SIGHTING_CONTEXT_ATTRIBUTE;
    f.ids = other;
    f.n_ids = 1;
    assert_int_equal(search_all(&w, &owner, &f, 100, &pages, &deleted), 0);
    f.context = SIGHTING_CONTEXT_NONE; /* ids name nothing without a context */
    assert_int_equal(search_all(&w, &owner, &f, 100, &pages, &deleted), 3);
    /* tombstones only for peers and site admins, whoever asks */
    f.with_deleted = true;
    search_all(&w, &owner, &f, 100, &pages, &deleted);
    assert_false(deleted);
    search_all(&w, &sync, &f, 100, &pages, &deleted);
    assert_true(deleted);
    world_close(&w);
}

static void test_service_push_side_is_for_peers_only(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct sighting first = three_sightings(&w);
    struct svc s = svc_of(&w);
    struct principal reader = member(&w.org_b, 3, USER_PERMS);
    struct principal sync = member(&w.org_c, 6, USER_PERMS | PERM_BIT(PERM_SYNC));
    struct acl_filter rf = filter_of(&reader), sf = filter_of(&sync);
    assert_false(sightings_may_push(&reader));
    assert_true(sightings_may_push(&sync));
    char uuids[3][UUID_STR_LEN + 1];
    memcpy(uuids[0], first.uuid, sizeof(uuids[0]));
    memcpy(uuids[1], "f9000000-0000-4000-8000-000000000001", sizeof(uuids[1]));
    memcpy(uuids[2], first.uuid, sizeof(uuids[2]));
    bool known[3];
    assert_int_equal(sightings_known(&s, &reader, &rf, w.a, "1",
                                     (const char(*)[UUID_STR_LEN + 1])uuids, 3, known),
                     ERR_FORBIDDEN);
    assert_int_equal(sightings_known(&s, &sync, &sf, w.a, "1",
                                     (const char(*)[UUID_STR_LEN + 1])uuids, 3, known),
                     0);
    assert_true(known[0]);
    assert_false(known[1]);
    assert_false(known[2]); /* each uuid once */
    assert_int_equal(sightings_known(&s, &sync, &sf, w.a, "999",
                                     (const char(*)[UUID_STR_LEN + 1])uuids, 3, known),
                     ERR_NOTFOUND);

    struct sighting in = {.type = -1, .org_id = -1};
    memcpy(in.attribute_uuid, w.open_uuid, sizeof(in.attribute_uuid));
    memcpy(in.uuid, uuids[1], sizeof(in.uuid));
    struct sighting_bulk_result res;
    struct diag d;
    assert_int_equal(sightings_bulk_save(&s, &reader, &rf, w.a, "1", &in, 1, &res, &d),
                     ERR_FORBIDDEN);
    assert_int_equal(sightings_bulk_save(&s, &sync, &sf, w.a, "1", &in, 1, &res, &d), 0);
    assert_int_equal(res.saved, 1);
    assert_int_equal(sightings_known(&s, &sync, &sf, w.a, "1",
                                     (const char(*)[UUID_STR_LEN + 1])uuids, 3, known),
                     0);
    assert_true(known[1]); /* committed */
    world_close(&w);
}

static void test_bulk_save_dedupes_skips_and_captures_orgs(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal sync = member(&w.org_c, 6, USER_PERMS | PERM_BIT(PERM_SYNC));
    struct principal reader = member(&w.org_b, 3, USER_PERMS);
    struct diag d;
    diag_clear(&d);
    struct org newcomer = {.uuid = "99999999-0000-4000-8000-000000000001", .name = "Newcomer"};
    struct org known = {.uuid = "", .name = "Reader"}; /* found by name */
    struct sighting in[6];
    memset(in, 0, sizeof(in));
    for (size_t i = 0; i < 6; i++) {
        in[i].type = -1;
        in[i].org_id = -1;
        snprintf(in[i].attribute_uuid, sizeof(in[i].attribute_uuid), "%s", w.open_uuid);
        snprintf(in[i].uuid, sizeof(in[i].uuid), "aa000000-0000-4000-8000-00000000000%zu", i);
    }
    in[0].org = &newcomer;
    in[1].org = &known;
    in[2].org_id = 0;                         /* anonymous */
    in[3].uuid[0] = '\0';                     /* generated; the pusher's org */
    snprintf(in[4].uuid, sizeof(in[4].uuid), "%s", in[0].uuid); /* twice in one push */
    snprintf(in[5].attribute_uuid, sizeof(in[5].attribute_uuid),
             "d0000000-0000-4000-8000-000000000003"); /* another event's attribute */
    struct sighting_bulk_result res;
    struct store_conn *c;
    assert_int_equal(store_begin_write(w.s, &c), 0);
    struct acl_filter f = filter_of(&sync);
    assert_int_equal(sighting_bulk_save(c, w.a, &sync, &f, "e0000000-0000-4000-8000-000000000001",
                                        in, 6, &res, &d),
                     0);
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(res.saved, 4);
    assert_int_equal(res.duplicates, 1);
    assert_int_equal(res.n_skipped, 1);
    assert_ptr_equal(res.skipped[0].sighting, &in[5]);
    assert_int_equal(in[1].org_id, w.org_b.id);
    assert_int_equal(in[2].org_id, 0);
    assert_int_equal(in[3].org_id, w.org_c.id);
    assert_int_equal(in[3].uuid[14], '4');
    assert_true(in[0].org_id > w.org_c.id);
    assert_int_equal(in[0].event_id, w.event);
    assert_true(event_column(w.event, "sighting_timestamp") > 0);

    /* the same push again: all known */
    for (size_t i = 0; i < 6; i++) {
        in[i].type = -1;
        if (i != 2)
            in[i].org_id = -1;
    }
    assert_int_equal(store_begin_write(w.s, &c), 0);
    assert_int_equal(sighting_bulk_save(c, w.a, &sync, &f, "e0000000-0000-4000-8000-000000000001",
                                        in, 5, &res, &d),
                     0);
    store_end(c, true);
    assert_int_equal(res.saved, 0);
    assert_int_equal(res.duplicates, 5);

    /* only sync users and site admins; an event the pusher cannot see */
    struct acl_filter rf = filter_of(&reader);
    assert_int_equal(store_begin_write(w.s, &c), 0);
    assert_int_equal(sighting_bulk_save(c, w.a, &reader, &rf, "1", in, 1, &res, &d),
                     ERR_FORBIDDEN);
    assert_int_equal(sighting_bulk_save(c, w.a, &sync, &f, "999", in, 1, &res, &d), ERR_NOTFOUND);
    store_end(c, false);
    world_close(&w);
}

static void test_bulk_save_bad_item_names_its_field(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal sync = member(&w.org_c, 6, PERM_BIT(PERM_SYNC));
    struct diag d;
    diag_clear(&d);
    struct sighting in[2];
    memset(in, 0, sizeof(in));
    in[0].type = in[1].type = -1;
    in[0].org_id = in[1].org_id = -1;
    snprintf(in[0].attribute_uuid, sizeof(in[0].attribute_uuid), "%s", w.open_uuid);
    struct sighting_bulk_result res;
    struct store_conn *c;
    assert_int_equal(store_begin_write(w.s, &c), 0);
    struct acl_filter f = filter_of(&sync);
    assert_int_equal(sighting_bulk_save(c, w.a, &sync, &f, "1", in, 2, &res, &d), ERR_INVAL);
    assert_string_equal(d.field, "1.attribute_uuid");
    snprintf(in[1].attribute_uuid, sizeof(in[1].attribute_uuid), "%s", w.open_uuid);
    struct org nameless = {.uuid = "99999999-0000-4000-8000-000000000002"};
    in[1].org = &nameless;
    assert_int_equal(sighting_bulk_save(c, w.a, &sync, &f, "1", in, 2, &res, &d), ERR_INVAL);
    assert_string_equal(d.field, "1.Organisation.name");
    store_end(c, false);
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_search_filters_acl_and_tombstones, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_known_uuids_per_event_include_tombstones,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_touch_moves_sighting_timestamp_strictly_and_nothing_else,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_by_value_reaches_every_visible_attribute, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_add_refuses_bad_input_and_missing_permission, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expiration_replaces_the_orgs_earlier_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_delete_needs_sight_then_right, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_index_and_list_read_what_acl_allows, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_service_search_filters_pages_and_grants_tombstones,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_push_side_is_for_peers_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bulk_save_dedupes_skips_and_captures_orgs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bulk_save_bad_item_names_its_field, setup, teardown),
    };
    return cmocka_run_group_tests_name("sighting", tests, NULL, NULL);
}
