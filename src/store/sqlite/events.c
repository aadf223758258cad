/*
 * events.c - the SQLite backend's events, objects, references and attributes,
 * and the loading of a whole event with its children filtered by acl.
 */
#include "store/sqlite/sqlite_int.h"

#include "util/banned.h"

/* ---- events ---- */

static const char sql_event_insert[] =
    "INSERT INTO events (uuid, org_id, orgc_id, user_id, info, date, threat_level_id, analysis, "
    "distribution, sharing_group_id, published, timestamp, publish_timestamp, "
    "sighting_timestamp, locked, disable_correlation, proposal_email_lock, extends_uuid, seq) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_event_update[] =
    "UPDATE events SET org_id=?, orgc_id=?, user_id=?, info=?, date=?, threat_level_id=?, "
    "analysis=?, distribution=?, sharing_group_id=?, published=?, timestamp=?, "
    "publish_timestamp=?, sighting_timestamp=?, locked=?, disable_correlation=?, "
    "proposal_email_lock=?, extends_uuid=?, seq=? WHERE id=?";
static const char sql_event_touch[] = "UPDATE events SET timestamp=?, seq=? WHERE id=?";
static const char sql_event_delete[] = "UPDATE events SET deleted=1, seq=? WHERE id=?";
static const char sql_event_delete_attrs[] =
    "UPDATE attributes SET deleted=1, seq=? WHERE event_id=? AND deleted=0";
static const char sql_event_delete_objs[] =
    "UPDATE objects SET deleted=1, seq=? WHERE event_id=? AND deleted=0";
static const char sql_event_by_id[] =
    "SELECT " EVENT_COLS " FROM events e WHERE e.id = ? AND e.deleted = 0";
static const char sql_event_by_uuid[] =
    "SELECT " EVENT_COLS " FROM events e WHERE e.uuid = ? AND e.deleted = 0";
static const char sql_event_tags[] =
    "SELECT t.id, t.name, t.colour, t.exportable, t.hide_tag, t.org_id, t.user_id, "
    "t.numerical_value, t.is_galaxy, t.is_custom_galaxy, t.local_only, t.uuid, t.timestamp, "
    "et.local "
    "FROM event_tags et JOIN tags t ON t.id = et.tag_id WHERE et.event_id = ? ORDER BY et.id";

void sq_event_read(struct arena *a, sqlite3_stmt *st, struct event *e)
{
    memset(e, 0, sizeof(*e));
    e->id = sqlite3_column_int64(st, 0);
    col_uuid(e->uuid, st, 1);
    e->org_id = sqlite3_column_int64(st, 2);
    e->orgc_id = sqlite3_column_int64(st, 3);
    e->user_id = sqlite3_column_int64(st, 4);
    e->info = col_text(a, st, 5);
    const unsigned char *d = sqlite3_column_text(st, 6);
    snprintf(e->date, sizeof(e->date), "%s", d ? (const char *)d : "");
    e->threat_level_id = sqlite3_column_int(st, 7);
    e->analysis = sqlite3_column_int(st, 8);
    e->distribution = sqlite3_column_int(st, 9);
    e->sharing_group_id = sqlite3_column_int64(st, 10);
    e->published = sqlite3_column_int(st, 11) != 0;
    e->timestamp = sqlite3_column_int64(st, 12);
    e->publish_timestamp = sqlite3_column_int64(st, 13);
    e->sighting_timestamp = sqlite3_column_int64(st, 14);
    e->locked = sqlite3_column_int(st, 15) != 0;
    e->disable_correlation = sqlite3_column_int(st, 16) != 0;
    e->proposal_email_lock = sqlite3_column_int(st, 17) != 0;
    e->extends_uuid = col_text(a, st, 18);
    e->deleted = sqlite3_column_int(st, 19) != 0;
    e->attribute_count = sqlite3_column_int64(st, 20);
}

