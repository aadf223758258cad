/*
 * correlation.c - RelatedEvent and RelatedAttribute from the index.  See
 * correlation.h.
 *
 * Three steps: under the index's read lock, collect the (source attribute,
 * related attribute, related event) triples; then ask the store which related
 * attributes the reader may see (one query, acl applied there); then load the
 * visible related events (one query) and attach them.
 */
#include "core/correlation.h"

#include "core/lookup.h"
#include "store/store.h"
#include "util/arena.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

struct pair {
    struct attribute *src;
    int64_t attribute_id;
    int64_t event_id;
};

struct collect {
    struct arena *a;
    struct attribute *src;
    struct pair *pairs;
    size_t n, cap;
};

static int on_related(void *ctx, const struct index_hit *hit)
{
    struct collect *c = ctx;
    if (hit->attribute_id == 0) {
        c->src->over_correlation = true;
        return 0;
    }
    c->pairs = arena_grow(c->a, c->pairs, c->n, &c->cap, sizeof(*c->pairs));
    c->pairs[c->n++] = (struct pair){c->src, hit->attribute_id, hit->event_id};
    return 0;
}

static void collect_list(const struct index *ix, struct collect *c, struct attribute *attrs,
                         size_t n, size_t max_events)
{
    for (size_t i = 0; i < n; i++) {
        struct attribute *at = &attrs[i];
        if (at->deleted || at->disable_correlation)
            continue;
        c->src = at;
        index_correlate(ix, at->id, max_events, on_related, c);
    }
}

/* Visible related attributes, ordered by id (the store's order). */
struct visible {
    struct arena *a;
    struct related_attribute *rows;
    size_t n, cap;
};

static int on_visible(void *ctx, struct attribute *at, const char *event_uuid)
{
    (void)event_uuid;
    struct visible *v = ctx;
    v->rows = arena_grow(v->a, v->rows, v->n, &v->cap, sizeof(*v->rows));
    v->rows[v->n++] = (struct related_attribute){at->id, at->event_id, 0, NULL, at->value};
    return 0;
}

static const struct related_attribute *visible_find(const struct visible *v, int64_t id)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->rows[mid].attribute_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v->n && v->rows[lo].attribute_id == id ? &v->rows[lo] : NULL;
}

static int cmp_related_event(const void *a, const void *b)
{
    const struct event *x = *(struct event *const *)a, *y = *(struct event *const *)b;
    int c = strcmp(y->date, x->date); /* newest first, as MISP orders them */
    if (c != 0)
        return c;
    return (y->id > x->id) - (y->id < x->id);
}

/* Gives each source attribute its visible relations, in the order collected. */
static void attach_granular(struct arena *a, const struct collect *col,
                            const struct visible *vis)
{
    for (size_t i = 0; i < col->n; i++) { /* count */
        const struct related_attribute *r = visible_find(vis, col->pairs[i].attribute_id);
        if (r != NULL && r->info != NULL)
            col->pairs[i].src->n_related++;
    }
    for (size_t i = 0; i < col->n; i++) { /* allocate */
        struct attribute *src = col->pairs[i].src;
        if (src->related == NULL && src->n_related) {
            src->related = arena_alloc(a, src->n_related * sizeof(*src->related));
            src->n_related = 0;
        }
    }
    for (size_t i = 0; i < col->n; i++) { /* fill */
        const struct related_attribute *r = visible_find(vis, col->pairs[i].attribute_id);
        struct attribute *src = col->pairs[i].src;
        if (r != NULL && r->info != NULL && src->related != NULL)
            src->related[src->n_related++] = *r;
    }
}

int correlate_event(struct indexer *x, struct store_conn *c, struct arena *a,
                    const struct acl_filter *acl, struct event *e, size_t max_events,
                    bool granular)
{
    e->related = NULL;
    e->n_related = 0;
    if (e->disable_correlation)
        return 0;
    struct collect col = {.a = a};
    const struct index *ix = indexer_read_begin(x);
    collect_list(ix, &col, e->attrs, e->n_attrs, max_events);
    for (size_t i = 0; i < e->n_objects; i++)
        if (!e->objects[i].deleted)
            collect_list(ix, &col, e->objects[i].attrs, e->objects[i].n_attrs, max_events);
    indexer_read_end(x);
    if (col.n == 0)
        return 0;

    int64_t *ids = arena_alloc(a, col.n * sizeof(*ids));
    for (size_t i = 0; i < col.n; i++)
        ids[i] = col.pairs[i].attribute_id;
    struct query q;
    memset(&q, 0, sizeof(q));
    q.to_ids = TRI_ANY;
    q.published = TRI_ANY;
    q.acl = *acl;
    q.attribute_ids = lookup_id_set(ids, col.n);
    struct visible vis = {.a = a};
    int rc = store_attribute_search(c, a, &q, false, on_visible, &vis);
    if (rc < 0 || vis.n == 0)
        return rc;

    for (size_t i = 0; i < vis.n; i++)
        ids[i] = vis.rows[i].event_id;
    struct lookup_events evs = {NULL, 0, 0};
    if ((rc = lookup_events_load(c, a, acl, ids, vis.n, &evs)) < 0)
        return rc;
    for (size_t i = 0; i < vis.n; i++) {
        struct related_attribute *r = &vis.rows[i];
        const struct event *re = lookup_event_find(&evs, r->event_id);
        if (re != NULL) {
            r->org_id = re->org_id;
            r->info = re->info;
        }
    }
    if (granular)
        attach_granular(a, &col, &vis);
    e->related = arena_alloc(a, (evs.n ? evs.n : 1) * sizeof(struct event *));
    for (size_t i = 0; i < evs.n; i++)
        if (evs.v[i]->id != e->id)
            e->related[e->n_related++] = evs.v[i];
    qsort(e->related, e->n_related, sizeof(struct event *), cmp_related_event);
    return 0;
}
