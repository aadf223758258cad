/*
 * misp_search_params.h - MISP restSearch parameters (events and attributes
 * restSearch, events/index) decoded into a struct query (core/query.h).
 *
 * A pure function: no I/O, no clock (the caller passes "now" for relative
 * times), no globals.  This is where the fuzzer points for restSearch
 * (fuzz/fuzz_search_params.c).
 *
 * Filter values follow MISP (RestSearchComponent): a scalar, a list (OR, with
 * "!x" meaning NOT) or {"OR":[...],"AND":[...],"NOT":[...]}; nested lists are
 * flattened.  Relative times are Nd, Nh, Nm, Ns (also Nw); an invalid one
 * matches nothing (q.match_nothing), as in MISP.
 *
 * Bounds (util/limits.h), each an error naming the parameter:
 * - LIMIT_FILTER_VALUES values in all filters of the request together, and
 *   LIMIT_FILTER_BYTES bytes of them: ERR_TOOBIG;
 * - LIMIT_FILTER_VALUE_LEN bytes for one value or pattern: ERR_INVAL;
 * - a string holding \u0000 anywhere (a C string would be cut there): ERR_INVAL;
 * - LIMIT_CSV_COLUMNS names in requested_attributes, each at most
 *   LIMIT_CSV_COLUMN_NAME bytes: ERR_INVAL.
 * Memory is linear in the request: lists grow by doubling (arena_grow).
 */
#ifndef LIAISON_MISP_SEARCH_PARAMS_H
#define LIAISON_MISP_SEARCH_PARAMS_H

#include "codec/json.h"
#include "core/query.h"
#include "util/arena.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum search_format {
    SEARCH_FORMAT_JSON,
    SEARCH_FORMAT_CSV,
    SEARCH_FORMAT_TEXT,
};

struct search_params {
    struct query q; /* the filters; q.acl is left zeroed for the caller to set */
    enum search_format format;
    bool include_event_tags;
    bool headerless;
    bool include_context;
    bool minimal;
    /* CSV only (else NULL, 0): the columns in order, requested_attributes or
     * MISP's defaults, then the event context columns with includeContext;
     * duplicates dropped.  Unknown names are kept (MISP writes "" for them). */
    const char **columns;
    size_t n_columns;
};

/*
 * Decodes body (borrowed; NULL means no parameters) into *out.  A body
 * {"request": {...}} is unwrapped as MISP does.  Every string in *out is
 * allocated in a or points into body's tree (both must outlive *out).  now
 * is the current Unix time for relative times ("7d").  Returns 0, or
 * ERR_INVAL / ERR_TOOBIG with d naming the parameter ("value", "limit",
 * "requested_attributes", ...).
 */
int misp_search_params_decode(struct arena *a, const struct json_value *body, int64_t now,
                              struct search_params *out, struct diag *d);

#endif
