/*
 * index.c - in-memory indicator index.  See index.h.
 *
 * Layout (what one key costs; ~80-100 bytes per indicator at 10 M):
 *
 *   slots     open addressing, linear probing, any size (the home slot is the
 *             64-bit hash scaled to the table, "fastrange"), load 0.5-0.8.  A slot is
 *             24 bytes: the key's 64-bit hash (0: empty), its pool offset, a meta word
 *             (postings count, key kind, domain flag) and either the one posting
 *             inline (the common case) or the offset and capacity of a block of them.
 *             A key whose last posting goes stays in its slot, empty, until the next
 *             growth drops it (a later re-add finds it again; no tombstones).
 *   pool      the key bytes, each a 16-bit length and the text, in 2 MiB chunks that
 *             never move (so borrowed hit text stays valid until the next write and
 *             growth copies no text); offsets are 31 bits.  Not compacted: bytes of
 *             dropped keys stay until the index is rebuilt from the store.
 *   postings  blocks of 2^k (attribute id, event id << 2 | flags), recycled through
 *             one free list per size.  A posting of another owner kind (index_put:
 *             a directory organisation's network or domain) has attribute id 0 and,
 *             in place of the event id, the number of its owner record, so that
 *             every posting stays 8 bytes and attribute postings are as before.
 *   owners    those records (kind, id, group, key as in attrs), with a map
 *             (kind, id) -> record; few, compared with attributes.
 *   attrs     attribute id -> pool offset of its whole value (bit 31: composite),
 *             8 bytes an entry, linear probing with backward-shift deletion.  The
 *             parts of a composite are derived again from the whole value, so
 *             removal by id needs nothing else.
 *   bloom     a register-blocked Bloom filter (one 64-bit word per key, 4 bits) over
 *             the hashes of keys holding a domain posting, ~1 byte per slot: a
 *             parent-domain probe for a miss costs one word, not a table probe.
 *
 * Networks are keys like any other (their canonical masked CIDR text, so an exact
 * query for "10.0.0.0/8" finds them), flagged in the slot meta.  IPv4 covering
 * look-ups use an accelerator built over them: the prefixes sorted by (start,
 * length) are swept into elementary intervals (address ranges over which the
 * longest matching prefix is constant), found through a direct-indexed first
 * level on the top address bits and a short binary search; each prefix record
 * links its parent (the next shorter covering prefix), so every covering prefix is
 * a chain walk.  The hash keys stay the truth: networks added since the last
 * build are found by probing the prefix lengths added since (the delta bitmap)
 * that the chain lacks (a length the chain has is the one key of that length
 * covering the address, whether built or re-added since), each probe first
 * asked of a small bitset over (masked address, length) of the delta, so that
 * a probe rarely touches the table; removals only empty the postings (the walk
 * skips empty keys).  The writer rebuilds the accelerator when the delta passes
 * max(4096, built/8) networks, and after every growth (slot numbers change).
 * IPv6 networks are probed per stored prefix length (few lengths in practice).
 */
#include "core/index.h"

#include "codec/observable.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/banned.h"

enum {
    SLOT_COUNT = 0x0fffffff, /* meta: postings under the key */
    SLOT_NET4 = 1 << 28,     /* meta: the key is an IPv4 network (prefix < 32) */
    SLOT_NET6 = 1 << 29,     /* meta: the key is an IPv6 network (prefix < 128) */
    SLOT_DOMAIN = 1 << 30,   /* meta: a domain posting was added (in the Bloom filter) */
};

/* meta: some posting under the key belongs to an owner other than an attribute
 * (then attribute look-ups count the postings they report; never cleared). */
#define SLOT_OWNERS 0x80000000u

/* Flags in the low two bits of posting.event. */
enum { POSTING_DOMAIN = 1, POSTING_NO_CORRELATE = 2, POSTING_FLAG_BITS = 2 };

#define NONE UINT32_MAX
#define MISS (UINT32_MAX - 1) /* batch hint: no slot has the query's hash */
#define ATTR_COMPOSITE 0x80000000u /* attr_rec.key: the value is a composite */
#define ATTR_NO_KEY 0x7fffffffu    /* attr_rec.key: nothing indexed (value too long) */
#define POOL_CHUNK_BITS 21
#define POOL_CHUNK ((size_t)1 << POOL_CHUNK_BITS)
#define POOL_MAX_CHUNKS 1024 /* offsets stay below 2^31 */
#define BIG_ALLOC ((size_t)1 << 20)
#define DELTA_MIN 4096

struct posting {
    uint32_t attribute;
    uint32_t event; /* event id << POSTING_FLAG_BITS | POSTING_* */
};

struct slot {
    uint64_t hash;
    uint32_t key; /* pool offset */
    uint32_t meta;
    union {
        struct posting one; /* count <= 1 */
        struct {
            uint32_t off; /* in ix->post */
            uint32_t cap;
        } many; /* count >= 2 */
    } u;
};

struct attr_rec {
    uint32_t id; /* 0: empty */
    uint32_t key;
};

/* An owner other than an attribute (index_put); its postings are
 * {0, number << POSTING_FLAG_BITS | flags}. */
struct owner {
    int64_t id;
    int64_t group;
    uint32_t key;  /* as attr_rec.key; while free, the next free record */
    uint32_t kind; /* INDEX_OWNER_*, or OWNER_FREE */
};

#define OWNER_FREE UINT32_MAX
#define OWNER_MAX (INDEX_EVENT_MAX + 1u) /* record numbers fit where event ids go */

/* An IPv4 network key, a node of the accelerator once built. */
struct net4 {
    uint32_t slot;
    uint32_t start;
    uint32_t parent; /* next shorter covering prefix (index in net4), or NONE */
    uint8_t len;
    uint8_t text_len;
};

struct interval {
    uint32_t start;
    uint32_t net; /* longest matching prefix over [start, next start), or NONE */
};

struct index {
    struct slot *slots;
    uint32_t cap;
    uint32_t used; /* occupied slots (keys with or without postings) */
    size_t live;   /* keys with postings */

    char **chunks;
    uint32_t n_chunks;
    uint32_t chunk_used; /* bytes used in the last chunk */

    struct posting *post;
    uint32_t post_len, post_cap;
    uint32_t post_free[32]; /* head of the free blocks of 2^k, NONE if none */
    uint32_t max_chunks;    /* capacity: pool chunks, postings (index_set_capacity) */
    uint32_t max_post;

    struct attr_rec *attrs;
    uint32_t attr_cap, n_attrs;

    uint64_t *bloom;
    uint32_t bloom_words;
    size_t dotless_domains; /* domain keys without a dot ever added: else a host
                             * name's last label is no parent worth probing */

    /* IPv4 networks: every NET4 slot since the last growth; [0, n_built) sorted
     * and linked, the rest added since the build. */
    struct net4 *net4;
    uint32_t n_net4, net4_cap, n_built;
    struct interval *iv;
    uint32_t n_iv, iv_cap;
    uint32_t *first; /* 2^first_bits + 1 entries */
    unsigned first_bits;
    uint64_t delta_lengths; /* bit l: an IPv4 network of length l added since the build */
    uint32_t n_delta;
    uint64_t *delta_bits; /* bitset over net4_delta_hash of the networks added since */
    uint32_t delta_words; /* a power of two */

    uint32_t v6_count[128]; /* live IPv6 network keys per prefix length */
    uint64_t v6_lengths[2];

    struct owner *owners;
    uint32_t n_owner_recs, owner_cap, owner_free, n_owners;
    uint32_t *owner_map; /* record number + 1, 0: empty; linear probing */
    uint32_t owner_map_cap;
};

/* ---- memory ---- */

static size_t big_size(size_t bytes)
{
    return bytes < BIG_ALLOC ? bytes : (bytes + 4095) & ~(size_t)4095;
}

/* Zeroed memory; large blocks are mapped and asked for transparent huge pages
 * (random probes into hundreds of MiB otherwise miss the TLB on most look-ups). */
static void *big_alloc(size_t bytes)
{
    if (bytes < BIG_ALLOC)
        return xcalloc(1, bytes);
    void *p = mmap(NULL, big_size(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "liaison: out of memory mapping %zu bytes\n", bytes);
        abort();
    }
    (void)madvise(p, big_size(bytes), MADV_HUGEPAGE);
    return p;
}

static void big_free(void *p, size_t bytes)
{
    if (p == NULL)
        return;
    if (bytes < BIG_ALLOC)
        free(p);
    else
        munmap(p, big_size(bytes));
}

