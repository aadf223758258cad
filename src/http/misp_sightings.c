/*
 * misp_sightings.c - sightings (MISP's SightingsController): add, index,
 * listSightings, restSearch, delete, and the receiving side of a peer's push
 * (filterSightingUuidsForPush, bulkSaveSightings).
 *
 * Each handler decodes its parameters, calls the sighting service
 * (core/sighting.c) inside one store transaction and encodes the answer with
 * misp_sighting_encode; which sightings a caller sees is acl's decision
 * (acl_sighting_visible, under the attribute rules).  Parameters come as MISP
 * and PyMISP send them: path segments, or a JSON body, bare or wrapped in
 * {"request": ...} (and for add in {"Sighting": ...}).
 */
#include "http/misp.h"

#include "codec/misp_json.h"
#include "core/sighting.h"
#include "core/uuid.h"
#include "util/limits.h"
#include "util/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

/* restSearch without from, to or last: the last 30 days, as MISP. */
#define SIGHTING_DEFAULT_WINDOW (30 * 86400)

/* The body's parameters: {"request": {...}} unwrapped; NULL when there is none. */
static const struct json_value *params(struct request *req)
{
    const struct json_value *inner = json_get(req->json, "request");
    return json_is(inner, JSON_OBJECT) ? inner : req->json;
}

/* A scalar parameter as text (strings as given, numbers as written), or NULL
 * (also for a string holding U+0000, which C text would cut short). */
static const char *scalar(struct request *req, const struct json_value *v)
{
    if (v == NULL || json_str_has_nul(v))
        return NULL;
    if (v->type == JSON_STRING || v->type == JSON_NUMBER)
        return arena_strndup(req->a, v->u.str, v->len);
    return NULL;
}

/* Calls each_fn for v's items (v a scalar or a list of scalars). */
static int for_each_scalar(struct request *req, const struct json_value *v, const char *name,
                           int (*each_fn)(struct request *, const char *, void *), void *ctx,
                           struct diag *d)
{
    size_t n = v->type == JSON_ARRAY ? v->len : 1;
    if (n > LIMIT_FILTER_VALUES)
        return diag_set(d, ERR_TOOBIG, name, "more than %u values", LIMIT_FILTER_VALUES);
    for (size_t i = 0; i < n; i++) {
        const struct json_value *item = v->type == JSON_ARRAY ? &v->u.items[i] : v;
        if (json_str_has_nul(item))
            return diag_set(d, ERR_INVAL, name, "%s must not contain NUL characters", name);
        const char *s = scalar(req, item);
        if (s == NULL)
            return diag_set(d, ERR_INVAL, name, "%s must be a string, a number or a list of them",
                            name);
        int rc = each_fn(req, s, ctx);
        if (rc < 0)
            return diag_set(d, rc, name, "invalid %s '%s'", name, s);
    }
    return 0;
}

/* A JSON array under construction (values bound to json_each by the store). */
struct jlist {
    struct buf b;
    size_t n;
};

static void jlist_init(struct jlist *l)
{
    buf_init(&l->b, LIMIT_BODY_MAX);
    buf_putc(&l->b, '[');
    l->n = 0;
}

static void jlist_int(struct jlist *l, int64_t v)
{
    buf_printf(&l->b, "%s%lld", l->n++ ? "," : "", (long long)v);
}

static void jlist_str(struct jlist *l, const char *s)
{
    if (l->n++)
        buf_putc(&l->b, ',');
    struct json_writer w;
    json_writer_init(&w, &l->b, false);
    json_write_cstr(&w, s);
}

/* The list as JSON text in the request arena (NULL if empty or too large),
 * and frees the buffer. */
static const char *jlist_done(struct request *req, struct jlist *l)
{
    buf_putc(&l->b, ']');
    const char *s = l->n && !l->b.err ? arena_strndup(req->a, l->b.ptr, l->b.len) : NULL;
    buf_free(&l->b);
    return s;
}

/* Answers a failed service call on a sighting. */
static int sighting_fail(struct request *req, int rc, const struct diag *d)
{
    return http_save_failed(req, "Sighting", rc, d);
}

