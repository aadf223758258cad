/*
 * test_sync_serve.c - the receiving side of a peer's sync (core/sync_serve.c)
 * on a real SQLite file: which offered events this node wants, which copies a
 * peer may no longer keep, and that a peer removes only the copies its own
 * organisation pushed here; callers without perm_sync are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/sync_serve.h"
#include "util/arena.h"

#include <stdio.h>
#include <string.h>

#define TMPDB_NAME "sync_serve"
#include "tmpdb.h"

#define LOCAL "e0000000-0000-4000-8000-000000000001"  /* org A's, distribution 0 */
#define PUSHED "e0000000-0000-4000-8000-000000000002" /* P pushed it: locked, P's */
#define OTHERS "e0000000-0000-4000-8000-000000000003" /* Q pushed it */
#define SHARED "e0000000-0000-4000-8000-000000000004" /* org A's, distribution 3 */
#define UNKNOWN "e0000000-0000-4000-8000-0000000000ff"

struct world {
    struct svc s;
    struct arena *a;
    struct org a_org, p_org, q_org;
};

static void insert_event(struct store_conn *c, const struct org *owner, const char *uuid,
                         int distribution, bool locked)
{
    struct event e = {.info = "served",
                      .date = "2026-01-01",
                      .threat_level_id = 4,
                      .distribution = distribution,
                      .timestamp = 100,
                      .published = true,
                      .org_id = owner->id,
                      .orgc_id = owner->id,
                      .locked = locked};
    snprintf(e.uuid, sizeof(e.uuid), "%s", uuid);
    assert_int_equal(store_event_insert(c, &e), 0);
}

static void world_open(struct world *w)
{
    memset(w, 0, sizeof(*w));
    w->s.store = open_store();
    w->a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(w->s.store, &c), 0);
    insert_org(c, &w->a_org, "Org A", "a0000000-0000-4000-8000-000000000001");
    insert_org(c, &w->p_org, "Peer P", "b0000000-0000-4000-8000-000000000002");
    insert_org(c, &w->q_org, "Peer Q", "c0000000-0000-4000-8000-000000000003");
    insert_event(c, &w->a_org, LOCAL, 0, false);
    insert_event(c, &w->p_org, PUSHED, 1, true);
    insert_event(c, &w->q_org, OTHERS, 1, true);
    insert_event(c, &w->a_org, SHARED, 3, false);
    assert_int_equal(store_end(c, true), 0);
}

static void world_close(struct world *w)
{
    arena_free(w->a);
    store_close(w->s.store);
}

static void test_wanted_takes_unknown_and_newer_synced_copies(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal peer = member(&w.p_org, 1, PERM_BIT(PERM_SYNC));
    struct principal user = member(&w.p_org, 2, PERM_BIT(PERM_ADD));
    char uuids[5][UUID_STR_LEN + 1] = {UNKNOWN, LOCAL, PUSHED, PUSHED, OTHERS};
    int64_t stamps[5] = {1, 200, 150, 100, 99};
    bool wanted[5];
    assert_int_equal(sync_serve_wanted(&w.s, &user, uuids, stamps, 5, wanted), ERR_FORBIDDEN);
    assert_int_equal(sync_serve_wanted(&w.s, &peer, uuids, stamps, 5, wanted), 0);
    assert_true(wanted[0]);  /* unknown here */
    assert_false(wanted[1]); /* created here: never replaced */
    assert_true(wanted[2]);  /* newer than the synced copy */
    assert_false(wanted[3]); /* as new */
    assert_false(wanted[4]); /* older */
    assert_int_equal(sync_serve_wanted(&w.s, &peer, uuids, stamps, 0, wanted), 0);
    world_close(&w);
}

static void test_revoked_lists_what_the_peer_may_no_longer_see(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal peer = member(&w.p_org, 1, PERM_BIT(PERM_SYNC));
    struct principal user = member(&w.p_org, 2, PERM_BIT(PERM_ADD));
    char uuids[4][UUID_STR_LEN + 1] = {LOCAL, SHARED, UNKNOWN, PUSHED};
    bool revoked[4];
    assert_int_equal(sync_serve_revoked(&w.s, &user, w.a, uuids, 4, revoked), ERR_FORBIDDEN);
    assert_int_equal(sync_serve_revoked(&w.s, &peer, w.a, uuids, 4, revoked), 0);
    assert_true(revoked[0]);  /* distribution 0 of another organisation */
    assert_false(revoked[1]); /* shared with all */
    assert_true(revoked[2]);  /* gone */
    assert_false(revoked[3]); /* its own */
    world_close(&w);
}

static void test_remove_takes_only_the_callers_own_pushed_copies(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal peer = member(&w.p_org, 1, PERM_BIT(PERM_SYNC));
    struct principal user = member(&w.p_org, 2, PERM_BIT(PERM_ADD));
    char uuids[4][UUID_STR_LEN + 1] = {LOCAL, PUSHED, OTHERS, UNKNOWN};
    int64_t removed = -1;
    assert_int_equal(sync_serve_remove(&w.s, &user, w.a, uuids, 4, &removed), ERR_FORBIDDEN);
    assert_int_equal(removed, 0);
    assert_int_equal(sync_serve_remove(&w.s, &peer, w.a, uuids, 4, &removed), 0);
    assert_int_equal(removed, 1);
    /* the pushed copy is gone: it is wanted again; the others stay */
    int64_t stamps[3] = {1, 1, 1};
    bool wanted[3];
    assert_int_equal(sync_serve_wanted(&w.s, &peer, uuids, stamps, 3, wanted), 0);
    assert_false(wanted[0]);
    assert_true(wanted[1]);
    assert_false(wanted[2]);
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wanted_takes_unknown_and_newer_synced_copies, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_revoked_lists_what_the_peer_may_no_longer_see, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_remove_takes_only_the_callers_own_pushed_copies, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("sync_serve", tests, NULL, NULL);
}
