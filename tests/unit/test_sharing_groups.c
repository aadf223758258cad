/*
 * test_sharing_groups.c - the sharing groups service (core/sharing_groups.c)
 * on a real SQLite file: who may create a group and what it starts with,
 * which groups a caller sees, who may change them, members by id, uuid or
 * name, and deletion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/sharing_groups.h"
#include "util/arena.h"

#include <stdio.h>
#include <string.h>

#define TMPDB_NAME "sharing_groups"
#include "tmpdb.h"

struct world {
    struct svc s;
    struct arena *a;
    struct org a_org, b_org, c_org;
};

static void world_open(struct world *w)
{
    memset(w, 0, sizeof(*w));
    w->s.store = open_store();
    w->a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(w->s.store, &c), 0);
    insert_org(c, &w->a_org, "Org A", "a0000000-0000-4000-8000-000000000001");
    insert_org(c, &w->b_org, "Org B", "b0000000-0000-4000-8000-000000000002");
    insert_org(c, &w->c_org, "Org C", "c0000000-0000-4000-8000-000000000003");
    assert_int_equal(store_end(c, true), 0);
}

static void world_close(struct world *w)
{
    arena_free(w->a);
    store_close(w->s.store);
}

#define SG_PERMS (PERM_BIT(PERM_ADD) | PERM_BIT(PERM_SHARING_GROUP))

static char *id_str(struct arena *a, int64_t id)
{
    return arena_printf(a, "%lld", (long long)id);
}

static void test_add_needs_the_permission_and_starts_with_creator_and_node(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal plain = member(&w.a_org, 1, PERM_BIT(PERM_ADD));
    struct principal creator = member(&w.a_org, 2, SG_PERMS);
    struct diag d = {0};
    struct sharing_group *g = NULL;
    struct sharing_group_change in = {.name = "Group 1", .releasability = "CERTs"};

    assert_int_equal(sharing_groups_add(&w.s, &plain, w.a, &in, &g, &d), ERR_FORBIDDEN);
    assert_int_equal(sharing_groups_add(&w.s, &creator, w.a, &in, &g, &d), 0);
    assert_string_equal(g->name, "Group 1");
    assert_string_equal(g->releasability, "CERTs");
    assert_true(g->active);
    assert_true(g->local);
    assert_int_equal(g->org_id, w.a_org.id);
    assert_int_equal(g->n_orgs, 1);
    assert_int_equal(g->orgs[0].org_id, w.a_org.id);
    assert_true(g->orgs[0].extend);
    assert_int_equal(g->n_servers, 1);
    assert_int_equal(g->servers[0].server_id, 0);
    assert_false(g->servers[0].all_orgs);
    assert_int_equal(strlen(g->uuid), UUID_STR_LEN);

    struct sharing_group_change again = {.name = "Group 1"};
    assert_int_equal(sharing_groups_add(&w.s, &creator, w.a, &again, &g, &d), ERR_CONFLICT);
    assert_string_equal(d.field, "name");
    struct sharing_group_change unnamed = {.description = "x"};
    assert_int_equal(sharing_groups_add(&w.s, &creator, w.a, &unnamed, &g, &d), ERR_INVAL);
    assert_string_equal(d.field, "name");
    struct sharing_group_change bad_uuid = {.name = "Group 2", .uuid = "not-a-uuid"};
    assert_int_equal(sharing_groups_add(&w.s, &creator, w.a, &bad_uuid, &g, &d), ERR_INVAL);
    assert_string_equal(d.field, "uuid");
    struct sharing_group_change given = {
        .name = "Group 2", .uuid = "D0000000-0000-4000-8000-000000000004", .set_active = true};
    assert_int_equal(sharing_groups_add(&w.s, &creator, w.a, &given, &g, &d), 0);
    assert_string_equal(g->uuid, "d0000000-0000-4000-8000-000000000004");
    assert_false(g->active);
    world_close(&w);
}

static void test_visibility_and_who_may_change_a_group(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal creator = member(&w.a_org, 2, SG_PERMS);
    struct principal b_user = member(&w.b_org, 3, SG_PERMS);
    struct principal c_user = member(&w.c_org, 4, SG_PERMS);
    struct principal admin = member(&w.c_org, 5, PERM_BIT(PERM_SITE_ADMIN));
    struct diag d = {0};
    struct sharing_group *g = NULL;
    struct sharing_group_change in = {.name = "Closed"};
    assert_int_equal(sharing_groups_add(&w.s, &creator, w.a, &in, &g, &d), 0);
    const char *ref = id_str(w.a, g->id);

    /* B is not a member: it neither sees nor changes the group */
    struct sharing_group *seen;
    assert_int_equal(sharing_groups_get(&w.s, &b_user, w.a, ref, &seen), ERR_NOTFOUND);
    assert_int_equal(sharing_groups_get(&w.s, &b_user, w.a, g->uuid, &seen), ERR_NOTFOUND);
    struct sharing_group_list l;
    assert_int_equal(sharing_groups_list(&w.s, &b_user, w.a, &l), 0);
    assert_int_equal(l.n, 0);
    struct sharing_group_change rename = {.name = "Renamed"};
    assert_int_equal(sharing_groups_edit(&w.s, &b_user, w.a, ref, &rename, &seen, &d),
                     ERR_NOTFOUND);

    /* B by name, without extend: sees it, may not change it */
    struct sharing_group_member m = {.group = ref, .org = true, .add = true, .member = "Org B"};
    int64_t sg_id = 0;
    assert_int_equal(sharing_groups_member(&w.s, &b_user, w.a, &m, &sg_id, &d), ERR_NOTFOUND);
    assert_int_equal(sharing_groups_member(&w.s, &creator, w.a, &m, &sg_id, &d), 0);
    assert_int_equal(sg_id, g->id);
    assert_int_equal(sharing_groups_get(&w.s, &b_user, w.a, g->uuid, &seen), 0);
    assert_int_equal(sharing_groups_list(&w.s, &b_user, w.a, &l), 0);
    assert_int_equal(l.n, 1);
    assert_false(l.editable[0]);
    diag_clear(&d);
    assert_int_equal(sharing_groups_edit(&w.s, &b_user, w.a, ref, &rename, &seen, &d),
                     ERR_FORBIDDEN);
    int64_t id;
    assert_int_equal(sharing_groups_delete(&w.s, &b_user, w.a, ref, &id, &d), ERR_FORBIDDEN);

    /* C (by uuid, with extend) may change it; a site admin may too */
    m.member = "c0000000-0000-4000-8000-000000000003";
    m.flag = true;
    assert_int_equal(sharing_groups_member(&w.s, &creator, w.a, &m, &sg_id, &d), 0);
    assert_int_equal(sharing_groups_list(&w.s, &c_user, w.a, &l), 0);
    assert_int_equal(l.n, 1);
    assert_true(l.editable[0]);
    assert_int_equal(sharing_groups_edit(&w.s, &c_user, w.a, ref, &rename, &seen, &d), 0);
    assert_string_equal(seen->name, "Renamed");
    assert_int_equal(seen->n_orgs, 3);
    struct sharing_group_change empty = {.name = ""};
    assert_int_equal(sharing_groups_edit(&w.s, &admin, w.a, ref, &empty, &seen, &d), ERR_INVAL);
    assert_string_equal(d.field, "name");
    world_close(&w);
}

