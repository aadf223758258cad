/*
 * misp_sync.c - sync links to remote servers, MISP's servers/add, edit,
 * delete and index (site administrators only).
 *
 * A link's API key belongs to a sync user on the peer and is sent there, so
 * it is stored as given; answers show only its first four characters.  The
 * organisation running the peer is an organisation record here: given by id
 * (remote_org_id) or as {"RemoteOrg": {"uuid", "name"}}, created (not local)
 * when unknown.
 */
#include "http/misp.h"

#include "core/indexer.h"
#include "core/peer.h"
#include "core/sync.h"
#include "core/uuid.h"
#include "util/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

static void write_short_org(struct json_writer *w, const char *key, const struct org *o)
{
    json_write_key(w, key);
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", o ? o->id : 0);
    json_write_kv_str(w, "name", o ? o->name : "");
    json_write_kv_str(w, "uuid", o ? o->uuid : "");
    json_write_object_end(w);
}

/* {"Server": {...}, "Organisation": {...}, "RemoteOrg": {...}} */
static void write_server(struct json_writer *w, const struct server *sv, const struct org *org,
                         const struct org *remote)
{
    char masked[48];
    snprintf(masked, sizeof(masked), "%.4s************************************", sv->authkey);
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
    write_short_org(w, "Organisation", org);
    write_short_org(w, "RemoteOrg", remote);
}

/* Beyond MISP: how the link's last pull or push went. */
static void write_sync_state(struct json_writer *w, const char *key, const struct sync_state *st)
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

static int bool_field(const struct json_value *body, const char *key, bool *out, struct diag *d)
{
    const struct json_value *v = json_get(body, key);
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    if (!json_as_bool(v, out))
        return diag_set(d, ERR_INVAL, key, "%s must be true or false", key);
    return 0;
}

/* Push and pull rules: MISP sends them as a JSON-encoded string; an object is
 * taken too.  Either way a JSON object, stored as text. */
static int rules_field(struct request *req, const struct json_value *body, const char *key,
                       char **out, struct diag *d)
{
    const struct json_value *v = json_get(body, key);
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    struct str s;
    if (json_as_str(v, &s)) {
        if (s.len == 0) {
            *out = "";
            return 0;
        }
        struct json_value *parsed;
        struct diag pd;
        diag_clear(&pd);
        if (json_parse(req->a, s.ptr, s.len, LIMIT_JSON_DEPTH, &parsed, &pd) < 0 ||
            parsed->type != JSON_OBJECT)
            return diag_set(d, ERR_INVAL, key, "%s must be a JSON object", key);
        *out = arena_strndup(req->a, s.ptr, s.len);
        return 0;
    }
    if (v->type != JSON_OBJECT)
        return diag_set(d, ERR_INVAL, key, "%s must be a JSON object", key);
    struct buf b;
    buf_init(&b, LIMIT_BODY_MAX);
    struct json_writer w;
    json_writer_init(&w, &b, false);
    json_write_value(&w, v);
    *out = arena_strndup(req->a, b.ptr ? b.ptr : "", b.len);
    buf_free(&b);
    return 0;
}

/* The peer's organisation: remote_org_id, or RemoteOrg {uuid, name}. */
static int remote_org(struct request *req, struct store_conn *c, const struct json_value *body,
                      struct server *sv, struct diag *d)
{
    const struct json_value *v = json_get(body, "remote_org_id");
    if (v != NULL && v->type != JSON_NULL) {
        int64_t id;
        if (!json_as_i64(v, &id) || id <= 0)
            return diag_set(d, ERR_INVAL, "remote_org_id", "remote_org_id must be an id");
        return peer_link_remote_org(c, req->a, sv, id, NULL, NULL, req->who.user.id, d);
    }
    const struct json_value *ro = json_get(body, "RemoteOrg");
    if (ro == NULL || ro->type == JSON_NULL)
        return 0;
    struct str us = {"", 0}, ns = {"", 0};
    if (ro->type != JSON_OBJECT || !json_as_str(json_get(ro, "uuid"), &us))
        return diag_set(d, ERR_INVAL, "RemoteOrg.uuid", "RemoteOrg needs a valid uuid");
    json_as_str(json_get(ro, "name"), &ns);
    return peer_link_remote_org(c, req->a, sv, 0, arena_strndup(req->a, us.ptr, us.len),
                                ns.len ? arena_strndup(req->a, ns.ptr, ns.len) : NULL,
                                req->who.user.id, d);
}

