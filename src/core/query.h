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

/*
 * Sets of ids and of strings, handed to the store as they are (the backend
 * renders them as it likes).  One convention for every set in the store's
 * contract:
 * - v == NULL: the set is absent.  For a restriction (struct query's
 *   attribute_ids, struct sighting_query's lists) that means "any": no
 *   restriction.  A zeroed struct is absent.
 * - v != NULL: exactly the n values v holds; n == 0 is the empty set, and a
 *   restriction by it matches nothing (id_set_none, str_set_none).
 * A set that grants (struct acl_filter.sharing_groups) is never "any": only
 * its n values count, so an absent one grants nothing.
 */
struct id_set {
    const int64_t *v;
    size_t n;
};

struct str_set {
    const char *const *v;
    size_t n;
};

/* The empty set (present, no values): a restriction by it matches nothing. */
static inline struct id_set id_set_none(void)
{
    static const int64_t none[1];
    return (struct id_set){none, 0};
}

static inline struct str_set str_set_none(void)
{
    static const char *const none[1];
    return (struct str_set){none, 0};
}

/* Tri-state for boolean filters. */
enum tri { TRI_ANY = -1, TRI_NO = 0, TRI_YES = 1 };

/* Visibility restriction computed by acl (see acl.h); the store renders it. */
struct acl_filter {
    bool everything;       /* site admin: no restriction */
    int64_t org_id;        /* the reader's organisation */
    bool unpublished_private; /* other orgs see only published events */
    /* Sharing groups the reader may see (a granting set: absent or empty,
     * none). */
    struct id_set sharing_groups;
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
    /* ids narrowing the search, absent (v NULL) for any: attribute ids come
     * from the indicator index (a value look-up), event ids from correlation;
     * the empty set matches nothing */
    struct id_set attribute_ids;
    struct id_set event_ids;
    bool without_counts;    /* events' attribute_count not needed (left 0) */
    int64_t limit;          /* 0: no limit */
    int64_t page;           /* 1-based */
    /* keyset paging: only rows (attributes, or events for an event search)
     * with an id above this one; 0 = from the start */
    int64_t after_id;
    struct acl_filter acl;
};

#endif
