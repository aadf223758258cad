/*
 * test_events_svc.c - the event service's entry points (core/event.c) and the
 * event view (core/event_view.c) on a real SQLite file: each call owns its
 * transaction and asks acl - a write refused for want of a permission leaves
 * nothing behind, a reader never reaches what it may not see, a peer's push
 * lands as a locked copy (acl_principal_for_peer_push) and never over an
 * event created here, the TLP warnings of a saved event, tags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/event.h"
#include "core/event_view.h"
#include "core/svc.h"
#include "util/arena.h"

#include <stdio.h>
#include <string.h>

#define TMPDB_NAME "events-svc"
#include "tmpdb.h"

struct world {
    struct config cfg;
    struct svc s;
    struct arena *a;
    struct org org_a, org_b, org_peer;
};

static void world_open(struct world *w)
{
    memset(w, 0, sizeof(*w));
    config_init(&w->cfg);
    w->s.store = open_store();
    w->s.cfg = &w->cfg;
    w->a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(w->s.store, &c), 0);
    insert_org(c, &w->org_a, "Alpha", "a0000000-0000-4000-8000-000000000001");
    insert_org(c, &w->org_b, "Bravo", "b0000000-0000-4000-8000-000000000002");
    insert_org(c, &w->org_peer, "Peer", "c0000000-0000-4000-8000-000000000003");
    assert_int_equal(store_end(c, true), 0);
}

static void world_close(struct world *w)
{
    arena_free(w->a);
    store_close(w->s.store);
    config_free(&w->cfg);
}

#define EDITOR (PERM_BIT(PERM_ADD) | PERM_BIT(PERM_MODIFY_ORG) | PERM_BIT(PERM_TAGGER))
#define PUBLISHER (EDITOR | PERM_BIT(PERM_PUBLISH))
#define SYNC (PERM_BIT(PERM_ADD) | PERM_BIT(PERM_SYNC))

static struct event *new_event(struct arena *a, const char *info, int distribution)
{
    struct event *e = arena_calloc(a, 1, sizeof(*e));
    e->info = (char *)info;
    e->distribution = distribution;
    e->analysis = -1;
    e->attrs = arena_calloc(a, 1, sizeof(*e->attrs));
    e->n_attrs = 1;
    e->attrs[0].type = "domain";
    e->attrs[0].value = "Evil.Example";
    e->attrs[0].distribution = -1;
    return e;
}

static const char *ref_of(struct arena *a, int64_t id)
{
    return arena_printf(a, "%lld", (long long)id);
}

static void test_add_view_and_refusals(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal alice = member(&w.org_a, 1, EDITOR);
    struct principal reader = member(&w.org_b, 2, 0);
    struct diag d = {0};
    struct event_saved sv;

    /* no perm_add: refused, nothing written */
    struct event *e = new_event(w.a, "refused", 1);
    assert_int_equal(events_add(&w.s, &reader, w.a, e, NULL, &sv, &d), ERR_FORBIDDEN);
    assert_false(sv.saved);

    e = new_event(w.a, "shared", 1);
    assert_int_equal(events_add(&w.s, &alice, w.a, e, NULL, &sv, &d), 0);
    assert_true(sv.saved);
    assert_true(sv.event == e && e->id > 0);
    assert_int_equal(e->org_id, w.org_a.id);
    assert_string_equal(e->attrs[0].value, "evil.example"); /* canonical */
    assert_int_equal(e->attribute_count, 1);
    assert_int_equal(sv.n_warnings, 0);
    int64_t shared = e->id;

    struct event *priv = new_event(w.a, "own org only", 0);
    assert_int_equal(events_add(&w.s, &alice, w.a, priv, NULL, &sv, &d), 0);

    /* the other organisation sees the community event, not the private one */
    struct event_view_opts o = {.correlations = true};
    struct event *got;
    assert_int_equal(event_view(&w.s, &reader, w.a, ref_of(w.a, shared), &o, &got), 0);
    assert_string_equal(got->info, "shared");
    assert_int_equal(got->n_attrs, 1);
    assert_int_equal(event_view(&w.s, &reader, w.a, ref_of(w.a, priv->id), &o, &got), ERR_NOTFOUND);
    assert_int_equal(event_view(&w.s, &reader, w.a, priv->uuid, &o, &got), ERR_NOTFOUND);
    assert_int_equal(event_view(&w.s, &alice, w.a, priv->uuid, &o, &got), 0);
    struct attribute *at;
    assert_int_equal(attribute_view(&w.s, &reader, w.a, priv->attrs[0].uuid, &at), ERR_NOTFOUND);
    assert_int_equal(attribute_view(&w.s, &reader, w.a, e->attrs[0].uuid, &at), 0);
    assert_string_equal(at->value, "evil.example");

    /* the reader sees it but may not change, publish or delete it */
    int64_t id = 0;
    diag_clear(&d);
    assert_int_equal(events_delete(&w.s, &reader, w.a, ref_of(w.a, shared), &id, &d),
                     ERR_FORBIDDEN);
    assert_int_equal(events_publish(&w.s, &reader, w.a, ref_of(w.a, shared), true, &id, &d),
                     ERR_FORBIDDEN);
    /* what it may not see does not exist for it: no detail */
    diag_clear(&d);
    assert_int_equal(events_delete(&w.s, &reader, w.a, ref_of(w.a, priv->id), &id, &d),
                     ERR_NOTFOUND);
    assert_string_equal(d.msg, "");

    /* perm_publish is needed to publish; the owner's editor lacks it */
    assert_int_equal(events_publish(&w.s, &alice, w.a, ref_of(w.a, shared), true, &id, &d),
                     ERR_FORBIDDEN);
    struct principal pub = member(&w.org_a, 3, PUBLISHER);
    assert_int_equal(events_publish(&w.s, &pub, w.a, ref_of(w.a, shared), true, &id, &d), 0);
    assert_int_equal(id, shared);
    assert_int_equal(event_view(&w.s, &reader, w.a, ref_of(w.a, shared), &o, &got), 0);
    assert_true(got->published);

    assert_int_equal(events_delete(&w.s, &alice, w.a, ref_of(w.a, shared), &id, &d), 0);
    assert_int_equal(event_view(&w.s, &reader, w.a, ref_of(w.a, shared), &o, &got), ERR_NOTFOUND);
    world_close(&w);
}