static void event_bind(sqlite3_stmt *st, const struct event *e, int first)
{
    int i = first;
    sqlite3_bind_int64(st, i++, e->org_id);
    sqlite3_bind_int64(st, i++, e->orgc_id);
    sqlite3_bind_int64(st, i++, e->user_id);
    bind_text(st, i++, e->info);
    bind_text(st, i++, e->date);
    sqlite3_bind_int(st, i++, e->threat_level_id);
    sqlite3_bind_int(st, i++, e->analysis);
    sqlite3_bind_int(st, i++, e->distribution);
    sqlite3_bind_int64(st, i++, e->sharing_group_id);
    sqlite3_bind_int(st, i++, e->published);
    sqlite3_bind_int64(st, i++, e->timestamp);
    sqlite3_bind_int64(st, i++, e->publish_timestamp);
    sqlite3_bind_int64(st, i++, e->sighting_timestamp);
    sqlite3_bind_int(st, i++, e->locked);
    sqlite3_bind_int(st, i++, e->disable_correlation);
    sqlite3_bind_int(st, i++, e->proposal_email_lock);
    bind_text(st, i, e->extends_uuid);
}

int sq_event_insert(struct store_conn *base, struct event *e)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_event_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, e->uuid);
    event_bind(st, e, 2);
    sqlite3_bind_int64(st, 19, seq);
    return step_insert(c, st, &e->id);
}

int sq_event_update(struct store_conn *base, const struct event *e)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_event_update, &seq);
    if (st == NULL)
        return ERR_DB;
    event_bind(st, e, 1);
    sqlite3_bind_int64(st, 18, seq);
    sqlite3_bind_int64(st, 19, e->id);
    return step_done(st);
}

int sq_event_touch(struct store_conn *base, int64_t event_id, int64_t timestamp)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_event_touch, &seq);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, timestamp);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, event_id);
    return step_done(st);
}

int sq_event_delete(struct store_conn *base, int64_t event_id)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq = sq_next_seq(c);
    if (seq < 0)
        return ERR_DB;
    static const char *const sqls[] = {sql_event_delete_attrs, sql_event_delete_objs,
                                       sql_event_delete};
    for (size_t i = 0; i < 3; i++) {
        sqlite3_stmt *st = sq_stmt(c, sqls[i]);
        if (st == NULL)
            return ERR_DB;
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_int64(st, 2, event_id);
        int rc = step_done(st);
        if (rc < 0)
            return rc;
    }
    return sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : 0;
}

/* Every row of an event, children first (?1 is only there to be bound). */
static const char *const sql_event_purge[] = {
    "DELETE FROM attribute_tags WHERE event_id = ?2 AND ?1 IS NOT NULL",
    "DELETE FROM event_tags WHERE event_id = ?2 AND ?1 IS NOT NULL",
    "DELETE FROM sightings WHERE event_id = ?2 AND ?1 IS NOT NULL",
    "DELETE FROM object_references WHERE event_id = ?2 AND ?1 IS NOT NULL",
    "DELETE FROM attributes WHERE event_id = ?2 AND ?1 IS NOT NULL",
    "DELETE FROM objects WHERE event_id = ?2 AND ?1 IS NOT NULL",
    "DELETE FROM event_origins WHERE event_id = ?2 AND ?1 IS NOT NULL",
    "DELETE FROM events WHERE id = ?2 AND ?1 IS NOT NULL",
};

int sq_event_purge(struct store_conn *base, int64_t event_id)
{
    struct sqlite_conn *c = sq_conn(base);
    /* a new sequence value first: the attribute removals are stamped with it */
    int64_t seq = sq_next_seq(c);
    if (seq < 0)
        return ERR_DB;
    for (size_t i = 0; i < sizeof(sql_event_purge) / sizeof(sql_event_purge[0]); i++) {
        sqlite3_stmt *st = sq_stmt(c, sql_event_purge[i]);
        if (st == NULL)
            return ERR_DB;
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_int64(st, 2, event_id);
        int rc = step_done(st);
        if (rc < 0)
            return rc;
    }
    return sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : 0;
}

static const char sql_event_stamps[] = "SELECT uuid, timestamp, locked AND deleted = 0 FROM events "
                                       "WHERE uuid" SQ_SET_IN "?" SQ_SET_IN_END;

int sq_event_stamps(struct store_conn *base, struct str_set uuids,
                    int (*fn)(void *ctx, const char *uuid, int64_t timestamp, bool locked),
                    void *ctx)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_event_stamps);
    if (st == NULL)
        return ERR_DB;
    int rc = sq_bind_str_set(st, 1, uuids);
    if (rc < 0)
        return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *uuid = (const char *)sqlite3_column_text(st, 0);
        if (uuid != NULL &&
            (rc = fn(ctx, uuid, sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2) != 0)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st); /* frees the set's text now */
    return rc;
}

