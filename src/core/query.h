/*
 * query.h - a search request in domain terms (restSearch, events/index).
 *
 * Built by the HTTP layer from MISP's restSearch parameters, narrowed by acl,
 * and rendered to SQL by the store.  Plain data; everything lives in the
 * request arena.
 */
#ifndef LIAISON_QUERY_H
#define LIAISON_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A MISP filter value: scalar or list (OR), or {"OR":[…],"AND":[…],"NOT":[…]};
 * "!x" in a plain list is a NOT.  Strings may hold '%' wildcards where the
 * field allows them (value, info, tags, org names). */
struct filter {
    const char **any; /* OR */
    size_t n_any;
    const char **all; /* AND */
    size_t n_all;
    const char **none; /* NOT */
    size_t n_none;
};

static inline bool filter_empty(const struct filter *f)
{
    return f->n_any == 0 && f->n_all == 0 && f->n_none == 0;
}

/* Tri-state for boolean filters. */
enum tri { TRI_ANY = -1, TRI_NO = 0, TRI_YES = 1 };

/* Visibility restriction computed by acl (see acl.h); the store renders it. */
struct acl_filter {
    bool everything;       /* site admin: no restriction */
    int64_t org_id;        /* the reader's organisation */
    bool unpublished_private; /* other orgs see only published events */
    /* Sharing groups the reader may see, as a JSON array of ids ("[3,7]"), so
     * that cached SQL can test membership with json_each(); "[]" if none. */
    const char *sharing_groups;
    /* soft-deleted children of other organisations' events are shown on request
     * only to site admins and sync users (MISP); owners always see their own */
    bool see_deleted;
    /* a peer's sync user: sightings travel between nodes like the attributes
     * they are on (acl_sighting_visible) */
    bool sync_peer;
};

struct query {
    struct filter value;
    struct filter type;
    struct filter category;
    struct filter tags;
    struct filter event_id; /* ids or uuids of events */
    struct filter uuid;     /* attribute or event uuid */
    struct filter org;      /* org ids, uuids or names (creator org) */
    struct filter info;     /* event info, '%' wildcards */
    const char *date_from;  /* event date >= YYYY-MM-DD */
    const char *date_to;
    int64_t timestamp_min, timestamp_max; /* 0 = open */
    int64_t publish_timestamp_min, publish_timestamp_max;
    int64_t published_since;      /* `last`: event published at or after */
    int64_t event_timestamp_min, event_timestamp_max; /* the event's own timestamp */
    bool match_nothing;     /* an invalid relative time was given */
    enum tri to_ids;
    enum tri published;
    int deleted;            /* 0 live only, 1 deleted only, 2 both */
    /* JSON arrays of ids ("[4,9]") narrowing the search, or NULL: attribute ids
     * come from the indicator index (a value look-up), event ids from
     * correlation; "[]" matches nothing */
    const char *attribute_ids;
    const char *event_ids;
    bool without_counts;    /* events' attribute_count not needed (left 0) */
    int64_t limit;          /* 0: no limit */
    int64_t page;           /* 1-based */
    /* keyset paging: only rows (attributes, or events for an event search)
     * with an id above this one; 0 = from the start */
    int64_t after_id;
    struct acl_filter acl;
};

#endif
