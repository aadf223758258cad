/*
 * misp_json.h - MISP core format (JSON) <-> model (model.h).
 *
 * Pure functions: no I/O, no globals, no store.  This is where the fuzzer
 * points for events.
 *
 * Decoding accepts what MISP and PyMISP send: an event bare ({"info":...}) or
 * wrapped ({"Event":{...}}); numbers given as JSON numbers or as strings of
 * digits; booleans as true/false, 0/1 or "0"/"1"; Attribute, Object (with its
 * Attribute and ObjectReference), Tag (list of {"name":...}), Orgc/Org
 * ({"uuid","name"}), and ignores fields it does not know, as MISP does.  A
 * field of the wrong JSON type fails with ERR_INVAL naming the field path
 * ("Event.Attribute.3.value").  Decoding does not validate types/values
 * against the type table: that is the event service's job.
 *
 * Encoding writes what MISP's API returns: ids, timestamps, distribution and
 * the like as JSON strings, booleans as true/false, so that
 * shared/data/misp/schema.json validates every event.
 */
#ifndef LIAISON_MISP_JSON_H
#define LIAISON_MISP_JSON_H

#include "codec/json.h"
#include "core/model.h"

/*
 * Decodes an event from root (a parsed document; bare or wrapped).  The event
 * and everything it points to are allocated in a.  Fields not present keep
 * "not given" values: id 0, uuid "", info NULL, distribution -1,
 * threat_level_id 0, analysis -1, sharing_group_id 0, timestamp 0,
 * published false; for attributes distribution -1, category NULL with
 * category_given false, to_ids_given false.
 */
int misp_event_decode(struct arena *a, const struct json_value *root, struct event **out,
                      struct diag *d);

/*
 * Decodes one attribute (bare or {"Attribute":{...}}), with the same "not
 * given" conventions.  prefix names the field path for errors ("Attribute.2").
 */
int misp_attribute_decode(struct arena *a, const struct json_value *v, const char *prefix,
                          struct attribute *out, struct diag *d);

/* Decodes one object with its attributes and references. */
int misp_object_decode(struct arena *a, const struct json_value *v, const char *prefix,
                       struct object *out, struct diag *d);

/* Writes {"Event":{...}} for e, including Org, Orgc, Attribute, Object, Tag. */
void misp_event_encode(struct json_writer *w, const struct event *e);

/* Writes the members of an event without the wrapper (between { and }). */
void misp_event_encode_fields(struct json_writer *w, const struct event *e);

/* Writes one attribute object {...} (not wrapped), with its Tag list if any.
 * If event_uuid is not NULL, adds "event_uuid". */
void misp_attribute_encode(struct json_writer *w, const struct attribute *at,
                           const char *event_uuid);

/* Writes one object {...} (not wrapped) with Attribute and ObjectReference lists. */
void misp_object_encode(struct json_writer *w, const struct object *o);

/* Writes an organisation {"id","name","uuid","local"} (MISP's short form). */
void misp_org_encode_short(struct json_writer *w, const struct org *o); /* NULL: {} */
/* "SharingGroupOrg": [{sharing_group_id, org_id, extend, Organisation}] */
void misp_sharing_group_orgs_encode(struct json_writer *w, const struct sharing_group *g);

/* Writes a tag object {"id","name","colour","exportable","user_id","hide_tag",
 * "numerical_value","is_galaxy","is_custom_galaxy","local_only","local"}. */
void misp_tag_encode(struct json_writer *w, const struct tag_ref *t);

/* ---- sightings ---- */

/* Optional members of an encoded sighting. */
enum {
    MISP_SIGHTING_VALUE = 1 << 0,          /* "value": the attribute's (restSearch) */
    MISP_SIGHTING_ATTRIBUTE_UUID = 1 << 1, /* "attribute_uuid" */
    MISP_SIGHTING_EVENT_UUID = 1 << 2,     /* "event_uuid" */
    MISP_SIGHTING_ORG = 1 << 3,            /* "Organisation": {id, uuid, name}, if known */
    MISP_SIGHTING_DELETED = 1 << 4,        /* "deleted" (Liaison peers: deletions travel) */
};

/*
 * Writes one sighting object {...} (not wrapped) as MISP does: id,
 * attribute_id, event_id, org_id, date_sighting, uuid, source, type (all
 * strings), then the members asked for.
 */
void misp_sighting_encode(struct json_writer *w, const struct sighting *s, unsigned members);

/*
 * Decodes one sighting in the shape MISP's sync sends (bulkSaveSightings, an
 * attribute's "Sighting" list), bare or {"Sighting": {...}}: uuid,
 * attribute_uuid, type, source, date_sighting, org_id, Organisation {uuid,
 * name}, and, from a Liaison peer, deleted.  The sender's local ids (id, attribute_id, event_id,
 * Organisation.id) mean nothing here and are dropped.  Not given: uuid and
 * attribute_uuid "", type -1, source NULL, date_sighting 0, org_id -1, org
 * NULL.  prefix names the field path for errors ("3").
 */
int misp_sighting_decode(struct arena *a, const struct json_value *v, const char *prefix,
                         struct sighting *out, struct diag *d);

#endif
