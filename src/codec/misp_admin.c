/*
 * misp_admin.c - MISP's wire form of accounts and instance information.  See
 * misp_admin.h.
 */
#include "codec/misp_admin.h"

#include "core/types.h"
#include "util/version.h"

#include <time.h>

#include "util/banned.h"

/* Writes key: Unix time t as MISP's "Y-m-d H:i:s" (UTC). */
static void write_kv_datetime(struct json_writer *w, const char *key, int64_t t)
{
    char date[32] = "";
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) != NULL)
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
    json_write_kv_str(w, key, date);
}

void misp_org_encode(struct json_writer *w, const struct org *o)
{
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", o->id);
    json_write_kv_str(w, "name", o->name);
    json_write_kv_str(w, "uuid", o->uuid);
    json_write_kv_str(w, "description", o->description);
    json_write_kv_str(w, "type", o->type);
    json_write_kv_str(w, "nationality", o->nationality);
    json_write_kv_str(w, "sector", o->sector);
    json_write_kv_str(w, "contacts", o->contacts);
    json_write_kv_bool(w, "local", o->local);
    json_write_kv_i64_str(w, "created_by", o->created_by);
    write_kv_datetime(w, "date_created", o->date_created);
    write_kv_datetime(w, "date_modified", o->date_modified);
    json_write_key(w, "restricted_to_domain");
    json_write_array_begin(w);
    json_write_array_end(w);
    json_write_kv_str(w, "landingpage", NULL);
    json_write_object_end(w);
}

void misp_user_encode(struct json_writer *w, const struct user *u)
{
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", u->id);
    json_write_kv_i64_str(w, "org_id", u->org_id);
    json_write_kv_str(w, "server_id", "0");
    json_write_kv_str(w, "email", u->email);
    json_write_kv_bool(w, "autoalert", u->autoalert);
    json_write_kv_i64_str(w, "invited_by", u->invited_by);
    json_write_kv_str(w, "gpgkey", NULL);
    json_write_kv_str(w, "certif_public", NULL);
    json_write_kv_str(w, "nids_sid", u->nids_sid ? u->nids_sid : "0");
    json_write_kv_bool(w, "termsaccepted", u->termsaccepted);
    json_write_kv_str(w, "newsread", "0");
    json_write_kv_i64_str(w, "role_id", u->role_id);
    json_write_kv_bool(w, "change_pw", u->change_pw);
    json_write_kv_bool(w, "contactalert", u->contactalert);
    json_write_kv_bool(w, "disabled", u->disabled);
    json_write_kv_str(w, "expiration", NULL);
    json_write_kv_i64_str(w, "current_login", u->last_login);
    json_write_kv_i64_str(w, "last_login", u->last_login);
    json_write_kv_bool(w, "force_logout", false);
    json_write_kv_i64_str(w, "date_created", u->date_created);
    json_write_kv_i64_str(w, "date_modified", u->date_modified);
    json_write_object_end(w);
}

void misp_role_encode(struct json_writer *w, const struct role *r)
{
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", r->id);
    json_write_kv_str(w, "name", r->name);
    for (int p = 0; p < PERM_COUNT; p++)
        json_write_kv_bool(w, role_perm_names[p], role_has(r, (enum role_perm)p));
    json_write_kv_bool(w, "default_role", r->default_role);
    json_write_kv_bool(w, "restricted_to_site_admin", r->restricted_to_site_admin);
    json_write_kv_str(w, "memory_limit", "");
    json_write_kv_str(w, "max_execution_time", "");
    json_write_kv_bool(w, "enforce_rate_limit", false);
    json_write_kv_str(w, "rate_limit_count", "0");
    /* MISP's legacy permission level: 0 read only, 1 create, 2 manage own org, 3 publish */
    int level = role_has(r, PERM_PUBLISH)      ? 3
                : role_has(r, PERM_MODIFY_ORG) ? 2
                : role_has(r, PERM_ADD)        ? 1
                                               : 0;
    json_write_kv_i64_str(w, "permission", level);
    json_write_kv_str(w, "permission_description",
                      level == 3   ? "publish"
                      : level == 2 ? "manage_own"
                      : level == 1 ? "create"
                                   : "read_only");
    json_write_object_end(w);
}