int sq_event_tags_load(struct sqlite_conn *c, struct arena *a, struct event *e)
{
    sqlite3_stmt *st = sq_stmt(c, sql_event_tags);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, e->id);
    COLLECT_ROWS(a, st, struct tag_ref, sq_tag_ref_read, &e->tags, &e->n_tags);
    return 0;
}

int sq_event_orgs_load(struct sqlite_conn *c, struct arena *a, struct event *e)
{
    int rc = sq_org_get(&c->base, a, e->org_id, NULL, NULL, &e->org);
    if (rc == 0)
        rc = sq_org_get(&c->base, a, e->orgc_id, NULL, NULL, &e->orgc);
    return rc;
}

/* ---- attributes ---- */

static const char sql_attr_insert[] =
    "INSERT INTO attributes (uuid, event_id, object_id, object_relation, type, category, value, "
    "comment, to_ids, distribution, sharing_group_id, timestamp, deleted, disable_correlation, "
    "first_seen, last_seen, value2, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_attr_update[] =
    "UPDATE attributes SET object_id=?, object_relation=?, type=?, category=?, value=?, "
    "comment=?, to_ids=?, distribution=?, sharing_group_id=?, timestamp=?, deleted=?, "
    "disable_correlation=?, first_seen=?, last_seen=?, value2=?, seq=? WHERE id=?";
static const char sql_attr_by_id[] = "SELECT " ATTR_COLS " FROM attributes a WHERE a.id = ?";
static const char sql_attr_by_uuid[] = "SELECT " ATTR_COLS " FROM attributes a WHERE a.uuid = ?";
static const char sql_attr_soft_delete[] =
    "UPDATE attributes SET deleted=1, timestamp=MAX(?, timestamp + 1), seq=? WHERE id=?";
static const char sql_attr_tags_delete[] = "DELETE FROM attribute_tags WHERE attribute_id = ?";
static const char sql_attr_hard_delete[] = "DELETE FROM attributes WHERE id = ?";
static const char sql_attr_tags[] =
    "SELECT t.id, t.name, t.colour, t.exportable, t.hide_tag, t.org_id, t.user_id, "
    "t.numerical_value, t.is_galaxy, t.is_custom_galaxy, t.local_only, t.uuid, t.timestamp, "
    "at.local "
    "FROM attribute_tags at JOIN tags t ON t.id = at.tag_id WHERE at.attribute_id = ? "
    "ORDER BY at.id";
static const char sql_uuid_taken[] =
    "SELECT 1 FROM events WHERE uuid = ?1 UNION ALL SELECT 1 FROM attributes WHERE uuid = ?1 "
    "UNION ALL SELECT 1 FROM objects WHERE uuid = ?1 "
    "UNION ALL SELECT 1 FROM object_references WHERE uuid = ?1 LIMIT 1";

static const char sql_uuid_taken_not_attr[] =
    "SELECT 1 FROM events WHERE uuid = ?1 UNION ALL SELECT 1 FROM objects WHERE uuid = ?1 "
    "UNION ALL SELECT 1 FROM object_references WHERE uuid = ?1 LIMIT 1";

void sq_attr_read(struct arena *a, sqlite3_stmt *st, struct attribute *at)
{
    memset(at, 0, sizeof(*at));
    at->id = sqlite3_column_int64(st, 0);
    col_uuid(at->uuid, st, 1);
    at->event_id = sqlite3_column_int64(st, 2);
    at->object_id = sqlite3_column_int64(st, 3);
    at->object_relation = col_text(a, st, 4);
    at->type = col_text(a, st, 5);
    at->category = col_text(a, st, 6);
    at->value = col_text(a, st, 7);
    at->comment = col_text(a, st, 8);
    at->to_ids = sqlite3_column_int(st, 9) != 0;
    at->distribution = sqlite3_column_int(st, 10);
    at->sharing_group_id = sqlite3_column_int64(st, 11);
    at->timestamp = sqlite3_column_int64(st, 12);
    at->deleted = sqlite3_column_int(st, 13) != 0;
    at->disable_correlation = sqlite3_column_int(st, 14) != 0;
    at->first_seen = col_text(a, st, 15);
    at->last_seen = col_text(a, st, 16);
}

