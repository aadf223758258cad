/*
 * sighting.c - the sighting service.  See sighting.h for the contract and the
 * rules, acl.h for who sees which sightings.
 *
 * Attributes are always found through store_attribute_search under the
 * caller's acl filter, so a sighting can only land on an attribute its
 * reporter may see.  A bulk save resolves everything it needs in a few
 * statements (known uuids in one query, attributes once per distinct
 * uuid and one visibility query), since a peer may push 250,000 at a time.
 */
#include "core/sighting.h"

#include "core/event.h"

#include "core/lookup.h"
#include "core/uuid.h"
#include "util/limits.h"
#include "util/parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

/* How far ahead of this node's clock a sighting may be dated (clock skew). */
#define SIGHTING_FUTURE_SLACK 86400

static int64_t now_seconds(void)
{
    return (int64_t)time(NULL);
}

static struct sighting *list_push(struct arena *a, struct sighting_list *l)
{
    l->v = arena_grow(a, l->v, l->n, &l->cap, sizeof(*l->v));
    return &l->v[l->n++];
}

/* field is "type" or "N.type": prefix "" or "N.". */
static int check_fields(int type, const char *source, int64_t date, int64_t now,
                        const char *prefix, const char *date_name, struct diag *d)
{
    char field[64];
    if (type < SIGHTING_SEEN || type > SIGHTING_EXPIRATION) {
        snprintf(field, sizeof(field), "%stype", prefix);
        return diag_set(d, ERR_INVAL, field,
                        "type must be 0 (sighting), 1 (false positive) or 2 (expiration)");
    }
    if (source != NULL && strlen(source) > SIGHTING_SOURCE_MAX) {
        snprintf(field, sizeof(field), "%ssource", prefix);
        return diag_set(d, ERR_INVAL, field, "source is longer than %d bytes",
                        SIGHTING_SOURCE_MAX);
    }
    if (date < 0 || date > now + SIGHTING_FUTURE_SLACK) {
        snprintf(field, sizeof(field), "%s%s", prefix, date_name);
        return diag_set(d, ERR_INVAL, field, "%s must be a Unix time not in the future",
                        date_name);
    }
    return 0;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* Moves the sighting_timestamp of each distinct event in ids[0..n) (sorted here). */
static int touch_events(struct store_conn *c, int64_t *ids, size_t n, int64_t now)
{
    qsort(ids, n, sizeof(*ids), cmp_i64);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && ids[i] == ids[i - 1])
            continue;
        int rc = store_event_sighting_touch(c, ids[i], now);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- reads ---- */

struct search_ctx {
    struct arena *a;
    const struct acl_filter *acl;
    struct sighting_list *out;
};

static int on_sighting(void *ctx, struct sighting *s)
{
    struct search_ctx *x = ctx;
    x->out->scanned++;
    x->out->last_id = s->id;
    if (acl_sighting_visible(x->acl, s))
        *list_push(x->a, x->out) = *s;
    return 0;
}

/* The attribute with id in e (children and tags loaded) and its object. */
static const struct attribute *attribute_in(const struct event *e, int64_t id,
                                            const struct object **o)
{
    *o = NULL;
    for (size_t i = 0; i < e->n_attrs; i++)
        if (e->attrs[i].id == id)
            return &e->attrs[i];
    for (size_t j = 0; j < e->n_objects; j++)
        for (size_t i = 0; i < e->objects[j].n_attrs; i++)
            if (e->objects[j].attrs[i].id == id) {
                *o = &e->objects[j];
                return &e->objects[j].attrs[i];
            }
    return NULL;
}

static int cmp_id(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* A sync peer's cut (acl_sync_may_reach) over out->v[from..]: each event is
 * loaded once, with its children and tags. */
static int sync_cut(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                    struct sighting_list *out, size_t from)
{
    size_t n = out->n - from, ne = 0;
    if (n == 0)
        return 0;
    int64_t *ids = arena_alloc(a, n * sizeof(*ids));
    for (size_t i = from; i < out->n; i++)
        if (out->v[i].event_org_id != acl->org_id)
            ids[ne++] = out->v[i].event_id;
    qsort(ids, ne, sizeof(*ids), cmp_id);
    size_t distinct = 0;
    for (size_t i = 0; i < ne; i++)
        if (distinct == 0 || ids[distinct - 1] != ids[i])
            ids[distinct++] = ids[i];
    struct event **events = arena_calloc(a, distinct + 1, sizeof(struct event *));
    for (size_t i = 0; i < distinct; i++) {
        int rc = store_event_load(c, a, ids[i], NULL, acl, STORE_LOAD_CHILDREN | STORE_LOAD_TAGS,
                                  &events[i]);
        if (rc == ERR_NOTFOUND)
            events[i] = NULL;
        else if (rc < 0)
            return rc;
    }
    size_t kept = from;
    for (size_t i = from; i < out->n; i++) {
        const struct sighting *s = &out->v[i];
        bool keep = s->event_org_id == acl->org_id;
        if (!keep) {
            const int64_t *hit = bsearch(&s->event_id, ids, distinct, sizeof(*ids), cmp_id);
            const struct event *e = hit ? events[hit - ids] : NULL;
            const struct object *o;
            const struct attribute *at = e ? attribute_in(e, s->attribute_id, &o) : NULL;
            keep = at != NULL && acl_sync_may_reach(acl, e, o, at);
        }
        if (keep)
            out->v[kept++] = *s;
    }
    out->n = kept;
    return 0;
}

int sighting_search(struct store_conn *c, struct arena *a, const struct sighting_query *q,
                    struct sighting_list *out)
{
    struct search_ctx x = {a, &q->acl, out};
    size_t from = out->n;
    int rc = store_sighting_search(c, a, q, on_sighting, &x);
    if (rc == 0 && q->acl.sync_peer)
        rc = sync_cut(c, a, &q->acl, out, from);
    return rc;
}

int sighting_attach_to_event(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                             struct event *e)
{
    struct sighting_query q;
    memset(&q, 0, sizeof(q));
    q.acl = *acl;
    q.event_ids = (struct id_set){&e->id, 1};
    q.order = SIGHTING_BY_ATTRIBUTE;
    struct sighting_list l = {0};
    int rc = sighting_search(c, a, &q, &l);
    if (rc == 0) {
        e->sightings = l.v;
        e->n_sightings = l.n;
    }
    return rc;
}

/* An id ("12") or a uuid; false if ref is neither. */
static bool ref_parse(const char *ref, int64_t *id, char uuid[UUID_STR_LEN + 1])
{
    uint64_t v;
    *id = 0;
    uuid[0] = '\0';
    if (ref != NULL && parse_u64_all(str_from_cstr(ref), 1, INT64_MAX, &v) == 0) {
        *id = (int64_t)v;
        return true;
    }
    return ref != NULL && uuid_canonical(str_from_cstr(ref), uuid);
}

/* The event ref if acl's reader may see it by the visibility rules alone. */
static int event_visible_find(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                              const char *ref, struct event **out)
{
    int64_t id;
    char uuid[UUID_STR_LEN + 1];
    if (!ref_parse(ref, &id, uuid))
        return ERR_NOTFOUND;
    return store_event_load(c, a, id, uuid, acl, 0, out);
}

/*
 * sighting_event_find for a reader that may be a peer: for a sync peer's
 * filter and another organisation's event, the event is loaded with its
 * children and tags and must pass acl_sync_may_reach (ERR_NOTFOUND otherwise);
 * *cut tells that each attribute must pass it too.
 */
static int peer_event_find(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                           const char *ref, struct event **out, bool *cut)
{
    int rc = event_visible_find(c, a, acl, ref, out);
    *cut = rc == 0 && acl->sync_peer && (*out)->org_id != acl->org_id;
    if (!*cut)
        return rc;
    if ((rc = store_event_load(c, a, (*out)->id, NULL, acl, STORE_LOAD_CHILDREN | STORE_LOAD_TAGS,
                               out)) < 0)
        return rc;
    return acl_sync_may_reach(acl, *out, NULL, NULL) ? 0 : ERR_NOTFOUND;
}

/* The event ref (id or uuid) if acl's reader may see it (a peer: reach it by
 * TLP too, acl_sync_may_reach); ERR_NOTFOUND otherwise. */
static int sighting_event_find(struct store_conn *c, struct arena *a,
                               const struct acl_filter *acl, const char *ref, struct event **out)
{
    bool cut;
    return peer_event_find(c, a, acl, ref, out, &cut);
}

/* May the reader of acl reach attribute attribute_id of event event_id (both
 * visible to it)?  For a sync peer and another organisation's event, only by
 * acl_sync_may_reach; anyone else, yes.  *last caches the event loaded last
 * (NULL at first), so that a run of attributes of one event loads it once. */
static int peer_reaches_attribute(struct store_conn *c, struct arena *a,
                                  const struct acl_filter *acl, int64_t event_id,
                                  int64_t attribute_id, struct event **last, bool *ok)
{
    *ok = true;
    if (!acl->sync_peer)
        return 0;
    if (*last == NULL || (*last)->id != event_id) {
        int rc = store_event_load(c, a, event_id, NULL, acl,
                                  STORE_LOAD_CHILDREN | STORE_LOAD_TAGS, last);
        if (rc < 0) {
            *last = NULL;
            return rc;
        }
    }
    const struct object *o;
    const struct attribute *at = attribute_in(*last, attribute_id, &o);
    *ok = at != NULL && acl_sync_may_reach(acl, *last, o, at);
    return 0;
}

/* ---- recording ---- */

/* The attributes a sighting goes to: what store_attribute_search found. */
struct target {
    int64_t attribute_id, event_id;
    char attribute_uuid[UUID_STR_LEN + 1];
    char event_uuid[UUID_STR_LEN + 1];
    char *value;
};

struct targets {
    struct arena *a;
    struct target *v;
    size_t n, cap;
};

static int on_target(void *ctx, struct attribute *at, const char *event_uuid)
{
    struct targets *t = ctx;
    t->v = arena_grow(t->a, t->v, t->n, &t->cap, sizeof(*t->v));
    struct target *x = &t->v[t->n++];
    x->attribute_id = at->id;
    x->event_id = at->event_id;
    memcpy(x->attribute_uuid, at->uuid, sizeof(x->attribute_uuid));
    snprintf(x->event_uuid, sizeof(x->event_uuid), "%s", event_uuid);
    x->value = at->value;
    return 0;
}

/* The set of one id, in a. */
static struct id_set one_id(struct arena *a, int64_t id)
{
    int64_t *v = arena_alloc(a, sizeof(*v));
    *v = id;
    return (struct id_set){v, 1};
}

/* A search for live attributes the reader of acl may see, by ids (absent: any). */
static void attribute_query(struct query *q, const struct acl_filter *acl, struct id_set ids)
{
    memset(q, 0, sizeof(*q));
    q->to_ids = TRI_ANY;
    q->published = TRI_ANY;
    q->acl = *acl;
    q->attribute_ids = ids;
}

/* Live attributes the reader of acl may see: by ids (or absent) and values. */
static int find_targets(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                        struct id_set ids, const char **values, size_t n_values,
                        struct targets *out)
{
    struct query q;
    attribute_query(&q, acl, ids);
    q.value.any = values;
    q.value.n_any = n_values;
    out->a = a;
    return store_attribute_search(c, a, &q, false, on_target, out);
}

/* The attribute ref (id or uuid) as a target, if live and visible (else t->n is 0). */
static int attribute_target(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                            const char *ref, struct targets *t)
{
    int64_t id;
    char uuid[UUID_STR_LEN + 1];
    struct attribute *at;
    if (!ref_parse(ref, &id, uuid))
        return 0;
    if (id == 0) {
        int rc = store_attribute_get(c, a, 0, uuid, &at);
        if (rc < 0)
            return rc == ERR_NOTFOUND ? 0 : rc;
        id = at->id;
    }
    return find_targets(c, a, acl, one_id(a, id), NULL, 0, t);
}

/* The id of attribute ref (id or uuid) if it is live and acl's reader may
 * see it (a peer: reach it by TLP too); ERR_NOTFOUND otherwise. */
static int sighting_attribute_find(struct store_conn *c, struct arena *a,
                                   const struct acl_filter *acl, const char *ref, int64_t *id)
{
    struct targets t = {0};
    int rc = attribute_target(c, a, acl, ref, &t);
    bool ok = t.n > 0;
    struct event *last = NULL;
    if (rc == 0 && ok)
        rc = peer_reaches_attribute(c, a, acl, t.v[0].event_id, t.v[0].attribute_id, &last, &ok);
    if (rc == 0 && !ok)
        rc = ERR_NOTFOUND;
    if (rc == 0)
        *id = t.v[0].attribute_id;
    return rc;
}

/* The values to match for sightings/add: each as given and lower-cased. */
static int value_list(struct arena *a, const struct sighting_add *in, const char ***out,
                      size_t *n_out, struct diag *d)
{
    if (in->n_values > LIMIT_FILTER_VALUES)
        return diag_set(d, ERR_TOOBIG, "values", "more than %u values", LIMIT_FILTER_VALUES);
    const char **v = arena_calloc(a, 2 * in->n_values + 1, sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < in->n_values; i++) {
        const char *s = in->values[i];
        if (s == NULL || *s == '\0' || strchr(s, '%') != NULL)
            return diag_set(d, ERR_INVAL, "value",
                            "a value must be non-empty and may not hold '%%' (no wildcards)");
        v[n++] = s;
        char *lower = arena_strdup(a, s);
        for (char *p = lower; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (strcmp(lower, s) != 0)
            v[n++] = lower;
    }
    *out = v;
    *n_out = n;
    return 0;
}

/* sightings_add inside the caller's write transaction. */
static int sighting_add(struct store_conn *c, struct arena *a, const struct principal *p,
                        const struct acl_filter *acl, const struct sighting_add *in,
                        struct sighting_list *out, struct diag *d)
{
    if (!acl_can_add_sighting(p))
        return diag_set(d, ERR_FORBIDDEN, "", "you do not have permission to add sightings");
    int64_t now = now_seconds();
    int type = in->type < 0 ? SIGHTING_SEEN : in->type;
    int64_t date = in->date_sighting ? in->date_sighting : now;
    int rc = check_fields(type, in->source, date, now, "", "timestamp", d);
    if (rc < 0)
        return rc;
    struct targets t = {0};
    const char *field = "id";
    if (in->attribute != NULL) {
        rc = attribute_target(c, a, acl, in->attribute, &t);
    } else {
        const char **values = NULL;
        size_t n_values = 0;
        if (in->n_values == 0)
            return diag_set(d, ERR_INVAL, "id",
                            "give the attribute's id or uuid, or a value to sight");
        if ((rc = value_list(a, in, &values, &n_values, d)) < 0)
            return rc;
        field = "value";
        rc = find_targets(c, a, acl, (struct id_set){0}, values, n_values, &t);
    }
    if (rc < 0)
        return rc;
    size_t kept = 0; /* a peer's sync user: only what it reaches by TLP too */
    struct event *last = NULL;
    for (size_t i = 0; i < t.n; i++) {
        bool ok;
        if ((rc = peer_reaches_attribute(c, a, acl, t.v[i].event_id, t.v[i].attribute_id, &last,
                                         &ok)) < 0)
            return rc;
        if (ok)
            t.v[kept++] = t.v[i];
    }
    t.n = kept;
    if (t.n == 0)
        return diag_set(d, ERR_NOTFOUND, field,
                        "no valid attribute found that matches the criteria");
    int64_t *events = arena_calloc(a, t.n, sizeof(*events));
    for (size_t i = 0; i < t.n; i++) {
        struct sighting *s = list_push(a, out);
        memset(s, 0, sizeof(*s));
        uuid_generate(s->uuid);
        s->attribute_id = t.v[i].attribute_id;
        s->event_id = t.v[i].event_id;
        s->org_id = p->org.id;
        s->type = type;
        s->source = (char *)(in->source ? in->source : "");
        s->date_sighting = date;
        memcpy(s->attribute_uuid, t.v[i].attribute_uuid, sizeof(s->attribute_uuid));
        memcpy(s->event_uuid, t.v[i].event_uuid, sizeof(s->event_uuid));
        s->value = t.v[i].value;
        s->org = (struct org *)&p->org;
        if (type == SIGHTING_EXPIRATION &&
            (rc = store_sighting_expire_previous(c, s->attribute_id, s->org_id)) < 0)
            return rc;
        if ((rc = store_sighting_insert(c, s)) < 0)
            return rc;
        events[i] = s->event_id;
    }
    return touch_events(c, events, t.n, now);
}

/* sightings_delete inside the caller's write transaction. */
static int sighting_delete(struct store_conn *c, struct arena *a, const struct principal *p,
                           const struct acl_filter *acl, const char *ref, struct sighting **out,
                           struct diag *d)
{
    int64_t id;
    char uuid[UUID_STR_LEN + 1];
    struct sighting *s;
    if (!ref_parse(ref, &id, uuid))
        return ERR_NOTFOUND;
    int rc = store_sighting_get(c, a, id, uuid, &s);
    if (rc < 0)
        return rc;
    /* visible to the caller: through the same search every read uses */
    struct sighting_query q;
    memset(&q, 0, sizeof(q));
    q.acl = *acl;
    q.ids = (struct id_set){&s->id, 1};
    struct sighting_list seen = {0};
    if ((rc = sighting_search(c, a, &q, &seen)) < 0)
        return rc;
    if (seen.n == 0)
        return ERR_NOTFOUND;
    if (!acl_can_delete_sighting(p, s))
        return diag_set(d, ERR_FORBIDDEN, "",
                        "only the reporting organisation's admins or modifiers may delete a "
                        "sighting");
    if ((rc = store_sighting_delete(c, s->id)) < 0)
        return rc;
    *out = s;
    return store_event_sighting_touch(c, s->event_id, now_seconds());
}

/* Calls fn for each of the sighting uuids that event ref (visible to p)
 * already has, live or deleted. */
static int sighting_uuids_known(struct store_conn *c, struct arena *a, const struct principal *p,
                                const struct acl_filter *acl, const char *event_ref,
                                struct str_set uuids, int (*fn)(void *ctx, const char *uuid),
                                void *ctx)
{
    if (!acl_can_sync(p))
        return ERR_FORBIDDEN;
    struct event *e;
    int rc = sighting_event_find(c, a, acl, event_ref, &e);
    if (rc < 0)
        return rc;
    return store_sighting_uuids_known(c, e->id, uuids, fn, ctx);
}

/* ---- bulk save (a peer's push) ---- */

/* One input sighting's place when sorted by a key (uuid or attribute uuid). */
struct slot {
    const char *key;
    size_t i;
};

static int cmp_slot(const void *x, const void *y)
{
    const struct slot *a = x, *b = y;
    int r = strcmp(a->key, b->key);
    return r ? r : (a->i > b->i) - (a->i < b->i);
}

static int cmp_slot_key(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const struct slot *)elem)->key);
}

