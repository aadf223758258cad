/*
 * misp_sync.c - MISP's sync protocol as a client speaks it.  See misp_sync.h.
 */
#include "codec/misp_sync.h"

#include "codec/json.h"
#include "codec/misp_json.h"
#include "core/uuid.h"
#include "util/limits.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

/* ---- a link's rules ---- */

static void rule_list(struct arena *a, const struct json_value *list,
                      struct misp_sync_rule_list *out)
{
    out->v = NULL;
    out->n = 0;
    if (!json_is(list, JSON_ARRAY) || list->len == 0)
        return;
    out->v = arena_calloc(a, list->len, sizeof(*out->v));
    out->n = list->len;
    for (size_t i = 0; i < list->len; i++) {
        const struct json_value *v = &list->u.items[i];
        struct str s;
        if (json_as_str(v, &s) && s.len > 0)
            out->v[i].text = s.ptr;
        out->v[i].has_id = json_as_i64(v, &out->v[i].id);
    }
}

void misp_sync_rules_decode(struct arena *a, const char *text, struct misp_sync_rules *out)
{
    memset(out, 0, sizeof(*out));
    struct json_value *root;
    struct diag d;
    diag_clear(&d);
    if (text == NULL || *text == '\0' || json_parse(a, text, strlen(text), 8, &root, &d) < 0 ||
        !json_is(root, JSON_OBJECT))
        return;
    const struct json_value *t = json_get(root, "tags"), *g = json_get(root, "orgs");
    rule_list(a, json_get(t, "OR"), &out->tags_or);
    rule_list(a, json_get(t, "NOT"), &out->tags_not);
    rule_list(a, json_get(g, "OR"), &out->orgs_or);
    rule_list(a, json_get(g, "NOT"), &out->orgs_not);
}

/* ---- requests ---- */

/* "filter": ["a", "!b"] from the items with text of the OR and NOT lists;
 * nothing when there are none. */
static void write_filter(struct json_writer *w, struct buf *out, const char *filter,
                         const struct misp_sync_rule_list *ors,
                         const struct misp_sync_rule_list *nots)
{
    bool any = false;
    for (int neg = 0; neg < 2; neg++) {
        const struct misp_sync_rule_list *list = neg ? nots : ors;
        for (size_t i = 0; i < list->n; i++) {
            if (list->v[i].text == NULL)
                continue;
            if (!any) {
                json_write_key(w, filter);
                json_write_array_begin(w);
                any = true;
            }
            if (!neg) {
                json_write_cstr(w, list->v[i].text);
                continue;
            }
            struct buf text;
            buf_init(&text, out->max);
            buf_putc(&text, '!');
            buf_puts(&text, list->v[i].text);
            if (text.err == 0)
                json_write_str(w, text.ptr, text.len);
            else if (out->err == 0)
                out->err = text.err;
            buf_free(&text);
        }
    }
    if (any)
        json_write_array_end(w);
}

void misp_sync_index_query_encode(struct buf *out, const struct misp_sync_rules *ru)
{
    struct json_writer w;
    json_writer_init(&w, out, false);
    json_write_object_begin(&w);
    json_write_kv_i64(&w, "minimal", 1);
    json_write_kv_i64(&w, "published", 1);
    write_filter(&w, out, "tag", &ru->tags_or, &ru->tags_not);
    write_filter(&w, out, "org", &ru->orgs_or, &ru->orgs_not);
    json_write_object_end(&w);
}

static void write_uuids(struct json_writer *w, char (*uuids)[UUID_STR_LEN + 1], size_t n)
{
    json_write_array_begin(w);
    for (size_t i = 0; i < n; i++)
        json_write_cstr(w, uuids[i]);
    json_write_array_end(w);
}

void misp_sync_uuids_encode(struct buf *out, char (*uuids)[UUID_STR_LEN + 1], size_t n)
{
    struct json_writer w;
    json_writer_init(&w, out, false);
    write_uuids(&w, uuids, n);
}

void misp_sync_sighting_query_encode(struct buf *out, char (*uuids)[UUID_STR_LEN + 1], size_t n,
                                     bool with_deleted)
{
    struct json_writer w;
    json_writer_init(&w, out, false);
    json_write_object_begin(&w);
    json_write_kv_str(&w, "returnFormat", "json");
    json_write_kv_i64(&w, "includeUuid", 1);
    json_write_kv_i64(&w, "from", 1);
    if (with_deleted)
        json_write_kv_i64(&w, "includeDeleted", 1);
    json_write_key(&w, "uuid");
    write_uuids(&w, uuids, n);
    json_write_object_end(&w);
}

void misp_sync_offers_encode(struct buf *out, char (*uuids)[UUID_STR_LEN + 1],
                             const int64_t *stamps, size_t n)
{
    struct json_writer w;
    json_writer_init(&w, out, false);
    json_write_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        json_write_object_begin(&w);
        json_write_key(&w, "Event");
        json_write_object_begin(&w);
        json_write_kv_str(&w, "uuid", uuids[i]);
        json_write_kv_i64_str(&w, "timestamp", stamps[i]);
        json_write_object_end(&w);
        json_write_object_end(&w);
    }
    json_write_array_end(&w);
}

void misp_sync_event_encode(struct buf *out, const struct event *e)
{
    struct json_writer w;
    json_writer_init(&w, out, false);
    misp_event_encode(&w, e);
}

void misp_sync_sightings_encode(struct buf *out, const struct sighting *v, const bool *pick,
                                size_t n, unsigned members)
{
    struct json_writer w;
    json_writer_init(&w, out, false);
    json_write_array_begin(&w);
    for (size_t i = 0; i < n; i++)
        if (pick[i])
            misp_sighting_encode(&w, &v[i], members);
    json_write_array_end(&w);
}

