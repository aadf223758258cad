/*
 * servers.c - the SQLite backend's sync links (servers), their pull and push
 * checkpoints (sync_state) and the link each synced event last came from.
 */
#include "store/sqlite/sqlite_int.h"

#include "util/banned.h"

/* ---- sync links ---- */

#define SERVER_COLS                                                                                \
    "id, name, url, authkey, org_id, remote_org_id, push, pull, push_sightings, self_signed, "     \
    "cert_file, push_rules, pull_rules, timeout, created, modified, pull_interval"
static const char sql_server_insert[] =
    "INSERT INTO servers (name, url, authkey, org_id, remote_org_id, push, pull, push_sightings, "
    "self_signed, cert_file, push_rules, pull_rules, timeout, created, modified, seq, "
    "pull_interval) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?18)";
static const char sql_server_update[] =
    "UPDATE servers SET name=?1, url=?2, authkey=?3, org_id=?4, remote_org_id=?5, push=?6, "
    "pull=?7, push_sightings=?8, self_signed=?9, cert_file=?10, push_rules=?11, pull_rules=?12, "
    "timeout=?13, modified=?15, seq=?16, pull_interval=?18 WHERE id=?17 AND ?14 IS NOT NULL";
static const char sql_server_delete[] = "DELETE FROM servers WHERE id = ?";
static const char sql_sync_state_delete[] = "DELETE FROM sync_state WHERE server_id = ?";
static const char sql_event_origins_delete[] = "DELETE FROM event_origins WHERE server_id = ?";
static const char sql_server_get[] = "SELECT " SERVER_COLS " FROM servers WHERE id = ?";
static const char sql_server_list[] = "SELECT " SERVER_COLS " FROM servers ORDER BY url";

static void server_bind(sqlite3_stmt *st, const struct server *sv, int64_t now, int64_t seq)
{
    bind_text(st, 1, sv->name);
    bind_text(st, 2, sv->url);
    bind_text(st, 3, sv->authkey);
    sqlite3_bind_int64(st, 4, sv->org_id);
    sqlite3_bind_int64(st, 5, sv->remote_org_id);
    sqlite3_bind_int(st, 6, sv->push);
    sqlite3_bind_int(st, 7, sv->pull);
    sqlite3_bind_int(st, 8, sv->push_sightings);
    sqlite3_bind_int(st, 9, sv->self_signed);
    bind_text(st, 10, sv->cert_file);
    bind_text(st, 11, sv->push_rules ? sv->push_rules : "");
    bind_text(st, 12, sv->pull_rules ? sv->pull_rules : "");
    sqlite3_bind_int64(st, 13, sv->timeout);
    sqlite3_bind_int64(st, 14, now);
    sqlite3_bind_int64(st, 15, now);
    sqlite3_bind_int64(st, 16, seq);
    sqlite3_bind_int64(st, 18, sv->pull_interval);
}

static void server_read(struct arena *a, sqlite3_stmt *st, struct server *sv)
{
    sv->id = sqlite3_column_int64(st, 0);
    sv->name = col_text(a, st, 1);
    sv->url = col_text(a, st, 2);
    sv->authkey = col_text(a, st, 3);
    sv->org_id = sqlite3_column_int64(st, 4);
    sv->remote_org_id = sqlite3_column_int64(st, 5);
    sv->push = sqlite3_column_int(st, 6) != 0;
    sv->pull = sqlite3_column_int(st, 7) != 0;
    sv->push_sightings = sqlite3_column_int(st, 8) != 0;
    sv->self_signed = sqlite3_column_int(st, 9) != 0;
    sv->cert_file = col_text(a, st, 10);
    sv->push_rules = col_text(a, st, 11);
    sv->pull_rules = col_text(a, st, 12);
    sv->timeout = sqlite3_column_int64(st, 13);
    sv->created = sqlite3_column_int64(st, 14);
    sv->modified = sqlite3_column_int64(st, 15);
    sv->pull_interval = sqlite3_column_int64(st, 16);
}

int sq_server_insert(struct store_conn *base, struct server *sv)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_server_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    int64_t now = now_seconds();
    sv->created = sv->modified = now;
    server_bind(st, sv, now, seq);
    return step_insert(c, st, &sv->id);
}

int sq_server_update(struct store_conn *base, const struct server *sv)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_server_update, &seq);
    if (st == NULL)
        return ERR_DB;
    server_bind(st, sv, now_seconds(), seq);
    sqlite3_bind_int64(st, 17, sv->id);
    int rc = step_done(st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
}

