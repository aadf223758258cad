/*
 * events.c - the PostgreSQL backend's events, objects, references and
 * attributes, and the loading of a whole event with its children filtered by
 * acl.  The statements are those of the SQLite backend (src/store/sqlite/
 * events.c): inserts that may meet a taken uuid end in ON CONFLICT DO NOTHING
 * RETURNING id (pg_insert reports ERR_CONFLICT and the transaction goes on, as
 * a caller importing an event expects), and each statement binds only the
 * values it uses.  Attributes inserted together (a new event's) go through
 * COPY (pg_attributes_insert).
 */
#include "store/pg/pg_int.h"

#include "util/alloc.h"

#include <stdlib.h>

#include "util/banned.h"

/* A tag reference at column 0 (the shape PG_COLLECT_ROWS calls). */
static void tag_ref_read(struct arena *a, const PGresult *r, int row, struct tag_ref *t)
{
    pg_tag_ref_read(a, r, row, 0, t);
}

/* ---- events ---- */

static const char sql_event_insert[] =
    "INSERT INTO events (uuid, org_id, orgc_id, user_id, info, date, threat_level_id, analysis, "
    "distribution, sharing_group_id, published, timestamp, publish_timestamp, "
    "sighting_timestamp, locked, disable_correlation, proposal_email_lock, extends_uuid, seq) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING id";
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

void pg_event_read(struct arena *a, const PGresult *r, int row, struct event *e)
{
    memset(e, 0, sizeof(*e));
    e->id = pg_int(r, row, 0);
    pg_uuid(e->uuid, r, row, 1);
    e->org_id = pg_int(r, row, 2);
    e->orgc_id = pg_int(r, row, 3);
    e->user_id = pg_int(r, row, 4);
    e->info = pg_text(a, r, row, 5);
    snprintf(e->date, sizeof(e->date), "%s", pg_str(r, row, 6));
    e->threat_level_id = (int)pg_int(r, row, 7);
    e->analysis = (int)pg_int(r, row, 8);
    e->distribution = (int)pg_int(r, row, 9);
    e->sharing_group_id = pg_int(r, row, 10);
    e->published = pg_bool(r, row, 11);
    e->timestamp = pg_int(r, row, 12);
    e->publish_timestamp = pg_int(r, row, 13);
    e->sighting_timestamp = pg_int(r, row, 14);
    e->locked = pg_bool(r, row, 15);
    e->disable_correlation = pg_bool(r, row, 16);
    e->proposal_email_lock = pg_bool(r, row, 17);
    e->extends_uuid = pg_text(a, r, row, 18);
    e->deleted = pg_bool(r, row, 19);
    e->attribute_count = pg_int(r, row, 20);
}

/* The event's own fields, org_id to extends_uuid, in the statements' order. */
static void event_params(struct pg_params *p, const struct event *e)
{
    pg_p_int(p, e->org_id);
    pg_p_int(p, e->orgc_id);
    pg_p_int(p, e->user_id);
    pg_p_text(p, e->info);
    pg_p_text(p, e->date);
    pg_p_int(p, e->threat_level_id);
    pg_p_int(p, e->analysis);
    pg_p_int(p, e->distribution);
    pg_p_int(p, e->sharing_group_id);
    pg_p_bool(p, e->published);
    pg_p_int(p, e->timestamp);
    pg_p_int(p, e->publish_timestamp);
    pg_p_int(p, e->sighting_timestamp);
    pg_p_bool(p, e->locked);
    pg_p_bool(p, e->disable_correlation);
    pg_p_bool(p, e->proposal_email_lock);
    pg_p_text(p, e->extends_uuid);
}

int pg_event_insert(struct store_conn *base, struct event *e)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, e->uuid);
    event_params(&p, e);
    pg_p_int(&p, seq);
    return pg_insert(c, sql_event_insert, &p, &e->id);
}

int pg_event_update(struct store_conn *base, const struct event *e)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    struct pg_params p;
    pg_params_init(&p);
    event_params(&p, e);
    pg_p_int(&p, seq);
    pg_p_int(&p, e->id);
    return pg_run(c, sql_event_update, &p);
}

int pg_event_touch(struct store_conn *base, int64_t event_id, int64_t timestamp)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, timestamp);
    pg_p_int(&p, seq);
    pg_p_int(&p, event_id);
    return pg_run(c, sql_event_touch, &p);
}

int pg_event_delete(struct store_conn *base, int64_t event_id)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    static const char *const sqls[] = {sql_event_delete_attrs, sql_event_delete_objs,
                                       sql_event_delete};
    int rc = 0;
    for (size_t i = 0; i < 3 && rc == 0; i++) {
        struct pg_params p;
        pg_params_init(&p);
        pg_p_int(&p, seq);
        pg_p_int(&p, event_id);
        /* ERR_NOTFOUND: no event row */
        rc = i < 2 ? pg_run(c, sqls[i], &p) : pg_run_changed(c, sqls[i], &p);
    }
    return rc;
}

