/*
 * acl.c - access decisions.  See acl.h for the rules and their MISP sources.
 */
#include "core/acl.h"

#include "store/store.h"

#include <string.h>
#include <strings.h>

#include "util/banned.h"

bool acl_is_site_admin(const struct principal *p)
{
    return p->cli || role_has(&p->role, PERM_SITE_ADMIN);
}

void acl_filter(const struct principal *p, const struct acl_policy *pol, struct acl_filter *out)
{
    memset(out, 0, sizeof(*out));
    out->everything = acl_is_site_admin(p);
    out->org_id = p->org.id;
    out->unpublished_private = pol && pol->unpublished_private;
    out->sharing_groups = id_set_none();
    out->see_deleted = out->everything || role_has(&p->role, PERM_SYNC);
    out->sync_peer = !out->everything && role_has(&p->role, PERM_SYNC);
}

void acl_filter_system(struct acl_filter *out, bool with_deleted)
{
    memset(out, 0, sizeof(*out));
    out->everything = true;
    out->sharing_groups = id_set_none();
    out->see_deleted = with_deleted;
}

int acl_filter_load(struct store *s, struct arena *a, const struct principal *p,
                    const struct acl_policy *pol, struct acl_filter *out)
{
    acl_filter(p, pol, out);
    if (out->everything)
        return 0;
    struct store_conn *c;
    int rc = store_begin_read(s, &c);
    if (rc < 0)
        return rc;
    struct id_set ids;
    rc = store_sharing_group_visible_ids(c, a, p->org.id, acl_is_sync_peer(p), &ids);
    store_end(c, true);
    if (rc == 0)
        out->sharing_groups = ids;
    return rc;
}

/* Is sg_id one of the granted ids (absent: none)? */
static bool id_listed(struct id_set granted, int64_t sg_id)
{
    for (size_t i = 0; i < granted.n; i++)
        if (granted.v[i] == sg_id)
            return true;
    return false;
}

bool acl_sharing_group_visible(const struct acl_filter *f, int64_t sg_id)
{
    return f->everything || id_listed(f->sharing_groups, sg_id);
}

bool acl_can_use_sharing_group(const struct principal *p, int64_t sg_id)
{
    return acl_is_site_admin(p) || id_listed(p->sharing_groups, sg_id);
}

bool acl_sharing_group_has_member(const struct sharing_group *g, int64_t org_id)
{
    if (org_id <= 0)
        return false;
    if (g->org_id == org_id)
        return true;
    for (size_t i = 0; i < g->n_orgs; i++)
        if (g->orgs[i].org_id == org_id)
            return true;
    for (size_t i = 0; i < g->n_servers; i++)
        if (g->servers[i].server_id == 0 && g->servers[i].all_orgs)
            return true;
    return false;
}

bool acl_can_edit_sharing_group(const struct principal *p, const struct sharing_group *g)
{
    if (acl_is_site_admin(p))
        return true;
    if (!role_has(&p->role, PERM_SHARING_GROUP))
        return false;
    if (g->org_id == p->org.id)
        return true;
    for (size_t i = 0; i < g->n_orgs; i++)
        if (g->orgs[i].org_id == p->org.id && g->orgs[i].extend)
            return true;
    return false;
}

bool acl_can_admin_org(const struct principal *p, int64_t org_id)
{
    if (acl_is_site_admin(p))
        return true;
    return role_has(&p->role, PERM_ADMIN) && p->org.id == org_id;
}

bool acl_can_grant_role(const struct principal *p, const struct role *r)
{
    if (acl_is_site_admin(p))
        return true;
    return !r->restricted_to_site_admin && (r->perms & ~p->role.perms) == 0;
}

bool acl_can_manage_user(const struct principal *p, const struct user *u, const struct role *r)
{
    return acl_can_admin_org(p, u->org_id) && acl_can_grant_role(p, r);
}

bool acl_can_manage_keys(const struct principal *p, const struct user *u, const struct role *r)
{
    if (u->id == p->user.id)
        return acl_is_site_admin(p) || role_has(&p->role, PERM_AUTH);
    return acl_can_manage_user(p, u, r);
}

bool acl_can_add(const struct principal *p)
{
    return acl_is_site_admin(p) || role_has(&p->role, PERM_ADD);
}

