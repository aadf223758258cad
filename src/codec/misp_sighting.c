/*
 * misp_sighting.c - MISP's sighting requests decoded, its answers encoded.
 * See misp_sighting.h.
 */
#include "codec/misp_sighting.h"

#include "core/uuid.h"
#include "util/limits.h"
#include "util/parse.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

/* The body's parameters: {"request": {...}} unwrapped; NULL when there is none. */
static const struct json_value *params(const struct json_value *root)
{
    const struct json_value *inner = json_get(root, "request");
    return json_is(inner, JSON_OBJECT) ? inner : root;
}

/* A scalar parameter as text (strings as given, numbers as written), or NULL
 * (also for a string holding U+0000, which C text would cut short). */
static const char *scalar(struct arena *a, const struct json_value *v)
{
    if (v == NULL || json_str_has_nul(v))
        return NULL;
    if (v->type == JSON_STRING || v->type == JSON_NUMBER)
        return arena_strndup(a, v->u.str, v->len);
    return NULL;
}

/* Calls each_fn for v's items (v a scalar or a list of scalars); v's item
 * count is *n_out first, for the callee to size its list by. */
static int for_each_scalar(struct arena *a, const struct json_value *v, const char *name,
                           int (*each_fn)(struct arena *, const char *, size_t, void *), void *ctx,
                           struct diag *d)
{
    size_t n = v->type == JSON_ARRAY ? v->len : 1;
    if (n > LIMIT_FILTER_VALUES)
        return diag_set(d, ERR_TOOBIG, name, "more than %u values", LIMIT_FILTER_VALUES);
    for (size_t i = 0; i < n; i++) {
        const struct json_value *item = v->type == JSON_ARRAY ? &v->u.items[i] : v;
        if (json_str_has_nul(item))
            return diag_set(d, ERR_INVAL, name, "%s must not contain NUL characters", name);
        const char *s = scalar(a, item);
        if (s == NULL)
            return diag_set(d, ERR_INVAL, name, "%s must be a string, a number or a list of them",
                            name);
        int rc = each_fn(a, s, n, ctx);
        if (rc < 0)
            return diag_set(d, rc, name, "invalid %s '%s'", name, s);
    }
    return 0;
}

/* A list being filled by for_each_scalar: room for every item at the first. */
static void *list_room(struct arena *a, void *v, size_t n, size_t size)
{
    return v != NULL ? v : arena_calloc(a, n + 1, size);
}

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

/* An organisation named by id or uuid ("!" before it: none of these). */
static bool org_ref_parse(const char *s, struct sighting_org_ref *out)
{
    memset(out, 0, sizeof(*out));
    out->negate = s[0] == '!';
    const char *ref = out->negate ? s + 1 : s;
    if (parse_i64_all(str_from_cstr(ref), 0, INT64_MAX, &out->id) == 0)
        return true;
    return uuid_canonical(str_from_cstr(ref), out->uuid);
}

/* ---- add ---- */

