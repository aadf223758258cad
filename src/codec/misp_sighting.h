/*
 * misp_sighting.h - the wire side of MISP's SightingsController: its request
 * parameters decoded into the sighting model (core/model.h) and its answers
 * encoded.  One sighting object itself is codec/misp_json.c's
 * (misp_sighting_encode / misp_sighting_decode).
 *
 * Pure: no I/O, no clock (the caller passes "now"), no globals.  Parameters
 * come as MISP and PyMISP send them: path segments (given by the caller), or
 * a JSON body, bare or wrapped in {"request": ...} (and for add in
 * {"Sighting": ...}).  Every decoder returns 0, or ERR_INVAL / ERR_TOOBIG with
 * d naming the parameter; d->field "" means the body as a whole has the wrong
 * shape (or too many items).  Decoded strings live in a or in the JSON tree.
 * fuzz/fuzz_sighting_params.c fuzzes the decoders.
 */
#ifndef LIAISON_MISP_SIGHTING_H
#define LIAISON_MISP_SIGHTING_H

#include "codec/json.h"
#include "codec/misp_json.h"
#include "core/model.h"
#include "util/arena.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* restSearch without from, to or last: the last 30 days, as MISP. */
#define MISP_SIGHTING_DEFAULT_WINDOW (30 * 86400)

/*
 * sightings/add: body (the request's JSON, or NULL) holds id or uuid (the
 * attribute; path_ref, a path segment or NULL, wins), or value / values
 * (a string or number, or a list of them), type (0, 1, 2), source (trimmed),
 * date and time ("YYYY-MM-DD", "HH:MM:SS", UTC) or timestamp.  Not given:
 * type -1, source NULL, date_sighting 0.  A body that is no object: field "".
 */
int misp_sighting_add_decode(struct arena *a, const struct json_value *body, const char *path_ref,
                             struct sighting_add *out, struct diag *d);

/* sightings/listSightings: which sightings to list. */
struct misp_sighting_list_params {
    const char *id; /* the attribute's or event's id or uuid */
    bool event;     /* id names an event (context "event"), else an attribute */
    bool by_org;    /* only those org reported */
    struct sighting_org_ref org;
};

/*
 * sightings/listSightings/{id}/{context}/{org}: the path segments (each NULL
 * when absent), overridden by body members id, context, org_id.  context is
 * "attribute" (the default) or "event"; org_id an organisation's id or uuid,
 * "" or "0" meaning any.  Fails naming "context", "id" or "org_id".
 */
int misp_sighting_list_decode(struct arena *a, const struct json_value *body, const char *path_id,
                              const char *path_context, const char *path_org,
                              struct misp_sighting_list_params *out, struct diag *d);

/* sightings/restSearch's parameters. */
struct misp_sighting_search {
    struct sighting_filter f;
    unsigned members; /* the optional members of each encoded sighting (misp_json.h) */
};

/*
 * sightings/restSearch[/{context}]: path_context (a path segment, or NULL:
 * body member context) is "attribute" or "event", and then an id or uuid
 * filter is required; filters id, uuid, type (0-2), source, org_id (id or
 * uuid, "!x" for none of these), each a scalar or a list; from, to, last
 * (Unix time, "YYYY-MM-DD" or a relative "7d", "12h", ... before now; the
 * last 30 days when none is given); includeUuid; includeDeleted (beyond
 * MISP: tombstones too, for Liaison peers; whether they may is the
 * service's question, MISP_SIGHTING_DELETED is the caller's to add);
 * returnFormat json.  A body that is no object: field "".
 */
int misp_sighting_search_decode(struct arena *a, const struct json_value *body,
                                const char *path_context, int64_t now,
                                struct misp_sighting_search *out, struct diag *d);

/* sightings/filterSightingUuidsForPush: a JSON list of sighting uuids, at most
 * LIMIT_SIGHTINGS_PER_REQUEST, canonicalised into *out (in a). */
int misp_sighting_uuids_decode(struct arena *a, const struct json_value *body,
                               char (**out)[UUID_STR_LEN + 1], size_t *n, struct diag *d);

/* sightings/bulkSaveSightings: a list of sightings, or {"Sighting": [...]},
 * at most LIMIT_SIGHTINGS_PER_REQUEST, each by misp_sighting_decode ("N."
 * fields). */
int misp_sighting_push_decode(struct arena *a, const struct json_value *body, struct sighting **out,
                              size_t *n, struct diag *d);

/* ---- answers ---- */

/* {"Sighting": {...}} (sightings/add: the last one saved; restSearch's items). */
void misp_sighting_encode_wrapped(struct json_writer *w, const struct sighting *s,
                                  unsigned members);
/* sightings/index: [{... attribute_uuid, Organisation}, ...]. */
void misp_sighting_encode_index(struct json_writer *w, const struct sighting *v, size_t n);
/* sightings/listSightings: [{"Sighting": {... attribute_uuid}, "Organisation":
 * {...} when known}, ...]. */
void misp_sighting_encode_list(struct json_writer *w, const struct sighting *v, size_t n);
/* sightings/restSearch: {"response": [ before the items, ]} after them. */
void misp_sighting_search_begin(struct json_writer *w);
void misp_sighting_search_end(struct json_writer *w);
/* filterSightingUuidsForPush: [uuids[i] for each i with known[i]]. */
void misp_sighting_encode_known(struct json_writer *w, const char (*uuids)[UUID_STR_LEN + 1],
                                const bool *known, size_t n);
/* bulkSaveSightings: {"saved", "success", "message", "url"} as MISP, then
 * "added", "duplicates", "removed" and "skipped": [{uuid, attribute_uuid,
 * reason}]. */
void misp_sighting_encode_bulk_result(struct json_writer *w, const char *url,
                                      const struct sighting_bulk_result *res);

#endif