struct bulk {
    struct arena *a;
    struct sighting *in;
    size_t n;
    struct slot *by_uuid;      /* every input, sorted by (uuid, position) */
    bool *duplicate;           /* per input */
    struct slot *by_attribute; /* distinct attribute uuids */
    size_t n_attributes;
    int64_t *attribute_id;     /* per by_attribute entry: 0 unless live, in the event, visible */
};

/* A uuid known here: every input holding it is a duplicate. */
static int on_known(void *ctx, const char *uuid)
{
    struct bulk *b = ctx;
    const struct slot *hit = bsearch(uuid, b->by_uuid, b->n, sizeof(*b->by_uuid), cmp_slot_key);
    if (hit == NULL)
        return 0;
    while (hit > b->by_uuid && strcmp((hit - 1)->key, uuid) == 0)
        hit--;
    for (; hit < b->by_uuid + b->n && strcmp(hit->key, uuid) == 0; hit++)
        b->duplicate[hit->i] = true;
    return 0;
}

/* Marks inputs whose uuid is known here or came earlier in the request. */
static int find_duplicates(struct store_conn *c, struct bulk *b)
{
    b->by_uuid = arena_calloc(b->a, b->n ? b->n : 1, sizeof(*b->by_uuid));
    b->duplicate = arena_calloc(b->a, b->n ? b->n : 1, sizeof(*b->duplicate));
    for (size_t i = 0; i < b->n; i++)
        b->by_uuid[i] = (struct slot){b->in[i].uuid, i};
    qsort(b->by_uuid, b->n, sizeof(*b->by_uuid), cmp_slot);
    for (size_t i = 1; i < b->n; i++)
        if (strcmp(b->by_uuid[i].key, b->by_uuid[i - 1].key) == 0)
            b->duplicate[b->by_uuid[i].i] = true;
    const char **keys = arena_calloc(b->a, b->n + 1, sizeof(*keys));
    for (size_t i = 0; i < b->n; i++)
        keys[i] = b->by_uuid[i].key;
    return store_sighting_uuids_known(c, 0, (struct str_set){keys, b->n}, on_known, b);
}