/* Every row of an event, children first. */
static const char *const sql_event_purge[] = {
    "DELETE FROM attribute_tags WHERE event_id = ?",
    "DELETE FROM event_tags WHERE event_id = ?",
    "DELETE FROM sightings WHERE event_id = ?",
    "DELETE FROM object_references WHERE event_id = ?",
    "DELETE FROM attributes WHERE event_id = ?",
    "DELETE FROM objects WHERE event_id = ?",
    "DELETE FROM event_origins WHERE event_id = ?",
    "DELETE FROM events WHERE id = ?",
};

int pg_event_purge(struct store_conn *base, int64_t event_id)
{
    struct pg_conn *c = pg_conn(base);
    /* a new sequence value first: the attribute removals are stamped with it
     * (the trigger reads change_head) */
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    size_t n = sizeof(sql_event_purge) / sizeof(sql_event_purge[0]);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct pg_params p;
        pg_params_init(&p);
        pg_p_int(&p, event_id);
        /* ERR_NOTFOUND: no event row */
        rc = i + 1 < n ? pg_run(c, sql_event_purge[i], &p)
                       : pg_run_changed(c, sql_event_purge[i], &p);
    }
    return rc;
}

static const char sql_event_stamps[] =
    "SELECT uuid, timestamp, (locked = 1 AND deleted = 0)::int FROM events "
    "WHERE uuid" PG_SET_STRS;

int pg_event_stamps(struct store_conn *base, struct str_set uuids,
                    int (*fn)(void *ctx, const char *uuid, int64_t timestamp, bool locked),
                    void *ctx)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_params p;
    pg_params_init(&p);
    pg_p_strs(&p, uuids);
    int rc = 0;
    /* one row per given uuid at most: the result is as bounded as the set */
    PGresult *r = pg_exec(c, sql_event_stamps, &p, &rc);
    if (r == NULL)
        return rc;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++)
        rc = fn(ctx, pg_str(r, i, 0), pg_int(r, i, 1), pg_bool(r, i, 2));
    PQclear(r);
    return rc;
}

int pg_event_tags_load(struct pg_conn *c, struct arena *a, struct event *e)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, e->id);
    int rc = 0;
    PGresult *r = pg_exec(c, sql_event_tags, &p, &rc);
    if (r == NULL)
        return rc;
    PG_COLLECT_ROWS(a, r, struct tag_ref, tag_ref_read, &e->tags, &e->n_tags);
    PQclear(r);
    return 0;
}

int pg_event_orgs_load(struct pg_conn *c, struct arena *a, struct event *e)
{
    int rc = pg_org_get(&c->base, a, e->org_id, NULL, NULL, &e->org);
    if (rc == 0)
        rc = pg_org_get(&c->base, a, e->orgc_id, NULL, NULL, &e->orgc);
    return rc;
}

/* ---- attributes ---- */

static const char sql_attr_insert[] =
    "INSERT INTO attributes (uuid, event_id, object_id, object_relation, type, category, value, "
    "comment, to_ids, distribution, sharing_group_id, timestamp, deleted, disable_correlation, "
    "first_seen, last_seen, value2, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT DO NOTHING RETURNING id";
static const char sql_attr_update[] =
    "UPDATE attributes SET object_id=?, object_relation=?, type=?, category=?, value=?, "
    "comment=?, to_ids=?, distribution=?, sharing_group_id=?, timestamp=?, deleted=?, "
    "disable_correlation=?, first_seen=?, last_seen=?, value2=?, seq=? WHERE id=?";
static const char sql_attr_by_id[] = "SELECT " ATTR_COLS " FROM attributes a WHERE a.id = ?";
static const char sql_attr_by_uuid[] = "SELECT " ATTR_COLS " FROM attributes a WHERE a.uuid = ?";
static const char sql_attr_soft_delete[] =
    "UPDATE attributes SET deleted=1, timestamp=GREATEST(?::bigint, timestamp + 1), seq=? "
    "WHERE id=?";
static const char sql_attr_tags_delete[] = "DELETE FROM attribute_tags WHERE attribute_id = ?";
static const char sql_attr_hard_delete[] = "DELETE FROM attributes WHERE id = ?";
static const char sql_attr_tags[] =
    "SELECT t.id, t.name, t.colour, t.exportable, t.hide_tag, t.org_id, t.user_id, "
    "t.numerical_value, t.is_galaxy, t.is_custom_galaxy, t.local_only, t.uuid, t.timestamp, "
    "at.local "
    "FROM attribute_tags at JOIN tags t ON t.id = at.tag_id WHERE at.attribute_id = ? "
    "ORDER BY at.id";
