/*
 * sharing_groups.c - the sharing groups service.  See sharing_groups.h.
 */
#include "core/sharing_groups.h"

#include "core/uuid.h"
#include "store/store.h"
#include "util/parse.h"

#include <string.h>

#include "util/banned.h"

/* The caller's read restriction; on a storage failure it shows no sharing
 * group (fails closed), as every reader's. */
static void caller_filter(struct svc *s, const struct principal *who, struct arena *a,
                          struct acl_filter *f)
{
    (void)acl_filter_load(s->store, a, who, &s->policy, f);
}

/* Loads group ref (id or uuid) if the reader of f may see it. */
static int find(struct store_conn *c, struct arena *a, const struct acl_filter *f, const char *ref,
                struct sharing_group **out)
{
    uint64_t id = 0;
    char uuid[UUID_STR_LEN + 1] = "";
    struct str s = str_from_cstr(ref ? ref : "");
    if (parse_u64_all(s, 1, INT64_MAX, &id) < 0 && !uuid_canonical(s, uuid))
        return ERR_NOTFOUND;
    int rc = store_sharing_group_get(c, a, (int64_t)id, uuid, out);
    if (rc == 0 && !acl_sharing_group_visible(f, (*out)->id))
        rc = ERR_NOTFOUND;
    return rc;
}

/* Opens a write transaction on group ref, which the caller may change. */
static int begin_edit(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                      struct store_conn **c, struct sharing_group **g, struct diag *d)
{
    struct acl_filter f;
    caller_filter(s, who, a, &f);
    int rc = store_begin_write(s->store, c);
    if (rc < 0)
        return rc;
    rc = find(*c, a, &f, ref, g);
    if (rc == 0 && !acl_can_edit_sharing_group(who, *g))
        rc = diag_set(d, ERR_FORBIDDEN, "", "you may not change this sharing group");
    if (rc < 0) {
        store_end(*c, false);
        *c = NULL;
    }
    return rc;
}

/* Lays in's fields over g (strings copied into a). */
static int apply(struct arena *a, const struct sharing_group_change *in, struct sharing_group *g,
                 struct diag *d)
{
    if (in->name != NULL && *in->name == '\0')
        return diag_set(d, ERR_INVAL, "name", "name cannot be empty");
    if (in->name != NULL)
        g->name = arena_strdup(a, in->name);
    if (in->releasability != NULL)
        g->releasability = arena_strdup(a, in->releasability);
    if (in->description != NULL)
        g->description = arena_strdup(a, in->description);
    if (in->set_active)
        g->active = in->active;
    if (in->set_roaming)
        g->roaming = in->roaming;
    return 0;
}

int sharing_groups_list(struct svc *s, const struct principal *who, struct arena *a,
                        struct sharing_group_list *out)
{
    memset(out, 0, sizeof(*out));
    struct acl_filter f;
    caller_filter(s, who, a, &f);
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    struct sharing_group *all;
    size_t n;
    rc = store_sharing_group_list(c, a, &all, &n);
    store_end(c, true);
    if (rc < 0)
        return rc;
    out->v = arena_calloc(a, n ? n : 1, sizeof(*out->v));
    out->editable = arena_calloc(a, n ? n : 1, sizeof(*out->editable));
    for (size_t i = 0; i < n; i++) {
        if (!acl_sharing_group_visible(&f, all[i].id))
            continue;
        out->v[out->n] = all[i];
        out->editable[out->n] = acl_can_edit_sharing_group(who, &all[i]);
        out->n++;
    }
    return 0;
}

int sharing_groups_get(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                       struct sharing_group **out)
{
    struct acl_filter f;
    caller_filter(s, who, a, &f);
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    rc = find(c, a, &f, ref, out);
    store_end(c, true);
    return rc;
}

int sharing_groups_add(struct svc *s, const struct principal *who, struct arena *a,
                       const struct sharing_group_change *in, struct sharing_group **out,
                       struct diag *d)
{
    if (!acl_can_add_sharing_group(who))
        return diag_set(d, ERR_FORBIDDEN, "", "you may not add sharing groups");
    if (in->name == NULL || *in->name == '\0')
        return diag_set(d, ERR_INVAL, "name", "name is required");
    struct sharing_group g;
    memset(&g, 0, sizeof(g));
    g.active = true;
    g.local = true;
    g.org_id = who->org.id;
    int rc = apply(a, in, &g, d);
    if (rc < 0)
        return rc;
    if (in->uuid != NULL && !uuid_canonical(str_from_cstr(in->uuid), g.uuid))
        return diag_set(d, ERR_INVAL, "uuid", "not a valid uuid");
    if (g.uuid[0] == '\0')
        uuid_generate(g.uuid);
    struct store_conn *c;
    if ((rc = store_begin_write(s->store, &c)) < 0)
        return rc;
    rc = store_sharing_group_insert(c, &g);
    /* MISP adds the creator organisation (may extend) and this node */
    if (rc == 0)
        rc = store_sharing_group_org_set(c, g.id, g.org_id, true);
    if (rc == 0)
        rc = store_sharing_group_server_set(c, g.id, 0, false);
    if (rc == 0)
        rc = store_sharing_group_get(c, a, g.id, NULL, out);
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
    if (rc == ERR_CONFLICT)
        diag_set(d, ERR_CONFLICT, "name", "a sharing group with this name or uuid exists");
    return rc;
}

