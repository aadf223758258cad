/*
 * search.c - restSearch, events/index and export.  See search.h.
 */
#include "core/search.h"

#include "core/indexer.h"
#include "core/svc.h"
#include "core/sync.h"
#include "store/store.h"

#include <string.h>

#include "util/banned.h"

struct search {
    struct svc *svc;
    struct search_request rq; /* rq.q.acl: the reader's filter */
    struct search_rows rows;
    bool peer; /* a peer's sync user reads: the TLP cut applies */
    /* the page being read (NULL between pages) */
    struct store_conn *c;
    struct arena *page;
    /* keyset position: the last row read, and how many were read */
    int64_t after_id;
    int64_t rows_read;
    int page_rows; /* rows read in this page */
    bool done;     /* every row has been read */
    /* caches, valid within one page: the last event read for context (its
     * id even when it could not be read), and for the TLP cut */
    int64_t ctx_id;
    struct event *ctx_event;
    struct event *peer_event;
    struct object *peer_object;
};

/* The row just read (rc: what handing it over returned): remembered for the
 * next page; SEARCH_PAGE_FULL once the page has enough rows. */
static int row_read(struct search *x, int64_t id, int rc)
{
    x->after_id = id;
    x->rows_read++;
    if (rc != 0)
        return rc;
    return ++x->page_rows >= SEARCH_PAGE_ROWS ? SEARCH_PAGE_FULL : 0;
}

/* ---- attributes ---- */

/* May attribute at go to the peer reading (acl_sync_attribute_trim)?  Its
 * event (with tags) and object are loaded once for a run of its attributes. */
static int peer_admits(struct search *x, struct attribute *at, bool *ok)
{
    struct acl_filter all;
    acl_filter_system(&all, true);
    int rc = 0;
    if (x->peer_event == NULL || x->peer_event->id != at->event_id)
        rc = store_event_load(x->c, x->page, at->event_id, NULL, &all, STORE_LOAD_TAGS,
                              &x->peer_event);
    if (rc == 0 && at->object_id > 0 &&
        (x->peer_object == NULL || x->peer_object->id != at->object_id))
        rc = store_object_get(x->c, x->page, at->object_id, NULL, &x->peer_object);
    if (rc < 0) {
        x->peer_event = NULL;
        x->peer_object = NULL;
        return rc;
    }
    *ok = acl_sync_attribute_trim(x->peer_event, at->object_id > 0 ? x->peer_object : NULL, at,
                                  DIST_COMMUNITY);
    return 0;
}

/* The event of an attribute row, with its tags, as the reader sees it (a
 * peer: its shared tags only); NULL if it cannot be read. */
static const struct event *context_event(struct search *x, int64_t event_id)
{
    if (x->ctx_id != event_id) {
        x->ctx_id = event_id;
        if (store_event_load(x->c, x->page, event_id, NULL, &x->rq.q.acl, STORE_LOAD_TAGS,
                             &x->ctx_event) < 0)
            x->ctx_event = NULL;
        /* the event's local tags stay on this node, as the attribute's do
         * (includeEventTags, the CSV event_tag column) */
        else if (x->peer)
            x->ctx_event->n_tags = acl_shared_tags(x->ctx_event->tags, x->ctx_event->n_tags);
    }
    return x->ctx_event;
}

static int on_attribute(void *ctx, struct attribute *at, const char *event_uuid)
{
    struct search *x = ctx;
    bool ok = true;
    int rc = x->peer ? peer_admits(x, at, &ok) : 0;
    if (rc < 0)
        return rc;
    if (!ok)
        return row_read(x, at->id, 0); /* its TLP keeps it on this node */
    const struct event *e = NULL;
    if (x->rq.event_context || x->rq.event_tags)
        e = context_event(x, at->event_id);
    if (x->rq.event_tags && e != NULL && e->n_tags) {
        struct tag_ref *all = arena_alloc(x->page, (at->n_tags + e->n_tags) * sizeof(*all));
        if (at->n_tags)
            memcpy(all, at->tags, at->n_tags * sizeof(*all));
        memcpy(all + at->n_tags, e->tags, e->n_tags * sizeof(*all));
        at->tags = all;
        at->n_tags += e->n_tags;
    }
    rc = x->rows.attribute(x->rows.ctx, at, event_uuid, x->rq.event_context ? e : NULL);
    return row_read(x, at->id, rc);
}

/* ---- events ---- */

static int on_event(void *ctx, struct event *e)
{
    struct search *x = ctx;
    if (x->rq.kind == SEARCH_EVENT_INDEX) {
        if (x->peer && !acl_sync_trim(e, DIST_COMMUNITY))
            return row_read(x, e->id, 0); /* its TLP keeps it on this node */
        return row_read(x, e->id, x->rows.event(x->rows.ctx, e));
    }
    struct event *full;
    int rc = store_event_load(x->c, x->page, e->id, NULL, &x->rq.q.acl,
                              STORE_LOAD_CHILDREN | STORE_LOAD_TAGS, &full);
    if (rc < 0)
        return rc;
    if (x->peer && !acl_sync_trim(full, DIST_COMMUNITY))
        return row_read(x, e->id, 0);
    if (x->peer && (rc = sync_attach_sharing_groups(x->c, x->page, x->rq.self_url, full)) < 0)
        return rc;
    return row_read(x, e->id, x->rows.event(x->rows.ctx, full));
}

/* ---- pages ---- */

