/*
 * acl.h - who may see and do what.  The one module every read and write asks.
 *
 * Reads: acl_filter() turns the caller into a struct acl_filter (query.h) that
 * the store renders into its queries, so lists and searches never fetch what the
 * caller may not see.  Rules (MISP's Event::createEventConditions and
 * MispAttribute::buildConditions): site admins see everything; otherwise an
 * event is visible if the caller's org owns it or its distribution is 1-3
 * (sharing groups: issue "Access control"); a child of a visible event is
 * visible if the caller's org owns the event or the child's distribution is
 * 1, 2, 3 or 5 (inherit), and an attribute inside an object also needs the
 * object to pass.
 *
 * Writes: acl_can_* answer for one object, from MISP's ACL rules.
 */
#ifndef LIAISON_ACL_H
#define LIAISON_ACL_H

#include "core/model.h"
#include "core/query.h"

#include <stdbool.h>

/* The authenticated caller of a request or CLI command. */
struct principal {
    struct user user;
    struct role role;
    struct org org;
    bool cli; /* local administrator on the command line: acts as site admin */
    /* Sharing groups the caller may see and use, as in struct acl_filter;
     * absent (v NULL): not loaded yet, none (see acl_principal_load). */
    struct id_set sharing_groups;
};

struct acl_policy {
    bool unpublished_private; /* other orgs see only published events */
};

/* The caller's read restriction without sharing groups (none visible). */
void acl_filter(const struct principal *p, const struct acl_policy *pol, struct acl_filter *out);

/*
 * The caller's full read restriction, with the sharing groups it may see (MISP
 * SharingGroup::authorizedIds: its org created the group, is a member of it, or
 * the group's entry for this node has all_orgs), read through a reader of s;
 * ids in a.  On a storage failure no sharing group is visible (fails closed)
 * and the error is returned.
 */
struct store;
struct arena;
int acl_filter_load(struct store *s, struct arena *a, const struct principal *p,
                    const struct acl_policy *pol, struct acl_filter *out);

/*
 * The system's own filter, for work no caller asked for and rules that must
 * find the stored row whoever may read it (a received event's copy here, a
 * link's purge, a peer's own sightings): no restriction; with_deleted also
 * returns tombstoned children.  Never the filter of an answer to a caller.
 */
void acl_filter_system(struct acl_filter *out, bool with_deleted);

/* May the reader of f see sharing group sg_id? */
bool acl_sharing_group_visible(const struct acl_filter *f, int64_t sg_id);
/* May the caller put data into sharing group sg_id (it must see it)?  Needs
 * p->sharing_groups loaded, except for site admins. */
bool acl_can_use_sharing_group(const struct principal *p, int64_t sg_id);

/* Is org_id a member of sharing group g as this node knows it (g with its
 * organisations and servers loaded): its creator, listed, or g lists this
 * node (server 0) with all organisations?  What a peer claims about a group
 * never decides this: a received item joins a group known here only when
 * the organisation that will own it is a member by this rule. */
bool acl_sharing_group_has_member(const struct sharing_group *g, int64_t org_id);

/* May the caller change sharing group g (name, members)?  Site admin; or
 * perm_sharing_group and its org created g or is a member with extend. */
bool acl_can_edit_sharing_group(const struct principal *p, const struct sharing_group *g);

bool acl_is_site_admin(const struct principal *p);
/* Org admin (perm_admin) of org_id, or site admin. */
bool acl_can_admin_org(const struct principal *p, int64_t org_id);
/*
 * Accounts.  No one may act on an account holding a permission they lack, nor
 * hand out such a permission: a non-site-admin may grant role r only if r is
 * not restricted to site admins and every permission of r is one of its own
 * (so an org admin can neither make a site admin nor a sync user unless it is
 * one); it may manage user u (edit, disable, delete, create or revoke keys)
 * only as org admin of u's organisation and only if it may grant u's role r.
 * Site admins may do both for everyone.
 */
bool acl_can_grant_role(const struct principal *p, const struct role *r);
bool acl_can_manage_user(const struct principal *p, const struct user *u, const struct role *r);
/* Create or revoke API keys of u (role r): its own with perm_auth (or as site
 * admin), another's as acl_can_manage_user. */
bool acl_can_manage_keys(const struct principal *p, const struct user *u, const struct role *r);
bool acl_can_add(const struct principal *p);
/* Modify an event (and its attributes, objects, tags): site admin; perm_modify_org and
 * creator org is the caller's; perm_modify and the caller created it. */
bool acl_can_modify_event(const struct principal *p, const struct event *e);
bool acl_can_publish_event(const struct principal *p, const struct event *e);
bool acl_can_tag_event(const struct principal *p, const struct event *e);

