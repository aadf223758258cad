/*
 * fuzz_misp_event.c - libFuzzer target for the MISP event codec.
 *
 * Input: any bytes.  They are parsed as JSON, decoded as a MISP event and
 * encoded back.  Besides "no crash, no leak, no sanitizer report", it checks
 * two properties and aborts when one fails:
 * - the encoder's output is valid JSON (json_parse accepts it);
 * - when the event carries no "not given" value the decoder would refuse
 *   on the way back (distribution -1, analysis -1, threat_level_id 0), the
 *   output decodes again and re-encodes to the same bytes.
 *
 * Built by `make fuzz` with -fsanitize=fuzzer, and by `make test-fuzz-replay`
 * with fuzz/replay.c as a plain program over fuzz/corpus/fuzz_misp_event/.
 */
#include "codec/json.h"
#include "codec/misp_json.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/limits.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_OUT_MAX (256u * 1024 * 1024)

static bool event_complete(const struct event *e)
{
    if (e->distribution < 0 || e->analysis < 0 || e->threat_level_id < 1)
        return false;
    for (size_t i = 0; i < e->n_attrs; i++)
        if (e->attrs[i].distribution < 0)
            return false;
    for (size_t i = 0; i < e->n_objects; i++) {
        if (e->objects[i].distribution < 0)
            return false;
        for (size_t j = 0; j < e->objects[i].n_attrs; j++)
            if (e->objects[i].attrs[j].distribution < 0)
                return false;
    }
    return true;
}

static void encode(const struct event *e, struct buf *out, bool pretty)
{
    struct json_writer w;
    json_writer_init(&w, out, pretty);
    misp_event_encode(&w, e);
    if (out->err != 0) {
        fprintf(stderr, "fuzz_misp_event: encoder failed: %d\n", out->err);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    struct json_value *root;
    struct event *e;
    struct diag d;
    struct buf out, again;
    buf_init(&out, FUZZ_OUT_MAX);
    buf_init(&again, FUZZ_OUT_MAX);

    if (json_parse(a, (const char *)data, size, LIMIT_JSON_DEPTH, &root, &d) != 0)
        goto out;
    if (misp_event_decode(a, root, &e, &d) != 0)
        goto out;
    /* Pretty on odd sizes so both writer modes are exercised. */
    encode(e, &out, size % 2 == 1);

    struct json_value *root2;
    struct event *e2;
    if (json_parse(a, out.ptr, out.len, LIMIT_JSON_DEPTH, &root2, &d) != 0) {
        fprintf(stderr, "fuzz_misp_event: output is not JSON: %s\n%s\n", d.msg, buf_cstr(&out));
        abort();
    }
    if (!event_complete(e))
        goto out;
    if (misp_event_decode(a, root2, &e2, &d) != 0) {
        fprintf(stderr, "fuzz_misp_event: output does not decode: %s: %s\n%s\n", d.field, d.msg,
                buf_cstr(&out));
        abort();
    }
    encode(e2, &again, size % 2 == 1);
    if (again.len != out.len || memcmp(again.ptr, out.ptr, out.len) != 0) {
        fprintf(stderr, "fuzz_misp_event: not stable:\n%s\n---\n%s\n", buf_cstr(&out),
                buf_cstr(&again));
        abort();
    }

out:
    buf_free(&again);
    buf_free(&out);
    arena_free(a);
    return 0;
}
