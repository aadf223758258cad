/*
 * sync_serve.h - what a peer asks of this node while it syncs (the receiving
 * side): which pushed events this node wants (MISP's
 * events/filterEventIdsForPush) and, beyond MISP for Liaison peers, which of
 * its copies a peer may no longer keep (events/syncRevoked) and the removal
 * of the copies a peer pushed here (events/syncRemove).
 *
 * Every function opens and ends its own transaction and asks acl.c: only sync
 * users and site admins (acl_can_sync) ask these, else ERR_FORBIDDEN.  Event
 * uuids arrive canonical (lower case).
 */
#ifndef LIAISON_SYNC_SERVE_H
#define LIAISON_SYNC_SERVE_H

#include "core/acl.h"
#include "core/svc.h"
#include "util/arena.h"
#include "util/err.h"

/*
 * Of the offered events uuids[i] at timestamps[i], sets wanted[i] for those
 * this node takes: unknown here, or newer than the synced copy here.  A copy
 * created here (not a synced one) or deleted here is never replaced.  Each
 * offer is judged on its own, an event offered twice too.
 */
int sync_serve_wanted(struct svc *s, const struct principal *who, char (*uuids)[UUID_STR_LEN + 1],
                      const int64_t *timestamps, size_t n, bool *wanted);

/* Of the events uuids[0..n) (copies the caller took from here), sets
 * revoked[i] for those it may no longer see: deleted here, distribution
 * narrowed, or, for a peer's sync user, kept here by TLP (acl_sync_trim). */
int sync_serve_revoked(struct svc *s, const struct principal *who, struct arena *a,
                       char (*uuids)[UUID_STR_LEN + 1], size_t n, bool *revoked);

/* Removes the events uuids[0..n) that are copies the caller's organisation
 * pushed here (acl_can_peer_remove_event): the pusher deleted them, narrowed
 * them or its TLP keeps them.  Others are left alone; *removed counts. */
int sync_serve_remove(struct svc *s, const struct principal *who, struct arena *a,
                      char (*uuids)[UUID_STR_LEN + 1], size_t n, int64_t *removed);

#endif
