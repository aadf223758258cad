/*
 * fuzz_types.c - libFuzzer target for attribute value validation.
 *
 * Input: first byte picks the type (modulo the table), the rest is the value.
 * Property: an accepted value is canonical, so canonicalising it again must
 * succeed and give the same bytes.
 */
#include "core/types.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct attr_type *t = types_at(data[0] % types_count());
    struct str value = {(const char *)data + 1, size - 1};
    struct arena *a = arena_new();
    char *canon = NULL;
    struct diag d;
    if (types_canonicalise(t, value, a, &canon, &d) == 0) {
        char *again = NULL;
        if (types_canonicalise(t, str_from_cstr(canon), a, &again, &d) != 0 ||
            strcmp(canon, again) != 0)
            abort();
    }
    arena_free(a);
    return 0;
}
