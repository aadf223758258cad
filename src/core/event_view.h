/*
 * event_view.h - one event, or one attribute, as a reader may see it (MISP's
 * events/view and attributes/view).
 *
 * Each call opens and ends its own read transaction.  What the reader sees is
 * acl's: the store applies the reader's filter (acl_principal_load); a peer's
 * sync user (acl_is_sync_peer) gets only what may leave this node for it
 * (acl_sync_trim, acl_sync_attribute_trim: TLP keeps the rest at home), with
 * the sharing groups of its distribution-4 items, as MISP's sync reads them;
 * anyone else gets the correlations (core/correlation.h) asked for.  An event
 * carries each attribute's sightings the reader may see (core/sighting.h).
 */
#ifndef LIAISON_EVENT_VIEW_H
#define LIAISON_EVENT_VIEW_H

#include "core/acl.h"
#include "core/model.h"
#include "util/arena.h"
#include "util/err.h"

#include <stdbool.h>

struct svc;

struct event_view_opts {
    bool deleted;         /* soft-deleted children beside the live ones */
    bool correlations;    /* RelatedEvent (MISP's includeEventCorrelations) */
    bool granular;        /* each attribute's RelatedAttribute too (includeGranularCorrelations) */
    const char *self_url; /* this node's base URL, for a peer's sharing groups; may be NULL */
};

/* The event ref (id or uuid) with its children and tags; ERR_NOTFOUND when
 * it does not exist or the reader may not see it. */
int event_view(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
               const struct event_view_opts *o, struct event **out);

/* The attribute ref (id or uuid) with its tags; ERR_NOTFOUND when it does
 * not exist or the reader may not see it. */
int attribute_view(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                   struct attribute **out);

#endif
