/*
 * lookup_answer.h - the look-up answer (POST /lookup, `liaison lookup`): JSON
 * and tab-separated lines.  Pure: no I/O, no clock, no globals.
 *
 * The JSON document, written piece by piece so that it can stream:
 *
 *   {"results": [ {value, line, matches: [...]}, ... ],
 *    "stats": {"values", "matched", "matches", "invalid"},
 *    "invalid": [{"line", "value"}, ...],        (POST /lookup only)
 *    "error": "..."}                             (when the stream stopped early)
 *
 * followed by a newline.  The tab-separated form has one line per match and
 * "# stats", "# invalid" and "# error" lines at the end.
 */
#ifndef LIAISON_LOOKUP_ANSWER_H
#define LIAISON_LOOKUP_ANSWER_H

#include "codec/json.h"
#include "core/model.h"
#include "util/buf.h"
#include "util/str.h"

#include <stdbool.h>
#include <stddef.h>

/* One attribute that matched a value. */
struct lookup_match {
    const char *kind;             /* "exact", "network" or "subdomain" */
    const char *indexed;          /* the stored value (or network) that matched */
    const struct attribute *attr; /* with its tags */
    const struct event *event;    /* uuid, info, orgc, tags; no children */
};

/* The counts of an answer. */
struct lookup_stats {
    size_t values;  /* values looked up */
    size_t matched; /* values with at least one match */
    size_t matches; /* matches in all */
    size_t invalid; /* input items that held no observable */
};

/* An input item that held no observable, as reported (printable ASCII). */
struct lookup_invalid {
    size_t line;
    const char *value;
};

/* {"results": [ */
void lookup_answer_begin(struct json_writer *w);

/*
 * One value's result:
 *   {"value", "line", "matches": [{"kind", "indexed", "attribute_id",
 *    "attribute_uuid", "type", "category", "value", "to_ids", "event_id",
 *    "event_uuid", "event_info", "org", "tags": [names]}]}
 * the tags being the attribute's, then the event's.
 */
void lookup_answer_result(struct json_writer *w, struct str value, size_t line,
                          const struct lookup_match *m, size_t n_m);

/* One value's result whose matches are already JSON (a server's answer,
 * passed on with another line number); matches NULL writes []. */
void lookup_answer_result_json(struct json_writer *w, struct str value, size_t line,
                               const struct json_value *matches);

/*
 * ], "stats": {...}, then "invalid": [bad[0..n_bad)] unless bad is NULL,
 * "error" when error is not NULL, }, and a newline.
 */
void lookup_answer_end(struct json_writer *w, const struct lookup_stats *st,
                       const struct lookup_invalid *bad, size_t n_bad, const char *error);

/*
 * One value's matches as tab-separated lines, one per match:
 *   LINE VALUE KIND INDEXED TYPE EVENT_UUID EVENT_INFO TAGS(comma-separated)
 * (tabs and newlines inside fields become spaces).
 */
void lookup_answer_tsv(struct buf *b, struct str value, size_t line, const struct lookup_match *m,
                       size_t n_m);

/* "# stats values=N matched=N matches=N invalid=N", a "# invalid line=N
 * value=V" line for each of bad[0..n_bad), and "# error E" when error is
 * not NULL. */
void lookup_answer_tsv_end(struct buf *b, const struct lookup_stats *st,
                           const struct lookup_invalid *bad, size_t n_bad, const char *error);

#endif
