/*
 * misp.c - the MISP-compatible REST API as a surface of the server (see
 * http.h, struct http_surface): its routes (controller/action, as MISP's
 * CakePHP routes), the path aliases MISP accepts, its error body and the
 * request bodies it decodes.  The handlers live in misp_*.c and lookup.c.
 */
#include "http/misp.h"

#include "codec/misp_envelope.h"

#include <string.h>
#include <strings.h>

#include "util/banned.h"

#define ANY_WRITE (HTTP_POST | HTTP_PUT)

/* "admin/x/y" routes are matched as "x/y" with the admin prefix removed. */
static const struct http_route routes[] = {
    {HTTP_POST, "lookup", NULL, lookup_post, HTTP_ROUTE_RAW_BODY},
    {HTTP_GET_HEAD, "servers", "getVersion", misp_server_get_version, 0},
    {HTTP_GET_HEAD, "servers", "getPyMISPVersion", misp_server_pymisp_version, 0},
    {HTTP_POST, "servers", "add", misp_servers_add, 0},
    {ANY_WRITE, "servers", "edit", misp_servers_edit, 0},
    {HTTP_POST | HTTP_DELETE, "servers", "delete", misp_servers_delete, 0},
    {HTTP_GET_HEAD, "servers", "index", misp_servers_index, 0},
    {HTTP_GET_HEAD | HTTP_POST, "servers", "testConnection", misp_servers_test_connection,
     HTTP_ROUTE_SLOW},
    {HTTP_GET_HEAD | HTTP_POST, "servers", "pull", misp_servers_pull, HTTP_ROUTE_SLOW},
    {HTTP_GET_HEAD | HTTP_POST, "servers", "push", misp_servers_push, HTTP_ROUTE_SLOW},
    {HTTP_GET_HEAD, "users", "view", misp_users_view, 0},
    {HTTP_GET_HEAD | HTTP_POST, "users", "index", misp_users_index, 0},
    {HTTP_POST, "users", "add", misp_users_add, 0},
    {ANY_WRITE, "users", "edit", misp_users_edit, 0},
    {HTTP_POST | HTTP_DELETE, "users", "delete", misp_users_delete, 0},
    {HTTP_GET_HEAD, "attributes", "describeTypes", misp_describe_types, 0},
    {HTTP_POST, "events", "add", misp_events_add, 0},
    {HTTP_GET_HEAD | HTTP_POST, "events", "view", misp_events_view, 0},
    {ANY_WRITE, "events", "edit", misp_events_edit, 0},
    {HTTP_POST | HTTP_DELETE, "events", "delete", misp_events_delete, 0},
    {HTTP_GET_HEAD | HTTP_POST, "events", "index", misp_events_index, 0},
    {HTTP_POST, "events", "publish", misp_events_publish, 0},
    {HTTP_POST, "events", "filterEventIdsForPush", misp_events_filter_for_push, 0},
    {HTTP_POST, "events", "syncRevoked", misp_events_sync_revoked, 0},
    {HTTP_POST, "events", "syncRemove", misp_events_sync_remove, 0},
    {HTTP_POST, "events", "unpublish", misp_events_unpublish, 0},
    {HTTP_POST | HTTP_GET_HEAD, "events", "restSearch", misp_events_rest_search, 0},
    {HTTP_POST, "attributes", "add", misp_attributes_add, 0},
    {ANY_WRITE, "attributes", "edit", misp_attributes_edit, 0},
    {HTTP_POST | HTTP_DELETE, "attributes", "delete", misp_attributes_delete, 0},
    {HTTP_GET_HEAD, "attributes", "view", misp_attributes_view, 0},
    {HTTP_POST | HTTP_GET_HEAD, "attributes", "restSearch", misp_attributes_rest_search, 0},
    {HTTP_POST, "objects", "add", misp_objects_add, 0},
    {HTTP_POST | HTTP_DELETE, "objects", "delete", misp_objects_delete, 0},
    {HTTP_GET_HEAD, "tags", "index", misp_tags_index, 0},
    {HTTP_POST, "tags", "add", misp_tags_add, 0},
    {HTTP_POST, "tags", "attachTagToObject", misp_tags_attach, 0},
    {HTTP_POST, "tags", "removeTagFromObject", misp_tags_remove, 0},
    {HTTP_GET_HEAD, "organisations", "index", misp_orgs_index, 0},
    {HTTP_GET_HEAD, "organisations", "view", misp_orgs_view, 0},
    {HTTP_POST, "organisations", "add", misp_orgs_add, 0},
    {HTTP_GET_HEAD, "roles", "index", misp_roles_index, 0},
    {HTTP_POST, "auth_keys", "add", misp_auth_keys_add, 0},
    {HTTP_POST | HTTP_DELETE, "auth_keys", "delete", misp_auth_keys_delete, 0},
    {HTTP_GET_HEAD | HTTP_POST, "sharing_groups", "index", misp_sharing_groups_index, 0},
    {HTTP_GET_HEAD, "sharing_groups", "view", misp_sharing_groups_view, 0},
    {HTTP_POST, "sharing_groups", "add", misp_sharing_groups_add, 0},
    {ANY_WRITE, "sharing_groups", "edit", misp_sharing_groups_edit, 0},
    {HTTP_POST | HTTP_DELETE, "sharing_groups", "delete", misp_sharing_groups_delete, 0},
    {HTTP_POST, "sharing_groups", "addOrg", misp_sharing_groups_add_org, 0},
    {HTTP_POST, "sharing_groups", "removeOrg", misp_sharing_groups_remove_org, 0},
    {HTTP_POST, "sharing_groups", "addServer", misp_sharing_groups_add_server, 0},
    {HTTP_POST, "sharing_groups", "removeServer", misp_sharing_groups_remove_server, 0},
    {HTTP_POST, "sightings", "add", misp_sightings_add, 0},
    {HTTP_GET_HEAD | HTTP_POST, "sightings", "index", misp_sightings_index, 0},
    {HTTP_GET_HEAD | HTTP_POST, "sightings", "listSightings", misp_sightings_list, 0},
    {HTTP_GET_HEAD | HTTP_POST, "sightings", "restSearch", misp_sightings_rest_search, 0},
    {HTTP_POST | HTTP_DELETE, "sightings", "delete", misp_sightings_delete, 0},
    {HTTP_POST, "sightings", "filterSightingUuidsForPush", misp_sightings_filter_for_push, 0},
    {HTTP_POST, "sightings", "bulkSaveSightings", misp_sightings_bulk_save, 0},
};

