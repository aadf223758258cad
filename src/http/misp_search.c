/*
 * misp_search.c - restSearch for events and attributes and events/index:
 * MISP's filter parameters turned into a struct query (core/query.h), run by the
 * store under the caller's acl filter, and written as JSON, CSV or text.
 *
 * Filter values follow MISP (RestSearchComponent): a scalar, a list (OR, with
 * "!x" meaning NOT) or {"OR":[…],"AND":[…],"NOT":[…]}.  Relative times are
 * Nd, Nh, Nm, Ns (also Nw); an invalid one matches nothing, as in MISP.
 */
#include "http/http.h"

#include "core/sync.h"

#include "codec/misp_json.h"
#include "core/indexer.h"
#include "util/limits.h"
#include "util/parse.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

/* Converts a scalar JSON value (string, number, bool) to text in the arena. */
static const char *scalar_text(struct arena *a, const struct json_value *v)
{
    switch (v->type) {
    case JSON_STRING:
    case JSON_NUMBER:
        return arena_strndup(a, v->u.str, v->len);
    case JSON_TRUE:
        return "1";
    case JSON_FALSE:
        return "0";
    default:
        return NULL;
    }
}

static void list_push(struct arena *a, const char ***list, size_t *n, const char *s)
{
    const char **bigger = arena_alloc(a, (*n + 1) * sizeof(*bigger));
    if (*n)
        memcpy(bigger, *list, *n * sizeof(*bigger));
    bigger[(*n)++] = s;
    *list = bigger;
}

