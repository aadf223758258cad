/*
 * misp_server.c - sync links and the sync endpoints' lists in MISP's JSON.
 * See misp_server.h.
 */
#include "codec/misp_server.h"

#include "core/uuid.h"
#include "util/buf.h"
#include "util/limits.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

/* An optional string member: absent or null is not given; another type, or a
 * string holding \u0000 (which a C string would cut), is an error. */
static int str_field(struct arena *a, const struct json_value *body, const char *key, char **out,
                     bool *given, struct diag *d)
{
    const struct json_value *v = json_get(body, key);
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    if (v->type != JSON_STRING)
        return diag_set(d, ERR_INVAL, key, "%s must be a string", key);
    if (json_str_has_nul(v))
        return diag_set(d, ERR_INVAL, key, "%s must not contain NUL characters", key);
    *out = arena_strndup(a, v->u.str, v->len);
    *given = true;
    return 0;
}

static int bool_field(const struct json_value *body, const char *key, bool *out, bool *given,
                      struct diag *d)
{
    const struct json_value *v = json_get(body, key);
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    if (!json_as_bool(v, out))
        return diag_set(d, ERR_INVAL, key, "%s must be true or false", key);
    *given = true;
    return 0;
}

static int seconds_field(const struct json_value *body, const char *key, int64_t *out, bool *given,
                         struct diag *d)
{
    const struct json_value *v = json_get(body, key);
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    if (!json_as_i64(v, out))
        return diag_set(d, ERR_INVAL, key, "%s must be a number of seconds", key);
    *given = true;
    return 0;
}

/* Push and pull rules: MISP sends them as a JSON-encoded string; an object is
 * taken too.  Either way a JSON object, kept as text. */
static int rules_field(struct arena *a, const struct json_value *body, const char *key, char **out,
                       bool *given, struct diag *d)
{
    const struct json_value *v = json_get(body, key);
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    struct str s;
    if (json_as_str(v, &s)) {
        if (s.len == 0) {
            *out = "";
            *given = true;
            return 0;
        }
        struct json_value *parsed;
        struct diag pd;
        diag_clear(&pd);
        if (json_parse(a, s.ptr, s.len, LIMIT_JSON_DEPTH, &parsed, &pd) < 0 ||
            parsed->type != JSON_OBJECT)
            return diag_set(d, ERR_INVAL, key, "%s must be a JSON object", key);
        *out = arena_strndup(a, s.ptr, s.len);
        *given = true;
        return 0;
    }
    if (v->type != JSON_OBJECT)
        return diag_set(d, ERR_INVAL, key, "%s must be a JSON object", key);
    struct buf b;
    buf_init(&b, LIMIT_BODY_MAX);
    struct json_writer w;
    json_writer_init(&w, &b, false);
    json_write_value(&w, v);
    *out = arena_strndup(a, b.ptr ? b.ptr : "", b.len);
    buf_free(&b);
    *given = true;
    return 0;
}

/* The peer's organisation: remote_org_id, or RemoteOrg {uuid, name}. */
static int remote_org_field(struct arena *a, const struct json_value *body, struct link_change *out,
                            struct diag *d)
{
    const struct json_value *v = json_get(body, "remote_org_id");
    if (v != NULL && v->type != JSON_NULL) {
        if (!json_as_i64(v, &out->remote_org_id) || out->remote_org_id <= 0)
            return diag_set(d, ERR_INVAL, "remote_org_id", "remote_org_id must be an id");
        return 0;
    }
    const struct json_value *ro = json_get(body, "RemoteOrg");
    if (ro == NULL || ro->type == JSON_NULL)
        return 0;
    struct str us = {"", 0}, ns = {"", 0};
    if (ro->type != JSON_OBJECT || !json_as_str(json_get(ro, "uuid"), &us))
        return diag_set(d, ERR_INVAL, "RemoteOrg.uuid", "RemoteOrg needs a valid uuid");
    json_as_str(json_get(ro, "name"), &ns);
    out->remote_org_uuid = arena_strndup(a, us.ptr, us.len);
    out->remote_org_name = ns.len ? arena_strndup(a, ns.ptr, ns.len) : NULL;
    return 0;
}