/* The uuid is bound once per table (a '?' is one value). */
static const char sql_uuid_taken[] =
    "SELECT 1 FROM events WHERE uuid = ? UNION ALL SELECT 1 FROM attributes WHERE uuid = ? "
    "UNION ALL SELECT 1 FROM objects WHERE uuid = ? "
    "UNION ALL SELECT 1 FROM object_references WHERE uuid = ? LIMIT 1";
static const char sql_uuid_taken_not_attr[] =
    "SELECT 1 FROM events WHERE uuid = ? UNION ALL SELECT 1 FROM objects WHERE uuid = ? "
    "UNION ALL SELECT 1 FROM object_references WHERE uuid = ? LIMIT 1";

void pg_attr_read(struct arena *a, const PGresult *r, int row, struct attribute *at)
{
    memset(at, 0, sizeof(*at));
    at->id = pg_int(r, row, 0);
    pg_uuid(at->uuid, r, row, 1);
    at->event_id = pg_int(r, row, 2);
    at->object_id = pg_int(r, row, 3);
    at->object_relation = pg_text(a, r, row, 4);
    at->type = pg_text(a, r, row, 5);
    at->category = pg_text(a, r, row, 6);
    at->value = pg_text(a, r, row, 7);
    at->comment = pg_text(a, r, row, 8);
    at->to_ids = pg_bool(r, row, 9);
    at->distribution = (int)pg_int(r, row, 10);
    at->sharing_group_id = pg_int(r, row, 11);
    at->timestamp = pg_int(r, row, 12);
    at->deleted = pg_bool(r, row, 13);
    at->disable_correlation = pg_bool(r, row, 14);
    at->first_seen = pg_text(a, r, row, 15);
    at->last_seen = pg_text(a, r, row, 16);
}

/* value2: the part after '|' of a composite type's value (search column), or NULL. */
static const char *attr_value2(const struct attribute *at)
{
    const char *bar = strchr(at->type ? at->type : "", '|') ? strchr(at->value, '|') : NULL;
    return bar ? bar + 1 : NULL;
}

/* The attribute's fields, object_id to value2, in the statements' order. */
static void attr_params(struct pg_params *p, const struct attribute *at)
{
    pg_p_int(p, at->object_id);
    pg_p_text(p, at->object_relation);
    pg_p_text(p, at->type);
    pg_p_text(p, at->category);
    pg_p_text(p, at->value);
    pg_p_text(p, at->comment);
    pg_p_bool(p, at->to_ids);
    pg_p_int(p, at->distribution);
    pg_p_int(p, at->sharing_group_id);
    pg_p_int(p, at->timestamp);
    pg_p_bool(p, at->deleted);
    pg_p_bool(p, at->disable_correlation);
    pg_p_text(p, at->first_seen);
    pg_p_text(p, at->last_seen);
    pg_p_text(p, attr_value2(at));
}

int pg_attribute_insert(struct store_conn *base, struct attribute *at)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, at->uuid);
    pg_p_int(&p, at->event_id);
    attr_params(&p, at);
    pg_p_int(&p, seq);
    return pg_insert(c, sql_attr_insert, &p, &at->id);
}

int pg_attribute_update(struct store_conn *base, const struct attribute *at)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    struct pg_params p;
    pg_params_init(&p);
    attr_params(&p, at);
    pg_p_int(&p, seq);
    pg_p_int(&p, at->id);
    return pg_run(c, sql_attr_update, &p);
}

int pg_attribute_get(struct store_conn *base, struct arena *a, int64_t id, const char *uuid,
                     struct attribute **out)
{
    struct pg_conn *c = pg_conn(base);
    PGresult *r;
    int rc = pg_row_by_ref(c, sql_attr_by_id, sql_attr_by_uuid, id, uuid, &r);
    if (rc < 0)
        return rc;
    *out = arena_alloc(a, sizeof(**out));
    pg_attr_read(a, r, 0, *out);
    PQclear(r);
    return 0;
}

int pg_attribute_delete(struct store_conn *base, int64_t id, bool hard)
{
    struct pg_conn *c = pg_conn(base);
    /* hard: the removal trace (the trigger) records this transaction's seq */
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    struct pg_params p;
    pg_params_init(&p);
    if (!hard) {
        pg_p_int(&p, now_seconds());
        pg_p_int(&p, seq);
        pg_p_int(&p, id);
        return pg_run_changed(c, sql_attr_soft_delete, &p);
    }
    pg_p_int(&p, id);
    int rc = pg_run(c, sql_attr_tags_delete, &p);
    if (rc < 0)
        return rc;
    pg_params_init(&p);
    pg_p_int(&p, id);
    return pg_run_changed(c, sql_attr_hard_delete, &p);
}