static int cmp_id_entry(const void *key, const void *elem)
{
    int64_t a = *(const int64_t *)key, b = *(const int64_t *)elem;
    return (a > b) - (a < b);
}

struct visible {
    int64_t *ids; /* sorted candidates */
    bool *seen;
    size_t n;
};

static int on_visible(void *ctx, struct attribute *at, const char *event_uuid)
{
    (void)event_uuid;
    struct visible *v = ctx;
    const int64_t *hit = bsearch(&at->id, v->ids, v->n, sizeof(*v->ids), cmp_id_entry);
    if (hit != NULL)
        v->seen[hit - v->ids] = true;
    return 0;
}

/* Resolves each distinct attribute uuid to a live attribute of event e that
 * the reader of acl may see (attribute_id 0 otherwise). */
static int find_attributes(struct store_conn *c, const struct acl_filter *acl,
                           const struct event *e, struct bulk *b)
{
    struct slot *all = arena_calloc(b->a, b->n ? b->n : 1, sizeof(*all));
    for (size_t i = 0; i < b->n; i++)
        all[i] = (struct slot){b->in[i].attribute_uuid, i};
    qsort(all, b->n, sizeof(*all), cmp_slot);
    b->by_attribute = all;
    b->n_attributes = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->n_attributes == 0 || strcmp(all[i].key, all[b->n_attributes - 1].key) != 0)
            all[b->n_attributes++] = all[i];
    b->attribute_id = arena_calloc(b->a, b->n_attributes + 1, sizeof(*b->attribute_id));
    struct visible v = {arena_calloc(b->a, b->n_attributes + 1, sizeof(int64_t)),
                        arena_calloc(b->a, b->n_attributes + 1, sizeof(bool)), 0};
    for (size_t k = 0; k < b->n_attributes; k++) {
        struct attribute *at;
        int rc = store_attribute_get(c, b->a, 0, all[k].key, &at);
        if (rc == ERR_NOTFOUND)
            continue;
        if (rc < 0)
            return rc;
        if (at->event_id == e->id && !at->deleted)
            b->attribute_id[k] = v.ids[v.n++] = at->id;
    }
    if (v.n == 0)
        return 0;
    struct id_set ids = lookup_id_set(v.ids, v.n); /* sorts v.ids */
    v.n = ids.n;
    struct query q;
    attribute_query(&q, acl, ids);
    int rc = store_attribute_search(c, b->a, &q, false, on_visible, &v);
    if (rc < 0)
        return rc;
    for (size_t k = 0; k < b->n_attributes; k++) {
        if (b->attribute_id[k] == 0)
            continue;
        const int64_t *hit =
            bsearch(&b->attribute_id[k], v.ids, v.n, sizeof(*v.ids), cmp_id_entry);
        if (hit == NULL || !v.seen[hit - v.ids])
            b->attribute_id[k] = 0;
    }
    return 0;
}