static void test_members_and_delete(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal creator = member(&w.a_org, 2, SG_PERMS);
    struct diag d = {0};
    struct sharing_group *g = NULL;
    struct sharing_group_change in = {.name = "Members"};
    assert_int_equal(sharing_groups_add(&w.s, &creator, w.a, &in, &g, &d), 0);
    const char *ref = id_str(w.a, g->id);
    int64_t sg_id;

    struct sharing_group_member m = {.group = ref, .org = true, .add = true, .member = "Org Z"};
    assert_int_equal(sharing_groups_member(&w.s, &creator, w.a, &m, &sg_id, &d), ERR_INVAL);
    assert_string_equal(d.field, "org_id");
    m.add = false;
    m.member = id_str(w.a, w.b_org.id);
    assert_int_equal(sharing_groups_member(&w.s, &creator, w.a, &m, &sg_id, &d), ERR_NOTFOUND);
    assert_string_equal(d.field, "org_id");

    struct sharing_group_member srv = {.group = ref, .add = true, .member = "7"};
    assert_int_equal(sharing_groups_member(&w.s, &creator, w.a, &srv, &sg_id, &d), ERR_INVAL);
    assert_string_equal(d.field, "server_id"); /* no link 7 */
    srv.member = "x";
    assert_int_equal(sharing_groups_member(&w.s, &creator, w.a, &srv, &sg_id, &d), ERR_INVAL);
    assert_string_equal(d.field, "server_id");
    srv.member = "0";
    srv.flag = true;
    assert_int_equal(sharing_groups_member(&w.s, &creator, w.a, &srv, &sg_id, &d), 0);
    struct sharing_group *seen;
    assert_int_equal(sharing_groups_get(&w.s, &creator, w.a, ref, &seen), 0);
    assert_int_equal(seen->n_servers, 1);
    assert_true(seen->servers[0].all_orgs);
    srv.add = false;
    assert_int_equal(sharing_groups_member(&w.s, &creator, w.a, &srv, &sg_id, &d), 0);
    assert_int_equal(sharing_groups_get(&w.s, &creator, w.a, ref, &seen), 0);
    assert_int_equal(seen->n_servers, 0);

    int64_t id = 0;
    assert_int_equal(sharing_groups_delete(&w.s, &creator, w.a, ref, &id, &d), 0);
    assert_int_equal(id, g->id);
    assert_int_equal(sharing_groups_get(&w.s, &creator, w.a, ref, &seen), ERR_NOTFOUND);
    assert_int_equal(sharing_groups_delete(&w.s, &creator, w.a, "nonsense", &id, &d), ERR_NOTFOUND);
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_add_needs_the_permission_and_starts_with_creator_and_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visibility_and_who_may_change_a_group, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_members_and_delete, setup, teardown),
    };
    return cmocka_run_group_tests_name("sharing_groups", tests, NULL, NULL);
}
