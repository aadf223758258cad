/*
 * index.h - the in-memory indicator index: "have we seen this?" at memory speed.
 *
 * Holds normalised values, each pointing to its owners through postings.  A
 * posting names the kind of its owner and the owner's ids: an attribute (its id
 * and its event's id) - the index's main use, and what index_add, index_lookup,
 * index_lookup_batch and index_correlate deal in - or, through index_put and
 * index_lookup_owners, another holder of networks and domains such as an
 * organisation of the directory (the entry's id and the organisation's id).
 * The attribute functions never report other owners.  Three kinds of match:
 *   INDEX_EXACT      the value itself (hashes, domains, URLs, e-mail, ... any type);
 *                    a /32 or /128 network is its address and matches exactly;
 *   INDEX_NETWORK    an IP address inside a stored network (ip-src/ip-dst with a
 *                    CIDR prefix; every covering prefix, longest first, IPv4 and IPv6);
 *   INDEX_SUBDOMAIN  a host name below a stored domain or host name ("www.evil.example"
 *                    hits "evil.example"; the nearest parent first).
 * Composite values ("ip-dst|port", "filename|sha256", "domain|ip": a type with '|')
 * are indexed under the whole value and under each part (split at the first '|').
 * Values are expected in the type table's canonical form (types_canonicalise); a
 * network is keyed by its masked prefix ("10.1.2.3/8" is held as "10.0.0.0/8").
 * Look-ups normalise their query the same way: trimmed; IP addresses and networks
 * in inet_ntop form; URLs with scheme and host lower-cased (the path keeps its
 * case); anything else lower-cased.
 *
 * Ids: attribute ids 1..UINT32_MAX and event ids 0..INDEX_EVENT_MAX are held in
 * 32 bits each; index_add refuses others.  Keys longer than INDEX_KEY_MAX bytes are
 * not indexed (the attribute is still remembered, so it can be removed).
 *
 * Not thread-safe by itself: the owner serialises writers against readers
 * (a read-mostly rwlock in the service that owns it).  Look-ups neither allocate
 * nor write, so readers may run concurrently.  Process lifetime:
 * index_new/index_free; nothing in it points into a request arena.
 */
#ifndef LIAISON_INDEX_H
#define LIAISON_INDEX_H

#include "util/err.h"
#include "util/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum index_match { INDEX_EXACT, INDEX_NETWORK, INDEX_SUBDOMAIN };

/* What a posting belongs to; index_lookup_owners takes a set of them as bits
 * (1u << kind). */
enum index_owner_kind {
    INDEX_OWNER_ATTRIBUTE,   /* id: the attribute; group: its event */
    INDEX_OWNER_ORG_NETWORK, /* a directory organisation's network; group: the organisation */
    INDEX_OWNER_ORG_DOMAIN,  /* a directory organisation's domain; group: the organisation */
    INDEX_OWNER_KINDS
};

struct index_owner {
    enum index_owner_kind kind;
    int64_t id;    /* attributes: 1..UINT32_MAX; other kinds: any */
    int64_t group; /* attributes: the event, 0..INDEX_EVENT_MAX; other kinds: any */
};

/* Flag for index_add: the attribute or its event has disable_correlation. */
enum { INDEX_NO_CORRELATE = 1 };

#define INDEX_EVENT_MAX 0x3fffffffu /* event ids are held in 30 bits */
#define INDEX_KEY_MAX 4095u         /* longest key (value or part) indexed, in bytes */

struct index_hit {
    union {
        int64_t attribute_id;
        int64_t owner_id; /* the same, for any owner kind */
    };
    union {
        int64_t event_id;
        int64_t group_id;
    };
    enum index_match kind;
    struct str indexed; /* the stored key that matched: value, part or CIDR text
                         * (borrowed; valid until the next write to the index) */
    uint32_t postings;  /* how many owners of the kinds looked up (attributes for the
                         * attribute functions) are under this key */
    enum index_owner_kind owner; /* what owner_id and group_id name */
};

struct index;

/* Returns a new empty index, owned: free with index_free. */
struct index *index_new(void);
/* Frees ix and everything in it; accepts NULL. */
void index_free(struct index *ix);

/*
 * Lowers the index's capacity (tests): key text up to pool_bytes (rounded down
 * to the pool's 2 MiB chunks, at least one; at most the default, 2 GiB, about
 * 50 M keys) and postings up to postings entries (default UINT32_MAX).
 */
void index_set_capacity(struct index *ix, size_t pool_bytes, size_t postings);

