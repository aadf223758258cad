/*
 * misp_envelope.c - MISP's error and "saved" envelopes.  See misp_envelope.h.
 */
#include "codec/misp_envelope.h"

#include "util/banned.h"

void misp_envelope_error(struct json_writer *w, int status, const char *message, const char *url,
                         const struct diag *d)
{
    json_write_object_begin(w);
    if (status == 403 || status == 409 || status == 422 || status == 400) {
        json_write_kv_bool(w, "saved", false);
        json_write_kv_bool(w, "success", false);
    }
    json_write_kv_str(w, "name", message);
    json_write_kv_str(w, "message", message);
    json_write_kv_str(w, "url", url);
    json_write_key(w, "errors");
    if (d && (d->field[0] || d->msg[0])) {
        json_write_object_begin(w);
        json_write_key(w, d->field[0] ? d->field : "request");
        json_write_array_begin(w);
        json_write_cstr(w, d->msg);
        json_write_array_end(w);
        if (d->line) {
            json_write_kv_i64(w, "line", d->line);
            json_write_kv_i64(w, "column", d->col);
        }
        json_write_object_end(w);
    } else {
        json_write_cstr(w, message);
    }
    json_write_object_end(w);
}

void misp_envelope_saved(struct json_writer *w, const char *message, const char *url, int64_t id)
{
    json_write_object_begin(w);
    json_write_kv_bool(w, "saved", true);
    json_write_kv_bool(w, "success", true);
    json_write_kv_str(w, "name", message);
    json_write_kv_str(w, "message", message);
    json_write_kv_str(w, "url", url);
    if (id)
        json_write_kv_i64_str(w, "id", id);
    json_write_object_end(w);
}