/* ---- answers ---- */

static int parse(struct arena *a, const char *text, size_t len, unsigned depth,
                 struct json_value **root, struct diag *d)
{
    return json_parse(a, text != NULL ? text : "", text != NULL ? len : 0, depth, root, d);
}

int misp_sync_index_decode(struct arena *a, const char *text, size_t len,
                           struct misp_sync_index_item **out, size_t *n, struct diag *d)
{
    *out = NULL;
    *n = 0;
    struct json_value *root;
    if (parse(a, text, len, 16, &root, d) < 0) {
        snprintf(d->field, sizeof(d->field), "json");
        return ERR_INVAL;
    }
    if (json_is(root, JSON_OBJECT) && json_get(root, "uuid") != NULL) {
        /* an old MISP answers a single event bare */
        struct json_value *one = arena_calloc(a, 1, sizeof(*one));
        one->type = JSON_ARRAY;
        one->len = 1;
        one->u.items = root;
        root = one;
    }
    if (!json_is(root, JSON_ARRAY))
        return diag_set(d, ERR_INVAL, "", "not a list of events");
    struct misp_sync_index_item *v = arena_calloc(a, root->len ? root->len : 1, sizeof(*v));
    for (size_t i = 0; i < root->len; i++) {
        const struct json_value *e = &root->u.items[i];
        const struct json_value *inner = json_get(e, "Event");
        if (inner != NULL)
            e = inner;
        struct misp_sync_index_item *x = &v[i];
        struct str us;
        if (!json_as_str(json_get(e, "uuid"), &us) || !uuid_canonical(us, x->uuid) ||
            !json_as_i64(json_get(e, "timestamp"), &x->timestamp) || x->timestamp <= 0) {
            memset(x, 0, sizeof(*x));
            continue;
        }
        if (!json_as_i64(json_get(e, "sighting_timestamp"), &x->sighting_timestamp))
            x->sighting_timestamp = 0;
        x->valid = true;
    }
    *out = v;
    *n = root->len;
    return 0;
}

int misp_sync_event_decode(struct arena *a, const char *text, size_t len, struct event **out,
                           struct diag *d)
{
    *out = NULL;
    struct json_value *root;
    int rc = parse(a, text, len, LIMIT_JSON_DEPTH, &root, d);
    return rc < 0 ? rc : misp_event_decode(a, root, out, d);
}

/* A JSON list at depth 4 (lists of uuids, never nested). */
static int parse_list(struct arena *a, const char *text, size_t len, struct json_value **root,
                      struct diag *d)
{
    if (parse(a, text, len, 4, root, d) < 0 || !json_is(*root, JSON_ARRAY))
        return diag_set(d, ERR_INVAL, "", "not a JSON list");
    return 0;
}

int misp_sync_uuids_decode(struct arena *a, const char *text, size_t len,
                           char (**out)[UUID_STR_LEN + 1], size_t *n, struct diag *d)
{
    *out = NULL;
    *n = 0;
    struct json_value *root;
    if (parse_list(a, text, len, &root, d) < 0)
        return ERR_INVAL;
    char(*v)[UUID_STR_LEN + 1] = arena_alloc(a, (root->len ? root->len : 1) * sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; i < root->len; i++) {
        struct str us;
        if (json_as_str(&root->u.items[i], &us) && uuid_canonical(us, v[k]))
            k++;
    }
    *out = v;
    *n = k;
    return 0;
}

int misp_sync_strings_decode(struct arena *a, const char *text, size_t len, struct str **out,
                             size_t *n, struct diag *d)
{
    *out = NULL;
    *n = 0;
    struct json_value *root;
    if (parse_list(a, text, len, &root, d) < 0)
        return ERR_INVAL;
    struct str *v = arena_alloc(a, (root->len ? root->len : 1) * sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; i < root->len; i++)
        if (json_as_str(&root->u.items[i], &v[k]))
            k++;
    *out = v;
    *n = k;
    return 0;
}

int misp_sync_sightings_decode(struct arena *a, const char *text, size_t len,
                               struct misp_sync_sighting **out, size_t *n, struct diag *d)
{
    *out = NULL;
    *n = 0;
    struct json_value *root;
    const struct json_value *list = NULL;
    if (parse(a, text, len, LIMIT_JSON_DEPTH, &root, d) < 0 ||
        !json_is((list = json_get(root, "response")), JSON_ARRAY))
        return diag_set(d, ERR_INVAL, "", "not {\"response\": [...]}");
    struct misp_sync_sighting *v = arena_calloc(a, list->len ? list->len : 1, sizeof(*v));
    for (size_t i = 0; i < list->len; i++) {
        const struct json_value *item = &list->u.items[i];
        const struct json_value *inner = json_get(item, "Sighting");
        struct str eu;
        struct diag id;
        diag_clear(&id);
        if (inner == NULL)
            inner = item;
        if (!json_as_str(json_get(inner, "event_uuid"), &eu) ||
            misp_sighting_decode(a, inner, "Sighting", &v[i].s, &id) < 0) {
            memset(&v[i].s, 0, sizeof(v[i].s));
            v[i].error = arena_strdup(a, id.msg[0] ? id.msg : "no event_uuid");
            continue;
        }
        v[i].event_uuid = arena_strndup(a, eu.ptr, eu.len);
    }
    *out = v;
    *n = list->len;
    return 0;
}

int misp_sync_removed_decode(struct arena *a, const char *text, size_t len, int64_t *removed,
                             struct diag *d)
{
    struct json_value *root;
    if (parse(a, text, len, 4, &root, d) < 0 || !json_as_i64(json_get(root, "removed"), removed))
        return diag_set(d, ERR_INVAL, "removed", "not {\"removed\": N}");
    return 0;
}
