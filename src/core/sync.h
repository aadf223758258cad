/*
 * sync.h - pulling from and pushing to peers (Liaison nodes or MISP servers)
 * over MISP's sync protocol, with per-link checkpoints: the engine's entry
 * points.  See docs/federation.md.  The engine is sync.c (runs, checkpoints),
 * sync_writer.c (batches) and sync_sightings.c; the protocol is
 * sync_client.c; what may leave or land is sync_rules.c and acl.c (the
 * distribution rewriting, TLP).  Scheduling is sync_jobs.c's.
 *
 * A run talks to the peer without holding the store, and writes what it
 * received in batches: one write transaction per batch, one savepoint per
 * event, so that one bad event is reported and skipped while the rest lands.
 * Each event lands whole or not at all, and a received event only replaces a
 * strictly older synced copy, so a run killed at any point resumes with the
 * next one, without duplicates and without gaps.
 */
#ifndef LIAISON_SYNC_H
#define LIAISON_SYNC_H

#include "codec/sync_report.h" /* struct sync_report */
#include "core/model.h"
#include "core/sync_rules.h" /* sharing groups arriving with or leaving with an event */
#include "util/err.h"

#include <stdbool.h>
#include <stdint.h>

/* The sync extensions this node speaks beyond MISP, advertised in getVersion
 * as "liaison_sync" (1: removals and narrowed distributions propagate). */
#define LIAISON_SYNC_LEVEL 1

#define SYNC_PARALLEL_DEFAULT 8

struct sync_opts {
    bool full;             /* ignore the checkpoint: look at every event again */
    unsigned parallel;     /* events fetched at once; 0: SYNC_PARALLEL_DEFAULT */
    const char *self_uuid; /* this node's, to refuse a link to itself */
    const char *self_url;  /* this node's base URL, as peers know it (sharing
                            * groups name servers by URL); NULL or "": unknown */
};

struct store;

/* Pulls from link server_id into s.  Returns 0 when the run completed (some
 * events may still have failed: r->failed, r->error), or an error when the run
 * could not (the link, the peer, the store); the link's state records both. */
int sync_pull(struct store *s, int64_t server_id, const struct sync_opts *o, struct sync_report *r);

/* Pushes to link server_id what it may receive and lacks. */
int sync_push(struct store *s, int64_t server_id, const struct sync_opts *o, struct sync_report *r);

/* Both take the job's lease (core/jobs.h) first: ERR_CONFLICT, with r->error
 * saying so, while another run of the same link and direction holds it, in
 * this process or another on the same database.  The scheduler holds the
 * lease already and calls sync_run_leased. */
int sync_run_leased(struct store *s, int64_t server_id, bool push, const struct sync_opts *o,
                    struct sync_report *r);
/* The job name (and lease) of link server_id's pull or push. */
void sync_job_name(char *out, int64_t server_id, bool push);

#endif