static void test_edit_attributes_objects(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal alice = member(&w.org_a, 1, EDITOR);
    struct principal bob = member(&w.org_b, 2, EDITOR);
    struct diag d = {0};
    struct event_saved sv;
    struct event *e = new_event(w.a, "before", 1);
    e->timestamp = 1000;
    assert_int_equal(events_add(&w.s, &alice, w.a, e, NULL, &sv, &d), 0);
    const char *ref = e->uuid;

    /* an older or equal timestamp does not overwrite */
    struct event in = {.timestamp = 1000, .info = "stale", .analysis = -1, .distribution = -1};
    assert_int_equal(events_edit(&w.s, &alice, w.a, ref, &in, NULL, &sv, &d), ERR_STALE);
    struct event in2 = {.info = "after", .analysis = -1, .distribution = -1};
    assert_int_equal(events_edit(&w.s, &alice, w.a, ref, &in2, NULL, &sv, &d), 0);
    assert_string_equal(sv.event->info, "after");
    assert_true(sv.event->timestamp > 1000);
    /* another organisation's editor may not */
    struct event in3 = {.info = "bob", .analysis = -1, .distribution = -1};
    assert_int_equal(events_edit(&w.s, &bob, w.a, ref, &in3, NULL, &sv, &d), ERR_FORBIDDEN);

    /* attributes: a list, all or none (the second is invalid) */
    struct attribute list[2] = {{.type = "ip-dst", .value = "10.0.0.1", .distribution = -1},
                                {.type = "no-such-type", .value = "x", .distribution = -1}};
    diag_clear(&d);
    assert_int_equal(attributes_add(&w.s, &alice, w.a, ref, list, 2, true, &d), ERR_INVAL);
    assert_string_equal(d.field, "Attribute.1.type");
    struct event_view_opts o = {0};
    struct event *got;
    assert_int_equal(event_view(&w.s, &alice, w.a, ref, &o, &got), 0);
    assert_int_equal(got->n_attrs, 1);
    struct attribute one = {.type = "ip-dst", .value = "10.0.0.1", .distribution = -1};
    assert_int_equal(attributes_add(&w.s, &alice, w.a, ref, &one, 1, false, &d), 0);
    assert_true(one.id > 0);
    assert_int_equal(attributes_add(&w.s, &bob, w.a, ref, &one, 1, false, &d), ERR_FORBIDDEN);

    struct attribute change = {.comment = "seen", .distribution = -1};
    struct attribute *at;
    assert_int_equal(attributes_edit(&w.s, &alice, w.a, one.uuid, &change, &at, &d), 0);
    assert_string_equal(at->comment, "seen");
    int64_t id;
    assert_int_equal(attributes_delete(&w.s, &bob, w.a, one.uuid, false, &id, &d), ERR_FORBIDDEN);
    assert_int_equal(attributes_delete(&w.s, &alice, w.a, one.uuid, false, &id, &d), 0);
    assert_int_equal(id, one.id);
    /* a soft delete of a deleted attribute: not found, without detail */
    diag_clear(&d);
    assert_int_equal(attributes_delete(&w.s, &alice, w.a, one.uuid, false, &id, &d), ERR_NOTFOUND);
    assert_string_equal(d.msg, "");
    assert_int_equal(attributes_delete(&w.s, &alice, w.a, one.uuid, true, &id, &d), 0);

    /* objects */
    struct attribute oattr = {.type = "url",
                              .value = "http://evil.example/x",
                              .object_relation = "url",
                              .distribution = -1};
    struct object obj = {.name = "url", .distribution = -1, .attrs = &oattr, .n_attrs = 1};
    assert_int_equal(objects_add(&w.s, &bob, w.a, ref, &obj, &d), ERR_FORBIDDEN);
    assert_int_equal(objects_add(&w.s, &alice, w.a, ref, &obj, &d), 0);
    assert_true(obj.id > 0);
    assert_int_equal(objects_delete(&w.s, &bob, w.a, obj.uuid, false, &id, &d), ERR_FORBIDDEN);
    assert_int_equal(objects_delete(&w.s, &alice, w.a, obj.uuid, false, &id, &d), 0);
    assert_int_equal(id, obj.id);
    diag_clear(&d);
    assert_int_equal(objects_delete(&w.s, &alice, w.a, "no-such-object", false, &id, &d),
                     ERR_NOTFOUND);
    world_close(&w);
}

