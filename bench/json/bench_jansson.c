/* bench_jansson.c - jansson for bench.c. */
#include "bench.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void *jansson_parse(const char *text, size_t len)
{
    json_error_t err;
    return json_loadb(text, len, 0, &err);
}

static size_t jansson_write(void *doc)
{
    char *s = json_dumps(doc, JSON_COMPACT);
    if (s == NULL)
        return 0;
    size_t n = strlen(s);
    free(s);
    return n;
}

static void jansson_release(void *doc)
{
    json_decref(doc);
}

const struct bench_parser bench_jansson = {"jansson", jansson_parse, jansson_write,
                                           jansson_release};
