/*
 * search.c - the PostgreSQL backend's searches: struct query rendered to SQL
 * (attribute and event search), and the dynamic statement builder (struct
 * pg_sqlb, pg_int.h) other per-request statements can share.  Only fixed
 * fragments are spliced; every value is bound.  The SQL is the SQLite
 * backend's (src/store/sqlite/search.c) with PostgreSQL's spelling: sets are
 * arrays (= ANY), SQLite's LIKE (ASCII case-insensitive, no escape character)
 * is ILIKE ... ESCAPE '', COLLATE NOCASE is lower() on both sides.
 *
 * The rows are read through a cursor: the callbacks run other store calls
 * (an event's orgs and tags, an attribute's tags) on the same connection
 * while the search goes on, and a restSearch may match millions of rows.
 */
#include "store/pg/pg_int.h"

#include <inttypes.h>
#include <stdlib.h>

#include "util/banned.h"

/* The most values one statement takes (the protocol counts them in 16 bits). */
#define SQLB_MAX_VALUES 65535
/* The longest statement text, as for SQLite: past it the caller's query is too large. */
#define SQLB_MAX_TEXT ((size_t)1 << 20)
/* Rows fetched per round trip. */
#define SEARCH_BATCH 1000

/* ---- the dynamic statement builder ---- */

void pg_sqlb_init(struct pg_sqlb *b, struct arena *a)
{
    memset(b, 0, sizeof(*b));
    buf_init(&b->sql, SQLB_MAX_TEXT);
    b->a = a;
}

void pg_sqlb_free(struct pg_sqlb *b)
{
    buf_free(&b->sql);
}

void pg_sqlb_text(struct pg_sqlb *b, const char *s)
{
    buf_puts(&b->sql, s);
}

static void sqlb_value(struct pg_sqlb *b, const char *v)
{
    b->v = arena_grow(b->a, b->v, b->n, &b->cap, sizeof(*b->v));
    b->v[b->n++] = v;
}

/* Takes the values p formatted (numbers, sets, an ACL fragment's), copied
 * into the arena, and frees p. */
static void sqlb_params(struct pg_sqlb *b, struct pg_params *p)
{
    if (p->err && !b->err)
        b->err = ERR_TOOBIG; /* a set longer than PG_VALUE_MAX */
    for (int i = 0; i < p->n; i++)
        sqlb_value(b, p->v[i] ? arena_strdup(b->a, p->v[i]) : NULL);
    pg_params_free(p);
}

void pg_sqlb_str(struct pg_sqlb *b, const char *fragment, const char *s)
{
    pg_sqlb_text(b, fragment);
    sqlb_value(b, s);
}

void pg_sqlb_int(struct pg_sqlb *b, const char *fragment, int64_t i)
{
    pg_sqlb_text(b, fragment);
    sqlb_value(b, arena_printf(b->a, "%" PRId64, i));
}

/* Appends fragment (a test on one '?' of type bigint[]) with the set's value. */
static void sqlb_ids(struct pg_sqlb *b, const char *fragment, struct id_set s)
{
    pg_sqlb_text(b, fragment);
    struct pg_params p;
    pg_params_init(&p);
    pg_p_ids(&p, s);
    sqlb_params(b, &p);
}