int sq_server_delete(struct store_conn *base, int64_t id)
{
    struct sqlite_conn *c = sq_conn(base);
    int rc = 0;
    static const char *const related[] = {sql_sync_state_delete, sql_event_origins_delete};
    for (size_t i = 0; i < 2 && rc == 0; i++) {
        sqlite3_stmt *del = sq_stmt(c, related[i]);
        if (del == NULL)
            return ERR_DB;
        sqlite3_bind_int64(del, 1, id);
        rc = step_done(del);
    }
    if (rc < 0)
        return rc;
    sqlite3_stmt *st = sq_stmt(c, sql_server_delete);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    rc = step_done(st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
}

int sq_server_get(struct store_conn *base, struct arena *a, int64_t id, struct server **out)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_server_get);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    }
    *out = arena_calloc(a, 1, sizeof(**out));
    server_read(a, st, *out);
    sqlite3_reset(st);
    return 0;
}

int sq_server_list(struct store_conn *base, struct arena *a, struct server **out, size_t *n)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_server_list);
    if (st == NULL)
        return ERR_DB;
    COLLECT_ROWS(a, st, struct server, server_read, out, n);
    return 0;
}

/* ---- sync checkpoints ---- */

static const char sql_sync_state_get[] =
    "SELECT etag, last_timestamp, last_seq, last_run, last_success, last_error, events, "
    "attributes, failures, total_events, last_sighting, sightings FROM sync_state "
    "WHERE server_id = ?1 AND direction = ?2";
static const char sql_sync_state_put[] =
    "INSERT INTO sync_state (server_id, direction, etag, last_timestamp, last_seq, last_run, "
    "last_success, last_error, events, attributes, failures, total_events, last_sighting, "
    "sightings) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14) "
    "ON CONFLICT (server_id, direction) DO "
    "UPDATE SET etag=?3, last_timestamp=?4, last_seq=?5, last_run=?6, last_success=?7, "
    "last_error=?8, events=?9, attributes=?10, failures=?11, total_events=?12, "
    "last_sighting=?13, sightings=?14";
static const char sql_synced_events[] =
    "SELECT e.uuid FROM event_origins o JOIN events e ON e.id = o.event_id "
    "WHERE o.server_id = ? AND e.deleted = 0";
static const char sql_event_origin_set[] =
    "INSERT INTO event_origins (event_id, server_id) VALUES (?1, ?2) "
    "ON CONFLICT (event_id) DO UPDATE SET server_id = ?2";

int sq_sync_state_get(struct store_conn *base, struct arena *a, int64_t server_id, bool push,
                      struct sync_state **out)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_sync_state_get);
    if (st == NULL)
        return ERR_DB;
    struct sync_state *s = arena_calloc(a, 1, sizeof(*s));
    s->server_id = server_id;
    s->push = push;
    s->etag = s->last_error = "";
    sqlite3_bind_int64(st, 1, server_id);
    bind_text(st, 2, push ? "push" : "pull");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        s->etag = col_text(a, st, 0);
        s->last_timestamp = sqlite3_column_int64(st, 1);
        s->last_seq = sqlite3_column_int64(st, 2);
        s->last_run = sqlite3_column_int64(st, 3);
        s->last_success = sqlite3_column_int64(st, 4);
        s->last_error = col_text(a, st, 5);
        s->events = sqlite3_column_int64(st, 6);
        s->attributes = sqlite3_column_int64(st, 7);
        s->failures = sqlite3_column_int64(st, 8);
        s->total_events = sqlite3_column_int64(st, 9);
        s->last_sighting = sqlite3_column_int64(st, 10);
        s->sightings = sqlite3_column_int64(st, 11);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return ERR_DB;
    *out = s;
    return 0;
}

int sq_sync_state_put(struct store_conn *base, const struct sync_state *s)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_sync_state_put);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, s->server_id);
    bind_text(st, 2, s->push ? "push" : "pull");
    bind_text(st, 3, s->etag ? s->etag : "");
    sqlite3_bind_int64(st, 4, s->last_timestamp);
    sqlite3_bind_int64(st, 5, s->last_seq);
    sqlite3_bind_int64(st, 6, s->last_run);
    sqlite3_bind_int64(st, 7, s->last_success);
    bind_text(st, 8, s->last_error ? s->last_error : "");
    sqlite3_bind_int64(st, 9, s->events);
    sqlite3_bind_int64(st, 10, s->attributes);
    sqlite3_bind_int64(st, 11, s->failures);
    sqlite3_bind_int64(st, 12, s->total_events);
    sqlite3_bind_int64(st, 13, s->last_sighting);
    sqlite3_bind_int64(st, 14, s->sightings);
    return step_done(st);
}

int sq_event_origin_set(struct store_conn *base, int64_t event_id, int64_t server_id)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_event_origin_set);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, event_id);
    sqlite3_bind_int64(st, 2, server_id);
    return step_done(st);
}

int sq_synced_events(struct store_conn *base, int64_t server_id,
                     int (*fn)(void *ctx, const char *uuid), void *ctx)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_synced_events);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, server_id);
    int step, rc = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *uuid = (const char *)sqlite3_column_text(st, 0);
        if (uuid != NULL && (rc = fn(ctx, uuid)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_reset(st);
    return rc;
}
