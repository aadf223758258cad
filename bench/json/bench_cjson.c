/* bench_cjson.c - cJSON (Debian's libcjson) for bench.c. */
#include "bench.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static void *cjson_parse(const char *text, size_t len)
{
    return cJSON_ParseWithLength(text, len);
}

static size_t cjson_write(void *doc)
{
    char *s = cJSON_PrintUnformatted(doc);
    if (s == NULL)
        return 0;
    size_t n = strlen(s);
    cJSON_free(s);
    return n;
}

static void cjson_release(void *doc)
{
    cJSON_Delete(doc);
}

const struct bench_parser bench_cjson = {"cjson", cjson_parse, cjson_write, cjson_release};
