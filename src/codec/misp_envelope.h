/*
 * misp_envelope.h - MISP's answer envelopes: the error body every failed
 * request gets and the "saved" body of a successful change (MISP's
 * AppController / RestResponseComponent saveFailResponse and
 * saveSuccessResponse).  Pure: writes into a json_writer.
 */
#ifndef LIAISON_MISP_ENVELOPE_H
#define LIAISON_MISP_ENVELOPE_H

#include "codec/json.h"
#include "util/err.h"

#include <stdint.h>

/*
 * {"saved": false, "success": false (for 400, 403, 409 and 422 only),
 *  "name": message, "message": message, "url": url,
 *  "errors": {field: [msg], "line": n, "column": n} or "errors": message}
 * The errors object names d's field ("request" when it has none) and, when
 * d has a position, its line and column.
 */
void misp_envelope_error(struct json_writer *w, int status, const char *message, const char *url,
                         const struct diag *d);
/* {"saved": true, "success": true, "name", "message", "url", "id": "<id>"
 * (id only when non-zero)}. */
void misp_envelope_saved(struct json_writer *w, const char *message, const char *url, int64_t id);

#endif
