/*
 * fuzz_json.c - libFuzzer target for the JSON reader and writer.
 *
 * Parses the input; if it is accepted, writes the tree back (compact, and
 * pretty for every other input length) and checks that the output parses
 * again and writes back to the very same bytes: the writer must always emit
 * valid JSON, and a second trip must be a fixed point.  Also exercises the
 * json_as_* readers on every node.  Built with -fsanitize=fuzzer by
 * scripts/build-fuzz, and as a plain replayer of fuzz/corpus/fuzz_json/ by
 * `make test-fuzz-replay`.
 */
#include "codec/json.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/limits.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_json: %s\n", what);
        abort();
    }
}

/* Touches every node through the public readers (for the sanitizers). */
static void visit(const struct json_value *v)
{
    int64_t i;
    bool b;
    struct str s;
    (void)json_as_i64(v, &i);
    (void)json_as_bool(v, &b);
    if (json_as_str(v, &s)) {
        check(s.ptr[s.len] == '\0', "string not NUL-terminated");
        check(memchr(s.ptr, '\0', s.len) == NULL, "json_as_str gave a string holding NUL");
    }
    if (v->type == JSON_ARRAY) {
        for (size_t k = 0; k < v->len; k++)
            visit(&v->u.items[k]);
    } else if (v->type == JSON_OBJECT) {
        for (size_t k = 0; k < v->len; k++) {
            const struct json_member *m = &v->u.members[k];
            check(m->key.ptr[m->key.len] == '\0', "key not NUL-terminated");
            /* json_get finds a member of that name (the last one; keys with \0 stop early). */
            if (memchr(m->key.ptr, '\0', m->key.len) == NULL)
                check(json_get(v, m->key.ptr) != NULL, "json_get misses a member");
            visit(&m->value);
        }
    } else if (v->type == JSON_NUMBER) {
        check(v->u.str[v->len] == '\0', "number not NUL-terminated");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    struct json_value *v = NULL, *again = NULL;
    struct diag d;
    struct buf b1, b2;
    struct json_writer w;
    bool pretty = size % 2 == 1;

    buf_init(&b1, 64u << 20);
    buf_init(&b2, 64u << 20);
    diag_clear(&d);
    int rc = json_parse(a, (const char *)data, size, LIMIT_JSON_DEPTH, &v, &d);
    if (rc != 0) {
        check(rc == ERR_INVAL || rc == ERR_TOOBIG, "unexpected error code");
        check(v == NULL, "tree returned on error");
        check(d.line >= 1 && d.col >= 1 && d.msg[0] != '\0', "error without position");
        goto out;
    }
    visit(v);

    json_writer_init(&w, &b1, pretty);
    json_write_value(&w, v);
    check(b1.err == 0 && w.depth == 0, "writer failed");
    rc = json_parse(a, b1.ptr, b1.len, LIMIT_JSON_DEPTH, &again, &d);
    if (rc != 0)
        fprintf(stderr, "fuzz_json: reparse: %s at %u:%u\n", d.msg, d.line, d.col);
    check(rc == 0, "written JSON does not parse");

    json_writer_init(&w, &b2, pretty);
    json_write_value(&w, again);
    check(b2.err == 0, "second write failed");
    check(b1.len == b2.len && memcmp(b1.ptr, b2.ptr, b1.len) == 0, "second trip differs");

out:
    buf_free(&b1);
    buf_free(&b2);
    arena_free(a);
    return 0;
}
