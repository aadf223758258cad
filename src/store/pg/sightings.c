/*
 * sightings.c - the PostgreSQL backend's sightings.
 */
#include "store/pg/pg_int.h"

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

/* A taken uuid is ERR_CONFLICT: no row comes back, the transaction goes on. */
static const char sql_sighting_insert[] =
    "INSERT INTO sightings (uuid, attribute_id, event_id, org_id, type, source, date_sighting, "
    "deleted, seq, from_org_id) VALUES (?,?,?,?,?,?,?,0,?,?) ON CONFLICT DO NOTHING RETURNING id";
static const char sql_sighting_by_id[] = "SELECT " SIGHTING_COLS SIGHTING_FROM " WHERE s.id = ?";
static const char sql_sighting_by_uuid[] =
    "SELECT " SIGHTING_COLS SIGHTING_FROM " WHERE s.uuid = ?";
static const char sql_sighting_delete[] =
    "UPDATE sightings SET deleted = 1, seq = ? WHERE id = ? AND deleted = 0";
static const char sql_sighting_expire[] =
    "UPDATE sightings SET deleted = 1, seq = ? WHERE attribute_id = ? AND org_id = ? AND "
    "type = 2 AND deleted = 0";
static const char sql_sighting_known[] =
    "SELECT uuid FROM sightings WHERE uuid" PG_SET_STRS " AND (?::bigint = 0 OR event_id = ?)";
/* now, or one past the stored value when now is not newer */
static const char sql_event_sighting_touch[] =
    "UPDATE events SET sighting_timestamp = GREATEST(?::bigint, sighting_timestamp + 1) "
    "WHERE id = ?";

static void sighting_read(struct arena *a, const PGresult *r, int row, struct sighting *s)
{
    memset(s, 0, sizeof(*s));
    s->id = pg_int(r, row, 0);
    pg_uuid(s->uuid, r, row, 1);
    s->attribute_id = pg_int(r, row, 2);
    s->event_id = pg_int(r, row, 3);
    s->org_id = pg_int(r, row, 4);
    s->type = (int)pg_int(r, row, 5);
    s->source = pg_text(a, r, row, 6);
    s->date_sighting = pg_int(r, row, 7);
    s->deleted = pg_bool(r, row, 8);
    s->event_org_id = pg_int(r, row, 9);
    pg_uuid(s->attribute_uuid, r, row, 10);
    pg_uuid(s->event_uuid, r, row, 11);
    s->value = pg_text(a, r, row, 12);
    if (!pg_null(r, row, 13)) {
        s->org = arena_calloc(a, 1, sizeof(*s->org));
        s->org->id = s->org_id;
        pg_uuid(s->org->uuid, r, row, 13);
        s->org->name = pg_text(a, r, row, 14);
    }
    s->from_org_id = pg_int(r, row, 15);
}

int pg_sighting_insert(struct store_conn *base, struct sighting *s)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, s->uuid);
    pg_p_int(&p, s->attribute_id);
    pg_p_int(&p, s->event_id);
    pg_p_int(&p, s->org_id);
    pg_p_int(&p, s->type);
    pg_p_text(&p, s->source ? s->source : "");
    pg_p_int(&p, s->date_sighting);
    pg_p_int(&p, seq);
    pg_p_int(&p, s->from_org_id);
    return pg_insert(c, sql_sighting_insert, &p, &s->id);
}

int pg_sighting_get(struct store_conn *base, struct arena *a, int64_t id, const char *uuid,
                    struct sighting **out)
{
    PGresult *r;
    int rc = pg_row_by_ref(pg_conn(base), sql_sighting_by_id, sql_sighting_by_uuid, id, uuid, &r);
    if (rc < 0)
        return rc;
    *out = arena_alloc(a, sizeof(**out));
    sighting_read(a, r, 0, *out);
    PQclear(r);
    return 0;
}