int misp_server_decode(struct arena *a, const struct json_value *body, struct link_change *out,
                       struct diag *d)
{
    memset(out, 0, sizeof(*out));
    if (!json_is(body, JSON_OBJECT))
        return diag_set(d, ERR_INVAL, "", "The body must be a JSON object.");
    struct server *sv = &out->sv;
    static const char *const strings[] = {"url", "name", "authkey", "cert_file"};
    char **str_dst[] = {&sv->url, &sv->name, &sv->authkey, &sv->cert_file};
    static const unsigned str_bits[] = {LINK_SET_URL, LINK_SET_NAME, LINK_SET_AUTHKEY,
                                        LINK_SET_CERT_FILE};
    static const char *const bools[] = {"push", "pull", "push_sightings", "self_signed"};
    bool *bool_dst[] = {&sv->push, &sv->pull, &sv->push_sightings, &sv->self_signed};
    static const unsigned bool_bits[] = {LINK_SET_PUSH, LINK_SET_PULL, LINK_SET_PUSH_SIGHTINGS,
                                         LINK_SET_SELF_SIGNED};
    bool given;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < 4; i++) {
        given = false;
        rc = str_field(a, body, strings[i], str_dst[i], &given, d);
        out->set |= given ? str_bits[i] : 0;
    }
    for (size_t i = 0; rc == 0 && i < 4; i++) {
        given = false;
        rc = bool_field(body, bools[i], bool_dst[i], &given, d);
        out->set |= given ? bool_bits[i] : 0;
    }
    given = false;
    if (rc == 0 && (rc = rules_field(a, body, "push_rules", &sv->push_rules, &given, d)) == 0)
        out->set |= given ? LINK_SET_PUSH_RULES : 0;
    given = false;
    if (rc == 0 && (rc = rules_field(a, body, "pull_rules", &sv->pull_rules, &given, d)) == 0)
        out->set |= given ? LINK_SET_PULL_RULES : 0;
    given = false;
    if (rc == 0 && (rc = seconds_field(body, "timeout", &sv->timeout, &given, d)) == 0)
        out->set |= given ? LINK_SET_TIMEOUT : 0;
    given = false;
    if (rc == 0 && (rc = seconds_field(body, "pull_interval", &sv->pull_interval, &given, d)) == 0)
        out->set |= given ? LINK_SET_PULL_INTERVAL : 0;
    if (rc == 0)
        rc = remote_org_field(a, body, out, d);
    return rc;
}

static void short_org_encode(struct json_writer *w, const char *key, const struct org *o)
{
    json_write_key(w, key);
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", o ? o->id : 0);
    json_write_kv_str(w, "name", o ? o->name : "");
    json_write_kv_str(w, "uuid", o ? o->uuid : "");
    json_write_object_end(w);
}

/* Beyond MISP: how the link's last pull or push went. */
static void sync_state_encode(struct json_writer *w, const char *key, const struct sync_state *st)
{
    json_write_key(w, key);
    json_write_object_begin(w);
    json_write_kv_i64(w, "last_run", st->last_run);
    json_write_kv_i64(w, "last_success", st->last_success);
    json_write_kv_str(w, "last_error", st->last_error);
    json_write_kv_i64(w, "events", st->events);
    json_write_kv_i64(w, "attributes", st->attributes);
    json_write_kv_i64(w, "failures", st->failures);
    json_write_kv_i64(w, "total_events", st->total_events);
    json_write_kv_i64(w, "last_timestamp", st->last_timestamp);
    json_write_object_end(w);
}

void misp_server_encode(struct json_writer *w, const struct server *sv, const struct org *org,
                        const struct org *remote, const struct sync_state *pull,
                        const struct sync_state *push)
{
    char masked[48];
    snprintf(masked, sizeof(masked), "%.4s************************************",
             sv->authkey ? sv->authkey : "");
    json_write_object_begin(w);
    json_write_key(w, "Server");
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", sv->id);
    json_write_kv_str(w, "name", sv->name);
    json_write_kv_str(w, "url", sv->url);
    json_write_kv_str(w, "authkey", masked);
    json_write_kv_i64_str(w, "org_id", sv->org_id);
    json_write_kv_i64_str(w, "remote_org_id", sv->remote_org_id);
    json_write_kv_bool(w, "push", sv->push);
    json_write_kv_bool(w, "pull", sv->pull);
    json_write_kv_bool(w, "push_sightings", sv->push_sightings);
    json_write_kv_bool(w, "self_signed", sv->self_signed);
    json_write_kv_str(w, "cert_file", sv->cert_file);
    json_write_kv_str(w, "push_rules", sv->push_rules ? sv->push_rules : "");
    json_write_kv_str(w, "pull_rules", sv->pull_rules ? sv->pull_rules : "");
    json_write_kv_i64(w, "timeout", sv->timeout);
    json_write_kv_i64(w, "pull_interval", sv->pull_interval);
    json_write_kv_i64_str(w, "created", sv->created);
    json_write_kv_i64_str(w, "modified", sv->modified);
    json_write_object_end(w);
    short_org_encode(w, "Organisation", org);
    short_org_encode(w, "RemoteOrg", remote);
    json_write_key(w, "sync");
    json_write_object_begin(w);
    sync_state_encode(w, "pull", pull);
    sync_state_encode(w, "push", push);
    json_write_object_end(w);
    json_write_object_end(w);
}