static void test_tlp_warnings(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal alice = member(&w.org_a, 1, EDITOR);
    struct diag d = {0};
    struct event_saved sv;
    struct event *e = new_event(w.a, "red but open", 3);
    struct tag_ref red = {.tag = {.name = "tlp:red"}};
    e->tags = &red;
    e->n_tags = 1;
    assert_int_equal(events_add(&w.s, &alice, w.a, e, NULL, &sv, &d), 0);
    /* the event (3) is wider than tlp:red allows; its attribute inherits (5) */
    assert_int_equal(sv.n_warnings, 1);
    assert_non_null(strstr(sv.warnings[0], "distribution 3 is wider than tlp:red allows"));
    assert_non_null(strstr(sv.warnings[0], e->uuid));
    world_close(&w);
}

static void test_peer_push(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal alice = member(&w.org_a, 1, EDITOR);
    struct principal peer = member(&w.org_peer, 9, SYNC);
    struct diag d = {0};
    struct event_saved sv;

    /* a push: its uuid and timestamp given; published stays published */
    struct event *e = new_event(w.a, "pushed", 1);
    snprintf(e->uuid, sizeof(e->uuid), "f0000000-0000-4000-8000-000000000001");
    e->timestamp = 2000;
    e->published = true;
    struct events_push push = {.exact = false};
    assert_int_equal(events_add(&w.s, &peer, w.a, e, &push, &sv, &d), 0);
    assert_true(sv.saved);
    assert_true(sv.event->locked);
    assert_true(sv.event->published);
    assert_int_equal(sv.event->org_id, w.org_peer.id);
    /* the same again is not newer */
    struct event *again = new_event(w.a, "pushed", 1);
    memcpy(again->uuid, e->uuid, sizeof(again->uuid));
    again->timestamp = 2000;
    diag_clear(&d);
    assert_int_equal(events_add(&w.s, &peer, w.a, again, &push, &sv, &d), ERR_STALE);
    assert_null(sv.refused);
    /* a newer one through edit, with another uuid in the path: refused */
    again->timestamp = 3000;
    assert_int_equal(events_edit(&w.s, &peer, w.a, "f0000000-0000-4000-8000-000000000009", again,
                                 &push, &sv, &d),
                     ERR_INVAL);
    assert_non_null(sv.refused);
    assert_int_equal(events_edit(&w.s, &peer, w.a, e->uuid, again, &push, &sv, &d), 0);
    assert_int_equal(sv.event->timestamp, 3000);

    /* never over an event created here */
    struct event *local = new_event(w.a, "local", 1);
    assert_int_equal(events_add(&w.s, &alice, w.a, local, NULL, &sv, &d), 0);
    struct event *over = new_event(w.a, "overwrite", 1);
    memcpy(over->uuid, local->uuid, sizeof(over->uuid));
    over->timestamp = local->timestamp + 100;
    assert_int_equal(events_add(&w.s, &peer, w.a, over, &push, &sv, &d), ERR_FORBIDDEN);
    assert_non_null(strstr(sv.refused, "never overwritten"));
    /* the push never raised the caller itself */
    assert_false(acl_is_site_admin(&peer));
    world_close(&w);
}