/* Reads the fields of body into sv (over its current values). */
static int server_from_body(struct request *req, struct store_conn *c,
                            const struct json_value *body, struct server *sv, struct diag *d)
{
    int rc = http_opt_str(req, body, "url", &sv->url, d);
    if (rc == 0)
        rc = http_opt_str(req, body, "name", &sv->name, d);
    if (rc == 0)
        rc = http_opt_str(req, body, "authkey", &sv->authkey, d);
    if (rc == 0)
        rc = http_opt_str(req, body, "cert_file", &sv->cert_file, d);
    if (rc == 0)
        rc = bool_field(body, "push", &sv->push, d);
    if (rc == 0)
        rc = bool_field(body, "pull", &sv->pull, d);
    if (rc == 0)
        rc = bool_field(body, "push_sightings", &sv->push_sightings, d);
    if (rc == 0)
        rc = bool_field(body, "self_signed", &sv->self_signed, d);
    if (rc == 0)
        rc = rules_field(req, body, "push_rules", &sv->push_rules, d);
    if (rc == 0)
        rc = rules_field(req, body, "pull_rules", &sv->pull_rules, d);
    const struct json_value *v = json_get(body, "timeout");
    if (rc == 0 && v != NULL && v->type != JSON_NULL && !json_as_i64(v, &sv->timeout))
        rc = diag_set(d, ERR_INVAL, "timeout", "timeout must be a number of seconds");
    v = json_get(body, "pull_interval");
    if (rc == 0 && v != NULL && v->type != JSON_NULL && !json_as_i64(v, &sv->pull_interval))
        rc = diag_set(d, ERR_INVAL, "pull_interval", "pull_interval must be a number of seconds");
    if (rc == 0)
        rc = remote_org(req, c, body, sv, d);
    if (rc < 0)
        return rc;
    return peer_link_check(sv, d);
}

static int answer_server(struct request *req, struct store_conn *c, const struct server *sv)
{
    struct org *org = NULL, *remote = NULL;
    int rc = store_org_get(c, req->a, sv->org_id, NULL, NULL, &org);
    if (rc == 0 || rc == ERR_NOTFOUND)
        rc = store_org_get(c, req->a, sv->remote_org_id, NULL, NULL, &remote);
    if (rc < 0 && rc != ERR_NOTFOUND)
        return rc;
    struct sync_state *pull, *push;
    if ((rc = store_sync_state_get(c, req->a, sv->id, false, &pull)) < 0 ||
        (rc = store_sync_state_get(c, req->a, sv->id, true, &push)) < 0)
        return rc;
    write_server(&req->w, sv, org, remote);
    json_write_key(&req->w, "sync");
    json_write_object_begin(&req->w);
    write_sync_state(&req->w, "pull", pull);
    write_sync_state(&req->w, "push", push);
    json_write_object_end(&req->w);
    json_write_object_end(&req->w);
    return 0;
}

/* Loads the link named by path segment 2 inside an open transaction. */
static int server_at(struct request *req, struct store_conn *c, struct server **sv)
{
    int64_t id = http_seg_id(req, 2);
    return id > 0 ? store_server_get(c, req->a, id, sv) : ERR_NOTFOUND;
}

