/*
 * test_acl.c - access decisions (MISP's rules for modify, publish, tag, admin).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/acl.h"

#include <string.h>

static struct principal who(int64_t user, int64_t org, uint32_t perms)
{
    struct principal p;
    memset(&p, 0, sizeof(p));
    p.user.id = user;
    p.org.id = org;
    p.role.perms = perms;
    return p;
}

static struct event ev(int64_t orgc, int64_t creator)
{
    struct event e;
    memset(&e, 0, sizeof(e));
    e.orgc_id = orgc;
    e.org_id = orgc;
    e.user_id = creator;
    return e;
}

static void test_site_admin_filter_sees_everything(void **state)
{
    (void)state;
    struct principal p = who(1, 1, PERM_BIT(PERM_SITE_ADMIN));
    struct acl_filter f;
    acl_filter(&p, NULL, &f);
    assert_true(f.everything);
    struct principal u = who(2, 7, PERM_BIT(PERM_ADD));
    struct acl_policy pol = {.unpublished_private = true};
    acl_filter(&u, &pol, &f);
    assert_false(f.everything);
    assert_int_equal(f.org_id, 7);
    assert_true(f.unpublished_private);
}

static void test_modify_needs_modify_org_or_own_creation(void **state)
{
    (void)state;
    struct event e = ev(5, 50);
    struct principal org_member = who(51, 5, PERM_BIT(PERM_MODIFY_ORG));
    struct principal creator = who(50, 5, PERM_BIT(PERM_MODIFY));
    struct principal colleague = who(52, 5, PERM_BIT(PERM_MODIFY));
    struct principal outsider = who(60, 6, PERM_BIT(PERM_MODIFY_ORG) | PERM_BIT(PERM_MODIFY));
    struct principal reader = who(53, 5, 0);
    assert_true(acl_can_modify_event(&org_member, &e));
    assert_true(acl_can_modify_event(&creator, &e));
    assert_false(acl_can_modify_event(&colleague, &e));
    assert_false(acl_can_modify_event(&outsider, &e));
    assert_false(acl_can_modify_event(&reader, &e));
}

static void test_publish_and_tag_need_perm_and_creator_org(void **state)
{
    (void)state;
    struct event e = ev(5, 50);
    struct principal publisher = who(51, 5, PERM_BIT(PERM_PUBLISH));
    struct principal other = who(60, 6, PERM_BIT(PERM_PUBLISH) | PERM_BIT(PERM_TAGGER));
    struct principal tagger = who(52, 5, PERM_BIT(PERM_TAGGER));
    assert_true(acl_can_publish_event(&publisher, &e));
    assert_false(acl_can_publish_event(&other, &e));
    assert_false(acl_can_publish_event(&tagger, &e));
    assert_true(acl_can_tag_event(&tagger, &e));
    assert_false(acl_can_tag_event(&other, &e));
}

static void test_org_admin_only_for_own_org_and_cli_is_site_admin(void **state)
{
    (void)state;
    struct principal org_admin = who(1, 3, PERM_BIT(PERM_ADMIN));
    assert_true(acl_can_admin_org(&org_admin, 3));
    assert_false(acl_can_admin_org(&org_admin, 4));
    struct principal cli = who(0, 1, 0);
    cli.cli = true;
    assert_true(acl_is_site_admin(&cli));
    assert_true(acl_can_admin_org(&cli, 4));
    struct principal read_only = who(2, 3, PERM_BIT(PERM_AUTH));
    assert_false(acl_can_add(&read_only));
}

static struct tag_ref tag(const char *name)
{
    struct tag_ref t;
    memset(&t, 0, sizeof(t));
    t.tag.name = (char *)name;
    return t;
}

static void test_tlp_levels_and_caps(void **state)
{
    (void)state;
    struct tag_ref none[] = {tag("type:OSINT")};
    assert_int_equal(acl_tlp_level(none, 1), TLP_NONE);
    struct tag_ref mixed[] = {tag("tlp:white"), tag("TLP:Amber"), tag("tlp:green")};
    assert_int_equal(acl_tlp_level(mixed, 3), TLP_AMBER);
    struct tag_ref strict[] = {tag("tlp:amber+strict")};
    assert_int_equal(acl_tlp_level(strict, 1), TLP_AMBER_STRICT);
    assert_true(acl_tlp_allows(TLP_RED, DIST_ORG));
    assert_true(acl_tlp_allows(TLP_RED, DIST_SHARING_GROUP));
    assert_false(acl_tlp_allows(TLP_RED, DIST_COMMUNITY));
    assert_false(acl_tlp_allows(TLP_AMBER, DIST_SHARING_GROUP));
    assert_true(acl_tlp_allows(TLP_AMBER_STRICT, DIST_INHERIT));
    assert_true(acl_tlp_allows(TLP_GREEN, DIST_CONNECTED));
    assert_false(acl_tlp_allows(TLP_GREEN, DIST_ALL));
    assert_true(acl_tlp_allows(TLP_CLEAR, DIST_ALL));
    assert_true(acl_tlp_allows(TLP_NONE, DIST_ALL));
    assert_int_equal(acl_tlp_stricter(TLP_GREEN, TLP_RED), TLP_RED);
}

static struct sighting sighting_by(int64_t reporter, int64_t event_owner)
{
    struct sighting s;
    memset(&s, 0, sizeof(s));
    s.org_id = reporter;
    s.event_org_id = event_owner;
    return s;
}

/* An event with distribution dist, TLP tag tlp (or none), and three
 * attributes: inherit, distribution 1, and 3 with its own tlp:red. */