static void sqlb_strs(struct pg_sqlb *b, struct str_set s)
{
    pg_sqlb_text(b, PG_SET_STRS);
    struct pg_params p;
    pg_params_init(&p);
    pg_p_strs(&p, s);
    sqlb_params(b, &p);
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

/* A tag named v on the attribute or event (MATCH_TAG_*): both parts, the
 * level's own first. */
static void render_tag_match(struct pg_sqlb *b, bool attr_level, const char *v)
{
    for (int part = 0; part < 2; part++) {
        bool on_attr = (part == 0) == attr_level;
        pg_sqlb_text(b, part == 0 ? "(EXISTS (SELECT 1 FROM " : " OR EXISTS (SELECT 1 FROM ");
        if (on_attr)
            pg_sqlb_text(b, attr_level ? "attribute_tags xt JOIN tags t ON t.id = xt.tag_id "
                                         "WHERE xt.attribute_id = a.id AND "
                                       : "attribute_tags xt JOIN tags t ON t.id = xt.tag_id "
                                         "WHERE xt.event_id = e.id AND ");
        else
            pg_sqlb_text(b, "event_tags xt JOIN tags t ON t.id = xt.tag_id "
                            "WHERE xt.event_id = e.id AND ");
        if (all_digits(v))
            pg_sqlb_int(b, "t.id = ?)", strtoll(v, NULL, 10));
        else if (has_wildcard(v))
            pg_sqlb_str(b, "t.name ILIKE ? ESCAPE '')", v);
        else
            pg_sqlb_str(b, "lower(t.name) = lower(?::text))", v);
    }
    pg_sqlb_text(b, ")");
}

static void render_match(struct pg_sqlb *b, enum match_kind kind, const char *v)
{
    switch (kind) {
    case MATCH_ATTR_VALUE:
        /* the whole value, the first part of a composite ("v|..." as an index
         * range: '}' follows '|'), or the second part (value2).  value2 is NULL
         * for plain types: guard it so that NOT (...) stays true there.  The
         * range is byte order under the database's C collation, as in SQLite. */
        if (has_wildcard(v)) {
            pg_sqlb_str(b, "(a.value ILIKE ? ESCAPE ''", v);
            pg_sqlb_str(b, " OR (a.value2 IS NOT NULL AND a.value2 ILIKE ? ESCAPE ''))", v);
        } else {
            pg_sqlb_str(b, "(a.value = ?", v);
            pg_sqlb_str(b, " OR (a.value > ?", arena_printf(b->a, "%s|", v));
            pg_sqlb_str(b, " AND a.value < ?)", arena_printf(b->a, "%s}", v));
            pg_sqlb_str(b, " OR (a.value2 IS NOT NULL AND a.value2 = ?))", v);
        }
        break;
    case MATCH_ATTR_TYPE:
        pg_sqlb_str(b, "(a.type = ?)", v);
        break;
    case MATCH_ATTR_CATEGORY:
        pg_sqlb_str(b, "(a.category = ?)", v);
        break;
    case MATCH_TAG_ATTR:
    case MATCH_TAG_EVENT:
        render_tag_match(b, kind == MATCH_TAG_ATTR, v);
        break;
    case MATCH_EVENT_ID:
        if (all_digits(v))
            pg_sqlb_int(b, "(e.id = ?)", strtoll(v, NULL, 10));
        else
            pg_sqlb_str(b, "(e.uuid = ?)", v);
        break;
    case MATCH_ATTR_UUID:
        pg_sqlb_str(b, "(a.uuid = ?", v);
        pg_sqlb_str(b, " OR e.uuid = ?)", v);
        break;
    case MATCH_EVENT_UUID:
        pg_sqlb_str(b, "(e.uuid = ?)", v);
        break;
    case MATCH_ORG:
        if (all_digits(v))
            pg_sqlb_int(b, "(e.orgc_id = ?)", strtoll(v, NULL, 10));
        else {
            pg_sqlb_str(b, "(e.orgc_id IN (SELECT id FROM orgs WHERE uuid = ?", v);
            pg_sqlb_str(b, " OR name ILIKE ? ESCAPE ''))", v);
        }
        break;
    case MATCH_INFO:
        pg_sqlb_str(b, "(e.info ILIKE ? ESCAPE '')", v);
        break;
    }
}

/* Renders " AND (any OR ...) AND all... AND NOT none..." for a filter. */
static void render_filter(struct pg_sqlb *b, const struct filter *f, enum match_kind kind)
{
    if (f->n_any) {
        pg_sqlb_text(b, " AND (");
        for (size_t i = 0; i < f->n_any; i++) {
            if (i)
                pg_sqlb_text(b, " OR ");
            render_match(b, kind, f->any[i]);
        }
        pg_sqlb_text(b, ")");
    }
    for (size_t i = 0; i < f->n_all; i++) {
        pg_sqlb_text(b, " AND ");
        render_match(b, kind, f->all[i]);
    }
    for (size_t i = 0; i < f->n_none; i++) {
        pg_sqlb_text(b, " AND NOT ");
        render_match(b, kind, f->none[i]);
    }
}

void pg_sqlb_in_ids(struct pg_sqlb *b, const char *column, struct id_set s, bool negate)
{
    if (s.v == NULL)
        return;
    pg_sqlb_text(b, " AND ");
    pg_sqlb_text(b, column);
    sqlb_ids(b, negate ? " <> ALL(?::bigint[])" : PG_SET_IDS, s);
}

void pg_sqlb_in_strs(struct pg_sqlb *b, const char *column, struct str_set s)
{
    if (s.v == NULL)
        return;
    pg_sqlb_text(b, " AND ");
    pg_sqlb_text(b, column);
    sqlb_strs(b, s);
}

/*
 * acl_sql's fragments in a dynamic statement, rendered for the filter itself
 * (a site admin gets no text at all).  Placeholders are positional: the
 * values the writer recorded are added right after the fragment, in its
 * order, before anything else is appended.
 */
enum acl_part { ACL_EVENT, ACL_ATTRIBUTE, ACL_DELETED_ATTRIBUTE };

static void sqlb_acl(struct pg_sqlb *b, const struct acl_filter *acl, enum acl_part part)
{
    struct pg_acl_order order = {.n = 0};
    struct acl_sql w;
    pg_acl_writer(&w, &b->sql, acl, &order);
    switch (part) {
    case ACL_EVENT:
        acl_sql_event(&w, "e");
        break;
    case ACL_ATTRIBUTE:
        acl_sql_child(&w, "e", "a", "o");
        break;
    case ACL_DELETED_ATTRIBUTE:
        acl_sql_deleted(&w, "e", "a");
        break;
    }
    struct pg_params p;
    pg_params_init(&p);
    pg_p_acl(&p, &order, acl);
    sqlb_params(b, &p);
}

void pg_sqlb_acl_event(struct pg_sqlb *b, const struct acl_filter *acl)
{
    sqlb_acl(b, acl, ACL_EVENT);
}

void pg_sqlb_acl_attribute(struct pg_sqlb *b, const struct acl_filter *acl)
{
    sqlb_acl(b, acl, ACL_ATTRIBUTE);
}

/* Conditions on attributes shared by attribute search and event search (EXISTS). */
static void render_attr_conditions(struct pg_sqlb *b, const struct query *q, bool for_event)
{
    pg_sqlb_in_ids(b, "a.id", q->attribute_ids, false);
    render_filter(b, &q->value, MATCH_ATTR_VALUE);
    render_filter(b, &q->type, MATCH_ATTR_TYPE);
    render_filter(b, &q->category, MATCH_ATTR_CATEGORY);
    if (q->to_ids != TRI_ANY)
        pg_sqlb_int(b, " AND a.to_ids = ?", q->to_ids == TRI_YES);
    if (!for_event) {
        render_filter(b, &q->tags, MATCH_TAG_ATTR);
        render_filter(b, &q->uuid, MATCH_ATTR_UUID);
        if (q->timestamp_min)
            pg_sqlb_int(b, " AND a.timestamp >= ?", q->timestamp_min);
        if (q->timestamp_max)
            pg_sqlb_int(b, " AND a.timestamp <= ?", q->timestamp_max);
        if (q->deleted != 2)
            pg_sqlb_int(b, " AND a.deleted = ?", q->deleted);
        if (q->deleted != 0)
            sqlb_acl(b, &q->acl, ACL_DELETED_ATTRIBUTE);
    } else {
        pg_sqlb_text(b, " AND a.deleted = 0");
    }
    pg_sqlb_acl_attribute(b, &q->acl);
}

/* Conditions on events shared by both searches. */
static void render_event_conditions(struct pg_sqlb *b, const struct query *q)
{
    pg_sqlb_text(b, " WHERE e.deleted = 0");
    if (q->match_nothing)
        pg_sqlb_text(b, " AND false");
    pg_sqlb_acl_event(b, &q->acl);
    render_filter(b, &q->event_id, MATCH_EVENT_ID);
    pg_sqlb_in_ids(b, "e.id", q->event_ids, false);
    render_filter(b, &q->org, MATCH_ORG);
    render_filter(b, &q->info, MATCH_INFO);
    if (q->date_from)
        pg_sqlb_str(b, " AND e.date >= ?", q->date_from);
    if (q->date_to)
        pg_sqlb_str(b, " AND e.date <= ?", q->date_to);
    if (q->publish_timestamp_min)
        pg_sqlb_int(b, " AND e.publish_timestamp >= ?", q->publish_timestamp_min);
    if (q->publish_timestamp_max)
        pg_sqlb_int(b, " AND e.publish_timestamp <= ?", q->publish_timestamp_max);
    if (q->published_since)
        pg_sqlb_int(b, " AND e.publish_timestamp >= ?", q->published_since);
    if (q->event_timestamp_min)
        pg_sqlb_int(b, " AND e.timestamp >= ?", q->event_timestamp_min);
    if (q->event_timestamp_max)
        pg_sqlb_int(b, " AND e.timestamp <= ?", q->event_timestamp_max);
    if (q->published != TRI_ANY)
        pg_sqlb_int(b, " AND e.published = ?", q->published == TRI_YES);
}

static void render_limit(struct pg_sqlb *b, const struct query *q)
{
    if (q->limit > 0) {
        pg_sqlb_int(b, " LIMIT ?", q->limit);
        pg_sqlb_int(b, " OFFSET ?", (q->page > 1 ? q->page - 1 : 0) * q->limit);
    }
}

int pg_sqlb_cursor_open(struct pg_cursor *cur, struct pg_conn *c, struct pg_sqlb *b, int batch)
{
    if (b->sql.err || b->err || b->n > SQLB_MAX_VALUES) {
        memset(cur, 0, sizeof(*cur)); /* closing it is still right */
        return ERR_TOOBIG;
    }
    return pg_cursor_open_values(cur, c, buf_cstr(&b->sql), (int)b->n, b->v, batch);
}

/* ---- what the rows of one fetched batch need, read in one statement ---- */

/* The tags of every row of a batch, ordered by owner id then attachment (the
 * owners come in ascending id order: the searches ORDER BY id), so that each
 * row takes its own with a forward walk.  Per row, one query each would cost
 * a round trip per row (measured in bench/acl: 7-10x SQLite's time). */
#define TAG_REF_COLS                                                                               \
    "t.id, t.name, t.colour, t.exportable, t.hide_tag, t.org_id, t.user_id, "                      \
    "t.numerical_value, t.is_galaxy, t.is_custom_galaxy, t.local_only, t.uuid, t.timestamp"
static const char sql_batch_attr_tags[] =
    "SELECT at.attribute_id, " TAG_REF_COLS ", at.local FROM attribute_tags at "
    "JOIN tags t ON t.id = at.tag_id WHERE at.attribute_id" PG_SET_IDS
    " ORDER BY at.attribute_id, at.id";
static const char sql_batch_event_tags[] =
    "SELECT et.event_id, " TAG_REF_COLS ", et.local FROM event_tags et "
    "JOIN tags t ON t.id = et.tag_id WHERE et.event_id" PG_SET_IDS " ORDER BY et.event_id, et.id";

struct tag_batch {
    PGresult *r; /* NULL: none loaded */
    int next;
};

/* Loads the tags of the owners in column 0 of the batch rows (sql: one of the
 * two above). */
static int tag_batch_load(struct pg_conn *c, struct arena *a, const char *sql, const PGresult *rows,
                          struct tag_batch *tb)
{
    PQclear(tb->r);
    tb->r = NULL;
    tb->next = 0;
    int n = PQntuples(rows);
    int64_t *ids = arena_alloc(a, (size_t)(n ? n : 1) * sizeof(*ids));
    for (int i = 0; i < n; i++)
        ids[i] = pg_int(rows, i, 0);
    struct pg_params p;
    pg_params_init(&p);
    pg_p_ids(&p, (struct id_set){ids, (size_t)n});
    int rc = 0;
    tb->r = pg_exec(c, sql, &p, &rc);
    return tb->r ? 0 : rc;
}

/* The tags of owner id (ids asked in ascending order). */
static void tag_batch_take(struct arena *a, struct tag_batch *tb, int64_t id, struct tag_ref **out,
                           size_t *n_out)
{
    int rows = PQntuples(tb->r);
    while (tb->next < rows && pg_int(tb->r, tb->next, 0) < id)
        tb->next++;
    int first = tb->next;
    while (tb->next < rows && pg_int(tb->r, tb->next, 0) == id)
        tb->next++;
    size_t n = (size_t)(tb->next - first);
    *out = arena_alloc(a, (n ? n : 1) * sizeof(**out));
    for (size_t i = 0; i < n; i++)
        pg_tag_ref_read(a, tb->r, first + (int)i, 1, &(*out)[i]);
    *n_out = n;
}

/* The organisations of the events of a search: few, so each is read once. */
#define ORG_CACHE 32
struct org_cache {
    struct org *orgs[ORG_CACHE];
    size_t n, next;
};

static int org_cached(struct pg_conn *c, struct arena *a, struct org_cache *oc, int64_t id,
                      struct org **out)
{
    for (size_t i = 0; i < oc->n; i++)
        if (oc->orgs[i]->id == id) {
            *out = arena_alloc(a, sizeof(**out)); /* each event its own, as when read */
            **out = *oc->orgs[i];
            return 0;
        }
    int rc = pg_org_get(&c->base, a, id, NULL, NULL, out);
    if (rc < 0)
        return rc;
    oc->orgs[oc->next] = *out; /* replaces the oldest when full */
    oc->next = (oc->next + 1) % ORG_CACHE;
    if (oc->n < ORG_CACHE)
        oc->n++;
    return 0;
}

int pg_attribute_search(struct store_conn *base, struct arena *a, const struct query *q,
                        bool with_tags,
                        int (*fn)(void *ctx, struct attribute *at, const char *event_uuid),
                        void *ctx)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_sqlb b;
    pg_sqlb_init(&b, a);
    pg_sqlb_text(&b, "SELECT " ATTR_COLS ", e.uuid FROM attributes a JOIN events e ON e.id = "
                     "a.event_id LEFT JOIN objects o ON o.id = a.object_id");
    render_event_conditions(&b, q);
    render_attr_conditions(&b, q, false);
    if (q->after_id)
        pg_sqlb_int(&b, " AND a.id > ?", q->after_id);
    pg_sqlb_text(&b, " ORDER BY a.id");
    render_limit(&b, q);
    struct pg_cursor cur;
    int rc = pg_sqlb_cursor_open(&cur, c, &b, SEARCH_BATCH);
    pg_sqlb_free(&b);
    struct tag_batch tags = {0};
    while (rc == 0 && (rc = pg_cursor_next(&cur)) > 0) {
        if (with_tags && cur.row == 0 &&
            (rc = tag_batch_load(c, a, sql_batch_attr_tags, cur.res, &tags)) < 0)
            break;
        struct attribute at;
        pg_attr_read(a, cur.res, cur.row, &at);
        char event_uuid[UUID_STR_LEN + 1];
        pg_uuid(event_uuid, cur.res, cur.row, 17);
        if (with_tags)
            tag_batch_take(a, &tags, at.id, &at.tags, &at.n_tags);
        if ((rc = fn(ctx, &at, event_uuid)) != 0)
            break;
    }
    PQclear(tags.r);
    pg_cursor_close(&cur);
    return rc;
}

