/*
 * search.c - the SQLite backend's searches: struct query rendered to SQL
 * (attribute and event search), and the dynamic statement builder (struct
 * sqlb) that the sighting search shares.  Only fixed fragments are spliced;
 * every value is bound.
 */
#include "store/sqlite/sqlite_int.h"

#include <stdlib.h>

#include "util/banned.h"

/* ---- search: rendering struct query to SQL ---- */

void sqlb_text(struct sqlb *b, const char *s)
{
    buf_puts(&b->sql, s);
}

static struct bindv *sqlb_bind_value(struct sqlb *b)
{
    b->binds = arena_grow(b->a, b->binds, b->n, &b->cap, sizeof(*b->binds));
    struct bindv *v = &b->binds[b->n++];
    memset(v, 0, sizeof(*v));
    return v;
}

void sqlb_str(struct sqlb *b, const char *fragment, const char *s)
{
    sqlb_text(b, fragment);
    struct bindv *v = sqlb_bind_value(b);
    v->kind = BIND_TEXT;
    v->s = s;
}

void sqlb_int(struct sqlb *b, const char *fragment, int64_t i)
{
    sqlb_text(b, fragment);
    struct bindv *v = sqlb_bind_value(b);
    v->kind = BIND_INT;
    v->i = i;
}

/* Appends "<SQ_SET_IN>?<SQ_SET_IN_END>" binding the set. */
static void sqlb_ids(struct sqlb *b, struct id_set s)
{
    sqlb_text(b, SQ_SET_IN "?" SQ_SET_IN_END);
    struct bindv *v = sqlb_bind_value(b);
    v->kind = BIND_IDS;
    v->ids = s;
}

static void sqlb_strs(struct sqlb *b, struct str_set s)
{
    sqlb_text(b, SQ_SET_IN "?" SQ_SET_IN_END);
    struct bindv *v = sqlb_bind_value(b);
    v->kind = BIND_STRS;
    v->strs = s;
}

static bool has_wildcard(const char *s)
{
    return strchr(s, '%') != NULL;
}

static bool all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/*
 * How one field matches one pattern.  Each renders "(...)" with one or more
 * bound copies of the pattern.
 */
enum match_kind {
    MATCH_ATTR_VALUE, /* a.value, '%' wildcards */
    MATCH_ATTR_TYPE,  /* a.type */
    MATCH_ATTR_CATEGORY,
    MATCH_TAG_ATTR,  /* tag on the attribute or on its event */
    MATCH_TAG_EVENT, /* tag on the event or on any of its attributes */
    MATCH_EVENT_ID,  /* event id or uuid */
    MATCH_ATTR_UUID, /* attribute or event uuid */
    MATCH_EVENT_UUID,
    MATCH_ORG, /* creator org id, uuid or name */
    MATCH_INFO,
};