static void *grow_array(void *p, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    if (c > UINT32_MAX)
        c = UINT32_MAX;
    *cap = (uint32_t)c;
    return xreallocarray(p, c, size);
}

/* ---- hashing ---- */

static inline uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t load32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* wyhash-style: 16 bytes per multiply; never 0 (0 marks an empty slot). */
static uint64_t hash_bytes(const void *key, size_t n)
{
    const unsigned char *s = key;
    const uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull,
                   k2 = 0x8ebc6af09c88c6e3ull;
    uint64_t h = k0 ^ (n * k2);
    uint64_t a, b;
    if (n <= 16) {
        if (n >= 4) {
            a = load32(s) << 32 | load32(s + ((n >> 3) << 2));
            b = load32(s + n - 4) << 32 | load32(s + n - 4 - ((n >> 3) << 2));
        } else if (n > 0) {
            a = (uint64_t)s[0] << 16 | (uint64_t)s[n >> 1] << 8 | s[n - 1];
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        size_t i = n;
        while (i > 16) {
            h = mix(load64(s) ^ k1, load64(s + 8) ^ h);
            s += 16;
            i -= 16;
        }
        a = load64(s + i - 16);
        b = load64(s + i - 8);
    }
    h = mix(a ^ k1, b ^ h);
    h = mix(h ^ k2, (uint64_t)n ^ k1);
    return h ? h : 1;
}

static inline uint32_t scale(uint64_t h, uint32_t n)
{
    return (uint32_t)(((__uint128_t)h * n) >> 64);
}

/* ---- key pool ---- */

static inline const char *pool_at(const struct index *ix, uint32_t off)
{
    return ix->chunks[off >> POOL_CHUNK_BITS] + (off & (POOL_CHUNK - 1));
}

static inline struct str pool_key(const struct index *ix, uint32_t off)
{
    const char *p = pool_at(ix, off);
    uint16_t len;
    memcpy(&len, p, 2);
    return (struct str){p + 2, len};
}

/* Copies key into the pool; returns its offset, or NONE when the pool is full
 * (2 GiB by default, ~50 M keys: beyond the index's design). */
static uint32_t pool_add(struct index *ix, const char *key, size_t len)
{
    size_t need = len + 2;
    if (ix->n_chunks == 0 || ix->chunk_used + need > POOL_CHUNK) {
        if (ix->n_chunks >= ix->max_chunks)
            return NONE;
        ix->chunks = xreallocarray(ix->chunks, ix->n_chunks + 1, sizeof(*ix->chunks));
        ix->chunks[ix->n_chunks++] = big_alloc(POOL_CHUNK);
        ix->chunk_used = 0;
    }
    char *p = ix->chunks[ix->n_chunks - 1] + ix->chunk_used;
    uint16_t l16 = (uint16_t)len;
    memcpy(p, &l16, 2);
    memcpy(p + 2, key, len);
    uint32_t off = (ix->n_chunks - 1) << POOL_CHUNK_BITS | ix->chunk_used;
    ix->chunk_used += (uint32_t)need;
    return off;
}

/* ---- postings ---- */

/* A block of 2^cls postings; NONE when the postings array is at capacity. */
static uint32_t post_alloc(struct index *ix, unsigned cls)
{
    uint32_t off = ix->post_free[cls];
    if (off != NONE) {
        ix->post_free[cls] = ix->post[off].attribute;
        return off;
    }
    uint32_t n = (uint32_t)1 << cls;
    if (n > ix->max_post || ix->post_len > ix->max_post - n)
        return NONE;
    ix->post = grow_array(ix->post, &ix->post_cap, ix->post_len + n, sizeof(*ix->post));
    off = ix->post_len;
    ix->post_len += n;
    return off;
}

static void post_release(struct index *ix, uint32_t off, uint32_t cap)
{
    unsigned cls = (unsigned)__builtin_ctz(cap);
    ix->post[off].attribute = ix->post_free[cls];
    ix->post_free[cls] = off;
}

static inline const struct posting *slot_postings(const struct index *ix, const struct slot *s)
{
    return (s->meta & SLOT_COUNT) <= 1 ? &s->u.one : ix->post + s->u.many.off;
}

/* Appends p to the key's postings; false, changing nothing, at capacity. */
static bool posting_add(struct index *ix, struct slot *s, struct posting p)
{
    uint32_t n = s->meta & SLOT_COUNT;
    if (n == SLOT_COUNT)
        return false;
    if (n == 0) {
        s->u.one = p;
    } else if (n == 1) {
        uint32_t off = post_alloc(ix, 1);
        if (off == NONE)
            return false;
        ix->post[off] = s->u.one;
        ix->post[off + 1] = p;
        s->u.many.off = off;
        s->u.many.cap = 2;
    } else {
        if (n == s->u.many.cap) {
            uint32_t off = post_alloc(ix, (unsigned)__builtin_ctz(n) + 1);
            if (off == NONE)
                return false;
            memcpy(ix->post + off, ix->post + s->u.many.off, n * sizeof(*ix->post));
            post_release(ix, s->u.many.off, s->u.many.cap);
            s->u.many.off = off;
            s->u.many.cap = n * 2;
        }
        ix->post[s->u.many.off + n] = p;
    }
    s->meta++;
    return true;
}

/* Whether p is the posting of who (an attribute id, or 0 and an owner record). */
static inline bool posting_is(struct posting p, struct posting who)
{
    return p.attribute == who.attribute &&
           (who.attribute != 0 || p.event >> POSTING_FLAG_BITS == who.event >> POSTING_FLAG_BITS);
}

/* Removes who's posting, keeping the others' order; false if absent. */
static bool posting_remove(struct index *ix, struct slot *s, struct posting who)
{
    uint32_t n = s->meta & SLOT_COUNT;
    if (n <= 1) {
        if (n == 0 || !posting_is(s->u.one, who))
            return false;
        s->meta--;
        return true;
    }
    struct posting *p = ix->post + s->u.many.off;
    uint32_t i = n;
    while (i-- > 0 && !posting_is(p[i], who))
        ;
    if (i == UINT32_MAX)
        return false;
    memmove(p + i, p + i + 1, (n - i - 1) * sizeof(*p));
    s->meta--;
    if (n - 1 == 1) {
        struct posting last = p[0];
        post_release(ix, s->u.many.off, s->u.many.cap);
        s->u.one = last;
    }
    return true;
}

/* ---- Bloom filter over domain keys ---- */

static inline uint64_t bloom_mask(uint64_t h)
{
    return (uint64_t)1 << (h & 63) | (uint64_t)1 << ((h >> 6) & 63) |
           (uint64_t)1 << ((h >> 12) & 63) | (uint64_t)1 << ((h >> 18) & 63);
}

static inline uint32_t bloom_word(const struct index *ix, uint64_t h)
{
    return (uint32_t)(((h >> 32) * ix->bloom_words) >> 32);
}

static inline bool bloom_maybe(const struct index *ix, uint64_t h)
{
    uint64_t m = bloom_mask(h);
    return (ix->bloom[bloom_word(ix, h)] & m) == m;
}

static void bloom_reset(struct index *ix)
{
    big_free(ix->bloom, (size_t)ix->bloom_words * 8);
    ix->bloom_words = ix->cap / 8 > 8 ? ix->cap / 8 : 8;
    ix->bloom = big_alloc((size_t)ix->bloom_words * 8);
    for (uint32_t i = 0; i < ix->cap; i++) {
        const struct slot *s = &ix->slots[i];
        if (s->hash != 0 && (s->meta & SLOT_DOMAIN))
            ix->bloom[bloom_word(ix, s->hash)] |= bloom_mask(s->hash);
    }
}

/* ---- IPv4 and IPv6 text (codec/observable.c) ---- */

static inline uint32_t mask4(unsigned len)
{
    return len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
}

/* "a.b.c.d/len" of the masked address (len < 32); returns the length (at most 18). */
static size_t net4_format(uint32_t addr, unsigned len, char *out)
{
    struct observable_ip ip = {.family = 4, .prefix = len, .v4 = addr};
    return observable_ip_format(&ip, true, out);
}

/* inet_ntop text of the address masked to len, with "/len" unless len is 128. */
static size_t net6_format(const unsigned char addr[16], unsigned len, char *out)
{
    struct observable_ip ip = {.family = 6, .prefix = len};
    memcpy(ip.v6, addr, 16);
    return observable_ip_format(&ip, true, out);
}

/* ---- keys of a value ---- */

struct key {
    const char *text;
    size_t len;
    uint32_t kind; /* 0, SLOT_NET4 or SLOT_NET6 */
    unsigned prefix;
    uint32_t v4; /* masked start, SLOT_NET4 */
    bool domain;
    char buf[OBSERVABLE_IP_TEXT_MAX + 1];
};

/* Canonical key of one value or part: a CIDR network is keyed by its masked
 * text; a full-length prefix by the address alone. */
static void key_canon(struct key *k, const char *s, size_t n)
{
    k->text = s;
    k->len = n;
    k->kind = 0;
    k->domain = false;
    const char *slash = n < 64 ? memchr(s, '/', n) : NULL;
    struct observable_ip ip;
    if (slash == NULL || observable_ip_parse(s, n, OBSERVABLE_PREFIX_SHORT, &ip) != OBSERVABLE_OK)
        return;
    k->len = observable_ip_format(&ip, true, k->buf);
    if (ip.family == 4 && ip.prefix < 32) {
        k->kind = SLOT_NET4;
        k->v4 = ip.v4 & mask4(ip.prefix);
    } else if (ip.family == 6 && ip.prefix < 128) {
        k->kind = SLOT_NET6;
    }
    k->prefix = ip.prefix;
    k->text = k->buf;
}

/* The keys of a value: the whole, then for a composite each part (split at the
 * first '|'), without duplicates or empty parts; whole_domain and first_domain
 * say which take domain postings (a duplicate passes its flag on).  Returns how
 * many (0: the value is empty or too long). */
static int value_keys(const char *value, size_t len, bool composite, bool whole_domain,
                      bool first_domain, struct key keys[3])
{
    if (len == 0 || len > INDEX_KEY_MAX)
        return 0;
    key_canon(&keys[0], value, len);
    keys[0].domain = whole_domain;
    const char *bar = composite ? memchr(value, '|', len) : NULL;
    if (bar == NULL)
        return 1;
    int n = 1;
    const char *parts[2] = {value, bar + 1};
    size_t lens[2] = {(size_t)(bar - value), len - (size_t)(bar - value) - 1};
    for (int p = 0; p < 2; p++) {
        if (lens[p] == 0)
            continue;
        key_canon(&keys[n], parts[p], lens[p]);
        bool domain = p == 0 && first_domain;
        int j = 0;
        while (j < n && !(keys[j].len == keys[n].len &&
                          memcmp(keys[j].text, keys[n].text, keys[n].len) == 0))
            j++;
        if (j < n) {
            keys[j].domain |= domain;
        } else {
            keys[n].domain = domain;
            n++;
        }
    }
    return n;
}

static bool domain_like(const char *type)
{
    return strcmp(type, "domain") == 0 || strcmp(type, "hostname") == 0 ||
           strncmp(type, "domain|", 7) == 0 || strncmp(type, "hostname|", 9) == 0;
}

/* ---- slots ---- */

/* The slot holding key, or the empty slot where it would go. */
static uint32_t slot_find(const struct index *ix, const char *key, size_t len, uint64_t h)
{
    uint32_t i = scale(h, ix->cap);
    for (;;) {
        const struct slot *s = &ix->slots[i];
        if (s->hash == 0)
            return i;
        if (s->hash == h) {
            struct str k = pool_key(ix, s->key);
            if (k.len == len && memcmp(k.ptr, key, len) == 0)
                return i;
        }
        if (++i == ix->cap)
            i = 0;
    }
}

/* The slot of key if it has postings, else NULL. */
static const struct slot *probe(const struct index *ix, const char *key, size_t len, uint64_t h)
{
    const struct slot *s = &ix->slots[slot_find(ix, key, len, h)];
    return s->hash != 0 && (s->meta & SLOT_COUNT) ? s : NULL;
}

static void net4_rebuild(struct index *ix);
static void net4_delta_note(struct index *ix, uint32_t start, unsigned len);
static uint32_t net4_delta_limit(const struct index *ix);

static void net4_append(struct index *ix, uint32_t slot, uint32_t start, unsigned len,
                        size_t text_len)
{
    ix->net4 = grow_array(ix->net4, &ix->net4_cap, ix->n_net4 + 1, sizeof(*ix->net4));
    ix->net4[ix->n_net4++] = (struct net4){slot, start, NONE, (uint8_t)len, (uint8_t)text_len};
}

/* Rehashes into cap slots, dropping keys without postings; then the structures
 * that hold slot numbers or scale with the table are rebuilt. */
static void table_resize(struct index *ix, uint32_t cap)
{
    struct slot *old = ix->slots;
    uint32_t old_cap = ix->cap;
    ix->slots = big_alloc((size_t)cap * sizeof(*ix->slots));
    ix->cap = cap;
    ix->used = 0;
    ix->n_net4 = 0;
    for (uint32_t j = 0; j < old_cap; j++) {
        if (old[j].hash == 0 || (old[j].meta & SLOT_COUNT) == 0)
            continue;
        uint32_t i = scale(old[j].hash, cap);
        while (ix->slots[i].hash != 0)
            if (++i == cap)
                i = 0;
        ix->slots[i] = old[j];
        ix->used++;
        if (old[j].meta & SLOT_NET4) {
            struct str k = pool_key(ix, old[j].key);
            struct observable_ip ip;
            if (observable_ip_parse(k.ptr, k.len, OBSERVABLE_PREFIX_SHORT, &ip) == OBSERVABLE_OK &&
                ip.family == 4 && ip.prefix < 32)
                net4_append(ix, i, ip.v4, ip.prefix, k.len);
        }
    }
    big_free(old, (size_t)old_cap * sizeof(*old));
    bloom_reset(ix);
    net4_rebuild(ix);
}

static uint32_t table_cap_for(size_t keys)
{
    size_t cap = keys * 2 + 64; /* load 0.5 after a resize; resized again past 0.8 */
    return cap > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)cap;
}