int pg_uuid_taken_by(struct store_conn *base, const char *uuid, bool attributes, bool *taken)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_params p;
    pg_params_init(&p);
    for (int i = 0; i < (attributes ? 4 : 3); i++)
        pg_p_text(&p, uuid);
    int rc = 0;
    PGresult *r = pg_exec(c, attributes ? sql_uuid_taken : sql_uuid_taken_not_attr, &p, &rc);
    if (r == NULL)
        return rc;
    *taken = PQntuples(r) > 0;
    PQclear(r);
    return 0;
}

/* The set bound once: each uuid looked up in every table by its unique index. */
static const char sql_uuids_taken[] =
    "SELECT u FROM unnest(?::text[]) u WHERE EXISTS (SELECT 1 FROM events WHERE uuid = u) "
    "OR EXISTS (SELECT 1 FROM attributes WHERE uuid = u AND ?::integer = 1) "
    "OR EXISTS (SELECT 1 FROM objects WHERE uuid = u) "
    "OR EXISTS (SELECT 1 FROM object_references WHERE uuid = u)";

int pg_uuids_taken_by(struct store_conn *base, struct str_set uuids, bool attributes,
                      int (*fn)(void *ctx, const char *uuid), void *ctx)
{
    if (uuids.n == 0)
        return 0;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_strs(&p, uuids);
    pg_p_bool(&p, attributes);
    int rc = 0;
    PGresult *r = pg_exec(pg_conn(base), sql_uuids_taken, &p, &rc);
    if (r == NULL)
        return rc;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++)
        rc = fn(ctx, pg_str(r, i, 0));
    PQclear(r);
    return rc;
}

/*
 * Bulk attribute inserts: COPY straight into attributes, the ids taken from
 * the table's sequence beforehand.  COPY cannot skip a row whose uuid is
 * taken (ON CONFLICT), so the uuids are first checked among themselves here,
 * and the COPY runs inside a savepoint: when a stored attribute has one of
 * the uuids, the copy is undone, the stored ones are looked up and the rows
 * before the first copied again.  The write transaction's lock
 * (PG_WRITE_LOCK), under which every insert into attributes is made, keeps
 * the ids consecutive and the looked-up uuids free until the second copy.
 * Measured on 300,000 rows (psql): a COPY into a temporary table then
 * INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING id, which needs
 * neither, takes about half as long again as this COPY; looking every uuid
 * up before the COPY, a fifth more.
 */

/* Below this many attributes, statements per row cost less than the bulk
 * path's round trips. */
#define BULK_MIN 8
/* The most rows copied at once (bounds the look-up's values). */
#define BULK_MAX 4096
/* COPY data is sent in pieces of about this size. */
#define BULK_SEND 65536

/* The last of ? ids taken at once. */
static const char sql_attr_ids[] =
    "SELECT setval(s, nextval(s) + ?::bigint - 1) "
    "FROM (SELECT pg_get_serial_sequence('attributes', 'id')::regclass s) q";
static const char sql_attr_uuids_stored[] =
    "SELECT u FROM unnest(?::text[]) u WHERE EXISTS (SELECT 1 FROM attributes WHERE uuid = u)";
#define ATTR_COPY                                                                                  \
    "COPY attributes (id, uuid, event_id, object_id, object_relation, type, category, value, "     \
    "comment, to_ids, distribution, sharing_group_id, timestamp, deleted, disable_correlation, "   \
    "first_seen, last_seen, value2, seq) FROM STDIN"
static const char sql_attr_copy[] = ATTR_COPY;
static const char sql_attr_copy_guarded[] = "SAVEPOINT attr_copy; " ATTR_COPY;

/* A uuid of the batch and its index; sorted by uuid, then index. */
struct bulk_uuid {
    const char *uuid;
    size_t i;
};

