/*
 * lookup.h - "have we seen this?" for many values at once: index hits
 * resolved to the attributes and events the reader may see.
 *
 * Used by POST /lookup and `liaison lookup`, a batch (a few thousand values)
 * at a time: one index pass under the read lock, then one store query for the
 * attributes (acl applied by the store) and one for their events.
 */
#ifndef LIAISON_LOOKUP_H
#define LIAISON_LOOKUP_H

#include "core/index.h"
#include "core/indexer.h"
#include "core/model.h"
#include "core/query.h"
#include "util/str.h"

#include <stddef.h>

struct store;
struct arena;

struct lookup_match {
    enum index_match kind;
    const char *indexed;           /* the stored value (or network) that matched */
    const struct attribute *attr;  /* with its tags */
    const struct event *event;     /* uuid, info, org, tags; no children */
};

/* Values per batch the callers use (bounds the memory of one batch). */
#define LOOKUP_BATCH 4096

/* ---- helpers shared with core/correlation.c ---- */

/* Sorts ids in place and returns their distinct values as a JSON array in a
 * (for struct query's attribute_ids / event_ids); NULL if too large. */
const char *lookup_id_list(struct arena *a, int64_t *ids, size_t n);

/* Events loaded by id through acl, ordered by id (org, orgc and tags, no children). */
struct lookup_events {
    struct event **v;
    size_t n, cap;
};
struct store_conn;
int lookup_events_load(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                       int64_t *ids, size_t n, struct lookup_events *out);
const struct event *lookup_event_find(const struct lookup_events *es, int64_t id);

/* Match kind as text: "exact", "network", "subdomain". */
const char *lookup_kind_name(enum index_match k);

/*
 * A look-up session: one request or one CLI run, for one reader.  It keeps the
 * attributes and events it has resolved (up to 256 MiB, then it starts over),
 * so that a value asked again, or another value held by the same attributes,
 * costs no further storage read.  acl is copied.
 */
struct lookup_session;
struct lookup_session *lookup_session_new(struct indexer *x, struct store *s,
                                          const struct acl_filter *acl);
void lookup_session_free(struct lookup_session *ss);

/*
 * Looks up values[0..n) and calls fn, in input order, for each value with at
 * least one match the session's reader may see (each attribute once per
 * value).  Batch data lives in a; the matches' attributes and events belong to
 * the session and stay valid until the next call.  Returns 0, fn's non-zero
 * value, or a storage error.
 */
int lookup_values(struct lookup_session *ss, struct arena *a, const struct str *values, size_t n,
                  int (*fn)(void *ctx, size_t qi, const struct lookup_match *m, size_t n_m),
                  void *ctx);

/*
 * Writes one value's result as a JSON object:
 *   {"value", "line", "matches": [{"kind", "indexed", "attribute_id",
 *    "attribute_uuid", "type", "category", "value", "to_ids", "event_id",
 *    "event_uuid", "event_info", "org", "tags": [names]}]}
 * (POST /lookup and `liaison lookup --json` share it).
 */
struct json_writer;
void lookup_write_result(struct json_writer *w, struct str value, size_t line,
                         const struct lookup_match *m, size_t n_m);

/*
 * Writes one value's matches as tab-separated lines, one per match:
 *   LINE VALUE KIND INDEXED TYPE EVENT_UUID EVENT_INFO TAGS(comma-separated)
 * (tabs and newlines inside fields become spaces).
 */
struct buf;
void lookup_write_tsv(struct buf *b, struct str value, size_t line, const struct lookup_match *m,
                      size_t n_m);

#endif