/* Adds posting p under key k; returns the key's pool offset, or NONE when the
 * pool or the postings are at capacity (a new key may then stay, empty). */
static uint32_t key_add(struct index *ix, const struct key *k, struct posting p)
{
    if ((uint64_t)(ix->used + 1) * 5 > (uint64_t)ix->cap * 4)
        table_resize(ix, table_cap_for(ix->live + 1));
    uint64_t h = hash_bytes(k->text, k->len);
    struct slot *s = &ix->slots[slot_find(ix, k->text, k->len, h)];
    if (s->hash == 0) {
        uint32_t off = pool_add(ix, k->text, k->len);
        if (off == NONE)
            return NONE;
        s->hash = h;
        s->key = off;
        s->meta = k->kind;
        ix->used++;
        if (k->kind == SLOT_NET4)
            net4_append(ix, (uint32_t)(s - ix->slots), k->v4, k->prefix, k->len);
    }
    uint32_t n = s->meta & SLOT_COUNT;
    if (!posting_add(ix, s, p))
        return NONE;
    if (p.attribute == 0)
        s->meta |= SLOT_OWNERS;
    if ((p.event & POSTING_DOMAIN) && !(s->meta & SLOT_DOMAIN)) {
        s->meta |= SLOT_DOMAIN;
        ix->bloom[bloom_word(ix, h)] |= bloom_mask(h);
        if (memchr(k->text, '.', k->len) == NULL)
            ix->dotless_domains++;
    }
    if (n == 0) {
        ix->live++;
        if (k->kind == SLOT_NET4)
            net4_delta_note(ix, k->v4, k->prefix);
        else if (k->kind == SLOT_NET6 && ix->v6_count[k->prefix]++ == 0) {
            ix->v6_lengths[k->prefix / 64] |= (uint64_t)1 << (k->prefix % 64);
        }
    }
    return s->key;
}

static void key_remove(struct index *ix, const struct key *k, struct posting who)
{
    uint64_t h = hash_bytes(k->text, k->len);
    struct slot *s = &ix->slots[slot_find(ix, k->text, k->len, h)];
    if (s->hash == 0 || !posting_remove(ix, s, who) || (s->meta & SLOT_COUNT) != 0)
        return;
    ix->live--;
    if (k->kind == SLOT_NET6 && --ix->v6_count[k->prefix] == 0)
        ix->v6_lengths[k->prefix / 64] &= ~((uint64_t)1 << (k->prefix % 64));
}

/* ---- IPv4 network accelerator ---- */

static int net4_cmp(const void *a, const void *b)
{
    const struct net4 *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (int)x->len - (int)y->len;
}

static void iv_emit(struct index *ix, uint32_t start, uint32_t net)
{
    if (ix->n_iv > 0 && ix->iv[ix->n_iv - 1].start == start) {
        ix->iv[ix->n_iv - 1].net = net;
        return;
    }
    if (ix->n_iv > 0 && ix->iv[ix->n_iv - 1].net == net)
        return;
    ix->iv[ix->n_iv++] = (struct interval){start, net};
}

