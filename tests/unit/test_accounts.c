/*
 * test_accounts.c - the account services (core/orgs.c, core/users.c,
 * core/keys.c) against a real SQLite file: their rules, the permissions they
 * ask acl.c for (refusals included), and that a revoked key stops working at
 * once through the key cache.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/keys.h"
#include "core/orgs.h"
#include "core/users.h"
#include "util/arena.h"

#include <stdio.h>
#include <string.h>

#define TMPDB_NAME "accounts"
#include "tmpdb.h"

/* Two organisations; in A a site admin, an org admin and a user; in B a user. */
struct world {
    struct svc s;
    struct arena *a;
    struct principal cli; /* the operator on the command line */
    struct org org_a, org_b;
    struct principal site_admin, org_admin, user_a, user_b;
};

static void principal_of(struct world *w, int64_t user_id, struct principal *out)
{
    struct store_conn *c;
    assert_int_equal(store_begin_read(w->s.store, &c), 0);
    assert_int_equal(auth_principal_load(c, w->a, user_id, out), 0);
    store_end(c, true);
}

static int64_t add_user(struct world *w, const char *email, int64_t org_id, int64_t role_id)
{
    struct user_in in = USER_IN_NONE;
    in.email = email;
    in.org_id = org_id;
    in.role_id = role_id;
    struct user u;
    struct diag d = {0};
    assert_int_equal(users_add(&w->s, &w->cli, w->a, &in, &u, &d), 0);
    return u.id;
}

static void world_open(struct world *w)
{
    memset(w, 0, sizeof(*w));
    w->s.store = open_store();
    w->s.auth_cache = auth_cache_new(60);
    w->a = arena_new();
    w->cli.cli = true;
    struct diag d = {0};
    struct org_in in = {.name = "Alpha", .local = true};
    assert_int_equal(orgs_add(&w->s, &w->cli, &in, &w->org_a, &d), 0);
    in.name = "Beta";
    in.uuid = "B0000000-0000-4000-8000-000000000002";
    assert_int_equal(orgs_add(&w->s, &w->cli, &in, &w->org_b, &d), 0);
    principal_of(w, add_user(w, "root@a.example", w->org_a.id, 1), &w->site_admin);
    principal_of(w, add_user(w, "boss@a.example", w->org_a.id, 2), &w->org_admin);
    principal_of(w, add_user(w, "ann@a.example", w->org_a.id, 0), &w->user_a);
    principal_of(w, add_user(w, "bob@b.example", w->org_b.id, 3), &w->user_b);
}

static void world_close(struct world *w)
{
    auth_cache_free(w->s.auth_cache);
    arena_free(w->a);
    store_close(w->s.store);
}

static void test_orgs(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct diag d = {0};
    struct org o;
    struct org_in in = {.name = "Gamma", .uuid = "not-a-uuid", .local = true};

    /* only site admins add organisations; the refusal names no field */
    assert_int_equal(orgs_add(&w.s, &w.org_admin, &in, &o, &d), ERR_FORBIDDEN);
    assert_string_equal(d.field, "");
    assert_int_equal(orgs_add(&w.s, &w.site_admin, &in, &o, &d), ERR_INVAL);
    assert_string_equal(d.field, "uuid");
    in.name = "";
    assert_int_equal(orgs_add(&w.s, &w.site_admin, &in, &o, &d), ERR_INVAL);
    assert_string_equal(d.field, "name");
    in.name = "Beta";
    in.uuid = NULL;
    assert_int_equal(orgs_add(&w.s, &w.site_admin, &in, &o, &d), ERR_CONFLICT);
    assert_string_equal(d.field, "name");
    in.name = "Gamma";
    assert_int_equal(orgs_add(&w.s, &w.site_admin, &in, &o, &d), 0);
    assert_true(o.id > 0 && o.created_by == w.site_admin.user.id && o.local);
    assert_int_equal(strlen(o.uuid), UUID_STR_LEN);

    /* the uuid is kept, lower-cased; every user reads every organisation */
    struct org *got;
    assert_string_equal(w.org_b.uuid, "b0000000-0000-4000-8000-000000000002");
    assert_int_equal(
        orgs_get(&w.s, &w.user_a, w.a, "B0000000-0000-4000-8000-000000000002", false, &got), 0);
    assert_string_equal(got->name, "Beta");
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)w.org_a.id);
    assert_int_equal(orgs_get(&w.s, &w.user_b, w.a, id, false, &got), 0);
    assert_string_equal(got->name, "Alpha");
    /* names only when asked for (the command line) */
    assert_int_equal(orgs_get(&w.s, &w.user_a, w.a, "Gamma", false, &got), ERR_NOTFOUND);
    assert_int_equal(orgs_get(&w.s, &w.cli, w.a, "Gamma", true, &got), 0);
    assert_int_equal(got->id, o.id);
    assert_int_equal(orgs_get(&w.s, &w.cli, w.a, "Delta", true, &got), ERR_NOTFOUND);

    struct org *all;
    size_t n;
    assert_int_equal(orgs_list(&w.s, &w.user_b, w.a, &all, &n), 0);
    assert_int_equal(n, 3);
    world_close(&w);
}

