/*
 * misp_sharing.c - sharing groups (MISP's SharingGroupsController): index,
 * view, add, edit, delete and membership of organisations and servers.
 *
 * Visibility of a group is acl's (http_acl: the groups the caller may see);
 * who may change one is acl_can_edit_sharing_group.  Paths may name the
 * controller sharing_groups or sharingGroups, as MISP's routes do.
 */
#include "http/misp.h"

#include "codec/misp_json.h"
#include "core/uuid.h"
#include "util/parse.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

/* Writes the members of a group's answer object: SharingGroup, Organisation,
 * SharingGroupOrg, SharingGroupServer (MISP's view shape). */
static void sg_encode_fields(struct request *req, const struct sharing_group *g)
{
    struct json_writer *w = &req->w;
    json_write_key(w, "SharingGroup");
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", g->id);
    json_write_kv_str(w, "uuid", g->uuid);
    json_write_kv_str(w, "name", g->name);
    json_write_kv_str(w, "releasability", g->releasability);
    json_write_kv_str(w, "description", g->description);
    json_write_kv_str(w, "organisation_uuid", g->org ? g->org->uuid : "");
    json_write_kv_i64_str(w, "org_id", g->org_id);
    json_write_kv_str(w, "sync_user_id", "0");
    json_write_kv_bool(w, "active", g->active);
    http_write_kv_datetime(w, "created", g->created);
    http_write_kv_datetime(w, "modified", g->modified);
    json_write_kv_bool(w, "local", g->local);
    json_write_kv_bool(w, "roaming", g->roaming);
    json_write_object_end(w);
    json_write_key(w, "Organisation");
    misp_org_encode_short(w, g->org); /* {} for an organisation that is gone */
    misp_sharing_group_orgs_encode(w, g);
    json_write_key(w, "SharingGroupServer");
    json_write_array_begin(w);
    for (size_t i = 0; i < g->n_servers; i++) {
        json_write_object_begin(w);
        json_write_kv_i64_str(w, "sharing_group_id", g->id);
        json_write_kv_i64_str(w, "server_id", g->servers[i].server_id);
        json_write_kv_bool(w, "all_orgs", g->servers[i].all_orgs);
        json_write_key(w, "Server");
        json_write_object_begin(w);
        if (g->servers[i].server_id == 0) {
            json_write_kv_str(w, "id", "0");
            json_write_kv_str(w, "name", "Local instance");
            json_write_kv_str(w, "url", req->app->base_url);
        }
        json_write_object_end(w);
        json_write_object_end(w);
    }
    json_write_array_end(w);
}

static void sg_answer(struct request *req, const struct sharing_group *g)
{
    json_write_object_begin(&req->w);
    sg_encode_fields(req, g);
    json_write_object_end(&req->w);
}

/* Resolves a group reference (id or uuid) that the caller may see. */
static int sg_find(struct request *req, struct store_conn *c, const char *ref,
                   struct sharing_group **out)
{
    uint64_t id = 0;
    char uuid[UUID_STR_LEN + 1] = "";
    struct str s = str_from_cstr(ref);
    if (parse_u64_all(s, 1, INT64_MAX, &id) < 0 && !uuid_canonical(s, uuid))
        return ERR_NOTFOUND;
    int rc = store_sharing_group_get(c, req->a, (int64_t)id, uuid, out);
    if (rc == 0 && !acl_sharing_group_visible(http_acl(req), (*out)->id))
        rc = ERR_NOTFOUND;
    return rc;
}

int misp_sharing_groups_index(struct request *req)
{
    const struct acl_filter *acl = http_acl(req);
    struct store_conn *c;
    int rc = store_begin_read(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct sharing_group *groups;
    size_t n;
    rc = store_sharing_group_list(c, req->a, &groups, &n);
    store_end(c, true);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct json_writer *w = &req->w;
    json_write_object_begin(w);
    json_write_key(w, "response");
    json_write_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        if (!acl_sharing_group_visible(acl, groups[i].id))
            continue;
        json_write_object_begin(w);
        sg_encode_fields(req, &groups[i]);
        bool editable = acl_can_edit_sharing_group(&req->who, &groups[i]);
        json_write_kv_bool(w, "editable", editable);
        json_write_kv_bool(w, "deletable", editable);
        json_write_object_end(w);
    }
    json_write_array_end(w);
    json_write_object_end(w);
    return 200;
}

