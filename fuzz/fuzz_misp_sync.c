/*
 * fuzz_misp_sync.c - libFuzzer target for the sync client's decoders
 * (src/codec/misp_sync.c): a link's rules and a peer's answers (events/index,
 * events/view, uuid and string lists, sightings/restSearch, syncRemove).
 *
 * Input: any bytes, given to each decoder as the answer's bytes (and, NUL
 * cut, as rules text).  Besides "no crash, no leak, no sanitizer report", it
 * checks and aborts when one fails:
 * - a valid index item has a canonical uuid and a positive timestamp; no
 *   decoder returns more items than the input has bytes;
 * - decoded uuids are canonical (36 characters, lower case);
 * - a sighting item has either an error or an event_uuid;
 * - on failure the error is ERR_INVAL (or json_parse's ERR_TOOBIG for an
 *   event) with a message;
 * - the rules read back encode into an events/index body that is JSON;
 * - the decoders' memory is linear in the input.
 *
 * Built by `make fuzz` with -fsanitize=fuzzer, and by `make test-fuzz-replay`
 * with fuzz/replay.c as a plain program over fuzz/corpus/fuzz_misp_sync/.
 */
#include "codec/json.h"
#include "codec/misp_sync.h"
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

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_misp_sync: %s\n", what);
        abort();
    }
}

static void check_uuid(const char *u)
{
    check(strlen(u) == UUID_STR_LEN, "a uuid of the wrong length");
    for (const char *p = u; *p; p++)
        check(!(*p >= 'A' && *p <= 'Z'), "a uuid not in lower case");
}

static void check_failure(int rc, const struct diag *d)
{
    check(rc == ERR_INVAL && d->msg[0], "an error without ERR_INVAL or a message");
}

static void rules(struct arena *a, const char *text, size_t size)
{
    char *cut = arena_strndup(a, text, size);
    struct misp_sync_rules ru;
    misp_sync_rules_decode(a, cut, &ru);
    struct buf b;
    buf_init(&b, LIMIT_BODY_MAX);
    misp_sync_index_query_encode(&b, &ru);
    struct json_value *v;
    struct diag d;
    check(b.err != 0 || json_parse(a, b.ptr, b.len, 4, &v, &d) == 0,
          "an events/index body that is not JSON");
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    const char *text = (const char *)data;
    struct diag d;
    rules(a, text, size);
    size_t before = arena_size(a);

    struct misp_sync_index_item *items;
    size_t n;
    diag_clear(&d);
    int rc = misp_sync_index_decode(a, text, size, &items, &n, &d);
    if (rc == 0) {
        check(n <= size, "more index items than bytes");
        for (size_t i = 0; i < n; i++)
            if (items[i].valid) {
                check_uuid(items[i].uuid);
                check(items[i].timestamp > 0, "a valid index item without a timestamp");
            }
    } else {
        check_failure(rc, &d);
    }

    struct event *e;
    diag_clear(&d);
    rc = misp_sync_event_decode(a, text, size, &e, &d);
    check(rc == 0 || ((rc == ERR_INVAL || rc == ERR_TOOBIG) && d.msg[0]),
          "an event error without a message");

    char(*uuids)[UUID_STR_LEN + 1];
    diag_clear(&d);
    rc = misp_sync_uuids_decode(a, text, size, &uuids, &n, &d);
    if (rc == 0)
        for (size_t i = 0; i < n; i++)
            check_uuid(uuids[i]);
    else
        check_failure(rc, &d);

    struct str *strs;
    diag_clear(&d);
    rc = misp_sync_strings_decode(a, text, size, &strs, &n, &d);
    if (rc == 0)
        for (size_t i = 0; i < n; i++)
            check(memchr(strs[i].ptr, '\0', strs[i].len) == NULL, "a string holding NUL");
    else
        check_failure(rc, &d);

    struct misp_sync_sighting *sv;
    diag_clear(&d);
    rc = misp_sync_sightings_decode(a, text, size, &sv, &n, &d);
    if (rc == 0)
        for (size_t i = 0; i < n; i++)
            check((sv[i].error == NULL) != (sv[i].event_uuid == NULL),
                  "a sighting with neither or both of an error and an event");
    else
        check_failure(rc, &d);

    int64_t removed;
    diag_clear(&d);
    rc = misp_sync_removed_decode(a, text, size, &removed, &d);
    if (rc != 0)
        check_failure(rc, &d);

    /* a few blocks of slack, then bytes proportional to the input */
    check(arena_size(a) - before <= 4u * 1024 * 1024 + 512 * size,
          "decoder memory not linear in the input");
    arena_free(a);
    return 0;
}