/* Pre-sizes the tables for n_values attributes (a bulk build, e.g. at start-up). */
void index_reserve(struct index *ix, size_t n_values);

/*
 * Adds the attribute under its value and each composite part (type and value are
 * borrowed, copied in as needed) and remembers it (id -> its keys) so that
 * index_remove can take it out by id.  An id already present is first removed,
 * so an edit is just index_add again.  flags: INDEX_NO_CORRELATE or 0.  Returns 0;
 * ERR_INVAL, changing nothing, if attribute_id is outside 1..UINT32_MAX or
 * event_id outside 0..INDEX_EVENT_MAX; ERR_TOOBIG if the key pool or the
 * postings are at capacity (index_set_capacity): the attribute is then not held
 * (an earlier version of it is removed) and everything else stays as it was, so
 * the owner can log it and go on serving.
 */
int index_add(struct index *ix, const char *type, const char *value, int64_t attribute_id,
              int64_t event_id, unsigned flags);
/* Removes everything index_add added for this attribute; unknown ids are ignored. */
void index_remove(struct index *ix, int64_t attribute_id);
/* Whether the attribute is held. */
bool index_contains(const struct index *ix, int64_t attribute_id);

/*
 * The same for any owner: index_put adds the value (type as for index_add:
 * "domain" and "hostname" values match subdomain queries, "ip-src" values with
 * a prefix match the addresses inside) under o, replacing what o had; for an
 * attribute it is index_add.  Other owners never correlate and cost one record
 * (about 32 bytes) besides their postings.  Returns 0, ERR_INVAL for an
 * attribute's ids out of range or an unknown kind, ERR_TOOBIG as index_add.
 * index_drop removes what index_put added; index_holds says whether o is held.
 */
int index_put(struct index *ix, const struct index_owner *o, const char *type, const char *value,
              unsigned flags);
void index_drop(struct index *ix, enum index_owner_kind kind, int64_t id);
bool index_holds(const struct index *ix, enum index_owner_kind kind, int64_t id);

/*
 * Calls fn for every attribute matching the observable q (an IP address, a
 * host name, a hash, a URL, ...): exact hits first, then covering networks
 * (longest first) or parent domains (nearest first).  fn returns non-zero to
 * stop.  Returns the number of hits reported.  q is borrowed.
 */
size_t index_lookup(const struct index *ix, struct str q,
                    int (*fn)(void *ctx, const struct index_hit *hit), void *ctx);
/* Exact matches only (no network, no subdomain), e.g. for restSearch by value. */
size_t index_lookup_exact(const struct index *ix, struct str q,
                          int (*fn)(void *ctx, const struct index_hit *hit), void *ctx);
/*
 * index_lookup of qs[0..n) with memory prefetching across queries: the same hits
 * in the same order as n single look-ups; fn also gets the query's position.
 * fn returning non-zero stops the whole batch.  Returns the hits reported.
 */
size_t index_lookup_batch(const struct index *ix, const struct str *qs, size_t n,
                          int (*fn)(void *ctx, size_t qi, const struct index_hit *hit),
                          void *ctx);

/*
 * index_lookup (or, if exact_only, index_lookup_exact) reporting the owners of
 * the kinds in the set kinds (bits 1u << INDEX_OWNER_*), each hit naming its
 * owner's kind.  Returns the number of hits reported.
 */
size_t index_lookup_owners(const struct index *ix, struct str q, unsigned kinds, bool exact_only,
                           int (*fn)(void *ctx, const struct index_hit *hit), void *ctx);

/*
 * Correlation: for each exact key of attribute_id (its value and composite
 * parts), reports every OTHER attribute under that key that lives in a DIFFERENT
 * event and is not flagged INDEX_NO_CORRELATE (nothing at all if attribute_id is
 * itself flagged or unknown).  If a key's postings (all of them) span more than
 * max_events distinct events, reports instead one hit for that key with
 * attribute_id = 0, event_id = 0, indexed = the key, postings = its count.  An
 * attribute matching on several keys is reported once per key.  Returns the hits.
 */
size_t index_correlate(const struct index *ix, int64_t attribute_id, size_t max_events,
                       int (*fn)(void *ctx, const struct index_hit *hit), void *ctx);

/* Distinct keys with at least one attribute. */
size_t index_count(const struct index *ix);
/* Attributes held. */
size_t index_attributes(const struct index *ix);
/* Owners other than attributes held. */
size_t index_owners(const struct index *ix);
/* Bytes of memory held: tables, key pool, postings, attribute map, network structures. */
size_t index_bytes(const struct index *ix);

#endif
