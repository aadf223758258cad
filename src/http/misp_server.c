/*
 * misp_server.c - instance information endpoints: getVersion,
 * getPyMISPVersion, users/view/me and attributes/describeTypes.
 *
 * getVersion's "version" stays in MISP's 2.5 series: MISP peers refuse to sync
 * with another minor version (MISP Server::checkVersionCompatibility).
 */
#include "http/misp.h"

#include "core/sync.h"
#include "core/types.h"
#include "util/version.h"

#include "util/banned.h"

#define MISP_COMPAT_VERSION "2.5.1"

int misp_server_get_version(struct request *req)
{
    struct json_writer *w = &req->w;
    const struct role *r = &req->who.role;
    json_write_object_begin(w);
    json_write_kv_str(w, "version", MISP_COMPAT_VERSION);
    json_write_kv_str(w, "pymisp_recommended_version", MISP_COMPAT_VERSION);
    json_write_kv_bool(w, "perm_sync", role_has(r, PERM_SYNC));
    json_write_kv_bool(w, "perm_sighting", role_has(r, PERM_SIGHTING));
    json_write_kv_bool(w, "perm_galaxy_editor", role_has(r, PERM_GALAXY_EDITOR));
    json_write_key(w, "request_encoding");
    json_write_array_begin(w);
    json_write_array_end(w);
    json_write_kv_bool(w, "filter_sightings", true);
    json_write_kv_str(w, "uuid", req->app->svc.instance_uuid);
    json_write_kv_str(w, "liaison_version", LIAISON_VERSION);
    /* beyond MISP: the sync extensions this node speaks (docs/federation.md) */
    json_write_kv_i64(w, "liaison_sync", LIAISON_SYNC_LEVEL);
    json_write_object_end(w);
    return 200;
}

int misp_server_pymisp_version(struct request *req)
{
    struct json_writer *w = &req->w;
    json_write_object_begin(w);
    json_write_kv_str(w, "version", MISP_COMPAT_VERSION);
    json_write_object_end(w);
    return 200;
}

int misp_users_view_me(struct request *req)
{
    struct json_writer *w = &req->w;
    json_write_object_begin(w);
    json_write_key(w, "User");
    misp_user_encode(w, &req->who.user);
    json_write_key(w, "Role");
    misp_role_encode(w, &req->who.role);
    json_write_key(w, "UserSetting");
    json_write_array_begin(w);
    json_write_array_end(w);
    json_write_key(w, "Organisation");
    misp_org_encode(w, &req->who.org);
    json_write_object_end(w);
    return 200;
}

/* Renders describeTypes from the type table (the table is the source of truth;
 * tests compare the result with MISP's describeTypes.json). */
int misp_describe_types(struct request *req)
{
    struct json_writer *w = &req->w;
    json_write_object_begin(w);
    json_write_key(w, "result");
    json_write_object_begin(w);
    json_write_key(w, "sane_defaults");
    json_write_object_begin(w);
    for (size_t i = 0; i < types_sane_defaults_count(); i++) {
        const struct attr_type *t = types_sane_defaults_at(i);
        json_write_key(w, t->name);
        json_write_object_begin(w);
        json_write_kv_str(w, "default_category", t->default_category);
        json_write_kv_i64(w, "to_ids", t->to_ids ? 1 : 0);
        json_write_object_end(w);
    }
    json_write_object_end(w);
    json_write_key(w, "types");
    json_write_array_begin(w);
    for (size_t i = 0; i < types_count(); i++)
        json_write_cstr(w, types_at(i)->name);
    json_write_array_end(w);
    json_write_key(w, "categories");
    json_write_array_begin(w);
    for (size_t i = 0; i < types_category_count(); i++)
        json_write_cstr(w, types_category_at(i));
    json_write_array_end(w);
    json_write_key(w, "category_type_mappings");
    json_write_object_begin(w);
    for (size_t i = 0; i < types_category_count(); i++) {
        json_write_key(w, types_category_at(i));
        json_write_array_begin(w);
        for (size_t j = 0; j < types_category_type_count(i); j++)
            json_write_cstr(w, types_category_type_at(i, j));
        json_write_array_end(w);
    }
    json_write_object_end(w);
    json_write_object_end(w);
    json_write_object_end(w);
    return 200;
}