struct trim_case {
    struct event e;
    struct tag_ref tags[2];
    struct tag_ref red;
    struct attribute attrs[3];
};

static void trim_case(struct trim_case *t, int dist, const char *tlp)
{
    memset(t, 0, sizeof(*t));
    t->e.distribution = dist;
    t->tags[0] = tag("misp:tool=\"x\"");
    t->tags[1] = tag(tlp ? tlp : "other");
    t->tags[0].local = true;
    t->e.tags = t->tags;
    t->e.n_tags = 2;
    t->red = tag("tlp:red");
    t->attrs[0].distribution = DIST_INHERIT;
    t->attrs[1].distribution = DIST_COMMUNITY;
    t->attrs[2].distribution = DIST_ALL;
    t->attrs[2].tags = &t->red;
    t->attrs[2].n_tags = 1;
    t->e.attrs = t->attrs;
    t->e.n_attrs = 3;
}

static void test_sync_trim_by_tlp_and_level(void **state)
{
    (void)state;
    struct trim_case t;
    /* no TLP: all communities goes as it is; the tlp:red attribute stays */
    trim_case(&t, DIST_ALL, NULL);
    assert_true(acl_sync_trim(&t.e, DIST_COMMUNITY));
    assert_int_equal(t.e.distribution, DIST_ALL);
    assert_int_equal(t.e.n_attrs, 2);
    assert_int_equal(t.e.attrs[0].distribution, DIST_INHERIT);
    assert_int_equal(t.e.attrs[1].distribution, DIST_COMMUNITY);
    assert_int_equal(t.e.n_tags, 1); /* the local tag never leaves */
    assert_false(t.e.tags[0].local);
    /* a push needs 2: the community attribute stays home */
    trim_case(&t, DIST_ALL, NULL);
    assert_true(acl_sync_trim(&t.e, DIST_CONNECTED));
    assert_int_equal(t.e.n_attrs, 1);
    /* tlp:green caps at connected communities */
    trim_case(&t, DIST_ALL, "tlp:green");
    assert_true(acl_sync_trim(&t.e, DIST_COMMUNITY));
    assert_int_equal(t.e.distribution, DIST_CONNECTED);
    /* tlp:red or amber with distribution all never leaves; a sharing group may */
    trim_case(&t, DIST_ALL, "tlp:red");
    assert_false(acl_sync_trim(&t.e, DIST_COMMUNITY));
    trim_case(&t, DIST_COMMUNITY, "TLP:AMBER");
    assert_false(acl_sync_trim(&t.e, DIST_COMMUNITY));
    trim_case(&t, DIST_SHARING_GROUP, "tlp:red");
    assert_true(acl_sync_trim(&t.e, DIST_CONNECTED));
    assert_int_equal(t.e.distribution, DIST_SHARING_GROUP);
    trim_case(&t, DIST_SHARING_GROUP, "tlp:amber");
    assert_false(acl_sync_trim(&t.e, DIST_COMMUNITY));
    /* your organisation only never leaves */
    trim_case(&t, DIST_ORG, NULL);
    assert_false(acl_sync_trim(&t.e, DIST_COMMUNITY));
}