static void test_users_add(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct diag d = {0};
    struct user u;
    struct user_in in = USER_IN_NONE;
    in.email = "new@a.example";

    /* a plain user adds no one */
    assert_int_equal(users_add(&w.s, &w.user_a, w.a, &in, &u, &d), ERR_FORBIDDEN);
    assert_string_equal(d.field, "");
    /* an org admin: into its organisation, with the default role */
    assert_int_equal(users_add(&w.s, &w.org_admin, w.a, &in, &u, &d), 0);
    assert_int_equal(u.org_id, w.org_a.id);
    assert_int_equal(u.role_id, 3);
    assert_int_equal(u.invited_by, w.org_admin.user.id);
    assert_int_equal(users_add(&w.s, &w.org_admin, w.a, &in, &u, &d), ERR_CONFLICT);
    assert_string_equal(d.field, "email");

    /* one e-mail rule: an '@' and at most USER_EMAIL_MAX bytes */
    in.email = "nobody";
    assert_int_equal(users_add(&w.s, &w.cli, w.a, &in, &u, &d), ERR_INVAL);
    assert_string_equal(d.field, "email");
    char longest[USER_EMAIL_MAX + 2];
    memset(longest, 'x', sizeof(longest) - 1);
    longest[sizeof(longest) - 1] = '\0';
    longest[3] = '@';
    in.email = longest;
    in.org_id = w.org_a.id;
    assert_int_equal(users_add(&w.s, &w.cli, w.a, &in, &u, &d), ERR_INVAL);
    assert_string_equal(d.field, "email");
    longest[USER_EMAIL_MAX] = '\0';
    assert_int_equal(users_add(&w.s, &w.cli, w.a, &in, &u, &d), 0);
    in.email = NULL;
    in.org_id = 0;
    assert_int_equal(users_add(&w.s, &w.org_admin, w.a, &in, &u, &d), ERR_INVAL);
    assert_string_equal(d.field, "email");

    /* an org admin neither adds to another organisation nor grants more than it holds */
    in.email = "other@b.example";
    in.org_id = w.org_b.id;
    assert_int_equal(users_add(&w.s, &w.org_admin, w.a, &in, &u, &d), ERR_FORBIDDEN);
    assert_string_equal(d.field, "org_id");
    in.org_id = 0;
    in.role_id = 1;
    assert_int_equal(users_add(&w.s, &w.org_admin, w.a, &in, &u, &d), ERR_FORBIDDEN);
    assert_string_equal(d.field, "role_id");
    in.role_id = 5; /* Sync user: perm_sync, which an Org Admin lacks */
    assert_int_equal(users_add(&w.s, &w.org_admin, w.a, &in, &u, &d), ERR_FORBIDDEN);
    assert_string_equal(d.field, "role_id");
    in.role_id = 99;
    assert_int_equal(users_add(&w.s, &w.org_admin, w.a, &in, &u, &d), ERR_INVAL);
    assert_string_equal(d.field, "role_id");
    in.role_id = 0;
    in.org_id = -1;
    assert_int_equal(users_add(&w.s, &w.org_admin, w.a, &in, &u, &d), ERR_INVAL);
    assert_string_equal(d.field, "org_id");
    in.org_id = 12345;
    assert_int_equal(users_add(&w.s, &w.cli, w.a, &in, &u, &d), ERR_INVAL);
    assert_string_equal(d.field, "org_id");
    world_close(&w);
}

static void test_users_edit_delete_view_list(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct diag d = {0};
    struct user *u;
    struct user_in in = USER_IN_NONE;
    in.disabled = 1;

    /* out of reach: another organisation's account is not found, a higher one refused */
    assert_int_equal(users_edit(&w.s, &w.org_admin, w.a, w.user_b.user.id, &in, &u, &d),
                     ERR_NOTFOUND);
    assert_string_equal(d.field, "id");
    assert_int_equal(users_edit(&w.s, &w.org_admin, w.a, w.site_admin.user.id, &in, &u, &d),
                     ERR_FORBIDDEN);
    assert_string_equal(d.field, "id");
    assert_int_equal(users_delete(&w.s, &w.org_admin, w.a, w.site_admin.user.id, &d),
                     ERR_FORBIDDEN);
    assert_int_equal(users_edit(&w.s, &w.user_a, w.a, w.user_a.user.id, &in, &u, &d), ERR_NOTFOUND);
    /* within reach */
    assert_int_equal(users_edit(&w.s, &w.org_admin, w.a, w.user_a.user.id, &in, &u, &d), 0);
    assert_true(u->disabled);
    in = (struct user_in)USER_IN_NONE;
    in.org_id = w.org_b.id;
    assert_int_equal(users_edit(&w.s, &w.org_admin, w.a, w.user_a.user.id, &in, &u, &d),
                     ERR_FORBIDDEN);
    assert_string_equal(d.field, "org_id");
    in.org_id = 0;
    in.email = "bob@b.example"; /* taken, whatever the case */
    assert_int_equal(users_edit(&w.s, &w.org_admin, w.a, w.user_a.user.id, &in, &u, &d),
                     ERR_CONFLICT);

    /* views: one's own, or as admin of its organisation */
    struct user *got;
    assert_int_equal(users_get(&w.s, &w.user_b, w.a, w.user_b.user.id, NULL, &got), 0);
    assert_int_equal(users_get(&w.s, &w.user_b, w.a, w.user_a.user.id, NULL, &got), ERR_NOTFOUND);
    assert_int_equal(users_get(&w.s, &w.org_admin, w.a, 0, "ROOT@a.example", &got), 0);
    assert_int_equal(got->id, w.site_admin.user.id);

    /* lists: org admins their organisation, site admins everyone, users nothing */
    struct user *v;
    size_t n;
    assert_int_equal(users_list(&w.s, &w.user_a, w.a, &v, &n, &d), ERR_FORBIDDEN);
    assert_int_equal(users_list(&w.s, &w.org_admin, w.a, &v, &n, &d), 0);
    assert_int_equal(n, 3);
    assert_int_equal(users_list(&w.s, &w.site_admin, w.a, &v, &n, &d), 0);
    assert_int_equal(n, 4);

    /* no one deletes itself; a deleted account is gone */
    assert_int_equal(users_delete(&w.s, &w.org_admin, w.a, w.org_admin.user.id, &d), ERR_CONFLICT);
    assert_int_equal(users_delete(&w.s, &w.org_admin, w.a, w.user_a.user.id, &d), 0);
    assert_int_equal(users_get(&w.s, &w.cli, w.a, w.user_a.user.id, NULL, &got), ERR_NOTFOUND);
    world_close(&w);
}

