/* bench_liaison.c - codec/json.c for bench.c. */
#include "bench.h"

#include "codec/json.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/limits.h"

#include <stdlib.h>

#include "util/banned.h"

struct doc {
    struct arena *arena;
    struct json_value *root;
};

static void *liaison_parse(const char *text, size_t len)
{
    struct doc *d = malloc(sizeof(*d));
    d->arena = arena_new();
    if (json_parse(d->arena, text, len, LIMIT_JSON_DEPTH, &d->root, NULL) != 0) {
        arena_free(d->arena);
        free(d);
        return NULL;
    }
    return d;
}

static size_t liaison_write(void *doc)
{
    struct doc *d = doc;
    struct buf b;
    struct json_writer w;
    buf_init(&b, LIMIT_RESPONSE_MAX);
    json_writer_init(&w, &b, false);
    json_write_value(&w, d->root);
    size_t n = b.err ? 0 : b.len;
    buf_free(&b);
    return n;
}

static void liaison_release(void *doc)
{
    struct doc *d = doc;
    arena_free(d->arena);
    free(d);
}

const struct bench_parser bench_liaison = {"liaison", liaison_parse, liaison_write,
                                           liaison_release};