static void test_sightings_event_owner_sees_all_others_their_own(void **state)
{
    (void)state;
    struct acl_filter owner = {.org_id = 5}, reader = {.org_id = 6}, admin = {.everything = true};
    struct sighting by_reader = sighting_by(6, 5), by_third = sighting_by(7, 5);
    struct sighting anonymous = sighting_by(0, 5);
    assert_true(acl_sighting_visible(&owner, &by_reader));
    assert_true(acl_sighting_visible(&owner, &by_third));
    assert_true(acl_sighting_visible(&owner, &anonymous));
    assert_true(acl_sighting_visible(&reader, &by_reader));
    assert_false(acl_sighting_visible(&reader, &by_third));
    assert_false(acl_sighting_visible(&reader, &anonymous));
    assert_true(acl_sighting_visible(&admin, &by_third));
    assert_true(acl_sighting_visible(&admin, &anonymous));
}

static void test_sighting_add_delete_and_sync_rights(void **state)
{
    (void)state;
    struct sighting by_6 = sighting_by(6, 5);
    struct principal user = who(1, 6, PERM_BIT(PERM_SIGHTING) | PERM_BIT(PERM_MODIFY_ORG));
    struct principal org_admin = who(2, 6, PERM_BIT(PERM_ADMIN));
    struct principal read_only = who(3, 6, PERM_BIT(PERM_AUTH));
    struct principal event_owner = who(4, 5, PERM_BIT(PERM_MODIFY_ORG) | PERM_BIT(PERM_ADMIN));
    struct principal site_admin = who(5, 1, PERM_BIT(PERM_SITE_ADMIN));
    struct principal sync = who(6, 9, PERM_BIT(PERM_SYNC));
    assert_true(acl_can_add_sighting(&user));
    assert_false(acl_can_add_sighting(&read_only));
    assert_true(acl_can_add_sighting(&site_admin));
    assert_true(acl_can_delete_sighting(&user, &by_6));
    assert_true(acl_can_delete_sighting(&org_admin, &by_6));
    assert_false(acl_can_delete_sighting(&read_only, &by_6));
    assert_false(acl_can_delete_sighting(&event_owner, &by_6));
    assert_true(acl_can_delete_sighting(&site_admin, &by_6));
    assert_true(acl_can_sync(&sync));
    assert_true(acl_can_sync(&site_admin));
    assert_false(acl_can_sync(&user));
}

