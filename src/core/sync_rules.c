/*
 * sync_rules.c - what may leave for a peer or land here in a sync: push
 * rules, sharing groups on the way out and in.  See sync_rules.h.
 */
#include "core/sync_rules.h"

#include "core/acl.h"
#include "core/event.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

/* ---- a link's push rules ---- */

static bool listed(const struct misp_sync_rule_list *list, const char *a, const char *b, int64_t id)
{
    for (size_t i = 0; i < list->n; i++) {
        const struct misp_sync_rule *v = &list->v[i];
        if (v->text != NULL && ((a && strcmp(v->text, a) == 0) || (b && strcmp(v->text, b) == 0)))
            return true;
        if (id > 0 && v->has_id && v->id == id)
            return true;
    }
    return false;
}

bool sync_rules_pass(const struct misp_sync_rules *ru, const struct event *e)
{
    bool any = false;
    for (size_t i = 0; i < e->n_tags; i++) {
        if (listed(&ru->tags_not, e->tags[i].tag.name, NULL, 0))
            return false;
        any = any || listed(&ru->tags_or, e->tags[i].tag.name, NULL, 0);
    }
    if (ru->tags_or.n > 0 && !any)
        return false;
    const char *name = e->orgc ? e->orgc->name : NULL, *uuid = e->orgc ? e->orgc->uuid : NULL;
    if (listed(&ru->orgs_not, name, uuid, e->orgc_id))
        return false;
    return ru->orgs_or.n == 0 || listed(&ru->orgs_or, name, uuid, e->orgc_id);
}

/* ---- sharing groups on the way in ---- */

static bool org_listed(const struct sharing_group *g, int64_t org_id, const char *uuid)
{
    if (g->org_id == org_id && org_id > 0)
        return true;
    if (uuid != NULL && g->org != NULL && strcmp(g->org->uuid, uuid) == 0)
        return true;
    for (size_t i = 0; i < g->n_orgs; i++) {
        if (org_id > 0 && g->orgs[i].org_id == org_id)
            return true;
        if (uuid != NULL && g->orgs[i].org != NULL && strcmp(g->orgs[i].org->uuid, uuid) == 0)
            return true;
    }
    return false;
}

/* Same base URL, a trailing '/' aside? */
static bool same_url(const char *x, const char *y)
{
    if (x == NULL || y == NULL || *x == '\0' || *y == '\0')
        return false;
    size_t nx = strlen(x), ny = strlen(y);
    while (nx > 0 && x[nx - 1] == '/')
        nx--;
    while (ny > 0 && y[ny - 1] == '/')
        ny--;
    return nx == ny && strncmp(x, y, nx) == 0;
}

/* Is the receiving organisation in g: listed, or on a server of g's list
 * with all_orgs that is this node (MISP's rule, by base URL)? */
static bool receiver_in(const struct sharing_group *g, const struct sync_receiver *rcv)
{
    if (org_listed(g, 0, rcv->member->uuid))
        return true;
    for (size_t i = 0; i < g->n_servers; i++)
        if (g->servers[i].all_orgs && same_url(g->servers[i].url, rcv->self_url))
            return true;
    return false;
}

/* The received group's servers as entries here: this node is server 0, a
 * peer this node has a link to is that link; others cannot be named here. */
static int capture_servers(struct store_conn *c, struct arena *a, const struct sync_receiver *rcv,
                           const struct sharing_group *g, int64_t sg_id)
{
    struct server *links = NULL;
    size_t n_links = 0;
    int rc = g->n_servers ? store_server_list(c, a, &links, &n_links) : 0;
    for (size_t i = 0; rc == 0 && i < g->n_servers; i++) {
        const struct sharing_group_server *e = &g->servers[i];
        int64_t id = -1;
        if (same_url(e->url, rcv->self_url))
            id = 0;
        for (size_t k = 0; id < 0 && k < n_links; k++)
            if (same_url(e->url, links[k].url))
                id = links[k].id;
        if (id >= 0)
            rc = store_sharing_group_server_set(c, sg_id, id, e->all_orgs);
    }
    return rc;
}