static void write_sighting_wrapped(struct json_writer *w, const struct sighting *s,
                                   unsigned members)
{
    json_write_object_begin(w);
    json_write_key(w, "Sighting");
    misp_sighting_encode(w, s, members);
    json_write_object_end(w);
}

/* ---- add ---- */

/* "Y-m-d" and "H:i:s" (MISP's date and time fields) as Unix seconds, UTC. */
static bool date_time_parse(const char *date, const char *clock, int64_t *out)
{
    struct str ds = str_from_cstr(date), ts = str_from_cstr(clock);
    uint64_t f[6];
    static const uint64_t max[6] = {9999, 12, 31, 23, 59, 59};
    struct str parts[6];
    parts[0] = str_split(&ds, '-');
    parts[1] = str_split(&ds, '-');
    parts[2] = ds;
    parts[3] = str_split(&ts, ':');
    parts[4] = str_split(&ts, ':');
    parts[5] = ts;
    for (int i = 0; i < 6; i++)
        if (parts[i].len == 0 || parts[i].len > 4 ||
            parse_u64_all(parts[i], i < 3 ? 1 : 0, max[i], &f[i]) < 0)
            return false;
    struct tm tm = {.tm_year = (int)f[0] - 1900,
                    .tm_mon = (int)f[1] - 1,
                    .tm_mday = (int)f[2],
                    .tm_hour = (int)f[3],
                    .tm_min = (int)f[4],
                    .tm_sec = (int)f[5]};
    time_t t = timegm(&tm);
    struct tm back;
    if (t < 0 || gmtime_r(&t, &back) == NULL || back.tm_mday != (int)f[2]) /* 2026-02-31 */
        return false;
    *out = (int64_t)t;
    return true;
}

static int add_each_value(struct request *req, const char *s, void *ctx)
{
    struct sighting_add *in = ctx;
    const char **v = arena_alloc(req->a, (in->n_values + 1) * sizeof(*v));
    if (in->n_values)
        memcpy(v, in->values, in->n_values * sizeof(*v));
    v[in->n_values++] = s;
    in->values = v;
    return 0;
}

/* Reads sightings/add's body into in (see docs/api.md for the fields). */
static int add_params(struct request *req, const struct json_value *body, struct sighting_add *in,
                      struct diag *d)
{
    memset(in, 0, sizeof(*in));
    in->type = -1;
    if (req->n_seg > 2)
        in->attribute = http_seg(req, 2);
    if (body == NULL)
        return 0;
    if (in->attribute == NULL)
        in->attribute = scalar(req, json_get(body, "uuid"));
    if (in->attribute == NULL)
        in->attribute = scalar(req, json_get(body, "id"));
    const struct json_value *v = json_get(body, "value");
    if (v == NULL || v->type == JSON_NULL)
        v = json_get(body, "values");
    int rc;
    if (v != NULL && v->type != JSON_NULL &&
        (rc = for_each_scalar(req, v, "value", add_each_value, in, d)) < 0)
        return rc;
    if ((v = json_get(body, "type")) != NULL && v->type != JSON_NULL) {
        int64_t t;
        if (!json_as_i64(v, &t) || t < 0 || t > 2)
            return diag_set(d, ERR_INVAL, "type",
                            "type must be 0 (sighting), 1 (false positive) or 2 (expiration)");
        in->type = (int)t;
    }
    char *source = NULL;
    if ((rc = http_opt_str(req, body, "source", &source, d)) < 0)
        return rc;
    if (source != NULL) { /* trimmed, as MISP does */
        while (*source == ' ' || *source == '\t' || *source == '\n' || *source == '\r')
            source++;
        size_t n = strlen(source);
        while (n && (source[n - 1] == ' ' || source[n - 1] == '\t' || source[n - 1] == '\n' ||
                     source[n - 1] == '\r'))
            source[--n] = '\0';
        in->source = source;
    }
    const char *date = scalar(req, json_get(body, "date"));
    const char *clock = scalar(req, json_get(body, "time"));
    if (date && *date && clock && *clock) {
        if (!date_time_parse(date, clock, &in->date_sighting))
            return diag_set(d, ERR_INVAL, "date",
                            "date and time must be \"YYYY-MM-DD\" and \"HH:MM:SS\" (UTC)");
    } else if ((v = json_get(body, "timestamp")) != NULL && v->type != JSON_NULL &&
               !(v->type == JSON_STRING && v->len == 0)) {
        if (!json_as_i64(v, &in->date_sighting) || in->date_sighting <= 0)
            return diag_set(d, ERR_INVAL, "timestamp", "timestamp must be a Unix time");
    }
    return 0;
}