/* Adds the values of v (scalar or list) to f; "!x" goes to NOT. */
static int filter_add(struct arena *a, struct filter *f, const struct json_value *v, int which,
                      const char *name, struct diag *d)
{
    if (v->type == JSON_ARRAY) {
        if (v->len > LIMIT_FILTER_VALUES)
            return diag_set(d, ERR_TOOBIG, name, "too many values (limit %u)",
                            LIMIT_FILTER_VALUES);
        for (size_t i = 0; i < v->len; i++) {
            int rc = filter_add(a, f, &v->u.items[i], which, name, d);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    const char *s = scalar_text(a, v);
    if (s == NULL)
        return diag_set(d, ERR_INVAL, name, "%s must be a string, a number or a list", name);
    if (which == 0 && s[0] == '!') {
        which = 2;
        s++;
    }
    if (which == 0)
        list_push(a, &f->any, &f->n_any, s);
    else if (which == 1)
        list_push(a, &f->all, &f->n_all, s);
    else
        list_push(a, &f->none, &f->n_none, s);
    return 0;
}

static int filter_parse(struct arena *a, struct filter *f, const struct json_value *v,
                        const char *name, struct diag *d)
{
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    if (v->type == JSON_OBJECT) {
        static const char *const keys[] = {"OR", "AND", "NOT"};
        for (int k = 0; k < 3; k++) {
            const struct json_value *part = json_get(v, keys[k]);
            if (part == NULL)
                continue;
            int rc = filter_add(a, f, part, k, name, d);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    if (v->type == JSON_STRING && v->len == 0)
        return 0;
    return filter_add(a, f, v, 0, name, d);
}

/* Parses "7d", "12h", "30m", "45s", "2w" into seconds; false if invalid. */
static bool relative_seconds(const char *s, int64_t *out)
{
    struct str cur = str_from_cstr(s);
    uint64_t n;
    if (parse_u64(&cur, 0, 100000000, &n) < 0 || cur.len != 1)
        return false;
    int64_t unit;
    switch (cur.ptr[0]) {
    case 'w': unit = 604800; break;
    case 'd': unit = 86400; break;
    case 'h': unit = 3600; break;
    case 'm': unit = 60; break;
    case 's': unit = 1; break;
    default: return false;
    }
    *out = (int64_t)n * unit;
    return true;
}

/* A time bound: Unix seconds, a relative time (now - N) or invalid -> match_nothing. */
static int64_t time_bound(struct query *q, const char *s)
{
    int64_t v;
    if (parse_i64_all(str_from_cstr(s), 0, INT64_MAX, &v) == 0)
        return v;
    int64_t rel;
    if (relative_seconds(s, &rel))
        return (int64_t)time(NULL) - rel;
    q->match_nothing = true;
    return 0;
}

/* timestamp-like filter: scalar (minimum) or [min, max]. */
static int range_parse(struct arena *a, struct query *q, const struct json_value *v,
                       int64_t *min, int64_t *max, const char *name, struct diag *d)
{
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    if (v->type == JSON_ARRAY) {
        if (v->len != 2)
            return diag_set(d, ERR_INVAL, name, "%s range must be [from, to]", name);
        const char *lo = scalar_text(a, &v->u.items[0]);
        const char *hi = scalar_text(a, &v->u.items[1]);
        if (lo == NULL || hi == NULL)
            return diag_set(d, ERR_INVAL, name, "%s bounds must be strings or numbers", name);
        *min = time_bound(q, lo);
        *max = time_bound(q, hi);
        return 0;
    }
    const char *s = scalar_text(a, v);
    if (s == NULL)
        return diag_set(d, ERR_INVAL, name, "%s must be a time", name);
    if (*s)
        *min = time_bound(q, s);
    return 0;
}

static int tri_parse(const struct json_value *v, enum tri *out, const char *name, struct diag *d)
{
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    bool b;
    if (v->type == JSON_STRING && v->len == 0)
        return 0;
    if (!json_as_bool(v, &b))
        return diag_set(d, ERR_INVAL, name, "%s must be 0 or 1", name);
    *out = b ? TRI_YES : TRI_NO;
    return 0;
}

static bool valid_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    return true;
}

/* A date filter (from/to): YYYY-MM-DD, or a Unix time / relative time converted to a date. */
static int date_parse(struct arena *a, struct query *q, const struct json_value *v,
                      const char **out, const char *name, struct diag *d)
{
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    const char *s = scalar_text(a, v);
    if (s == NULL)
        return diag_set(d, ERR_INVAL, name, "%s must be a date (YYYY-MM-DD)", name);
    if (*s == '\0')
        return 0;
    if (valid_date(s)) {
        *out = s;
        return 0;
    }
    int64_t t = time_bound(q, s);
    if (q->match_nothing)
        return 0;
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char *buf = arena_alloc(a, 11);
    strftime(buf, 11, "%Y-%m-%d", &tm);
    *out = buf;
    return 0;
}

/* The parameters common to events and attributes restSearch. */
struct search_opts {
    const char *format; /* json, csv, text */
    bool include_event_tags;
    bool headerless;
    bool include_context;
    const struct json_value *requested_attributes;
    bool minimal;
};

static const struct json_value *param(const struct json_value *body, const char *name)
{
    return json_get(body, name);
}

static int query_parse(struct request *req, const struct json_value *body, struct query *q,
                       struct search_opts *o, struct diag *d)
{
    struct arena *a = req->a;
    memset(q, 0, sizeof(*q));
    memset(o, 0, sizeof(*o));
    q->to_ids = TRI_ANY;
    q->published = TRI_ANY;
    o->format = "json";
    q->acl = *http_acl(req);
    if (body == NULL)
        return 0;
    if (body->type != JSON_OBJECT)
        return diag_set(d, ERR_INVAL, "request", "restSearch parameters must be a JSON object");
    const struct json_value *inner = json_get(body, "request");
    if (json_is(inner, JSON_OBJECT))
        body = inner;
    int rc = 0;
    struct {
        const char *name;
        struct filter *f;
    } filters[] = {
        {"value", &q->value},   {"type", &q->type},         {"category", &q->category},
        {"tags", &q->tags},     {"tag", &q->tags},          {"eventid", &q->event_id},
        {"event_id", &q->event_id}, {"uuid", &q->uuid},     {"org", &q->org},
        {"eventinfo", &q->info}, {"info", &q->info},
    };
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]) && rc == 0; i++)
        rc = filter_parse(a, filters[i].f, param(body, filters[i].name), filters[i].name, d);
    if (rc == 0)
        rc = date_parse(a, q, param(body, "from"), &q->date_from, "from", d);
    if (rc == 0)
        rc = date_parse(a, q, param(body, "datefrom"), &q->date_from, "datefrom", d);
    if (rc == 0)
        rc = date_parse(a, q, param(body, "to"), &q->date_to, "to", d);
    if (rc == 0)
        rc = date_parse(a, q, param(body, "dateuntil"), &q->date_to, "dateuntil", d);
    if (rc == 0)
        rc = range_parse(a, q, param(body, "timestamp"), &q->timestamp_min, &q->timestamp_max,
                         "timestamp", d);
    if (rc == 0)
        rc = range_parse(a, q, param(body, "publish_timestamp"), &q->publish_timestamp_min,
                         &q->publish_timestamp_max, "publish_timestamp", d);
    if (rc == 0) {
        int64_t unused = 0;
        rc = range_parse(a, q, param(body, "last"), &q->published_since, &unused, "last", d);
    }
    if (rc == 0)
        rc = range_parse(a, q, param(body, "event_timestamp"), &q->event_timestamp_min,
                         &q->event_timestamp_max, "event_timestamp", d);
    if (rc == 0)
        rc = tri_parse(param(body, "to_ids"), &q->to_ids, "to_ids", d);
    if (rc == 0)
        rc = tri_parse(param(body, "published"), &q->published, "published", d);
    if (rc < 0)
        return rc;
    const struct json_value *v = param(body, "deleted");
    if (v && v->type != JSON_NULL) {
        int64_t n;
        bool b;
        if (v->type == JSON_ARRAY)
            q->deleted = 2;
        else if (json_as_i64(v, &n) && n >= 0 && n <= 1)
            q->deleted = (int)n;
        else if (json_as_bool(v, &b))
            q->deleted = b;
        else
            return diag_set(d, ERR_INVAL, "deleted", "deleted must be 0, 1 or [0, 1]");
    }
    int64_t n;
    if ((v = param(body, "limit")) && v->type != JSON_NULL) {
        if (!json_as_i64(v, &n) || n < 0 || n > LIMIT_SEARCH_PAGE)
            return diag_set(d, ERR_INVAL, "limit", "limit must be 0 to %u", LIMIT_SEARCH_PAGE);
        q->limit = n;
    }
    if ((v = param(body, "page")) && v->type != JSON_NULL) {
        if (!json_as_i64(v, &n) || n < 1 || n > INT32_MAX)
            return diag_set(d, ERR_INVAL, "page", "page must be a positive integer");
        q->page = n;
    }
    struct str s;
    if ((v = param(body, "returnFormat")) && v->type != JSON_NULL) {
        if (!json_as_str(v, &s))
            return diag_set(d, ERR_INVAL, "returnFormat", "returnFormat must be a string");
        if (str_eq_cstr(s, "json"))
            o->format = "json";
        else if (str_eq_cstr(s, "csv"))
            o->format = "csv";
        else if (str_eq_cstr(s, "text"))
            o->format = "text";
        else
            return diag_set(d, ERR_INVAL, "returnFormat",
                            "unsupported returnFormat (json, csv or text)");
    }
    bool b;
    if (json_as_bool(param(body, "includeEventTags"), &b))
        o->include_event_tags = b;
    if (json_as_bool(param(body, "headerless"), &b))
        o->headerless = b;
    if (json_as_bool(param(body, "includeContext"), &b))
        o->include_context = b;
    if (json_as_bool(param(body, "minimal"), &b))
        o->minimal = b;
    o->requested_attributes = param(body, "requested_attributes");
    if (o->requested_attributes && o->requested_attributes->type != JSON_ARRAY &&
        o->requested_attributes->type != JSON_NULL)
        return diag_set(d, ERR_INVAL, "requested_attributes", "must be a list of column names");
    if (strcmp(o->format, "text") == 0) {
        /* MISP's text export defaults */
        if (param(body, "to_ids") == NULL)
            q->to_ids = TRI_YES;
        if (param(body, "published") == NULL)
            q->published = TRI_YES;
    }
    return 0;
}