int misp_sharing_groups_view(struct request *req)
{
    (void)http_acl(req);
    struct store_conn *c;
    int rc = store_begin_read(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct sharing_group *g;
    rc = sg_find(req, c, http_seg(req, 2), &g);
    store_end(c, true);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid sharing group.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    sg_answer(req, g);
    return 200;
}

/* Reads the editable fields of a group from body; name required when adding. */
static int sg_from_body(struct request *req, const struct json_value *body,
                        struct sharing_group *g, bool adding, struct diag *d)
{
    static const char *const text_fields[] = {"name", "releasability", "description"};
    char **dst[] = {&g->name, &g->releasability, &g->description};
    for (size_t i = 0; i < 3; i++) {
        int rc = http_opt_str(req, body, text_fields[i], dst[i], d);
        if (rc < 0)
            return rc;
    }
    if (adding && (g->name == NULL || *g->name == '\0'))
        return diag_set(d, ERR_INVAL, "name", "name is required");
    if (g->name && *g->name == '\0')
        return diag_set(d, ERR_INVAL, "name", "name cannot be empty");
    bool b;
    if (json_as_bool(json_get(body, "active"), &b))
        g->active = b;
    if (json_as_bool(json_get(body, "roaming"), &b))
        g->roaming = b;
    return 0;
}

int misp_sharing_groups_add(struct request *req)
{
    if (!acl_is_site_admin(&req->who) && !role_has(&req->who.role, PERM_SHARING_GROUP))
        return http_error(req, 403, "You do not have permission to add sharing groups.", NULL);
    const struct json_value *body = http_body_unwrap(req, "SharingGroup");
    if (!json_is(body, JSON_OBJECT))
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    struct diag d;
    diag_clear(&d);
    struct sharing_group g;
    memset(&g, 0, sizeof(g));
    g.active = true;
    g.local = true;
    g.org_id = req->who.org.id;
    int rc = sg_from_body(req, body, &g, true, &d);
    struct str s;
    if (rc == 0 && json_as_str(json_get(body, "uuid"), &s) && !uuid_canonical(s, g.uuid))
        rc = diag_set(&d, ERR_INVAL, "uuid", "not a valid uuid");
    if (rc < 0)
        return http_save_failed(req, "SharingGroup", rc, &d);
    if (g.uuid[0] == '\0')
        uuid_generate(g.uuid);
    struct store_conn *c;
    if ((rc = store_begin_write(req->app->svc.store, &c)) < 0)
        return http_fail(req, rc, NULL);
    rc = store_sharing_group_insert(c, &g);
    /* MISP adds the creator organisation (may extend) and this node */
    if (rc == 0)
        rc = store_sharing_group_org_set(c, g.id, g.org_id, true);
    if (rc == 0)
        rc = store_sharing_group_server_set(c, g.id, 0, false);
    struct sharing_group *stored = NULL;
    if (rc == 0)
        rc = store_sharing_group_get(c, req->a, g.id, NULL, &stored);
    store_end(c, rc == 0);
    if (rc == ERR_CONFLICT)
        diag_set(&d, ERR_CONFLICT, "name", "a sharing group with this name or uuid exists");
    if (rc < 0)
        return http_save_failed(req, "SharingGroup", rc, &d);
    sg_answer(req, stored);
    return 200;
}

/* Opens a write transaction on a group the caller may edit. */
static int sg_begin_edit(struct request *req, const char *ref, struct store_conn **c,
                         struct sharing_group **g, struct diag *d)
{
    (void)http_acl(req);
    int rc = store_begin_write(req->app->svc.store, c);
    if (rc < 0)
        return rc;
    rc = sg_find(req, *c, ref, g);
    if (rc == 0 && !acl_can_edit_sharing_group(&req->who, *g))
        rc = diag_set(d, ERR_FORBIDDEN, "", "you may not change this sharing group");
    if (rc < 0) {
        store_end(*c, false);
        *c = NULL;
    }
    return rc;
}

int misp_sharing_groups_edit(struct request *req)
{
    const struct json_value *body = http_body_unwrap(req, "SharingGroup");
    if (!json_is(body, JSON_OBJECT))
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    struct diag d;
    diag_clear(&d);
    struct store_conn *c;
    struct sharing_group *g;
    int rc = sg_begin_edit(req, http_seg(req, 2), &c, &g, &d);
    if (rc < 0)
        return http_save_failed(req, "SharingGroup", rc, &d);
    rc = sg_from_body(req, body, g, false, &d);
    if (rc == 0)
        rc = store_sharing_group_update(c, g);
    if (rc == 0)
        rc = store_sharing_group_get(c, req->a, g->id, NULL, &g);
    store_end(c, rc == 0);
    if (rc == ERR_CONFLICT)
        diag_set(&d, ERR_CONFLICT, "name", "a sharing group with this name exists");
    if (rc < 0)
        return http_save_failed(req, "SharingGroup", rc, &d);
    sg_answer(req, g);
    return 200;
}

int misp_sharing_groups_delete(struct request *req)
{
    struct diag d;
    diag_clear(&d);
    struct store_conn *c;
    struct sharing_group *g;
    int rc = sg_begin_edit(req, http_seg(req, 2), &c, &g, &d);
    if (rc < 0)
        return http_save_failed(req, "SharingGroup", rc, &d);
    rc = store_sharing_group_delete(c, g->id);
    store_end(c, rc == 0);
    if (rc == ERR_CONFLICT) {
        diag_set(&d, ERR_CONFLICT, "id", "events, objects or attributes still use this group");
        return http_error(req, 409, "Sharing group could not be deleted.", &d);
    }
    if (rc < 0)
        return http_fail(req, rc, NULL);
    return http_saved(req, "Sharing group deleted.", g->id);
}

/*
 * addOrg/removeOrg/addServer/removeServer: the group and member come from the
 * path (/sharing_groups/addOrg/SG/ORG) or, as PyMISP sends them, the body
 * ({"sg_id", "org_id" | "server_id", "extend" | "all_orgs"}).
 */
static const char *member_ref(struct request *req, size_t seg, const char *key)
{
    if (req->n_seg > seg)
        return http_seg(req, seg);
    const struct json_value *v = json_get(req->json, key);
    if (v == NULL)
        return "";
    if ((v->type == JSON_STRING && !json_str_has_nul(v)) || v->type == JSON_NUMBER)
        return arena_strndup(req->a, v->u.str, v->len);
    return ""; /* "12\u0000x" is no id 12 */
}

static int member_change(struct request *req, bool org, bool add)
{
    struct diag d;
    diag_clear(&d);
    const char *sg_ref = member_ref(req, 2, "sg_id");
    const char *member = member_ref(req, 3, org ? "org_id" : "server_id");
    bool flag = false;
    const char *named = http_named(req, org ? "extend" : "all_orgs");
    if (named)
        flag = strcmp(named, "1") == 0 || strcmp(named, "true") == 0;
    json_as_bool(json_get(req->json, org ? "extend" : "all_orgs"), &flag);
    struct store_conn *c;
    struct sharing_group *g;
    int rc = sg_begin_edit(req, sg_ref, &c, &g, &d);
    if (rc < 0)
        return http_save_failed(req, "SharingGroup", rc, &d);
    int64_t member_id = 0;
    if (org) {
        struct org *o = NULL;
        uint64_t id;
        char uuid[UUID_STR_LEN + 1];
        struct str s = str_from_cstr(member);
        if (parse_u64_all(s, 1, INT64_MAX, &id) == 0)
            rc = store_org_get(c, req->a, (int64_t)id, NULL, NULL, &o);
        else if (uuid_canonical(s, uuid))
            rc = store_org_get(c, req->a, 0, uuid, NULL, &o);
        else
            rc = store_org_get(c, req->a, 0, NULL, member, &o);
        if (rc == ERR_NOTFOUND)
            rc = diag_set(&d, ERR_INVAL, "org_id", "no organisation '%s'", member);
        if (rc == 0)
            member_id = o->id;
    } else {
        uint64_t id;
        if (parse_u64_all(str_from_cstr(member), 0, INT64_MAX, &id) < 0)
            rc = diag_set(&d, ERR_INVAL, "server_id", "server_id must be a number (0: this node)");
        struct server *sv;
        if (rc == 0 && id != 0 && add &&
            (rc = store_server_get(c, req->a, (int64_t)id, &sv)) == ERR_NOTFOUND)
            rc = diag_set(&d, ERR_INVAL, "server_id",
                          "no sync link %llu (servers/index lists them; 0 is this node)",
                          (unsigned long long)id);
        member_id = (int64_t)id;
    }
    if (rc == 0) {
        if (org)
            rc = add ? store_sharing_group_org_set(c, g->id, member_id, flag)
                     : store_sharing_group_org_remove(c, g->id, member_id);
        else
            rc = add ? store_sharing_group_server_set(c, g->id, member_id, flag)
                     : store_sharing_group_server_remove(c, g->id, member_id);
        if (rc == ERR_NOTFOUND)
            diag_set(&d, ERR_NOTFOUND, org ? "org_id" : "server_id", "not a member of the group");
    }
    store_end(c, rc == 0);
    if (rc < 0)
        return http_save_failed(req, "SharingGroup", rc, &d);
    const char *msg = org ? (add ? "Organisation added to the sharing group."
                                 : "Organisation removed from the sharing group.")
                          : (add ? "Server added to the sharing group."
                                 : "Server removed from the sharing group.");
    return http_saved(req, msg, g->id);
}

int misp_sharing_groups_add_org(struct request *req)
{
    return member_change(req, true, true);
}

int misp_sharing_groups_remove_org(struct request *req)
{
    return member_change(req, true, false);
}

int misp_sharing_groups_add_server(struct request *req)
{
    return member_change(req, false, true);
}

int misp_sharing_groups_remove_server(struct request *req)
{
    return member_change(req, false, false);
}