/* Drops the resolved attributes a peer may not reach (acl_sync_may_reach). */
static void attributes_cut(const struct acl_filter *acl, const struct event *e, struct bulk *b)
{
    for (size_t k = 0; k < b->n_attributes; k++) {
        if (b->attribute_id[k] == 0)
            continue;
        const struct object *o;
        const struct attribute *at = attribute_in(e, b->attribute_id[k], &o);
        if (at == NULL || !acl_sync_may_reach(acl, e, o, at))
            b->attribute_id[k] = 0;
    }
}

static int64_t attribute_of(const struct bulk *b, const char *attribute_uuid)
{
    const struct slot *hit = bsearch(attribute_uuid, b->by_attribute, b->n_attributes,
                                     sizeof(*b->by_attribute), cmp_slot_key);
    return hit ? b->attribute_id[hit - b->by_attribute] : 0;
}

/*
 * The reporting organisation of a pushed sighting: its Organisation, found by
 * uuid, then by name, else created here as a non-local organisation (MISP's
 * captureOrg); anonymous (0) for org_id 0 without one; else the pusher's.
 */
static int reporter(struct store_conn *c, struct arena *a, const struct principal *p,
                    const struct sighting *s, const char *field, int64_t *org_id,
                    struct diag *d)
{
    if (s->org == NULL) {
        *org_id = s->org_id == 0 ? 0 : p->org.id;
        return 0;
    }
    return org_capture(c, a, s->org, p->user.id, field, org_id, d);
}

