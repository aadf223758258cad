/*
 * misp_sync.h - MISP's sync protocol as a client speaks it (core/sync_client.c):
 * the bodies a pull or a push sends to a peer and the peer's answers read back.
 *
 *   pull: events/index (minimal, with the link's pull rules as filters) and
 *         its answer; events/view's event; sightings/restSearch/event and its
 *         answer; Liaison's events/syncRevoked (a uuid list both ways)
 *   push: an event for events/add|edit; events/filterEventIdsForPush and its
 *         answer; sightings/filterSightingUuidsForPush and bulkSaveSightings;
 *         Liaison's events/syncRemove and its count
 *   both: a link's rules, {"tags": {"OR": [..], "NOT": [..]}, "orgs": {..}}
 *
 * Not here: what the receiving side reads and answers (misp_server.h,
 * misp_sighting.h), an event or sighting object itself (misp_json.h).
 *
 * Pure: no I/O, no globals.  Encoders write a whole body into a buf (its
 * maximum and sticky error apply).  Decoders take the answer's bytes (NULL
 * with len 0 is an empty answer), parse them at the depth the answer's shape
 * needs, and are lenient where a run goes on: an item they cannot read is
 * marked or skipped, never the whole answer.  fuzz/fuzz_misp_sync.c fuzzes
 * them.
 */
#ifndef LIAISON_MISP_SYNC_H
#define LIAISON_MISP_SYNC_H

#include "core/model.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- a link's rules ---- */

/* One item of a rule list: its text when a non-empty string, its number
 * when it reads as one (a JSON number, a string of digits, true or false). */
struct misp_sync_rule {
    const char *text; /* NULL: not a non-empty string */
    bool has_id;
    int64_t id;
};

struct misp_sync_rule_list {
    struct misp_sync_rule *v;
    size_t n; /* every item of the list, read or not */
};

/* A link's push or pull rules; a list is empty when absent or not a list. */
struct misp_sync_rules {
    struct misp_sync_rule_list tags_or, tags_not, orgs_or, orgs_not;
};

/* Reads rules text (NULL, "" or anything but a JSON object: no rules) into
 * out, its strings in a. */
void misp_sync_rules_decode(struct arena *a, const char *text, struct misp_sync_rules *out);

/* ---- requests ---- */

/* events/index for a pull: {"minimal":1,"published":1}, and the pull rules as
 * MISP's filters (Server::filterRuleToParameter): "tag": ["a", "!b"] for tags
 * OR a and NOT b, "org" likewise; only items with text count. */
void misp_sync_index_query_encode(struct buf *out, const struct misp_sync_rules *ru);

/* A JSON list of uuids: ["u1","u2"] (syncRevoked, syncRemove, and the
 * sighting uuids of filterSightingUuidsForPush). */
void misp_sync_uuids_encode(struct buf *out, char (*uuids)[UUID_STR_LEN + 1], size_t n);

/* sightings/restSearch/event for the events uuids[0..n):
 * {"returnFormat":"json","includeUuid":1,"from":1,["includeDeleted":1,]
 * "uuid":[...]}; with_deleted for a Liaison peer (tombstones travel). */
void misp_sync_sighting_query_encode(struct buf *out, char (*uuids)[UUID_STR_LEN + 1], size_t n,
                                     bool with_deleted);

/* events/filterEventIdsForPush: [{"Event":{"uuid":"U","timestamp":"T"}}, ...]. */
void misp_sync_offers_encode(struct buf *out, char (*uuids)[UUID_STR_LEN + 1],
                             const int64_t *stamps, size_t n);

/* events/add|edit: {"Event": {...}} (misp_event_encode). */
void misp_sync_event_encode(struct buf *out, const struct event *e);

/* bulkSaveSightings: [v[i] for each i with pick[i]], each by
 * misp_sighting_encode with `members` (misp_json.h's MISP_SIGHTING_*). */
void misp_sync_sightings_encode(struct buf *out, const struct sighting *v, const bool *pick,
                                size_t n, unsigned members);

/* ---- answers ---- */

/* One event of a minimal events/index answer. */
struct misp_sync_index_item {
    char uuid[UUID_STR_LEN + 1]; /* canonical */
    int64_t timestamp;           /* > 0 */
    int64_t sighting_timestamp;  /* 0 when not given */
    bool valid;                  /* false: no uuid or timestamp (the rest unset) */
};

/*
 * events/index's minimal answer: a list of events, each bare or {"Event":
 * {...}}, or one event bare (an old MISP).  *out holds one item per event
 * listed, in order, in a.  ERR_INVAL: d->field "json" (with json_parse's line,
 * column and message) when the answer is not JSON, "" when it is not a list.
 */
int misp_sync_index_decode(struct arena *a, const char *text, size_t len,
                           struct misp_sync_index_item **out, size_t *n, struct diag *d);

/* events/view's answer: the event (bare or wrapped), in a; json_parse's and
 * misp_event_decode's errors.  *out may be NULL on success (no event). */
int misp_sync_event_decode(struct arena *a, const char *text, size_t len, struct event **out,
                           struct diag *d);

/* A JSON list of event uuids (the answers of syncRevoked and
 * filterEventIdsForPush): the items that are uuids, canonical, in order;
 * others are skipped.  ERR_INVAL when the answer is not a JSON list. */
int misp_sync_uuids_decode(struct arena *a, const char *text, size_t len,
                           char (**out)[UUID_STR_LEN + 1], size_t *n, struct diag *d);

/* filterSightingUuidsForPush's answer: the strings of a JSON list as sent
 * (compared as they are, not canonicalised); other items are skipped.
 * ERR_INVAL when the answer is not a JSON list. */
int misp_sync_strings_decode(struct arena *a, const char *text, size_t len, struct str **out,
                             size_t *n, struct diag *d);

/* One sighting of sightings/restSearch's answer. */
struct misp_sync_sighting {
    struct sighting s;      /* by misp_sighting_decode */
    const char *event_uuid; /* as sent */
    const char *error;      /* NULL; or why the item was not read (s, event_uuid unset) */
};

/* sightings/restSearch's answer {"response": [...]}, each item bare or
 * {"Sighting": {...}} with an event_uuid: one out[i] per item, in a.
 * ERR_INVAL when the answer is not that shape. */
int misp_sync_sightings_decode(struct arena *a, const char *text, size_t len,
                               struct misp_sync_sighting **out, size_t *n, struct diag *d);

/* syncRemove's answer {"removed": N}; ERR_INVAL when it is not that. */
int misp_sync_removed_decode(struct arena *a, const char *text, size_t len, int64_t *removed,
                             struct diag *d);

#endif
