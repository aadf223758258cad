/*
 * sightings.c - the SQLite backend's sightings.
 */
#include "store/sqlite/sqlite_int.h"

#include "util/banned.h"

/* ---- sightings ---- */

/* Every read carries what acl and the answers need: the event's owner, the
 * attribute's uuid and value, the event's uuid and the reporting org. */
#define SIGHTING_COLS                                                                              \
    "s.id, s.uuid, s.attribute_id, s.event_id, s.org_id, s.type, s.source, s.date_sighting, "      \
    "s.deleted, e.org_id, a.uuid, e.uuid, a.value, so.uuid, so.name, s.from_org_id"
#define SIGHTING_FROM                                                                              \
    " FROM sightings s JOIN attributes a ON a.id = s.attribute_id JOIN events e ON "               \
    "e.id = s.event_id LEFT JOIN orgs so ON so.id = s.org_id"

static const char sql_sighting_insert[] =
    "INSERT INTO sightings (uuid, attribute_id, event_id, org_id, type, source, date_sighting, "
    "deleted, seq, from_org_id) VALUES (?,?,?,?,?,?,?,0,?,?)";
static const char sql_sighting_by_id[] = "SELECT " SIGHTING_COLS SIGHTING_FROM " WHERE s.id = ?";
static const char sql_sighting_by_uuid[] =
    "SELECT " SIGHTING_COLS SIGHTING_FROM " WHERE s.uuid = ?";
static const char sql_sighting_delete[] =
    "UPDATE sightings SET deleted = 1, seq = ? WHERE id = ? AND deleted = 0";
static const char sql_sighting_expire[] =
    "UPDATE sightings SET deleted = 1, seq = ? WHERE attribute_id = ? AND org_id = ? AND "
    "type = 2 AND deleted = 0";
static const char sql_sighting_known[] =
    "SELECT uuid FROM sightings WHERE uuid" SQ_SET_IN "?1" SQ_SET_IN_END " AND "
    "(?2 = 0 OR event_id = ?2)";
static const char sql_event_sighting_touch[] =
    "UPDATE events SET sighting_timestamp = CASE WHEN ?1 > sighting_timestamp THEN ?1 ELSE "
    "sighting_timestamp + 1 END WHERE id = ?2";

static void sighting_read(struct arena *a, sqlite3_stmt *st, struct sighting *s)
{
    memset(s, 0, sizeof(*s));
    s->id = sqlite3_column_int64(st, 0);
    col_uuid(s->uuid, st, 1);
    s->attribute_id = sqlite3_column_int64(st, 2);
    s->event_id = sqlite3_column_int64(st, 3);
    s->org_id = sqlite3_column_int64(st, 4);
    s->type = sqlite3_column_int(st, 5);
    s->source = col_text(a, st, 6);
    s->date_sighting = sqlite3_column_int64(st, 7);
    s->deleted = sqlite3_column_int(st, 8) != 0;
    s->event_org_id = sqlite3_column_int64(st, 9);
    col_uuid(s->attribute_uuid, st, 10);
    col_uuid(s->event_uuid, st, 11);
    s->value = col_text(a, st, 12);
    if (sqlite3_column_type(st, 13) != SQLITE_NULL) {
        s->org = arena_calloc(a, 1, sizeof(*s->org));
        s->org->id = s->org_id;
        col_uuid(s->org->uuid, st, 13);
        s->org->name = col_text(a, st, 14);
    }
    s->from_org_id = sqlite3_column_int64(st, 15);
}

int sq_sighting_insert(struct store_conn *base, struct sighting *s)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_sighting_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, s->uuid);
    sqlite3_bind_int64(st, 2, s->attribute_id);
    sqlite3_bind_int64(st, 3, s->event_id);
    sqlite3_bind_int64(st, 4, s->org_id);
    sqlite3_bind_int(st, 5, s->type);
    bind_text(st, 6, s->source ? s->source : "");
    sqlite3_bind_int64(st, 7, s->date_sighting);
    sqlite3_bind_int64(st, 8, seq);
    sqlite3_bind_int64(st, 9, s->from_org_id);
    return step_insert(c, st, &s->id);
}

int sq_sighting_get(struct store_conn *base, struct arena *a, int64_t id, const char *uuid,
                    struct sighting **out)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st;
    int rc = sq_row_by_ref(c, sql_sighting_by_id, sql_sighting_by_uuid, id, uuid, &st);
    if (rc < 0)
        return rc;
    *out = arena_alloc(a, sizeof(**out));
    sighting_read(a, st, *out);
    sqlite3_reset(st);
    return 0;
}

