/*
 * lookup.c - the look-up service: batched look-ups resolved through the store,
 * each batch in its own read transaction.  See lookup.h; the answer's wire
 * form is codec/lookup_answer.c.
 */
#include "core/lookup.h"

#include "core/acl.h"
#include "core/index.h"
#include "core/indexer.h"

#include "store/store.h"
#include "util/alloc.h"
#include "util/arena.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

struct hit {
    size_t qi;
    int64_t attribute_id;
    int64_t event_id;
    enum index_match kind;
    const char *indexed;
};

struct hits {
    struct arena *a;
    struct hit *v;
    size_t n, cap;
};

static int on_hit(void *ctx, size_t qi, const struct index_hit *h)
{
    struct hits *hs = ctx;
    hs->v = arena_grow(hs->a, hs->v, hs->n, &hs->cap, sizeof(*hs->v));
    /* the index's strings are valid under its lock only: copy */
    hs->v[hs->n++] = (struct hit){qi, h->attribute_id, h->event_id, h->kind,
                                  arena_strndup(hs->a, h->indexed.ptr, h->indexed.len)};
    return 0;
}

static int cmp_hit(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    if (x->qi != y->qi)
        return (x->qi > y->qi) - (x->qi < y->qi);
    if (x->attribute_id != y->attribute_id)
        return (x->attribute_id > y->attribute_id) - (x->attribute_id < y->attribute_id);
    return (x->kind > y->kind) - (x->kind < y->kind); /* the closest kind first */
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

struct id_set lookup_id_set(int64_t *ids, size_t n)
{
    if (n == 0)
        return id_set_none();
    qsort(ids, n, sizeof(*ids), cmp_i64);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (ids[i] != ids[k - 1])
            ids[k++] = ids[i];
    return (struct id_set){ids, k};
}

struct events_ctx {
    struct arena *a;
    struct lookup_events *out;
};

static int on_event(void *ctx, struct event *e)
{
    struct events_ctx *x = ctx;
    struct lookup_events *es = x->out;
    es->v = arena_grow(x->a, es->v, es->n, &es->cap, sizeof(struct event *));
    es->v[es->n++] = e;
    return 0;
}

static void query_init(struct query *q, const struct acl_filter *acl)
{
    memset(q, 0, sizeof(*q));
    q->to_ids = TRI_ANY;
    q->published = TRI_ANY;
    q->acl = *acl;
}

int lookup_events_load(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                       int64_t *ids, size_t n, struct lookup_events *out)
{
    struct query q;
    query_init(&q, acl);
    q.without_counts = true; /* neither RelatedEvent nor a look-up shows it */
    q.event_ids = lookup_id_set(ids, n);
    struct events_ctx x = {a, out};
    return store_event_search(c, a, &q, on_event, &x);
}

const struct event *lookup_event_find(const struct lookup_events *es, int64_t id)
{
    size_t lo = 0, hi = es->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (es->v[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < es->n && es->v[lo]->id == id ? es->v[lo] : NULL;
}

/* Match kind as text: "exact", "network", "subdomain". */
static const char *kind_name(enum index_match k)
{
    switch (k) {
    case INDEX_EXACT:
        return "exact";
    case INDEX_NETWORK:
        return "network";
    case INDEX_SUBDOMAIN:
        return "subdomain";
    }
    return "exact";
}

/* ---- sessions: what a stream has resolved, by id ---- */

/* Resolved items kept per session before the cache starts over. */
#define CACHE_MAX_BYTES ((size_t)256 << 20)

/* Open-addressing map of ids (> 0) to items; NULL items are "not visible". */
struct idmap {
    int64_t *keys;
    const void **vals;
    size_t cap, n;
};

static const char invisible; /* the value of ids the reader may not see */

static size_t idmap_home(const struct idmap *m, int64_t id)
{
    return (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ull) >> 7) & (m->cap - 1);
}

/* Returns the item stored for id, &invisible, or NULL if unknown. */
static const void *idmap_get(const struct idmap *m, int64_t id)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = idmap_home(m, id);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == id)
            return m->vals[i];
        if (m->keys[i] == 0)
            return NULL;
    }
}

static void idmap_put(struct idmap *m, int64_t id, const void *v)
{
    if ((m->n + 1) * 2 > m->cap) {
        struct idmap big = {xcalloc(m->cap ? m->cap * 2 : 1024, sizeof(int64_t)), NULL,
                            m->cap ? m->cap * 2 : 1024, 0};
        big.vals = xcalloc(big.cap, sizeof(*big.vals));
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i] != 0)
                idmap_put(&big, m->keys[i], m->vals[i]);
        free(m->keys);
        free(m->vals);
        *m = big;
    }
    size_t i = idmap_home(m, id);
    while (m->keys[i] != 0 && m->keys[i] != id)
        i = (i + 1) & (m->cap - 1);
    if (m->keys[i] == 0)
        m->n++;
    m->keys[i] = id;
    m->vals[i] = v;
}