static void skip(struct arena *a, struct sighting_bulk_result *res, const struct sighting *s,
                 const char *reason)
{
    res->skipped = arena_grow(a, res->skipped, res->n_skipped, &res->cap_skipped,
                              sizeof(*res->skipped));
    res->skipped[res->n_skipped].sighting = s;
    res->skipped[res->n_skipped].reason = reason;
    res->n_skipped++;
}

int sighting_bulk_save(struct store_conn *c, struct arena *a, const struct principal *p,
                       const struct acl_filter *acl, const char *event_ref, struct sighting *in,
                       size_t n, struct sighting_bulk_result *res, struct diag *d)
{
    memset(res, 0, sizeof(*res));
    if (!acl_can_sync(p))
        return diag_set(d, ERR_FORBIDDEN, "", "only sync users and site admins may push sightings");
    struct event *e;
    bool cut;
    int rc = peer_event_find(c, a, acl, event_ref, &e, &cut);
    if (rc < 0)
        return rc;
    int64_t now = now_seconds();
    char prefix[32], field[64];
    for (size_t i = 0; i < n; i++) {
        struct sighting *s = &in[i];
        snprintf(prefix, sizeof(prefix), "%zu.", i);
        if (s->type < 0)
            s->type = SIGHTING_SEEN;
        if (s->date_sighting == 0)
            s->date_sighting = now;
        if ((rc = check_fields(s->type, s->source, s->date_sighting, now, prefix,
                               "date_sighting", d)) < 0)
            return rc;
        if (s->attribute_uuid[0] == '\0') {
            snprintf(field, sizeof(field), "%sattribute_uuid", prefix);
            return diag_set(d, ERR_INVAL, field, "attribute_uuid is required");
        }
        if (s->uuid[0] == '\0')
            uuid_generate(s->uuid);
        if (s->source == NULL)
            s->source = "";
    }
    struct bulk b = {.a = a, .in = in, .n = n};
    if ((rc = find_duplicates(c, &b)) < 0 || (rc = find_attributes(c, acl, e, &b)) < 0)
        return rc;
    if (cut)
        attributes_cut(acl, e, &b);
    for (size_t i = 0; i < n; i++) {
        struct sighting *s = &in[i];
        if (s->deleted) {
            /* a Liaison peer's deletion: the copy here goes too */
            struct sighting *here;
            int grc = store_sighting_get(c, a, 0, s->uuid, &here);
            if (grc < 0 && grc != ERR_NOTFOUND)
                return grc;
            bool live_here = grc == 0 && !here->deleted && here->event_id == e->id;
            if (live_here && !acl_can_peer_delete_sighting(p, here)) {
                skip(a, res, s, "a peer may delete only sightings its organisation reported or "
                                "delivered");
            } else if (live_here) {
                if ((rc = store_sighting_delete(c, here->id)) < 0)
                    return rc;
                res->removed++;
            } else {
                res->duplicates++;
            }
            continue;
        }
        if (b.duplicate[i]) {
            res->duplicates++;
            continue;
        }
        s->attribute_id = attribute_of(&b, s->attribute_uuid);
        if (s->attribute_id == 0) {
            skip(a, res, s, "attribute_uuid names no live attribute of this event that you may see");
            continue;
        }
        snprintf(field, sizeof(field), "%zu.Organisation.name", i);
        if ((rc = reporter(c, a, p, s, field, &s->org_id, d)) < 0)
            return rc;
        s->event_id = e->id;
        s->from_org_id = p->org.id;
        if (s->type == SIGHTING_EXPIRATION &&
            (rc = store_sighting_expire_previous(c, s->attribute_id, s->org_id)) < 0)
            return rc;
        if ((rc = store_sighting_insert(c, s)) < 0)
            return rc;
        res->saved++;
    }
    return res->saved || res->removed ? store_event_sighting_touch(c, e->id, now) : 0;
}

