/*
 * index.c - in-memory indicator index.  See index.h.
 *
 * One open-addressing hash table (linear probing, power-of-two size, load at
 * most 0.7) maps keys to postings.  A key is bytes in a shared pool: a kind
 * byte, then either the value text (KEY_TEXT) or, for networks, the prefix
 * length and the masked address (KEY_NET4, KEY_NET6).  Network look-up probes
 * only the prefix lengths that occur (a bitmap per family), longest first, so
 * an IPv4 query costs a probe per distinct stored length (mostly /24 and /16).
 * Removing the last posting of a key leaves a tombstone; the pool is not
 * compacted (a rebuild from the store does that).
 */
#include "core/index.h"

#include "util/alloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

enum key_kind { KEY_TEXT = 1, KEY_NET4 = 2, KEY_NET6 = 3 };

enum { POSTING_DOMAIN = 1 }; /* the value is a domain or host name: subdomain matches */

struct posting {
    int64_t attribute_id;
    int64_t event_id;
    uint8_t flags;
};

struct entry {
    uint64_t hash;    /* 0: empty slot */
    uint32_t key_off; /* in the pool */
    uint32_t key_len;
    struct posting *post;
    uint32_t n_post, cap_post;
};

struct index {
    struct entry *slots;
    size_t cap;   /* power of two */
    size_t used;  /* slots ever filled (tombstones included) */
    size_t live;  /* keys with postings */
    char *pool;
    size_t pool_len, pool_cap;
    uint64_t v4_lengths;    /* bit n: some IPv4 network of prefix length n (0..32) */
    uint64_t v6_lengths[3]; /* same for IPv6 (0..128) */
    size_t posting_bytes;
};

static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        h = (h ^ v) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    uint64_t v = 0;
    memcpy(&v, s, n);
    h = (h ^ v) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    return h ? h : 1; /* 0 marks an empty slot */
}

struct index *index_new(void)
{
    struct index *ix = xcalloc(1, sizeof(*ix));
    ix->cap = 1024;
    ix->slots = xcalloc(ix->cap, sizeof(*ix->slots));
    return ix;
}

void index_free(struct index *ix)
{
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->cap; i++)
        free(ix->slots[i].post);
    free(ix->slots);
    free(ix->pool);
    free(ix);
}

static const char *key_at(const struct index *ix, const struct entry *e)
{
    return ix->pool + e->key_off;
}

/* Finds the slot of key, or the empty slot where it would go. */
static struct entry *slot_find(const struct index *ix, const void *key, size_t len, uint64_t h)
{
    size_t mask = ix->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct entry *e = &ix->slots[i];
        if (e->hash == 0)
            return e;
        if (e->hash == h && e->key_len == len && memcmp(key_at(ix, e), key, len) == 0)
            return e;
    }
}

static void grow(struct index *ix)
{
    struct entry *old = ix->slots;
    size_t old_cap = ix->cap;
    ix->cap *= 2;
    ix->slots = xcalloc(ix->cap, sizeof(*ix->slots));
    ix->used = 0;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].hash == 0 || old[i].n_post == 0) {
            free(old[i].post); /* tombstones are dropped */
            continue;
        }
        struct entry *e = slot_find(ix, key_at(ix, &old[i]), old[i].key_len, old[i].hash);
        *e = old[i];
        ix->used++;
    }
    free(old);
}

static uint32_t pool_add(struct index *ix, const void *key, size_t len)
{
    if (ix->pool_len + len > ix->pool_cap) {
        size_t cap = ix->pool_cap ? ix->pool_cap : 4096;
        while (cap < ix->pool_len + len)
            cap *= 2;
        if (cap > UINT32_MAX)
            abort(); /* 4 GiB of keys: beyond the index's design (limits) */
        ix->pool = xrealloc(ix->pool, cap);
        ix->pool_cap = cap;
    }
    memcpy(ix->pool + ix->pool_len, key, len);
    uint32_t off = (uint32_t)ix->pool_len;
    ix->pool_len += len;
    return off;
}

static void key_add(struct index *ix, const void *key, size_t len, int64_t attribute_id,
                    int64_t event_id, uint8_t flags)
{
    if ((ix->used + 1) * 10 > ix->cap * 7)
        grow(ix);
    uint64_t h = hash_bytes(key, len);
    struct entry *e = slot_find(ix, key, len, h);
    if (e->hash == 0) {
        e->hash = h;
        e->key_off = pool_add(ix, key, len);
        e->key_len = (uint32_t)len;
        ix->used++;
    }
    for (uint32_t i = 0; i < e->n_post; i++)
        if (e->post[i].attribute_id == attribute_id)
            return; /* already there */
    if (e->n_post == 0)
        ix->live++;
    if (e->n_post == e->cap_post) {
        uint32_t cap = e->cap_post ? e->cap_post * 2 : 1;
        e->post = xreallocarray(e->post, cap, sizeof(*e->post));
        ix->posting_bytes += (size_t)(cap - e->cap_post) * sizeof(*e->post);
        e->cap_post = cap;
    }
    e->post[e->n_post].attribute_id = attribute_id;
    e->post[e->n_post].event_id = event_id;
    e->post[e->n_post].flags = flags;
    e->n_post++;
}

