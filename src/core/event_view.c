/*
 * event_view.c - one event or attribute as a reader may see it.  See
 * event_view.h.
 */
#include "core/event_view.h"

#include "core/correlation.h"
#include "core/event.h"
#include "core/sighting.h"
#include "core/svc.h"
#include "core/sync.h"
#include "store/store.h"

#include "util/banned.h"

int event_view(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
               const struct event_view_opts *o, struct event **out)
{
    struct principal me = *who;
    struct acl_filter f;
    (void)acl_principal_load(s->store, a, &s->policy, &me, &f); /* fails closed */
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    unsigned flags = STORE_LOAD_CHILDREN | STORE_LOAD_TAGS | (o->deleted ? STORE_LOAD_DELETED : 0);
    struct event *e;
    rc = event_find(c, a, &f, ref, flags, &e);
    bool peer = acl_is_sync_peer(&me);
    if (rc == 0 && peer && !acl_sync_trim(e, DIST_COMMUNITY))
        rc = ERR_NOTFOUND; /* its TLP keeps it on this node */
    if (rc == 0 && peer)
        rc = sync_attach_sharing_groups(c, a, o->self_url, e); /* MISP's sync */
    if (rc == 0 && !peer && s->indexer != NULL && (o->correlations || o->granular))
        rc = correlate_event(s->indexer, c, a, &f, e, (size_t)s->cfg->correlation_threshold,
                             o->granular);
    if (rc == 0) /* each attribute's "Sighting" list, as MISP's view */
        rc = sighting_attach_to_event(c, a, &f, e);
    store_end(c, true);
    if (rc == 0)
        *out = e;
    return rc;
}

int attribute_view(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                   struct attribute **out)
{
    struct principal me = *who;
    struct acl_filter f;
    (void)acl_principal_load(s->store, a, &s->policy, &me, &f); /* fails closed */
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    struct event *e;
    struct attribute *at;
    rc = event_attribute_find(c, a, &f, ref, &e, &at);
    store_end(c, true);
    if (rc < 0)
        return rc;
    /* the event's copy, with its tags */
    const struct object *in = NULL;
    for (size_t i = 0; i < e->n_attrs; i++)
        if (e->attrs[i].id == at->id)
            at = &e->attrs[i];
    for (size_t j = 0; j < e->n_objects; j++)
        for (size_t i = 0; i < e->objects[j].n_attrs; i++)
            if (e->objects[j].attrs[i].id == at->id) {
                at = &e->objects[j].attrs[i];
                in = &e->objects[j];
            }
    /* a peer's sync user: TLP keeps some at home (acl_sync_trim) */
    if (acl_is_sync_peer(&me) && !acl_sync_attribute_trim(e, in, at, DIST_COMMUNITY))
        return ERR_NOTFOUND;
    *out = at;
    return 0;
}