static void attr_bind_fields(sqlite3_stmt *st, const struct attribute *at, int i)
{
    sqlite3_bind_int64(st, i++, at->object_id);
    bind_text(st, i++, at->object_relation);
    bind_text(st, i++, at->type);
    bind_text(st, i++, at->category);
    bind_text(st, i++, at->value);
    bind_text(st, i++, at->comment);
    sqlite3_bind_int(st, i++, at->to_ids);
    sqlite3_bind_int(st, i++, at->distribution);
    sqlite3_bind_int64(st, i++, at->sharing_group_id);
    sqlite3_bind_int64(st, i++, at->timestamp);
    sqlite3_bind_int(st, i++, at->deleted);
    sqlite3_bind_int(st, i++, at->disable_correlation);
    bind_text(st, i++, at->first_seen);
    bind_text(st, i++, at->last_seen);
    /* value2: the part after '|' of a composite type's value (search column) */
    const char *bar = strchr(at->type ? at->type : "", '|') ? strchr(at->value, '|') : NULL;
    if (bar)
        sqlite3_bind_text(st, i, bar + 1, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

int sq_attribute_insert(struct store_conn *base, struct attribute *at)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_attr_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, at->uuid);
    sqlite3_bind_int64(st, 2, at->event_id);
    attr_bind_fields(st, at, 3);
    sqlite3_bind_int64(st, 18, seq);
    return step_insert(c, st, &at->id);
}

int sq_attribute_update(struct store_conn *base, const struct attribute *at)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_attr_update, &seq);
    if (st == NULL)
        return ERR_DB;
    attr_bind_fields(st, at, 1);
    sqlite3_bind_int64(st, 16, seq);
    sqlite3_bind_int64(st, 17, at->id);
    return step_done(st);
}

int sq_attribute_get(struct store_conn *base, struct arena *a, int64_t id, const char *uuid,
                     struct attribute **out)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st;
    int rc = sq_row_by_ref(c, sql_attr_by_id, sql_attr_by_uuid, id, uuid, &st);
    if (rc < 0)
        return rc;
    *out = arena_alloc(a, sizeof(**out));
    sq_attr_read(a, st, *out);
    return 0;
}

int sq_attribute_delete(struct store_conn *base, int64_t id, bool hard)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st;
    int rc;
    if (!hard) {
        int64_t seq = sq_next_seq(c);
        st = sq_stmt(c, sql_attr_soft_delete);
        if (seq < 0 || st == NULL)
            return ERR_DB;
        sqlite3_bind_int64(st, 1, now_seconds());
        sqlite3_bind_int64(st, 2, seq);
        sqlite3_bind_int64(st, 3, id);
        rc = step_done(st);
        return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
    }
    /* the removal trace (migration 0005) records this transaction's seq */
    st = sq_stmt(c, sql_attr_tags_delete);
    if (sq_next_seq(c) < 0 || st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = step_done(st)) < 0)
        return rc;
    st = sq_stmt(c, sql_attr_hard_delete);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    rc = step_done(st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
}

int sq_uuid_taken_by(struct store_conn *base, const char *uuid, bool attributes, bool *taken)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, attributes ? sql_uuid_taken : sql_uuid_taken_not_attr);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, uuid);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return ERR_DB;
    *taken = rc == SQLITE_ROW;
    sqlite3_reset(st);
    return 0;
}

/* A loop over the single-row statement: SQLite runs in process, where a
 * statement per uuid costs no round trip. */
