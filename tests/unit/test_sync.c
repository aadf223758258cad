/*
 * test_sync.c - the received side of sync: sharing groups kept only where
 * the receiving organisation is a member (core/sync_rules.c, against a real
 * SQLite file).  The distribution rewriting is acl.c's (test_acl.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/sync_rules.h"
#include "store/store.h"
#include "util/arena.h"

#define TMPDB_NAME "sync"
#include "tmpdb.h"

static void group_of(struct sharing_group *g, const char *uuid, struct sharing_group_org *m,
                     struct org *members, size_t n)
{
    memset(g, 0, sizeof(*g));
    snprintf(g->uuid, sizeof(g->uuid), "%s", uuid);
    g->name = "partners";
    g->org = &members[0];
    for (size_t i = 0; i < n; i++) {
        memset(&m[i], 0, sizeof(m[i]));
        m[i].org = &members[i];
    }
    g->orgs = m;
    g->n_orgs = n;
}

static void test_sharing_groups_kept_only_for_members(void **state)
{
    (void)state;
    struct store *s = open_store();
    struct store_conn *c;
    assert_int_equal(store_begin_write(s, &c), 0);
    struct org here;
    insert_org(c, &here, "CERT-B", "11111111-1111-4111-8111-111111111111");
    struct org members[2];
    memset(members, 0, sizeof(members));
    snprintf(members[0].uuid, sizeof(members[0].uuid), "22222222-2222-4222-8222-222222222222");
    members[0].name = "CERT-A";
    members[1] = here;
    struct sharing_group_org m[2];
    struct sharing_group with_us, without_us;
    group_of(&with_us, "33333333-3333-4333-8333-333333333333", m, members, 2);
    struct sharing_group_org m2[1];
    group_of(&without_us, "44444444-4444-4444-8444-444444444444", m2, members, 1);

    struct attribute attrs[2];
    memset(attrs, 0, sizeof(attrs));
    attrs[0].distribution = DIST_SHARING_GROUP;
    attrs[0].sharing_group = &without_us;
    attrs[1].distribution = DIST_SHARING_GROUP;
    attrs[1].sharing_group = &with_us;
    struct event e;
    memset(&e, 0, sizeof(e));
    e.distribution = DIST_SHARING_GROUP;
    e.sharing_group = &with_us;
    e.sharing_group_id = 999; /* the sender's id means nothing here */
    e.attrs = attrs;
    e.n_attrs = 2;
    struct arena *a = arena_new();
    struct diag d;
    diag_clear(&d);
    bool keep = false;
    struct sync_receiver rcv = {&here, "https://b.example"};
    assert_int_equal(sync_capture_sharing_groups(c, a, &rcv, &e, &keep, &d), 0);
    assert_true(keep);
    assert_int_equal(e.n_attrs, 1); /* the item in a group we are not in is dropped */
    assert_int_equal(e.attrs[0].sharing_group_id, e.sharing_group_id);
    struct sharing_group *stored;
    assert_int_equal(store_sharing_group_get(c, a, e.sharing_group_id, NULL, &stored), 0);
    assert_string_equal(stored->uuid, with_us.uuid);
    assert_int_equal(stored->n_orgs, 2);

    /* the same group again is found, not created twice */
    int64_t first = e.sharing_group_id;
    e.sharing_group_id = 0;
    assert_int_equal(sync_capture_sharing_groups(c, a, &rcv, &e, &keep, &d), 0);
    assert_int_equal(e.sharing_group_id, first);

    struct event other;
    memset(&other, 0, sizeof(other));
    other.distribution = DIST_SHARING_GROUP;
    other.sharing_group = &without_us;
    assert_int_equal(sync_capture_sharing_groups(c, a, &rcv, &other, &keep, &d), 0);
    assert_false(keep);
    assert_int_equal(store_sharing_group_get(c, a, 0, without_us.uuid, &stored), ERR_NOTFOUND);
    other.sharing_group = NULL; /* no group sent at all */
    assert_int_equal(sync_capture_sharing_groups(c, a, &rcv, &other, &keep, &d), 0);
    assert_false(keep);

    /* a group naming this node's server with all its organisations is kept,
     * and lists this node (server 0) here */
    struct sharing_group_server srv[2] = {{0, false, "https://elsewhere.example"},
                                          {0, true, "https://b.example/"}};
    without_us.servers = srv;
    without_us.n_servers = 2;
    other.sharing_group = &without_us;
    assert_int_equal(sync_capture_sharing_groups(c, a, &rcv, &other, &keep, &d), 0);
    assert_true(keep);
    assert_int_equal(store_sharing_group_get(c, a, other.sharing_group_id, NULL, &stored), 0);
    assert_int_equal(stored->n_servers, 1);
    assert_int_equal(stored->servers[0].server_id, 0);
    assert_true(stored->servers[0].all_orgs);
    /* listed without all organisations: not enough (a group new here) */
    struct sharing_group_org m3[1];
    struct sharing_group listed;
    group_of(&listed, "55555555-5555-4555-8555-555555555555", m3, members, 1);
    struct sharing_group_server srv2[1] = {{0, false, "https://b.example/"}};
    listed.servers = srv2;
    listed.n_servers = 1;
    other.sharing_group = &listed;
    other.sharing_group_id = 0;
    assert_int_equal(sync_capture_sharing_groups(c, a, &rcv, &other, &keep, &d), 0);
    assert_false(keep);

    /* a group known here keeps its own membership: the sender's claim that
     * the receiving organisation is a member does not make it one (issue 10) */
    struct org stranger;
    insert_org(c, &stranger, "CERT-X", "66666666-6666-4666-8666-666666666666");
    struct sync_receiver outsider = {&stranger, "https://b.example"};
    struct org claimed[2] = {members[0], stranger};
    struct sharing_group_org m4[2];
    struct sharing_group claim;
    group_of(&claim, with_us.uuid, m4, claimed, 2); /* the uuid of a group known here */
    other.sharing_group = &claim;
    other.sharing_group_id = 0;
    assert_int_equal(sync_capture_sharing_groups(c, a, &outsider, &other, &keep, &d), 0);
    assert_false(keep);
    assert_int_equal(store_sharing_group_get(c, a, first, NULL, &stored), 0);
    assert_int_equal(stored->n_orgs, 2); /* and nobody was added to it */
    arena_free(a);
    store_end(c, true);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sharing_groups_kept_only_for_members, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
