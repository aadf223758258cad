/*
 * test_indexer.c - the index's owner against a real SQLite file: start-up
 * build, refresh after adds, edits, soft and hard deletes, event deletes and
 * disable_correlation, and writes by another store handle (another process).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/indexer.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TMPDB_NAME "indexer"
#include "tmpdb.h"

static int count_hit(void *ctx, const struct index_hit *hit)
{
    (void)hit;
    (*(int *)ctx)++;
    return 0;
}

/* Exact hits for q in the indexer's current index. */
static int hits(struct indexer *x, const char *q)
{
    int n = 0;
    const struct index *ix = indexer_read_begin(x);
    index_lookup_exact(ix, str_from_cstr(q), count_hit, &n);
    indexer_read_end(x);
    return n;
}

static int related(struct indexer *x, int64_t attribute_id)
{
    int n = 0;
    const struct index *ix = indexer_read_begin(x);
    index_correlate(ix, attribute_id, 1000, count_hit, &n);
    indexer_read_end(x);
    return n;
}

static int64_t add_event(struct store *s, const char *uuid, int64_t *attr_ids, const char **values,
                         int n)
{
    struct store_conn *c;
    assert_int_equal(store_begin_write(s, &c), 0);
    struct event e = {.info = "indexer test", .date = "2026-01-01", .threat_level_id = 4,
                      .distribution = 1, .timestamp = 100, .org_id = 1, .orgc_id = 1};
    snprintf(e.uuid, sizeof(e.uuid), "%s", uuid);
    assert_int_equal(store_event_insert(c, &e), 0);
    for (int i = 0; i < n; i++) {
        struct attribute at = {.event_id = e.id, .type = "domain",
                               .category = "Network activity", .value = (char *)values[i],
                               .distribution = 5, .timestamp = 100};
        memcpy(at.uuid, uuid, UUID_STR_LEN + 1);
        at.uuid[UUID_STR_LEN - 2] = (char)('0' + i / 10);
        at.uuid[UUID_STR_LEN - 1] = (char)('0' + i % 10);
        assert_int_equal(store_attribute_insert(c, &at), 0);
        attr_ids[i] = at.id;
    }
    assert_int_equal(store_end(c, true), 0);
    return e.id;
}

static void test_build_and_refresh_follow_every_kind_of_write(void **state)
{
    (void)state;
    struct store *s = open_store();
    int64_t a1[3], a2[1];
    const char *v1[] = {"one.example", "two.example", "three.example"};
    add_event(s, "11111111-1111-4111-8111-111111111111", a1, v1, 3);

    struct indexer *x;
    struct diag d;
    diag_clear(&d);
    assert_int_equal(indexer_open(s, &x, &d), 0);
    assert_int_equal(hits(x, "one.example"), 1);
    assert_int_equal(hits(x, "four.example"), 0);

    /* an add in another event: indexed after a refresh, and correlating */
    const char *v2[] = {"one.example"};
    int64_t e2 = add_event(s, "22222222-2222-4222-8222-222222222222", a2, v2, 1);
    assert_int_equal(hits(x, "one.example"), 1);
    assert_int_equal(indexer_refresh(x), 0);
    assert_int_equal(hits(x, "one.example"), 2);
    assert_int_equal(related(x, a1[0]), 1);

    struct store_conn *c;
    struct arena *a = arena_new();
    struct attribute *at;
    /* an edit moves the attribute to its new value */
    assert_int_equal(store_begin_write(s, &c), 0);
    assert_int_equal(store_attribute_get(c, a, a1[1], NULL, &at), 0);
    at->value = "four.example";
    assert_int_equal(store_attribute_update(c, at), 0);
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(indexer_refresh(x), 0);
    assert_int_equal(hits(x, "two.example"), 0);
    assert_int_equal(hits(x, "four.example"), 1);

    /* disable_correlation: still looked up, no longer correlated */
    assert_int_equal(store_begin_write(s, &c), 0);
    assert_int_equal(store_attribute_get(c, a, a2[0], NULL, &at), 0);
    at->disable_correlation = true;
    assert_int_equal(store_attribute_update(c, at), 0);
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(indexer_refresh(x), 0);
    assert_int_equal(hits(x, "one.example"), 2);
    assert_int_equal(related(x, a1[0]), 0);

    /* soft and hard deletes */
    assert_int_equal(store_begin_write(s, &c), 0);
    assert_int_equal(store_attribute_delete(c, a1[2], false), 0);
    assert_int_equal(store_attribute_delete(c, a1[1], true), 0);
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(indexer_refresh(x), 0);
    assert_int_equal(hits(x, "three.example"), 0);
    assert_int_equal(hits(x, "four.example"), 0);

    /* an event tombstone takes its attributes out */
    assert_int_equal(store_begin_write(s, &c), 0);
    assert_int_equal(store_event_delete(c, e2), 0);
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(indexer_refresh(x), 0);
    assert_int_equal(hits(x, "one.example"), 1);

    /* a second handle on the file (another process) writes; a refresh sees it */
    struct store *other = open_store();
    int64_t a3[1];
    const char *v3[] = {"five.example"};
    add_event(other, "33333333-3333-4333-8333-333333333333", a3, v3, 1);
    store_close(other);
    assert_int_equal(indexer_refresh(x), 0);
    assert_int_equal(hits(x, "five.example"), 1);

    /* a rebuild from scratch agrees with the refreshed index */
    struct indexer *fresh;
    assert_int_equal(indexer_open(s, &fresh, &d), 0);
    struct indexer_stats st1, st2;
    indexer_stats(x, &st1);
    indexer_stats(fresh, &st2);
    assert_int_equal(st1.attributes, st2.attributes);
    assert_int_equal(st1.values, st2.values);
    assert_int_equal(st1.seq, st2.seq);
    indexer_close(fresh);

    arena_free(a);
    indexer_close(x);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_build_and_refresh_follow_every_kind_of_write, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
