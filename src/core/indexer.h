/*
 * indexer.h - keeps the indicator index (core/index.h) current with the store.
 *
 * Built from the store at start-up (every live attribute), then brought up to
 * date by reading the store's "changes since N" feed: after each write the
 * server commits (read-your-writes) and from a watcher thread, so that writes
 * from other processes (liaison import) and other nodes appear too - every
 * second on SQLite, and on PostgreSQL as soon as another node's commit is
 * notified (store_wait_change), at the latest every second.  Changes are
 * applied in chunks under a write lock; readers take the read lock only for
 * the look-up itself, never across storage I/O.  The lock prefers writers, so
 * a stream of readers cannot starve an update.
 */
#ifndef LIAISON_INDEXER_H
#define LIAISON_INDEXER_H

#include "core/index.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct indexer;

struct indexer_stats {
    size_t values;     /* distinct indexed keys */
    size_t attributes; /* attributes held */
    size_t bytes;      /* memory of the index */
    int64_t seq;       /* change sequence the index reflects */
    double build_seconds;
};

/* Builds the index from every live attribute of s.  Returns 0 or an error. */
int indexer_open(struct store *s, struct indexer **out, struct diag *d);
/* Stops the watcher (if started) and frees everything. */
void indexer_close(struct indexer *x);

/* Applies the changes committed since the index's sequence.  Cheap when there
 * are none (one small read).  Safe from any thread. */
int indexer_refresh(struct indexer *x);

/* Starts a thread that calls indexer_refresh every interval_ms. */
int indexer_watch(struct indexer *x, unsigned interval_ms);

void indexer_stats(struct indexer *x, struct indexer_stats *out);

/* Read access: the index is valid between these two calls; hold it for the
 * look-up only (copy what you need), never across storage I/O. */
const struct index *indexer_read_begin(struct indexer *x);
void indexer_read_end(struct indexer *x);

#endif