static void test_roles(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct role *v;
    size_t n;
    assert_int_equal(roles_list(&w.s, &w.user_b, w.a, &v, &n), 0);
    assert_int_equal(n, 6);
    assert_string_equal(v[0].name, "admin");
    struct role *r;
    assert_int_equal(roles_get(&w.s, &w.user_b, w.a, 5, &r), 0);
    assert_string_equal(r->name, "Sync user");
    assert_true(role_has(r, PERM_SYNC));
    assert_int_equal(roles_get(&w.s, &w.user_b, w.a, 42, &r), ERR_NOTFOUND);
    world_close(&w);
}

static void test_keys(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct diag d = {0};
    struct key_in in = {.comment = "mine"};
    char secret[AUTH_KEY_LEN + 1];
    struct auth_key k;

    /* one's own key, shown once */
    assert_int_equal(keys_add(&w.s, &w.user_a, w.a, w.user_a.user.id, &in, secret, &k, &d), 0);
    assert_int_equal(strlen(secret), AUTH_KEY_LEN);
    assert_memory_equal(k.key_start, secret, 4);
    assert_string_equal(k.comment, "mine");
    struct principal who;
    assert_int_equal(auth_cache_verify(w.s.auth_cache, w.s.store, w.a, str_from_cstr(secret), &who),
                     0);
    assert_int_equal(who.user.id, w.user_a.user.id);

    /* out of reach: refused, and no secret comes back */
    assert_int_equal(keys_add(&w.s, &w.user_b, w.a, w.user_a.user.id, &in, secret, &k, &d),
                     ERR_NOTFOUND);
    assert_string_equal(d.msg, "Invalid user");
    assert_string_equal(secret, "");
    assert_int_equal(keys_add(&w.s, &w.org_admin, w.a, w.site_admin.user.id, &in, secret, &k, &d),
                     ERR_FORBIDDEN);
    struct auth_key *v;
    size_t n;
    assert_int_equal(keys_list(&w.s, &w.org_admin, w.a, 0, &v, &n, &d), ERR_FORBIDDEN);
    assert_int_equal(keys_list(&w.s, &w.user_b, w.a, w.user_a.user.id, &v, &n, &d), ERR_NOTFOUND);
    assert_int_equal(keys_list(&w.s, &w.org_admin, w.a, w.user_a.user.id, &v, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(keys_delete(&w.s, &w.user_b, w.a, k.id, &d), ERR_NOTFOUND);
    assert_string_equal(d.msg, "Invalid auth key");

    /* a revocation takes effect at once, cache or not */
    char kept[AUTH_KEY_LEN + 1];
    assert_int_equal(keys_add(&w.s, &w.user_a, w.a, w.user_a.user.id, &in, kept, &k, &d), 0);
    assert_int_equal(auth_cache_verify(w.s.auth_cache, w.s.store, w.a, str_from_cstr(kept), &who),
                     0);
    assert_int_equal(keys_delete(&w.s, &w.user_a, w.a, k.id, &d), 0);
    assert_int_equal(auth_cache_verify(w.s.auth_cache, w.s.store, w.a, str_from_cstr(kept), &who),
                     ERR_AUTH);
    assert_int_equal(keys_delete(&w.s, &w.cli, w.a, k.id, &d), ERR_NOTFOUND);
    assert_int_equal(keys_list(&w.s, &w.cli, w.a, 0, &v, &n, &d), 0);
    assert_int_equal(n, 1);
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_orgs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users_add, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users_edit_delete_view_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