static inline uint64_t net4_end(const struct net4 *n)
{
    return (uint64_t)n->start + ((uint64_t)1 << (32 - n->len)) - 1;
}

/* An empty delta bitset with ~16 bits per network the delta may reach. */
static void net4_delta_reset(struct index *ix)
{
    uint32_t words = 64;
    while (words < net4_delta_limit(ix) / 4 + 1)
        words *= 2;
    if (words != ix->delta_words) {
        big_free(ix->delta_bits, (size_t)ix->delta_words * 8);
        ix->delta_bits = big_alloc((size_t)words * 8);
        ix->delta_words = words;
    } else {
        memset(ix->delta_bits, 0, (size_t)words * 8);
    }
}

/* Sorts every IPv4 network key, links parents, sweeps the elementary intervals
 * and fills the first level; the delta is then empty. */
static void net4_rebuild(struct index *ix)
{
    size_t old_first = ix->first ? ((size_t)1 << ix->first_bits) + 1 : 0;
    big_free(ix->iv, (size_t)ix->iv_cap * sizeof(*ix->iv));
    big_free(ix->first, old_first * sizeof(*ix->first));
    ix->iv = NULL;
    ix->first = NULL;
    ix->n_iv = ix->iv_cap = 0;
    ix->n_built = 0;
    ix->n_delta = 0;
    ix->delta_lengths = 0;
    /* emptied keys stay (the walk skips them): a re-add fills the same slot,
     * which must then still be in the list for the next build; growth drops them */
    uint32_t n = ix->n_net4;
    if (n == 0) {
        net4_delta_reset(ix);
        return;
    }
    qsort(ix->net4, n, sizeof(*ix->net4), net4_cmp);
    ix->iv_cap = 2 * n + 1;
    ix->iv = big_alloc((size_t)ix->iv_cap * sizeof(*ix->iv));
    uint32_t stack[33];
    int sp = 0;
    iv_emit(ix, 0, NONE);
    for (uint32_t i = 0; i <= n; i++) {
        uint64_t next = i < n ? ix->net4[i].start : (uint64_t)1 << 32;
        while (sp > 0 && net4_end(&ix->net4[stack[sp - 1]]) < next) {
            uint64_t after = net4_end(&ix->net4[stack[--sp]]) + 1;
            if (after <= UINT32_MAX)
                iv_emit(ix, (uint32_t)after, sp ? stack[sp - 1] : NONE);
        }
        if (i == n)
            break;
        ix->net4[i].parent = sp ? stack[sp - 1] : NONE;
        iv_emit(ix, ix->net4[i].start, i);
        stack[sp++] = i; /* distinct (start, len), so nested lengths grow: depth <= 32 */
    }
    ix->n_built = n;
    net4_delta_reset(ix);
    /* first level: about four intervals per block */
    unsigned bits = 8;
    while (bits < 18 && ((uint32_t)4 << bits) < ix->n_iv)
        bits++;
    ix->first_bits = bits;
    size_t blocks = (size_t)1 << bits;
    ix->first = big_alloc((blocks + 1) * sizeof(*ix->first));
    uint32_t j = 0;
    for (size_t b = 0; b < blocks; b++) {
        uint32_t addr = (uint32_t)(b << (32 - bits));
        while (j + 1 < ix->n_iv && ix->iv[j + 1].start <= addr)
            j++;
        ix->first[b] = j;
    }
    ix->first[blocks] = ix->n_iv - 1;
}

static uint32_t net4_delta_limit(const struct index *ix)
{
    return ix->n_built / 8 > DELTA_MIN ? ix->n_built / 8 : DELTA_MIN;
}

static void net4_maybe_rebuild(struct index *ix)
{
    if (ix->n_delta > net4_delta_limit(ix))
        net4_rebuild(ix);
}

static inline uint64_t net4_delta_hash(uint32_t start, unsigned len)
{
    return mix(((uint64_t)start << 6 | len) ^ 0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull);
}

static inline bool net4_delta_maybe(const struct index *ix, uint32_t start, unsigned len)
{
    uint64_t h = net4_delta_hash(start, len);
    return (ix->delta_bits[(h >> 6) & (ix->delta_words - 1)] >> (h & 63)) & 1;
}

static void net4_delta_note(struct index *ix, uint32_t start, unsigned len)
{
    uint64_t h = net4_delta_hash(start, len);
    ix->delta_bits[(h >> 6) & (ix->delta_words - 1)] |= (uint64_t)1 << (h & 63);
    ix->delta_lengths |= (uint64_t)1 << len;
    ix->n_delta++;
}

/* Index of the interval holding addr (the accelerator must be built). */
static inline uint32_t iv_find(const struct index *ix, uint32_t addr)
{
    uint32_t b = addr >> (32 - ix->first_bits);
    uint32_t lo = ix->first[b], hi = ix->first[b + 1];
    while (lo < hi) {
        uint32_t mid = (lo + hi + 1) / 2;
        if (ix->iv[mid].start <= addr)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* ---- attribute map ---- */

static inline uint32_t attr_home(const struct index *ix, uint32_t id)
{
    return scale((uint64_t)id * 0x9e3779b97f4a7c15ull, ix->attr_cap);
}

static uint32_t attr_find(const struct index *ix, uint32_t id)
{
    if (ix->attr_cap == 0)
        return NONE;
    for (uint32_t i = attr_home(ix, id);;) {
        if (ix->attrs[i].id == id)
            return i;
        if (ix->attrs[i].id == 0)
            return NONE;
        if (++i == ix->attr_cap)
            i = 0;
    }
}

static void attr_resize(struct index *ix, uint32_t cap)
{
    struct attr_rec *old = ix->attrs;
    uint32_t old_cap = ix->attr_cap;
    ix->attrs = big_alloc((size_t)cap * sizeof(*ix->attrs));
    ix->attr_cap = cap;
    for (uint32_t j = 0; j < old_cap; j++) {
        if (old[j].id == 0)
            continue;
        uint32_t i = attr_home(ix, old[j].id);
        while (ix->attrs[i].id != 0)
            if (++i == cap)
                i = 0;
        ix->attrs[i] = old[j];
    }
    big_free(old, (size_t)old_cap * sizeof(*old));
}

static void attr_insert(struct index *ix, uint32_t id, uint32_t key)
{
    if ((uint64_t)(ix->n_attrs + 1) * 5 > (uint64_t)ix->attr_cap * 4)
        attr_resize(ix, table_cap_for(ix->n_attrs + 1));
    uint32_t i = attr_home(ix, id);
    while (ix->attrs[i].id != 0)
        if (++i == ix->attr_cap)
            i = 0;
    ix->attrs[i] = (struct attr_rec){id, key};
    ix->n_attrs++;
}

/* Linear-probing deletion by shifting later entries back (no tombstones). */
static void attr_delete(struct index *ix, uint32_t i)
{
    uint32_t j = i;
    for (;;) {
        if (++j == ix->attr_cap)
            j = 0;
        if (ix->attrs[j].id == 0)
            break;
        uint32_t k = attr_home(ix, ix->attrs[j].id);
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            ix->attrs[i] = ix->attrs[j];
            i = j;
        }
    }
    ix->attrs[i].id = 0;
    ix->n_attrs--;
}

/* ---- owners other than attributes ---- */

static inline uint32_t owner_home(const struct index *ix, uint32_t kind, int64_t id)
{
    return scale(mix((uint64_t)id ^ 0x9e3779b97f4a7c15ull, kind + 0xbf58476d1ce4e5b9ull),
                 ix->owner_map_cap);
}

/* The map entry of (kind, id), or NONE. */
static uint32_t owner_find(const struct index *ix, uint32_t kind, int64_t id)
{
    if (ix->owner_map_cap == 0)
        return NONE;
    for (uint32_t i = owner_home(ix, kind, id);;) {
        uint32_t e = ix->owner_map[i];
        if (e == 0)
            return NONE;
        if (ix->owners[e - 1].kind == kind && ix->owners[e - 1].id == id)
            return i;
        if (++i == ix->owner_map_cap)
            i = 0;
    }
}

static void owner_map_put(uint32_t *map, uint32_t cap, uint32_t home, uint32_t e)
{
    while (map[home] != 0)
        if (++home == cap)
            home = 0;
    map[home] = e;
}

static void owner_map_resize(struct index *ix, uint32_t cap)
{
    uint32_t *old = ix->owner_map, old_cap = ix->owner_map_cap;
    ix->owner_map = xcalloc(cap, sizeof(*ix->owner_map));
    ix->owner_map_cap = cap;
    for (uint32_t j = 0; j < old_cap; j++) {
        const struct owner *o = old[j] ? &ix->owners[old[j] - 1] : NULL;
        if (o)
            owner_map_put(ix->owner_map, cap, owner_home(ix, o->kind, o->id), old[j]);
    }
    free(old);
}

/* A free record, or NONE when OWNER_MAX are in use. */
static uint32_t owner_alloc(struct index *ix)
{
    uint32_t r = ix->owner_free;
    if (r != NONE) {
        ix->owner_free = ix->owners[r].key;
        return r;
    }
    if (ix->n_owner_recs >= OWNER_MAX)
        return NONE;
    ix->owners = grow_array(ix->owners, &ix->owner_cap, ix->n_owner_recs + 1, sizeof(*ix->owners));
    return ix->n_owner_recs++;
}

static void owner_release(struct index *ix, uint32_t r)
{
    ix->owners[r].kind = OWNER_FREE;
    ix->owners[r].key = ix->owner_free;
    ix->owner_free = r;
}

static void owner_insert(struct index *ix, uint32_t r)
{
    if ((uint64_t)(ix->n_owners + 1) * 5 > (uint64_t)ix->owner_map_cap * 4)
        owner_map_resize(ix, table_cap_for(ix->n_owners + 1));
    const struct owner *o = &ix->owners[r];
    owner_map_put(ix->owner_map, ix->owner_map_cap, owner_home(ix, o->kind, o->id), r + 1);
    ix->n_owners++;
}

/* Deletes map entry i by shifting later entries back (as attr_delete). */
static void owner_delete(struct index *ix, uint32_t i)
{
    uint32_t j = i;
    for (;;) {
        if (++j == ix->owner_map_cap)
            j = 0;
        uint32_t e = ix->owner_map[j];
        if (e == 0)
            break;
        uint32_t k = owner_home(ix, ix->owners[e - 1].kind, ix->owners[e - 1].id);
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            ix->owner_map[i] = e;
            i = j;
        }
    }
    ix->owner_map[i] = 0;
    ix->n_owners--;
}

