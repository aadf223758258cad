/*
 * misp_csv.h - attributes as CSV, the way MISP's restSearch writes
 * returnFormat "csv" (events and attributes restSearch).
 *
 * A pure encoder: no I/O, no globals; rows are appended to a struct buf.
 * Every value is quoted, a quote inside doubled; fields are separated by ','
 * and rows end with "\n".  The header line names the columns unquoted.  A
 * column is an attribute field (uuid, id, event_id, category, type, value,
 * comment, to_ids, timestamp, object_relation, attribute_tag, distribution,
 * deleted, first_seen, last_seen) or, with MISP's includeContext, one of its
 * event's (event_info, event_member_org, event_source_org,
 * event_distribution, event_threat_level_id, event_analysis, event_date,
 * event_tag, event_timestamp, event_uuid); an unknown name is written "".
 * Tags are their names joined by ','.
 */
#ifndef LIAISON_MISP_CSV_H
#define LIAISON_MISP_CSV_H

#include "core/model.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* The header line: cols[0..n) joined by ',', then "\n". */
void misp_csv_header(struct buf *b, const char *const *cols, size_t n);

/* Does one of cols[0..n) need the attribute's event (an event_ column
 * other than event_id)? */
bool misp_csv_needs_event(const char *const *cols, size_t n);

/* One row: the value of each column for at; the event_ columns read e (its
 * event, with tags and organisations), "" when e is NULL. */
void misp_csv_row(struct buf *b, const char *const *cols, size_t n, const struct attribute *at,
                  const struct event *e);

#endif