int sq_uuids_taken_by(struct store_conn *base, struct str_set uuids, bool attributes,
                      int (*fn)(void *ctx, const char *uuid), void *ctx)
{
    for (size_t i = 0; i < uuids.n; i++) {
        bool taken;
        int rc = sq_uuid_taken_by(base, uuids.v[i], attributes, &taken);
        if (rc == 0 && taken)
            rc = fn(ctx, uuids.v[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int sq_attributes_insert(struct store_conn *base, struct attribute *const *ats, size_t n,
                         size_t *conflict)
{
    for (size_t i = 0; i < n; i++) {
        int rc = sq_attribute_insert(base, ats[i]);
        if (rc == ERR_CONFLICT)
            *conflict = i;
        if (rc < 0)
            return rc;
    }
    return 0;
}

int sq_attr_tags_load(struct sqlite_conn *c, struct arena *a, struct attribute *at)
{
    sqlite3_stmt *st = sq_stmt(c, sql_attr_tags);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, at->id);
    COLLECT_ROWS(a, st, struct tag_ref, sq_tag_ref_read, &at->tags, &at->n_tags);
    return 0;
}

/* ---- objects and references ---- */

#define OBJ_COLS                                                                                   \
    "o.id, o.uuid, o.event_id, o.name, o.meta_category, o.description, o.template_uuid, "          \
    "o.template_version, o.comment, o.distribution, o.sharing_group_id, o.timestamp, "             \
    "o.deleted, o.first_seen, o.last_seen"
static const char sql_obj_insert[] =
    "INSERT INTO objects (uuid, event_id, name, meta_category, description, template_uuid, "
    "template_version, comment, distribution, sharing_group_id, timestamp, deleted, first_seen, "
    "last_seen, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_obj_by_id[] = "SELECT " OBJ_COLS " FROM objects o WHERE o.id = ?";
static const char sql_obj_by_uuid[] = "SELECT " OBJ_COLS " FROM objects o WHERE o.uuid = ?";
static const char sql_obj_soft_delete[] =
    "UPDATE objects SET deleted=1, timestamp=MAX(?2, timestamp + 1), seq=?1 WHERE id=?3";
static const char sql_obj_attrs_soft_delete[] =
    "UPDATE attributes SET deleted=1, timestamp=MAX(?2, timestamp + 1), seq=?1 "
    "WHERE object_id=?3 AND deleted=0";
static const char sql_obj_hard_delete_attr_tags[] =
    "DELETE FROM attribute_tags WHERE attribute_id IN (SELECT id FROM attributes WHERE "
    "object_id = ?3) AND ?1 IS NOT NULL AND ?2 IS NOT NULL";
static const char sql_obj_hard_delete_attrs[] =
    "DELETE FROM attributes WHERE object_id = ?3 AND ?1 IS NOT NULL AND ?2 IS NOT NULL";
static const char sql_obj_hard_delete_refs[] =
    "DELETE FROM object_references WHERE object_id = ?3 AND ?1 IS NOT NULL AND ?2 IS NOT NULL";
static const char sql_obj_hard_delete[] =
    "DELETE FROM objects WHERE id = ?3 AND ?1 IS NOT NULL AND ?2 IS NOT NULL";
static const char sql_ref_insert[] =
    "INSERT INTO object_references (uuid, object_id, event_id, referenced_uuid, referenced_type, "
    "relationship_type, comment, timestamp, deleted, seq) VALUES (?,?,?,?,?,?,?,?,?,?)";

static void obj_read(struct arena *a, sqlite3_stmt *st, struct object *o)
{
    memset(o, 0, sizeof(*o));
    o->id = sqlite3_column_int64(st, 0);
    col_uuid(o->uuid, st, 1);
    o->event_id = sqlite3_column_int64(st, 2);
    o->name = col_text(a, st, 3);
    o->meta_category = col_text(a, st, 4);
    o->description = col_text(a, st, 5);
    o->template_uuid = col_text(a, st, 6);
    o->template_version = col_text(a, st, 7);
    o->comment = col_text(a, st, 8);
    o->distribution = sqlite3_column_int(st, 9);
    o->sharing_group_id = sqlite3_column_int64(st, 10);
    o->timestamp = sqlite3_column_int64(st, 11);
    o->deleted = sqlite3_column_int(st, 12) != 0;
    o->first_seen = col_text(a, st, 13);
    o->last_seen = col_text(a, st, 14);
}

int sq_object_insert(struct store_conn *base, struct object *o)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_obj_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, o->uuid);
    sqlite3_bind_int64(st, 2, o->event_id);
    bind_text(st, 3, o->name);
    bind_text(st, 4, o->meta_category);
    bind_text(st, 5, o->description);
    bind_text(st, 6, o->template_uuid);
    bind_text(st, 7, o->template_version);
    bind_text(st, 8, o->comment);
    sqlite3_bind_int(st, 9, o->distribution);
    sqlite3_bind_int64(st, 10, o->sharing_group_id);
    sqlite3_bind_int64(st, 11, o->timestamp);
    sqlite3_bind_int(st, 12, o->deleted);
    bind_text(st, 13, o->first_seen);
    bind_text(st, 14, o->last_seen);
    sqlite3_bind_int64(st, 15, seq);
    return step_insert(c, st, &o->id);
}

static const char sql_obj_update[] =
    "UPDATE objects SET name=?1, meta_category=?2, description=?3, template_uuid=?4, "
    "template_version=?5, comment=?6, distribution=?7, sharing_group_id=?8, timestamp=?9, "
    "deleted=?10, first_seen=?11, last_seen=?12, seq=?13 WHERE id=?14";

int sq_object_update(struct store_conn *base, const struct object *o)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_obj_update, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, o->name);
    bind_text(st, 2, o->meta_category);
    bind_text(st, 3, o->description);
    bind_text(st, 4, o->template_uuid);
    bind_text(st, 5, o->template_version);
    bind_text(st, 6, o->comment);
    sqlite3_bind_int(st, 7, o->distribution);
    sqlite3_bind_int64(st, 8, o->sharing_group_id);
    sqlite3_bind_int64(st, 9, o->timestamp);
    sqlite3_bind_int(st, 10, o->deleted);
    bind_text(st, 11, o->first_seen);
    bind_text(st, 12, o->last_seen);
    sqlite3_bind_int64(st, 13, seq);
    sqlite3_bind_int64(st, 14, o->id);
    int rc = step_done(st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
}

