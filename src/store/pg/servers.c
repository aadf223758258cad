/*
 * servers.c - the PostgreSQL backend's sync links (servers), their pull and
 * push checkpoints (sync_state) and the link each synced event last came from.
 */
#include "store/pg/pg_int.h"

#include "util/banned.h"

/* ---- sync links ---- */

#define SERVER_COLS                                                                                \
    "id, name, url, authkey, org_id, remote_org_id, push, pull, push_sightings, self_signed, "     \
    "cert_file, push_rules, pull_rules, timeout, created, modified, pull_interval"
/* A taken url is ERR_CONFLICT: ON CONFLICT DO NOTHING returns no row then,
 * where a unique violation would abort the transaction. */
static const char sql_server_insert[] =
    "INSERT INTO servers (name, url, authkey, org_id, remote_org_id, push, pull, push_sightings, "
    "self_signed, cert_file, push_rules, pull_rules, timeout, pull_interval, modified, seq, "
    "created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING id";
static const char sql_server_update[] =
    "UPDATE servers SET name=?, url=?, authkey=?, org_id=?, remote_org_id=?, push=?, pull=?, "
    "push_sightings=?, self_signed=?, cert_file=?, push_rules=?, pull_rules=?, timeout=?, "
    "pull_interval=?, modified=?, seq=? WHERE id=?";
/* Whether the link exists, and whether another link has the url: checked
 * before the UPDATE so that a taken url is ERR_CONFLICT without aborting the
 * transaction (writers run one at a time: the answer still holds). */
static const char sql_server_update_check[] =
    "SELECT (EXISTS (SELECT 1 FROM servers WHERE id = ?))::int, "
    "(EXISTS (SELECT 1 FROM servers WHERE url = ? AND id <> ?))::int";
static const char sql_server_delete[] = "DELETE FROM servers WHERE id = ?";
static const char sql_sync_state_delete[] = "DELETE FROM sync_state WHERE server_id = ?";
static const char sql_event_origins_delete[] = "DELETE FROM event_origins WHERE server_id = ?";
static const char sql_server_get[] = "SELECT " SERVER_COLS " FROM servers WHERE id = ?";
static const char sql_server_list[] =
    "SELECT " SERVER_COLS " FROM servers ORDER BY url COLLATE \"C\"";

/* Adds the columns both statements write, from name to seq. */
static void server_bind(struct pg_params *p, const struct server *sv, int64_t now, int64_t seq)
{
    pg_p_text(p, sv->name);
    pg_p_text(p, sv->url);
    pg_p_text(p, sv->authkey);
    pg_p_int(p, sv->org_id);
    pg_p_int(p, sv->remote_org_id);
    pg_p_bool(p, sv->push);
    pg_p_bool(p, sv->pull);
    pg_p_bool(p, sv->push_sightings);
    pg_p_bool(p, sv->self_signed);
    pg_p_text(p, sv->cert_file);
    pg_p_text(p, sv->push_rules ? sv->push_rules : "");
    pg_p_text(p, sv->pull_rules ? sv->pull_rules : "");
    pg_p_int(p, sv->timeout);
    pg_p_int(p, sv->pull_interval);
    pg_p_int(p, now);
    pg_p_int(p, seq);
}

static void server_read(struct arena *a, const PGresult *r, int row, struct server *sv)
{
    sv->id = pg_int(r, row, 0);
    sv->name = pg_text(a, r, row, 1);
    sv->url = pg_text(a, r, row, 2);
    sv->authkey = pg_text(a, r, row, 3);
    sv->org_id = pg_int(r, row, 4);
    sv->remote_org_id = pg_int(r, row, 5);
    sv->push = pg_bool(r, row, 6);
    sv->pull = pg_bool(r, row, 7);
    sv->push_sightings = pg_bool(r, row, 8);
    sv->self_signed = pg_bool(r, row, 9);
    sv->cert_file = pg_text(a, r, row, 10);
    sv->push_rules = pg_text(a, r, row, 11);
    sv->pull_rules = pg_text(a, r, row, 12);
    sv->timeout = pg_int(r, row, 13);
    sv->created = pg_int(r, row, 14);
    sv->modified = pg_int(r, row, 15);
    sv->pull_interval = pg_int(r, row, 16);
}

int pg_server_insert(struct store_conn *base, struct server *sv)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    int64_t now = now_seconds();
    sv->created = sv->modified = now;
    struct pg_params p;
    pg_params_init(&p);
    server_bind(&p, sv, now, seq);
    pg_p_int(&p, now);
    return pg_insert(c, sql_server_insert, &p, &sv->id);
}

/* 0 when sv may be written: ERR_NOTFOUND without the link, ERR_CONFLICT when
 * another link has its url. */
static int server_update_check(struct pg_conn *c, const struct server *sv)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, sv->id);
    pg_p_text(&p, sv->url);
    pg_p_int(&p, sv->id);
    PGresult *r;
    int rc = pg_row(c, sql_server_update_check, &p, &r);
    if (rc < 0)
        return rc == ERR_NOTFOUND ? ERR_DB : rc;
    bool exists = pg_bool(r, 0, 0), taken = pg_bool(r, 0, 1);
    PQclear(r);
    return !exists ? ERR_NOTFOUND : taken ? ERR_CONFLICT : 0;
}

int pg_server_update(struct store_conn *base, const struct server *sv)
{
    struct pg_conn *c = pg_conn(base);
    int rc = server_update_check(c, sv);
    if (rc < 0)
        return rc;
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    struct pg_params p;
    pg_params_init(&p);
    server_bind(&p, sv, now_seconds(), seq);
    pg_p_int(&p, sv->id);
    return pg_run_changed(c, sql_server_update, &p);
}