static int cmp_bulk_uuid(const void *x, const void *y)
{
    const struct bulk_uuid *a = x, *b = y;
    int c = strcmp(a->uuid, b->uuid);
    return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* The first attribute of ats[0..n) whose uuid an earlier one has (n: none). */
static size_t bulk_repeated(struct attribute *const *ats, size_t n)
{
    struct bulk_uuid *u = xcalloc(n, sizeof(*u));
    for (size_t i = 0; i < n; i++)
        u[i] = (struct bulk_uuid){ats[i]->uuid, i};
    qsort(u, n, sizeof(*u), cmp_bulk_uuid);
    size_t first = n;
    for (size_t k = 1; k < n; k++)
        if (strcmp(u[k - 1].uuid, u[k].uuid) == 0 && u[k].i < first)
            first = u[k].i;
    free(u);
    return first;
}

/* The first attribute of ats[0..n) whose uuid a stored attribute has (*first,
 * n: none). */
static int bulk_stored(struct pg_conn *c, struct attribute *const *ats, size_t n, size_t *first)
{
    const char **set = xcalloc(n, sizeof(*set));
    for (size_t i = 0; i < n; i++)
        set[i] = ats[i]->uuid;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_strs(&p, (struct str_set){set, n});
    int rc = 0;
    PGresult *r = pg_exec(c, sql_attr_uuids_stored, &p, &rc);
    *first = n;
    for (size_t i = 0; r != NULL && i < n && *first == n; i++)
        for (int row = 0; row < PQntuples(r); row++)
            if (strcmp(pg_str(r, row, 0), ats[i]->uuid) == 0)
                *first = i;
    PQclear(r);
    free(set);
    return rc;
}

/* Gives ats[0..n) ids from the table's sequence, increasing in array order. */
static int bulk_ids(struct pg_conn *c, struct attribute *const *ats, size_t n)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, (int64_t)n);
    PGresult *r;
    int rc = pg_row(c, sql_attr_ids, &p, &r);
    if (rc < 0)
        return rc == ERR_NOTFOUND ? ERR_DB : rc;
    int64_t first = pg_int(r, 0, 0) - (int64_t)n + 1;
    PQclear(r);
    for (size_t i = 0; i < n; i++)
        ats[i]->id = first + (int64_t)i;
    return 0;
}

static struct store_value bulk_int(int64_t v)
{
    return (struct store_value){.kind = STORE_INT, .i = v};
}

static struct store_value bulk_text(const char *s)
{
    if (s == NULL)
        return (struct store_value){.kind = STORE_NULL};
    return (struct store_value){.kind = STORE_TEXT, .p = s, .len = strlen(s)};
}

/* Appends at's row, in sql_attr_copy's columns, to b. */
static void bulk_row(struct buf *b, const struct attribute *at, int64_t seq)
{
    struct store_value v[] = {
        bulk_int(at->id),
        bulk_text(at->uuid),
        bulk_int(at->event_id),
        bulk_int(at->object_id),
        bulk_text(at->object_relation),
        bulk_text(at->type),
        bulk_text(at->category),
        bulk_text(at->value),
        bulk_text(at->comment),
        bulk_int(at->to_ids),
        bulk_int(at->distribution),
        bulk_int(at->sharing_group_id),
        bulk_int(at->timestamp),
        bulk_int(at->deleted),
        bulk_int(at->disable_correlation),
        bulk_text(at->first_seen),
        bulk_text(at->last_seen),
        bulk_text(attr_value2(at)),
        bulk_int(seq),
    };
    pg_copy_row(b, v, sizeof(v) / sizeof(v[0]));
}

/* Copies ats[0..n); guarded: inside a savepoint, undone when it fails. */
static int bulk_copy(struct pg_conn *c, struct attribute *const *ats, size_t n, int64_t seq,
                     bool guarded)
{
    int rc = pg_copy_start(c, guarded ? sql_attr_copy_guarded : sql_attr_copy);
    if (rc < 0)
        return rc;
    struct buf b;
    buf_init(&b, PG_VALUE_MAX);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        bulk_row(&b, ats[i], seq);
        if (b.len >= BULK_SEND || i + 1 == n)
            rc = pg_copy_send(c, &b);
    }
    buf_free(&b);
    int erc = pg_copy_end(c, rc < 0);
    if (rc == 0)
        rc = erc;
    if (!guarded) /* checked: a conflict means a writer without PG_WRITE_LOCK, and
                     the transaction has failed, which ERR_CONFLICT would hide */
        return rc == ERR_CONFLICT ? ERR_DB : rc;
    if (rc == 0)
        return pg_exec_simple(c, "RELEASE attr_copy");
    int urc = pg_exec_simple(c, "ROLLBACK TO attr_copy; RELEASE attr_copy");
    return urc < 0 ? urc : rc;
}

/* Inserts ats[0..n), n <= BULK_MAX: those before the first conflict. */
static int bulk_insert(struct pg_conn *c, int64_t seq, struct attribute *const *ats, size_t n,
                       size_t *conflict)
{
    size_t ok = *conflict = bulk_repeated(ats, n);
    int rc = ok > 0 ? bulk_ids(c, ats, ok) : 0;
    if (rc == 0 && ok > 0 && (rc = bulk_copy(c, ats, ok, seq, true)) == ERR_CONFLICT &&
        (rc = bulk_stored(c, ats, ok, conflict)) == 0 && *conflict > 0)
        rc = bulk_copy(c, ats, *conflict, seq, false);
    if (rc == 0 && *conflict < n)
        rc = ERR_CONFLICT;
    return rc;
}