static void key_remove(struct index *ix, const void *key, size_t len, int64_t attribute_id)
{
    uint64_t h = hash_bytes(key, len);
    struct entry *e = slot_find(ix, key, len, h);
    if (e->hash == 0)
        return;
    for (uint32_t i = 0; i < e->n_post; i++) {
        if (e->post[i].attribute_id != attribute_id)
            continue;
        e->post[i] = e->post[--e->n_post];
        if (e->n_post == 0)
            ix->live--;
        return;
    }
}

/* ---- keys ---- */

#define TEXT_KEY_MAX 4096

/* Builds a text key (kind byte + lower-cased text as given); returns its length
 * or 0 if the value is empty or too long to index. */
static size_t text_key(char *out, const char *value, size_t len)
{
    if (len == 0 || len + 1 > TEXT_KEY_MAX)
        return 0;
    out[0] = KEY_TEXT;
    memcpy(out + 1, value, len);
    return len + 1;
}

/* Network key: kind, prefix length, address masked to it. */
static size_t net_key(unsigned char *out, int family, const unsigned char *addr, unsigned prefix)
{
    size_t n = family == AF_INET ? 4 : 16;
    out[0] = family == AF_INET ? KEY_NET4 : KEY_NET6;
    out[1] = (unsigned char)prefix;
    for (size_t i = 0; i < n; i++) {
        unsigned bits = prefix > i * 8 ? prefix - (unsigned)i * 8 : 0;
        unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
        out[2 + i] = addr[i] & mask;
    }
    return 2 + n;
}

/* Parses "a.b.c.d/n" or "v6/n"; returns true with family, address and prefix. */
static bool parse_cidr(const char *value, int *family, unsigned char addr[16], unsigned *prefix)
{
    const char *slash = strchr(value, '/');
    if (slash == NULL || slash == value || (size_t)(slash - value) >= 64)
        return false;
    char host[64];
    memcpy(host, value, (size_t)(slash - value));
    host[slash - value] = '\0';
    unsigned n = 0;
    const char *p = slash + 1;
    if (*p == '\0')
        return false;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || n > 128)
            return false;
        n = n * 10 + (unsigned)(*p - '0');
    }
    if (inet_pton(AF_INET, host, addr) == 1 && n <= 32) {
        *family = AF_INET;
    } else if (inet_pton(AF_INET6, host, addr) == 1 && n <= 128) {
        *family = AF_INET6;
    } else {
        return false;
    }
    *prefix = n;
    return true;
}

static bool domain_like(const char *type)
{
    return strcmp(type, "domain") == 0 || strcmp(type, "hostname") == 0 ||
           strncmp(type, "domain|", 7) == 0 || strncmp(type, "hostname|", 9) == 0;
}

/* Adds (or removes) one value part. */
static void part_apply(struct index *ix, const char *value, size_t len, bool domain,
                       int64_t attribute_id, int64_t event_id, bool add)
{
    char key[TEXT_KEY_MAX];
    size_t klen = text_key(key, value, len);
    if (klen == 0)
        return;
    if (add)
        key_add(ix, key, klen, attribute_id, event_id, domain ? POSTING_DOMAIN : 0);
    else
        key_remove(ix, key, klen, attribute_id);
    /* a network is also indexed by its prefix, for covering matches */
    char text[TEXT_KEY_MAX];
    memcpy(text, value, len);
    text[len] = '\0';
    int family;
    unsigned char addr[16];
    unsigned prefix;
    if (!parse_cidr(text, &family, addr, &prefix))
        return;
    unsigned char nk[18];
    size_t nlen = net_key(nk, family, addr, prefix);
    if (add) {
        key_add(ix, nk, nlen, attribute_id, event_id, 0);
        if (family == AF_INET)
            ix->v4_lengths |= (uint64_t)1 << prefix;
        else
            ix->v6_lengths[prefix / 64] |= (uint64_t)1 << (prefix % 64);
    } else {
        key_remove(ix, nk, nlen, attribute_id);
    }
}

static void value_apply(struct index *ix, const char *type, const char *value,
                        int64_t attribute_id, int64_t event_id, bool add)
{
    bool domain = domain_like(type);
    size_t len = strlen(value);
    part_apply(ix, value, len, domain && strchr(type, '|') == NULL, attribute_id, event_id, add);
    const char *bar = strchr(value, '|');
    if (strchr(type, '|') == NULL || bar == NULL)
        return;
    /* composite: each part too; only a domain first part matches subdomains */
    part_apply(ix, value, (size_t)(bar - value), domain, attribute_id, event_id, add);
    part_apply(ix, bar + 1, strlen(bar + 1), false, attribute_id, event_id, add);
}