static void idmap_free(struct idmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

struct lookup_session {
    struct svc *s;
    struct acl_filter acl;
    struct arena *a; /* resolved attributes and events */
    struct idmap attrs, events;
};

int lookup_ready(struct svc *s)
{
    struct store_conn *c = NULL;
    int rc = store_begin_read(s->store, &c);
    store_end(c, true);
    return rc;
}

struct lookup_session *lookup_session_new(struct svc *s, const struct acl_filter *acl)
{
    struct lookup_session *ss = xcalloc(1, sizeof(*ss));
    ss->s = s;
    ss->a = arena_new();
    ss->acl = *acl;
    if (acl->sharing_groups.n) { /* the session outlives the caller's arena */
        int64_t *v = xcalloc(acl->sharing_groups.n, sizeof(*v));
        memcpy(v, acl->sharing_groups.v, acl->sharing_groups.n * sizeof(*v));
        ss->acl.sharing_groups.v = v;
    } else {
        ss->acl.sharing_groups = id_set_none();
    }
    return ss;
}

void lookup_session_free(struct lookup_session *ss)
{
    if (ss == NULL)
        return;
    arena_free(ss->a);
    idmap_free(&ss->attrs);
    idmap_free(&ss->events);
    if (ss->acl.sharing_groups.n)
        free((int64_t *)ss->acl.sharing_groups.v);
    free(ss);
}

static int on_attr(void *ctx, struct attribute *at, const char *event_uuid)
{
    (void)event_uuid;
    struct lookup_session *ss = ctx;
    struct attribute *copy = arena_alloc(ss->a, sizeof(*copy));
    *copy = *at; /* its strings and tags are in ss->a already */
    idmap_put(&ss->attrs, at->id, copy);
    return 0;
}

/* Loads the attributes of the hits and their events that the session does not
 * know yet; what the reader may not see is remembered as such. */
static int resolve(struct lookup_session *ss, struct arena *a, const struct hits *hs)
{
    if (arena_size(ss->a) > CACHE_MAX_BYTES) { /* start over rather than grow */
        arena_free(ss->a);
        ss->a = arena_new();
        idmap_free(&ss->attrs);
        idmap_free(&ss->events);
    }
    int64_t *ids = arena_alloc(a, hs->n * sizeof(*ids));
    size_t n = 0;
    for (size_t i = 0; i < hs->n; i++)
        if (idmap_get(&ss->attrs, hs->v[i].attribute_id) == NULL)
            ids[n++] = hs->v[i].attribute_id;
    struct store_conn *c = NULL;
    int rc = 0;
    if (n) {
        struct query q;
        query_init(&q, &ss->acl);
        q.attribute_ids = lookup_id_set(ids, n);
        if ((rc = store_begin_read(ss->s->store, &c)) < 0)
            return rc;
        if ((rc = store_attribute_search(c, ss->a, &q, true, on_attr, ss)) == 0)
            for (size_t i = 0; i < n; i++)
                if (idmap_get(&ss->attrs, ids[i]) == NULL)
                    idmap_put(&ss->attrs, ids[i], &invisible);
    }
    size_t ne = 0;
    for (size_t i = 0; rc == 0 && i < hs->n; i++) {
        const struct attribute *at = idmap_get(&ss->attrs, hs->v[i].attribute_id);
        if (at != NULL && (const void *)at != &invisible &&
            idmap_get(&ss->events, at->event_id) == NULL)
            ids[ne++] = at->event_id;
    }
    if (rc == 0 && ne) {
        if (c == NULL && (rc = store_begin_read(ss->s->store, &c)) < 0)
            return rc;
        struct lookup_events es = {NULL, 0, 0};
        if ((rc = lookup_events_load(c, ss->a, &ss->acl, ids, ne, &es)) == 0) {
            for (size_t i = 0; i < es.n; i++)
                idmap_put(&ss->events, es.v[i]->id, es.v[i]);
            for (size_t i = 0; i < ne; i++)
                if (idmap_get(&ss->events, ids[i]) == NULL)
                    idmap_put(&ss->events, ids[i], &invisible);
        }
    }
    if (c != NULL)
        store_end(c, true);
    return rc;
}

int lookup_values(struct lookup_session *ss, struct arena *a, const struct str *values, size_t n,
                  int (*fn)(void *ctx, size_t qi, const struct lookup_match *m, size_t n_m),
                  void *ctx)
{
    struct hits hs = {.a = a};
    const struct index *ix = indexer_read_begin(ss->s->indexer);
    index_lookup_batch(ix, values, n, on_hit, &hs);
    indexer_read_end(ss->s->indexer);
    if (hs.n == 0)
        return 0;
    qsort(hs.v, hs.n, sizeof(*hs.v), cmp_hit);
    int rc = resolve(ss, a, &hs);
    if (rc < 0)
        return rc;
    struct lookup_match *m = arena_alloc(a, hs.n * sizeof(*m));
    for (size_t i = 0; i < hs.n;) {
        size_t qi = hs.v[i].qi, n_m = 0;
        for (; i < hs.n && hs.v[i].qi == qi; i++) {
            const struct attribute *at = idmap_get(&ss->attrs, hs.v[i].attribute_id);
            if (at == NULL || (const void *)at == &invisible)
                continue;
            const struct event *e = idmap_get(&ss->events, at->event_id);
            if (e == NULL || (const void *)e == &invisible)
                continue;
            if (!acl_sync_may_reach(&ss->acl, e, NULL, at)) /* TLP, for a peer */
                continue;
            if (n_m == 0 || m[n_m - 1].attr != at) /* sorted: duplicates are adjacent */
                m[n_m++] = (struct lookup_match){kind_name(hs.v[i].kind), hs.v[i].indexed, at, e};
        }
        if (n_m && (rc = fn(ctx, qi, m, n_m)) != 0)
            return rc;
    }
    return 0;
}