/* ---- life cycle ---- */

struct index *index_new(void)
{
    struct index *ix = xcalloc(1, sizeof(*ix));
    ix->cap = 1024;
    ix->slots = big_alloc((size_t)ix->cap * sizeof(*ix->slots));
    for (int i = 0; i < 32; i++)
        ix->post_free[i] = NONE;
    ix->owner_free = NONE;
    ix->max_chunks = POOL_MAX_CHUNKS;
    ix->max_post = UINT32_MAX;
    bloom_reset(ix);
    net4_delta_reset(ix);
    return ix;
}

void index_free(struct index *ix)
{
    if (ix == NULL)
        return;
    big_free(ix->slots, (size_t)ix->cap * sizeof(*ix->slots));
    for (uint32_t i = 0; i < ix->n_chunks; i++)
        big_free(ix->chunks[i], POOL_CHUNK);
    free(ix->chunks);
    free(ix->post);
    big_free(ix->attrs, (size_t)ix->attr_cap * sizeof(*ix->attrs));
    big_free(ix->bloom, (size_t)ix->bloom_words * 8);
    free(ix->net4);
    big_free(ix->delta_bits, (size_t)ix->delta_words * 8);
    big_free(ix->iv, (size_t)ix->iv_cap * sizeof(*ix->iv));
    if (ix->first)
        big_free(ix->first, (((size_t)1 << ix->first_bits) + 1) * sizeof(*ix->first));
    free(ix->owners);
    free(ix->owner_map);
    free(ix);
}

void index_set_capacity(struct index *ix, size_t pool_bytes, size_t postings)
{
    size_t chunks = pool_bytes / POOL_CHUNK;
    ix->max_chunks = chunks < 1 ? 1 : chunks > POOL_MAX_CHUNKS ? POOL_MAX_CHUNKS : (uint32_t)chunks;
    ix->max_post = postings > UINT32_MAX ? UINT32_MAX : (uint32_t)postings;
}

void index_reserve(struct index *ix, size_t n_values)
{
    /* keys: about one per value (composites add parts, shared values fewer) */
    size_t keys = n_values + n_values / 16;
    size_t cap = keys + keys / 2 + 64; /* load ~0.65 when full */
    if (cap > UINT32_MAX - 1)
        cap = UINT32_MAX - 1;
    if (cap > ix->cap)
        table_resize(ix, (uint32_t)cap);
    size_t acap = n_values + n_values / 3 + 64;
    if (acap > UINT32_MAX - 1)
        acap = UINT32_MAX - 1;
    if (acap > ix->attr_cap)
        attr_resize(ix, (uint32_t)acap);
}

/* ---- add, remove ---- */

/* Takes who's postings out from under the keys of the value recorded as rec
 * (attr_rec.key). */
static void value_drop(struct index *ix, struct posting who, uint32_t rec)
{
    if ((rec & ~ATTR_COMPOSITE) == ATTR_NO_KEY)
        return;
    struct str whole = pool_key(ix, rec & ~ATTR_COMPOSITE);
    struct key keys[3];
    int n = value_keys(whole.ptr, whole.len, (rec & ATTR_COMPOSITE) != 0, false, false, keys);
    for (int i = 0; i < n; i++)
        key_remove(ix, &keys[i], who);
}

/*
 * Adds posting who (flags but POSTING_DOMAIN set) under the value and each
 * composite part; *rec gets what attr_rec.key records.  At capacity takes back
 * what it added and returns ERR_TOOBIG.
 */
static int value_put(struct index *ix, struct posting who, const char *type, const char *value,
                     uint32_t *rec)
{
    size_t len = strlen(value);
    bool typed_composite = strchr(type, '|') != NULL;
    bool composite = typed_composite && memchr(value, '|', len) != NULL;
    bool domain = domain_like(type);
    struct key keys[3];
    /* a domain (hostname) value, or the first part of a domain|... composite,
     * matches subdomain queries; nothing else does */
    int n = value_keys(value, len, composite, domain && !typed_composite, domain && composite,
                       keys);
    uint32_t whole = ATTR_NO_KEY;
    for (int i = 0; i < n; i++) {
        struct posting p = {who.attribute, who.event | (keys[i].domain ? POSTING_DOMAIN : 0)};
        uint32_t off = key_add(ix, &keys[i], p);
        if (off == NONE) {
            /* at capacity: take back the keys already added, so the
             * owner is not held at all (and can be added again later) */
            while (i-- > 0)
                key_remove(ix, &keys[i], who);
            return ERR_TOOBIG;
        }
        if (i == 0)
            whole = off;
    }
    *rec = whole | (composite ? ATTR_COMPOSITE : 0);
    return 0;
}

void index_remove(struct index *ix, int64_t attribute_id)
{
    if (attribute_id < 1 || attribute_id > UINT32_MAX)
        return;
    uint32_t id = (uint32_t)attribute_id;
    uint32_t ai = attr_find(ix, id);
    if (ai == NONE)
        return;
    value_drop(ix, (struct posting){id, 0}, ix->attrs[ai].key);
    attr_delete(ix, ai);
}

int index_add(struct index *ix, const char *type, const char *value, int64_t attribute_id,
              int64_t event_id, unsigned flags)
{
    if (attribute_id < 1 || attribute_id > UINT32_MAX || event_id < 0 ||
        event_id > INDEX_EVENT_MAX)
        return ERR_INVAL;
    uint32_t id = (uint32_t)attribute_id;
    index_remove(ix, attribute_id);
    uint32_t ev = (uint32_t)event_id << POSTING_FLAG_BITS |
                  (flags & INDEX_NO_CORRELATE ? POSTING_NO_CORRELATE : 0);
    uint32_t rec;
    int rc = value_put(ix, (struct posting){id, ev}, type, value, &rec);
    if (rc == 0)
        attr_insert(ix, id, rec);
    net4_maybe_rebuild(ix);
    return rc;
}

void index_drop(struct index *ix, enum index_owner_kind kind, int64_t id)
{
    if (kind == INDEX_OWNER_ATTRIBUTE) {
        index_remove(ix, id);
        return;
    }
    uint32_t i = owner_find(ix, kind, id);
    if (i == NONE)
        return;
    uint32_t r = ix->owner_map[i] - 1;
    value_drop(ix, (struct posting){0, r << POSTING_FLAG_BITS}, ix->owners[r].key);
    owner_delete(ix, i);
    owner_release(ix, r);
}