/* MISP's aliases: the camel-case controller name, and admin/ prefixes. */
static void misp_normalise(struct request *req)
{
    if (req->n_seg >= 1 && str_eq_cstr(req->seg[0], "sharingGroups"))
        req->seg[0] = STR_LIT("sharing_groups");
    /* admin/organisations/add -> organisations/add */
    if (req->n_seg >= 2 && str_eq_cstr(req->seg[0], "admin")) {
        memmove(&req->seg[0], &req->seg[1], (req->n_seg - 1) * sizeof(req->seg[0]));
        req->n_seg--;
    }
}

static int misp_error(struct request *req, int status, const char *message, const struct diag *d)
{
    misp_envelope_error(&req->w, status, message, req->url, d);
    req->content_type = "application/json";
    return status;
}

/*
 * May the body be read as JSON?  JSON content types and no content type, yes.
 * curl's -d sends application/x-www-form-urlencoded; such a body (or text/plain)
 * that starts like a JSON object or array is taken as JSON too, since that is
 * what its sender meant.  Anything else is refused with 415.
 */
static bool misp_body_is_json(const char *ct, const struct buf *body)
{
    if (ct == NULL || *ct == '\0')
        return true;
    if (strncasecmp(ct, "application/json", 16) == 0 || strncasecmp(ct, "text/json", 9) == 0)
        return true;
    if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 &&
        strncasecmp(ct, "text/plain", 10) != 0)
        return false;
    for (size_t i = 0; i < body->len; i++) {
        char c = body->ptr[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        return c == '{' || c == '[';
    }
    return false;
}

const struct http_surface http_misp_surface = {
    .name = "misp",
    .owns = NULL,
    .normalise = misp_normalise,
    .routes = routes,
    .n_routes = sizeof(routes) / sizeof(routes[0]),
    .error = misp_error,
    .body_is_json = misp_body_is_json,
};
