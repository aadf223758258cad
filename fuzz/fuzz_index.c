/*
 * fuzz_index.c - libFuzzer target for index updates and look-ups on arbitrary
 * bytes.  Input: the first byte picks a type and flags; the rest is split at
 * newlines into values, each added under its own id (a few re-added as edits,
 * some removed), then every line is looked up singly, exactly and in one batch,
 * and correlated.  With bit 6 of the first byte set, every line is also put
 * under a directory owner (an organisation's domain or network, index_put).
 * Properties: no crash; a batch reports what single look-ups report; an exact
 * look-up of a value added whole finds its attribute (and its other owner);
 * attribute look-ups never report another owner; after removal no hit names a
 * removed id; counts stay consistent.
 */
#include "core/index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 64

struct tally {
    size_t n;
    uint64_t sum; /* of attribute ids and kinds, order-sensitive */
    int64_t forbidden_below; /* ids >= 100 and < this were removed */
    int64_t want;            /* an id that must be reported */
    bool seen;
};

static void note(struct tally *t, const struct index_hit *hit)
{
    if (hit->owner != INDEX_OWNER_ATTRIBUTE)
        abort();
    if (hit->attribute_id >= 100 && hit->attribute_id < t->forbidden_below)
        abort();
    if (hit->attribute_id == t->want)
        t->seen = true;
    if (hit->postings == 0 || hit->event_id < 0)
        abort();
    t->n++;
    t->sum = t->sum * 31 + (uint64_t)hit->attribute_id * 4 + hit->kind;
}

static int single(void *ctx, const struct index_hit *hit)
{
    note(ctx, hit);
    return 0;
}

static int batched(void *ctx, size_t qi, const struct index_hit *hit)
{
    (void)qi;
    note(ctx, hit);
    return 0;
}

static int owned(void *ctx, const struct index_hit *hit)
{
    if (hit->owner != INDEX_OWNER_ORG_DOMAIN && hit->owner != INDEX_OWNER_ORG_NETWORK)
        abort();
    if (hit->owner_id == *(int64_t *)ctx && hit->group_id == -hit->owner_id)
        *(int64_t *)ctx = -1;
    return 0;
}

static int correlated(void *ctx, const struct index_hit *hit)
{
    if (hit->postings == 0 || (hit->attribute_id == 0 && hit->event_id != 0))
        abort();
    (*(size_t *)ctx)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"domain", "ip-dst", "ip-dst|port", "domain|ip",
                                        "url",    "sha256", "filename|md5", "hostname"};
    if (size < 1 || size > 8192)
        return 0;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    struct str lines[MAX_LINES];
    size_t n = 0;
    for (char *p = text; n < MAX_LINES;) {
        char *nl = strchr(p, '\n');
        lines[n++] = (struct str){p, nl ? (size_t)(nl - p) : strlen(p)};
        if (nl == NULL)
            break;
        *nl = '\0'; /* each line is also a C string (cut at a NUL inside) */
        p = nl + 1;
    }
    struct index *ix = index_new();
    index_add(ix, "ip-dst", "10.0.0.0/8", 1, 1, 0);
    index_add(ix, "domain", "evil.example", 2, 1, 0);
    index_add(ix, "ip-dst", "2001:db8::/32", 3, 2, 0);
    for (size_t i = 0; i < n; i++) {
        const char *type = types[(data[0] + i) % 8];
        unsigned flags = (data[0] >> 3) & (unsigned)INDEX_NO_CORRELATE;
        if (index_add(ix, type, lines[i].ptr, 100 + (int64_t)i, (int64_t)(i % 3), flags))
            abort();
    }
    if (index_attributes(ix) != n + 3)
        abort();
    bool owners = (data[0] & 0x40) != 0;
    for (size_t i = 0; i < n && owners; i++) {
        struct index_owner o = {i % 2 ? INDEX_OWNER_ORG_NETWORK : INDEX_OWNER_ORG_DOMAIN,
                                (int64_t)i + 1, -(int64_t)i - 1};
        if (index_put(ix, &o, i % 2 ? "ip-src" : "domain", lines[i].ptr, 0))
            abort();
    }
    if (index_owners(ix) != (owners ? n : 0))
        abort();
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(lines[i].ptr);
        struct tally t = {0, 0, 0, 100 + (int64_t)i, false};
        index_lookup_exact(ix, (struct str){lines[i].ptr, len}, single, &t);
        /* a trimmed, lower-case, non-network value is found as it is */
        bool plain = len > 0 && len <= INDEX_KEY_MAX && strchr(lines[i].ptr, '/') == NULL &&
                     strchr(lines[i].ptr, ':') == NULL && lines[i].ptr[0] > ' ' &&
                     lines[i].ptr[len - 1] > ' ';
        for (size_t k = 0; k < len && plain; k++)
            plain = !(lines[i].ptr[k] >= 'A' && lines[i].ptr[k] <= 'Z') &&
                    (unsigned char)lines[i].ptr[k] < 0x80;
        if (plain && !t.seen)
            abort();
        int64_t want = (int64_t)i + 1;
        index_lookup_owners(ix, (struct str){lines[i].ptr, len},
                            1u << INDEX_OWNER_ORG_DOMAIN | 1u << INDEX_OWNER_ORG_NETWORK, true,
                            owned, &want);
        if (owners && plain && want != -1)
            abort();
        size_t m = 0;
        index_correlate(ix, 100 + (int64_t)i, data[0] % 4, correlated, &m);
    }
    struct str qs[MAX_LINES];
    struct tally one = {0, 0, 0, -1, false};
    for (size_t i = 0; i < n; i++) {
        qs[i] = (struct str){lines[i].ptr, strlen(lines[i].ptr)};
        index_lookup(ix, qs[i], single, &one);
    }
    struct tally all = {0, 0, 0, -1, false};
    index_lookup_batch(ix, qs, n, batched, &all);
    if (all.n != one.n || all.sum != one.sum)
        abort();
    /* edits: re-add half under another type, then remove every line's attribute */
    for (size_t i = 0; i < n; i += 2)
        index_add(ix, types[(data[0] + i + 1) % 8], lines[i].ptr, 100 + (int64_t)i, 5, 0);
    for (size_t i = 0; i < n; i++)
        index_remove(ix, 100 + (int64_t)i);
    for (size_t i = 0; i < n; i++)
        index_drop(ix, i % 2 ? INDEX_OWNER_ORG_NETWORK : INDEX_OWNER_ORG_DOMAIN, (int64_t)i + 1);
    if (index_attributes(ix) != 3 || index_count(ix) != 3 || index_owners(ix) != 0)
        abort();
    struct tally after = {0, 0, 100 + (int64_t)n, -1, false};
    for (size_t i = 0; i < n; i++)
        index_lookup(ix, qs[i], single, &after);
    index_lookup_batch(ix, qs, n, batched, &after);
    (void)index_bytes(ix);
    index_free(ix);
    free(text);
    return 0;
}
