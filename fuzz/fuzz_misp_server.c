/*
 * fuzz_misp_server.c - libFuzzer target for the sync links' and sync
 * endpoints' decoders (misp_server_decode, misp_push_offers_decode,
 * misp_uuid_list_decode in src/codec/misp_server.c).
 *
 * Input: any bytes, parsed as JSON and given to each decoder.  Besides "no
 * crash, no leak, no sanitizer report", it checks and aborts when one fails:
 * - a decoded link sets only LINK_SET_* bits, its push and pull rules are ""
 *   or a JSON object, a remote_org_id is positive;
 * - decoded uuids are canonical (36 characters, lower case);
 * - on failure the error is ERR_INVAL with a message;
 * - the decoders' memory is linear in the input.
 *
 * Built by `make fuzz` with -fsanitize=fuzzer, and by `make test-fuzz-replay`
 * with fuzz/replay.c as a plain program over fuzz/corpus/fuzz_misp_server/.
 */
#include "codec/json.h"
#include "codec/misp_server.h"
#include "util/arena.h"
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
        fprintf(stderr, "fuzz_misp_server: %s\n", what);
        abort();
    }
}

static void check_rules(struct arena *a, const char *rules)
{
    if (rules == NULL || rules[0] == '\0')
        return;
    struct json_value *v;
    struct diag d;
    check(json_parse(a, rules, strlen(rules), LIMIT_JSON_DEPTH, &v, &d) == 0 &&
              v->type == JSON_OBJECT,
          "rules that are not a JSON object");
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    struct json_value *root;
    struct diag d;
    if (json_parse(a, (const char *)data, size, LIMIT_JSON_DEPTH, &root, &d) == 0) {
        size_t before = arena_size(a);
        struct link_change in;
        diag_clear(&d);
        int rc = misp_server_decode(a, root, &in, &d);
        if (rc == 0) {
            check((in.set & ~((LINK_SET_PULL_INTERVAL << 1) - 1)) == 0, "an unknown set bit");
            check_rules(a, in.sv.push_rules);
            check_rules(a, in.sv.pull_rules);
            check(in.remote_org_id >= 0, "a negative remote_org_id");
        } else {
            check_failure(rc, &d);
        }
        char(*uuids)[UUID_STR_LEN + 1];
        int64_t *stamps;
        size_t n;
        diag_clear(&d);
        rc = misp_push_offers_decode(a, root, &uuids, &stamps, &n, &d);
        if (rc == 0)
            for (size_t i = 0; i < n; i++)
                check_uuid(uuids[i]);
        else
            check_failure(rc, &d);
        diag_clear(&d);
        rc = misp_uuid_list_decode(a, root, &uuids, &n, &d);
        if (rc == 0)
            for (size_t i = 0; i < n; i++)
                check_uuid(uuids[i]);
        else
            check_failure(rc, &d);
        /* a few blocks of slack, then bytes proportional to the input */
        check(arena_size(a) - before <= 4u * 1024 * 1024 + 64 * size,
              "decoder memory not linear in the input");
    }
    arena_free(a);
    return 0;
}
