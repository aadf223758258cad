/*
 * test_links.c - the sync links service (core/links.c) on a real SQLite file:
 * the link rules (validation, normalisation, defaults, the remote
 * organisation captured or created), edits that keep what they do not name,
 * the command line's owner (the host organisation), finding a link by id,
 * name or URL, a test against a peer that is not there, and refusals for a
 * caller who is no site administrator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/links.h"
#include "util/arena.h"

#include <stdio.h>
#include <string.h>

#define TMPDB_NAME "links"
#include "tmpdb.h"

#define KEY "abcdefghijABCDEFGHIJ0123456789abcdefghij"

struct world {
    struct svc s;
    struct arena *a;
    struct org host, known;
};

static void world_open(struct world *w)
{
    memset(w, 0, sizeof(*w));
    w->s.store = open_store();
    w->a = arena_new();
    struct store_conn *c;
    assert_int_equal(store_begin_write(w->s.store, &c), 0);
    insert_org(c, &w->host, "Host", "a0000000-0000-4000-8000-000000000001");
    insert_org(c, &w->known, "Known Peer Org", "b0000000-0000-4000-8000-000000000002");
    assert_int_equal(store_end(c, true), 0);
}

static void world_close(struct world *w)
{
    arena_free(w->a);
    store_close(w->s.store);
}

static struct link_change change(const char *url)
{
    struct link_change in;
    memset(&in, 0, sizeof(in));
    in.sv.url = (char *)url;
    in.sv.authkey = KEY;
    in.set = LINK_SET_URL | LINK_SET_AUTHKEY;
    return in;
}

static void test_add_checks_normalises_and_captures_the_remote_org(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal admin = member(&w.host, 1, PERM_BIT(PERM_SITE_ADMIN));
    struct diag d = {0};
    struct link *l = NULL;

    struct link_change in = change("https://peer.example/misp//");
    in.remote_org_uuid = "C0000000-0000-4000-8000-000000000003"; /* unknown: created */
    in.remote_org_name = "Peer Org";
    in.sv.pull = true;
    in.set |= LINK_SET_PULL;
    assert_int_equal(links_add(&w.s, &admin, w.a, &in, &l, &d), 0);
    assert_true(l->sv.id > 0);
    assert_string_equal(l->sv.url, "https://peer.example/misp");
    assert_string_equal(l->sv.name, "https://peer.example/misp"); /* default: the URL */
    assert_int_equal(l->sv.timeout, LINK_TIMEOUT_DEFAULT);
    assert_int_equal(l->sv.pull_interval, LINK_PULL_INTERVAL_DEFAULT);
    assert_true(l->sv.pull);
    assert_false(l->sv.push);
    assert_int_equal(l->sv.org_id, w.host.id);
    assert_non_null(l->org);
    assert_string_equal(l->org->name, "Host");
    assert_non_null(l->remote);
    assert_string_equal(l->remote->name, "Peer Org");
    assert_string_equal(l->remote->uuid, "c0000000-0000-4000-8000-000000000003");
    assert_false(l->remote->local);
    assert_int_equal(l->pull->last_run, 0);

    /* the same URL again: a conflict naming url */
    in = change("https://peer.example/misp");
    in.remote_org_id = w.known.id;
    assert_int_equal(links_add(&w.s, &admin, w.a, &in, &l, &d), ERR_CONFLICT);
    assert_string_equal(d.field, "url");

    /* each rule names its field */
    in = change("ftp://peer.example");
    in.remote_org_id = w.known.id;
    assert_int_equal(links_add(&w.s, &admin, w.a, &in, &l, &d), ERR_INVAL);
    assert_string_equal(d.field, "url");
    in = change("https://other.example");
    in.remote_org_id = w.known.id;
    in.sv.authkey = "short";
    assert_int_equal(links_add(&w.s, &admin, w.a, &in, &l, &d), ERR_INVAL);
    assert_string_equal(d.field, "authkey");
    in = change("https://other.example");
    assert_int_equal(links_add(&w.s, &admin, w.a, &in, &l, &d), ERR_INVAL);
    assert_string_equal(d.field, "remote_org_id");
    in.remote_org_id = 9999;
    assert_int_equal(links_add(&w.s, &admin, w.a, &in, &l, &d), ERR_INVAL);
    assert_string_equal(d.field, "remote_org_id");
    in.remote_org_id = 0;
    in.remote_org_uuid = "d0000000-0000-4000-8000-000000000004"; /* new, but no name */
    assert_int_equal(links_add(&w.s, &admin, w.a, &in, &l, &d), ERR_INVAL);
    assert_string_equal(d.field, "RemoteOrg.name");
    in.remote_org_uuid = NULL;
    in.remote_org = "No Such Org";
    assert_int_equal(links_add(&w.s, &admin, w.a, &in, &l, &d), ERR_NOTFOUND);
    assert_string_equal(d.field, "remote_org");
    in.remote_org = "Known Peer Org"; /* by name */
    in.sv.timeout = 0;
    in.set |= LINK_SET_TIMEOUT;
    assert_int_equal(links_add(&w.s, &admin, w.a, &in, &l, &d), ERR_INVAL);
    assert_string_equal(d.field, "timeout");
    in.sv.timeout = 30;
    in.sv.pull_interval = 59;
    in.set |= LINK_SET_PULL_INTERVAL;
    assert_int_equal(links_add(&w.s, &admin, w.a, &in, &l, &d), ERR_INVAL);
    assert_string_equal(d.field, "pull_interval");
    in.sv.pull_interval = 0;
    assert_int_equal(links_add(&w.s, &admin, w.a, &in, &l, &d), 0);
    assert_int_equal(l->sv.remote_org_id, w.known.id);
    assert_int_equal(l->sv.timeout, 30);

    /* nothing of the refused adds was kept */
    struct link *v;
    size_t n;
    assert_int_equal(links_list(&w.s, &admin, w.a, &v, &n), 0);
    assert_int_equal(n, 2);
    world_close(&w);
}

