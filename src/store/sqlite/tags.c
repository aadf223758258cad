/*
 * tags.c - the SQLite backend's tags and their attachment to events and attributes.
 */
#include "store/sqlite/sqlite_int.h"

#include "util/banned.h"

/* ---- tags ---- */

#define TAG_COLS                                                                                   \
    "id, name, colour, exportable, hide_tag, org_id, user_id, numerical_value, is_galaxy, "        \
    "is_custom_galaxy, local_only, uuid, timestamp"
static const char sql_tag_by_name[] = "SELECT " TAG_COLS " FROM tags WHERE name = ?";
static const char sql_tag_by_id[] = "SELECT " TAG_COLS " FROM tags WHERE id = ?";
static const char sql_tag_list[] = "SELECT " TAG_COLS " FROM tags ORDER BY name";
static const char sql_tag_list_like[] =
    "SELECT " TAG_COLS " FROM tags WHERE name LIKE ? ORDER BY name";
static const char sql_tag_insert[] =
    "INSERT INTO tags (name, colour, exportable, hide_tag, org_id, user_id, numerical_value, "
    "is_galaxy, is_custom_galaxy, local_only, seq, uuid, timestamp) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";

void sq_tag_read(struct arena *a, sqlite3_stmt *st, struct tag *t)
{
    memset(t, 0, sizeof(*t));
    t->id = sqlite3_column_int64(st, 0);
    t->name = col_text(a, st, 1);
    t->colour = col_text(a, st, 2);
    t->exportable = sqlite3_column_int(st, 3) != 0;
    t->hide_tag = sqlite3_column_int(st, 4) != 0;
    t->org_id = sqlite3_column_int64(st, 5);
    t->user_id = sqlite3_column_int64(st, 6);
    t->has_numerical_value = sqlite3_column_type(st, 7) != SQLITE_NULL;
    t->numerical_value = sqlite3_column_int64(st, 7);
    t->is_galaxy = sqlite3_column_int(st, 8) != 0;
    t->is_custom_galaxy = sqlite3_column_int(st, 9) != 0;
    t->local_only = sqlite3_column_int(st, 10) != 0;
    col_uuid(t->uuid, st, 11);
    t->timestamp = sqlite3_column_int64(st, 12);
}

void sq_tag_ref_read(struct arena *a, sqlite3_stmt *st, struct tag_ref *t)
{
    sq_tag_read(a, st, &t->tag);
    t->local = sqlite3_column_int(st, 13) != 0;
}

int sq_tag_get(struct store_conn *base, struct arena *a, int64_t id, const char *name,
               struct tag **out)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, id > 0 ? sql_tag_by_id : sql_tag_by_name);
    if (st == NULL)
        return ERR_DB;
    if (id > 0)
        sqlite3_bind_int64(st, 1, id);
    else
        bind_text(st, 1, name ? name : "");
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    *out = arena_alloc(a, sizeof(**out));
    sq_tag_read(a, st, *out);
    return 0;
}

int sq_tag_list(struct store_conn *base, struct arena *a, const char *name_like, struct tag **out,
                size_t *n)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, name_like ? sql_tag_list_like : sql_tag_list);
    if (st == NULL)
        return ERR_DB;
    if (name_like)
        bind_text(st, 1, name_like);
    COLLECT_ROWS(a, st, struct tag, sq_tag_read, out, n);
    return 0;
}

int sq_tag_insert(struct store_conn *base, struct tag *t)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_tag_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, t->name);
    bind_text(st, 2, t->colour ? t->colour : "#ffffff");
    sqlite3_bind_int(st, 3, t->exportable);
    sqlite3_bind_int(st, 4, t->hide_tag);
    sqlite3_bind_int64(st, 5, t->org_id);
    sqlite3_bind_int64(st, 6, t->user_id);
    if (t->has_numerical_value)
        sqlite3_bind_int64(st, 7, t->numerical_value);
    else
        sqlite3_bind_null(st, 7);
    sqlite3_bind_int(st, 8, t->is_galaxy);
    sqlite3_bind_int(st, 9, t->is_custom_galaxy);
    sqlite3_bind_int(st, 10, t->local_only);
    sqlite3_bind_int64(st, 11, seq);
    bind_text(st, 12, t->uuid);
    sqlite3_bind_int64(st, 13, t->timestamp);
    return step_insert(c, st, &t->id);
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

int sq_event_tag_attach(struct store_conn *base, int64_t event_id, int64_t tag_id, bool local)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_event_tag_attach);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, event_id);
    sqlite3_bind_int64(st, 2, tag_id);
    sqlite3_bind_int(st, 3, local);
    return step_done(st);
}

int sq_event_tag_detach(struct store_conn *base, int64_t event_id, int64_t tag_id)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_event_tag_detach);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, event_id);
    sqlite3_bind_int64(st, 2, tag_id);
    int rc = step_done(st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
}

int sq_attribute_tag_attach(struct store_conn *base, int64_t event_id, int64_t attribute_id,
                            int64_t tag_id, bool local)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_attribute_tag_attach);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, event_id);
    sqlite3_bind_int64(st, 2, attribute_id);
    sqlite3_bind_int64(st, 3, tag_id);
    sqlite3_bind_int(st, 4, local);
    return step_done(st);
}

int sq_attribute_tag_detach(struct store_conn *base, int64_t attribute_id, int64_t tag_id)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_attribute_tag_detach);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, attribute_id);
    sqlite3_bind_int64(st, 2, tag_id);
    int rc = step_done(st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
}
