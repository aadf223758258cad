/*
 * misp_search_params.c - MISP restSearch parameters -> struct search_params.
 *
 * Pure: the JSON tree and an arena in, filters and a diag out (see the
 * header for the accepted forms and the bounds).  The one budget of values
 * and bytes is shared by every filter of a request, so that neither nesting
 * ([[...],[...]]) nor spreading values over several filters multiplies it,
 * and each list grows by doubling: memory stays linear in the request.
 */
#include "codec/misp_search_params.h"

#include "util/limits.h"
#include "util/parse.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

/* A list being built: grows with arena_grow. */
struct list {
    const char **v;
    size_t n, cap;
};

/* The filters restSearch knows; several names may share one (tag/tags). */
enum {
    F_VALUE,
    F_TYPE,
    F_CATEGORY,
    F_TAGS,
    F_EVENT_ID,
    F_UUID,
    F_ORG,
    F_INFO,
    F_COUNT,
};

enum { PART_ANY, PART_ALL, PART_NONE };

struct dec {
    struct arena *a;
    struct diag *d;
    int64_t now;
    struct list lists[F_COUNT][3]; /* [filter][OR, AND, NOT] */
    size_t n_values;               /* over the whole request */
    size_t n_bytes;
};

static const struct {
    const char *name;
    int filter;
} filter_names[] = {
    {"value", F_VALUE}, {"type", F_TYPE},        {"category", F_CATEGORY}, {"tags", F_TAGS},
    {"tag", F_TAGS},    {"eventid", F_EVENT_ID}, {"event_id", F_EVENT_ID}, {"uuid", F_UUID},
    {"org", F_ORG},     {"eventinfo", F_INFO},   {"info", F_INFO},
};

static void list_push(struct arena *a, struct list *l, const char *s)
{
    l->v = arena_grow(a, l->v, l->n, &l->cap, sizeof(*l->v));
    l->v[l->n++] = s;
}

/*
 * Converts a scalar JSON value (string, number, bool) to text in the arena.
 * Returns NULL for other types; *nul is set for a string holding \u0000.
 */