int pg_sighting_search(struct store_conn *base, struct arena *a, const struct sighting_query *q,
                       int (*fn)(void *ctx, struct sighting *s), void *ctx)
{
    struct pg_sqlb b;
    pg_sqlb_init(&b, a);
    pg_sqlb_text(&b,
                 "SELECT " SIGHTING_COLS SIGHTING_FROM " LEFT JOIN objects o ON o.id = a.object_id"
                 " WHERE a.deleted = 0 AND e.deleted = 0");
    if (!q->with_deleted)
        pg_sqlb_text(&b, " AND s.deleted = 0");
    pg_sqlb_acl_event(&b, &q->acl);
    pg_sqlb_acl_attribute(&b, &q->acl);
    pg_sqlb_in_ids(&b, "s.id", q->ids, false);
    pg_sqlb_in_ids(&b, "s.event_id", q->event_ids, false);
    pg_sqlb_in_ids(&b, "s.attribute_id", q->attribute_ids, false);
    pg_sqlb_in_strs(&b, "e.uuid", q->event_uuids);
    pg_sqlb_in_strs(&b, "a.uuid", q->attribute_uuids);
    pg_sqlb_in_ids(&b, "s.type", q->types, false);
    pg_sqlb_in_strs(&b, "s.source", q->sources);
    pg_sqlb_in_ids(&b, "s.org_id", q->org_ids, false);
    pg_sqlb_in_ids(&b, "s.org_id", q->not_org_ids, true);
    if (q->from)
        pg_sqlb_int(&b, " AND s.date_sighting >= ?", q->from);
    if (q->to)
        pg_sqlb_int(&b, " AND s.date_sighting <= ?", q->to);
    if (q->after_id > 0)
        pg_sqlb_int(&b, " AND s.id > ?", q->after_id);
    pg_sqlb_text(&b, q->order == SIGHTING_NEWEST_FIRST ? " ORDER BY s.date_sighting DESC, s.id DESC"
                     : q->order == SIGHTING_BY_ATTRIBUTE ? " ORDER BY s.attribute_id, s.id"
                                                         : " ORDER BY s.id");
    if (q->limit > 0)
        pg_sqlb_int(&b, " LIMIT ?", q->limit);
    struct pg_cursor cur;
    int rc = pg_sqlb_cursor_open(&cur, pg_conn(base), &b, 1000);
    pg_sqlb_free(&b);
    while (rc == 0 && (rc = pg_cursor_next(&cur)) > 0) {
        struct sighting s;
        sighting_read(a, cur.res, cur.row, &s);
        rc = fn(ctx, &s);
    }
    pg_cursor_close(&cur);
    return rc;
}

/* Runs a tombstoning UPDATE: the transaction's seq, then the statement's own
 * n values.  0, ERR_NOTFOUND when it changed no row, or the error. */
static int sighting_tombstone(struct pg_conn *c, const char *sql, const int64_t *v, int n)
{
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, seq);
    for (int i = 0; i < n; i++)
        pg_p_int(&p, v[i]);
    return pg_run_changed(c, sql, &p);
}

int pg_sighting_delete(struct store_conn *base, int64_t id)
{
    return sighting_tombstone(pg_conn(base), sql_sighting_delete, &id, 1);
}

int pg_sighting_expire_previous(struct store_conn *base, int64_t attribute_id, int64_t org_id)
{
    const int64_t v[] = {attribute_id, org_id};
    int rc = sighting_tombstone(pg_conn(base), sql_sighting_expire, v, 2);
    return rc == ERR_NOTFOUND ? 0 : rc;
}

int pg_sighting_uuids_known(struct store_conn *base, int64_t event_id, struct str_set uuids,
                            int (*fn)(void *ctx, const char *uuid), void *ctx)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_strs(&p, uuids);
    pg_p_int(&p, event_id);
    pg_p_int(&p, event_id);
    struct pg_cursor cur;
    int rc = pg_cursor_open(&cur, pg_conn(base), sql_sighting_known, &p, 1000);
    while (rc == 0 && (rc = pg_cursor_next(&cur)) > 0)
        rc = fn(ctx, pg_str(cur.res, cur.row, 0));
    pg_cursor_close(&cur);
    return rc;
}

int pg_event_sighting_touch(struct store_conn *base, int64_t event_id, int64_t now)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, now);
    pg_p_int(&p, event_id);
    return pg_run_changed(pg_conn(base), sql_event_sighting_touch, &p);
}
