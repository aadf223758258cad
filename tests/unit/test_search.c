/*
 * test_search.c - the search service (core/search.c) on a real SQLite file:
 * rows handed over page by page (a callback ends a page, the next one goes on
 * after the last row, within the client's limit), rewinding, what a reader
 * of another organisation may not see, the TLP cut for a peer's sync user,
 * the event context and tags of attribute rows, events and the index, and
 * the export of whole events as the command line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/event.h"
#include "core/search.h"
#include "core/svc.h"
#include "util/arena.h"

#include <stdio.h>
#include <string.h>

#define TMPDB_NAME "search"
#include "tmpdb.h"

struct world {
    struct config cfg;
    struct svc s;
    struct arena *a;
    struct org org_a, org_b;
    struct principal owner, reader, peer;
    int64_t open_event, private_event, red_event;
};

/* An event of the owner with n domain attributes "hN.example", tagged tag. */
static int64_t add_event(struct world *w, const char *info, int dist, size_t n, const char *tag)
{
    struct event *e = arena_calloc(w->a, 1, sizeof(*e));
    e->info = (char *)info;
    e->distribution = dist;
    e->analysis = -1;
    e->published = true;
    e->attrs = arena_calloc(w->a, n, sizeof(*e->attrs));
    e->n_attrs = n;
    for (size_t i = 0; i < n; i++) {
        e->attrs[i].type = "domain";
        e->attrs[i].value = arena_printf(w->a, "h%zu.%s.example", i, info);
        e->attrs[i].distribution = -1;
    }
    if (tag != NULL) {
        e->tags = arena_calloc(w->a, 1, sizeof(*e->tags));
        e->tags[0].tag.name = (char *)tag;
        e->n_tags = 1;
    }
    struct event_saved sv;
    struct diag d = {0};
    assert_int_equal(events_add(&w->s, &w->owner, w->a, e, NULL, &sv, &d), 0);
    return e->id;
}

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
    assert_int_equal(store_end(c, true), 0);
    w->owner = member(&w->org_a, 1,
                      PERM_BIT(PERM_ADD) | PERM_BIT(PERM_MODIFY_ORG) | PERM_BIT(PERM_PUBLISH) |
                          PERM_BIT(PERM_TAGGER));
    w->reader = member(&w->org_b, 2, 0);
    w->peer = member(&w->org_b, 3, PERM_BIT(PERM_ADD) | PERM_BIT(PERM_SYNC));
    w->open_event = add_event(w, "open", 1, 3, "tlp:green");
    w->private_event = add_event(w, "private", 0, 1, NULL);
    w->red_event = add_event(w, "red", 1, 2, "tlp:red");
}

static void world_close(struct world *w)
{
    arena_free(w->a);
    store_close(w->s.store);
    config_free(&w->cfg);
}

/* What the callbacks saw. */
struct seen {
    size_t attrs, events, with_event, tags;
    int64_t ids[32];
    int64_t event_ids[32];
    char infos[32][32];
    bool full_after_each; /* end the page after every row */
};

static int on_attr(void *ctx, struct attribute *at, const char *event_uuid, const struct event *e)
{
    struct seen *s = ctx;
    assert_non_null(event_uuid);
    if (s->attrs < 32) {
        s->ids[s->attrs] = at->id;
        s->event_ids[s->attrs] = at->event_id;
    }
    s->attrs++;
    s->tags += at->n_tags;
    if (e != NULL) {
        assert_int_equal(e->id, at->event_id);
        s->with_event++;
    }
    return s->full_after_each ? SEARCH_PAGE_FULL : 0;
}

static int on_event(void *ctx, struct event *e)
{
    struct seen *s = ctx;
    if (s->events < 32) {
        s->ids[s->events] = e->id;
        snprintf(s->infos[s->events], sizeof(s->infos[0]), "%s", e->info);
    }
    s->events++;
    s->attrs += e->n_attrs;
    return s->full_after_each ? SEARCH_PAGE_FULL : 0;
}

static struct search_request request(enum search_kind kind)
{
    struct search_request rq;
    memset(&rq, 0, sizeof(rq));
    rq.kind = kind;
    rq.q.to_ids = TRI_ANY;
    rq.q.published = TRI_ANY;
    return rq;
}

/* Runs rq to the end; returns the number of pages read. */
static size_t run(struct world *w, const struct principal *who, const struct search_request *rq,
                  struct seen *s)
{
    struct search_rows rows = {.attribute = on_attr, .event = on_event, .ctx = s};
    struct search *x;
    struct diag d = {0};
    assert_int_equal(search_open(&w->s, who, w->a, rq, &rows, &x, &d), 0);
    bool done = false;
    size_t pages = 0;
    while (!done) {
        assert_int_equal(search_page(x, &done), 0);
        pages++;
        assert_true(pages < 100);
    }
    return pages;
}