int pg_attributes_insert(struct store_conn *base, struct attribute *const *ats, size_t n,
                         size_t *conflict)
{
    struct pg_conn *c = pg_conn(base);
    int rc = 0;
    if (n < BULK_MIN) {
        for (size_t i = 0; rc == 0 && i < n; i++)
            if ((rc = pg_attribute_insert(base, ats[i])) == ERR_CONFLICT)
                *conflict = i;
        return rc;
    }
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    for (size_t off = 0; rc == 0 && off < n; off += BULK_MAX) {
        size_t k = n - off < BULK_MAX ? n - off : BULK_MAX;
        if ((rc = bulk_insert(c, seq, ats + off, k, conflict)) == ERR_CONFLICT)
            *conflict += off;
    }
    return rc;
}

int pg_attr_tags_load(struct pg_conn *c, struct arena *a, struct attribute *at)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, at->id);
    int rc = 0;
    PGresult *r = pg_exec(c, sql_attr_tags, &p, &rc);
    if (r == NULL)
        return rc;
    PG_COLLECT_ROWS(a, r, struct tag_ref, tag_ref_read, &at->tags, &at->n_tags);
    PQclear(r);
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
    "last_seen, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING id";
static const char sql_obj_by_id[] = "SELECT " OBJ_COLS " FROM objects o WHERE o.id = ?";
static const char sql_obj_by_uuid[] = "SELECT " OBJ_COLS " FROM objects o WHERE o.uuid = ?";
/* The soft deletes take (now, seq, id), the hard ones (id). */
static const char sql_obj_soft_delete[] =
    "UPDATE objects SET deleted=1, timestamp=GREATEST(?::bigint, timestamp + 1), seq=? WHERE id=?";
static const char sql_obj_attrs_soft_delete[] =
    "UPDATE attributes SET deleted=1, timestamp=GREATEST(?::bigint, timestamp + 1), seq=? "
    "WHERE object_id=? AND deleted=0";
static const char sql_obj_hard_delete_attr_tags[] =
    "DELETE FROM attribute_tags WHERE attribute_id IN (SELECT id FROM attributes WHERE "
    "object_id = ?)";
static const char sql_obj_hard_delete_attrs[] = "DELETE FROM attributes WHERE object_id = ?";
static const char sql_obj_hard_delete_refs[] = "DELETE FROM object_references WHERE object_id = ?";
static const char sql_obj_hard_delete[] = "DELETE FROM objects WHERE id = ?";
static const char sql_ref_insert[] =
    "INSERT INTO object_references (uuid, object_id, event_id, referenced_uuid, referenced_type, "
    "relationship_type, comment, timestamp, deleted, seq) VALUES (?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT DO NOTHING RETURNING id";

static void obj_read(struct arena *a, const PGresult *r, int row, struct object *o)
{
    memset(o, 0, sizeof(*o));
    o->id = pg_int(r, row, 0);
    pg_uuid(o->uuid, r, row, 1);
    o->event_id = pg_int(r, row, 2);
    o->name = pg_text(a, r, row, 3);
    o->meta_category = pg_text(a, r, row, 4);
    o->description = pg_text(a, r, row, 5);
    o->template_uuid = pg_text(a, r, row, 6);
    o->template_version = pg_text(a, r, row, 7);
    o->comment = pg_text(a, r, row, 8);
    o->distribution = (int)pg_int(r, row, 9);
    o->sharing_group_id = pg_int(r, row, 10);
    o->timestamp = pg_int(r, row, 11);
    o->deleted = pg_bool(r, row, 12);
    o->first_seen = pg_text(a, r, row, 13);
    o->last_seen = pg_text(a, r, row, 14);
}

int pg_object_insert(struct store_conn *base, struct object *o)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, o->uuid);
    pg_p_int(&p, o->event_id);
    pg_p_text(&p, o->name);
    pg_p_text(&p, o->meta_category);
    pg_p_text(&p, o->description);
    pg_p_text(&p, o->template_uuid);
    pg_p_text(&p, o->template_version);
    pg_p_text(&p, o->comment);
    pg_p_int(&p, o->distribution);
    pg_p_int(&p, o->sharing_group_id);
    pg_p_int(&p, o->timestamp);
    pg_p_bool(&p, o->deleted);
    pg_p_text(&p, o->first_seen);
    pg_p_text(&p, o->last_seen);
    pg_p_int(&p, seq);
    return pg_insert(c, sql_obj_insert, &p, &o->id);
}

static const char sql_obj_update[] =
    "UPDATE objects SET name=?, meta_category=?, description=?, template_uuid=?, "
    "template_version=?, comment=?, distribution=?, sharing_group_id=?, timestamp=?, "
    "deleted=?, first_seen=?, last_seen=?, seq=? WHERE id=?";

