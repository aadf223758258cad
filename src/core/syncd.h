/*
 * syncd.h - the background sync worker of a running server: pulls from each
 * pull link on its schedule (the link's pull_interval) and pushes to each
 * push link soon after something changes here (a publication), so that
 * published events reach peers within seconds.  Runs never overlap per link
 * and direction (core/sync.h), so on-demand runs and the worker coexist.
 */
#ifndef LIAISON_SYNCD_H
#define LIAISON_SYNCD_H

struct store;
struct indexer;
struct sync_worker;

/* Starts the worker thread; self_uuid is this node's (copied); self_url its
 * base URL (kept as a pointer: it must outlive the worker).  ix, when
 * not NULL, is refreshed after a pull brought something. */
int sync_worker_start(struct store *s, struct indexer *ix, const char *self_uuid,
                      const char *self_url, struct sync_worker **out);
/* Stops it, waiting for a run in progress to end. */
void sync_worker_stop(struct sync_worker *w);

#endif