/* ---- attribute output ---- */

/* Event context for CSV includeContext, loaded once per event (cache of one). */
struct csv_event_ctx {
    int64_t id;
    struct event *e;
};

struct attr_out {
    struct request *req;
    struct csv_event_ctx ev;
    struct search_opts *o;
    struct store_conn *c;
    const char **columns;
    size_t n_columns;
    size_t count;
    /* a peer's sync user: the last event and object seen, for the TLP cut */
    bool peer;
    struct event *peer_event;
    struct object *peer_object;
};

/* May attribute at go to the peer reading (acl_sync_attribute_trim)?  Its
 * event (with tags) and object are loaded once for a run of its attributes. */
static int peer_admits(struct attr_out *out, struct attribute *at, bool *ok)
{
    struct request *req = out->req;
    struct acl_filter all = {.everything = true, .sharing_groups = "[]", .see_deleted = true};
    int rc = 0;
    if (out->peer_event == NULL || out->peer_event->id != at->event_id)
        rc = store_event_load(out->c, req->a, at->event_id, NULL, &all, STORE_LOAD_TAGS,
                              &out->peer_event);
    if (rc == 0 && at->object_id > 0 &&
        (out->peer_object == NULL || out->peer_object->id != at->object_id))
        rc = store_object_get(out->c, req->a, at->object_id, NULL, &out->peer_object);
    if (rc < 0) {
        out->peer_event = NULL;
        out->peer_object = NULL;
        return rc;
    }
    *ok = acl_sync_attribute_trim(out->peer_event, at->object_id > 0 ? out->peer_object : NULL,
                                  at, DIST_COMMUNITY);
    return 0;
}