int misp_sightings_add(struct request *req)
{
    const struct json_value *body = params(req);
    const struct json_value *inner = json_get(body, "Sighting");
    if (json_is(inner, JSON_OBJECT))
        body = inner;
    if (body != NULL && body->type != JSON_OBJECT)
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    struct sighting_add in;
    struct diag d;
    diag_clear(&d);
    int rc = add_params(req, body, &in, &d);
    if (rc < 0)
        return sighting_fail(req, rc, &d);
    const struct acl_filter *acl = http_acl(req); /* before taking the writer */
    struct store_conn *c;
    if ((rc = store_begin_write(req->app->svc.store, &c)) < 0)
        return http_fail(req, rc, NULL);
    struct sighting_list added = {0};
    rc = sighting_add(c, req->a, &req->who, acl, &in, &added, &d);
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
    if (rc < 0)
        return sighting_fail(req, rc, &d);
    /* MISP answers with the last sighting it saved */
    write_sighting_wrapped(&req->w, &added.v[added.n - 1],
                           MISP_SIGHTING_ATTRIBUTE_UUID | MISP_SIGHTING_ORG);
    return 200;
}

/* ---- reads ---- */

/* Runs q in a read transaction into out. */
static int search(struct request *req, struct sighting_query *q, struct sighting_list *out)
{
    struct store_conn *c;
    int rc = store_begin_read(req->app->svc.store, &c);
    if (rc < 0)
        return rc;
    rc = sighting_search(c, req->a, q, out);
    store_end(c, true);
    return rc;
}

static void query_init(struct request *req, struct sighting_query *q)
{
    memset(q, 0, sizeof(*q));
    q->acl = *http_acl(req);
}

/* GET /sightings/index[/{event}]: the visible sightings of one event or of all,
 * as a flat list (MISP's attachToEvent rows). */
int misp_sightings_index(struct request *req)
{
    struct sighting_query q;
    query_init(req, &q);
    int rc = 0;
    if (req->n_seg > 2) {
        struct store_conn *c;
        struct event *e = NULL;
        if ((rc = store_begin_read(req->app->svc.store, &c)) < 0)
            return http_fail(req, rc, NULL);
        rc = sighting_event_find(c, req->a, &q.acl, http_seg(req, 2), &e);
        store_end(c, true);
        if (rc == ERR_NOTFOUND)
            return http_error(req, 404, "Invalid event.", NULL);
        if (rc < 0)
            return http_fail(req, rc, NULL);
        q.event_ids = arena_printf(req->a, "[%lld]", (long long)e->id);
    }
    struct sighting_list l = {0};
    if ((rc = search(req, &q, &l)) < 0)
        return http_fail(req, rc, NULL);
    json_write_array_begin(&req->w);
    for (size_t i = 0; i < l.n; i++)
        misp_sighting_encode(&req->w, &l.v[i], MISP_SIGHTING_ATTRIBUTE_UUID | MISP_SIGHTING_ORG);
    json_write_array_end(&req->w);
    return 200;
}

/* An organisation filter value: an id, or a uuid (-1 when unknown here). */
static int org_ref(struct request *req, const char *s, int64_t *id)
{
    if (parse_i64_all(str_from_cstr(s), 0, INT64_MAX, id) == 0)
        return 0;
    char uuid[UUID_STR_LEN + 1];
    if (!uuid_canonical(str_from_cstr(s), uuid))
        return ERR_INVAL;
    struct store_conn *c;
    int rc = store_begin_read(req->app->svc.store, &c);
    if (rc < 0)
        return rc;
    struct org *o;
    rc = store_org_get(c, req->a, 0, uuid, NULL, &o);
    store_end(c, true);
    if (rc == ERR_NOTFOUND) {
        *id = -1;
        return 0;
    }
    if (rc == 0)
        *id = o->id;
    return rc;
}