static void test_tags(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal alice = member(&w.org_a, 1, EDITOR);
    struct principal editor = member(&w.org_a, 4, PERM_BIT(PERM_TAG_EDITOR));
    struct principal reader = member(&w.org_b, 2, 0);
    struct diag d = {0};
    struct tag t = {.name = "campaign:x", .exportable = true};
    assert_int_equal(tags_add(&w.s, &alice, &t, NULL, &d), ERR_FORBIDDEN);
    struct str bad = str_from_cstr("not-a-uuid");
    assert_int_equal(tags_add(&w.s, &editor, &t, &bad, &d), ERR_INVAL);
    assert_string_equal(d.field, "uuid");
    struct tag none = {0};
    assert_int_equal(tags_add(&w.s, &editor, &none, NULL, &d), ERR_INVAL);
    assert_string_equal(d.field, "name");
    assert_int_equal(tags_add(&w.s, &editor, &t, NULL, &d), 0);
    assert_string_equal(t.colour, "#ffffff");
    struct tag dup = {.name = "campaign:x"};
    assert_int_equal(tags_add(&w.s, &editor, &dup, NULL, &d), ERR_CONFLICT);
    struct tag *list;
    size_t n;
    assert_int_equal(tags_list(&w.s, &reader, w.a, "paign", &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(tags_list(&w.s, &reader, w.a, "nothing", &list, &n), 0);
    assert_int_equal(n, 0);

    struct event_saved sv;
    struct event *e = new_event(w.a, "tagged", 1);
    assert_int_equal(events_add(&w.s, &alice, w.a, e, NULL, &sv, &d), 0);
    struct tag_change ch = {.tag_name = "campaign:x", .attach = true};
    memcpy(ch.uuid, e->uuid, sizeof(ch.uuid));
    assert_int_equal(tags_change(&w.s, &reader, w.a, &ch, &d), ERR_FORBIDDEN);
    assert_int_equal(tags_change(&w.s, &alice, w.a, &ch, &d), 0);
    /* by id, on the attribute */
    struct tag_change by_id = {.tag_id = t.id, .attach = true};
    memcpy(by_id.uuid, e->attrs[0].uuid, sizeof(by_id.uuid));
    assert_int_equal(tags_change(&w.s, &alice, w.a, &by_id, &d), 0);
    struct event_view_opts o = {0};
    struct event *got;
    assert_int_equal(event_view(&w.s, &alice, w.a, e->uuid, &o, &got), 0);
    assert_int_equal(got->n_tags, 1);
    assert_int_equal(got->attrs[0].n_tags, 1);
    by_id.tag_id = 999;
    diag_clear(&d);
    assert_int_equal(tags_change(&w.s, &alice, w.a, &by_id, &d), ERR_NOTFOUND);
    assert_string_equal(d.field, "tag");
    ch.attach = false;
    assert_int_equal(tags_change(&w.s, &alice, w.a, &ch, &d), 0);
    assert_int_equal(tags_change(&w.s, &alice, w.a, &ch, &d), ERR_NOTFOUND);
    world_close(&w);
}

static void test_acl_rules(void **state)
{
    (void)state;
    struct org o = {.id = 5, .name = "Host"};
    struct principal cli;
    acl_principal_cli(&o, &cli);
    assert_true(acl_is_site_admin(&cli));
    assert_int_equal(cli.org.id, 5);
    struct acl_filter f;
    acl_filter(&cli, NULL, &f);
    assert_true(f.everything && f.see_deleted);

    struct principal sync = member(&o, 1, SYNC), raised;
    assert_true(acl_is_sync_peer(&sync));
    assert_false(acl_can_publish(&sync));
    acl_principal_for_peer_push(&sync, &raised);
    assert_true(acl_can_publish(&raised) && acl_can_add(&raised));
    assert_false(acl_is_site_admin(&sync)); /* the caller itself is unchanged */

    struct principal tagger = member(&o, 2, PERM_BIT(PERM_TAGGER));
    assert_false(acl_can_edit_tags(&tagger));
    tagger.role.perms |= PERM_BIT(PERM_TAG_EDITOR);
    assert_true(acl_can_edit_tags(&tagger));
}

/* An event of three domains; attribute `tagged` gets a tag without a name. */
static struct event *three_attrs(struct arena *a, int tagged)
{
    struct event *e = arena_calloc(a, 1, sizeof(*e));
    e->info = "three";
    e->distribution = 1;
    e->analysis = -1;
    e->attrs = arena_calloc(a, 3, sizeof(*e->attrs));
    e->n_attrs = 3;
    for (int i = 0; i < 3; i++) {
        e->attrs[i].type = "domain";
        e->attrs[i].value = arena_printf(a, "d%d.example", i);
        e->attrs[i].distribution = -1;
    }
    if (tagged >= 0) {
        e->attrs[tagged].tags = arena_calloc(a, 1, sizeof(struct tag_ref));
        e->attrs[tagged].tags[0].tag.name = "";
        e->attrs[tagged].n_tags = 1;
    }
    return e;
}

/* The event service writes a new event's attributes together; its answer is
 * still that of writing them in turn: for one attribute its fields, then its
 * uuid, then its tags' names (the decoders refuse a tag without a name before
 * the service, so only this test reaches that rule). */
static void test_add_reports_the_first_failure_in_document_order(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal alice = member(&w.org_a, 1, EDITOR);
    struct event_saved sv;
    struct diag d = {0};
    struct event *held = three_attrs(w.a, -1);
    assert_int_equal(events_add(&w.s, &alice, w.a, held, NULL, &sv, &d), 0);

    struct event *e = three_attrs(w.a, 1);
    assert_int_equal(events_add(&w.s, &alice, w.a, e, NULL, &sv, &d), ERR_INVAL);
    assert_string_equal(d.field, "Event.Attribute.1.Tag.0.name");
    e = three_attrs(w.a, 1);
    memcpy(e->attrs[1].uuid, held->attrs[0].uuid, sizeof(e->attrs[1].uuid));
    assert_int_equal(events_add(&w.s, &alice, w.a, e, NULL, &sv, &d), ERR_CONFLICT);
    assert_string_equal(d.field, "Event.Attribute.1.uuid");
    e = three_attrs(w.a, 0);
    e->attrs[2].type = "no-such-type";
    memcpy(e->attrs[1].uuid, held->attrs[0].uuid, sizeof(e->attrs[1].uuid));
    assert_int_equal(events_add(&w.s, &alice, w.a, e, NULL, &sv, &d), ERR_INVAL);
    assert_string_equal(d.field, "Event.Attribute.0.Tag.0.name");
    e = three_attrs(w.a, 2);
    e->attrs[1].type = "no-such-type";
    assert_int_equal(events_add(&w.s, &alice, w.a, e, NULL, &sv, &d), ERR_INVAL);
    assert_string_equal(d.field, "Event.Attribute.1.type");

    /* a lone attribute (attributes_add) follows the same order */
    struct event *lone = three_attrs(w.a, 0);
    memcpy(lone->attrs[0].uuid, held->attrs[2].uuid, sizeof(lone->attrs[0].uuid));
    assert_int_equal(attributes_add(&w.s, &alice, w.a, held->uuid, lone->attrs, 1, false, &d),
                     ERR_CONFLICT);
    assert_string_equal(d.field, "Attribute.uuid");
    lone = three_attrs(w.a, 0);
    assert_int_equal(attributes_add(&w.s, &alice, w.a, held->uuid, lone->attrs, 1, false, &d),
                     ERR_INVAL);
    assert_string_equal(d.field, "Attribute.Tag.0.name");
    world_close(&w);
}

static void test_import(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal cli;
    acl_principal_cli(&w.org_a, &cli);
    struct events_import im;
    events_import_init(&im, &w.s, &cli);
    struct diag d = {0};
    /* one good file */
    assert_int_equal(events_import_file_begin(&im), 0);
    assert_int_equal(events_import_add(&im, w.a, new_event(w.a, "one", 1), &d), 0);
    assert_int_equal(events_import_file_end(&im, true), 0);
    assert_int_equal(im.in_tx, 1);
    /* a bad file is undone alone */
    assert_int_equal(events_import_file_begin(&im), 0);
    assert_int_equal(events_import_add(&im, w.a, new_event(w.a, "undone", 1), &d), 0);
    struct event *bad = new_event(w.a, "", 1);
    assert_int_equal(events_import_add(&im, w.a, bad, &d), ERR_INVAL);
    assert_int_equal(events_import_file_end(&im, false), 0);
    assert_int_equal(events_import_commit(&im), 0);
    assert_int_equal(im.events, 1);
    assert_int_equal(im.attrs, 1);
    struct event_view_opts o = {0};
    struct event *got;
    assert_int_equal(event_view(&w.s, &cli, w.a, "1", &o, &got), 0);
    assert_string_equal(got->info, "one");
    assert_int_equal(got->org_id, w.org_a.id);
    assert_int_equal(event_view(&w.s, &cli, w.a, "2", &o, &got), ERR_NOTFOUND);
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_view_and_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_attributes_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tlp_warnings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_push, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
        cmocka_unit_test(test_acl_rules),
        cmocka_unit_test_setup_teardown(test_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_reports_the_first_failure_in_document_order, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