static int add_value(struct arena *a, const char *s, size_t n, void *ctx)
{
    struct sighting_add *in = ctx;
    const char **v = list_room(a, (void *)in->values, n, sizeof(*v));
    v[in->n_values++] = s;
    in->values = v;
    return 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int misp_sighting_add_decode(struct arena *a, const struct json_value *root, const char *path_ref,
                             struct sighting_add *in, struct diag *d)
{
    const struct json_value *body = params(root);
    const struct json_value *inner = json_get(body, "Sighting");
    if (json_is(inner, JSON_OBJECT))
        body = inner;
    memset(in, 0, sizeof(*in));
    in->type = -1;
    if (body != NULL && body->type != JSON_OBJECT)
        return diag_set(d, ERR_INVAL, "", "the body must be a JSON object");
    in->attribute = path_ref;
    if (body == NULL)
        return 0;
    if (in->attribute == NULL)
        in->attribute = scalar(a, json_get(body, "uuid"));
    if (in->attribute == NULL)
        in->attribute = scalar(a, json_get(body, "id"));
    const struct json_value *v = json_get(body, "value");
    if (v == NULL || v->type == JSON_NULL)
        v = json_get(body, "values");
    int rc;
    if (v != NULL && v->type != JSON_NULL &&
        (rc = for_each_scalar(a, v, "value", add_value, in, d)) < 0)
        return rc;
    if ((v = json_get(body, "type")) != NULL && v->type != JSON_NULL) {
        int64_t t;
        if (!json_as_i64(v, &t) || t < 0 || t > 2)
            return diag_set(d, ERR_INVAL, "type",
                            "type must be 0 (sighting), 1 (false positive) or 2 (expiration)");
        in->type = (int)t;
    }
    if ((v = json_get(body, "source")) != NULL && v->type != JSON_NULL) {
        if (v->type != JSON_STRING)
            return diag_set(d, ERR_INVAL, "source", "source must be a string");
        if (json_str_has_nul(v))
            return diag_set(d, ERR_INVAL, "source", "source must not contain NUL characters");
        size_t from = 0, to = v->len; /* trimmed, as MISP does */
        while (from < to && is_space(v->u.str[from]))
            from++;
        while (to > from && is_space(v->u.str[to - 1]))
            to--;
        in->source = arena_strndup(a, v->u.str + from, to - from);
    }
    const char *date = scalar(a, json_get(body, "date"));
    const char *clock = scalar(a, json_get(body, "time"));
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

/* ---- listSightings ---- */

int misp_sighting_list_decode(struct arena *a, const struct json_value *root, const char *path_id,
                              const char *path_context, const char *path_org,
                              struct misp_sighting_list_params *out, struct diag *d)
{
    const struct json_value *body = params(root);
    const char *id = path_id, *context = path_context ? path_context : "attribute";
    const char *org = path_org, *v;
    memset(out, 0, sizeof(*out));
    if ((v = scalar(a, json_get(body, "id"))) != NULL)
        id = v;
    if ((v = scalar(a, json_get(body, "context"))) != NULL)
        context = v;
    if ((v = scalar(a, json_get(body, "org_id"))) != NULL)
        org = v;
    out->event = strcmp(context, "event") == 0;
    if (!out->event && strcmp(context, "attribute") != 0)
        return diag_set(d, ERR_INVAL, "context", "context must be attribute or event");
    if (id == NULL || *id == '\0')
        return diag_set(d, ERR_INVAL, "id", "the id of an attribute or event is required");
    out->id = id;
    if (org == NULL || *org == '\0' || strcmp(org, "0") == 0)
        return 0;
    if (org[0] == '!' || !org_ref_parse(org, &out->org))
        return diag_set(d, ERR_INVAL, "org_id", "org_id must be an organisation id or uuid");
    out->by_org = out->org.id != 0 || out->org.uuid[0] != '\0';
    return 0;
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
    if (cur.len == 10 && s[4] == '-' && s[7] == '-')
        return date_time_parse(s, upper ? "23:59:59" : "00:00:00", out);
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

static int rs_id(struct arena *a, const char *s, size_t n, void *ctx)
{
    struct sighting_filter *f = ctx;
    int64_t id;
    if (parse_i64_all(str_from_cstr(s), 1, INT64_MAX, &id) < 0)
        return ERR_INVAL;
    f->ids = list_room(a, f->ids, n, sizeof(*f->ids));
    f->ids[f->n_ids++] = id;
    return 0;
}

static int rs_uuid(struct arena *a, const char *s, size_t n, void *ctx)
{
    struct sighting_filter *f = ctx;
    f->uuids = list_room(a, f->uuids, n, sizeof(*f->uuids));
    if (!uuid_canonical(str_from_cstr(s), f->uuids[f->n_uuids]))
        return ERR_INVAL;
    f->n_uuids++;
    return 0;
}

static int rs_type(struct arena *a, const char *s, size_t n, void *ctx)
{
    struct sighting_filter *f = ctx;
    int64_t t;
    if (parse_i64_all(str_from_cstr(s), 0, 2, &t) < 0)
        return ERR_INVAL;
    f->types = list_room(a, f->types, n, sizeof(*f->types));
    f->types[f->n_types++] = (int)t;
    return 0;
}

static int rs_source(struct arena *a, const char *s, size_t n, void *ctx)
{
    struct sighting_filter *f = ctx;
    f->sources = list_room(a, f->sources, n, sizeof(*f->sources));
    f->sources[f->n_sources++] = s;
    return 0;
}

static int rs_org(struct arena *a, const char *s, size_t n, void *ctx)
{
    struct sighting_filter *f = ctx;
    f->orgs = list_room(a, f->orgs, n, sizeof(*f->orgs));
    if (!org_ref_parse(s, &f->orgs[f->n_orgs]))
        return ERR_INVAL;
    f->n_orgs++;
    return 0;
}

int misp_sighting_search_decode(struct arena *a, const struct json_value *root,
                                const char *path_context, int64_t now,
                                struct misp_sighting_search *out, struct diag *d)
{
    const struct json_value *body = params(root);
    memset(out, 0, sizeof(*out));
    struct sighting_filter *f = &out->f;
    out->members = MISP_SIGHTING_VALUE | MISP_SIGHTING_ORG;
    if (body != NULL && body->type != JSON_OBJECT)
        return diag_set(d, ERR_INVAL, "", "restSearch parameters must be a JSON object");
    const char *context = path_context ? path_context : scalar(a, json_get(body, "context"));
    if (context != NULL && *context == '\0')
        context = NULL;
    if (context != NULL && strcmp(context, "attribute") != 0 && strcmp(context, "event") != 0)
        return diag_set(d, ERR_INVAL, "context", "context must be attribute or event");
    static const struct {
        const char *name;
        int (*fn)(struct arena *, const char *, size_t, void *);
    } filters[] = {{"id", rs_id},
                   {"uuid", rs_uuid},
                   {"type", rs_type},
                   {"source", rs_source},
                   {"org_id", rs_org}};
    int rc;
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        const struct json_value *v = json_get(body, filters[i].name);
        if (v != NULL && v->type != JSON_NULL && !(v->type == JSON_STRING && v->len == 0) &&
            (rc = for_each_scalar(a, v, filters[i].name, filters[i].fn, f, d)) < 0)
            return rc;
    }
    if (context == NULL) {
        f->n_ids = f->n_uuids = 0; /* an id or uuid names something only in a context */
    } else {
        if (f->n_ids == 0 && f->n_uuids == 0)
            return diag_set(d, ERR_INVAL, "id",
                            "an id or uuid must be provided if the context is set");
        f->context =
            strcmp(context, "event") == 0 ? SIGHTING_CONTEXT_EVENT : SIGHTING_CONTEXT_ATTRIBUTE;
    }
    static const char *const times[] = {"from", "to", "last"};
    int64_t *bounds[] = {&f->from, &f->to, &f->from};
    bool given = false;
    for (size_t i = 0; i < 3; i++) {
        const char *s = scalar(a, json_get(body, times[i]));
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
        f->from = now - MISP_SIGHTING_DEFAULT_WINDOW;
    bool b;
    if (json_as_bool(json_get(body, "includeUuid"), &b) && b)
        out->members |= MISP_SIGHTING_ATTRIBUTE_UUID | MISP_SIGHTING_EVENT_UUID;
    f->with_deleted = json_as_bool(json_get(body, "includeDeleted"), &b) && b;
    const char *format = scalar(a, json_get(body, "returnFormat"));
    if (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "download") != 0)
        return diag_set(d, ERR_INVAL, "returnFormat", "only the json returnFormat is offered");
    return 0;
}

/* ---- the receiving side of a push ---- */

int misp_sighting_uuids_decode(struct arena *a, const struct json_value *body,
                               char (**out)[UUID_STR_LEN + 1], size_t *n, struct diag *d)
{
    *out = NULL;
    *n = 0;
    if (!json_is(body, JSON_ARRAY))
        return diag_set(d, ERR_INVAL, "", "the body must be a JSON list of sighting uuids");
    if (body->len > LIMIT_SIGHTINGS_PER_REQUEST)
        return diag_set(d, ERR_TOOBIG, "", "more than %u sighting uuids",
                        LIMIT_SIGHTINGS_PER_REQUEST);
    char(*v)[UUID_STR_LEN + 1] = arena_calloc(a, body->len + 1, sizeof(*v));
    for (size_t i = 0; i < body->len; i++) {
        struct str s;
        if (!json_as_str(&body->u.items[i], &s) || !uuid_canonical(s, v[i])) {
            char field[24];
            snprintf(field, sizeof(field), "%zu", i);
            return diag_set(d, ERR_INVAL, field, "not a sighting uuid");
        }
    }
    *out = v;
    *n = body->len;
    return 0;
}

int misp_sighting_push_decode(struct arena *a, const struct json_value *body, struct sighting **out,
                              size_t *n, struct diag *d)
{
    *out = NULL;
    *n = 0;
    const struct json_value *inner = json_get(body, "Sighting");
    if (json_is(inner, JSON_ARRAY))
        body = inner;
    if (!json_is(body, JSON_ARRAY))
        return diag_set(d, ERR_INVAL, "", "the body must be a JSON list of sightings");
    if (body->len > LIMIT_SIGHTINGS_PER_REQUEST)
        return diag_set(d, ERR_TOOBIG, "", "more than %u sightings", LIMIT_SIGHTINGS_PER_REQUEST);
    struct sighting *v = arena_calloc(a, body->len + 1, sizeof(*v));
    for (size_t i = 0; i < body->len; i++) {
        char prefix[24];
        snprintf(prefix, sizeof(prefix), "%zu", i);
        int rc = misp_sighting_decode(a, &body->u.items[i], prefix, &v[i], d);
        if (rc < 0)
            return rc;
    }
    *out = v;
    *n = body->len;
    return 0;
}

/* ---- answers ---- */

void misp_sighting_encode_wrapped(struct json_writer *w, const struct sighting *s, unsigned members)
{
    json_write_object_begin(w);
    json_write_key(w, "Sighting");
    misp_sighting_encode(w, s, members);
    json_write_object_end(w);
}

void misp_sighting_encode_index(struct json_writer *w, const struct sighting *v, size_t n)
{
    json_write_array_begin(w);
    for (size_t i = 0; i < n; i++)
        misp_sighting_encode(w, &v[i], MISP_SIGHTING_ATTRIBUTE_UUID | MISP_SIGHTING_ORG);
    json_write_array_end(w);
}

void misp_sighting_encode_list(struct json_writer *w, const struct sighting *v, size_t n)
{
    json_write_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        json_write_object_begin(w);
        json_write_key(w, "Sighting");
        misp_sighting_encode(w, &v[i], MISP_SIGHTING_ATTRIBUTE_UUID);
        if (v[i].org != NULL) {
            json_write_key(w, "Organisation");
            misp_org_encode_short(w, v[i].org);
        }
        json_write_object_end(w);
    }
    json_write_array_end(w);
}

void misp_sighting_search_begin(struct json_writer *w)
{
    json_write_object_begin(w);
    json_write_key(w, "response");
    json_write_array_begin(w);
}

void misp_sighting_search_end(struct json_writer *w)
{
    json_write_array_end(w);
    json_write_object_end(w);
}

void misp_sighting_encode_known(struct json_writer *w, const char (*uuids)[UUID_STR_LEN + 1],
                                const bool *known, size_t n)
{
    json_write_array_begin(w);
    for (size_t i = 0; i < n; i++)
        if (known[i])
            json_write_cstr(w, uuids[i]);
    json_write_array_end(w);
}

void misp_sighting_encode_bulk_result(struct json_writer *w, const char *url,
                                      const struct sighting_bulk_result *res)
{
    char msg[96];
    if (res->saved)
        snprintf(msg, sizeof(msg), "%zu sightings added.", res->saved);
    else
        snprintf(msg, sizeof(msg), "No sightings added.");
    json_write_object_begin(w);
    json_write_kv_bool(w, "saved", res->saved > 0);
    json_write_kv_str(w, "success", msg);
    json_write_kv_str(w, "message", msg);
    json_write_kv_str(w, "url", url);
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