static void csv_field(struct buf *b, const char *s)
{
    buf_putc(b, '"');
    for (; s && *s; s++) {
        if (*s == '"')
            buf_putc(b, '"');
        buf_putc(b, *s);
    }
    buf_putc(b, '"');
}

static const char *const csv_default_columns[] = {
    "uuid", "event_id", "category", "type", "value", "comment", "to_ids", "timestamp",
    "object_relation", "attribute_tag"};
static const char *const csv_context_columns[] = {
    "event_info", "event_member_org", "event_source_org", "event_distribution",
    "event_threat_level_id", "event_analysis", "event_date", "event_tag", "event_timestamp"};

static const char *tag_list(struct arena *a, const struct tag_ref *tags, size_t n)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(&b, ',');
        buf_puts(&b, tags[i].tag.name);
    }
    const char *s = arena_strdup(a, buf_cstr(&b));
    buf_free(&b);
    return s;
}

static const char *csv_value(struct attr_out *out, const struct attribute *at, const char *col,
                             struct csv_event_ctx *ev)
{
    struct arena *a = out->req->a;
    if (strcmp(col, "uuid") == 0)
        return at->uuid;
    if (strcmp(col, "id") == 0)
        return arena_printf(a, "%lld", (long long)at->id);
    if (strcmp(col, "event_id") == 0)
        return arena_printf(a, "%lld", (long long)at->event_id);
    if (strcmp(col, "category") == 0)
        return at->category;
    if (strcmp(col, "type") == 0)
        return at->type;
    if (strcmp(col, "value") == 0)
        return at->value;
    if (strcmp(col, "comment") == 0)
        return at->comment;
    if (strcmp(col, "to_ids") == 0)
        return at->to_ids ? "1" : "0";
    if (strcmp(col, "timestamp") == 0)
        return arena_printf(a, "%lld", (long long)at->timestamp);
    if (strcmp(col, "object_relation") == 0)
        return at->object_relation;
    if (strcmp(col, "attribute_tag") == 0)
        return tag_list(a, at->tags, at->n_tags);
    if (strcmp(col, "distribution") == 0)
        return arena_printf(a, "%d", at->distribution);
    if (strcmp(col, "deleted") == 0)
        return at->deleted ? "1" : "0";
    if (strcmp(col, "first_seen") == 0)
        return at->first_seen;
    if (strcmp(col, "last_seen") == 0)
        return at->last_seen;
    if (strncmp(col, "event_", 6) != 0)
        return "";
    if (ev->id != at->event_id) {
        struct acl_filter acl;
        acl = *http_acl(out->req);
        ev->id = at->event_id;
        if (store_event_load(out->c, a, at->event_id, NULL, &acl, STORE_LOAD_TAGS, &ev->e) < 0)
            ev->e = NULL;
    }
    const struct event *e = ev->e;
    if (e == NULL)
        return "";
    if (strcmp(col, "event_info") == 0)
        return e->info;
    if (strcmp(col, "event_member_org") == 0)
        return e->org ? e->org->name : "";
    if (strcmp(col, "event_source_org") == 0)
        return e->orgc ? e->orgc->name : "";
    if (strcmp(col, "event_distribution") == 0)
        return arena_printf(a, "%d", e->distribution);
    if (strcmp(col, "event_threat_level_id") == 0)
        return arena_printf(a, "%d", e->threat_level_id);
    if (strcmp(col, "event_analysis") == 0)
        return arena_printf(a, "%d", e->analysis);
    if (strcmp(col, "event_date") == 0)
        return e->date;
    if (strcmp(col, "event_tag") == 0)
        return tag_list(a, e->tags, e->n_tags);
    if (strcmp(col, "event_timestamp") == 0)
        return arena_printf(a, "%lld", (long long)e->timestamp);
    if (strcmp(col, "event_uuid") == 0)
        return e->uuid;
    return "";
}