int sq_object_get(struct store_conn *base, struct arena *a, int64_t id, const char *uuid,
                  struct object **out)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st;
    int rc = sq_row_by_ref(c, sql_obj_by_id, sql_obj_by_uuid, id, uuid, &st);
    if (rc < 0)
        return rc;
    *out = arena_alloc(a, sizeof(**out));
    obj_read(a, st, *out);
    return 0;
}

int sq_object_delete(struct store_conn *base, int64_t id, bool hard)
{
    struct sqlite_conn *c = sq_conn(base);
    static const char *const soft[] = {sql_obj_attrs_soft_delete, sql_obj_soft_delete};
    static const char *const hardq[] = {sql_obj_hard_delete_attr_tags, sql_obj_hard_delete_attrs,
                                        sql_obj_hard_delete_refs, sql_obj_hard_delete};
    const char *const *list = hard ? hardq : soft;
    size_t n = hard ? 4 : 2;
    int64_t seq = sq_next_seq(c);
    if (seq < 0)
        return ERR_DB;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = sq_stmt(c, list[i]);
        if (st == NULL)
            return ERR_DB;
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_int64(st, 2, now_seconds());
        sqlite3_bind_int64(st, 3, id);
        int rc = step_done(st);
        if (rc < 0)
            return rc;
    }
    return sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : 0;
}

int sq_reference_insert(struct store_conn *base, int64_t event_id, struct object_reference *r)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_ref_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, r->uuid);
    sqlite3_bind_int64(st, 2, r->object_id);
    sqlite3_bind_int64(st, 3, event_id);
    bind_text(st, 4, r->referenced_uuid);
    bind_text(st, 5, r->referenced_type ? r->referenced_type : "Attribute");
    bind_text(st, 6, r->relationship_type);
    bind_text(st, 7, r->comment);
    sqlite3_bind_int64(st, 8, r->timestamp);
    sqlite3_bind_int(st, 9, r->deleted);
    sqlite3_bind_int64(st, 10, seq);
    return step_insert(c, st, &r->id);
}

/* ---- loading a whole event ---- */

/*
 * The texts that embed the read rule (acl_sql.h) are built once at open, in
 * the form that serves any filter, with fixed parameters bound by acl_bind:
 * ?1 everything (0/1), ?2 the reader's org id, ?3 unpublished_private, ?9 the
 * visible sharing groups (a set's text, rendered once per load), ?10
 * see_deleted; ?4 and ?5 are the statement's own (the event id, which deleted
 * children).
 */
static void acl_param(struct acl_sql *w, enum acl_sql_value v)
{
    static const char *const marks[] = {
        [ACL_SQL_EVERYTHING] = "?1",          [ACL_SQL_ORG_ID] = "?2",
        [ACL_SQL_UNPUBLISHED_PRIVATE] = "?3", [ACL_SQL_SEE_DELETED] = "?10",
        [ACL_SQL_SHARING_GROUPS] = "?9",
    };
    buf_puts(w->sql, marks[v]);
}

/* sharing_groups: acl's sharing groups as sq_set_text_ids renders them. */
static void acl_bind(sqlite3_stmt *st, const struct acl_filter *acl, const char *sharing_groups)
{
    sqlite3_bind_int(st, 1, acl->everything);
    sqlite3_bind_int64(st, 2, acl->org_id);
    sqlite3_bind_int(st, 3, acl->unpublished_private);
    sqlite3_bind_text(st, 9, sharing_groups, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 10, acl->see_deleted);
}

