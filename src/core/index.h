/*
 * index.h - the in-memory indicator index: "have we seen this?" at memory speed.
 *
 * Holds normalised attribute values, each pointing to its attributes
 * (attribute id, event id).  Three kinds of match:
 *   INDEX_EXACT      the value itself (hashes, domains, URLs, e-mail, ... any type);
 *   INDEX_NETWORK    an IP address inside a stored network (ip-src/ip-dst with a
 *                    CIDR prefix; every covering prefix, IPv4 and IPv6);
 *   INDEX_SUBDOMAIN  a host name below a stored domain ("www.evil.example" hits
 *                    "evil.example").
 * Composite values ("ip-dst|port", "filename|sha256", "domain|ip") are indexed
 * under each part.  Values are expected in the type table's canonical form
 * (types_canonicalise); look-ups normalise their query the same way for the
 * kinds above (lower-case, canonical IP text).
 *
 * Not thread-safe by itself: the owner serialises writers against readers
 * (a read-mostly rwlock in the service that owns it).  Process lifetime:
 * index_new/index_free; nothing in it points into a request arena.
 */
#ifndef LIAISON_INDEX_H
#define LIAISON_INDEX_H

#include "util/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum index_match { INDEX_EXACT, INDEX_NETWORK, INDEX_SUBDOMAIN };

struct index_hit {
    int64_t attribute_id;
    int64_t event_id;
    enum index_match kind;
    struct str indexed; /* the stored value that matched (borrowed; empty for networks) */
};

struct index;

/* Returns a new empty index, owned: free with index_free. */
struct index *index_new(void);
void index_free(struct index *ix);

/* Adds one attribute under its value (and under each part of a composite). */
void index_add(struct index *ix, const char *type, const char *value, int64_t attribute_id,
               int64_t event_id);
/* Removes what index_add added for this attribute; absent entries are ignored. */
void index_remove(struct index *ix, const char *type, const char *value, int64_t attribute_id);

/*
 * Calls fn for every attribute matching the observable q (an IP address, a
 * host name, a hash, a URL, ...).  fn returns non-zero to stop.  Returns the
 * number of hits reported.
 */
size_t index_lookup(const struct index *ix, struct str q,
                    int (*fn)(void *ctx, const struct index_hit *hit), void *ctx);

/* Number of distinct indexed values, and bytes of memory held. */
size_t index_count(const struct index *ix);
size_t index_bytes(const struct index *ix);

#endif