static void test_edit_keeps_what_it_does_not_name_and_delete(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal admin = member(&w.host, 1, PERM_BIT(PERM_SITE_ADMIN));
    struct diag d = {0};
    struct link *l;
    struct link_change in = change("http://peer.example");
    in.remote_org_id = w.known.id;
    in.sv.push = true;
    in.set |= LINK_SET_PUSH;
    assert_int_equal(links_add(&w.s, &admin, w.a, &in, &l, &d), 0);
    int64_t id = l->sv.id;

    struct link_change edit;
    memset(&edit, 0, sizeof(edit));
    edit.sv.name = "renamed";
    edit.set = LINK_SET_NAME;
    assert_int_equal(links_edit(&w.s, &admin, w.a, id, &edit, &l, &d), 0);
    assert_string_equal(l->sv.name, "renamed");
    assert_string_equal(l->sv.url, "http://peer.example");
    assert_string_equal(l->sv.authkey, KEY);
    assert_true(l->sv.push);
    assert_int_equal(l->sv.remote_org_id, w.known.id);

    edit.sv.url = "gopher://x";
    edit.set = LINK_SET_URL;
    assert_int_equal(links_edit(&w.s, &admin, w.a, id, &edit, &l, &d), ERR_INVAL);
    assert_string_equal(d.field, "url");
    diag_clear(&d);
    assert_int_equal(links_edit(&w.s, &admin, w.a, id + 100, &edit, &l, &d), ERR_NOTFOUND);
    assert_string_equal(d.field, "");

    assert_int_equal(links_delete(&w.s, &admin, id), 0);
    assert_int_equal(links_delete(&w.s, &admin, id), ERR_NOTFOUND);
    struct link *v;
    size_t n;
    assert_int_equal(links_list(&w.s, &admin, w.a, &v, &n), 0);
    assert_int_equal(n, 0);
    world_close(&w);
}