int pg_object_update(struct store_conn *base, const struct object *o)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, o->name);
    pg_p_text(&p, o->meta_category);
    pg_p_text(&p, o->description);
    pg_p_text(&p, o->template_uuid);
    pg_p_text(&p, o->template_version);
    pg_p_text(&p, o->comment);
    pg_p_int(&p, o->distribution);
    pg_p_int(&p, o->sharing_group_id);
    pg_p_int(&p, o->timestamp);
    pg_p_bool(&p, o->deleted);
    pg_p_text(&p, o->first_seen);
    pg_p_text(&p, o->last_seen);
    pg_p_int(&p, seq);
    pg_p_int(&p, o->id);
    return pg_run_changed(c, sql_obj_update, &p);
}

int pg_object_get(struct store_conn *base, struct arena *a, int64_t id, const char *uuid,
                  struct object **out)
{
    struct pg_conn *c = pg_conn(base);
    PGresult *r;
    int rc = pg_row_by_ref(c, sql_obj_by_id, sql_obj_by_uuid, id, uuid, &r);
    if (rc < 0)
        return rc;
    *out = arena_alloc(a, sizeof(**out));
    obj_read(a, r, 0, *out);
    PQclear(r);
    return 0;
}

int pg_object_delete(struct store_conn *base, int64_t id, bool hard)
{
    struct pg_conn *c = pg_conn(base);
    static const char *const soft[] = {sql_obj_attrs_soft_delete, sql_obj_soft_delete};
    static const char *const hardq[] = {sql_obj_hard_delete_attr_tags, sql_obj_hard_delete_attrs,
                                        sql_obj_hard_delete_refs, sql_obj_hard_delete};
    const char *const *list = hard ? hardq : soft;
    size_t n = hard ? 4 : 2;
    /* hard: the attribute removals are stamped with this transaction's seq */
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct pg_params p;
        pg_params_init(&p);
        if (!hard) {
            pg_p_int(&p, now_seconds());
            pg_p_int(&p, seq);
        }
        pg_p_int(&p, id);
        /* ERR_NOTFOUND: no object row */
        rc = i + 1 < n ? pg_run(c, list[i], &p) : pg_run_changed(c, list[i], &p);
    }
    return rc;
}

int pg_reference_insert(struct store_conn *base, int64_t event_id, struct object_reference *r)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, r->uuid);
    pg_p_int(&p, r->object_id);
    pg_p_int(&p, event_id);
    pg_p_text(&p, r->referenced_uuid);
    pg_p_text(&p, r->referenced_type ? r->referenced_type : "Attribute");
    pg_p_text(&p, r->relationship_type);
    pg_p_text(&p, r->comment);
    pg_p_int(&p, r->timestamp);
    pg_p_bool(&p, r->deleted);
    pg_p_int(&p, seq);
    return pg_insert(c, sql_ref_insert, &p, &r->id);
}

/* ---- loading a whole event ---- */

/*
 * The texts that embed the read rule (acl_sql.h) are built once at open, in
 * the form that serves any filter (filter NULL): each statement's own values
 * come first (the event id, which deleted children - twice, a '?' being one
 * value), then the rule's, in the order pg_acl_writer recorded for the text
 * (pg_p_acl binds them from the load's filter).
 */
void pg_event_texts_build(struct pg_texts *t)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    struct acl_sql w;
    t->event_visible_acl.n = t->event_attrs_acl.n = t->event_objs_acl.n = 0;

    pg_acl_writer(&w, &b, NULL, &t->event_visible_acl);
    buf_puts(&b, "SELECT 1 FROM events e WHERE e.id = ?");
    acl_sql_event(&w, "e");
    t->event_visible = buf_take(&b, NULL);

    pg_acl_writer(&w, &b, NULL, &t->event_attrs_acl);
    buf_puts(&b, "SELECT " ATTR_COLS " FROM attributes a JOIN events e ON e.id = a.event_id "
                 "LEFT JOIN objects o ON o.id = a.object_id "
                 "WHERE a.event_id = ? AND (?::int = 2 OR a.deleted = ?::int)");
    acl_sql_deleted(&w, "e", "a");
    acl_sql_child(&w, "e", "a", "o");
    buf_puts(&b, " ORDER BY a.id");
    t->event_attrs = buf_take(&b, NULL);

    pg_acl_writer(&w, &b, NULL, &t->event_objs_acl);
    buf_puts(&b, "SELECT " OBJ_COLS " FROM objects o JOIN events e ON e.id = o.event_id "
                 "WHERE o.event_id = ? AND (?::int = 2 OR o.deleted = ?::int)");
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

static void ref_read(struct arena *a, const PGresult *r, int row, struct object_reference *ref)
{
    memset(ref, 0, sizeof(*ref));
    ref->id = pg_int(r, row, 0);
    pg_uuid(ref->uuid, r, row, 1);
    ref->object_id = pg_int(r, row, 2);
    pg_uuid(ref->referenced_uuid, r, row, 3);
    ref->referenced_type = pg_text(a, r, row, 4);
    ref->relationship_type = pg_text(a, r, row, 5);
    ref->comment = pg_text(a, r, row, 6);
    ref->timestamp = pg_int(r, row, 7);
    ref->deleted = pg_bool(r, row, 8);
    pg_uuid(ref->object_uuid, r, row, 9);
}