void misp_org_encode_wrapped(struct json_writer *w, const struct org *o)
{
    json_write_object_begin(w);
    json_write_key(w, "Organisation");
    misp_org_encode(w, o);
    json_write_object_end(w);
}

void misp_user_encode_wrapped(struct json_writer *w, const struct user *u)
{
    json_write_object_begin(w);
    json_write_key(w, "User");
    misp_user_encode(w, u);
    json_write_object_end(w);
}

void misp_role_encode_wrapped(struct json_writer *w, const struct role *r)
{
    json_write_object_begin(w);
    json_write_key(w, "Role");
    misp_role_encode(w, r);
    json_write_object_end(w);
}

void misp_orgs_encode(struct json_writer *w, const struct org *v, size_t n)
{
    json_write_array_begin(w);
    for (size_t i = 0; i < n; i++)
        misp_org_encode_wrapped(w, &v[i]);
    json_write_array_end(w);
}

void misp_users_encode(struct json_writer *w, const struct user *v, size_t n)
{
    json_write_array_begin(w);
    for (size_t i = 0; i < n; i++)
        misp_user_encode_wrapped(w, &v[i]);
    json_write_array_end(w);
}

void misp_roles_encode(struct json_writer *w, const struct role *v, size_t n)
{
    json_write_array_begin(w);
    for (size_t i = 0; i < n; i++)
        misp_role_encode_wrapped(w, &v[i]);
    json_write_array_end(w);
}

void misp_auth_key_encode(struct json_writer *w, const struct auth_key *k, const char *raw)
{
    json_write_object_begin(w);
    json_write_key(w, "AuthKey");
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", k->id);
    json_write_kv_str(w, "uuid", k->uuid);
    json_write_kv_str(w, "authkey_start", k->key_start);
    json_write_kv_str(w, "authkey_end", k->key_end);
    json_write_kv_i64_str(w, "created", k->created);
    json_write_kv_i64_str(w, "expiration", k->expiration);
    json_write_kv_bool(w, "read_only", k->read_only);
    json_write_kv_i64_str(w, "user_id", k->user_id);
    json_write_kv_str(w, "comment", k->comment);
    json_write_kv_str(w, "allowed_ips", NULL);
    if (raw)
        json_write_kv_str(w, "authkey_raw", raw);
    json_write_object_end(w);
    json_write_object_end(w);
}

void misp_user_me_encode(struct json_writer *w, const struct user *u, const struct role *r,
                         const struct org *o)
{
    json_write_object_begin(w);
    json_write_key(w, "User");
    misp_user_encode(w, u);
    json_write_key(w, "Role");
    misp_role_encode(w, r);
    json_write_key(w, "UserSetting");
    json_write_array_begin(w);
    json_write_array_end(w);
    json_write_key(w, "Organisation");
    misp_org_encode(w, o);
    json_write_object_end(w);
}

void misp_version_encode(struct json_writer *w, const struct role *r, const char *instance_uuid,
                         int sync_level)
{
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
    json_write_kv_str(w, "uuid", instance_uuid);
    json_write_kv_str(w, "liaison_version", LIAISON_VERSION);
    /* beyond MISP: the sync extensions this node speaks */
    json_write_kv_i64(w, "liaison_sync", sync_level);
    json_write_object_end(w);
}

void misp_pymisp_version_encode(struct json_writer *w)
{
    json_write_object_begin(w);
    json_write_kv_str(w, "version", MISP_COMPAT_VERSION);
    json_write_object_end(w);
}

void misp_describe_types_encode(struct json_writer *w)
{
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
}