int sharing_groups_edit(struct svc *s, const struct principal *who, struct arena *a,
                        const char *ref, const struct sharing_group_change *in,
                        struct sharing_group **out, struct diag *d)
{
    struct store_conn *c;
    struct sharing_group *g;
    int rc = begin_edit(s, who, a, ref, &c, &g, d);
    if (rc < 0)
        return rc;
    rc = apply(a, in, g, d);
    if (rc == 0)
        rc = store_sharing_group_update(c, g);
    if (rc == 0)
        rc = store_sharing_group_get(c, a, g->id, NULL, out);
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
    if (rc == ERR_CONFLICT)
        diag_set(d, ERR_CONFLICT, "name", "a sharing group with this name exists");
    return rc;
}

int sharing_groups_delete(struct svc *s, const struct principal *who, struct arena *a,
                          const char *ref, int64_t *id, struct diag *d)
{
    struct store_conn *c;
    struct sharing_group *g;
    int rc = begin_edit(s, who, a, ref, &c, &g, d);
    if (rc < 0)
        return rc;
    rc = store_sharing_group_delete(c, g->id);
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
    if (rc == ERR_CONFLICT)
        diag_set(d, ERR_CONFLICT, "id", "events, objects or attributes still use this group");
    *id = g->id;
    return rc;
}

/* The id of the organisation or server a member change names. */
static int member_id(struct store_conn *c, struct arena *a, const struct sharing_group_member *m,
                     int64_t *out, struct diag *d)
{
    const char *member = m->member ? m->member : "";
    struct str s = str_from_cstr(member);
    uint64_t id = 0;
    int rc;
    if (m->org) {
        struct org *o = NULL;
        char uuid[UUID_STR_LEN + 1];
        if (parse_u64_all(s, 1, INT64_MAX, &id) == 0)
            rc = store_org_get(c, a, (int64_t)id, NULL, NULL, &o);
        else if (uuid_canonical(s, uuid))
            rc = store_org_get(c, a, 0, uuid, NULL, &o);
        else
            rc = store_org_get(c, a, 0, NULL, member, &o);
        if (rc == ERR_NOTFOUND)
            return diag_set(d, ERR_INVAL, "org_id", "no organisation '%s'", member);
        if (rc == 0)
            *out = o->id;
        return rc;
    }
    if (parse_u64_all(s, 0, INT64_MAX, &id) < 0)
        return diag_set(d, ERR_INVAL, "server_id", "server_id must be a number (0: this node)");
    struct server *sv;
    if (id != 0 && m->add && (rc = store_server_get(c, a, (int64_t)id, &sv)) < 0) {
        if (rc == ERR_NOTFOUND)
            return diag_set(d, ERR_INVAL, "server_id",
                            "no sync link %llu (servers/index lists them; 0 is this node)",
                            (unsigned long long)id);
        return rc;
    }
    *out = (int64_t)id;
    return 0;
}

int sharing_groups_member(struct svc *s, const struct principal *who, struct arena *a,
                          const struct sharing_group_member *m, int64_t *sg_id, struct diag *d)
{
    struct store_conn *c;
    struct sharing_group *g;
    int rc = begin_edit(s, who, a, m->group, &c, &g, d);
    if (rc < 0)
        return rc;
    int64_t id = 0;
    rc = member_id(c, a, m, &id, d);
    if (rc == 0) {
        if (m->org)
            rc = m->add ? store_sharing_group_org_set(c, g->id, id, m->flag)
                        : store_sharing_group_org_remove(c, g->id, id);
        else
            rc = m->add ? store_sharing_group_server_set(c, g->id, id, m->flag)
                        : store_sharing_group_server_remove(c, g->id, id);
        if (rc == ERR_NOTFOUND)
            diag_set(d, ERR_NOTFOUND, m->org ? "org_id" : "server_id", "not a member of the group");
    }
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
    *sg_id = g->id;
    return rc;
}