static const char *scalar_text(struct arena *a, const struct json_value *v, bool *nul)
{
    *nul = false;
    switch (v->type) {
    case JSON_STRING:
        if (json_str_has_nul(v)) {
            *nul = true;
            return NULL;
        }
        return arena_strndup(a, v->u.str, v->len);
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

/* scalar_text, or an error naming name: "what" says what was expected. */
static int scalar(struct dec *x, const struct json_value *v, const char *name, const char *what,
                  const char **out)
{
    bool nul;
    *out = scalar_text(x->a, v, &nul);
    if (*out != NULL)
        return 0;
    if (nul)
        return diag_set(x->d, ERR_INVAL, name, "%s must not contain NUL characters", name);
    return diag_set(x->d, ERR_INVAL, name, "%s must be %s", name, what);
}

/* Adds the values of v (scalar or list, nested lists flattened) to part of filter f. */
static int filter_add(struct dec *x, int f, int part, const struct json_value *v, const char *name)
{
    if (v->type == JSON_ARRAY) {
        for (size_t i = 0; i < v->len; i++) {
            int rc = filter_add(x, f, part, &v->u.items[i], name);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    /* count before copying: the budget bounds what is allocated */
    if (++x->n_values > LIMIT_FILTER_VALUES)
        return diag_set(x->d, ERR_TOOBIG, name,
                        "too many filter values (limit %u for all filters of a request)",
                        LIMIT_FILTER_VALUES);
    if ((v->type == JSON_STRING || v->type == JSON_NUMBER) && v->len > LIMIT_FILTER_VALUE_LEN)
        return diag_set(x->d, ERR_INVAL, name, "%s value longer than %u bytes", name,
                        LIMIT_FILTER_VALUE_LEN);
    const char *s;
    int rc = scalar(x, v, name, "a string, a number or a list", &s);
    if (rc < 0)
        return rc;
    x->n_bytes += strlen(s);
    if (x->n_bytes > LIMIT_FILTER_BYTES)
        return diag_set(x->d, ERR_TOOBIG, name,
                        "filter values too large (limit %u bytes for all filters of a request)",
                        LIMIT_FILTER_BYTES);
    if (part == PART_ANY && s[0] == '!') {
        part = PART_NONE;
        s++;
    }
    list_push(x->a, &x->lists[f][part], s);
    return 0;
}

static int filter_parse(struct dec *x, int f, const struct json_value *v, const char *name)
{
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    if (v->type == JSON_OBJECT) {
        static const char *const keys[] = {"OR", "AND", "NOT"};
        for (int k = 0; k < 3; k++) {
            const struct json_value *part = json_get(v, keys[k]);
            if (part == NULL)
                continue;
            int rc = filter_add(x, f, k, part, name);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    if (v->type == JSON_STRING && v->len == 0)
        return 0;
    return filter_add(x, f, PART_ANY, v, name);
}

static void filter_set(struct filter *out, const struct list parts[3])
{
    out->any = parts[PART_ANY].v;
    out->n_any = parts[PART_ANY].n;
    out->all = parts[PART_ALL].v;
    out->n_all = parts[PART_ALL].n;
    out->none = parts[PART_NONE].v;
    out->n_none = parts[PART_NONE].n;
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
    case 'w':
        unit = 604800;
        break;
    case 'd':
        unit = 86400;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'm':
        unit = 60;
        break;
    case 's':
        unit = 1;
        break;
    default:
        return false;
    }
    *out = (int64_t)n * unit;
    return true;
}

/* A time bound: Unix seconds, a relative time (now - N) or invalid -> match_nothing. */
static int64_t time_bound(struct dec *x, struct query *q, const char *s)
{
    int64_t v;
    if (parse_i64_all(str_from_cstr(s), 0, INT64_MAX, &v) == 0)
        return v;
    int64_t rel;
    if (relative_seconds(s, &rel))
        return x->now - rel;
    q->match_nothing = true;
    return 0;
}

/* timestamp-like filter: scalar (minimum) or [min, max]. */
static int range_parse(struct dec *x, struct query *q, const struct json_value *v, int64_t *min,
                       int64_t *max, const char *name)
{
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    if (v->type == JSON_ARRAY) {
        if (v->len != 2)
            return diag_set(x->d, ERR_INVAL, name, "%s range must be [from, to]", name);
        const char *lo = "", *hi = "";
        int rc = scalar(x, &v->u.items[0], name, "a range of strings or numbers", &lo);
        if (rc == 0)
            rc = scalar(x, &v->u.items[1], name, "a range of strings or numbers", &hi);
        if (rc < 0)
            return rc;
        *min = time_bound(x, q, lo);
        *max = time_bound(x, q, hi);
        return 0;
    }
    const char *s;
    int rc = scalar(x, v, name, "a time", &s);
    if (rc < 0)
        return rc;
    if (*s)
        *min = time_bound(x, q, s);
    return 0;
}

static int tri_parse(struct dec *x, const struct json_value *v, enum tri *out, const char *name)
{
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    bool b;
    if (v->type == JSON_STRING && v->len == 0)
        return 0;
    if (!json_as_bool(v, &b))
        return diag_set(x->d, ERR_INVAL, name, "%s must be 0 or 1", name);
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
static int date_parse(struct dec *x, struct query *q, const struct json_value *v, const char **out,
                      const char *name)
{
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    const char *s;
    int rc = scalar(x, v, name, "a date (YYYY-MM-DD)", &s);
    if (rc < 0)
        return rc;
    if (*s == '\0')
        return 0;
    if (valid_date(s)) {
        *out = s;
        return 0;
    }
    int64_t t = time_bound(x, q, s);
    if (q->match_nothing)
        return 0;
    time_t tt = (time_t)t;
    struct tm tm;
    char *buf = arena_alloc(x->a, 11);
    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, 11, "%Y-%m-%d", &tm) != 10) {
        q->match_nothing = true; /* a year past 9999 is no date */
        return 0;
    }
    *out = buf;
    return 0;
}

static const char *const csv_default_columns[] = {
    "uuid",   "event_id",  "category",        "type",         "value", "comment",
    "to_ids", "timestamp", "object_relation", "attribute_tag"};
static const char *const csv_context_columns[] = {"event_info",
                                                  "event_member_org",
                                                  "event_source_org",
                                                  "event_distribution",
                                                  "event_threat_level_id",
                                                  "event_analysis",
                                                  "event_date",
                                                  "event_tag",
                                                  "event_timestamp"};

/* Appends name to the columns unless it is there already (MISP would repeat it). */
static void column_add(struct dec *x, struct list *cols, const char *name)
{
    for (size_t i = 0; i < cols->n; i++)
        if (strcmp(cols->v[i], name) == 0)
            return;
    list_push(x->a, cols, name);
}

static int columns_parse(struct dec *x, const struct json_value *req, bool context,
                         struct search_params *out)
{
    struct list cols = {0};
    if (req != NULL && req->type == JSON_ARRAY && req->len) {
        if (req->len > LIMIT_CSV_COLUMNS)
            return diag_set(x->d, ERR_INVAL, "requested_attributes", "too many columns (limit %u)",
                            LIMIT_CSV_COLUMNS);
        for (size_t i = 0; i < req->len; i++) {
            struct str s;
            if (!json_as_str(&req->u.items[i], &s))
                return diag_set(x->d, ERR_INVAL, "requested_attributes",
                                "column names must be strings without NUL characters");
            if (s.len > LIMIT_CSV_COLUMN_NAME)
                return diag_set(x->d, ERR_INVAL, "requested_attributes",
                                "column name longer than %u bytes", LIMIT_CSV_COLUMN_NAME);
            column_add(x, &cols, s.ptr); /* NUL-terminated in the tree (json.h) */
        }
    } else {
        for (size_t i = 0; i < sizeof(csv_default_columns) / sizeof(csv_default_columns[0]); i++)
            column_add(x, &cols, csv_default_columns[i]);
    }
    if (context)
        for (size_t i = 0; i < sizeof(csv_context_columns) / sizeof(csv_context_columns[0]); i++)
            column_add(x, &cols, csv_context_columns[i]);
    out->columns = cols.v;
    out->n_columns = cols.n;
    return 0;
}

static int format_parse(struct dec *x, const struct json_value *v, enum search_format *out)
{
    struct str s;
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    if (!json_as_str(v, &s))
        return diag_set(x->d, ERR_INVAL, "returnFormat", "returnFormat must be a string");
    if (str_eq_cstr(s, "json"))
        *out = SEARCH_FORMAT_JSON;
    else if (str_eq_cstr(s, "csv"))
        *out = SEARCH_FORMAT_CSV;
    else if (str_eq_cstr(s, "text"))
        *out = SEARCH_FORMAT_TEXT;
    else
        return diag_set(x->d, ERR_INVAL, "returnFormat",
                        "unsupported returnFormat (json, csv or text)");
    return 0;
}

static int filters_parse(struct dec *x, const struct json_value *body, struct query *q)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof(filter_names) / sizeof(filter_names[0]) && rc == 0; i++)
        rc = filter_parse(x, filter_names[i].filter, json_get(body, filter_names[i].name),
                          filter_names[i].name);
    if (rc < 0)
        return rc;
    struct filter *targets[F_COUNT] = {
        [F_VALUE] = &q->value, [F_TYPE] = &q->type,         [F_CATEGORY] = &q->category,
        [F_TAGS] = &q->tags,   [F_EVENT_ID] = &q->event_id, [F_UUID] = &q->uuid,
        [F_ORG] = &q->org,     [F_INFO] = &q->info,
    };
    for (int f = 0; f < F_COUNT; f++)
        filter_set(targets[f], x->lists[f]);
    return 0;
}

static int times_parse(struct dec *x, const struct json_value *body, struct query *q)
{
    int rc = date_parse(x, q, json_get(body, "from"), &q->date_from, "from");
    if (rc == 0)
        rc = date_parse(x, q, json_get(body, "datefrom"), &q->date_from, "datefrom");
    if (rc == 0)
        rc = date_parse(x, q, json_get(body, "to"), &q->date_to, "to");
    if (rc == 0)
        rc = date_parse(x, q, json_get(body, "dateuntil"), &q->date_to, "dateuntil");
    if (rc == 0)
        rc = range_parse(x, q, json_get(body, "timestamp"), &q->timestamp_min, &q->timestamp_max,
                         "timestamp");
    if (rc == 0)
        rc = range_parse(x, q, json_get(body, "publish_timestamp"), &q->publish_timestamp_min,
                         &q->publish_timestamp_max, "publish_timestamp");
    if (rc == 0) {
        int64_t unused = 0;
        rc = range_parse(x, q, json_get(body, "last"), &q->published_since, &unused, "last");
    }
    if (rc == 0)
        rc = range_parse(x, q, json_get(body, "event_timestamp"), &q->event_timestamp_min,
                         &q->event_timestamp_max, "event_timestamp");
    return rc;
}

static int paging_parse(struct dec *x, const struct json_value *body, struct query *q)
{
    const struct json_value *v = json_get(body, "deleted");
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
            return diag_set(x->d, ERR_INVAL, "deleted", "deleted must be 0, 1 or [0, 1]");
    }
    int64_t n;
    if ((v = json_get(body, "limit")) && v->type != JSON_NULL) {
        if (!json_as_i64(v, &n) || n < 0 || n > LIMIT_SEARCH_PAGE)
            return diag_set(x->d, ERR_INVAL, "limit", "limit must be 0 to %u", LIMIT_SEARCH_PAGE);
        q->limit = n;
    }
    if ((v = json_get(body, "page")) && v->type != JSON_NULL) {
        if (!json_as_i64(v, &n) || n < 1 || n > INT32_MAX)
            return diag_set(x->d, ERR_INVAL, "page", "page must be a positive integer");
        q->page = n;
    }
    return 0;
}

int misp_search_params_decode(struct arena *a, const struct json_value *body, int64_t now,
                              struct search_params *out, struct diag *d)
{
    memset(out, 0, sizeof(*out));
    struct query *q = &out->q;
    q->to_ids = TRI_ANY;
    q->published = TRI_ANY;
    out->format = SEARCH_FORMAT_JSON;
    if (body == NULL)
        return 0;
    if (body->type != JSON_OBJECT)
        return diag_set(d, ERR_INVAL, "request", "restSearch parameters must be a JSON object");
    const struct json_value *inner = json_get(body, "request");
    if (json_is(inner, JSON_OBJECT))
        body = inner;
    struct dec *x = arena_calloc(a, 1, sizeof(*x));
    x->a = a;
    x->d = d;
    x->now = now;
    int rc = filters_parse(x, body, q);
    if (rc == 0)
        rc = times_parse(x, body, q);
    if (rc == 0)
        rc = tri_parse(x, json_get(body, "to_ids"), &q->to_ids, "to_ids");
    if (rc == 0)
        rc = tri_parse(x, json_get(body, "published"), &q->published, "published");
    if (rc == 0)
        rc = paging_parse(x, body, q);
    if (rc == 0)
        rc = format_parse(x, json_get(body, "returnFormat"), &out->format);
    if (rc < 0)
        return rc;
    bool b;
    if (json_as_bool(json_get(body, "includeEventTags"), &b))
        out->include_event_tags = b;
    if (json_as_bool(json_get(body, "headerless"), &b))
        out->headerless = b;
    if (json_as_bool(json_get(body, "includeContext"), &b))
        out->include_context = b;
    if (json_as_bool(json_get(body, "minimal"), &b))
        out->minimal = b;
    const struct json_value *cols = json_get(body, "requested_attributes");
    if (cols && cols->type != JSON_ARRAY && cols->type != JSON_NULL)
        return diag_set(d, ERR_INVAL, "requested_attributes", "must be a list of column names");
    if (out->format == SEARCH_FORMAT_CSV &&
        (rc = columns_parse(x, cols, out->include_context, out)) < 0)
        return rc;
    if (out->format == SEARCH_FORMAT_TEXT) {
        /* MISP's text export defaults */
        if (json_get(body, "to_ids") == NULL)
            q->to_ids = TRI_YES;
        if (json_get(body, "published") == NULL)
            q->published = TRI_YES;
    }
    return 0;
}