int index_put(struct index *ix, const struct index_owner *o, const char *type, const char *value,
              unsigned flags)
{
    if (o->kind == INDEX_OWNER_ATTRIBUTE)
        return index_add(ix, type, value, o->id, o->group, flags);
    if ((unsigned)o->kind >= INDEX_OWNER_KINDS)
        return ERR_INVAL;
    index_drop(ix, o->kind, o->id);
    uint32_t r = owner_alloc(ix), rec = 0;
    if (r == NONE)
        return ERR_TOOBIG;
    /* other owners never correlate: flagged so, the correlation walk skips them */
    struct posting who = {0, r << POSTING_FLAG_BITS | POSTING_NO_CORRELATE};
    int rc = value_put(ix, who, type, value, &rec);
    if (rc == 0) {
        ix->owners[r] = (struct owner){o->id, o->group, rec, (uint32_t)o->kind};
        owner_insert(ix, r);
    } else {
        owner_release(ix, r);
    }
    net4_maybe_rebuild(ix);
    return rc;
}

bool index_holds(const struct index *ix, enum index_owner_kind kind, int64_t id)
{
    if (kind == INDEX_OWNER_ATTRIBUTE)
        return index_contains(ix, id);
    return owner_find(ix, kind, id) != NONE;
}

bool index_contains(const struct index *ix, int64_t attribute_id)
{
    return attribute_id >= 1 && attribute_id <= UINT32_MAX &&
           attr_find(ix, (uint32_t)attribute_id) != NONE;
}

/* ---- look-up ---- */

/* Where hits go: one of the two callback shapes, the owner kinds reported (bits),
 * the query's position, a stop flag. */
struct emit {
    int (*fn)(void *ctx, const struct index_hit *hit);
    int (*fn_batch)(void *ctx, size_t qi, const struct index_hit *hit);
    void *ctx;
    unsigned kinds;
    size_t qi;
    size_t n;
    bool stop;
};

#define ATTRIBUTES_ONLY (1u << INDEX_OWNER_ATTRIBUTE)

static inline unsigned posting_kind(const struct index *ix, struct posting p)
{
    return p.attribute != 0 ? INDEX_OWNER_ATTRIBUTE
                            : ix->owners[p.event >> POSTING_FLAG_BITS].kind;
}

/* How many of the n postings at p belong to owners of the kinds (bits). */
static uint32_t postings_of(const struct index *ix, const struct posting *p, uint32_t n,
                            unsigned kinds)
{
    uint32_t c = 0;
    for (uint32_t i = 0; i < n; i++)
        c += (kinds >> posting_kind(ix, p[i])) & 1;
    return c;
}

static void emit_postings(const struct index *ix, const struct slot *s, enum index_match kind,
                          struct str indexed, bool domains_only, struct emit *em)
{
    uint32_t n = s->meta & SLOT_COUNT;
    const struct posting *p = slot_postings(ix, s);
    bool mixed = (s->meta & SLOT_OWNERS) != 0;
    struct index_hit hit = {{0}, {0}, kind, indexed, n, INDEX_OWNER_ATTRIBUTE};
    if (mixed)
        hit.postings = postings_of(ix, p, n, em->kinds);
    for (uint32_t i = 0; i < n && !em->stop; i++) {
        if (domains_only && !(p[i].event & POSTING_DOMAIN))
            continue;
        if (p[i].attribute != 0) {
            if (!(em->kinds & ATTRIBUTES_ONLY))
                continue;
            hit.owner = INDEX_OWNER_ATTRIBUTE;
            hit.attribute_id = p[i].attribute;
            hit.event_id = p[i].event >> POSTING_FLAG_BITS;
        } else {
            const struct owner *o = &ix->owners[p[i].event >> POSTING_FLAG_BITS];
            if (!((em->kinds >> o->kind) & 1))
                continue;
            hit.owner = (enum index_owner_kind)o->kind;
            hit.owner_id = o->id;
            hit.group_id = o->group;
        }
        em->n++;
        int r = em->fn ? em->fn(em->ctx, &hit) : em->fn_batch(em->ctx, em->qi, &hit);
        if (r != 0)
            em->stop = true;
    }
}

enum query_kind { Q_NONE, Q_TEXT, Q_DOMAIN, Q_V4, Q_V6, Q_NET };

struct query {
    const char *text; /* normalised key */
    size_t len;
    uint64_t hash;
    enum query_kind kind;
    uint32_t v4;
    unsigned char v6[16];
};

/* Character classes for the normaliser's single pass. */
enum {
    C_DIGIT = 1,
    C_DOT = 2,
    C_SLASH = 4,
    C_COLON = 8,
    C_HEX = 16, /* a-f, A-F */
    C_AT = 32,
    C_NUL = 64,
    C_OTHER = 128,
};

static const unsigned char char_class[256] = {
    [0] = C_NUL,
    ['0'] = C_DIGIT, ['1'] = C_DIGIT, ['2'] = C_DIGIT, ['3'] = C_DIGIT, ['4'] = C_DIGIT,
    ['5'] = C_DIGIT, ['6'] = C_DIGIT, ['7'] = C_DIGIT, ['8'] = C_DIGIT, ['9'] = C_DIGIT,
    ['.'] = C_DOT, ['/'] = C_SLASH, [':'] = C_COLON, ['@'] = C_AT,
    ['a'] = C_HEX, ['b'] = C_HEX, ['c'] = C_HEX, ['d'] = C_HEX, ['e'] = C_HEX, ['f'] = C_HEX,
    ['A'] = C_HEX, ['B'] = C_HEX, ['C'] = C_HEX, ['D'] = C_HEX, ['E'] = C_HEX, ['F'] = C_HEX,
};

static inline bool is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * Normalises q into out (cap bytes, at least OBSERVABLE_IP_TEXT_MAX + 1) like the stored
 * canonical forms: trimmed; IPv4 and IPv6 addresses and networks in inet_ntop form
 * (networks masked); URLs ("scheme://") with scheme and host lower-cased;
 * anything else lower-cased.  Sets kind to Q_NONE when there is nothing to look up.
 */
static void query_normalise(struct str q, char *out, size_t cap, struct query *pq)
{
    pq->kind = Q_NONE;
    const unsigned char *s = (const unsigned char *)q.ptr;
    size_t n = q.len;
    while (n && is_space(s[0])) {
        s++;
        n--;
    }
    while (n && is_space(s[n - 1]))
        n--;
    if (n == 0 || n >= cap || n > INDEX_KEY_MAX)
        return;
    unsigned cls = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        unsigned k = char_class[c];
        cls |= k ? k : C_OTHER;
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    if (cls & C_NUL)
        return;
    pq->text = out;
    pq->len = n;
    struct observable_ip ip;
    if (!(cls & ~(C_DIGIT | C_DOT | C_SLASH | C_COLON | C_HEX)) &&
        ((cls & C_COLON) || !(cls & C_HEX)) &&
        observable_ip_parse(out, n, OBSERVABLE_PREFIX_SHORT, &ip) == OBSERVABLE_OK) {
        /* an address or a network */
        if (ip.family == 4) {
            pq->v4 = ip.v4;
            pq->kind = ip.prefix == 32 ? Q_V4 : Q_NET;
            if (ip.has_prefix) /* else already inet_ntop's text */
                pq->len = observable_ip_format(&ip, true, out);
            goto hash;
        }
        memcpy(pq->v6, ip.v6, 16);
        pq->len = observable_ip_format(&ip, true, out);
        pq->kind = ip.prefix == 128 ? Q_V6 : Q_NET;
        if (pq->len > 0)
            goto hash;
        pq->kind = Q_NONE;
        return;
    }
    /* Known differences from the stored forms (types.c), kept so that look-ups
     * answer as before: a URL's userinfo, and a query or fragment with no path
     * before it, are lower-cased here but not there (observable_url_host_lower);
     * a host name's trailing dot is not dropped; IDNA is not applied. */
    pq->kind = Q_TEXT;
    if ((cls & (C_COLON | C_SLASH)) == (C_COLON | C_SLASH)) {
        const char *sep = memmem(out, n, "://", 3);
        if (sep) {
            /* the path keeps its case */
            const char *path = memchr(sep + 3, '/', n - (size_t)(sep + 3 - out));
            if (path)
                memcpy((char *)path, s + (path - out), n - (size_t)(path - out));
        }
    } else if ((cls & C_DOT) && !(cls & (C_SLASH | C_AT))) {
        pq->kind = Q_DOMAIN;
    }
hash:
    pq->hash = hash_bytes(pq->text, pq->len);
}

