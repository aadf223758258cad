/*
 * peer.h - talking to a sync peer (a Liaison node or a MISP server) over its
 * MISP API, with the link's key, TLS settings and time-out.
 */
#ifndef LIAISON_PEER_H
#define LIAISON_PEER_H

#include "core/model.h"

#include <stdbool.h>
#include <stddef.h>

/* MISP's testConnection status codes (the ones that apply here). */
enum peer_status {
    PEER_OK = 1,
    PEER_UNREACHABLE = 2,
    PEER_UNEXPECTED = 3, /* an answer that is not a MISP getVersion */
    PEER_AUTH_FAILED = 4,
    PEER_NOT_SYNC_USER = 7,
    PEER_SELF = 8, /* the link points back at this node */
};

struct peer_version {
    char version[32];
    char uuid[64];
    bool perm_sync;
    bool perm_sighting;
    char message[256]; /* what went wrong, for status != PEER_OK */
};

/* Asks the peer's GET /servers/getVersion with the link's key and classifies
 * the answer; self_uuid is this node's, to recognise a link to itself. */
enum peer_status peer_test(const struct server *sv, const char *self_uuid,
                           struct peer_version *out);

/* MISP's message for a status ("OK", "Server unreachable", ...). */
const char *peer_status_name(enum peer_status s);

#endif