/* POST /sightings/listSightings/{id}/{attribute|event}[/{org}], or the same as
 * body members id, context, org_id (PyMISP's sightings()): newest first, as
 * [{"Sighting": {...}, "Organisation": {...}}]. */
int misp_sightings_list(struct request *req)
{
    const struct json_value *body = params(req);
    const char *id = req->n_seg > 2 ? http_seg(req, 2) : NULL;
    const char *context = req->n_seg > 3 ? http_seg(req, 3) : "attribute";
    const char *org = req->n_seg > 4 ? http_seg(req, 4) : NULL;
    const char *v;
    if ((v = scalar(req, json_get(body, "id"))) != NULL)
        id = v;
    if ((v = scalar(req, json_get(body, "context"))) != NULL)
        context = v;
    if ((v = scalar(req, json_get(body, "org_id"))) != NULL)
        org = v;
    struct diag d;
    diag_clear(&d);
    bool event = strcmp(context, "event") == 0;
    if (!event && strcmp(context, "attribute") != 0) {
        diag_set(&d, ERR_INVAL, "context", "context must be attribute or event");
        return http_error(req, 400, "Invalid context.", &d);
    }
    if (id == NULL || *id == '\0') {
        diag_set(&d, ERR_INVAL, "id", "the id of an attribute or event is required");
        return http_error(req, 400, "Invalid object.", &d);
    }
    struct sighting_query q;
    query_init(req, &q);
    q.order = SIGHTING_NEWEST_FIRST;
    int64_t org_id = 0;
    int rc = org && *org && strcmp(org, "0") != 0 ? org_ref(req, org, &org_id) : 0;
    if (rc == ERR_INVAL) {
        diag_set(&d, ERR_INVAL, "org_id", "org_id must be an organisation id or uuid");
        return http_error(req, 400, "Invalid organisation.", &d);
    }
    if (rc < 0)
        return http_fail(req, rc, NULL);
    if (org_id)
        q.org_ids = arena_printf(req->a, "[%lld]", (long long)org_id);
    struct store_conn *c;
    if ((rc = store_begin_read(req->app->svc.store, &c)) < 0)
        return http_fail(req, rc, NULL);
    int64_t object_id = 0;
    struct event *e;
    if (event && (rc = sighting_event_find(c, req->a, &q.acl, id, &e)) == 0)
        object_id = e->id;
    else if (!event)
        rc = sighting_attribute_find(c, req->a, &q.acl, id, &object_id);
    store_end(c, true);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid object.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    const char *list = arena_printf(req->a, "[%lld]", (long long)object_id);
    if (event)
        q.event_ids = list;
    else
        q.attribute_ids = list;
    struct sighting_list l = {0};
    if ((rc = search(req, &q, &l)) < 0)
        return http_fail(req, rc, NULL);
    json_write_array_begin(&req->w);
    for (size_t i = 0; i < l.n; i++) {
        json_write_object_begin(&req->w);
        json_write_key(&req->w, "Sighting");
        misp_sighting_encode(&req->w, &l.v[i], MISP_SIGHTING_ATTRIBUTE_UUID);
        if (l.v[i].org != NULL) {
            json_write_key(&req->w, "Organisation");
            misp_org_encode_short(&req->w, l.v[i].org);
        }
        json_write_object_end(&req->w);
    }
    json_write_array_end(&req->w);
    return 200;
}

/* ---- restSearch ---- */

/*
 * A time parameter of restSearch: Unix seconds, "YYYY-MM-DD" (UTC midnight,
 * or the day's last second for an upper bound), or a relative time "Nw",
 * "Nd", "Nh", "Nm", "Ns" meaning that long before now.
 */