static int save(struct request *req, bool adding)
{
    if (!acl_is_site_admin(&req->who))
        return http_error(req, 403, "Only site administrators may manage sync links.", NULL);
    const struct json_value *body = http_body_unwrap(req, "Server");
    if (!json_is(body, JSON_OBJECT))
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    struct diag d;
    diag_clear(&d);
    struct store_conn *c;
    int rc = store_begin_write(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct server *sv;
    if (adding) {
        sv = arena_calloc(req->a, 1, sizeof(*sv));
        sv->org_id = req->who.org.id;
        sv->timeout = PEER_TIMEOUT_DEFAULT;
        sv->pull_interval = PEER_PULL_INTERVAL_DEFAULT;
        rc = 0;
    } else {
        rc = server_at(req, c, &sv);
    }
    if (rc == 0)
        rc = server_from_body(req, c, body, sv, &d);
    if (rc == 0)
        rc = adding ? store_server_insert(c, sv) : store_server_update(c, sv);
    if (rc == ERR_CONFLICT && d.field[0] == '\0')
        diag_set(&d, ERR_CONFLICT, "url", "a sync link to this url exists already");
    if (rc == 0)
        rc = answer_server(req, c, sv);
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
    if (rc == ERR_NOTFOUND && d.field[0] == '\0')
        return http_error(req, 404, "Invalid server.", NULL);
    if (rc < 0) {
        buf_reset(&req->out);
        json_writer_init(&req->w, &req->out, false);
        return http_save_failed(req, "Server", rc, &d);
    }
    return 200;
}

int misp_servers_add(struct request *req)
{
    return save(req, true);
}

int misp_servers_edit(struct request *req)
{
    return save(req, false);
}

int misp_servers_delete(struct request *req)
{
    if (!acl_is_site_admin(&req->who))
        return http_error(req, 403, "Only site administrators may manage sync links.", NULL);
    int64_t id = http_seg_id(req, 2);
    if (id <= 0)
        return http_error(req, 404, "Invalid server.", NULL);
    struct store_conn *c;
    int rc = store_begin_write(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    rc = store_server_delete(c, id);
    store_end(c, rc == 0);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid server.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    return http_saved(req, "Server deleted.", id);
}

int misp_servers_index(struct request *req)
{
    if (!acl_is_site_admin(&req->who))
        return http_error(req, 403, "Only site administrators may list sync links.", NULL);
    struct store_conn *c;
    int rc = store_begin_read(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct server *list;
    size_t n;
    rc = store_server_list(c, req->a, &list, &n);
    json_write_array_begin(&req->w);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = answer_server(req, c, &list[i]);
    json_write_array_end(&req->w);
    store_end(c, true);
    if (rc < 0) {
        buf_reset(&req->out);
        json_writer_init(&req->w, &req->out, false);
        return http_fail(req, rc, NULL);
    }
    return 200;
}

/* MISP's servers/testConnection: can we reach the peer, does the key work,
 * is its user a sync user?  The store is not held during the request. */
int misp_servers_test_connection(struct request *req)
{
    if (!acl_is_site_admin(&req->who))
        return http_error(req, 403, "Only site administrators may manage sync links.", NULL);
    struct store_conn *c;
    int rc = store_begin_read(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct server *sv;
    rc = server_at(req, c, &sv);
    store_end(c, true);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid server.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct peer_version v;
    enum peer_status st = peer_test(sv, req->app->svc.instance_uuid, &v);
    struct json_writer *w = &req->w;
    json_write_object_begin(w);
    json_write_kv_i64(w, "status", st);
    json_write_kv_str(w, "message", peer_status_name(st));
    if (v.version[0]) {
        json_write_kv_str(w, "version", v.version);
        json_write_kv_str(w, "uuid", v.uuid);
        json_write_kv_bool(w, "perm_sync", v.perm_sync);
        json_write_kv_bool(w, "perm_sighting", v.perm_sighting);
    }
    if (st != PEER_OK)
        json_write_kv_str(w, "error", v.message);
    json_write_object_end(w);
    return 200;
}

/* ---- the receiving side of a push ---- */

struct offer {
    char uuid[UUID_STR_LEN + 1];
    int64_t timestamp;
    size_t pos; /* in the request */
    bool wanted;
};

static int cmp_offer(const void *a, const void *b)
{
    return strcmp(((const struct offer *)a)->uuid, ((const struct offer *)b)->uuid);
}

static int cmp_offer_pos(const void *a, const void *b)
{
    size_t x = ((const struct offer *)a)->pos, y = ((const struct offer *)b)->pos;
    return (x > y) - (x < y);
}

struct offers {
    struct offer *v;
    size_t n;
};

/* A local copy that is as new, or that was created here (not locked: not a
 * synced copy), is not taken from a peer. */
static int on_stamp(void *ctx, const char *uuid, int64_t timestamp, bool locked)
{
    struct offers *o = ctx;
    struct offer key = {.timestamp = 0};
    snprintf(key.uuid, sizeof(key.uuid), "%s", uuid);
    struct offer *hit = bsearch(&key, o->v, o->n, sizeof(*o->v), cmp_offer);
    while (hit != NULL && hit > o->v && strcmp((hit - 1)->uuid, uuid) == 0)
        hit--; /* the same uuid offered twice: from the first */
    for (; hit != NULL && hit < o->v + o->n && strcmp(hit->uuid, uuid) == 0; hit++)
        if (!locked || timestamp >= hit->timestamp)
            hit->wanted = false;
    return 0;
}

/* MISP's events/filterEventIdsForPush: of the offered [{"Event": {uuid,
 * timestamp}}], the uuids this node wants (unknown here, or a newer version of
 * a synced copy).  Sync users and site admins. */
int misp_events_filter_for_push(struct request *req)
{
    if (!acl_can_sync(&req->who))
        return http_error(req, 403, "Only sync users may push events.", NULL);
    const struct json_value *body = req->json;
    if (!json_is(body, JSON_ARRAY))
        return http_error(req, 400, "The body must be a JSON array of {\"Event\": {uuid, "
                                    "timestamp}}.", NULL);
    struct diag d;
    diag_clear(&d);
    struct offers o = {arena_calloc(req->a, body->len ? body->len : 1, sizeof(struct offer)),
                       body->len};
    struct buf list;
    buf_init(&list, LIMIT_BODY_MAX);
    buf_putc(&list, '[');
    for (size_t i = 0; i < body->len; i++) {
        const struct json_value *e = &body->u.items[i];
        const struct json_value *inner = json_get(e, "Event");
        if (inner != NULL)
            e = inner;
        struct str us;
        char field[48];
        if (!json_as_str(json_get(e, "uuid"), &us) || !uuid_canonical(us, o.v[i].uuid)) {
            snprintf(field, sizeof(field), "%zu.Event.uuid", i);
            diag_set(&d, ERR_INVAL, field, "not a valid uuid");
            break;
        }
        if (!json_as_i64(json_get(e, "timestamp"), &o.v[i].timestamp)) {
            snprintf(field, sizeof(field), "%zu.Event.timestamp", i);
            diag_set(&d, ERR_INVAL, field, "not a Unix time");
            break;
        }
        o.v[i].pos = i;
        o.v[i].wanted = true;
        buf_printf(&list, "%s\"%s\"", i ? "," : "", o.v[i].uuid);
    }
    buf_putc(&list, ']');
    if (d.field[0] != '\0') {
        buf_free(&list);
        return http_error(req, 400, "Invalid event list.", &d);
    }
    qsort(o.v, o.n, sizeof(*o.v), cmp_offer);
    struct store_conn *c;
    int rc = list.err ? ERR_TOOBIG : store_begin_read(req->app->svc.store, &c);
    if (rc == 0) {
        rc = store_event_stamps(c, buf_cstr(&list), on_stamp, &o);
        store_end(c, true);
    }
    buf_free(&list);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    qsort(o.v, o.n, sizeof(*o.v), cmp_offer_pos);
    json_write_array_begin(&req->w);
    for (size_t i = 0; i < o.n; i++)
        if (o.v[i].wanted)
            json_write_cstr(&req->w, o.v[i].uuid);
    json_write_array_end(&req->w);
    return 200;
}

/* ---- pull and push on demand ---- */

/* The body as a list of event uuids (canonical, in the arena); answers 400
 * naming the bad item and returns ERR_INVAL otherwise. */
static int read_uuid_list(struct request *req, char (**out)[UUID_STR_LEN + 1], size_t *n)
{
    const struct json_value *body = req->json;
    if (!json_is(body, JSON_ARRAY)) {
        http_error(req, 400, "The body must be a JSON array of event uuids.", NULL);
        return ERR_INVAL;
    }
    char (*uuids)[UUID_STR_LEN + 1] =
        arena_alloc(req->a, (body->len ? body->len : 1) * sizeof(*uuids));
    for (size_t i = 0; i < body->len; i++) {
        struct str us;
        if (!json_as_str(&body->u.items[i], &us) || !uuid_canonical(us, uuids[i])) {
            struct diag d;
            diag_clear(&d);
            char field[32];
            snprintf(field, sizeof(field), "%zu", i);
            diag_set(&d, ERR_INVAL, field, "not a valid uuid");
            http_error(req, 400, "Invalid uuid list.", &d);
            return ERR_INVAL;
        }
    }
    *out = uuids;
    *n = body->len;
    return 0;
}

/* GET /servers/pull/{id}[/full] and /servers/push/{id}[/full] (MISP's
 * technique segment: "full" looks at everything again; anything else is
 * incremental).  The run happens in this request; the answer reports it. */
static int run_sync(struct request *req, bool push)
{
    if (!acl_is_site_admin(&req->who))
        return http_error(req, 403, "Only site administrators may start a sync.", NULL);
    int64_t id = http_seg_id(req, 2);
    if (id <= 0)
        return http_error(req, 404, "Invalid server.", NULL);
    const char *technique = http_seg(req, 3);
    struct sync_opts o = {.full = technique != NULL && strcmp(technique, "full") == 0,
                          .self_uuid = req->app->svc.instance_uuid,
                          .self_url = req->app->base_url};
    struct sync_report r;
    int rc = push ? sync_push(req->app->svc.store, id, &o, &r) : sync_pull(req->app->svc.store, id, &o, &r);
    if (!push && req->app->svc.indexer != NULL)
        indexer_refresh(req->app->svc.indexer);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid server.", NULL);
    int status = rc == 0                ? 200
                 : rc == ERR_FORBIDDEN  ? 403
                 : rc == ERR_CONFLICT   ? 409
                                        : 502;
    char msg[700];
    long long moved = (long long)r.created + (long long)r.updated;
    if (rc == 0)
        snprintf(msg, sizeof(msg), "%s completed: %lld events %s, %lld failed.",
                 push ? "Push" : "Pull", moved,
                 push ? "pushed" : "pulled or updated", (long long)r.failed);
    else
        snprintf(msg, sizeof(msg), "%s failed: %s", push ? "Push" : "Pull", r.error);
    struct json_writer *w = &req->w;
    json_write_object_begin(w);
    json_write_kv_bool(w, "success", rc == 0);
    json_write_kv_str(w, "message", msg);
    json_write_kv_i64_str(w, "id", id);
    sync_report_write(w, &r);
    json_write_object_end(w);
    return status;
}

int misp_servers_pull(struct request *req)
{
    return run_sync(req, false);
}

int misp_servers_push(struct request *req)
{
    return run_sync(req, true);
}

/* The Liaison-only sync endpoints' request: a sync user's list of event
 * uuids.  0, or the status of the error answer written. */
static int peer_uuid_list(struct request *req, char (**uuids)[UUID_STR_LEN + 1], size_t *n)
{
    if (!acl_can_sync(&req->who))
        return http_error(req, 403, "Only sync users may ask this.", NULL);
    return read_uuid_list(req, uuids, n) < 0 ? 400 : 0;
}

/* Beyond MISP, for Liaison peers: of the given event uuids (copies the caller
 * took from here), those it may no longer see - deleted here, distribution
 * narrowed, or kept here by TLP - so that it removes its copies. */
int misp_events_sync_revoked(struct request *req)
{
    char (*uuids)[UUID_STR_LEN + 1] = NULL;
    size_t n = 0;
    int status = peer_uuid_list(req, &uuids, &n);
    if (status != 0)
        return status;
    const struct acl_filter *acl = http_acl(req);
    bool peer = acl_is_sync_peer(&req->who);
    struct store_conn *c;
    int rc = store_begin_read(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    json_write_array_begin(&req->w);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct arena *a = arena_new();
        struct event *e;
        int lrc = store_event_load(c, a, 0, uuids[i], acl, STORE_LOAD_TAGS, &e);
        if (lrc == ERR_NOTFOUND || (lrc == 0 && peer && !acl_sync_trim(e, DIST_COMMUNITY)))
            json_write_cstr(&req->w, uuids[i]);
        else if (lrc < 0)
            rc = lrc;
        arena_free(a);
    }
    store_end(c, true);
    if (rc < 0) {
        buf_reset(&req->out);
        json_writer_init(&req->w, &req->out, false);
        return http_fail(req, rc, NULL);
    }
    json_write_array_end(&req->w);
    return 200;
}

/* Beyond MISP, for Liaison peers pushing here: of the given event uuids, the
 * copies this caller's organisation pushed here (locked, owned by it) are
 * removed: the pusher deleted them, narrowed them or its TLP keeps them. */
int misp_events_sync_remove(struct request *req)
{
    char (*uuids)[UUID_STR_LEN + 1] = NULL;
    size_t n = 0;
    int status = peer_uuid_list(req, &uuids, &n);
    if (status != 0)
        return status;
    struct store_conn *c;
    int rc = store_begin_write(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct acl_filter all;
    acl_filter_system(&all, false);
    int64_t removed = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct event *e;
        int lrc = store_event_load(c, req->a, 0, uuids[i], &all, 0, &e);
        if (lrc == ERR_NOTFOUND || (lrc == 0 && (!e->locked || e->org_id != req->who.org.id)))
            continue;
        if ((rc = lrc) == 0 && (rc = store_event_purge(c, e->id)) == 0)
            removed++;
    }
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
    if (rc < 0)
        return http_fail(req, rc, NULL);
    json_write_object_begin(&req->w);
    json_write_kv_i64(&req->w, "removed", removed);
    json_write_object_end(&req->w);
    return 200;
}
