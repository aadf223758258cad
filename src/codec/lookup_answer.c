/*
 * lookup_answer.c - the look-up answer as JSON and as tab-separated lines.
 * See lookup_answer.h.
 */
#include "codec/lookup_answer.h"

#include <string.h>

#include "util/banned.h"

void lookup_answer_begin(struct json_writer *w)
{
    json_write_object_begin(w);
    json_write_key(w, "results");
    json_write_array_begin(w);
}

static void write_tag_names(struct json_writer *w, const struct tag_ref *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_write_cstr(w, t[i].tag.name);
}

static void result_head(struct json_writer *w, struct str value, size_t line)
{
    json_write_object_begin(w);
    json_write_key(w, "value");
    json_write_str(w, value.ptr, value.len);
    json_write_kv_i64(w, "line", (int64_t)line);
    json_write_key(w, "matches");
}

void lookup_answer_result(struct json_writer *w, struct str value, size_t line,
                          const struct lookup_match *m, size_t n_m)
{
    result_head(w, value, line);
    json_write_array_begin(w);
    for (size_t i = 0; i < n_m; i++) {
        const struct attribute *at = m[i].attr;
        const struct event *e = m[i].event;
        json_write_object_begin(w);
        json_write_kv_str(w, "kind", m[i].kind);
        json_write_kv_str(w, "indexed", m[i].indexed);
        json_write_kv_i64_str(w, "attribute_id", at->id);
        json_write_kv_str(w, "attribute_uuid", at->uuid);
        json_write_kv_str(w, "type", at->type);
        json_write_kv_str(w, "category", at->category);
        json_write_kv_str(w, "value", at->value);
        json_write_kv_bool(w, "to_ids", at->to_ids);
        json_write_kv_i64_str(w, "event_id", e->id);
        json_write_kv_str(w, "event_uuid", e->uuid);
        json_write_kv_str(w, "event_info", e->info);
        json_write_kv_str(w, "org", e->orgc && e->orgc->name ? e->orgc->name : "");
        json_write_key(w, "tags");
        json_write_array_begin(w);
        write_tag_names(w, at->tags, at->n_tags);
        write_tag_names(w, e->tags, e->n_tags);
        json_write_array_end(w);
        json_write_object_end(w);
    }
    json_write_array_end(w);
    json_write_object_end(w);
}

void lookup_answer_result_json(struct json_writer *w, struct str value, size_t line,
                               const struct json_value *matches)
{
    result_head(w, value, line);
    if (matches != NULL)
        json_write_value(w, matches);
    else
        json_write_raw(w, "[]", 2);
    json_write_object_end(w);
}

void lookup_answer_end(struct json_writer *w, const struct lookup_stats *st,
                       const struct lookup_invalid *bad, size_t n_bad, const char *error)
{
    json_write_array_end(w);
    json_write_key(w, "stats");
    json_write_object_begin(w);
    json_write_kv_i64(w, "values", (int64_t)st->values);
    json_write_kv_i64(w, "matched", (int64_t)st->matched);
    json_write_kv_i64(w, "matches", (int64_t)st->matches);
    json_write_kv_i64(w, "invalid", (int64_t)st->invalid);
    json_write_object_end(w);
    if (bad != NULL) {
        json_write_key(w, "invalid");
        json_write_array_begin(w);
        for (size_t i = 0; i < n_bad; i++) {
            json_write_object_begin(w);
            json_write_kv_i64(w, "line", (int64_t)bad[i].line);
            json_write_kv_str(w, "value", bad[i].value);
            json_write_object_end(w);
        }
        json_write_array_end(w);
    }
    if (error != NULL)
        json_write_kv_str(w, "error", error);
    json_write_object_end(w);
    buf_putc(w->out, '\n');
}

static void put_field(struct buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_putc(b, s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ? ' ' : s[i]);
}

static void put_cfield(struct buf *b, const char *s)
{
    put_field(b, s ? s : "", s ? strlen(s) : 0);
}

void lookup_answer_tsv(struct buf *b, struct str value, size_t line, const struct lookup_match *m,
                       size_t n_m)
{
    for (size_t i = 0; i < n_m; i++) {
        const struct attribute *at = m[i].attr;
        const struct event *e = m[i].event;
        buf_printf(b, "%zu\t", line);
        put_field(b, value.ptr, value.len);
        buf_putc(b, '\t');
        put_cfield(b, m[i].kind);
        buf_putc(b, '\t');
        put_cfield(b, m[i].indexed);
        buf_putc(b, '\t');
        put_cfield(b, at->type);
        buf_putc(b, '\t');
        put_cfield(b, e->uuid);
        buf_putc(b, '\t');
        put_cfield(b, e->info);
        buf_putc(b, '\t');
        for (size_t t = 0; t < at->n_tags + e->n_tags; t++) {
            const struct tag_ref *tr = t < at->n_tags ? &at->tags[t] : &e->tags[t - at->n_tags];
            if (t)
                buf_putc(b, ',');
            put_cfield(b, tr->tag.name);
        }
        buf_putc(b, '\n');
    }
}

void lookup_answer_tsv_end(struct buf *b, const struct lookup_stats *st,
                           const struct lookup_invalid *bad, size_t n_bad, const char *error)
{
    buf_printf(b, "# stats values=%zu matched=%zu matches=%zu invalid=%zu\n", st->values,
               st->matched, st->matches, st->invalid);
    for (size_t i = 0; i < n_bad; i++)
        buf_printf(b, "# invalid line=%zu value=%s\n", bad[i].line, bad[i].value);
    if (error != NULL)
        buf_printf(b, "# error %s\n", error);
}