static void lookup_exact_slot(const struct index *ix, const struct query *q, uint32_t hint,
                              struct emit *em)
{
    const struct slot *s = NULL;
    if (hint == MISS)
        return;
    if (hint != NONE) {
        /* the slot found by hash in a batch: confirm the text */
        s = &ix->slots[hint];
        struct str k = pool_key(ix, s->key);
        if (k.len != q->len || memcmp(k.ptr, q->text, q->len) != 0)
            s = probe(ix, q->text, q->len, q->hash);
        else if ((s->meta & SLOT_COUNT) == 0)
            s = NULL;
        if (s)
            emit_postings(ix, s, INDEX_EXACT, pool_key(ix, s->key), false, em);
        return;
    }
    if ((s = probe(ix, q->text, q->len, q->hash)) != NULL)
        emit_postings(ix, s, INDEX_EXACT, pool_key(ix, s->key), false, em);
}

static void lookup_net4(const struct index *ix, uint32_t addr, uint32_t ivi, struct emit *em)
{
    uint64_t delta = ix->delta_lengths;
    uint64_t chain = 0;
    uint32_t by_len[32];
    if (ix->n_built > 0) {
        if (ivi == NONE)
            ivi = iv_find(ix, addr);
        for (uint32_t r = ix->iv[ivi].net; r != NONE; r = ix->net4[r].parent) {
            chain |= (uint64_t)1 << ix->net4[r].len;
            by_len[ix->net4[r].len] = r;
        }
    }
    for (uint64_t all = chain | delta; all && !em->stop;) {
        unsigned l = 63 - (unsigned)__builtin_clzll(all);
        all &= ~((uint64_t)1 << l);
        if (!((chain >> l) & 1)) {
            if (!net4_delta_maybe(ix, addr & mask4(l), l))
                continue;
            char text[20];
            size_t n = net4_format(addr, l, text);
            const struct slot *s = probe(ix, text, n, hash_bytes(text, n));
            if (s)
                emit_postings(ix, s, INDEX_NETWORK, pool_key(ix, s->key), false, em);
        } else {
            const struct net4 *r = &ix->net4[by_len[l]];
            const struct slot *s = &ix->slots[r->slot];
            if (s->meta & SLOT_COUNT)
                emit_postings(ix, s, INDEX_NETWORK,
                              (struct str){pool_at(ix, s->key) + 2, r->text_len}, false, em);
        }
    }
}

static void lookup_net6(const struct index *ix, const unsigned char addr[16], struct emit *em)
{
    for (unsigned l = 128; l-- > 0 && !em->stop;) {
        if (!((ix->v6_lengths[l / 64] >> (l % 64)) & 1))
            continue;
        char text[OBSERVABLE_IP_TEXT_MAX + 1];
        size_t n = net6_format(addr, l, text);
        const struct slot *s = n ? probe(ix, text, n, hash_bytes(text, n)) : NULL;
        if (s)
            emit_postings(ix, s, INDEX_NETWORK, pool_key(ix, s->key), false, em);
    }
}

/* Every stored parent domain of a host name, nearest first; the Bloom filter
 * answers most of them without touching the table. */
static void lookup_parents(const struct index *ix, const struct query *q, struct emit *em)
{
    const char *end = q->text + q->len;
    for (const char *dot = memchr(q->text, '.', q->len); dot && !em->stop;
         dot = memchr(dot + 1, '.', (size_t)(end - dot - 1))) {
        const char *parent = dot + 1;
        size_t n = (size_t)(end - parent);
        if (n == 0 || (ix->dotless_domains == 0 && memchr(parent, '.', n) == NULL))
            break;
        uint64_t h = hash_bytes(parent, n);
        if (!bloom_maybe(ix, h))
            continue;
        const struct slot *s = probe(ix, parent, n, h);
        if (s)
            emit_postings(ix, s, INDEX_SUBDOMAIN, pool_key(ix, s->key), true, em);
    }
}

static void lookup_query(const struct index *ix, const struct query *q, uint32_t hint,
                         uint32_t ivi, bool exact_only, struct emit *em)
{
    if (q->kind == Q_NONE)
        return;
    lookup_exact_slot(ix, q, hint, em);
    if (exact_only || em->stop)
        return;
    if (q->kind == Q_V4)
        lookup_net4(ix, q->v4, ivi, em);
    else if (q->kind == Q_V6)
        lookup_net6(ix, q->v6, em);
    else if (q->kind == Q_DOMAIN)
        lookup_parents(ix, q, em);
}

static size_t lookup(const struct index *ix, struct str q, bool exact_only, unsigned kinds,
                     int (*fn)(void *ctx, const struct index_hit *hit), void *ctx)
{
    char buf[INDEX_KEY_MAX + 1];
    struct query pq;
    struct emit em = {fn, NULL, ctx, kinds, 0, 0, false};
    query_normalise(q, buf, sizeof(buf), &pq);
    if (!exact_only) {
        /* start the network's or the nearest parent's first miss while the
         * exact probe waits for its own */
        if (pq.kind == Q_V4 && ix->n_built > 0) {
            __builtin_prefetch(&ix->first[pq.v4 >> (32 - ix->first_bits)]);
        } else if (pq.kind == Q_DOMAIN) {
            const char *dot = memchr(pq.text, '.', pq.len);
            size_t n = pq.len - (size_t)(dot + 1 - pq.text);
            if (n > 0 && (ix->dotless_domains > 0 || memchr(dot + 1, '.', n) != NULL))
                __builtin_prefetch(&ix->bloom[bloom_word(ix, hash_bytes(dot + 1, n))]);
        }
    }
    lookup_query(ix, &pq, NONE, NONE, exact_only, &em);
    return em.n;
}

size_t index_lookup(const struct index *ix, struct str q,
                    int (*fn)(void *ctx, const struct index_hit *hit), void *ctx)
{
    return lookup(ix, q, false, ATTRIBUTES_ONLY, fn, ctx);
}

size_t index_lookup_exact(const struct index *ix, struct str q,
                          int (*fn)(void *ctx, const struct index_hit *hit), void *ctx)
{
    return lookup(ix, q, true, ATTRIBUTES_ONLY, fn, ctx);
}

size_t index_lookup_owners(const struct index *ix, struct str q, unsigned kinds, bool exact_only,
                           int (*fn)(void *ctx, const struct index_hit *hit), void *ctx)
{
    return lookup(ix, q, exact_only, kinds, fn, ctx);
}

/*
 * Batches of BATCH queries go through passes so that the cache misses of
 * different queries overlap (a miss costs hundreds of nanoseconds here; a single
 * look-up waits for each of its dependent misses in turn).  Computing passes and
 * memory passes are kept apart: prefetches interleaved with the normaliser's
 * work were measured to stall, while short loops of back-to-back prefetches or
 * independent loads overlap well.
 *   A  normalise and hash every query (and the parents of host names);
 *   B  prefetch the home slots, first-level entries, Bloom words;
 *   C  find the slot whose hash matches; prefetch its key and postings, the
 *      intervals of an IPv4 address, the home slots of parents the Bloom
 *      filter lets through;
 *   D  IPv4: find the interval, prefetch its longest prefix's record;
 *   E  IPv4: prefetch that prefix's slot and its parent's record;
 *   F  report, in query order, exactly as single look-ups do.
 * A query too long for the batch buffers takes the single path in F.
 */
#define BATCH 32
#define BATCH_KEY 256
#define BATCH_PARENTS 4