bool acl_can_modify_event(const struct principal *p, const struct event *e)
{
    if (acl_is_site_admin(p))
        return true;
    if (role_has(&p->role, PERM_MODIFY_ORG) && e->orgc_id == p->org.id)
        return true;
    return role_has(&p->role, PERM_MODIFY) && e->user_id == p->user.id && e->orgc_id == p->org.id;
}

bool acl_can_publish_event(const struct principal *p, const struct event *e)
{
    if (acl_is_site_admin(p))
        return true;
    return role_has(&p->role, PERM_PUBLISH) && e->orgc_id == p->org.id;
}

bool acl_can_tag_event(const struct principal *p, const struct event *e)
{
    if (acl_is_site_admin(p))
        return true;
    return role_has(&p->role, PERM_TAGGER) && e->orgc_id == p->org.id;
}

/* ---- TLP policy ---- */

enum tlp_level acl_tlp_stricter(enum tlp_level a, enum tlp_level b)
{
    return a > b ? a : b;
}

enum tlp_level acl_tlp_level(const struct tag_ref *tags, size_t n)
{
    static const struct {
        const char *name;
        enum tlp_level level;
    } names[] = {
        {"tlp:red", TLP_RED},     {"tlp:amber+strict", TLP_AMBER_STRICT},
        {"tlp:amber", TLP_AMBER}, {"tlp:green", TLP_GREEN},
        {"tlp:clear", TLP_CLEAR}, {"tlp:white", TLP_CLEAR},
    };
    enum tlp_level level = TLP_NONE;
    for (size_t i = 0; i < n; i++) {
        const char *t = tags[i].tag.name;
        if (t == NULL)
            continue;
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
            if (strcasecmp(t, names[k].name) == 0)
                level = acl_tlp_stricter(level, names[k].level);
    }
    return level;
}

bool acl_tlp_allows(enum tlp_level level, int dist)
{
    switch (level) {
    case TLP_RED:
        return dist == DIST_ORG || dist == DIST_SHARING_GROUP || dist == DIST_INHERIT;
    case TLP_AMBER_STRICT:
    case TLP_AMBER:
        return dist == DIST_ORG || dist == DIST_INHERIT;
    case TLP_GREEN:
        return dist != DIST_ALL;
    case TLP_CLEAR:
    case TLP_NONE:
        return true;
    }
    return false;
}

const char *acl_tlp_name(enum tlp_level level)
{
    static const char *const names[] = {"no TLP",    "tlp:clear",        "tlp:green",
                                        "tlp:amber", "tlp:amber+strict", "tlp:red"};
    return names[level];
}

/* ---- what may leave towards a peer ---- */

bool acl_is_sync_peer(const struct principal *p)
{
    return role_has(&p->role, PERM_SYNC) && !acl_is_site_admin(p);
}

/* The widest distribution level allows, not wider than dist. */
static int tlp_cap(enum tlp_level level, int dist)
{
    if (acl_tlp_allows(level, dist))
        return dist;
    if (dist == DIST_SHARING_GROUP)
        return DIST_ORG; /* amber: not even a sharing group */
    return level == TLP_GREEN ? DIST_CONNECTED : DIST_ORG;
}

/* May an item at capped distribution d leave for a peer needing `need`? */
static bool may_leave(int d, int need)
{
    return d == DIST_SHARING_GROUP || (d >= need && d <= DIST_ALL);
}

/* Caps one attribute under its parent (effective distribution parent_d and
 * TLP level); false when it may not leave. */
static bool attr_trim(struct attribute *at, enum tlp_level parent, int parent_d, int need)
{
    enum tlp_level level = acl_tlp_stricter(parent, acl_tlp_level(at->tags, at->n_tags));
    int d = at->distribution == DIST_INHERIT ? parent_d : at->distribution;
    int capped = tlp_cap(level, d);
    if (!may_leave(capped, need))
        return false;
    if (at->distribution != DIST_INHERIT || capped != d)
        at->distribution = capped;
    return true;
}

size_t acl_shared_tags(struct tag_ref *v, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (!v[i].local)
            v[kept++] = v[i];
    return kept;
}

static size_t attrs_trim(struct attribute *v, size_t n, enum tlp_level level, int parent_d,
                         int need)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (attr_trim(&v[i], level, parent_d, need)) {
            v[i].n_tags = acl_shared_tags(v[i].tags, v[i].n_tags);
            v[kept++] = v[i];
        }
    return kept;
}