int search_page(struct search *x, bool *done)
{
    struct query q = x->rq.q;
    if (x->rows_read > 0) {
        q.after_id = x->after_id;
        if (q.limit > 0) {
            q.limit -= x->rows_read;
            q.page = 1;
            if (q.limit <= 0) {
                x->done = *done = true;
                return 0;
            }
        }
    }
    *done = x->done;
    int rc = store_begin_read(x->svc->store, &x->c);
    if (rc < 0)
        return rc;
    x->page = arena_new();
    x->page_rows = 0;
    if (x->rq.kind == SEARCH_ATTRIBUTES)
        rc = store_attribute_search(x->c, x->page, &q, true, on_attribute, x);
    else
        rc = store_event_search(x->c, x->page, &q, on_event, x);
    store_end(x->c, true);
    x->c = NULL;
    arena_free(x->page);
    x->page = NULL;
    x->ctx_id = 0;
    x->ctx_event = NULL;
    x->peer_event = NULL;
    x->peer_object = NULL;
    if (rc < 0)
        return rc;
    if (rc != SEARCH_PAGE_FULL)
        x->done = true;
    *done = x->done;
    return 0;
}

void search_rewind(struct search *x)
{
    x->after_id = 0;
    x->rows_read = 0;
    x->done = false;
}

/* The attribute ids of exact hits, in an arena. */
struct exact_ids {
    struct arena *a;
    int64_t *v;
    size_t n, cap;
};

static int on_exact(void *ctx, const struct index_hit *hit)
{
    struct exact_ids *x = ctx;
    x->v = arena_grow(x->a, x->v, x->n, &x->cap, sizeof(*x->v));
    x->v[x->n++] = hit->attribute_id;
    return 0;
}

/*
 * restSearch by value through the index: exact values (no '%') become the ids
 * of the live attributes holding them, as a whole value or a composite part;
 * the store applies every other filter and acl to those rows.  Wildcards,
 * AND lists and searches for deleted attributes stay with the store.
 */
static int value_via_index(struct indexer *ix_owner, struct arena *a, struct query *q)
{
    if (ix_owner == NULL || q->value.n_any == 0 || q->value.n_all || q->deleted != 0)
        return 0;
    for (size_t i = 0; i < q->value.n_any; i++)
        if (strchr(q->value.any[i], '%') != NULL)
            return 0;
    struct exact_ids x = {.a = a};
    const struct index *ix = indexer_read_begin(ix_owner);
    for (size_t i = 0; i < q->value.n_any; i++)
        index_lookup_exact(ix, str_from_cstr(q->value.any[i]), on_exact, &x);
    indexer_read_end(ix_owner);
    /* no hit: the empty set, which matches nothing */
    q->attribute_ids = x.n ? (struct id_set){x.v, x.n} : id_set_none();
    q->value.any = NULL;
    q->value.n_any = 0;
    return 0;
}

int search_open(struct svc *s, const struct principal *who, struct arena *a,
                const struct search_request *rq, const struct search_rows *rows,
                struct search **out, struct diag *d)
{
    (void)d;
    struct search *x = arena_calloc(a, 1, sizeof(*x));
    x->svc = s;
    x->rq = *rq;
    x->rows = *rows;
    struct principal me = *who;
    (void)acl_principal_load(s->store, a, &s->policy, &me, &x->rq.q.acl); /* fails closed */
    x->peer = acl_is_sync_peer(&me);
    int rc = value_via_index(s->indexer, a, &x->rq.q);
    if (rc < 0)
        return rc;
    *out = x;
    return 0;
}

/* ---- export ---- */

/* Events listed per page: their headers only (children load one by one), and
 * few enough pages that OFFSET skipping stays cheap on a million events. */
#define EXPORT_PAGE 5000

struct export {
    struct store_conn *c;
    const struct acl_filter *f;
    int (*fn)(void *ctx, const struct event *e);
    void *ctx;
    size_t on_page;
    int err; /* the first failure */
};

static int export_event(void *ctx, struct event *listed)
{
    struct export *x = ctx;
    x->on_page++;
    struct arena *a = arena_new();
    struct event *e;
    int rc = store_event_load(x->c, a, listed->id, NULL, x->f,
                              STORE_LOAD_CHILDREN | STORE_LOAD_TAGS | STORE_LOAD_DELETED, &e);
    if (rc == 0)
        rc = x->fn(x->ctx, e);
    if (rc != 0 && x->err == 0)
        x->err = rc;
    arena_free(a);
    return rc;
}

int search_export(struct svc *s, const struct principal *who, bool published,
                  int (*fn)(void *ctx, const struct event *e), void *ctx)
{
    struct arena *a = arena_new();
    struct principal me = *who;
    struct acl_filter f;
    (void)acl_principal_load(s->store, a, &s->policy, &me, &f); /* fails closed */
    struct export x = {.f = &f, .fn = fn, .ctx = ctx};
    int rc = store_begin_read(s->store, &x.c);
    if (rc < 0) {
        arena_free(a);
        return rc;
    }
    for (int64_t page = 1; rc == 0; page++) {
        struct query q;
        memset(&q, 0, sizeof(q));
        q.to_ids = TRI_ANY;
        q.published = published ? TRI_YES : TRI_ANY;
        q.acl = f;
        q.without_counts = true;
        q.limit = EXPORT_PAGE;
        q.page = page;
        struct arena *pa = arena_new();
        x.on_page = 0;
        rc = store_event_search(x.c, pa, &q, export_event, &x);
        arena_free(pa);
        if (x.err)
            rc = x.err;
        if (x.on_page < EXPORT_PAGE)
            break;
    }
    store_end(x.c, true);
    arena_free(a);
    return rc;
}