size_t index_lookup_batch(const struct index *ix, const struct str *qs, size_t n,
                          int (*fn)(void *ctx, size_t qi, const struct index_hit *hit),
                          void *ctx)
{
    char bufs[BATCH][BATCH_KEY];
    struct query q[BATCH];
    uint32_t hint[BATCH], ivi[BATCH];
    uint64_t parent_hash[BATCH][BATCH_PARENTS];
    unsigned n_parents[BATCH];
    struct emit em = {NULL, fn, ctx, ATTRIBUTES_ONLY, 0, 0, false};
    bool net4 = ix->n_built > 0;
    for (size_t base = 0; base < n && !em.stop; base += BATCH) {
        size_t m = n - base < BATCH ? n - base : BATCH;
        for (size_t j = 0; j < m; j++) { /* A */
            query_normalise(qs[base + j], bufs[j], BATCH_KEY, &q[j]);
            hint[j] = MISS;
            ivi[j] = NONE;
            n_parents[j] = 0;
            if (q[j].kind != Q_DOMAIN)
                continue;
            const char *end = q[j].text + q[j].len;
            for (const char *dot = memchr(q[j].text, '.', q[j].len);
                 dot && dot + 1 < end && n_parents[j] < BATCH_PARENTS;
                 dot = memchr(dot + 1, '.', (size_t)(end - dot - 1)))
                parent_hash[j][n_parents[j]++] = hash_bytes(dot + 1, (size_t)(end - dot - 1));
        }
        for (size_t j = 0; j < m; j++) { /* B */
            if (q[j].kind == Q_NONE)
                continue;
            __builtin_prefetch(&ix->slots[scale(q[j].hash, ix->cap)]);
            if (q[j].kind == Q_V4 && net4)
                __builtin_prefetch(&ix->first[q[j].v4 >> (32 - ix->first_bits)]);
            for (unsigned k = 0; k < n_parents[j]; k++)
                __builtin_prefetch(&ix->bloom[bloom_word(ix, parent_hash[j][k])]);
        }
        for (size_t j = 0; j < m; j++) { /* C */
            if (q[j].kind == Q_NONE)
                continue;
            uint32_t i = scale(q[j].hash, ix->cap);
            while (ix->slots[i].hash != 0 && ix->slots[i].hash != q[j].hash)
                if (++i == ix->cap)
                    i = 0;
            if (ix->slots[i].hash != 0) {
                hint[j] = i;
                const struct slot *s = &ix->slots[i];
                __builtin_prefetch(pool_at(ix, s->key));
                if ((s->meta & SLOT_COUNT) > 1)
                    __builtin_prefetch(ix->post + s->u.many.off);
            }
            if (q[j].kind == Q_V4 && net4) {
                uint32_t b = q[j].v4 >> (32 - ix->first_bits);
                __builtin_prefetch(&ix->iv[ix->first[b]]);
                __builtin_prefetch(&ix->iv[ix->first[b + 1]]);
            }
            for (unsigned k = 0; k < n_parents[j]; k++)
                if (bloom_maybe(ix, parent_hash[j][k]))
                    __builtin_prefetch(&ix->slots[scale(parent_hash[j][k], ix->cap)]);
        }
        if (net4) {
            for (size_t j = 0; j < m; j++) { /* D */
                if (q[j].kind != Q_V4)
                    continue;
                ivi[j] = iv_find(ix, q[j].v4);
                if (ix->iv[ivi[j]].net != NONE)
                    __builtin_prefetch(&ix->net4[ix->iv[ivi[j]].net]);
            }
            for (size_t j = 0; j < m; j++) { /* E */
                if (ivi[j] == NONE || ix->iv[ivi[j]].net == NONE)
                    continue;
                const struct net4 *r = &ix->net4[ix->iv[ivi[j]].net];
                __builtin_prefetch(&ix->slots[r->slot]);
                if (r->parent != NONE)
                    __builtin_prefetch(&ix->net4[r->parent]);
            }
        }
        for (size_t j = 0; j < m && !em.stop; j++) { /* F */
            em.qi = base + j;
            if (q[j].kind == Q_NONE && qs[base + j].len >= BATCH_KEY) {
                char buf[INDEX_KEY_MAX + 1];
                struct query lq;
                query_normalise(qs[base + j], buf, sizeof(buf), &lq);
                lookup_query(ix, &lq, NONE, NONE, false, &em);
                continue;
            }
            lookup_query(ix, &q[j], hint[j], ivi[j], false, &em);
        }
    }
    return em.n;
}

/* ---- correlation ---- */

/* Whether the postings span more than max distinct events (stops counting past it). */
static bool events_exceed(const struct posting *p, uint32_t n, size_t max)
{
    size_t cap = 64;
    unsigned shift = 58; /* 64 - log2(cap) */
    while (cap < 2 * (max + 1)) {
        cap *= 2;
        shift--;
    }
    uint32_t stack_set[64];
    uint32_t *set = cap <= 64 ? stack_set : xreallocarray(NULL, cap, sizeof(*set));
    memset(set, 0xff, cap * sizeof(*set)); /* NONE: events are below 2^30 */
    size_t distinct = 0;
    bool over = false;
    for (uint32_t i = 0; i < n && !over; i++) {
        if (p[i].attribute == 0)
            continue; /* another owner: no event */
        uint32_t ev = p[i].event >> POSTING_FLAG_BITS;
        size_t j = (size_t)(((uint64_t)ev * 0x9e3779b97f4a7c15ull) >> shift);
        while (set[j] != NONE && set[j] != ev)
            j = (j + 1) & (cap - 1);
        if (set[j] == NONE) {
            set[j] = ev;
            over = ++distinct > max;
        }
    }
    if (set != stack_set)
        free(set);
    return over;
}

size_t index_correlate(const struct index *ix, int64_t attribute_id, size_t max_events,
                       int (*fn)(void *ctx, const struct index_hit *hit), void *ctx)
{
    struct emit em = {fn, NULL, ctx, ATTRIBUTES_ONLY, 0, 0, false};
    if (attribute_id < 1 || attribute_id > UINT32_MAX)
        return 0;
    uint32_t id = (uint32_t)attribute_id;
    uint32_t ai = attr_find(ix, id);
    if (ai == NONE || (ix->attrs[ai].key & ~ATTR_COMPOSITE) == ATTR_NO_KEY)
        return 0;
    uint32_t key = ix->attrs[ai].key;
    struct str whole = pool_key(ix, key & ~ATTR_COMPOSITE);
    struct key keys[3];
    int nk = value_keys(whole.ptr, whole.len, (key & ATTR_COMPOSITE) != 0, false, false, keys);
    uint32_t own_event = NONE;
    for (int k = 0; k < nk && own_event == NONE; k++) {
        const struct slot *s = probe(ix, keys[k].text, keys[k].len,
                                     hash_bytes(keys[k].text, keys[k].len));
        if (s == NULL)
            continue;
        const struct posting *p = slot_postings(ix, s);
        for (uint32_t i = 0; i < (s->meta & SLOT_COUNT); i++) {
            if (p[i].attribute != id)
                continue;
            if (p[i].event & POSTING_NO_CORRELATE)
                return 0;
            own_event = p[i].event >> POSTING_FLAG_BITS;
            break;
        }
    }
    if (own_event == NONE)
        return 0;
    for (int k = 0; k < nk && !em.stop; k++) {
        const struct slot *s = probe(ix, keys[k].text, keys[k].len,
                                     hash_bytes(keys[k].text, keys[k].len));
        if (s == NULL)
            continue;
        uint32_t n = s->meta & SLOT_COUNT;
        const struct posting *p = slot_postings(ix, s);
        struct index_hit hit = {{0}, {0}, INDEX_EXACT, pool_key(ix, s->key), n,
                                INDEX_OWNER_ATTRIBUTE};
        if (s->meta & SLOT_OWNERS)
            hit.postings = postings_of(ix, p, n, ATTRIBUTES_ONLY);
        if (n > max_events && events_exceed(p, n, max_events)) {
            em.n++;
            em.stop = fn(ctx, &hit) != 0;
            continue;
        }
        for (uint32_t i = 0; i < n && !em.stop; i++) {
            uint32_t ev = p[i].event >> POSTING_FLAG_BITS;
            if (p[i].attribute == id || ev == own_event || (p[i].event & POSTING_NO_CORRELATE))
                continue;
            hit.attribute_id = p[i].attribute;
            hit.event_id = ev;
            em.n++;
            em.stop = fn(ctx, &hit) != 0;
        }
    }
    return em.n;
}

/* ---- sizes ---- */

size_t index_count(const struct index *ix)
{
    return ix->live;
}

size_t index_attributes(const struct index *ix)
{
    return ix->n_attrs;
}

size_t index_owners(const struct index *ix)
{
    return ix->n_owners;
}

size_t index_bytes(const struct index *ix)
{
    size_t first = ix->first ? ((size_t)1 << ix->first_bits) + 1 : 0;
    return sizeof(*ix) + big_size((size_t)ix->cap * sizeof(*ix->slots)) +
           (size_t)ix->n_chunks * (POOL_CHUNK + sizeof(*ix->chunks)) +
           (size_t)ix->post_cap * sizeof(*ix->post) +
           big_size((size_t)ix->attr_cap * sizeof(*ix->attrs)) +
           big_size((size_t)ix->bloom_words * 8) + (size_t)ix->net4_cap * sizeof(*ix->net4) +
           big_size((size_t)ix->delta_words * 8) +
           big_size((size_t)ix->iv_cap * sizeof(*ix->iv)) + big_size(first * sizeof(uint32_t)) +
           (size_t)ix->owner_cap * sizeof(*ix->owners) +
           (size_t)ix->owner_map_cap * sizeof(*ix->owner_map);
}