/* The capped distribution of e, and of o within it when o is not NULL, into
 * *d with e's TLP level into *level; false when either may not leave. */
static bool parents_leave(const struct event *e, const struct object *o, int need,
                          enum tlp_level *level, int *d)
{
    *level = acl_tlp_level(e->tags, e->n_tags);
    *d = tlp_cap(*level, e->distribution);
    if (!may_leave(*d, need))
        return false;
    if (o != NULL) {
        *d = o->distribution == DIST_INHERIT ? *d : tlp_cap(*level, o->distribution);
        if (!may_leave(*d, need))
            return false;
    }
    return true;
}

bool acl_sync_attribute_trim(const struct event *e, const struct object *o, struct attribute *at,
                             int need)
{
    enum tlp_level level;
    int d;
    if (!parents_leave(e, o, need, &level, &d) || !attr_trim(at, level, d, need))
        return false;
    at->n_tags = acl_shared_tags(at->tags, at->n_tags);
    return true;
}

bool acl_sync_may_reach(const struct acl_filter *f, const struct event *e, const struct object *o,
                        const struct attribute *at)
{
    if (!f->sync_peer || e->org_id == f->org_id)
        return true;
    enum tlp_level level;
    int d;
    if (!parents_leave(e, o, 1, &level, &d))
        return false;
    if (at == NULL)
        return true;
    struct attribute copy = *at; /* attr_trim narrows the distribution it is given */
    return attr_trim(&copy, level, d, 1);
}

bool acl_sync_trim(struct event *e, int need)
{
    enum tlp_level level = acl_tlp_level(e->tags, e->n_tags);
    int d = tlp_cap(level, e->distribution);
    if (!may_leave(d, need))
        return false;
    e->distribution = d;
    e->n_tags = acl_shared_tags(e->tags, e->n_tags);
    e->n_attrs = attrs_trim(e->attrs, e->n_attrs, level, d, need);
    size_t kept = 0;
    for (size_t j = 0; j < e->n_objects; j++) {
        struct object *o = &e->objects[j];
        int od = o->distribution == DIST_INHERIT ? d : tlp_cap(level, o->distribution);
        if (!may_leave(od, need))
            continue;
        if (o->distribution != DIST_INHERIT)
            o->distribution = od;
        o->n_attrs = attrs_trim(o->attrs, o->n_attrs, level, od, need);
        e->objects[kept++] = *o;
    }
    e->n_objects = kept;
    return true;
}

/* ---- sightings (see acl.h for the policy and its MISP sources) ---- */

bool acl_sighting_visible(const struct acl_filter *f, const struct sighting *s)
{
    return f->everything || f->sync_peer || s->event_org_id == f->org_id || s->org_id == f->org_id;
}

bool acl_can_add_sighting(const struct principal *p)
{
    return acl_is_site_admin(p) || role_has(&p->role, PERM_SIGHTING);
}

bool acl_can_delete_sighting(const struct principal *p, const struct sighting *s)
{
    if (acl_is_site_admin(p))
        return true;
    return (role_has(&p->role, PERM_MODIFY_ORG) || role_has(&p->role, PERM_ADMIN)) &&
           s->org_id == p->org.id;
}

bool acl_can_peer_delete_sighting(const struct principal *p, const struct sighting *s)
{
    if (acl_is_site_admin(p))
        return true;
    /* a peer of no known organisation (0) must not match anonymous sightings */
    return p->org.id > 0 && (s->org_id == p->org.id || s->from_org_id == p->org.id);
}

bool acl_can_sync(const struct principal *p)
{
    return acl_is_site_admin(p) || role_has(&p->role, PERM_SYNC);
}

/* ---- sharing groups and links ---- */

bool acl_can_add_sharing_group(const struct principal *p)
{
    return acl_is_site_admin(p) || role_has(&p->role, PERM_SHARING_GROUP);
}

bool acl_can_manage_links(const struct principal *p)
{
    return acl_is_site_admin(p);
}

bool acl_can_peer_remove_event(const struct principal *p, const struct event *e)
{
    return e->locked && e->org_id == p->org.id;
}

/* ---- accounts ---- */

bool acl_can_add_org(const struct principal *p)
{
    return acl_is_site_admin(p);
}

bool acl_users_scope(const struct principal *p, int64_t *org_id)
{
    *org_id = acl_is_site_admin(p) ? 0 : p->org.id;
    return acl_can_admin_org(p, p->org.id);
}

