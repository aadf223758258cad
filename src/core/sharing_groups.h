/*
 * sharing_groups.h - the sharing groups service (MISP's SharingGroup): the
 * only code that lists, creates, changes or deletes a group or its members.
 *
 * Every function opens and ends its own transaction and asks acl.c: a caller
 * sees the groups acl_sharing_group_visible allows (any other is ERR_NOTFOUND),
 * creates one with acl_can_add_sharing_group and changes one with
 * acl_can_edit_sharing_group (ERR_FORBIDDEN).  Errors name the field in d;
 * results live in the caller's arena.  A group is named by its id or uuid.
 */
#ifndef LIAISON_SHARING_GROUPS_H
#define LIAISON_SHARING_GROUPS_H

#include "core/acl.h"
#include "core/svc.h"
#include "util/arena.h"
#include "util/err.h"

/* A group's fields as a client gives them; NULL or unset: not given. */
struct sharing_group_change {
    const char *uuid; /* add only: a uuid (any case), or NULL to make one */
    const char *name; /* required to add; never "" */
    const char *releasability;
    const char *description;
    bool set_active, active;
    bool set_roaming, roaming;
};

/* The groups a caller sees, and whether it may change each. */
struct sharing_group_list {
    struct sharing_group *v;
    bool *editable;
    size_t n;
};

int sharing_groups_list(struct svc *s, const struct principal *who, struct arena *a,
                        struct sharing_group_list *out);

/* The group ref with its organisations and servers. */
int sharing_groups_get(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                       struct sharing_group **out);

/* Creates a group (active unless in says otherwise, local) of the caller's
 * organisation, which becomes a member that may extend it, with this node
 * (server 0) listed; *out as stored.  ERR_CONFLICT ("name"): name or uuid in
 * use. */
int sharing_groups_add(struct svc *s, const struct principal *who, struct arena *a,
                       const struct sharing_group_change *in, struct sharing_group **out,
                       struct diag *d);

/* Changes group ref by what in gives (not its uuid); *out as stored. */
int sharing_groups_edit(struct svc *s, const struct principal *who, struct arena *a,
                        const char *ref, const struct sharing_group_change *in,
                        struct sharing_group **out, struct diag *d);

/* Deletes group ref; *id is its id.  ERR_CONFLICT ("id") while events,
 * objects or attributes use it. */
int sharing_groups_delete(struct svc *s, const struct principal *who, struct arena *a,
                          const char *ref, int64_t *id, struct diag *d);

/* Adds (add) or removes a member of group: an organisation (org; member its
 * id, uuid or name; flag: may extend the group) or a server (member a link's
 * id, 0 for this node; flag: all its organisations).  Adding one already in
 * updates its flag; removing one not in is ERR_NOTFOUND naming org_id or
 * server_id. */
struct sharing_group_member {
    const char *group;
    bool org;
    bool add;
    const char *member;
    bool flag;
};
int sharing_groups_member(struct svc *s, const struct principal *who, struct arena *a,
                          const struct sharing_group_member *m, int64_t *sg_id, struct diag *d);

#endif