static void render_match(struct sqlb *b, enum match_kind kind, const char *v)
{
    switch (kind) {
    case MATCH_ATTR_VALUE:
        /* the whole value, the first part of a composite ("v|..." as an index
         * range: '}' follows '|'), or the second part (value2).  value2 is NULL
         * for plain types: guard it so that NOT (...) stays true there. */
        if (has_wildcard(v)) {
            sqlb_str(b, "(a.value LIKE ?", v);
            sqlb_str(b, " OR (a.value2 IS NOT NULL AND a.value2 LIKE ?))", v);
        } else {
            sqlb_str(b, "(a.value = ?", v);
            sqlb_str(b, " OR (a.value > ?", arena_printf(b->a, "%s|", v));
            sqlb_str(b, " AND a.value < ?)", arena_printf(b->a, "%s}", v));
            sqlb_str(b, " OR (a.value2 IS NOT NULL AND a.value2 = ?))", v);
        }
        break;
    case MATCH_ATTR_TYPE:
        sqlb_str(b, "(a.type = ?)", v);
        break;
    case MATCH_ATTR_CATEGORY:
        sqlb_str(b, "(a.category = ?)", v);
        break;
    case MATCH_TAG_ATTR:
    case MATCH_TAG_EVENT: {
        bool attr_level = kind == MATCH_TAG_ATTR;
        for (int part = 0; part < 2; part++) {
            bool on_attr = (part == 0) == attr_level;
            sqlb_text(b, part == 0 ? "(EXISTS (SELECT 1 FROM " : " OR EXISTS (SELECT 1 FROM ");
            if (on_attr)
                sqlb_text(b, attr_level ? "attribute_tags xt JOIN tags t ON t.id = xt.tag_id "
                                          "WHERE xt.attribute_id = a.id AND "
                                        : "attribute_tags xt JOIN tags t ON t.id = xt.tag_id "
                                          "WHERE xt.event_id = e.id AND ");
            else
                sqlb_text(b, "event_tags xt JOIN tags t ON t.id = xt.tag_id "
                             "WHERE xt.event_id = e.id AND ");
            if (all_digits(v))
                sqlb_int(b, "t.id = ?)", strtoll(v, NULL, 10));
            else if (has_wildcard(v))
                sqlb_str(b, "t.name LIKE ?)", v);
            else
                sqlb_str(b, "t.name = ? COLLATE NOCASE)", v);
        }
        sqlb_text(b, ")");
        break;
    }
    case MATCH_EVENT_ID:
        if (all_digits(v))
            sqlb_int(b, "(e.id = ?)", strtoll(v, NULL, 10));
        else
            sqlb_str(b, "(e.uuid = ?)", v);
        break;
    case MATCH_ATTR_UUID:
        sqlb_str(b, "(a.uuid = ?", v);
        sqlb_str(b, " OR e.uuid = ?)", v);
        break;
    case MATCH_EVENT_UUID:
        sqlb_str(b, "(e.uuid = ?)", v);
        break;
    case MATCH_ORG:
        if (all_digits(v))
            sqlb_int(b, "(e.orgc_id = ?)", strtoll(v, NULL, 10));
        else {
            sqlb_str(b, "(e.orgc_id IN (SELECT id FROM orgs WHERE uuid = ?", v);
            sqlb_str(b, " OR name LIKE ?))", v);
        }
        break;
    case MATCH_INFO:
        sqlb_str(b, "(e.info LIKE ?)", v);
        break;
    }
}

/* Renders " AND (any OR ...) AND all... AND NOT none..." for a filter. */
static void render_filter(struct sqlb *b, const struct filter *f, enum match_kind kind)
{
    if (f->n_any) {
        sqlb_text(b, " AND (");
        for (size_t i = 0; i < f->n_any; i++) {
            if (i)
                sqlb_text(b, " OR ");
            render_match(b, kind, f->any[i]);
        }
        sqlb_text(b, ")");
    }
    for (size_t i = 0; i < f->n_all; i++) {
        sqlb_text(b, " AND ");
        render_match(b, kind, f->all[i]);
    }
    for (size_t i = 0; i < f->n_none; i++) {
        sqlb_text(b, " AND NOT ");
        render_match(b, kind, f->none[i]);
    }
}

void sqlb_in_ids(struct sqlb *b, const char *column, struct id_set s, bool negate)
{
    if (s.v == NULL)
        return;
    sqlb_text(b, " AND ");
    sqlb_text(b, column);
    if (negate)
        sqlb_text(b, " NOT");
    sqlb_ids(b, s);
}

void sqlb_in_strs(struct sqlb *b, const char *column, struct str_set s)
{
    if (s.v == NULL)
        return;
    sqlb_text(b, " AND ");
    sqlb_text(b, column);
    sqlb_strs(b, s);
}

/* acl_sql's values in a dynamic statement: a '?' and its binding, in order. */
static void acl_value(struct acl_sql *w, enum acl_sql_value v)
{
    struct sqlb *b = w->ctx;
    if (v == ACL_SQL_ORG_ID) {
        sqlb_int(b, "?", w->filter->org_id);
    } else { /* the only other value of a filter's own rendering: a granting set */
        struct id_set sg = w->filter->sharing_groups;
        sqlb_text(b, "?");
        struct bindv *bv = sqlb_bind_value(b);
        bv->kind = BIND_IDS;
        bv->ids = sg.v != NULL ? sg : id_set_none();
    }
}

static struct acl_sql acl_writer(struct sqlb *b, const struct acl_filter *acl)
{
    return (struct acl_sql){.sql = &b->sql,
                            .filter = acl,
                            .value = acl_value,
                            .set_open = SQ_SET_IN,
                            .set_close = SQ_SET_IN_END,
                            .ctx = b};
}