bool acl_can_view_user(const struct principal *p, const struct user *u)
{
    return u->id == p->user.id || acl_can_admin_org(p, u->org_id);
}

bool acl_can_list_all_keys(const struct principal *p)
{
    return acl_is_site_admin(p);
}

/* ---- events ---- */

bool acl_can_edit_tags(const struct principal *p)
{
    return acl_is_site_admin(p) || role_has(&p->role, PERM_TAG_EDITOR);
}

bool acl_can_publish(const struct principal *p)
{
    return acl_is_site_admin(p) || role_has(&p->role, PERM_PUBLISH);
}

void acl_principal_for_peer_push(const struct principal *p, struct principal *out)
{
    *out = *p;
    out->role.perms |= PERM_BIT(PERM_SITE_ADMIN);
}

void acl_principal_cli(const struct org *org, struct principal *out)
{
    memset(out, 0, sizeof(*out));
    out->cli = true;
    out->role.perms = ~0u;
    if (org != NULL)
        out->org = *org;
}

int acl_principal_load(struct store *s, struct arena *a, const struct acl_policy *pol,
                       struct principal *p, struct acl_filter *out)
{
    if (p->sharing_groups.v != NULL) {
        acl_filter(p, pol, out);
        out->sharing_groups = p->sharing_groups;
        return 0;
    }
    int rc = acl_filter_load(s, a, p, pol, out);
    p->sharing_groups = out->sharing_groups;
    return rc;
}

/* ---- sync: distribution on the way in and out ---- */

static int pulled_distribution(int dist)
{
    return dist == DIST_COMMUNITY ? DIST_ORG : dist == DIST_CONNECTED ? DIST_COMMUNITY : dist;
}

static void rewrite_pulled_attrs(struct attribute *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        v[i].distribution = pulled_distribution(v[i].distribution);
        v[i].n_tags = acl_shared_tags(v[i].tags, v[i].n_tags);
    }
}

void acl_sync_rewrite_pulled(struct event *e)
{
    e->distribution = pulled_distribution(e->distribution < 0 ? DIST_COMMUNITY : e->distribution);
    e->n_tags = acl_shared_tags(e->tags, e->n_tags);
    e->locked = true;
    rewrite_pulled_attrs(e->attrs, e->n_attrs);
    for (size_t j = 0; j < e->n_objects; j++) {
        e->objects[j].distribution = pulled_distribution(e->objects[j].distribution);
        rewrite_pulled_attrs(e->objects[j].attrs, e->objects[j].n_attrs);
    }
}

static int pushed_distribution(int dist)
{
    return dist == DIST_CONNECTED ? DIST_COMMUNITY : dist;
}

void acl_sync_rewrite_pushed(struct event *e)
{
    e->distribution = pushed_distribution(e->distribution);
    for (size_t i = 0; i < e->n_attrs; i++)
        e->attrs[i].distribution = pushed_distribution(e->attrs[i].distribution);
    for (size_t j = 0; j < e->n_objects; j++) {
        struct object *o = &e->objects[j];
        o->distribution = pushed_distribution(o->distribution);
        for (size_t i = 0; i < o->n_attrs; i++)
            o->attrs[i].distribution = pushed_distribution(o->attrs[i].distribution);
    }
}

void acl_principal_for_link_pull(const struct org *owner, struct principal *out)
{
    memset(out, 0, sizeof(*out));
    out->org = *owner;
    out->user.org_id = owner->id;
    out->role.name = "sync";
    out->role.perms = PERM_BIT(PERM_ADD) | PERM_BIT(PERM_MODIFY) | PERM_BIT(PERM_MODIFY_ORG) |
                      PERM_BIT(PERM_PUBLISH) | PERM_BIT(PERM_SYNC) | PERM_BIT(PERM_TAGGER) |
                      PERM_BIT(PERM_SITE_ADMIN);
    out->sharing_groups = id_set_none();
}

void acl_principal_for_link_peer(int64_t remote_org_id, struct principal *out)
{
    memset(out, 0, sizeof(*out));
    out->org.id = remote_org_id;
    out->user.org_id = remote_org_id;
    out->role.name = "sync";
    out->role.perms = PERM_BIT(PERM_ADD) | PERM_BIT(PERM_SYNC) | PERM_BIT(PERM_SIGHTING);
}