int pg_event_search(struct store_conn *base, struct arena *a, const struct query *q,
                    int (*fn)(void *ctx, struct event *e), void *ctx)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_sqlb b;
    pg_sqlb_init(&b, a);
    pg_sqlb_text(&b, q->without_counts ? "SELECT " EVENT_COLS_NO_COUNT " FROM events e"
                                       : "SELECT " EVENT_COLS " FROM events e");
    render_event_conditions(&b, q);
    render_filter(&b, &q->tags, MATCH_TAG_EVENT);
    render_filter(&b, &q->uuid, MATCH_EVENT_UUID);
    if (q->timestamp_min)
        pg_sqlb_int(&b, " AND e.timestamp >= ?", q->timestamp_min);
    if (q->timestamp_max)
        pg_sqlb_int(&b, " AND e.timestamp <= ?", q->timestamp_max);
    if (!filter_empty(&q->value) || !filter_empty(&q->type) || !filter_empty(&q->category) ||
        q->to_ids != TRI_ANY || q->attribute_ids.v != NULL) {
        pg_sqlb_text(&b, " AND EXISTS (SELECT 1 FROM attributes a LEFT JOIN objects o ON o.id = "
                         "a.object_id WHERE a.event_id = e.id");
        render_attr_conditions(&b, q, true);
        pg_sqlb_text(&b, ")");
    }
    if (q->after_id)
        pg_sqlb_int(&b, " AND e.id > ?", q->after_id);
    pg_sqlb_text(&b, " ORDER BY e.id");
    render_limit(&b, q);
    struct pg_cursor cur;
    int rc = pg_sqlb_cursor_open(&cur, c, &b, SEARCH_BATCH);
    pg_sqlb_free(&b);
    struct tag_batch tags = {0};
    struct org_cache orgs = {0};
    while (rc == 0 && (rc = pg_cursor_next(&cur)) > 0) {
        if (cur.row == 0 && (rc = tag_batch_load(c, a, sql_batch_event_tags, cur.res, &tags)) < 0)
            break;
        struct event *e = arena_calloc(a, 1, sizeof(*e));
        pg_event_read(a, cur.res, cur.row, e);
        tag_batch_take(a, &tags, e->id, &e->tags, &e->n_tags);
        if ((rc = org_cached(c, a, &orgs, e->org_id, &e->org)) < 0 ||
            (rc = org_cached(c, a, &orgs, e->orgc_id, &e->orgc)) < 0)
            break;
        if ((rc = fn(ctx, e)) != 0)
            break;
    }
    PQclear(tags.r);
    pg_cursor_close(&cur);
    return rc;
}
