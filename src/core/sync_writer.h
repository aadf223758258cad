/*
 * sync_writer.h - where a pull's events land: batches written by a thread of
 * their own while the fetching goes on, one write transaction per batch, so
 * that each event lands whole or not at all and a run killed at any point
 * resumes with the next one.  Part of the engine (core/sync.c).
 *
 * Not here: fetching (core/sync_client.c), rewriting (acl_sync_rewrite_pulled,
 * done before an event is added), the rules of saving one (event_receive).
 */
#ifndef LIAISON_SYNC_WRITER_H
#define LIAISON_SYNC_WRITER_H

#include "codec/sync_report.h"
#include "core/sync_link.h"

#include <stdbool.h>
#include <stdint.h>

struct sync_writer;
struct store;

/* Starts the writer of link l's pull into s; exact: the sender is a Liaison
 * peer (event_receive's exact).  ERR_IO when no thread could start. */
int sync_writer_start(struct store *s, const struct sync_link *l, bool exact,
                      struct sync_writer **out);

/* Adds event e, its arena ea now the writer's; a full batch goes to the
 * writer's thread (waiting while it has one).  Returns the writer's fatal
 * error, if any: then the pull stops. */
int sync_writer_add(struct sync_writer *w, struct arena *ea, struct event *e);

/* Hands over the last batch when flush, waits for the thread and frees w.
 * The writer's counts (created, updated, unchanged, failed, attributes, and
 * its first error) are added to r; *newest is the newest event timestamp
 * saved (0: none).  Returns the writer's first fatal error, or 0. */
int sync_writer_finish(struct sync_writer *w, bool flush, struct sync_report *r, int64_t *newest);

#endif