/* The local id of a received group the receiving organisation is in, found by
 * uuid or created with its members; 0 when the group was not sent or the
 * receiver is not in it.  For a group known here, membership is the group's
 * as kept here (acl_sharing_group_has_member), never the list the sender
 * claims: otherwise a peer outside a local group could put items into it. */
static int capture_group(struct store_conn *c, struct arena *a, const struct sync_receiver *rcv,
                         const struct sharing_group *g, int64_t *id, struct diag *d)
{
    *id = 0;
    if (g == NULL || g->uuid[0] == '\0')
        return 0;
    struct sharing_group *here;
    int rc = store_sharing_group_get(c, a, 0, g->uuid, &here);
    if (rc == 0) {
        if (acl_sharing_group_has_member(here, rcv->member->id))
            *id = here->id;
        return 0;
    }
    if (rc != ERR_NOTFOUND)
        return rc;
    if (!receiver_in(g, rcv))
        return 0;
    struct sharing_group n = *g;
    n.id = 0;
    n.local = false;
    n.active = true;
    n.created = n.modified = (int64_t)time(NULL);
    if (n.name == NULL || *n.name == '\0')
        n.name = arena_strdup(a, g->uuid);
    rc = n.org != NULL ? org_capture(c, a, n.org, 0, "SharingGroup.Organisation", &n.org_id, d) : 0;
    if (rc == 0 && n.org_id == 0)
        n.org_id = rcv->member->id;
    if (rc == 0 && (rc = store_sharing_group_insert(c, &n)) == ERR_CONFLICT) {
        /* another group here has that name: keep both, told apart */
        size_t len = strlen(n.name) + 16;
        char *name = arena_alloc(a, len);
        snprintf(name, len, "%s (%.8s)", n.name, g->uuid);
        n.name = name;
        rc = store_sharing_group_insert(c, &n);
    }
    for (size_t i = 0; rc == 0 && i < g->n_orgs; i++) {
        int64_t oid;
        if ((rc = org_capture(c, a, g->orgs[i].org, 0, "SharingGroup.SharingGroupOrg", &oid, d)) ==
            0)
            rc = store_sharing_group_org_set(c, n.id, oid, g->orgs[i].extend);
    }
    if (rc == 0)
        rc = capture_servers(c, a, rcv, g, n.id);
    if (rc == 0)
        *id = n.id;
    return rc;
}

static int capture_attrs(struct store_conn *c, struct arena *a, const struct sync_receiver *rcv,
                         struct attribute *v, size_t *n, struct diag *d)
{
    size_t kept = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < *n; i++) {
        if (v[i].distribution == DIST_SHARING_GROUP) {
            rc = capture_group(c, a, rcv, v[i].sharing_group, &v[i].sharing_group_id, d);
            if (v[i].sharing_group_id == 0)
                continue;
        }
        v[kept++] = v[i];
    }
    *n = kept;
    return rc;
}

int sync_capture_sharing_groups(struct store_conn *c, struct arena *a,
                                const struct sync_receiver *rcv, struct event *e, bool *keep,
                                struct diag *d)
{
    *keep = true;
    int rc = 0;
    if (e->distribution == DIST_SHARING_GROUP) {
        if ((rc = capture_group(c, a, rcv, e->sharing_group, &e->sharing_group_id, d)) < 0)
            return rc;
        if (e->sharing_group_id == 0) {
            *keep = false;
            return 0;
        }
    }
    if ((rc = capture_attrs(c, a, rcv, e->attrs, &e->n_attrs, d)) < 0)
        return rc;
    size_t kept = 0;
    for (size_t j = 0; rc == 0 && j < e->n_objects; j++) {
        struct object *o = &e->objects[j];
        if (o->distribution == DIST_SHARING_GROUP) {
            rc = capture_group(c, a, rcv, o->sharing_group, &o->sharing_group_id, d);
            if (o->sharing_group_id == 0)
                continue;
        }
        if (rc == 0)
            rc = capture_attrs(c, a, rcv, o->attrs, &o->n_attrs, d);
        e->objects[kept++] = *o;
    }
    e->n_objects = kept;
    return rc;
}