/*
 * TLP as a policy (beyond MISP): the widest onward sharing an item's TLP tags
 * allow.  TLP 1.0 and 2.0 names are both understood; with several TLP tags the
 * most restrictive wins; no TLP tag means no limit.
 *   tlp:red          named recipients only: distribution 0 or a sharing group (4)
 *   tlp:amber+strict the recipient's organisation only: 0
 *   tlp:amber        the organisation and its clients; on this node: 0
 *   tlp:green        the community: up to 2 (connected communities) or 4
 *   tlp:clear/white  no limit
 * Exports, feeds, TAXII and sync pushes must never go wider (later issues);
 * a write that asks for more is accepted and answered with a warning.
 */
enum tlp_level { TLP_NONE, TLP_CLEAR, TLP_GREEN, TLP_AMBER, TLP_AMBER_STRICT, TLP_RED };

/* The most restrictive TLP level among tags (TLP_NONE if none is a TLP tag). */
enum tlp_level acl_tlp_level(const struct tag_ref *tags, size_t n);
/* The more restrictive of two levels. */
enum tlp_level acl_tlp_stricter(enum tlp_level a, enum tlp_level b);
/* Does distribution dist stay within what level allows? */
bool acl_tlp_allows(enum tlp_level level, int dist);
/* "tlp:amber" etc., for messages. */
const char *acl_tlp_name(enum tlp_level level);

/*
 * Sync (beyond MISP): the part of e that may leave this node for a peer, by
 * TLP; local tags never leave.  Each item's distribution is narrowed to what its TLP allows (an
 * attribute's own TLP tags add to its event's); items then below `need` (1:
 * served to a pulling peer, which takes "this community" as "organisation
 * only"; 2: pushed) and not in a sharing group are removed.  Returns false when
 * the event itself may not leave.  So a TLP:RED event with distribution "all"
 * never leaves, and a TLP:GREEN one leaves as "connected communities".
 */
bool acl_sync_trim(struct event *e, int need);
/* The same rule for one attribute of e (e's tags and distribution; o its
 * object or NULL), read on its own (attributes/restSearch, attributes/view):
 * false when it may not leave; else its distribution is narrowed and its
 * local tags dropped. */
bool acl_sync_attribute_trim(const struct event *e, const struct object *o, struct attribute *at,
                             int need);
/*
 * What a peer may reach here, by the same cut (beyond MISP).  A peer's sync
 * user reading through any path - look-ups, sightings, the sync endpoints -
 * or sending data that lands on an item here (sightings pushed or pulled) may
 * reach event e (and, when given, object o and attribute at of e, or of o)
 * only when the item leaves for a pulling peer by acl_sync_trim's rule (need
 * 1), or when the peer's organisation owns e here (its own synced copy).  f is
 * the reader's filter (f->sync_peer, f->org_id); e, o and at carry their tags.
 * Any other reader: true (its filter decided).  Changes nothing.
 */
bool acl_sync_may_reach(const struct acl_filter *f, const struct event *e, const struct object *o,
                        const struct attribute *at);
/* Keeps the shared tags of v[0..n) in place, dropping the local ones (they
 * never leave this node); returns how many are kept. */
size_t acl_shared_tags(struct tag_ref *v, size_t n);
/* A peer's sync user (perm_sync, not a site admin): what it reads is trimmed
 * by acl_sync_trim(e, 1). */
bool acl_is_sync_peer(const struct principal *p);

/*
 * ---- sightings ----
 * MISP's default Sightings_policy (0, "event owner"; Sighting.php
 * createConditions, filterSightingsByAttributeACL): a reader sees the
 * sightings of an attribute only if it may see the attribute (the acl_filter
 * rules above, which the store applies), and of those: all of them if its
 * organisation owns the event (the event's org_id on this node) or it is a
 * site admin; otherwise only its own organisation's.  Anonymous sightings
 * (org 0) are thus seen by the event's owner and site admins only.  MISP's
 * listSightings compares the creator org (orgc_id) instead; Liaison uses the
 * owner everywhere, as MISP's other read paths do.  The other MISP policies
 * (reporter, everyone, host org) are not offered.  A peer's sync user sees
 * all the sightings on the attributes it may see: they travel between nodes
 * like those attributes, and each node applies this policy to its readers.
 */

/* May the reader of f see s (on an attribute it may see)? */
bool acl_sighting_visible(const struct acl_filter *f, const struct sighting *s);
/* Record sightings: site admin or perm_sighting (MISP's ACL for sightings/add). */
bool acl_can_add_sighting(const struct principal *p);
/* Delete (tombstone) s: site admin; otherwise perm_modify_org or perm_admin, and
 * s reported by the caller's organisation (MISP's ACL canDeleteSighting). */
bool acl_can_delete_sighting(const struct principal *p, const struct sighting *s);
/* A peer (its sync user pushing, or a pull from its link, both acting as its
 * organisation p->org) may delete sighting s here only if its organisation
 * reported s or delivered it (s->from_org_id); site admins may delete any.
 * So a peer never removes another organisation's sighting recorded here. */
