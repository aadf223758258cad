/*
 * search.h - the search service: MISP's restSearch over events and
 * attributes, events/index, and the export of whole events (liaison export).
 *
 * The store runs the query under the reader's acl filter
 * (acl_principal_load), so a search never fetches what the reader may not
 * see; a peer's sync user (acl_is_sync_peer) is given only what may leave
 * this node for it (acl_sync_trim, acl_sync_attribute_trim), events with the
 * sharing groups of their distribution-4 items.  Exact values (no '%') are
 * found through the indicator index when there is one.
 *
 * Results are handed to the caller row by row, page by page, so that memory
 * stays one page whatever the size of the answer: each page is read in its
 * own read transaction and arena (keyset: "id > the last row read"), freed
 * once its rows were handed over.  A row callback returns 0 to go on,
 * SEARCH_PAGE_FULL to end the page after this row (its answer is large
 * enough to send), or an error, which ends the search with it.  A page also
 * ends after SEARCH_PAGE_ROWS rows read.
 */
#ifndef LIAISON_SEARCH_H
#define LIAISON_SEARCH_H

#include "core/acl.h"
#include "core/model.h"
#include "core/query.h"
#include "util/arena.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

struct svc;

#define SEARCH_PAGE_FULL 1
/* Rows read per page at most (the rows of a terse format such as text weigh
 * more in memory than in the answer). */
#define SEARCH_PAGE_ROWS 2000

enum search_kind {
    SEARCH_ATTRIBUTES,  /* attributes/restSearch */
    SEARCH_EVENTS,      /* events/restSearch: each event with its children and tags */
    SEARCH_EVENT_INDEX, /* events/index: the events' own fields */
};

struct search_request {
    enum search_kind kind;
    struct query q;       /* the filters (codec/misp_search_params); q.acl is the service's */
    bool event_tags;      /* attributes: each carries its event's tags after its own (includeEventTags) */
    bool event_context;   /* attributes: the row's event (tags, organisations) goes to the callback */
    const char *self_url; /* this node's base URL, for a peer's sharing groups; may be NULL */
};

struct search_rows {
    /* an attribute; e its event when event_context (NULL if unreadable) */
    int (*attribute)(void *ctx, struct attribute *at, const char *event_uuid,
                     const struct event *e);
    int (*event)(void *ctx, struct event *e);
    void *ctx;
};

struct search;

/*
 * Prepares the search rq (copied) by reader who; nothing is read yet.
 * *out lives in a.  ERR_TOOBIG when the exact values find more attributes
 * than a search can carry.
 */
int search_open(struct svc *s, const struct principal *who, struct arena *a,
                const struct search_request *rq, const struct search_rows *rows,
                struct search **out, struct diag *d);
/*
 * Reads the next page, handing its rows to the callbacks; *done once every
 * row has been read (or the client's limit reached).  The client's limit and
 * page apply to the first read (LIMIT/OFFSET); later pages go on after the
 * last row read, with what is left of the limit.
 */
int search_page(struct search *x, bool *done);
/* Back to before the first row (to read the answer again). */
void search_rewind(struct search *x);

/*
 * liaison export: calls fn for every live event the reader may see
 * (published ones only when asked), ordered by id, with its children
 * (soft-deleted ones included) and tags, all read in one snapshot.  Each
 * event lives in its own arena, freed after fn returns, so memory is bounded
 * by the largest event.  fn's error stops the export and is returned.
 */
int search_export(struct svc *s, const struct principal *who, bool published,
                  int (*fn)(void *ctx, const struct event *e), void *ctx);

#endif