static void test_no_one_acts_on_an_account_with_more_permissions(void **state)
{
    (void)state;
    uint32_t org_admin = PERM_BIT(PERM_ADMIN) | PERM_BIT(PERM_ADD) | PERM_BIT(PERM_AUTH);
    struct principal oa = who(10, 1, org_admin);
    struct principal sa = who(1, 1, PERM_BIT(PERM_SITE_ADMIN));
    struct role site = {.id = 1, .perms = PERM_BIT(PERM_SITE_ADMIN) | org_admin};
    struct role sync = {.id = 5, .perms = PERM_BIT(PERM_SYNC) | PERM_BIT(PERM_ADD)};
    struct role user = {.id = 3, .perms = PERM_BIT(PERM_ADD) | PERM_BIT(PERM_AUTH)};
    struct role peer_admin = {.id = 2, .perms = org_admin};
    struct role restricted = {.id = 9, .perms = 0, .restricted_to_site_admin = true};
    assert_false(acl_can_grant_role(&oa, &site));
    assert_false(acl_can_grant_role(&oa, &sync));
    assert_false(acl_can_grant_role(&oa, &restricted));
    assert_true(acl_can_grant_role(&oa, &user));
    assert_true(acl_can_grant_role(&oa, &peer_admin));
    assert_true(acl_can_grant_role(&sa, &site));
    struct user admin_account = {.id = 1, .org_id = 1, .role_id = 1};
    struct user sync_account = {.id = 5, .org_id = 1, .role_id = 5};
    struct user colleague = {.id = 11, .org_id = 1, .role_id = 3};
    struct user stranger = {.id = 21, .org_id = 2, .role_id = 3};
    assert_false(acl_can_manage_user(&oa, &admin_account, &site));
    assert_false(acl_can_manage_keys(&oa, &admin_account, &site));
    assert_false(acl_can_manage_user(&oa, &sync_account, &sync));
    assert_true(acl_can_manage_user(&oa, &colleague, &user));
    assert_true(acl_can_manage_keys(&oa, &colleague, &user));
    assert_false(acl_can_manage_user(&oa, &stranger, &user));
    assert_true(acl_can_manage_user(&sa, &stranger, &user));
    /* one's own keys need perm_auth only */
    struct principal plain = who(11, 1, PERM_BIT(PERM_ADD));
    assert_false(acl_can_manage_keys(&plain, &colleague, &user));
    plain.role.perms |= PERM_BIT(PERM_AUTH);
    assert_true(acl_can_manage_keys(&plain, &colleague, &user));
}

static void test_peer_deletes_only_what_its_org_reported_or_delivered(void **state)
{
    (void)state;
    struct principal peer = who(0, 7, PERM_BIT(PERM_SYNC));
    struct sighting theirs = {.org_id = 7}, delivered = {.org_id = 3, .from_org_id = 7};
    struct sighting local = {.org_id = 3}, anonymous = {.org_id = 0};
    assert_true(acl_can_peer_delete_sighting(&peer, &theirs));
    assert_true(acl_can_peer_delete_sighting(&peer, &delivered));
    assert_false(acl_can_peer_delete_sighting(&peer, &local));
    assert_false(acl_can_peer_delete_sighting(&peer, &anonymous));
    /* a link whose remote organisation is unknown (0) matches nothing */
    struct principal nobody = who(0, 0, PERM_BIT(PERM_SYNC));
    assert_false(acl_can_peer_delete_sighting(&nobody, &anonymous));
    assert_false(acl_can_peer_delete_sighting(&nobody, &local));
    struct principal sa = who(1, 1, PERM_BIT(PERM_SITE_ADMIN));
    assert_true(acl_can_peer_delete_sighting(&sa, &local));
}

/* ---- sync: distribution on the way in and out ---- */