void sq_event_texts_build(struct sqlite_texts *t)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    struct acl_sql w = {
        .sql = &b, .value = acl_param, .set_open = SQ_SET_IN, .set_close = SQ_SET_IN_END};
    buf_puts(&b, "SELECT 1 FROM events e WHERE e.id = ?4");
    acl_sql_event(&w, "e");
    t->event_visible = buf_take(&b, NULL);

    buf_puts(&b, "SELECT " ATTR_COLS " FROM attributes a JOIN events e ON e.id = a.event_id "
                 "LEFT JOIN objects o ON o.id = a.object_id "
                 "WHERE a.event_id = ?4 AND (?5 = 2 OR a.deleted = ?5)");
    acl_sql_deleted(&w, "e", "a");
    acl_sql_child(&w, "e", "a", "o");
    buf_puts(&b, " ORDER BY a.id");
    t->event_attrs = buf_take(&b, NULL);

    buf_puts(&b, "SELECT " OBJ_COLS " FROM objects o JOIN events e ON e.id = o.event_id "
                 "WHERE o.event_id = ?4 AND (?5 = 2 OR o.deleted = ?5)");
    acl_sql_deleted(&w, "e", "o");
    acl_sql_child(&w, "e", "o", NULL);
    buf_puts(&b, " ORDER BY o.id");
    t->event_objs = buf_take(&b, NULL);
}

static const char sql_event_refs[] =
    "SELECT r.id, r.uuid, r.object_id, r.referenced_uuid, r.referenced_type, "
    "r.relationship_type, r.comment, r.timestamp, r.deleted, o.uuid "
    "FROM object_references r JOIN objects o ON o.id = r.object_id "
    "WHERE r.event_id = ? AND r.deleted = 0 ORDER BY r.object_id, r.id";
static const char sql_event_attr_tags[] =
    "SELECT t.id, t.name, t.colour, t.exportable, t.hide_tag, t.org_id, t.user_id, "
    "t.numerical_value, t.is_galaxy, t.is_custom_galaxy, t.local_only, t.uuid, t.timestamp, "
    "at.local, at.attribute_id FROM attribute_tags at JOIN tags t ON t.id = at.tag_id "
    "WHERE at.event_id = ? ORDER BY at.attribute_id, at.id";

static struct attribute *attr_find(struct attribute *arr, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (arr[mid].id < id)
            lo = mid + 1;
        else if (arr[mid].id > id)
            hi = mid;
        else
            return &arr[mid];
    }
    return NULL;
}

static struct object *obj_find(struct object *arr, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (arr[mid].id < id)
            lo = mid + 1;
        else if (arr[mid].id > id)
            hi = mid;
        else
            return &arr[mid];
    }
    return NULL;
}

static void ref_read(struct arena *a, sqlite3_stmt *st, struct object_reference *r)
{
    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(st, 0);
    col_uuid(r->uuid, st, 1);
    r->object_id = sqlite3_column_int64(st, 2);
    col_uuid(r->referenced_uuid, st, 3);
    r->referenced_type = col_text(a, st, 4);
    r->relationship_type = col_text(a, st, 5);
    r->comment = col_text(a, st, 6);
    r->timestamp = sqlite3_column_int64(st, 7);
    r->deleted = sqlite3_column_int(st, 8) != 0;
    col_uuid(r->object_uuid, st, 9);
}