/* ---- the service: each call in its own transaction ---- */

/* Ends a write transaction: commits when rc is 0, else rolls back. */
static int write_end(struct store_conn *c, int rc)
{
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
    return rc;
}

int sightings_add(struct svc *s, const struct principal *who, const struct acl_filter *acl,
                  struct arena *a, const struct sighting_add *in, struct sighting_list *out,
                  struct diag *d)
{
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    return write_end(c, sighting_add(c, a, who, acl, in, out, d));
}

int sightings_delete(struct svc *s, const struct principal *who, const struct acl_filter *acl,
                     struct arena *a, const char *ref, struct sighting **out, struct diag *d)
{
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    return write_end(c, sighting_delete(c, a, who, acl, ref, out, d));
}

int sightings_index(struct svc *s, const struct acl_filter *acl, struct arena *a,
                    const char *event_ref, struct sighting_list *out)
{
    struct sighting_query q;
    memset(&q, 0, sizeof(q));
    q.acl = *acl;
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    struct event *e;
    if (event_ref != NULL && (rc = sighting_event_find(c, a, acl, event_ref, &e)) == 0)
        q.event_ids = one_id(a, e->id);
    if (rc == 0)
        rc = sighting_search(c, a, &q, out);
    store_end(c, true);
    return rc;
}

