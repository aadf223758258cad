/*
 * sync_report.h - what one sync run did (filled by core/sync.c) and its JSON:
 * the report's members in `liaison sync --json` and the answer of
 * GET /servers/pull|push/{id}.  Pure encoders: no I/O, no globals.
 */
#ifndef LIAISON_SYNC_REPORT_H
#define LIAISON_SYNC_REPORT_H

#include "codec/json.h"

#include <stdbool.h>
#include <stdint.h>

struct sync_report {
    int64_t listed; /* events the peer offered (pull) or we had to offer (push) */
    int64_t wanted; /* of which the other side lacked a copy as new */
    int64_t created, updated;
    int64_t unchanged; /* not newer, created locally, or deleted on the receiving side */
    int64_t failed;
    int64_t attributes; /* in the events created or updated */
    int64_t removed;    /* synced copies the peer no longer shares (Liaison peers) */
    int64_t sightings;  /* sightings saved (or, from a Liaison peer, removed) */
    bool not_modified;  /* pull: the peer's index had not changed since the checkpoint */
    bool liaison_peer;  /* the peer speaks the Liaison extensions */
    double seconds;
    char error[512]; /* the first error ("" if none); more in the log */
};

/* Writes the report as members of the JSON object being written: listed,
 * wanted, created, updated, unchanged, failed, attributes, removed,
 * sightings, not_modified, liaison_peer, seconds, error. */
void sync_report_encode(struct json_writer *w, const struct sync_report *r);

/* `liaison sync --json`: {"success": ok, and the report's members}. */
void sync_result_encode(struct json_writer *w, bool ok, const struct sync_report *r);

/* The answer of servers/pull|push for link id: {"success", "message" ("Pull
 * completed: N events pulled or updated, M failed." or "Pull failed: ERROR"),
 * "id", and the report's members}; ok: the run completed. */
void sync_run_encode(struct json_writer *w, bool push, bool ok, int64_t id,
                     const struct sync_report *r);

#endif
