/*
 * correlation.h - which other events hold the same values, computed from the
 * index at read time and filtered by acl for the reader (no correlation table).
 */
#ifndef LIAISON_CORRELATION_H
#define LIAISON_CORRELATION_H

#include "core/indexer.h"
#include "core/model.h"
#include "core/query.h"

#include <stdbool.h>
#include <stddef.h>

struct store_conn;
struct arena;

/*
 * Fills e->related (MISP's RelatedEvent: every other event the reader may see
 * that holds one of e's values) and, when granular, each attribute's related
 * list (RelatedAttribute).  Attributes or events with disable_correlation,
 * non-correlating types and deleted attributes take no part.  A value held by
 * more than max_events events sets the attribute's over_correlation instead of
 * being listed (MISP's correlation threshold).  Reads through c; everything in a.
 */
int correlate_event(struct indexer *x, struct store_conn *c, struct arena *a,
                    const struct acl_filter *acl, struct event *e, size_t max_events,
                    bool granular);

#endif
