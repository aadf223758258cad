/*
 * sync_report.c - a sync run's report as JSON.  See sync_report.h.
 */
#include "codec/sync_report.h"

#include <stdio.h>

#include "util/banned.h"

void sync_report_encode(struct json_writer *w, const struct sync_report *r)
{
    json_write_kv_i64(w, "listed", r->listed);
    json_write_kv_i64(w, "wanted", r->wanted);
    json_write_kv_i64(w, "created", r->created);
    json_write_kv_i64(w, "updated", r->updated);
    json_write_kv_i64(w, "unchanged", r->unchanged);
    json_write_kv_i64(w, "failed", r->failed);
    json_write_kv_i64(w, "attributes", r->attributes);
    json_write_kv_i64(w, "removed", r->removed);
    json_write_kv_i64(w, "sightings", r->sightings);
    json_write_kv_bool(w, "not_modified", r->not_modified);
    json_write_kv_bool(w, "liaison_peer", r->liaison_peer);
    json_write_key(w, "seconds");
    json_write_double(w, r->seconds);
    json_write_kv_str(w, "error", r->error);
}

void sync_result_encode(struct json_writer *w, bool ok, const struct sync_report *r)
{
    json_write_object_begin(w);
    json_write_kv_bool(w, "success", ok);
    sync_report_encode(w, r);
    json_write_object_end(w);
}

void sync_run_encode(struct json_writer *w, bool push, bool ok, int64_t id,
                     const struct sync_report *r)
{
    char msg[700];
    long long moved = (long long)r->created + (long long)r->updated;
    if (ok)
        snprintf(msg, sizeof(msg), "%s completed: %lld events %s, %lld failed.",
                 push ? "Push" : "Pull", moved, push ? "pushed" : "pulled or updated",
                 (long long)r->failed);
    else
        snprintf(msg, sizeof(msg), "%s failed: %s", push ? "Push" : "Pull", r->error);
    json_write_object_begin(w);
    json_write_kv_bool(w, "success", ok);
    json_write_kv_str(w, "message", msg);
    json_write_kv_i64_str(w, "id", id);
    sync_report_encode(w, r);
    json_write_object_end(w);
}