bool acl_can_peer_delete_sighting(const struct principal *p, const struct sighting *s);
/* Act as a peer (sync): push events and sightings here, ask the sync
 * endpoints, name another creator organisation: site admin or perm_sync. */
bool acl_can_sync(const struct principal *p);

/* ---- sharing groups and links ---- */

/* Create a sharing group (MISP's ACL for sharing_groups/add): site admin or
 * perm_sharing_group.  Changing one is acl_can_edit_sharing_group. */
bool acl_can_add_sharing_group(const struct principal *p);
/* Manage sync links to peers (add, edit, delete, list, test them, start a
 * pull or push on demand): site administrators, and so the command line. */
bool acl_can_manage_links(const struct principal *p);
/* May the peer p (its sync user, asking events/syncRemove) remove event e
 * here?  Only a synced copy (locked) its own organisation owns here: the one
 * it pushed.  Site admins are no exception: a removal follows a push. */
bool acl_can_peer_remove_event(const struct principal *p, const struct event *e);

/*
 * ---- accounts ----
 * Organisations, users, roles and API keys (MISP's Organisations, Users,
 * Roles and AuthKeys controllers), beside acl_can_admin_org, acl_can_grant_role,
 * acl_can_manage_user and acl_can_manage_keys above.  Every authenticated
 * user may list and view the organisations and the roles.
 */

/* Add an organisation: site admins only. */
bool acl_can_add_org(const struct principal *p);
/* Which accounts p may list: false for none (not an org admin); else *org_id
 * is 0 (all of them: a site admin) or p's own organisation. */
bool acl_users_scope(const struct principal *p, int64_t *org_id);
/* May p see account u: its own, or as admin of u's organisation. */
bool acl_can_view_user(const struct principal *p, const struct user *u);
/* List the API keys of every account: site admins only (those of one
 * account: acl_can_manage_keys). */
bool acl_can_list_all_keys(const struct principal *p);

/*
 * ---- events ----
 * Who may change tags, publish, and act for a peer's push; the principal of
 * the command line.  The event service asks these (core/event.c).
 */

/* Create tags (tags/add): site admin or perm_tag_editor. */
bool acl_can_edit_tags(const struct principal *p);
/* Keep an event published (or publish it) as written: site admin or
 * perm_publish; otherwise a write leaves it unpublished. */
bool acl_can_publish(const struct principal *p);
/*
 * The principal that saves an event a peer's sync user p pushed, once its
 * sharing groups were captured for p's organisation (sync_capture_sharing_groups):
 * p acting with the receiving side's full rights - it may add, use the groups
 * just captured, keep the event published - as MISP saves a pushed event.
 * Only for event_receive: never for a caller's own request.
 */
void acl_principal_for_peer_push(const struct principal *p, struct principal *out);
/* The local administrator on the command line (liaison import, export):
 * acts as site admin, as organisation org (NULL: none). */
void acl_principal_cli(const struct org *org, struct principal *out);
/*
 * Loads p's sharing groups (p->sharing_groups, ids in a) unless they are
 * loaded already (present), and fills out with p's full read restriction
 * (acl_filter_load).  On a storage failure no sharing group is visible (fails
 * closed) and the error is returned.
 */
int acl_principal_load(struct store *s, struct arena *a, const struct acl_policy *pol,
                       struct principal *p, struct acl_filter *out);

/* ---- sync: distribution on the way in and out ---- */

/*
 * A pulled event, before it is saved here (MISP's Server.php
 * __updatePulledEventBeforeInsert), for the event, its objects and
 * attributes: distribution 1 ("this community") -> 0 and 2 ("connected
 * communities") -> 1, an event without one taken as 1 first; local tags
 * dropped; the event becomes a synced copy (locked).
 */
void acl_sync_rewrite_pulled(struct event *e);
/*
 * An event about to be pushed (MISP's Event::__updateEventForSync): "connected
 * communities" goes out as "this community", for the event, its objects and
 * attributes.  The TLP cut and the items below 2 were removed before, by
 * acl_sync_trim(e, 2).
 */
void acl_sync_rewrite_pushed(struct event *e);

/*
 * The principals of a sync run over a link: the pull acts here as the
 * organisation owning the link, with the rights to save what it received
 * (MISP runs a pull as the server's organisation with a site admin's
 * rights; what lands is decided by the received-side rules, not by them);
 * the peer behind the link is its remote organisation with a sync user's
 * rights (add, sync, sightings), the filter its sightings and removals are
 * judged by (acl_sync_may_reach, acl_can_peer_delete_sighting).
 */
void acl_principal_for_link_pull(const struct org *owner, struct principal *out);
void acl_principal_for_link_peer(int64_t remote_org_id, struct principal *out);

#endif