static int attr_emit(void *ctx, struct attribute *at, const char *event_uuid)
{
    struct attr_out *out = ctx;
    struct request *req = out->req;
    bool ok = true;
    int prc = out->peer ? peer_admits(out, at, &ok) : 0;
    if (prc < 0)
        return prc;
    if (!ok)
        return 0; /* its TLP keeps it on this node */
    if (strcmp(out->o->format, "text") == 0) {
        buf_puts(&req->out, at->value);
        buf_putc(&req->out, '\n');
    } else if (strcmp(out->o->format, "csv") == 0) {
        struct csv_event_ctx *ev = &out->ev;
        for (size_t i = 0; i < out->n_columns; i++) {
            if (i)
                buf_putc(&req->out, ',');
            csv_field(&req->out, csv_value(out, at, out->columns[i], ev));
        }
        buf_putc(&req->out, '\n');
    } else {
        if (out->o->include_event_tags) {
            struct acl_filter acl;
            acl = *http_acl(req);
            struct event *e;
            if (store_event_load(out->c, req->a, at->event_id, NULL, &acl, STORE_LOAD_TAGS, &e) ==
                    0 &&
                e->n_tags) {
                struct tag_ref *all = arena_alloc(req->a, (at->n_tags + e->n_tags) * sizeof(*all));
                if (at->n_tags)
                    memcpy(all, at->tags, at->n_tags * sizeof(*all));
                memcpy(all + at->n_tags, e->tags, e->n_tags * sizeof(*all));
                at->tags = all;
                at->n_tags += e->n_tags;
            }
        }
        misp_attribute_encode(&req->w, at, event_uuid);
    }
    out->count++;
    return req->out.err ? ERR_TOOBIG : 0;
}

/* Appends an exact hit's attribute id to the JSON id list in ctx. */
static int on_exact(void *ctx, const struct index_hit *hit)
{
    struct buf *b = ctx;
    if (b->len > 1)
        buf_putc(b, ',');
    buf_printf(b, "%lld", (long long)hit->attribute_id);
    return 0;
}

/*
 * restSearch by value through the index: exact values (no '%') become the ids
 * of the live attributes holding them, as a whole value or a composite part;
 * the store applies every other filter and acl to those rows.  Wildcards,
 * AND lists and searches for deleted attributes stay with the store.
 */
static int value_via_index(struct request *req, struct query *q)
{
    struct indexer *x = req->app->indexer;
    if (x == NULL || q->value.n_any == 0 || q->value.n_all || q->deleted != 0)
        return 0;
    for (size_t i = 0; i < q->value.n_any; i++)
        if (strchr(q->value.any[i], '%') != NULL)
            return 0;
    struct buf b;
    buf_init(&b, LIMIT_RESPONSE_MAX);
    buf_putc(&b, '[');
    const struct index *ix = indexer_read_begin(x);
    for (size_t i = 0; i < q->value.n_any; i++)
        index_lookup_exact(ix, str_from_cstr(q->value.any[i]), on_exact, &b);
    indexer_read_end(x);
    buf_putc(&b, ']');
    int rc = 0;
    if (b.err) {
        rc = ERR_TOOBIG;
    } else {
        q->attribute_ids = arena_strndup(req->a, b.ptr, b.len);
        q->value.any = NULL;
        q->value.n_any = 0;
    }
    buf_free(&b);
    return rc;
}

int misp_attributes_rest_search(struct request *req)
{
    struct query q;
    struct search_opts o;
    struct diag d;
    diag_clear(&d);
    int rc = query_parse(req, req->json, &q, &o, &d);
    if (rc == 0)
        rc = value_via_index(req, &q);
    if (rc < 0)
        return http_fail(req, rc, &d);
    struct attr_out out = {.req = req, .o = &o, .peer = acl_is_sync_peer(&req->who)};
    if (strcmp(o.format, "csv") == 0) {
        req->content_type = "text/csv; charset=utf-8";
        if (o.requested_attributes && o.requested_attributes->type == JSON_ARRAY &&
            o.requested_attributes->len) {
            for (size_t i = 0; i < o.requested_attributes->len; i++) {
                struct str s;
                if (!json_as_str(&o.requested_attributes->u.items[i], &s))
                    return http_fail(req, diag_set(&d, ERR_INVAL, "requested_attributes",
                                                   "column names must be strings"),
                                     &d);
                list_push(req->a, &out.columns, &out.n_columns,
                          arena_strndup(req->a, s.ptr, s.len));
            }
        } else {
            for (size_t i = 0; i < 10; i++)
                list_push(req->a, &out.columns, &out.n_columns, csv_default_columns[i]);
        }
        if (o.include_context)
            for (size_t i = 0; i < 9; i++)
                list_push(req->a, &out.columns, &out.n_columns, csv_context_columns[i]);
        if (!o.headerless) {
            for (size_t i = 0; i < out.n_columns; i++) {
                if (i)
                    buf_putc(&req->out, ',');
                buf_puts(&req->out, out.columns[i]);
            }
            buf_putc(&req->out, '\n');
        }
    } else if (strcmp(o.format, "text") == 0) {
        req->content_type = "text/plain; charset=utf-8";
    } else {
        json_write_object_begin(&req->w);
        json_write_key(&req->w, "response");
        json_write_object_begin(&req->w);
        json_write_key(&req->w, "Attribute");
        json_write_array_begin(&req->w);
    }
    struct store_conn *c;
    if ((rc = store_begin_read(req->app->store, &c)) < 0)
        return http_fail(req, rc, NULL);
    out.c = c;
    rc = store_attribute_search(c, req->a, &q, true, attr_emit, &out);
    store_end(c, true);
    if (rc < 0) {
        buf_reset(&req->out);
        req->content_type = NULL;
        return http_fail(req, rc, NULL);
    }
    if (strcmp(o.format, "json") == 0) {
        json_write_array_end(&req->w);
        json_write_object_end(&req->w);
        json_write_object_end(&req->w);
    }
    return 200;
}