void index_add(struct index *ix, const char *type, const char *value, int64_t attribute_id,
               int64_t event_id)
{
    value_apply(ix, type, value, attribute_id, event_id, true);
}

void index_remove(struct index *ix, const char *type, const char *value, int64_t attribute_id)
{
    value_apply(ix, type, value, attribute_id, 0, false);
}

/* ---- look-up ---- */

static size_t report(const struct index *ix, const struct entry *e, enum index_match kind,
                     bool domains_only, int (*fn)(void *, const struct index_hit *), void *ctx,
                     bool *stop)
{
    size_t n = 0;
    for (uint32_t i = 0; i < e->n_post && !*stop; i++) {
        if (domains_only && !(e->post[i].flags & POSTING_DOMAIN))
            continue;
        struct index_hit hit = {e->post[i].attribute_id, e->post[i].event_id, kind,
                                {key_at(ix, e) + 1, e->key_len - 1}};
        if (kind == INDEX_NETWORK)
            hit.indexed = (struct str){"", 0};
        n++;
        if (fn(ctx, &hit) != 0)
            *stop = true;
    }
    return n;
}

static const struct entry *probe(const struct index *ix, const void *key, size_t len)
{
    const struct entry *e = slot_find(ix, key, len, hash_bytes(key, len));
    return e->hash != 0 && e->n_post > 0 ? e : NULL;
}

/* Normalises q like the stored canonical forms: trimmed; IP addresses in
 * inet_ntop form; URLs with scheme and host lower-cased; anything else
 * lower-cased.  Returns the length written to out (0: nothing to look up). */
static size_t normalise(struct str q, char *out, size_t cap, int *family, unsigned char addr[16])
{
    while (q.len && isspace((unsigned char)q.ptr[0])) {
        q.ptr++;
        q.len--;
    }
    while (q.len && isspace((unsigned char)q.ptr[q.len - 1]))
        q.len--;
    if (q.len == 0 || q.len >= cap || memchr(q.ptr, '\0', q.len) != NULL)
        return 0;
    memcpy(out, q.ptr, q.len);
    out[q.len] = '\0';
    *family = 0;
    if (inet_pton(AF_INET, out, addr) == 1)
        *family = AF_INET;
    else if (inet_pton(AF_INET6, out, addr) == 1)
        *family = AF_INET6;
    if (*family) {
        inet_ntop(*family, addr, out, (socklen_t)cap);
        return strlen(out);
    }
    const char *scheme = strstr(out, "://");
    size_t lower_to = q.len;
    if (scheme) {
        const char *path = strchr(scheme + 3, '/');
        lower_to = path ? (size_t)(path - out) : q.len;
    }
    for (size_t i = 0; i < lower_to; i++)
        out[i] = (char)tolower((unsigned char)out[i]);
    return q.len;
}

size_t index_lookup(const struct index *ix, struct str q,
                    int (*fn)(void *ctx, const struct index_hit *hit), void *ctx)
{
    char norm[TEXT_KEY_MAX];
    int family;
    unsigned char addr[16];
    size_t len = normalise(q, norm, sizeof(norm) - 1, &family, addr);
    if (len == 0)
        return 0;
    bool stop = false;
    size_t n = 0;
    char key[TEXT_KEY_MAX];
    size_t klen = text_key(key, norm, len);
    const struct entry *e = klen ? probe(ix, key, klen) : NULL;
    if (e)
        n += report(ix, e, INDEX_EXACT, false, fn, ctx, &stop);
    if (family) {
        /* every covering network, longest prefix first (a full-length prefix is
         * the address itself, already an exact match) */
        unsigned max = family == AF_INET ? 31 : 127;
        for (unsigned p = max + 1; p-- > 0 && !stop;) {
            bool used = family == AF_INET ? (ix->v4_lengths >> p) & 1
                                          : (ix->v6_lengths[p / 64] >> (p % 64)) & 1;
            if (!used)
                continue;
            unsigned char nk[18];
            size_t nlen = net_key(nk, family, addr, p);
            if ((e = probe(ix, nk, nlen)) != NULL)
                n += report(ix, e, INDEX_NETWORK, false, fn, ctx, &stop);
        }
        return n;
    }
    /* a host name: every parent domain ("a.b.example" -> "b.example" -> "example") */
    if (strchr(norm, '/') != NULL || strchr(norm, '@') != NULL)
        return n;
    for (const char *dot = strchr(norm, '.'); dot && !stop; dot = strchr(dot + 1, '.')) {
        const char *parent = dot + 1;
        if (*parent == '\0')
            break;
        klen = text_key(key, parent, strlen(parent));
        if (klen && (e = probe(ix, key, klen)) != NULL)
            n += report(ix, e, INDEX_SUBDOMAIN, true, fn, ctx, &stop);
    }
    return n;
}

size_t index_count(const struct index *ix)
{
    return ix->live;
}

size_t index_bytes(const struct index *ix)
{
    return sizeof(*ix) + ix->cap * sizeof(*ix->slots) + ix->pool_cap + ix->posting_bytes;
}