/* The id of the organisation r names: by id, or by uuid (-1: unknown here). */
static int org_resolve(struct store_conn *c, struct arena *a, const struct sighting_org_ref *r,
                       int64_t *id)
{
    *id = r->id;
    if (r->uuid[0] == '\0')
        return 0;
    struct org *o;
    int rc = store_org_get(c, a, 0, r->uuid, NULL, &o);
    if (rc == ERR_NOTFOUND) {
        *id = -1;
        return 0;
    }
    if (rc == 0)
        *id = o->id;
    return rc;
}

int sightings_of(struct svc *s, const struct acl_filter *acl, struct arena *a, const char *ref,
                 bool event, const struct sighting_org_ref *org, struct sighting_list *out)
{
    struct sighting_query q;
    memset(&q, 0, sizeof(q));
    q.acl = *acl;
    q.order = SIGHTING_NEWEST_FIRST;
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    int64_t org_id = 0, object_id = 0;
    if (org != NULL && (rc = org_resolve(c, a, org, &org_id)) == 0 && org_id != 0)
        q.org_ids = one_id(a, org_id);
    struct event *e;
    if (rc == 0 && event && (rc = sighting_event_find(c, a, acl, ref, &e)) == 0)
        object_id = e->id;
    else if (rc == 0 && !event)
        rc = sighting_attribute_find(c, a, acl, ref, &object_id);
    if (rc == 0) {
        if (event)
            q.event_ids = one_id(a, object_id);
        else
            q.attribute_ids = one_id(a, object_id);
        rc = sighting_search(c, a, &q, out);
    }
    store_end(c, true);
    return rc;
}