/* ---- events ---- */

struct event_out {
    struct request *req;
    struct search_opts *o;
    struct store_conn *c;
    bool index;
    size_t count;
};

static void event_index_encode(struct json_writer *w, const struct event *e, bool minimal)
{
    json_write_object_begin(w);
    if (minimal) {
        json_write_kv_i64_str(w, "id", e->id);
        json_write_kv_i64_str(w, "timestamp", e->timestamp);
        json_write_kv_i64_str(w, "sighting_timestamp", e->sighting_timestamp);
        json_write_kv_bool(w, "published", e->published);
        json_write_kv_str(w, "uuid", e->uuid);
        json_write_kv_str(w, "orgc_uuid", e->orgc ? e->orgc->uuid : "");
        json_write_object_end(w);
        return;
    }
    misp_event_encode_fields(w, e);
    json_write_object_end(w);
}

static int event_emit(void *ctx, struct event *e)
{
    struct event_out *out = ctx;
    struct request *req = out->req;
    bool peer = acl_is_sync_peer(&req->who);
    if (out->index) {
        if (peer && !acl_sync_trim(e, DIST_COMMUNITY))
            return 0; /* its TLP keeps it on this node */
        event_index_encode(&req->w, e, out->o->minimal);
    } else {
        struct acl_filter acl;
        acl = *http_acl(req);
        struct event *full;
        int rc = store_event_load(out->c, req->a, e->id, NULL, &acl,
                                  STORE_LOAD_CHILDREN | STORE_LOAD_TAGS, &full);
        if (rc < 0)
            return rc;
        if (peer && !acl_sync_trim(full, DIST_COMMUNITY))
            return 0;
        if (peer && (rc = sync_attach_sharing_groups(out->c, req->a, req->app->base_url, full)) < 0)
            return rc;
        misp_event_encode(&req->w, full);
    }
    out->count++;
    return req->out.err ? ERR_TOOBIG : 0;
}

static int events_search(struct request *req, bool index)
{
    struct query q;
    struct search_opts o;
    struct diag d;
    diag_clear(&d);
    const struct json_value *body = req->json;
    int rc = query_parse(req, body, &q, &o, &d);
    if (rc == 0)
        rc = value_via_index(req, &q);
    if (rc < 0)
        return http_fail(req, rc, &d);
    if (!index && strcmp(o.format, "json") != 0) {
        /* MISP's events restSearch csv/text export attributes of matching events */
        return misp_attributes_rest_search(req);
    }
    struct event_out out = {.req = req, .o = &o, .index = index};
    if (!index) {
        json_write_object_begin(&req->w);
        json_write_key(&req->w, "response");
    }
    json_write_array_begin(&req->w);
    struct store_conn *c;
    if ((rc = store_begin_read(req->app->store, &c)) < 0)
        return http_fail(req, rc, NULL);
    out.c = c;
    rc = store_event_search(c, req->a, &q, event_emit, &out);
    store_end(c, true);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    json_write_array_end(&req->w);
    if (!index)
        json_write_object_end(&req->w);
    return index ? http_etag(req, 200) : 200;
}

int misp_events_rest_search(struct request *req)
{
    return events_search(req, false);
}

int misp_events_index(struct request *req)
{
    return events_search(req, true);
}