int pg_server_delete(struct store_conn *base, int64_t id)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_params p;
    static const char *const related[] = {sql_sync_state_delete, sql_event_origins_delete};
    for (size_t i = 0; i < 2; i++) {
        pg_params_init(&p);
        pg_p_int(&p, id);
        int rc = pg_run(c, related[i], &p);
        if (rc < 0)
            return rc;
    }
    pg_params_init(&p);
    pg_p_int(&p, id);
    return pg_run_changed(c, sql_server_delete, &p);
}

int pg_server_get(struct store_conn *base, struct arena *a, int64_t id, struct server **out)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, id);
    PGresult *r;
    int rc = pg_row(pg_conn(base), sql_server_get, &p, &r);
    if (rc < 0)
        return rc;
    *out = arena_calloc(a, 1, sizeof(**out));
    server_read(a, r, 0, *out);
    PQclear(r);
    return 0;
}

int pg_server_list(struct store_conn *base, struct arena *a, struct server **out, size_t *n)
{
    int rc = 0;
    PGresult *r = pg_exec(pg_conn(base), sql_server_list, NULL, &rc);
    if (r == NULL)
        return rc;
    PG_COLLECT_ROWS(a, r, struct server, server_read, out, n);
    PQclear(r);
    return 0;
}

/* ---- sync checkpoints ---- */

static const char sql_sync_state_get[] =
    "SELECT etag, last_timestamp, last_seq, last_run, last_success, last_error, events, "
    "attributes, failures, total_events, last_sighting, sightings FROM sync_state "
    "WHERE server_id = ? AND direction = ?";
static const char sql_sync_state_put[] =
    "INSERT INTO sync_state (server_id, direction, etag, last_timestamp, last_seq, last_run, "
    "last_success, last_error, events, attributes, failures, total_events, last_sighting, "
    "sightings) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT (server_id, direction) DO "
    "UPDATE SET etag = excluded.etag, last_timestamp = excluded.last_timestamp, "
    "last_seq = excluded.last_seq, last_run = excluded.last_run, "
    "last_success = excluded.last_success, last_error = excluded.last_error, "
    "events = excluded.events, attributes = excluded.attributes, "
    "failures = excluded.failures, total_events = excluded.total_events, "
    "last_sighting = excluded.last_sighting, sightings = excluded.sightings";
static const char sql_synced_events[] =
    "SELECT e.uuid FROM event_origins o JOIN events e ON e.id = o.event_id "
    "WHERE o.server_id = ? AND e.deleted = 0";
static const char sql_event_origin_set[] =
    "INSERT INTO event_origins (event_id, server_id) VALUES (?, ?) "
    "ON CONFLICT (event_id) DO UPDATE SET server_id = excluded.server_id";

static void sync_state_read(struct arena *a, const PGresult *r, struct sync_state *s)
{
    s->etag = pg_text(a, r, 0, 0);
    s->last_timestamp = pg_int(r, 0, 1);
    s->last_seq = pg_int(r, 0, 2);
    s->last_run = pg_int(r, 0, 3);
    s->last_success = pg_int(r, 0, 4);
    s->last_error = pg_text(a, r, 0, 5);
    s->events = pg_int(r, 0, 6);
    s->attributes = pg_int(r, 0, 7);
    s->failures = pg_int(r, 0, 8);
    s->total_events = pg_int(r, 0, 9);
    s->last_sighting = pg_int(r, 0, 10);
    s->sightings = pg_int(r, 0, 11);
}

int pg_sync_state_get(struct store_conn *base, struct arena *a, int64_t server_id, bool push,
                      struct sync_state **out)
{
    struct sync_state *s = arena_calloc(a, 1, sizeof(*s));
    s->server_id = server_id;
    s->push = push;
    s->etag = s->last_error = "";
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, server_id);
    pg_p_text(&p, push ? "push" : "pull");
    PGresult *r;
    int rc = pg_row(pg_conn(base), sql_sync_state_get, &p, &r);
    if (rc < 0 && rc != ERR_NOTFOUND)
        return rc;
    if (rc == 0) {
        sync_state_read(a, r, s);
        PQclear(r);
    }
    *out = s;
    return 0;
}

int pg_sync_state_put(struct store_conn *base, const struct sync_state *s)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, s->server_id);
    pg_p_text(&p, s->push ? "push" : "pull");
    pg_p_text(&p, s->etag ? s->etag : "");
    pg_p_int(&p, s->last_timestamp);
    pg_p_int(&p, s->last_seq);
    pg_p_int(&p, s->last_run);
    pg_p_int(&p, s->last_success);
    pg_p_text(&p, s->last_error ? s->last_error : "");
    pg_p_int(&p, s->events);
    pg_p_int(&p, s->attributes);
    pg_p_int(&p, s->failures);
    pg_p_int(&p, s->total_events);
    pg_p_int(&p, s->last_sighting);
    pg_p_int(&p, s->sightings);
    return pg_run(pg_conn(base), sql_sync_state_put, &p);
}

int pg_event_origin_set(struct store_conn *base, int64_t event_id, int64_t server_id)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, event_id);
    pg_p_int(&p, server_id);
    return pg_run(pg_conn(base), sql_event_origin_set, &p);
}

int pg_synced_events(struct store_conn *base, int64_t server_id,
                     int (*fn)(void *ctx, const char *uuid), void *ctx)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, server_id);
    struct pg_cursor cur;
    int rc = pg_cursor_open(&cur, pg_conn(base), sql_synced_events, &p, 1000);
    while (rc == 0 && (rc = pg_cursor_next(&cur)) > 0)
        rc = fn(ctx, pg_str(cur.res, cur.row, 0));
    pg_cursor_close(&cur);
    return rc;
}
