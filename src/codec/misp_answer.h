/*
 * misp_answer.h - the shapes MISP's API wraps around the core format
 * (codec/misp_json.h) in its answers: a saved event, attributes, objects and
 * tags under their model name, an events/index entry, and the envelopes of
 * restSearch and events/index that streamed rows go between.  Pure: writes
 * into a json_writer.
 */
#ifndef LIAISON_MISP_ANSWER_H
#define LIAISON_MISP_ANSWER_H

#include "codec/json.h"
#include "core/model.h"

#include <stdbool.h>
#include <stddef.h>

/* {"Event": {fields}} and, beyond MISP, "warnings": [...] when n_warnings
 * (a distribution wider than the TLP tags allow). */
void misp_answer_saved_event(struct json_writer *w, const struct event *e,
                             const char *const *warnings, size_t n_warnings);
/* {"Attribute": {...}} */
void misp_answer_attribute(struct json_writer *w, const struct attribute *at);
/* {"Attribute": [{...}, ...]} */
void misp_answer_attributes(struct json_writer *w, const struct attribute *v, size_t n);
/* {"Object": {...}} */
void misp_answer_object(struct json_writer *w, const struct object *o);
/* {"Tag": {...}} and {"Tag": [{...}, ...]}: tags as tags/index shows them. */
void misp_answer_tag(struct json_writer *w, const struct tag *t);
void misp_answer_tags(struct json_writer *w, const struct tag *v, size_t n);
/* One events/index entry: the event's fields, or with minimal only what a
 * peer compares (id, timestamp, sighting_timestamp, published, uuid,
 * orgc_uuid), as MISP's minimal index. */
void misp_answer_event_index_entry(struct json_writer *w, const struct event *e, bool minimal);

/* What precedes and follows the rows of a streamed answer. */
enum misp_answer_list {
    MISP_LIST_ARRAY,      /* [ ... ] (events/index, servers/index) */
    MISP_LIST_EVENTS,     /* {"response": [ ... ]} (events/restSearch) */
    MISP_LIST_ATTRIBUTES, /* {"response": {"Attribute": [ ... ]}} (attributes/restSearch) */
};
void misp_answer_list_open(struct json_writer *w, enum misp_answer_list kind);
void misp_answer_list_close(struct json_writer *w, enum misp_answer_list kind);

#endif