static bool time_param(const char *s, bool upper, int64_t now, int64_t *out)
{
    static const struct {
        char unit;
        int64_t seconds;
    } units[] = {{'w', 604800}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
    struct str cur = str_from_cstr(s);
    if (parse_i64_all(cur, 0, INT64_MAX, out) == 0)
        return true;
    if (cur.len == 10 && s[4] == '-' && s[7] == '-') {
        if (!date_time_parse(s, upper ? "23:59:59" : "00:00:00", out))
            return false;
        return true;
    }
    uint64_t n;
    if (parse_u64(&cur, 0, 100000000, &n) < 0 || cur.len != 1)
        return false;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (units[i].unit == cur.ptr[0]) {
            *out = now - (int64_t)n * units[i].seconds;
            return true;
        }
    return false;
}

struct rs_lists {
    struct jlist ids, uuids, types, sources, orgs, not_orgs;
};

static int rs_id(struct request *req, const char *s, void *ctx)
{
    (void)req;
    int64_t id;
    if (parse_i64_all(str_from_cstr(s), 1, INT64_MAX, &id) < 0)
        return ERR_INVAL;
    jlist_int(&((struct rs_lists *)ctx)->ids, id);
    return 0;
}

static int rs_uuid(struct request *req, const char *s, void *ctx)
{
    (void)req;
    char uuid[UUID_STR_LEN + 1];
    if (!uuid_canonical(str_from_cstr(s), uuid))
        return ERR_INVAL;
    jlist_str(&((struct rs_lists *)ctx)->uuids, uuid);
    return 0;
}

static int rs_type(struct request *req, const char *s, void *ctx)
{
    (void)req;
    int64_t t;
    if (parse_i64_all(str_from_cstr(s), 0, 2, &t) < 0)
        return ERR_INVAL;
    jlist_int(&((struct rs_lists *)ctx)->types, t);
    return 0;
}

static int rs_source(struct request *req, const char *s, void *ctx)
{
    (void)req;
    jlist_str(&((struct rs_lists *)ctx)->sources, s);
    return 0;
}

static int rs_org(struct request *req, const char *s, void *ctx)
{
    struct rs_lists *l = ctx;
    bool negate = s[0] == '!';
    int64_t id;
    int rc = org_ref(req, negate ? s + 1 : s, &id);
    if (rc < 0)
        return rc;
    jlist_int(negate ? &l->not_orgs : &l->orgs, id);
    return 0;
}

/* Reads restSearch's filters into q (and includeUuid into *members). */
static int rest_search_params(struct request *req, const struct json_value *body,
                              const char *context, struct sighting_query *q, unsigned *members,
                              struct diag *d)
{
    struct rs_lists l;
    struct jlist *all[] = {&l.ids, &l.uuids, &l.types, &l.sources, &l.orgs, &l.not_orgs};
    for (size_t i = 0; i < 6; i++)
        jlist_init(all[i]);
    static const struct {
        const char *name;
        int (*fn)(struct request *, const char *, void *);
    } filters[] = {{"id", rs_id},         {"uuid", rs_uuid},     {"type", rs_type},
                   {"source", rs_source}, {"org_id", rs_org}};
    int rc = 0;
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]) && rc == 0; i++) {
        const struct json_value *v = json_get(body, filters[i].name);
        if (v != NULL && v->type != JSON_NULL && !(v->type == JSON_STRING && v->len == 0))
            rc = for_each_scalar(req, v, filters[i].name, filters[i].fn, &l, d);
    }
    bool with_id = l.ids.n > 0, with_uuid = l.uuids.n > 0;
    const char *ids = jlist_done(req, &l.ids), *uuids = jlist_done(req, &l.uuids);
    q->types = jlist_done(req, &l.types);
    q->sources = jlist_done(req, &l.sources);
    q->org_ids = jlist_done(req, &l.orgs);
    q->not_org_ids = jlist_done(req, &l.not_orgs);
    if (rc < 0)
        return rc;
    if (context != NULL) {
        if (!with_id && !with_uuid)
            return diag_set(d, ERR_INVAL, "id",
                            "an id or uuid must be provided if the context is set");
        bool event = strcmp(context, "event") == 0;
        if (event) {
            q->event_ids = ids;
            q->event_uuids = uuids;
        } else {
            q->attribute_ids = ids;
            q->attribute_uuids = uuids;
        }
    }
    int64_t now = (int64_t)time(NULL);
    static const char *const times[] = {"from", "to", "last"};
    int64_t *bounds[] = {&q->from, &q->to, &q->from};
    bool given = false;
    for (size_t i = 0; i < 3; i++) {
        const char *s = scalar(req, json_get(body, times[i]));
        if (s == NULL || *s == '\0' || (i == 2 && given))
            continue;
        if (!time_param(s, i == 1, now, bounds[i]))
            return diag_set(d, ERR_INVAL, times[i],
                            "%s must be a Unix time, a date (YYYY-MM-DD) or a relative time "
                            "(7d, 12h, ...)",
                            times[i]);
        given = true;
    }
    if (!given)
        q->from = now - SIGHTING_DEFAULT_WINDOW;
    bool b;
    if (json_as_bool(json_get(body, "includeUuid"), &b) && b)
        *members |= MISP_SIGHTING_ATTRIBUTE_UUID | MISP_SIGHTING_EVENT_UUID;
    /* beyond MISP, for Liaison peers (and site admins): tombstoned sightings
     * too, marked "deleted", so that deletions travel */
    if (json_as_bool(json_get(body, "includeDeleted"), &b) && b &&
        acl_can_sync(&req->who)) {
        q->with_deleted = true;
        *members |= MISP_SIGHTING_DELETED;
    }
    const char *format = scalar(req, json_get(body, "returnFormat"));
    if (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "download") != 0)
        return diag_set(d, ERR_INVAL, "returnFormat", "only the json returnFormat is offered");
    return 0;
}

