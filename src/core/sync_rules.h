/*
 * sync_rules.h - what may leave for a peer or land here in a sync, beyond the
 * distribution levels (those are acl.c's: acl_sync_trim, acl_sync_rewrite_*):
 * a link's push rules (tags, organisations), the sharing groups an item may
 * travel in, and the sharing groups that arrive with an event, kept here
 * only where the receiving organisation is a member.
 *
 * Not here: the protocol (core/sync_client.c), the run (core/sync.c).  The
 * sharing group functions run in the caller's store transaction.
 */
#ifndef LIAISON_SYNC_RULES_H
#define LIAISON_SYNC_RULES_H

#include "codec/misp_sync.h" /* struct misp_sync_rules */
#include "core/model.h"
#include "util/arena.h"
#include "util/err.h"

#include <stdbool.h>

/* MISP's push rules: e needs one of the OR tags (if any) and none of the NOT
 * tags; its creator organisation (by name, uuid or id) likewise. */
bool sync_rules_pass(const struct misp_sync_rules *ru, const struct event *e);

/* Push: removes from e what is in a sharing group the link's peer may not
 * receive (the organisation running it is no member and the group does not
 * list the link); false when that is the event itself.  e's groups are
 * loaded (sync_attach_sharing_groups). */
bool sync_rules_admit_groups(struct event *e, const struct server *sv);

/*
 * Sharing groups arriving with an event (pull or push): a group is kept, found
 * by uuid or created with its member organisations and the servers this node
 * can name, only if the receiving organisation (rcv->member, the one the event
 * will belong to here) is in it - listed, or all organisations of a server
 * whose URL is this node's (MISP's rule).  For a group known here, membership
 * is the group's as kept here (acl_sharing_group_has_member), never what the
 * sender claims.  An item in a group that is not kept is dropped; *keep is
 * false when that is the event.  Distribution-4 items then carry the local
 * group id.
 */
struct sync_receiver {
    const struct org *member; /* the organisation that will own the copy */
    const char *self_url;     /* this node's base URL, or NULL */
};
struct store_conn;
int sync_capture_sharing_groups(struct store_conn *c, struct arena *a,
                                const struct sync_receiver *rcv, struct event *e, bool *keep,
                                struct diag *d);

/* Loads the sharing groups of e's distribution-4 items into their
 * sharing_group members, with their servers' URLs (self_url for this node),
 * so that they are sent with it. */
int sync_attach_sharing_groups(struct store_conn *c, struct arena *a, const char *self_url,
                               struct event *e);

#endif