void sqlb_acl_event(struct sqlb *b, const struct acl_filter *acl)
{
    struct acl_sql w = acl_writer(b, acl);
    acl_sql_event(&w, "e");
}

void sqlb_acl_attribute(struct sqlb *b, const struct acl_filter *acl)
{
    struct acl_sql w = acl_writer(b, acl);
    acl_sql_child(&w, "e", "a", "o");
}

/* Conditions on attributes shared by attribute search and event search (EXISTS). */
static void render_attr_conditions(struct sqlb *b, const struct query *q, bool for_event)
{
    sqlb_in_ids(b, "a.id", q->attribute_ids, false);
    render_filter(b, &q->value, MATCH_ATTR_VALUE);
    render_filter(b, &q->type, MATCH_ATTR_TYPE);
    render_filter(b, &q->category, MATCH_ATTR_CATEGORY);
    if (q->to_ids != TRI_ANY)
        sqlb_int(b, " AND a.to_ids = ?", q->to_ids == TRI_YES);
    if (!for_event) {
        render_filter(b, &q->tags, MATCH_TAG_ATTR);
        render_filter(b, &q->uuid, MATCH_ATTR_UUID);
        if (q->timestamp_min)
            sqlb_int(b, " AND a.timestamp >= ?", q->timestamp_min);
        if (q->timestamp_max)
            sqlb_int(b, " AND a.timestamp <= ?", q->timestamp_max);
        if (q->deleted != 2)
            sqlb_int(b, " AND a.deleted = ?", q->deleted);
        if (q->deleted != 0) {
            struct acl_sql w = acl_writer(b, &q->acl);
            acl_sql_deleted(&w, "e", "a");
        }
    } else {
        sqlb_text(b, " AND a.deleted = 0");
    }
    sqlb_acl_attribute(b, &q->acl);
}

/* Conditions on events shared by both searches. */
static void render_event_conditions(struct sqlb *b, const struct query *q)
{
    sqlb_text(b, " WHERE e.deleted = 0");
    if (q->match_nothing)
        sqlb_text(b, " AND 0");
    sqlb_acl_event(b, &q->acl);
    render_filter(b, &q->event_id, MATCH_EVENT_ID);
    sqlb_in_ids(b, "e.id", q->event_ids, false);
    render_filter(b, &q->org, MATCH_ORG);
    render_filter(b, &q->info, MATCH_INFO);
    if (q->date_from)
        sqlb_str(b, " AND e.date >= ?", q->date_from);
    if (q->date_to)
        sqlb_str(b, " AND e.date <= ?", q->date_to);
    if (q->publish_timestamp_min)
        sqlb_int(b, " AND e.publish_timestamp >= ?", q->publish_timestamp_min);
    if (q->publish_timestamp_max)
        sqlb_int(b, " AND e.publish_timestamp <= ?", q->publish_timestamp_max);
    if (q->published_since)
        sqlb_int(b, " AND e.publish_timestamp >= ?", q->published_since);
    if (q->event_timestamp_min)
        sqlb_int(b, " AND e.timestamp >= ?", q->event_timestamp_min);
    if (q->event_timestamp_max)
        sqlb_int(b, " AND e.timestamp <= ?", q->event_timestamp_max);
    if (q->published != TRI_ANY)
        sqlb_int(b, " AND e.published = ?", q->published == TRI_YES);
}

static void render_limit(struct sqlb *b, const struct query *q)
{
    if (q->limit > 0) {
        sqlb_int(b, " LIMIT ?", q->limit);
        sqlb_int(b, " OFFSET ?", (q->page > 1 ? q->page - 1 : 0) * q->limit);
    }
}

