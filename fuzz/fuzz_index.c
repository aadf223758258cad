/*
 * fuzz_index.c - libFuzzer target for index look-ups and updates on arbitrary
 * bytes.  Input: first byte picks a type; the rest, split at the first NUL,
 * is a value added then looked up (and looked up again as a query), then removed.
 * Property: no crash, and after removal the value has no exact hit for this id.
 */
#include "core/index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_removed(void *ctx, const struct index_hit *hit)
{
    if (hit->attribute_id == 42 && hit->kind == INDEX_EXACT)
        abort();
    (void)ctx;
    return 0;
}

static int count(void *ctx, const struct index_hit *hit)
{
    (void)hit;
    (*(size_t *)ctx)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"domain", "ip-dst", "ip-dst|port", "domain|ip",
                                        "url", "sha256", "filename|md5", "hostname"};
    if (size < 1 || size > 8192)
        return 0;
    const char *type = types[data[0] % 8];
    char *value = malloc(size);
    memcpy(value, data + 1, size - 1);
    value[size - 1] = '\0'; /* stops at the first NUL in the input */
    struct index *ix = index_new();
    index_add(ix, "ip-dst", "10.0.0.0/8", 1, 1);
    index_add(ix, "domain", "evil.example", 2, 1);
    index_add(ix, type, value, 42, 7);
    size_t n = 0;
    index_lookup(ix, (struct str){(const char *)data + 1, size - 1}, count, &n);
    index_lookup(ix, str_from_cstr(value), count, &n);
    index_remove(ix, type, value, 42);
    index_lookup(ix, str_from_cstr(value), check_removed, NULL);
    index_free(ix);
    free(value);
    return 0;
}
