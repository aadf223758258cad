/*
 * links.h - the sync links service: the only code that adds, changes, lists,
 * deletes or tests a link to a peer server (a Liaison node or a MISP server)
 * and starts a pull or push on demand.  The API (servers/add|edit|delete|
 * index|testConnection|pull|push) and the command line (`liaison peer`,
 * `liaison sync`) call these, so the link rules exist once.
 *
 * Every function opens and ends its own transaction and asks acl.c
 * (acl_can_manage_links: site administrators and the command line), refusing
 * with ERR_FORBIDDEN.  Results live in the caller's arena.
 *
 * The rules of a link: URL http:// or https:// (a trailing '/' dropped, at
 * most one link per URL), name (default: the URL), the 40-character key of a
 * sync user on the peer (sent there, so kept as given), the organisation
 * running the peer (an organisation record here, created not local when
 * named by uuid and unknown), time-out 1 s to 1 h, pull interval 0 (on demand
 * only) or 60 s to 7 days, a readable cert_file.  The link belongs to the
 * caller's organisation (the host organisation on the command line).
 */
#ifndef LIAISON_LINKS_H
#define LIAISON_LINKS_H

#include "codec/misp_server.h" /* struct link_change */
#include "core/acl.h"
#include "core/peer.h"
#include "core/svc.h"
#include "core/sync.h"
#include "util/arena.h"
#include "util/err.h"

#define LINK_TIMEOUT_DEFAULT 60
#define LINK_PULL_INTERVAL_DEFAULT 600

/* A link with what its answers show. */
struct link {
    struct server sv;
    struct org *org;    /* the owner here; NULL if gone */
    struct org *remote; /* who runs the peer; NULL if gone */
    struct sync_state *pull, *push;
};

/* Every link, in id order. */
int links_list(struct svc *s, const struct principal *who, struct arena *a, struct link **out,
               size_t *n);

/* Adds a link from in over the defaults (LINK_*_DEFAULT); errors name the
 * field (ERR_INVAL, ERR_CONFLICT: "url" taken, "RemoteOrg.name" taken;
 * ERR_NOTFOUND: "remote_org" unknown, "org_id" no host organisation). */
int links_add(struct svc *s, const struct principal *who, struct arena *a,
              const struct link_change *in, struct link **out, struct diag *d);

/* Changes link id by what in gives, under the same rules; ERR_NOTFOUND with
 * no field when there is no such link. */
int links_edit(struct svc *s, const struct principal *who, struct arena *a, int64_t id,
               const struct link_change *in, struct link **out, struct diag *d);

/* Deletes link id (its sync state and the origins it recorded go with it). */
int links_delete(struct svc *s, const struct principal *who, int64_t id);

/* The id of the link named ref: its id, name or URL (a trailing '/'
 * ignored); ERR_NOTFOUND if none. */
int links_find(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
               int64_t *id);

/* MISP's testConnection: asks the peer's getVersion with the link's key (the
 * store is not held meanwhile); *st and *v say how it went.  Returns 0 once
 * the peer was asked, whatever it answered. */
int links_test(struct svc *s, const struct principal *who, int64_t id, enum peer_status *st,
               struct peer_version *v);

/*
 * One pull from or push to link id now (sync_pull, sync_push), o->self_uuid
 * defaulting to this node's; a pull refreshes the index (s->indexer) after.
 * Returns what the run returned, with *r; when the caller may not, or the
 * node's uuid cannot be read, the run does not start and d says why (d->msg
 * is "" for whatever the run itself returned).
 */
int links_sync(struct svc *s, const struct principal *who, int64_t id, bool push,
               const struct sync_opts *o, struct sync_report *r, struct diag *d);

#endif