/* Loads attributes (split into event-level and per object), objects and references. */
static int event_children_load(struct sqlite_conn *c, struct arena *a, struct event *e,
                               const struct acl_filter *acl, const char *sharing_groups,
                               unsigned flags)
{
    int deleted = (flags & STORE_LOAD_DELETED_ONLY) ? 1 : (flags & STORE_LOAD_DELETED) ? 2 : 0;
    struct attribute *attrs;
    size_t n_attrs;
    sqlite3_stmt *st = sq_stmt(c, c->store->sql.event_attrs);
    if (st == NULL)
        return ERR_DB;
    acl_bind(st, acl, sharing_groups);
    sqlite3_bind_int64(st, 4, e->id);
    sqlite3_bind_int(st, 5, deleted);
    COLLECT_ROWS(a, st, struct attribute, sq_attr_read, &attrs, &n_attrs);

    if (flags & STORE_LOAD_TAGS) {
        st = sq_stmt(c, sql_event_attr_tags);
        if (st == NULL)
            return ERR_DB;
        sqlite3_bind_int64(st, 1, e->id);
        int rc;
        struct attribute *cur = NULL;
        size_t cap = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t aid = sqlite3_column_int64(st, 14);
            if (cur == NULL || cur->id != aid) {
                cur = attr_find(attrs, n_attrs, aid);
                cap = 0;
            }
            if (cur == NULL)
                continue;
            if (cur->n_tags == cap) {
                size_t ncap = cap ? cap * 2 : 4;
                struct tag_ref *bigger = arena_alloc(a, ncap * sizeof(*bigger));
                if (cur->n_tags)
                    memcpy(bigger, cur->tags, cur->n_tags * sizeof(*bigger));
                cur->tags = bigger;
                cap = ncap;
            }
            sq_tag_ref_read(a, st, &cur->tags[cur->n_tags++]);
        }
        if (rc != SQLITE_DONE)
            return ERR_DB;
    }

    st = sq_stmt(c, c->store->sql.event_objs);
    if (st == NULL)
        return ERR_DB;
    acl_bind(st, acl, sharing_groups);
    sqlite3_bind_int64(st, 4, e->id);
    sqlite3_bind_int(st, 5, deleted);
    COLLECT_ROWS(a, st, struct object, obj_read, &e->objects, &e->n_objects);

    /* Count attributes per object, then distribute (attrs are in id order). */
    size_t n_plain = 0;
    for (size_t i = 0; i < n_attrs; i++) {
        struct object *o =
            attrs[i].object_id ? obj_find(e->objects, e->n_objects, attrs[i].object_id) : NULL;
        if (o)
            o->n_attrs++;
        else if (attrs[i].object_id == 0)
            n_plain++;
    }
    e->attrs = arena_alloc(a, (n_plain ? n_plain : 1) * sizeof(*e->attrs));
    e->n_attrs = 0;
    for (size_t i = 0; i < e->n_objects; i++) {
        struct object *o = &e->objects[i];
        o->attrs = arena_alloc(a, (o->n_attrs ? o->n_attrs : 1) * sizeof(*o->attrs));
        o->n_attrs = 0;
    }
    for (size_t i = 0; i < n_attrs; i++) {
        if (attrs[i].object_id == 0) {
            e->attrs[e->n_attrs++] = attrs[i];
            continue;
        }
        struct object *o = obj_find(e->objects, e->n_objects, attrs[i].object_id);
        if (o)
            o->attrs[o->n_attrs++] = attrs[i];
    }

    struct object_reference *refs;
    size_t n_refs;
    st = sq_stmt(c, sql_event_refs);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, e->id);
    COLLECT_ROWS(a, st, struct object_reference, ref_read, &refs, &n_refs);
    for (size_t i = 0; i < n_refs;) {
        size_t j = i;
        while (j < n_refs && refs[j].object_id == refs[i].object_id)
            j++;
        struct object *o = obj_find(e->objects, e->n_objects, refs[i].object_id);
        if (o) {
            o->refs = &refs[i];
            o->n_refs = j - i;
        }
        i = j;
    }
    return 0;
}

int sq_event_load(struct store_conn *base, struct arena *a, int64_t id, const char *uuid,
                  const struct acl_filter *acl, unsigned flags, struct event **out)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st;
    int rc = sq_row_by_ref(c, sql_event_by_id, sql_event_by_uuid, id, uuid, &st);
    if (rc < 0)
        return rc;
    struct event *e = arena_calloc(a, 1, sizeof(*e));
    sq_event_read(a, st, e);
    sqlite3_reset(st);

    /* the sharing groups' text, rendered once for the statements of this load */
    struct buf sg;
    buf_init(&sg, sq_value_max(c->db));
    sq_set_text_ids(&sg, acl->sharing_groups);
    rc = sg.err ? ERR_TOOBIG : 0;
    if (rc == 0 && (st = sq_stmt(c, c->store->sql.event_visible)) == NULL)
        rc = ERR_DB;
    if (rc == 0) {
        acl_bind(st, acl, buf_cstr(&sg));
        sqlite3_bind_int64(st, 4, e->id);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    }
    if (rc == 0)
        rc = sq_event_orgs_load(c, a, e);
    if (rc == 0 && (flags & STORE_LOAD_TAGS))
        rc = sq_event_tags_load(c, a, e);
    if (rc == 0 && (flags & STORE_LOAD_CHILDREN))
        rc = event_children_load(c, a, e, acl, buf_cstr(&sg), flags);
    buf_free(&sg);
    if (rc < 0)
        return rc;
    *out = e;
    return 0;
}
