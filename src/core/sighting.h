/*
 * sighting.h - the sighting service: the rules for recording, reading and
 * deleting sightings (MISP's Sighting model) and for taking them from peers.
 *
 * Two kinds of entry points:
 *  - sightings_*(struct svc *, ...): the service proper, for the API and the
 *    CLI.  Each call opens and ends its own store transaction (a write is all
 *    or nothing), and results live in the caller's arena;
 *  - sighting_*(struct store_conn *, ...): the same rules inside the
 *    caller's transaction, for work that is one transaction with other
 *    things (core/sync.c's pulls and pushes, the event view).
 * Validation errors name the field in struct diag.  Who may see and do what
 * is asked of acl (core/acl.h, "sightings"):
 *  - a sighting is recorded only on a live attribute the caller may see;
 *  - reads return only what acl_sighting_visible allows (MISP's default
 *    sighting policy) on attributes the reader may see;
 *  - every write moves the sighting_timestamp of the events it touches, once
 *    per event and transaction (store_event_sighting_touch).
 * acl is always the caller's filter (acl_filter_load of who).
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
#include "core/svc.h"
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

/* ---- the service: each call in its own transaction ---- */

/*
 * Records a sighting by who's organisation on the attribute named, or on every
 * live attribute who may see (acl; a peer's sync user: only those it reaches
 * by TLP too, acl_sync_may_reach) whose value is one of values (compared as
 * stored, and lower-cased: values of most types are stored lower-case; '%'
 * is refused rather than taken as a wildcard).  The new sightings, with their
 * org, attribute and event uuids, are appended to out.  ERR_NOTFOUND (field
 * "id" or "value") when no attribute matches; ERR_FORBIDDEN without
 * perm_sighting.
 */
int sightings_add(struct svc *s, const struct principal *who, const struct acl_filter *acl,
                  struct arena *a, const struct sighting_add *in, struct sighting_list *out,
                  struct diag *d);

/* Tombstones the sighting ref (id or uuid).  ERR_NOTFOUND when it does not
 * exist or who may not see it, ERR_FORBIDDEN when who may see but not delete
 * it.  *out is the sighting as it was. */
int sightings_delete(struct svc *s, const struct principal *who, const struct acl_filter *acl,
                     struct arena *a, const char *ref, struct sighting **out, struct diag *d);

/* The sightings acl's reader may see, of event event_ref (id or uuid) or of
 * all (NULL), in store order (MISP's sightings/index).  ERR_NOTFOUND when the
 * event is not one the reader may see. */
int sightings_index(struct svc *s, const struct acl_filter *acl, struct arena *a,
                    const char *event_ref, struct sighting_list *out);

/* The sightings acl's reader may see of the attribute (or, with event, the
 * event) ref, id or uuid, newest first; with org, only that organisation's
 * (MISP's listSightings).  ERR_NOTFOUND when the attribute or event is not one
 * the reader may see. */
int sightings_of(struct svc *s, const struct acl_filter *acl, struct arena *a, const char *ref,
                 bool event, const struct sighting_org_ref *org, struct sighting_list *out);

/* A search read page by page (restSearch), oldest first by id. */
struct sighting_cursor {
    struct sighting_query q;
    bool with_deleted; /* tombstones too: asked, and who may (acl_can_sync) */
    bool done;         /* the last page was read */
};

/* Prepares a search for f (strings and lists in a, which must outlive the
 * cursor): organisations named by uuid are resolved here (one unknown here
 * matches nothing). */
int sightings_search_begin(struct svc *s, const struct principal *who,
                           const struct acl_filter *acl, struct arena *a,
                           const struct sighting_filter *f, struct sighting_cursor *out);
/* Reads the next page of at most rows sightings (visible or not) into out,
 * in a, in one read transaction; sets cur->done after the last. */
int sightings_search_next(struct svc *s, struct sighting_cursor *cur, struct arena *a,
                          size_t rows, struct sighting_list *out);

/* May who act as a peer pushing sightings here (site admin or sync user)?
 * sightings_known and sightings_bulk_save refuse anyone else; a handler asks
 * first so that the refusal comes before the body is read. */
bool sightings_may_push(const struct principal *who);

/* Of the sighting uuids[0..n) (canonical), the ones event event_ref (visible to
 * who) already has here, live or deleted: what a pushing peer need not send
 * (MISP's filterSightingUuidsForPush).  known[i] is set for the first
 * occurrence of each.  ERR_FORBIDDEN unless sightings_may_push. */
int sightings_known(struct svc *s, const struct principal *who, const struct acl_filter *acl,
                    struct arena *a, const char *event_ref, const char (*uuids)[UUID_STR_LEN + 1],
                    size_t n, bool *known);

/* sighting_bulk_save (below) in its own write transaction. */
int sightings_bulk_save(struct svc *s, const struct principal *who, const struct acl_filter *acl,
                        struct arena *a, const char *event_ref, struct sighting *in, size_t n,
                        struct sighting_bulk_result *res, struct diag *d);

/* ---- inside the caller's transaction ---- */

/* Appends the live sightings matching q that q->acl's reader may see (store
 * visibility, then acl_sighting_visible), with their strings, to out. */
int sighting_search(struct store_conn *c, struct arena *a, const struct sighting_query *q,
                    struct sighting_list *out);

/* Fills e->sightings with the sightings of e's attributes the reader of acl may
 * see, ordered by attribute (what misp_event_encode writes under each). */
int sighting_attach_to_event(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                             struct event *e);

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
