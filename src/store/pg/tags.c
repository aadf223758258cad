/*
 * tags.c - the PostgreSQL backend's tags and their attachment to events and
 * attributes.
 */
#include "store/pg/pg_int.h"

#include "util/banned.h"

/* ---- tags ---- */

#define TAG_COLS                                                                                   \
    "id, name, colour, exportable, hide_tag, org_id, user_id, numerical_value, is_galaxy, "        \
    "is_custom_galaxy, local_only, uuid, timestamp"
static const char sql_tag_by_name[] = "SELECT " TAG_COLS " FROM tags WHERE name = ?";
static const char sql_tag_by_id[] = "SELECT " TAG_COLS " FROM tags WHERE id = ?";
/* Byte order, as SQLite sorts, whatever the database's locale. */
static const char sql_tag_list[] = "SELECT " TAG_COLS " FROM tags ORDER BY name COLLATE \"C\"";
/* SQLite's LIKE: ASCII case-insensitive, no escape character. */
static const char sql_tag_list_like[] = "SELECT " TAG_COLS " FROM tags WHERE name ILIKE ? "
                                        "ESCAPE '' ORDER BY name COLLATE \"C\"";
/* A taken name or uuid inserts nothing (ERR_CONFLICT), leaving the transaction usable. */
static const char sql_tag_insert[] =
    "INSERT INTO tags (name, colour, exportable, hide_tag, org_id, user_id, numerical_value, "
    "is_galaxy, is_custom_galaxy, local_only, seq, uuid, timestamp) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING id";

void pg_tag_read(struct arena *a, const PGresult *r, int row, int col, struct tag *t)
{
    memset(t, 0, sizeof(*t));
    t->id = pg_int(r, row, col + 0);
    t->name = pg_text(a, r, row, col + 1);
    t->colour = pg_text(a, r, row, col + 2);
    t->exportable = pg_bool(r, row, col + 3);
    t->hide_tag = pg_bool(r, row, col + 4);
    t->org_id = pg_int(r, row, col + 5);
    t->user_id = pg_int(r, row, col + 6);
    t->has_numerical_value = !pg_null(r, row, col + 7);
    t->numerical_value = pg_int(r, row, col + 7);
    t->is_galaxy = pg_bool(r, row, col + 8);
    t->is_custom_galaxy = pg_bool(r, row, col + 9);
    t->local_only = pg_bool(r, row, col + 10);
    pg_uuid(t->uuid, r, row, col + 11);
    t->timestamp = pg_int(r, row, col + 12);
}

void pg_tag_ref_read(struct arena *a, const PGresult *r, int row, int col, struct tag_ref *t)
{
    pg_tag_read(a, r, row, col, &t->tag);
    t->local = pg_bool(r, row, col + 13);
}

/* A tag row at column 0 (PG_COLLECT_ROWS's reader). */
static void tag_row_read(struct arena *a, const PGresult *r, int row, struct tag *t)
{
    pg_tag_read(a, r, row, 0, t);
}

int pg_tag_get(struct store_conn *base, struct arena *a, int64_t id, const char *name,
               struct tag **out)
{
    struct pg_params p;
    pg_params_init(&p);
    if (id > 0)
        pg_p_int(&p, id);
    else
        pg_p_text(&p, name ? name : "");
    PGresult *r;
    int rc = pg_row(pg_conn(base), id > 0 ? sql_tag_by_id : sql_tag_by_name, &p, &r);
    if (rc < 0)
        return rc;
    *out = arena_alloc(a, sizeof(**out));
    pg_tag_read(a, r, 0, 0, *out);
    PQclear(r);
    return 0;
}

int pg_tag_list(struct store_conn *base, struct arena *a, const char *name_like, struct tag **out,
                size_t *n)
{
    struct pg_params p;
    pg_params_init(&p);
    if (name_like)
        pg_p_text(&p, name_like);
    int rc = 0;
    PGresult *r = pg_exec(pg_conn(base), name_like ? sql_tag_list_like : sql_tag_list, &p, &rc);
    if (r == NULL)
        return rc;
    PG_COLLECT_ROWS(a, r, struct tag, tag_row_read, out, n);
    PQclear(r);
    return 0;
}

int pg_tag_insert(struct store_conn *base, struct tag *t)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, t->name);
    pg_p_text(&p, t->colour ? t->colour : "#ffffff");
    pg_p_bool(&p, t->exportable);
    pg_p_bool(&p, t->hide_tag);
    pg_p_int(&p, t->org_id);
    pg_p_int(&p, t->user_id);
    if (t->has_numerical_value)
        pg_p_int(&p, t->numerical_value);
    else
        pg_p_text(&p, NULL);
    pg_p_bool(&p, t->is_galaxy);
    pg_p_bool(&p, t->is_custom_galaxy);
    pg_p_bool(&p, t->local_only);
    pg_p_int(&p, seq);
    pg_p_text(&p, t->uuid);
    pg_p_int(&p, t->timestamp);
    return pg_insert(c, sql_tag_insert, &p, &t->id);
}

static const char sql_event_tag_attach[] =
    "INSERT INTO event_tags (event_id, tag_id, local) VALUES (?,?,?) "
    "ON CONFLICT (event_id, tag_id) DO NOTHING";
static const char sql_event_tag_detach[] =
    "DELETE FROM event_tags WHERE event_id = ? AND tag_id = ?";
static const char sql_attribute_tag_attach[] =
    "INSERT INTO attribute_tags (event_id, attribute_id, tag_id, local) VALUES (?,?,?,?) "
    "ON CONFLICT (attribute_id, tag_id) DO NOTHING";
static const char sql_attribute_tag_detach[] =
    "DELETE FROM attribute_tags WHERE attribute_id = ? AND tag_id = ?";

int pg_event_tag_attach(struct store_conn *base, int64_t event_id, int64_t tag_id, bool local)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, event_id);
    pg_p_int(&p, tag_id);
    pg_p_bool(&p, local);
    return pg_run(pg_conn(base), sql_event_tag_attach, &p);
}

int pg_event_tag_detach(struct store_conn *base, int64_t event_id, int64_t tag_id)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, event_id);
    pg_p_int(&p, tag_id);
    return pg_run_changed(pg_conn(base), sql_event_tag_detach, &p);
}

int pg_attribute_tag_attach(struct store_conn *base, int64_t event_id, int64_t attribute_id,
                            int64_t tag_id, bool local)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, event_id);
    pg_p_int(&p, attribute_id);
    pg_p_int(&p, tag_id);
    pg_p_bool(&p, local);
    return pg_run(pg_conn(base), sql_attribute_tag_attach, &p);
}

int pg_attribute_tag_detach(struct store_conn *base, int64_t attribute_id, int64_t tag_id)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, attribute_id);
    pg_p_int(&p, tag_id);
    return pg_run_changed(pg_conn(base), sql_attribute_tag_detach, &p);
}