static void test_pulled_event_is_rewritten_as_misp_does(void **state)
{
    (void)state;
    struct tag_ref tags[2];
    memset(tags, 0, sizeof(tags));
    tags[0].tag.name = "tlp:green";
    tags[1].tag.name = "workflow:todo";
    tags[1].local = true;
    struct attribute attrs[4];
    memset(attrs, 0, sizeof(attrs));
    int given[4] = {DIST_ORG, DIST_COMMUNITY, DIST_CONNECTED, DIST_INHERIT};
    for (int i = 0; i < 4; i++)
        attrs[i].distribution = given[i];
    attrs[2].tags = &tags[1];
    attrs[2].n_tags = 1;
    struct object obj;
    memset(&obj, 0, sizeof(obj));
    obj.distribution = DIST_CONNECTED;
    obj.attrs = &attrs[3];
    obj.n_attrs = 1;
    struct event e;
    memset(&e, 0, sizeof(e));
    e.distribution = DIST_CONNECTED;
    e.tags = tags;
    e.n_tags = 2;
    e.attrs = attrs;
    e.n_attrs = 3;
    e.objects = &obj;
    e.n_objects = 1;
    acl_sync_rewrite_pulled(&e);
    assert_true(e.locked);
    assert_int_equal(e.distribution, DIST_COMMUNITY);
    assert_int_equal(e.n_tags, 1);
    assert_string_equal(e.tags[0].tag.name, "tlp:green");
    assert_int_equal(attrs[0].distribution, DIST_ORG);
    assert_int_equal(attrs[1].distribution, DIST_ORG);
    assert_int_equal(attrs[2].distribution, DIST_COMMUNITY);
    assert_int_equal(attrs[2].n_tags, 0);
    assert_int_equal(obj.distribution, DIST_COMMUNITY);
    assert_int_equal(obj.attrs[0].distribution, DIST_INHERIT);

    struct event all;
    memset(&all, 0, sizeof(all));
    all.distribution = DIST_ALL;
    acl_sync_rewrite_pulled(&all);
    assert_int_equal(all.distribution, DIST_ALL);
    /* an event that gives no distribution counts as "this community" */
    struct event none;
    memset(&none, 0, sizeof(none));
    none.distribution = -1;
    acl_sync_rewrite_pulled(&none);
    assert_int_equal(none.distribution, DIST_ORG);
}

static void test_pushed_event_goes_out_as_this_community(void **state)
{
    (void)state;
    struct attribute attrs[4];
    memset(attrs, 0, sizeof(attrs));
    int given[4] = {DIST_CONNECTED, DIST_ALL, DIST_SHARING_GROUP, DIST_CONNECTED};
    for (int i = 0; i < 4; i++)
        attrs[i].distribution = given[i];
    struct object obj;
    memset(&obj, 0, sizeof(obj));
    obj.distribution = DIST_CONNECTED;
    obj.attrs = &attrs[3];
    obj.n_attrs = 1;
    struct tag_ref local;
    memset(&local, 0, sizeof(local));
    local.tag.name = "workflow:todo";
    local.local = true;
    struct event e;
    memset(&e, 0, sizeof(e));
    e.distribution = DIST_CONNECTED;
    e.tags = &local;
    e.n_tags = 1;
    e.attrs = attrs;
    e.n_attrs = 3;
    e.objects = &obj;
    e.n_objects = 1;
    acl_sync_rewrite_pushed(&e);
    assert_int_equal(e.distribution, DIST_COMMUNITY);
    assert_int_equal(attrs[0].distribution, DIST_COMMUNITY);
    assert_int_equal(attrs[1].distribution, DIST_ALL);
    assert_int_equal(attrs[2].distribution, DIST_SHARING_GROUP);
    assert_int_equal(obj.distribution, DIST_COMMUNITY);
    assert_int_equal(obj.attrs[0].distribution, DIST_COMMUNITY);
    assert_int_equal(e.n_tags, 1); /* tags are acl_sync_trim's, before */
    assert_false(e.locked);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_site_admin_filter_sees_everything),
        cmocka_unit_test(test_modify_needs_modify_org_or_own_creation),
        cmocka_unit_test(test_publish_and_tag_need_perm_and_creator_org),
        cmocka_unit_test(test_org_admin_only_for_own_org_and_cli_is_site_admin),
        cmocka_unit_test(test_tlp_levels_and_caps),
        cmocka_unit_test(test_sync_trim_by_tlp_and_level),
        cmocka_unit_test(test_sightings_event_owner_sees_all_others_their_own),
        cmocka_unit_test(test_sighting_add_delete_and_sync_rights),
        cmocka_unit_test(test_no_one_acts_on_an_account_with_more_permissions),
        cmocka_unit_test(test_peer_deletes_only_what_its_org_reported_or_delivered),
        cmocka_unit_test(test_pulled_event_is_rewritten_as_misp_does),
        cmocka_unit_test(test_pushed_event_goes_out_as_this_community),
    };
    return cmocka_run_group_tests_name("acl", tests, NULL, NULL);
}