int sq_sighting_search(struct store_conn *base, struct arena *a, const struct sighting_query *q,
                       int (*fn)(void *ctx, struct sighting *s), void *ctx)
{
    struct sqlite_conn *c = sq_conn(base);
    struct sqlb b = {.a = a};
    buf_init(&b.sql, 1 << 20);
    sqlb_text(&b, "SELECT " SIGHTING_COLS SIGHTING_FROM " LEFT JOIN objects o ON o.id = a.object_id"
                  " WHERE a.deleted = 0 AND e.deleted = 0");
    if (!q->with_deleted)
        sqlb_text(&b, " AND s.deleted = 0");
    sqlb_acl_event(&b, &q->acl);
    sqlb_acl_attribute(&b, &q->acl);
    sqlb_in_ids(&b, "s.id", q->ids, false);
    sqlb_in_ids(&b, "s.event_id", q->event_ids, false);
    sqlb_in_ids(&b, "s.attribute_id", q->attribute_ids, false);
    sqlb_in_strs(&b, "e.uuid", q->event_uuids);
    sqlb_in_strs(&b, "a.uuid", q->attribute_uuids);
    sqlb_in_ids(&b, "s.type", q->types, false);
    sqlb_in_strs(&b, "s.source", q->sources);
    sqlb_in_ids(&b, "s.org_id", q->org_ids, false);
    sqlb_in_ids(&b, "s.org_id", q->not_org_ids, true);
    if (q->from)
        sqlb_int(&b, " AND s.date_sighting >= ?", q->from);
    if (q->to)
        sqlb_int(&b, " AND s.date_sighting <= ?", q->to);
    if (q->after_id > 0)
        sqlb_int(&b, " AND s.id > ?", q->after_id);
    sqlb_text(&b, q->order == SIGHTING_NEWEST_FIRST   ? " ORDER BY s.date_sighting DESC, s.id DESC"
                  : q->order == SIGHTING_BY_ATTRIBUTE ? " ORDER BY s.attribute_id, s.id"
                                                      : " ORDER BY s.id");
    if (q->limit > 0)
        sqlb_int(&b, " LIMIT ?", q->limit);
    sqlite3_stmt *st = NULL;
    int rc = sqlb_prepare(c, &b, &st);
    buf_free(&b.sql);
    if (rc < 0)
        return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct sighting s;
        sighting_read(a, st, &s);
        if ((rc = fn(ctx, &s)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_finalize(st);
    return rc;
}

/* Runs a tombstoning UPDATE: ?1 the seq, then the statement's own one or two
 * parameters.  Returns the number of rows it changed, or an error. */
static int sighting_tombstone(struct sqlite_conn *c, const char *sql, int64_t p2, int64_t p3)
{
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql, &seq);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, p2);
    if (sqlite3_bind_parameter_count(st) >= 3)
        sqlite3_bind_int64(st, 3, p3);
    int rc = step_done(st);
    return rc < 0 ? rc : sqlite3_changes(c->db);
}

int sq_sighting_delete(struct store_conn *base, int64_t id)
{
    struct sqlite_conn *c = sq_conn(base);
    int rc = sighting_tombstone(c, sql_sighting_delete, id, 0);
    return rc == 0 ? ERR_NOTFOUND : rc < 0 ? rc : 0;
}

int sq_sighting_expire_previous(struct store_conn *base, int64_t attribute_id, int64_t org_id)
{
    struct sqlite_conn *c = sq_conn(base);
    int rc = sighting_tombstone(c, sql_sighting_expire, attribute_id, org_id);
    return rc < 0 ? rc : 0;
}

int sq_sighting_uuids_known(struct store_conn *base, int64_t event_id, struct str_set uuids,
                            int (*fn)(void *ctx, const char *uuid), void *ctx)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_sighting_known);
    if (st == NULL)
        return ERR_DB;
    int rc = sq_bind_str_set(st, 1, uuids);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 2, event_id);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *uuid = (const char *)sqlite3_column_text(st, 0);
        if (uuid != NULL && (rc = fn(ctx, uuid)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st); /* frees the set's text now */
    return rc;
}

int sq_event_sighting_touch(struct store_conn *base, int64_t event_id, int64_t now)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_event_sighting_touch);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, event_id);
    int rc = step_done(st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
}