/* ---- sharing groups on the way out ---- */

/* The groups loaded for one event, by id. */
struct group_cache {
    struct sharing_group *v[16];
    size_t n;
};

/* Loads group id with its servers' URLs (this node's for server 0, a link's
 * for the others), cached per event. */
static int group_get(struct store_conn *c, struct arena *a, struct group_cache *gc,
                     const char *self_url, int64_t id, struct sharing_group **out)
{
    for (size_t i = 0; i < gc->n; i++)
        if (gc->v[i]->id == id) {
            *out = gc->v[i];
            return 0;
        }
    int rc = store_sharing_group_get(c, a, id, NULL, out);
    for (size_t i = 0; rc == 0 && i < (*out)->n_servers; i++) {
        struct sharing_group_server *e = &(*out)->servers[i];
        struct server *sv;
        if (e->server_id == 0) {
            e->url = self_url != NULL && *self_url != '\0' ? self_url : NULL;
        } else if ((rc = store_server_get(c, a, e->server_id, &sv)) == 0) {
            e->url = sv->url;
        } else if (rc == ERR_NOTFOUND) {
            rc = 0;
        }
    }
    if (rc == 0 && gc->n < sizeof(gc->v) / sizeof(gc->v[0]))
        gc->v[gc->n++] = *out;
    return rc;
}

int sync_attach_sharing_groups(struct store_conn *c, struct arena *a, const char *self_url,
                               struct event *e)
{
    struct group_cache gc = {.n = 0};
    int rc = 0;
    if (e->distribution == DIST_SHARING_GROUP)
        rc = group_get(c, a, &gc, self_url, e->sharing_group_id, &e->sharing_group);
    for (size_t i = 0; rc == 0 && i < e->n_attrs; i++)
        if (e->attrs[i].distribution == DIST_SHARING_GROUP)
            rc = group_get(c, a, &gc, self_url, e->attrs[i].sharing_group_id,
                           &e->attrs[i].sharing_group);
    for (size_t j = 0; rc == 0 && j < e->n_objects; j++) {
        struct object *o = &e->objects[j];
        if (o->distribution == DIST_SHARING_GROUP)
            rc = group_get(c, a, &gc, self_url, o->sharing_group_id, &o->sharing_group);
        for (size_t i = 0; rc == 0 && i < o->n_attrs; i++)
            if (o->attrs[i].distribution == DIST_SHARING_GROUP)
                rc = group_get(c, a, &gc, self_url, o->attrs[i].sharing_group_id,
                               &o->attrs[i].sharing_group);
    }
    return rc == ERR_NOTFOUND ? 0 : rc;
}

/* Push: may the items in a sharing group go to the link's peer?  Only if the
 * organisation running it is a member (or the group lists the link). */
static bool group_admits(const struct sharing_group *g, const struct server *sv)
{
    if (g == NULL)
        return false;
    if (org_listed(g, sv->remote_org_id, NULL))
        return true;
    for (size_t i = 0; i < g->n_servers; i++)
        if (g->servers[i].server_id == sv->id)
            return true;
    return false;
}

static size_t admit_attrs(struct attribute *v, size_t n, const struct server *sv)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].distribution != DIST_SHARING_GROUP || group_admits(v[i].sharing_group, sv))
            v[kept++] = v[i];
    return kept;
}

bool sync_rules_admit_groups(struct event *e, const struct server *sv)
{
    if (e->distribution == DIST_SHARING_GROUP && !group_admits(e->sharing_group, sv))
        return false;
    e->n_attrs = admit_attrs(e->attrs, e->n_attrs, sv);
    size_t kept = 0;
    for (size_t j = 0; j < e->n_objects; j++) {
        struct object *o = &e->objects[j];
        if (o->distribution == DIST_SHARING_GROUP && !group_admits(o->sharing_group, sv))
            continue;
        o->n_attrs = admit_attrs(o->attrs, o->n_attrs, sv);
        e->objects[kept++] = *o;
    }
    e->n_objects = kept;
    return true;
}