void misp_connection_test_encode(struct json_writer *w, const struct misp_connection_test *t)
{
    json_write_object_begin(w);
    json_write_kv_i64(w, "status", t->status);
    json_write_kv_str(w, "message", t->message);
    if (t->version != NULL && t->version[0] != '\0') {
        json_write_kv_str(w, "version", t->version);
        json_write_kv_str(w, "uuid", t->uuid);
        json_write_kv_bool(w, "perm_sync", t->perm_sync);
        json_write_kv_bool(w, "perm_sighting", t->perm_sighting);
    }
    if (t->error != NULL)
        json_write_kv_str(w, "error", t->error);
    json_write_object_end(w);
}

int misp_push_offers_decode(struct arena *a, const struct json_value *body,
                            char (**uuids)[UUID_STR_LEN + 1], int64_t **stamps, size_t *n,
                            struct diag *d)
{
    if (!json_is(body, JSON_ARRAY))
        return diag_set(d, ERR_INVAL, "", "the body must be a JSON array");
    char(*u)[UUID_STR_LEN + 1] = arena_calloc(a, body->len ? body->len : 1, sizeof(*u));
    int64_t *t = arena_calloc(a, body->len ? body->len : 1, sizeof(*t));
    for (size_t i = 0; i < body->len; i++) {
        const struct json_value *e = &body->u.items[i];
        const struct json_value *inner = json_get(e, "Event");
        if (inner != NULL)
            e = inner;
        struct str us;
        char field[48];
        if (!json_as_str(json_get(e, "uuid"), &us) || !uuid_canonical(us, u[i])) {
            snprintf(field, sizeof(field), "%zu.Event.uuid", i);
            return diag_set(d, ERR_INVAL, field, "not a valid uuid");
        }
        if (!json_as_i64(json_get(e, "timestamp"), &t[i])) {
            snprintf(field, sizeof(field), "%zu.Event.timestamp", i);
            return diag_set(d, ERR_INVAL, field, "not a Unix time");
        }
    }
    *uuids = u;
    *stamps = t;
    *n = body->len;
    return 0;
}

int misp_uuid_list_decode(struct arena *a, const struct json_value *body,
                          char (**uuids)[UUID_STR_LEN + 1], size_t *n, struct diag *d)
{
    if (!json_is(body, JSON_ARRAY))
        return diag_set(d, ERR_INVAL, "", "the body must be a JSON array");
    char(*u)[UUID_STR_LEN + 1] = arena_alloc(a, (body->len ? body->len : 1) * sizeof(*u));
    for (size_t i = 0; i < body->len; i++) {
        struct str us;
        if (!json_as_str(&body->u.items[i], &us) || !uuid_canonical(us, u[i])) {
            char field[32];
            snprintf(field, sizeof(field), "%zu", i);
            return diag_set(d, ERR_INVAL, field, "not a valid uuid");
        }
    }
    *uuids = u;
    *n = body->len;
    return 0;
}

void misp_uuid_list_encode(struct json_writer *w, char (*uuids)[UUID_STR_LEN + 1], const bool *pick,
                           size_t n)
{
    json_write_array_begin(w);
    for (size_t i = 0; i < n; i++)
        if (pick[i])
            json_write_cstr(w, uuids[i]);
    json_write_array_end(w);
}

void misp_sync_removed_encode(struct json_writer *w, int64_t removed)
{
    json_write_object_begin(w);
    json_write_kv_i64(w, "removed", removed);
    json_write_object_end(w);
}
