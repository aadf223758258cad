/*
 * misp_sharing.c - sharing groups in MISP's JSON.  See misp_sharing.h.
 */
#include "codec/misp_sharing.h"

#include "codec/misp_json.h"

#include <time.h>

#include "util/banned.h"

/* key: Unix time t as MISP's "Y-m-d H:i:s" (UTC). */
static void kv_datetime(struct json_writer *w, const char *key, int64_t t)
{
    char date[32];
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
    json_write_kv_str(w, key, date);
}

/* The members of a group's object (MISP's view shape). */
static void members_encode(struct json_writer *w, const struct sharing_group *g,
                           const char *local_url)
{
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
    kv_datetime(w, "created", g->created);
    kv_datetime(w, "modified", g->modified);
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
            json_write_kv_str(w, "url", local_url);
        }
        json_write_object_end(w);
        json_write_object_end(w);
    }
    json_write_array_end(w);
}

void misp_sharing_group_encode(struct json_writer *w, const struct sharing_group *g,
                               const char *local_url)
{
    json_write_object_begin(w);
    members_encode(w, g, local_url);
    json_write_object_end(w);
}

void misp_sharing_group_index_encode(struct json_writer *w, const struct sharing_group *g,
                                     const bool *editable, size_t n, const char *local_url)
{
    json_write_object_begin(w);
    json_write_key(w, "response");
    json_write_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        json_write_object_begin(w);
        members_encode(w, &g[i], local_url);
        json_write_kv_bool(w, "editable", editable[i]);
        json_write_kv_bool(w, "deletable", editable[i]);
        json_write_object_end(w);
    }
    json_write_array_end(w);
    json_write_object_end(w);
}