/* Runs one of the texts of pg_texts built with order for the event's children. */
static PGresult *children_exec(struct pg_conn *c, const char *sql, const struct pg_acl_order *order,
                               const struct acl_filter *acl, int64_t event_id, int deleted, int *rc)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, event_id);
    pg_p_int(&p, deleted);
    pg_p_int(&p, deleted);
    pg_p_acl(&p, order, acl);
    return pg_exec(c, sql, &p, rc);
}

/* Hands each attribute its tags (rows in attribute id order, attrs in id order). */
static int attr_tags_spread(struct pg_conn *c, struct arena *a, int64_t event_id,
                            struct attribute *attrs, size_t n_attrs)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, event_id);
    int rc = 0;
    PGresult *r = pg_exec(c, sql_event_attr_tags, &p, &rc);
    if (r == NULL)
        return rc;
    struct attribute *cur = NULL;
    size_t cap = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t aid = pg_int(r, i, 14);
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
        pg_tag_ref_read(a, r, i, 0, &cur->tags[cur->n_tags++]);
    }
    PQclear(r);
    return 0;
}

/* Splits attrs (in id order) into the event's own and each object's. */
static void attrs_distribute(struct arena *a, struct event *e, struct attribute *attrs,
                             size_t n_attrs)
{
    /* count attributes per object, then distribute */
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
}

/* Hands each object its references (rows in object id order). */
static int refs_load(struct pg_conn *c, struct arena *a, struct event *e)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, e->id);
    int rc = 0;
    PGresult *r = pg_exec(c, sql_event_refs, &p, &rc);
    if (r == NULL)
        return rc;
    struct object_reference *refs;
    size_t n_refs;
    PG_COLLECT_ROWS(a, r, struct object_reference, ref_read, &refs, &n_refs);
    PQclear(r);
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

/* Loads attributes (split into event-level and per object), objects and references. */
static int event_children_load(struct pg_conn *c, struct arena *a, struct event *e,
                               const struct acl_filter *acl, unsigned flags)
{
    const struct pg_texts *t = &c->store->sql;
    int deleted = (flags & STORE_LOAD_DELETED_ONLY) ? 1 : (flags & STORE_LOAD_DELETED) ? 2 : 0;
    int rc = 0;
    PGresult *r = children_exec(c, t->event_attrs, &t->event_attrs_acl, acl, e->id, deleted, &rc);
    if (r == NULL)
        return rc;
    struct attribute *attrs;
    size_t n_attrs;
    PG_COLLECT_ROWS(a, r, struct attribute, pg_attr_read, &attrs, &n_attrs);
    PQclear(r);

    if ((flags & STORE_LOAD_TAGS) && (rc = attr_tags_spread(c, a, e->id, attrs, n_attrs)) < 0)
        return rc;

    r = children_exec(c, t->event_objs, &t->event_objs_acl, acl, e->id, deleted, &rc);
    if (r == NULL)
        return rc;
    PG_COLLECT_ROWS(a, r, struct object, obj_read, &e->objects, &e->n_objects);
    PQclear(r);

    attrs_distribute(a, e, attrs, n_attrs);
    return refs_load(c, a, e);
}

/* 0 if acl lets the reader see event id, ERR_NOTFOUND if not, or the error. */
static int event_visible(struct pg_conn *c, int64_t id, const struct acl_filter *acl)
{
    const struct pg_texts *t = &c->store->sql;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, id);
    pg_p_acl(&p, &t->event_visible_acl, acl);
    PGresult *r;
    int rc = pg_row(c, t->event_visible, &p, &r);
    PQclear(r);
    return rc;
}

int pg_event_load(struct store_conn *base, struct arena *a, int64_t id, const char *uuid,
                  const struct acl_filter *acl, unsigned flags, struct event **out)
{
    struct pg_conn *c = pg_conn(base);
    PGresult *r;
    int rc = pg_row_by_ref(c, sql_event_by_id, sql_event_by_uuid, id, uuid, &r);
    if (rc < 0)
        return rc;
    struct event *e = arena_calloc(a, 1, sizeof(*e));
    pg_event_read(a, r, 0, e);
    PQclear(r);

    rc = event_visible(c, e->id, acl);
    if (rc == 0)
        rc = pg_event_orgs_load(c, a, e);
    if (rc == 0 && (flags & STORE_LOAD_TAGS))
        rc = pg_event_tags_load(c, a, e);
    if (rc == 0 && (flags & STORE_LOAD_CHILDREN))
        rc = event_children_load(c, a, e, acl, flags);
    if (rc < 0)
        return rc;
    *out = e;
    return 0;
}