/* ---- restSearch: streamed ---- */

/* Rows read per page (each page: its own read transaction and arena). */
#define SIGHTING_PAGE_ROWS 5000

/* A restSearch answer in progress: pages by sighting id (keyset, as
 * misp_search.c), so memory per request is one page whatever the answer. */
struct sighting_stream {
    struct request *req;
    struct sighting_query q;
    unsigned members;
    bool done;
    struct http_pages pages; /* the rest of the answer, streamed */
};

/* Reads the next page into req->out (after the rows already written). */
static int sighting_page(struct sighting_stream *st)
{
    struct request *req = st->req;
    struct store_conn *c;
    int rc = store_begin_read(req->app->svc.store, &c);
    if (rc < 0)
        return rc;
    struct arena *page = arena_new();
    struct sighting_list l = {0};
    st->q.limit = SIGHTING_PAGE_ROWS;
    rc = sighting_search(c, page, &st->q, &l);
    store_end(c, true);
    if (rc == 0) {
        for (size_t i = 0; i < l.n; i++)
            write_sighting_wrapped(&req->w, &l.v[i], st->members);
        st->q.after_id = l.last_id;
        st->done = l.scanned < SIGHTING_PAGE_ROWS;
    }
    arena_free(page);
    return rc;
}

/* http_pages callbacks. */
static int sighting_next_page(void *ctx, bool *done)
{
    struct sighting_stream *st = ctx;
    int rc = sighting_page(st);
    *done = st->done;
    return rc;
}

static void sighting_closing(void *ctx)
{
    struct sighting_stream *st = ctx;
    json_write_array_end(&st->req->w);
    json_write_object_end(&st->req->w);
}

/* POST /sightings/restSearch[/{attribute|event}]:
 * {"response": [{"Sighting": {...}}, ...]}, oldest first (by id), streamed. */
int misp_sightings_rest_search(struct request *req)
{
    const struct json_value *body = params(req);
    if (body != NULL && body->type != JSON_OBJECT)
        return http_error(req, 400, "restSearch parameters must be a JSON object.", NULL);
    const char *context = req->n_seg > 2 ? http_seg(req, 2) : scalar(req, json_get(body, "context"));
    if (context != NULL && *context == '\0')
        context = NULL;
    struct diag d;
    diag_clear(&d);
    if (context != NULL && strcmp(context, "attribute") != 0 && strcmp(context, "event") != 0) {
        diag_set(&d, ERR_INVAL, "context", "context must be attribute or event");
        return http_error(req, 400, "Invalid context.", &d);
    }
    struct sighting_query q;
    query_init(req, &q);
    unsigned members = MISP_SIGHTING_VALUE | MISP_SIGHTING_ORG;
    int rc = rest_search_params(req, body, context, &q, &members, &d);
    if (rc < 0)
        return http_error(req, rc == ERR_TOOBIG ? 413 : rc == ERR_INVAL ? 400 : err_http_status(rc),
                          "Invalid restSearch parameter.", &d);
    struct sighting_stream *st = arena_calloc(req->a, 1, sizeof(*st));
    st->req = req;
    st->q = q;
    st->q.order = SIGHTING_BY_ID;
    st->members = members;
    json_write_object_begin(&req->w);
    json_write_key(&req->w, "response");
    json_write_array_begin(&req->w);
    /* the first page chooses the status; a small answer goes out whole */
    if ((rc = sighting_page(st)) < 0) {
        buf_reset(&req->out);
        return http_fail(req, rc, NULL);
    }
    if (st->done) {
        sighting_closing(st);
        return 200;
    }
    st->pages = (struct http_pages){.page = sighting_next_page, .closing = sighting_closing,
                                    .ctx = st, .what = "sightings/restSearch"};
    http_stream_pages(req, &st->pages);
    return 200;
}

