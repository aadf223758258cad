/*
 * sightings.c - the PostgreSQL backend's sightings.
 */
#include "store/pg/pg_int.h"

#include "util/alloc.h"

#include <stdlib.h>

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
    struct pg_params p;
    pg_params_init(&p);
    if (id > 0)
        pg_p_int(&p, id);
    else
        pg_p_text(&p, uuid ? uuid : "");
    PGresult *r;
    int rc = pg_row(pg_conn(base), id > 0 ? sql_sighting_by_id : sql_sighting_by_uuid, &p, &r);
    if (rc < 0)
        return rc;
    *out = arena_alloc(a, sizeof(**out));
    sighting_read(a, r, 0, *out);
    PQclear(r);
    return 0;
}

/*
 * A search's statement, built per call: the text with '?' placeholders and
 * the values in the same order.  A query may carry more sets than struct
 * pg_params owns formatted values (8), so the sets' array texts are kept
 * here (freed by search_free) and bound as borrowed texts.
 */
struct search_stmt {
    struct buf sql;
    struct pg_params p;
    char *sets[16];
    int n_sets;
};

/* Binds the set formatted in one (one value, owned) as a text the statement
 * keeps. */
static void bind_set(struct search_stmt *b, struct pg_params *one)
{
    if (one->err || one->n_owned != 1 || b->n_sets >= (int)(sizeof(b->sets) / sizeof(b->sets[0]))) {
        pg_params_free(one);
        b->p.err = ERR_DB;
        return;
    }
    b->sets[b->n_sets++] = one->owned[0];
    pg_p_text(&b->p, one->owned[0]);
}

/* " AND <column> = ANY(set)" (negate: "AND NOT ...") when the set is present. */
static void search_ids(struct search_stmt *b, const char *column, struct id_set s, bool negate)
{
    if (s.v == NULL)
        return;
    buf_printf(&b->sql, " AND %s%s" PG_SET_IDS "%s", negate ? "NOT (" : "", column,
               negate ? ")" : "");
    struct pg_params one;
    pg_params_init(&one);
    pg_p_ids(&one, s);
    bind_set(b, &one);
}

static void search_strs(struct search_stmt *b, const char *column, struct str_set s)
{
    if (s.v == NULL)
        return;
    buf_printf(&b->sql, " AND %s" PG_SET_STRS, column);
    struct pg_params one;
    pg_params_init(&one);
    pg_p_strs(&one, s);
    bind_set(b, &one);
}

static void search_int(struct search_stmt *b, const char *fragment, int64_t v)
{
    buf_puts(&b->sql, fragment);
    pg_p_int(&b->p, v);
}

/* The read rule on e (the event) and on a (the attribute, in object o),
 * rendered for this filter, its values bound right after each fragment. */
static void search_acl(struct search_stmt *b, const struct acl_filter *acl)
{
    struct acl_sql w;
    struct pg_acl_order order = {0};
    pg_acl_writer(&w, &b->sql, acl, &order);
    acl_sql_event(&w, "e");
    pg_p_acl(&b->p, &order, acl);
    order.n = 0;
    pg_acl_writer(&w, &b->sql, acl, &order);
    acl_sql_child(&w, "e", "a", "o");
    pg_p_acl(&b->p, &order, acl);
}

static void search_build(struct search_stmt *b, const struct sighting_query *q)
{
    buf_puts(&b->sql,
             "SELECT " SIGHTING_COLS SIGHTING_FROM " LEFT JOIN objects o ON o.id = a.object_id"
             " WHERE a.deleted = 0 AND e.deleted = 0");
    if (!q->with_deleted)
        buf_puts(&b->sql, " AND s.deleted = 0");
    search_acl(b, &q->acl);
    search_ids(b, "s.id", q->ids, false);
    search_ids(b, "s.event_id", q->event_ids, false);
    search_ids(b, "s.attribute_id", q->attribute_ids, false);
    search_strs(b, "e.uuid", q->event_uuids);
    search_strs(b, "a.uuid", q->attribute_uuids);
    search_ids(b, "s.type", q->types, false);
    search_strs(b, "s.source", q->sources);
    search_ids(b, "s.org_id", q->org_ids, false);
    search_ids(b, "s.org_id", q->not_org_ids, true);
    if (q->from)
        search_int(b, " AND s.date_sighting >= ?", q->from);
    if (q->to)
        search_int(b, " AND s.date_sighting <= ?", q->to);
    if (q->after_id > 0)
        search_int(b, " AND s.id > ?", q->after_id);
    buf_puts(&b->sql, q->order == SIGHTING_NEWEST_FIRST
                          ? " ORDER BY s.date_sighting DESC, s.id DESC"
                      : q->order == SIGHTING_BY_ATTRIBUTE ? " ORDER BY s.attribute_id, s.id"
                                                          : " ORDER BY s.id");
    if (q->limit > 0)
        search_int(b, " LIMIT ?", q->limit);
}

static void search_free(struct search_stmt *b)
{
    buf_free(&b->sql);
    pg_params_free(&b->p);
    for (int i = 0; i < b->n_sets; i++)
        free(b->sets[i]);
}

int pg_sighting_search(struct store_conn *base, struct arena *a, const struct sighting_query *q,
                       int (*fn)(void *ctx, struct sighting *s), void *ctx)
{
    struct search_stmt b = {.n_sets = 0};
    buf_init(&b.sql, PG_VALUE_MAX);
    pg_params_init(&b.p);
    search_build(&b, q);
    int rc = b.sql.err ? ERR_DB : 0;
    struct pg_cursor cur = {0};
    if (rc == 0) {
        rc = pg_cursor_open(&cur, pg_conn(base), buf_cstr(&b.sql), &b.p, 1000);
    }
    while (rc == 0 && (rc = pg_cursor_next(&cur)) > 0) {
        struct sighting s;
        sighting_read(a, cur.res, cur.row, &s);
        rc = fn(ctx, &s);
    }
    pg_cursor_close(&cur);
    search_free(&b);
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
