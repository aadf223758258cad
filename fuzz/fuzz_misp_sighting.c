/*
 * fuzz_misp_sighting.c - libFuzzer target for the sighting codec
 * (misp_sighting_decode / misp_sighting_encode in src/codec/misp_json.c).
 *
 * Input: any bytes, parsed as JSON: a list of sightings as a peer pushes them
 * to bulkSaveSightings, a {"Sighting": [...]} wrapper, or one sighting.  Each
 * item is decoded and encoded back with every optional member.  Besides "no
 * crash, no leak, no sanitizer report", it checks and aborts when one fails:
 * - the encoder's output is valid JSON;
 * - when the sighting carries no "not given" value the decoder would refuse
 *   on the way back (type -1, org_id -1), the output decodes again and
 *   re-encodes to the same bytes.
 *
 * Built by `make fuzz` with -fsanitize=fuzzer, and by `make test-fuzz-replay`
 * with fuzz/replay.c as a plain program over fuzz/corpus/fuzz_misp_sighting/.
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

#define FUZZ_OUT_MAX (64u * 1024 * 1024)
#define ALL_MEMBERS                                                                                \
    (MISP_SIGHTING_VALUE | MISP_SIGHTING_ATTRIBUTE_UUID | MISP_SIGHTING_EVENT_UUID |             \
     MISP_SIGHTING_ORG)

static void encode(const struct sighting *s, struct buf *out)
{
    struct json_writer w;
    json_writer_init(&w, out, false);
    misp_sighting_encode(&w, s, ALL_MEMBERS);
    if (out->err != 0) {
        fprintf(stderr, "fuzz_misp_sighting: encoder failed: %d\n", out->err);
        abort();
    }
}

static void check_one(struct arena *a, const struct json_value *v)
{
    struct sighting s, s2;
    struct diag d;
    struct buf out, again;
    buf_init(&out, FUZZ_OUT_MAX);
    buf_init(&again, FUZZ_OUT_MAX);
    if (misp_sighting_decode(a, v, "0", &s, &d) != 0)
        goto out;
    encode(&s, &out);
    struct json_value *root;
    if (json_parse(a, out.ptr, out.len, LIMIT_JSON_DEPTH, &root, &d) != 0) {
        fprintf(stderr, "fuzz_misp_sighting: output is not JSON: %s\n%s\n", d.msg,
                buf_cstr(&out));
        abort();
    }
    if (s.type < 0 || s.org_id < 0)
        goto out;
    if (misp_sighting_decode(a, root, "0", &s2, &d) != 0) {
        fprintf(stderr, "fuzz_misp_sighting: output does not decode: %s: %s\n%s\n", d.field,
                d.msg, buf_cstr(&out));
        abort();
    }
    encode(&s2, &again);
    if (again.len != out.len || memcmp(again.ptr, out.ptr, out.len) != 0) {
        fprintf(stderr, "fuzz_misp_sighting: not stable:\n%s\n---\n%s\n", buf_cstr(&out),
                buf_cstr(&again));
        abort();
    }
out:
    buf_free(&again);
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    struct json_value *root;
    struct diag d;
    if (json_parse(a, (const char *)data, size, LIMIT_JSON_DEPTH, &root, &d) == 0) {
        const struct json_value *list = json_get(root, "Sighting");
        if (!json_is(list, JSON_ARRAY))
            list = root;
        if (json_is(list, JSON_ARRAY))
            for (size_t i = 0; i < list->len; i++)
                check_one(a, &list->u.items[i]);
        else
            check_one(a, list);
    }
    arena_free(a);
    return 0;
}
