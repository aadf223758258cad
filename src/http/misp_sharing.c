/*
 * misp_sharing.c - sharing groups (MISP's SharingGroupsController): index,
 * view, add, edit, delete and membership of organisations and servers.
 *
 * Each handler decodes, calls the sharing groups service (core/sharing_groups.h,
 * which asks acl.c) and encodes the answer (codec/misp_sharing.h).  Paths may
 * name the controller sharing_groups or sharingGroups, as MISP's routes do.
 */
#include "http/misp.h"

#include "codec/misp_sharing.h"
#include "core/sharing_groups.h"

#include <string.h>

#include "util/banned.h"

int misp_sharing_groups_index(struct request *req)
{
    struct sharing_group_list l;
    int rc = sharing_groups_list(&req->app->svc, &req->who, req->a, &l);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_sharing_group_index_encode(&req->w, l.v, l.editable, l.n, req->app->base_url);
    return 200;
}

int misp_sharing_groups_view(struct request *req)
{
    struct sharing_group *g;
    int rc = sharing_groups_get(&req->app->svc, &req->who, req->a, http_seg(req, 2), &g);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid sharing group.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_sharing_group_encode(&req->w, g, req->app->base_url);
    return 200;
}

/* The group's fields in body. */
static int change_from_body(struct request *req, const struct json_value *body,
                            struct sharing_group_change *in, struct diag *d)
{
    memset(in, 0, sizeof(*in));
    char *name = NULL, *releasability = NULL, *description = NULL;
    int rc = http_opt_str(req, body, "name", &name, d);
    if (rc == 0)
        rc = http_opt_str(req, body, "releasability", &releasability, d);
    if (rc == 0)
        rc = http_opt_str(req, body, "description", &description, d);
    in->name = name;
    in->releasability = releasability;
    in->description = description;
    in->set_active = json_as_bool(json_get(body, "active"), &in->active);
    in->set_roaming = json_as_bool(json_get(body, "roaming"), &in->roaming);
    struct str s;
    if (json_as_str(json_get(body, "uuid"), &s)) /* "\u0000" anywhere: no uuid */
        in->uuid =
            json_str_has_nul(json_get(body, "uuid")) ? "" : arena_strndup(req->a, s.ptr, s.len);
    return rc;
}

int misp_sharing_groups_add(struct request *req)
{
    const struct json_value *body = http_body_unwrap(req, "SharingGroup");
    if (!json_is(body, JSON_OBJECT))
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    struct diag d = {0};
    struct sharing_group_change in;
    struct sharing_group *g = NULL;
    int rc = change_from_body(req, body, &in, &d);
    if (rc == 0)
        rc = sharing_groups_add(&req->app->svc, &req->who, req->a, &in, &g, &d);
    if (rc == ERR_FORBIDDEN)
        return http_error(req, 403, "You do not have permission to add sharing groups.", NULL);
    if (rc < 0)
        return http_save_failed(req, "SharingGroup", rc, &d);
    misp_sharing_group_encode(&req->w, g, req->app->base_url);
    return 200;
}

int misp_sharing_groups_edit(struct request *req)
{
    const struct json_value *body = http_body_unwrap(req, "SharingGroup");
    if (!json_is(body, JSON_OBJECT))
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    struct diag d = {0};
    struct sharing_group_change in;
    struct sharing_group *g = NULL;
    int rc = change_from_body(req, body, &in, &d);
    in.uuid = NULL; /* a group keeps its uuid */
    if (rc == 0)
        rc = sharing_groups_edit(&req->app->svc, &req->who, req->a, http_seg(req, 2), &in, &g, &d);
    if (rc < 0)
        return http_save_failed(req, "SharingGroup", rc, &d);
    misp_sharing_group_encode(&req->w, g, req->app->base_url);
    return 200;
}

int misp_sharing_groups_delete(struct request *req)
{
    struct diag d = {0};
    int64_t id = 0;
    int rc = sharing_groups_delete(&req->app->svc, &req->who, req->a, http_seg(req, 2), &id, &d);
    if (rc == ERR_CONFLICT)
        return http_error(req, 409, "Sharing group could not be deleted.", &d);
    if (rc == ERR_NOTFOUND || rc == ERR_FORBIDDEN)
        return http_save_failed(req, "SharingGroup", rc, &d);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    return http_saved(req, "Sharing group deleted.", id);
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
    struct diag d = {0};
    struct sharing_group_member m = {.group = member_ref(req, 2, "sg_id"),
                                     .org = org,
                                     .add = add,
                                     .member = member_ref(req, 3, org ? "org_id" : "server_id")};
    const char *named = http_named(req, org ? "extend" : "all_orgs");
    if (named)
        m.flag = strcmp(named, "1") == 0 || strcmp(named, "true") == 0;
    json_as_bool(json_get(req->json, org ? "extend" : "all_orgs"), &m.flag);
    int64_t id = 0;
    int rc = sharing_groups_member(&req->app->svc, &req->who, req->a, &m, &id, &d);
    if (rc < 0)
        return http_save_failed(req, "SharingGroup", rc, &d);
    const char *msg = org ? (add ? "Organisation added to the sharing group."
                                 : "Organisation removed from the sharing group.")
                          : (add ? "Server added to the sharing group."
                                 : "Server removed from the sharing group.");
    return http_saved(req, msg, id);
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