/* The uuids as a set (pointers into uuids, array in a). */
static struct str_set uuid_set(struct arena *a, const char (*uuids)[UUID_STR_LEN + 1], size_t n)
{
    const char **v = arena_calloc(a, n + 1, sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = uuids[i];
    return (struct str_set){v, n};
}

/* A filter's list as a set of the cursor (copied to a), absent (any) if empty. */
static struct id_set ids_or_any(struct arena *a, const int64_t *v, size_t n)
{
    if (n == 0)
        return (struct id_set){0};
    int64_t *copy = arena_alloc(a, n * sizeof(*copy));
    memcpy(copy, v, n * sizeof(*copy));
    return (struct id_set){copy, n};
}

static struct str_set strs_or_any(struct arena *a, const char *const *v, size_t n)
{
    if (n == 0)
        return (struct str_set){0};
    const char **copy = arena_calloc(a, n, sizeof(*copy));
    for (size_t i = 0; i < n; i++)
        copy[i] = arena_strdup(a, v[i]);
    return (struct str_set){copy, n};
}

int sightings_search_begin(struct svc *s, const struct principal *who,
                           const struct acl_filter *acl, struct arena *a,
                           const struct sighting_filter *f, struct sighting_cursor *out)
{
    memset(out, 0, sizeof(*out));
    struct sighting_query *q = &out->q;
    q->acl = *acl;
    q->order = SIGHTING_BY_ID;
    q->from = f->from;
    q->to = f->to;
    /* beyond MISP, for Liaison peers (and site admins): tombstoned sightings
     * too, marked "deleted", so that deletions travel */
    out->with_deleted = q->with_deleted = f->with_deleted && acl_can_sync(who);
    struct id_set ids = ids_or_any(a, f->ids, f->n_ids);
    struct str_set uuids = strs_or_any(a, uuid_set(a, f->uuids, f->n_uuids).v, f->n_uuids);
    if (f->context == SIGHTING_CONTEXT_EVENT) {
        q->event_ids = ids;
        q->event_uuids = uuids;
    } else if (f->context == SIGHTING_CONTEXT_ATTRIBUTE) {
        q->attribute_ids = ids;
        q->attribute_uuids = uuids;
    }
    int64_t *types = arena_calloc(a, f->n_types + 1, sizeof(*types));
    for (size_t i = 0; i < f->n_types; i++)
        types[i] = f->types[i];
    if (f->n_types)
        q->types = (struct id_set){types, f->n_types};
    q->sources = strs_or_any(a, f->sources, f->n_sources);
    if (f->n_orgs == 0)
        return 0;
    int64_t *orgs = arena_calloc(a, f->n_orgs, sizeof(*orgs));
    int64_t *not_orgs = arena_calloc(a, f->n_orgs, sizeof(*not_orgs));
    size_t n_orgs = 0, n_not = 0;
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < f->n_orgs && rc == 0; i++) {
        int64_t id;
        if ((rc = org_resolve(c, a, &f->orgs[i], &id)) == 0) {
            if (f->orgs[i].negate)
                not_orgs[n_not++] = id;
            else
                orgs[n_orgs++] = id;
        }
    }
    store_end(c, true);
    q->org_ids = ids_or_any(a, orgs, n_orgs);
    q->not_org_ids = ids_or_any(a, not_orgs, n_not);
    return rc;
}

int sightings_search_next(struct svc *s, struct sighting_cursor *cur, struct arena *a,
                          size_t rows, struct sighting_list *out)
{
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    cur->q.limit = (int64_t)rows;
    rc = sighting_search(c, a, &cur->q, out);
    store_end(c, true);
    if (rc == 0) {
        cur->q.after_id = out->last_id;
        cur->done = out->scanned < rows;
    }
    return rc;
}

bool sightings_may_push(const struct principal *who)
{
    return acl_can_sync(who);
}

/* The uuids asked of sightings_known, sorted, and which are known here. */
struct known {
    char (*sorted)[UUID_STR_LEN + 1];
    bool *hit; /* per sorted entry */
    size_t n;
};

static int cmp_uuid(const void *x, const void *y)
{
    return strcmp((const char *)x, (const char *)y);
}

static int on_known_uuid(void *ctx, const char *uuid)
{
    struct known *k = ctx;
    char (*hit)[UUID_STR_LEN + 1] = bsearch(uuid, k->sorted, k->n, sizeof(*k->sorted), cmp_uuid);
    if (hit != NULL)
        k->hit[hit - k->sorted] = true;
    return 0;
}

int sightings_known(struct svc *s, const struct principal *who, const struct acl_filter *acl,
                    struct arena *a, const char *event_ref, const char (*uuids)[UUID_STR_LEN + 1],
                    size_t n, bool *known)
{
    if (!acl_can_sync(who))
        return ERR_FORBIDDEN;
    struct known k = {arena_calloc(a, n + 1, sizeof(*k.sorted)),
                      arena_calloc(a, n + 1, sizeof(*k.hit)), n};
    if (n > 0)
        memcpy(k.sorted, uuids, n * sizeof(*uuids));
    qsort(k.sorted, n, sizeof(*k.sorted), cmp_uuid);
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    rc = sighting_uuids_known(c, a, who, acl, event_ref, uuid_set(a, uuids, n), on_known_uuid, &k);
    store_end(c, true);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        char (*hit)[UUID_STR_LEN + 1] = bsearch(uuids[i], k.sorted, n, sizeof(*k.sorted), cmp_uuid);
        size_t at = (size_t)(hit - k.sorted);
        known[i] = k.hit[at];
        k.hit[at] = false; /* each uuid once */
    }
    return 0;
}

int sightings_bulk_save(struct svc *s, const struct principal *who, const struct acl_filter *acl,
                        struct arena *a, const char *event_ref, struct sighting *in, size_t n,
                        struct sighting_bulk_result *res, struct diag *d)
{
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    return write_end(c, sighting_bulk_save(c, a, who, acl, event_ref, in, n, res, d));
}