static void test_attributes_visibility_and_pages(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct search_request rq = request(SEARCH_ATTRIBUTES);
    struct seen s = {0};
    run(&w, &w.owner, &rq, &s);
    assert_int_equal(s.attrs, 6);
    /* another organisation: not the private event's attribute */
    memset(&s, 0, sizeof(s));
    run(&w, &w.reader, &rq, &s);
    assert_int_equal(s.attrs, 5);
    for (size_t i = 0; i < s.attrs; i++)
        assert_true(s.event_ids[i] != w.private_event);
    /* a page per row: the next page goes on after the last row, in order */
    memset(&s, 0, sizeof(s));
    s.full_after_each = true;
    size_t pages = run(&w, &w.reader, &rq, &s);
    assert_int_equal(s.attrs, 5);
    assert_true(pages >= 5);
    for (size_t i = 1; i < s.attrs; i++)
        assert_true(s.ids[i] > s.ids[i - 1]);
    /* the client's limit holds across pages */
    memset(&s, 0, sizeof(s));
    s.full_after_each = true;
    rq.q.limit = 2;
    rq.q.page = 1;
    run(&w, &w.reader, &rq, &s);
    assert_int_equal(s.attrs, 2);
    world_close(&w);
}

static void test_rewind(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct search_request rq = request(SEARCH_EVENT_INDEX);
    struct seen s = {.full_after_each = true};
    struct search_rows rows = {.attribute = on_attr, .event = on_event, .ctx = &s};
    struct search *x;
    struct diag d = {0};
    assert_int_equal(search_open(&w.s, &w.owner, w.a, &rq, &rows, &x, &d), 0);
    bool done = false;
    assert_int_equal(search_page(x, &done), 0);
    assert_false(done);
    assert_int_equal(s.events, 1);
    search_rewind(x);
    assert_int_equal(search_page(x, &done), 0);
    assert_int_equal(s.events, 2);
    assert_int_equal(s.ids[1], s.ids[0]); /* the first row again */
    world_close(&w);
}

static void test_peer_tlp_cut(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    /* the reader (not a peer) sees the red event; a peer's sync user does not */
    struct search_request rq = request(SEARCH_EVENT_INDEX);
    struct seen s = {0};
    run(&w, &w.reader, &rq, &s);
    assert_int_equal(s.events, 2);
    memset(&s, 0, sizeof(s));
    run(&w, &w.peer, &rq, &s);
    assert_int_equal(s.events, 1);
    assert_string_equal(s.infos[0], "open");
    /* the same for attributes and whole events */
    rq = request(SEARCH_ATTRIBUTES);
    memset(&s, 0, sizeof(s));
    run(&w, &w.peer, &rq, &s);
    assert_int_equal(s.attrs, 3);
    rq = request(SEARCH_EVENTS);
    memset(&s, 0, sizeof(s));
    run(&w, &w.peer, &rq, &s);
    assert_int_equal(s.events, 1);
    assert_int_equal(s.attrs, 3);
    world_close(&w);
}

static void test_event_context_and_tags(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct search_request rq = request(SEARCH_ATTRIBUTES);
    struct seen s = {0};
    run(&w, &w.owner, &rq, &s);
    assert_int_equal(s.with_event, 0);
    assert_int_equal(s.tags, 0);
    rq.event_context = true;
    memset(&s, 0, sizeof(s));
    run(&w, &w.owner, &rq, &s);
    assert_int_equal(s.with_event, 6);
    assert_int_equal(s.tags, 0);
    /* includeEventTags: each attribute carries its event's tags */
    rq.event_context = false;
    rq.event_tags = true;
    memset(&s, 0, sizeof(s));
    run(&w, &w.owner, &rq, &s);
    assert_int_equal(s.with_event, 0);
    assert_int_equal(s.tags, 5); /* 3 tlp:green, 2 tlp:red, none on the private event */
    world_close(&w);
}

static int count_export(void *ctx, const struct event *e)
{
    size_t *n = ctx;
    (void)e;
    (*n)++;
    return 0;
}

static int fail_export(void *ctx, const struct event *e)
{
    (void)ctx;
    (void)e;
    return ERR_IO;
}

static void test_export(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct principal cli;
    acl_principal_cli(NULL, &cli);
    size_t n = 0;
    assert_int_equal(search_export(&w.s, &cli, false, count_export, &n), 0);
    assert_int_equal(n, 3);
    /* as a reader of another organisation: what it may see */
    n = 0;
    assert_int_equal(search_export(&w.s, &w.reader, false, count_export, &n), 0);
    assert_int_equal(n, 2);
    /* published only: an edit unpublishes */
    struct attribute more = {.type = "domain", .value = "more.example", .distribution = -1};
    struct diag d = {0};
    assert_int_equal(attributes_add(&w.s, &w.owner, w.a, "1", &more, 1, false, &d), 0);
    n = 0;
    assert_int_equal(search_export(&w.s, &cli, true, count_export, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(search_export(&w.s, &cli, false, fail_export, NULL), ERR_IO);
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_attributes_visibility_and_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_tlp_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_context_and_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
