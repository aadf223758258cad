/*
 * sync_link.h - one run's view of a sync link, shared by the engine's files
 * (core/sync.c, sync_writer.c, sync_sightings.c); not for other modules,
 * which go through core/sync.h.
 */
#ifndef LIAISON_SYNC_LINK_H
#define LIAISON_SYNC_LINK_H

#include "core/acl.h"
#include "core/model.h"
#include "util/arena.h"

#include <stdbool.h>
#include <stddef.h>

struct sync_link {
    struct arena *a; /* the run's */
    struct server *sv;
    struct sync_state *state; /* the checkpoint: read at the start, saved at the end */
    /* acting through the link: its organisation here, which owns what is
     * pulled (MISP's Event::_add with the server's org_id) */
    struct principal actor;
    /* the peer itself, as its sync user here would act: the remote
     * organisation, no site admin; what it sends onto data here other than
     * the copies it sent us, such as sightings, is checked as this */
    struct principal peer;
    const char *self_url; /* this node's base URL (sharing groups' server lists) */
};

/* The uuids of the events this link delivered here (the synced copies that
 * came from it), sorted, in l->a. */
struct sync_uuids {
    struct arena *a;
    char (*v)[UUID_STR_LEN + 1];
    size_t n, cap;
};
struct store;
int sync_link_delivered(struct store *s, const struct sync_link *l, struct sync_uuids *out);
bool sync_uuids_has(const struct sync_uuids *u, const char *uuid);

/* How many attributes e holds, in objects too. */
size_t sync_event_attrs(const struct event *e);

#endif