static void test_command_line_owner_is_the_host_org_and_find(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal cli = {.cli = true};
    struct diag d = {0};
    struct link *l;
    struct link_change in = change("https://peer.example");
    in.remote_org = "b0000000-0000-4000-8000-000000000002"; /* by uuid */
    assert_int_equal(links_add(&w.s, &cli, w.a, &in, &l, &d), ERR_NOTFOUND);
    assert_string_equal(d.field, "org_id"); /* no `liaison init` yet */

    struct store_conn *c;
    char host[24];
    snprintf(host, sizeof(host), "%lld", (long long)w.host.id);
    assert_int_equal(store_begin_write(w.s.store, &c), 0);
    assert_int_equal(store_setting_set(c, "host_org_id", host), 0);
    assert_int_equal(store_end(c, true), 0);
    in.sv.name = "node-b";
    in.set |= LINK_SET_NAME;
    assert_int_equal(links_add(&w.s, &cli, w.a, &in, &l, &d), 0);
    assert_int_equal(l->sv.org_id, w.host.id);
    assert_int_equal(l->sv.remote_org_id, w.known.id);

    int64_t id = 0;
    char ref[24];
    snprintf(ref, sizeof(ref), "%lld", (long long)l->sv.id);
    assert_int_equal(links_find(&w.s, &cli, w.a, ref, &id), 0);
    assert_int_equal(id, l->sv.id);
    id = 0;
    assert_int_equal(links_find(&w.s, &cli, w.a, "node-b", &id), 0);
    assert_int_equal(id, l->sv.id);
    id = 0;
    assert_int_equal(links_find(&w.s, &cli, w.a, "https://peer.example/", &id), 0);
    assert_int_equal(id, l->sv.id);
    assert_int_equal(links_find(&w.s, &cli, w.a, "node-c", &id), ERR_NOTFOUND);
    world_close(&w);
}

static void test_test_reports_an_unreachable_peer(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal admin = member(&w.host, 1, PERM_BIT(PERM_SITE_ADMIN));
    struct diag d = {0};
    struct link *l;
    struct link_change in = change("http://127.0.0.1:9"); /* discard: nothing listens */
    in.remote_org_id = w.known.id;
    in.sv.timeout = 5;
    in.set |= LINK_SET_TIMEOUT;
    assert_int_equal(links_add(&w.s, &admin, w.a, &in, &l, &d), 0);
    enum peer_status st = PEER_OK;
    struct peer_version v;
    assert_int_equal(links_test(&w.s, &admin, l->sv.id, &st, &v), 0);
    assert_int_equal(st, PEER_UNREACHABLE);
    assert_true(v.message[0] != '\0');
    assert_int_equal(links_test(&w.s, &admin, l->sv.id + 1, &st, &v), ERR_NOTFOUND);
    world_close(&w);
}

static void test_only_site_admins_manage_links(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal admin = member(&w.host, 1, PERM_BIT(PERM_SITE_ADMIN));
    uint32_t all_but_site_admin = PERM_BIT(PERM_ADMIN) | PERM_BIT(PERM_SYNC) |
                                  PERM_BIT(PERM_SHARING_GROUP) | PERM_BIT(PERM_ADD);
    struct principal org_admin = member(&w.host, 2, all_but_site_admin);
    struct diag d = {0};
    struct link *l;
    struct link_change in = change("http://peer.example");
    in.remote_org_id = w.known.id;
    assert_int_equal(links_add(&w.s, &org_admin, w.a, &in, &l, &d), ERR_FORBIDDEN);
    assert_int_equal(links_add(&w.s, &admin, w.a, &in, &l, &d), 0);
    int64_t id = l->sv.id;
    struct link_change edit;
    memset(&edit, 0, sizeof(edit));
    assert_int_equal(links_edit(&w.s, &org_admin, w.a, id, &edit, &l, &d), ERR_FORBIDDEN);
    struct link *v;
    size_t n;
    assert_int_equal(links_list(&w.s, &org_admin, w.a, &v, &n), ERR_FORBIDDEN);
    int64_t found;
    assert_int_equal(links_find(&w.s, &org_admin, w.a, "http://peer.example", &found),
                     ERR_FORBIDDEN);
    enum peer_status st;
    struct peer_version pv;
    assert_int_equal(links_test(&w.s, &org_admin, id, &st, &pv), ERR_FORBIDDEN);
    struct sync_opts o = {.full = false};
    struct sync_report r;
    diag_clear(&d);
    assert_int_equal(links_sync(&w.s, &org_admin, id, false, &o, &r, &d), ERR_FORBIDDEN);
    assert_true(d.msg[0] != '\0'); /* refused, not run */
    assert_int_equal(links_delete(&w.s, &org_admin, id), ERR_FORBIDDEN);
    assert_int_equal(links_list(&w.s, &admin, w.a, &v, &n), 0);
    assert_int_equal(n, 1); /* still there */
    world_close(&w);
}

int main(void)
{
    assert_int_equal(peer_global_init(), 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_checks_normalises_and_captures_the_remote_org,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_keeps_what_it_does_not_name_and_delete, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_command_line_owner_is_the_host_org_and_find, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_test_reports_an_unreachable_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only_site_admins_manage_links, setup, teardown),
    };
    return cmocka_run_group_tests_name("links", tests, NULL, NULL);
}
