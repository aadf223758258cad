/*
 * misp_csv.c - attributes as MISP's CSV.  See misp_csv.h.
 */
#include "codec/misp_csv.h"

#include <string.h>

#include "util/banned.h"

static void quoted(struct buf *b, const char *s)
{
    buf_putc(b, '"');
    for (; s && *s; s++) {
        if (*s == '"')
            buf_putc(b, '"');
        buf_putc(b, *s);
    }
    buf_putc(b, '"');
}

static void quoted_i64(struct buf *b, int64_t v)
{
    buf_printf(b, "\"%lld\"", (long long)v);
}

static void quoted_tags(struct buf *b, const struct tag_ref *tags, size_t n)
{
    buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(b, ',');
        for (const char *s = tags[i].tag.name; s && *s; s++) {
            if (*s == '"')
                buf_putc(b, '"');
            buf_putc(b, *s);
        }
    }
    buf_putc(b, '"');
}

static bool is_event_column(const char *col)
{
    return strncmp(col, "event_", 6) == 0 && strcmp(col, "event_id") != 0;
}

bool misp_csv_needs_event(const char *const *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (is_event_column(cols[i]))
            return true;
    return false;
}

void misp_csv_header(struct buf *b, const char *const *cols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(b, ',');
        buf_puts(b, cols[i]);
    }
    buf_putc(b, '\n');
}

/* An event_ column of e; false if col names none. */
static bool event_field(struct buf *b, const char *col, const struct event *e)
{
    if (strcmp(col, "event_info") == 0)
        quoted(b, e->info);
    else if (strcmp(col, "event_member_org") == 0)
        quoted(b, e->org ? e->org->name : "");
    else if (strcmp(col, "event_source_org") == 0)
        quoted(b, e->orgc ? e->orgc->name : "");
    else if (strcmp(col, "event_distribution") == 0)
        quoted_i64(b, e->distribution);
    else if (strcmp(col, "event_threat_level_id") == 0)
        quoted_i64(b, e->threat_level_id);
    else if (strcmp(col, "event_analysis") == 0)
        quoted_i64(b, e->analysis);
    else if (strcmp(col, "event_date") == 0)
        quoted(b, e->date);
    else if (strcmp(col, "event_tag") == 0)
        quoted_tags(b, e->tags, e->n_tags);
    else if (strcmp(col, "event_timestamp") == 0)
        quoted_i64(b, e->timestamp);
    else if (strcmp(col, "event_uuid") == 0)
        quoted(b, e->uuid);
    else
        return false;
    return true;
}

static void field(struct buf *b, const char *col, const struct attribute *at,
                  const struct event *e)
{
    if (strcmp(col, "uuid") == 0)
        quoted(b, at->uuid);
    else if (strcmp(col, "id") == 0)
        quoted_i64(b, at->id);
    else if (strcmp(col, "event_id") == 0)
        quoted_i64(b, at->event_id);
    else if (strcmp(col, "category") == 0)
        quoted(b, at->category);
    else if (strcmp(col, "type") == 0)
        quoted(b, at->type);
    else if (strcmp(col, "value") == 0)
        quoted(b, at->value);
    else if (strcmp(col, "comment") == 0)
        quoted(b, at->comment);
    else if (strcmp(col, "to_ids") == 0)
        quoted(b, at->to_ids ? "1" : "0");
    else if (strcmp(col, "timestamp") == 0)
        quoted_i64(b, at->timestamp);
    else if (strcmp(col, "object_relation") == 0)
        quoted(b, at->object_relation);
    else if (strcmp(col, "attribute_tag") == 0)
        quoted_tags(b, at->tags, at->n_tags);
    else if (strcmp(col, "distribution") == 0)
        quoted_i64(b, at->distribution);
    else if (strcmp(col, "deleted") == 0)
        quoted(b, at->deleted ? "1" : "0");
    else if (strcmp(col, "first_seen") == 0)
        quoted(b, at->first_seen);
    else if (strcmp(col, "last_seen") == 0)
        quoted(b, at->last_seen);
    else if (!is_event_column(col) || e == NULL || !event_field(b, col, e))
        quoted(b, "");
}

void misp_csv_row(struct buf *b, const char *const *cols, size_t n, const struct attribute *at,
                  const struct event *e)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(b, ',');
        field(b, cols[i], at, e);
    }
    buf_putc(b, '\n');
}
