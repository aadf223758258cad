/*
 * sync_client.h - MISP's sync protocol as a client: each request a pull or a
 * push makes to a peer, sent through core/peer.c (libcurl), its body written
 * and its answer read by codec/misp_sync.c into model structs.  Failures are
 * counted and reported in the run's struct sync_report, under the name of
 * the request ("events/index: the peer answered HTTP 500").
 *
 * Not here: the store, checkpoints, batching (core/sync.c), what may leave or
 * land (core/sync_rules.c, core/acl.c).  Nothing here keeps state between
 * calls.
 */
#ifndef LIAISON_SYNC_CLIENT_H
#define LIAISON_SYNC_CLIENT_H

#include "codec/misp_sync.h"
#include "codec/sync_report.h"
#include "core/model.h"
#include "util/arena.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An index answer lists every shared event in a few hundred bytes each. */
#define SYNC_INDEX_MAX ((size_t)1 << 30)
/* One event as the peer serves it: some 250 k attributes; with the parallel
 * fetches it bounds what a misbehaving peer can make this node hold. */
#define SYNC_EVENT_MAX ((size_t)128 << 20)

/* Logs a run's error and keeps the first in r->error. */
void sync_report_error(struct sync_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* GET servers/getVersion: ERR_IO (reported) unless the peer answers as a
 * MISP server whose user here is a sync user (a pull also goes on with a
 * user that is not); sets r->liaison_peer. */
int sync_client_hello(const struct server *sv, const char *self_uuid, bool push,
                      struct sync_report *r);

/* ---- pull ---- */

/* An event the peer offers; `wanted` is the caller's mark (true when read). */
struct sync_offer {
    char uuid[UUID_STR_LEN + 1];
    int64_t timestamp;
    int64_t sighting_timestamp;
    bool wanted;
};

struct sync_index {
    struct sync_offer *v; /* in the arena given */
    size_t n;
    char etag[80]; /* the answer's ETag, "" if none */
};

/* POST events/index {minimal, published, sv's pull rules} with If-None-Match
 * etag (NULL: none).  304: r->not_modified and no events.  Each event listed
 * counts in r->listed; one without a valid uuid and timestamp in r->failed. */
int sync_client_index(const struct server *sv, struct arena *a, const char *etag,
                      struct sync_index *out, struct sync_report *r);

/* An event read, with its own arena, which the callee now owns; non-zero
 * stops the fetching and is returned. */
typedef int (*sync_event_fn)(void *ctx, struct arena *ea, struct event *e);

/* GET events/view/UUID (deleted ones too, no galaxies or correlations) for
 * each of v[0..n), `parallel` at a time; an event that does not come, or
 * comes unreadable or under another uuid, counts in r->failed.  Paths in a. */
int sync_client_events(const struct server *sv, struct arena *a, const struct sync_offer *v,
                       size_t n, unsigned parallel, struct sync_report *r, sync_event_fn got,
                       void *ctx);

/* POST events/syncRevoked (Liaison peers) with uuids[0..n): those of them
 * the peer no longer shares, canonical, in a. */
int sync_client_revoked(const struct server *sv, struct arena *a, char (*uuids)[UUID_STR_LEN + 1],
                        size_t n, char (**out)[UUID_STR_LEN + 1], size_t *n_out,
                        struct sync_report *r);

/* POST sightings/restSearch/event for the events uuids[0..n) (deleted ones
 * too from a Liaison peer): the sightings read, each with its event's uuid,
 * in a; one that cannot be read counts in r->failed.  ERR_IO or ERR_INVAL
 * (reported) when the peer did not answer so. */
int sync_client_sightings(const struct server *sv, struct arena *a, char (*uuids)[UUID_STR_LEN + 1],
                          size_t n, struct sync_report *r, struct sighting **v,
                          const char ***event_of, size_t *n_out);

/* ---- push ---- */

/* An event ready to go. */
struct sync_outgoing {
    char uuid[UUID_STR_LEN + 1];
    int64_t timestamp;
    char *json; /* {"Event": ...}, malloc'ed: free() it */
    size_t len;
    size_t attrs;
};

/* Writes e for events/add|edit into o; ERR_TOOBIG over SYNC_EVENT_MAX. */
int sync_client_encode(const struct event *e, size_t attrs, struct sync_outgoing *o);

/* POST events/filterEventIdsForPush: wanted[i], whether the peer wants out[i]. */
int sync_client_offer(const struct server *sv, struct arena *a, const struct sync_outgoing *out,
                      size_t n, bool *wanted, struct sync_report *r);

/* For each wanted out[i]: HEAD events/view tells add from edit (MISP's push),
 * then POST events/add or events/edit, `parallel` requests in flight; counts
 * wanted, created, updated, unchanged ("not newer") and failed in r. */
int sync_client_send(const struct server *sv, struct arena *a, const struct sync_outgoing *out,
                     const bool *wanted, size_t n, unsigned parallel, struct sync_report *r);

/* POST events/syncRemove (Liaison peers): the copies of uuids[0..n) there are
 * removed; r->removed counts them.  Nothing is sent when n is 0. */
int sync_client_remove(const struct server *sv, struct arena *a, char (*uuids)[UUID_STR_LEN + 1],
                       size_t n, struct sync_report *r);

/* The sightings v[0..n) of event event_uuid that the peer lacks
 * (filterSightingUuidsForPush answers those it has), and to a Liaison peer the
 * deleted ones it has, through bulkSaveSightings; r->sightings counts them. */
int sync_client_push_sightings(const struct server *sv, struct arena *a, const char *event_uuid,
                               const struct sighting *v, size_t n, struct sync_report *r);

#endif