/* ---- delete ---- */

/* POST /sightings/delete/{id|uuid}: tombstones the sighting. */
int misp_sightings_delete(struct request *req)
{
    const struct acl_filter *acl = http_acl(req);
    struct store_conn *c;
    int rc = store_begin_write(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct diag d;
    diag_clear(&d);
    struct sighting *s = NULL;
    rc = sighting_delete(c, req->a, &req->who, acl, http_seg(req, 2), &s, &d);
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid sighting.", NULL);
    if (rc < 0)
        return sighting_fail(req, rc, &d);
    return http_saved(req, "Sighting successfully deleted.", s->id);
}

/* ---- the receiving side of a push ---- */

static int sync_only(struct request *req)
{
    return http_error(req, 403, "Only sync users and site admins may push sightings.", NULL);
}

struct known {
    char (*uuids)[UUID_STR_LEN + 1]; /* as asked, in order */
    char (*sorted)[UUID_STR_LEN + 1];
    bool *hit;                       /* per sorted entry */
    size_t n;
};

static int cmp_uuid(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static int on_known(void *ctx, const char *uuid)
{
    struct known *k = ctx;
    char (*hit)[UUID_STR_LEN + 1] = bsearch(uuid, k->sorted, k->n, sizeof(*k->sorted), cmp_uuid);
    if (hit != NULL)
        k->hit[hit - k->sorted] = true;
    return 0;
}

/*
 * POST /sightings/filterSightingUuidsForPush/{event}: of the sighting uuids
 * offered (a JSON list), the ones this event already has here, live or
 * deleted, in the order asked.  As in MISP, the answer is what exists: the
 * pushing side sends the rest (MISP's Sighting::pushSightings takes
 * array_diff of its list and this answer).
 */
int misp_sightings_filter_for_push(struct request *req)
{
    if (!acl_can_sync(&req->who))
        return sync_only(req);
    const struct json_value *body = req->json;
    struct diag d;
    diag_clear(&d);
    if (!json_is(body, JSON_ARRAY))
        return http_error(req, 400, "The body must be a JSON list of sighting uuids.", NULL);
    if (body->len > LIMIT_SIGHTINGS_PER_REQUEST)
        return http_error(req, 413, "Too many sighting uuids in one request.", NULL);
    struct known k = {arena_calloc(req->a, body->len + 1, sizeof(*k.uuids)),
                      arena_calloc(req->a, body->len + 1, sizeof(*k.sorted)),
                      arena_calloc(req->a, body->len + 1, sizeof(*k.hit)), body->len};
    struct jlist list;
    jlist_init(&list);
    for (size_t i = 0; i < body->len; i++) {
        struct str s;
        if (!json_as_str(&body->u.items[i], &s) || !uuid_canonical(s, k.uuids[i])) {
            char field[24];
            snprintf(field, sizeof(field), "%zu", i);
            diag_set(&d, ERR_INVAL, field, "not a sighting uuid");
            buf_free(&list.b);
            return http_error(req, 400, "Invalid sighting uuid list.", &d);
        }
        jlist_str(&list, k.uuids[i]);
    }
    memcpy(k.sorted, k.uuids, k.n * sizeof(*k.uuids));
    qsort(k.sorted, k.n, sizeof(*k.sorted), cmp_uuid);
    const char *json = jlist_done(req, &list);
    const struct acl_filter *acl = http_acl(req);
    struct store_conn *c;
    int rc = store_begin_read(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    rc = sighting_uuids_known(c, req->a, &req->who, acl, http_seg(req, 2), json ? json : "[]",
                              on_known, &k);
    store_end(c, true);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Event not found.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    json_write_array_begin(&req->w);
    for (size_t i = 0; i < k.n; i++) {
        char (*hit)[UUID_STR_LEN + 1] =
            bsearch(k.uuids[i], k.sorted, k.n, sizeof(*k.sorted), cmp_uuid);
        size_t at = (size_t)(hit - k.sorted);
        if (k.hit[at]) {
            json_write_cstr(&req->w, k.uuids[i]);
            k.hit[at] = false; /* each uuid once */
        }
    }
    json_write_array_end(&req->w);
    return 200;
}

/* {"saved", "success", "message"} as MISP, then what was done beyond MISP. */
static void bulk_answer(struct request *req, const struct sighting_bulk_result *res)
{
    struct json_writer *w = &req->w;
    char msg[96];
    if (res->saved)
        snprintf(msg, sizeof(msg), "%zu sightings added.", res->saved);
    else
        snprintf(msg, sizeof(msg), "No sightings added.");
    json_write_object_begin(w);
    json_write_kv_bool(w, "saved", res->saved > 0);
    json_write_kv_str(w, "success", msg);
    json_write_kv_str(w, "message", msg);
    json_write_kv_str(w, "url", req->url);
    json_write_kv_i64(w, "added", (int64_t)res->saved);
    json_write_kv_i64(w, "duplicates", (int64_t)res->duplicates);
    json_write_kv_i64(w, "removed", (int64_t)res->removed);
    json_write_key(w, "skipped");
    json_write_array_begin(w);
    for (size_t i = 0; i < res->n_skipped; i++) {
        const struct sighting *s = res->skipped[i].sighting;
        json_write_object_begin(w);
        json_write_kv_str(w, "uuid", s->uuid);
        json_write_kv_str(w, "attribute_uuid", s->attribute_uuid);
        json_write_kv_str(w, "reason", res->skipped[i].reason);
        json_write_object_end(w);
    }
    json_write_array_end(w);
    json_write_object_end(w);
}

/*
 * POST /sightings/bulkSaveSightings/{event}: sightings pushed by a peer, a
 * list (or {"Sighting": [...]}) in MISP's sync shape; one transaction.
 */
int misp_sightings_bulk_save(struct request *req)
{
    if (!acl_can_sync(&req->who))
        return sync_only(req);
    const struct json_value *body = req->json;
    const struct json_value *inner = json_get(body, "Sighting");
    if (json_is(inner, JSON_ARRAY))
        body = inner;
    if (!json_is(body, JSON_ARRAY))
        return http_error(req, 400, "The body must be a JSON list of sightings.", NULL);
    if (body->len > LIMIT_SIGHTINGS_PER_REQUEST)
        return http_error(req, 413, "Too many sightings in one request.", NULL);
    struct diag d;
    diag_clear(&d);
    struct sighting *in = arena_calloc(req->a, body->len + 1, sizeof(*in));
    for (size_t i = 0; i < body->len; i++) {
        char prefix[24];
        snprintf(prefix, sizeof(prefix), "%zu", i);
        int rc = misp_sighting_decode(req->a, &body->u.items[i], prefix, &in[i], &d);
        if (rc < 0)
            return http_error(req, rc == ERR_TOOBIG ? 413 : 400, "Invalid sightings.", &d);
    }
    const struct acl_filter *acl = http_acl(req);
    struct store_conn *c;
    int rc = store_begin_write(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct sighting_bulk_result res;
    rc = sighting_bulk_save(c, req->a, &req->who, acl, http_seg(req, 2), in, body->len, &res, &d);
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Event not found or not accessible by this user.", NULL);
    if (rc == ERR_INVAL)
        return http_error(req, 400, "Invalid sightings.", &d);
    if (rc < 0)
        return http_fail(req, rc, &d);
    bulk_answer(req, &res);
    return 200;
}
