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

#include "codec/lookup_answer.h"
#include "core/model.h"
#include "core/query.h"
#include "core/svc.h"
#include "util/str.h"

#include <stddef.h>

struct arena;

/* Values per batch the callers use (bounds the memory of one batch). */
#define LOOKUP_BATCH 4096

/* ---- helpers shared with core/correlation.c ---- */

/* Sorts ids in place, moves their distinct values to the front and returns
 * those as a present set (for struct query's attribute_ids / event_ids; n 0:
 * the empty set, which matches nothing). */
struct id_set lookup_id_set(int64_t *ids, size_t n);

/* Events loaded by id through acl, ordered by id (org, orgc and tags, no children). */
struct lookup_events {
    struct event **v;
    size_t n, cap;
};
struct store_conn;
int lookup_events_load(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                       int64_t *ids, size_t n, struct lookup_events *out);
const struct event *lookup_event_find(const struct lookup_events *es, int64_t id);

/*
 * A look-up session (the look-up service): one request or one CLI run, for
 * one reader, on s's index (s->indexer, which must be set) and store.  It
 * keeps the attributes and events it has resolved (up to 256 MiB, then it
 * starts over), so that a value asked again, or another value held by the
 * same attributes, costs no further storage read.  Each lookup_values call
 * reads in its own read transaction.  acl (the reader's filter, from acl.c)
 * is copied; s must outlive the session.
 */
struct lookup_session;
struct lookup_session *lookup_session_new(struct svc *s, const struct acl_filter *acl);
/* Whether the store can be read now (a read transaction opened and closed):
 * a streamed answer checks it before it commits to a status. */
int lookup_ready(struct svc *s);
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

#endif
