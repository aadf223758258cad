/*
 * sync_sightings.h - the sightings half of a sync run: after a pull's events,
 * the sightings of the events whose sighting_timestamp moved, saved where the
 * peer may reach; after a push's events, each changed event's sightings the
 * peer lacks.  Part of the engine (core/sync.c runs it); the requests are
 * core/sync_client.c's, the saving core/sighting.c's.
 */
#ifndef LIAISON_SYNC_SIGHTINGS_H
#define LIAISON_SYNC_SIGHTINGS_H

#include "codec/misp_sync.h"
#include "codec/sync_report.h"
#include "core/sync_client.h"
#include "core/sync_link.h"

#include <stddef.h>
#include <stdint.h>

/* The events of a pull's index whose sightings moved since the checkpoint. */
struct sync_sighted {
    char (*uuids)[UUID_STR_LEN + 1];
    size_t n;
    int64_t newest; /* the newest sighting_timestamp among them (the next checkpoint) */
};

/* Notes them among v[0..n) (before the index is narrowed to the events to
 * fetch); out->newest starts at the checkpoint. */
void sync_sightings_note(const struct sync_link *l, const struct sync_offer *v, size_t n,
                         struct sync_sighted *out);

/* Pulls and saves their sightings.  A peer that has none to give (an old
 * MISP) counts one failure, not a failed run. */
int sync_sightings_pull(struct store *s, const struct sync_link *l, const struct sync_sighted *sd,
                        struct sync_report *r);

/* Pushes the sightings of the events whose sightings changed after change
 * `since` and that may go to the peer (ru: the link's push rules). */
int sync_sightings_push(struct store *s, const struct sync_link *l,
                        const struct misp_sync_rules *ru, int64_t since, struct sync_report *r);

#endif
