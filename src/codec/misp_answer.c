/*
 * misp_answer.c - MISP's answer shapes around the core format.  See
 * misp_answer.h.
 */
#include "codec/misp_answer.h"

#include "codec/misp_json.h"

#include "util/banned.h"

void misp_answer_saved_event(struct json_writer *w, const struct event *e,
                             const char *const *warnings, size_t n_warnings)
{
    json_write_object_begin(w);
    json_write_key(w, "Event");
    json_write_object_begin(w);
    misp_event_encode_fields(w, e);
    json_write_object_end(w);
    if (n_warnings) {
        json_write_key(w, "warnings");
        json_write_array_begin(w);
        for (size_t i = 0; i < n_warnings; i++)
            json_write_cstr(w, warnings[i]);
        json_write_array_end(w);
    }
    json_write_object_end(w);
}

void misp_answer_attribute(struct json_writer *w, const struct attribute *at)
{
    json_write_object_begin(w);
    json_write_key(w, "Attribute");
    misp_attribute_encode(w, at, NULL);
    json_write_object_end(w);
}

void misp_answer_attributes(struct json_writer *w, const struct attribute *v, size_t n)
{
    json_write_object_begin(w);
    json_write_key(w, "Attribute");
    json_write_array_begin(w);
    for (size_t i = 0; i < n; i++)
        misp_attribute_encode(w, &v[i], NULL);
    json_write_array_end(w);
    json_write_object_end(w);
}

void misp_answer_object(struct json_writer *w, const struct object *o)
{
    json_write_object_begin(w);
    json_write_key(w, "Object");
    misp_object_encode(w, o);
    json_write_object_end(w);
}

static void tag_full(struct json_writer *w, const struct tag *t)
{
    struct tag_ref ref = {.tag = *t, .local = false};
    misp_tag_encode(w, &ref);
}

void misp_answer_tag(struct json_writer *w, const struct tag *t)
{
    json_write_object_begin(w);
    json_write_key(w, "Tag");
    tag_full(w, t);
    json_write_object_end(w);
}

void misp_answer_tags(struct json_writer *w, const struct tag *v, size_t n)
{
    json_write_object_begin(w);
    json_write_key(w, "Tag");
    json_write_array_begin(w);
    for (size_t i = 0; i < n; i++)
        tag_full(w, &v[i]);
    json_write_array_end(w);
    json_write_object_end(w);
}

void misp_answer_event_index_entry(struct json_writer *w, const struct event *e, bool minimal)
{
    json_write_object_begin(w);
    if (minimal) {
        json_write_kv_i64_str(w, "id", e->id);
        json_write_kv_i64_str(w, "timestamp", e->timestamp);
        json_write_kv_i64_str(w, "sighting_timestamp", e->sighting_timestamp);
        json_write_kv_bool(w, "published", e->published);
        json_write_kv_str(w, "uuid", e->uuid);
        json_write_kv_str(w, "orgc_uuid", e->orgc ? e->orgc->uuid : "");
    } else {
        misp_event_encode_fields(w, e);
    }
    json_write_object_end(w);
}

void misp_answer_list_open(struct json_writer *w, enum misp_answer_list kind)
{
    if (kind != MISP_LIST_ARRAY) {
        json_write_object_begin(w);
        json_write_key(w, "response");
    }
    if (kind == MISP_LIST_ATTRIBUTES) {
        json_write_object_begin(w);
        json_write_key(w, "Attribute");
    }
    json_write_array_begin(w);
}

void misp_answer_list_close(struct json_writer *w, enum misp_answer_list kind)
{
    json_write_array_end(w);
    if (kind == MISP_LIST_ATTRIBUTES)
        json_write_object_end(w);
    if (kind != MISP_LIST_ARRAY)
        json_write_object_end(w);
}