int sqlb_prepare(struct sqlite_conn *c, struct sqlb *b, sqlite3_stmt **out)
{
    /* a query past SQLite's own limits is the caller's input being too large */
    if (b->sql.err || b->n > (size_t)sqlite3_limit(c->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1))
        return ERR_TOOBIG;
    sqlite3_stmt *st = NULL;
    int prc = sqlite3_prepare_v2(c->db, buf_cstr(&b->sql), (int)b->sql.len, &st, NULL);
    if (prc != SQLITE_OK)
        return prc == SQLITE_TOOBIG ? ERR_TOOBIG : ERR_DB;
    int rc = 0;
    for (size_t i = 0; i < b->n && rc == 0; i++) {
        const struct bindv *v = &b->binds[i];
        switch (v->kind) {
        case BIND_INT:
            sqlite3_bind_int64(st, (int)i + 1, v->i);
            break;
        case BIND_TEXT:
            bind_text(st, (int)i + 1, v->s);
            break;
        case BIND_IDS:
            rc = sq_bind_id_set(st, (int)i + 1, v->ids);
            break;
        case BIND_STRS:
            rc = sq_bind_str_set(st, (int)i + 1, v->strs);
            break;
        }
    }
    if (rc < 0) {
        sqlite3_finalize(st);
        return rc;
    }
    *out = st;
    return 0;
}

int sq_attribute_search(struct store_conn *base, struct arena *a, const struct query *q,
                        bool with_tags,
                        int (*fn)(void *ctx, struct attribute *at, const char *event_uuid),
                        void *ctx)
{
    struct sqlite_conn *c = sq_conn(base);
    struct sqlb b = {.a = a};
    buf_init(&b.sql, 1 << 20);
    sqlb_text(&b, "SELECT " ATTR_COLS ", e.uuid FROM attributes a JOIN events e ON e.id = "
                  "a.event_id LEFT JOIN objects o ON o.id = a.object_id");
    render_event_conditions(&b, q);
    render_attr_conditions(&b, q, false);
    if (q->after_id)
        sqlb_int(&b, " AND a.id > ?", q->after_id);
    sqlb_text(&b, " ORDER BY a.id");
    render_limit(&b, q);
    sqlite3_stmt *st = NULL;
    int rc = sqlb_prepare(c, &b, &st);
    buf_free(&b.sql);
    if (rc < 0)
        return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct attribute at;
        sq_attr_read(a, st, &at);
        char event_uuid[UUID_STR_LEN + 1];
        col_uuid(event_uuid, st, 17);
        if (with_tags && (rc = sq_attr_tags_load(c, a, &at)) < 0)
            break;
        if ((rc = fn(ctx, &at, event_uuid)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_finalize(st);
    return rc;
}

int sq_event_search(struct store_conn *base, struct arena *a, const struct query *q,
                    int (*fn)(void *ctx, struct event *e), void *ctx)
{
    struct sqlite_conn *c = sq_conn(base);
    struct sqlb b = {.a = a};
    buf_init(&b.sql, 1 << 20);
    sqlb_text(&b, q->without_counts ? "SELECT " EVENT_COLS_NO_COUNT " FROM events e"
                                    : "SELECT " EVENT_COLS " FROM events e");
    render_event_conditions(&b, q);
    render_filter(&b, &q->tags, MATCH_TAG_EVENT);
    render_filter(&b, &q->uuid, MATCH_EVENT_UUID);
    if (q->timestamp_min)
        sqlb_int(&b, " AND e.timestamp >= ?", q->timestamp_min);
    if (q->timestamp_max)
        sqlb_int(&b, " AND e.timestamp <= ?", q->timestamp_max);
    if (!filter_empty(&q->value) || !filter_empty(&q->type) || !filter_empty(&q->category) ||
        q->to_ids != TRI_ANY || q->attribute_ids.v != NULL) {
        sqlb_text(&b, " AND EXISTS (SELECT 1 FROM attributes a LEFT JOIN objects o ON o.id = "
                      "a.object_id WHERE a.event_id = e.id");
        render_attr_conditions(&b, q, true);
        sqlb_text(&b, ")");
    }
    if (q->after_id)
        sqlb_int(&b, " AND e.id > ?", q->after_id);
    sqlb_text(&b, " ORDER BY e.id");
    render_limit(&b, q);
    sqlite3_stmt *st = NULL;
    int rc = sqlb_prepare(c, &b, &st);
    buf_free(&b.sql);
    if (rc < 0)
        return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct event *e = arena_calloc(a, 1, sizeof(*e));
        sq_event_read(a, st, e);
        if ((rc = sq_event_orgs_load(c, a, e)) < 0 || (rc = sq_event_tags_load(c, a, e)) < 0)
            break;
        if ((rc = fn(ctx, e)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_finalize(st);
    return rc;
}
