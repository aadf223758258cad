/*
 * sighting.h - the sighting service: the rules for recording, reading and
 * deleting sightings (MISP's Sighting model) and for taking them from peers.
 *
 * Every function runs inside the caller's transaction (store_begin_read for
 * reads, store_begin_write for writes) and leaves commit or rollback to the
 * caller, so a request is all or nothing.  Validation errors name the field in
 * struct diag.  Who may see and do what is asked of acl (core/acl.h):
 *  - a sighting is recorded only on a live attribute the caller may see;
 *  - reads return only what acl_sighting_visible allows (MISP's default
 *    sighting policy) on attributes the reader may see;
 *  - every write moves the sighting_timestamp of the events it touches, once
 *    per event and transaction (store_event_sighting_touch).
 *
 * Rules (MISP's Sighting::saveSightings and bulkSaveSightings):
 *  - type is 0 (sighting), 1 (false positive) or 2 (expiration); a new
 *    expiration replaces the reporting organisation's earlier expirations of
 *    the attribute (tombstoned);
 *  - date_sighting defaults to now and may not lie more than a day ahead;
 *  - a sighting's uuid is kept when given (canonical, lower case), generated
 *    (v4) otherwise; a uuid already known here, live or deleted, makes a bulk
 *    save skip that sighting, not fail.
 */
#ifndef LIAISON_SIGHTING_H
#define LIAISON_SIGHTING_H

#include "core/acl.h"
#include "store/store.h"

/* Longest source accepted (MISP's column is varchar(255)). */
#define SIGHTING_SOURCE_MAX 255

/* Sightings in the request arena. */
struct sighting_list {
    struct sighting *v;
    size_t n, cap;
    /* what the store read, visible or not: for keyset paging (q->after_id) */
    size_t scanned;
    int64_t last_id;
};

/* Appends the live sightings matching q that q->acl's reader may see (store
 * visibility, then acl_sighting_visible), with their strings, to out. */
int sighting_search(struct store_conn *c, struct arena *a, const struct sighting_query *q,
                    struct sighting_list *out);

/* Fills e->sightings with the sightings of e's attributes the reader of acl may
 * see, ordered by attribute (what misp_event_encode writes under each). */
int sighting_attach_to_event(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                             struct event *e);

/* A sightings/add request, decoded by the handler. */
struct sighting_add {
    const char *attribute;     /* the attribute's id or uuid, or NULL: by value */
    const char *const *values; /* else: every visible attribute holding one */
    size_t n_values;
    int type;                  /* -1: 0 */
    const char *source;        /* NULL: "" */
    int64_t date_sighting;     /* 0: now */
};

/*
 * Records a sighting by p's organisation on the attribute named, or on every
 * live attribute p may see (acl; a peer's sync user: only those it reaches by
 * TLP too, acl_sync_may_reach) whose value is one of values (compared as
 * stored, and lower-cased: values of most types are stored lower-case; '%'
 * is refused rather than taken as a wildcard).  The new sightings, with their
 * org, attribute and event uuids, are appended to out.  ERR_NOTFOUND (field
 * "id" or "value") when no attribute matches; ERR_FORBIDDEN without
 * perm_sighting.
 */
int sighting_add(struct store_conn *c, struct arena *a, const struct principal *p,
                 const struct acl_filter *acl, const struct sighting_add *in,
                 struct sighting_list *out, struct diag *d);

/* Tombstones the sighting ref (id or uuid).  ERR_NOTFOUND when it does not
 * exist or p may not see it, ERR_FORBIDDEN when p may see but not delete it.
 * *out is the sighting as it was. */
int sighting_delete(struct store_conn *c, struct arena *a, const struct principal *p,
                    const struct acl_filter *acl, const char *ref, struct sighting **out,
                    struct diag *d);

/* The id of attribute ref (id or uuid) if it is live and acl's reader may
 * see it (a peer: reach it by TLP too); ERR_NOTFOUND otherwise. */
int sighting_attribute_find(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                            const char *ref, int64_t *id);

/* Loads the event ref (id or uuid) if acl's reader may see it (a peer: reach
 * it by TLP too, acl_sync_may_reach); ERR_NOTFOUND otherwise. */
int sighting_event_find(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                        const char *ref, struct event **out);

/* Calls fn for each of the sighting uuids (a JSON array of canonical uuid
 * strings) that event ref (visible to p) already has, live or deleted: what a
 * pushing peer need not send (MISP's filterSightingUuidsForPush).  Site admins
 * and sync users. */
int sighting_uuids_known(struct store_conn *c, struct arena *a, const struct principal *p,
                         const struct acl_filter *acl, const char *event_ref,
                         const char *uuids_json, int (*fn)(void *ctx, const char *uuid),
                         void *ctx);

/* Why a sighting of a bulk save was not saved. */
struct sighting_skip {
    const struct sighting *sighting; /* as given */
    const char *reason;
};

struct sighting_bulk_result {
    size_t saved;
    size_t duplicates; /* uuid known here (or twice in the request): ignored */
    size_t removed;    /* sent as deleted by a Liaison peer: tombstoned here too */
    struct sighting_skip *skipped; /* attribute not a visible live one of the event */
    size_t n_skipped, cap_skipped;
};

/*
 * Saves sightings a peer sends for event ref (id or uuid, visible to p): in[i]
 * as decoded by misp_sighting_decode.  Each needs attribute_uuid naming a live
 * attribute of that event p may see, else it is skipped and reported; a known
 * uuid is a duplicate.  The reporting organisation is in[i].org (found by uuid,
 * then name, or created as a non-local organisation), none when org_id is 0
 * without Organisation (anonymous), else p's; each saved sighting records p's
 * organisation as the one that delivered it.  A peer (acl_is_sync_peer)
 * reaches only what acl_sync_may_reach allows: another organisation's event
 * it may not reach is ERR_NOTFOUND, an attribute it may not reach is skipped.
 * A deletion (deleted set) removes the sighting only where
 * acl_can_peer_delete_sighting allows, else it is skipped.  Site admins and
 * sync users (ERR_FORBIDDEN otherwise).  Invalid input fails naming "N.field".
 */
int sighting_bulk_save(struct store_conn *c, struct arena *a, const struct principal *p,
                       const struct acl_filter *acl, const char *event_ref, struct sighting *in,
                       size_t n, struct sighting_bulk_result *res, struct diag *d);

#endif
