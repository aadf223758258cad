/*
 * index_bench.c - look-up speed and memory of the indicator index (core/index.c),
 * each against a bare baseline measured in the same run.
 *
 *   index_bench INDICATORS.tsv [ROUNDS]
 *
 * 1. Builds the index from "type<TAB>value" lines (gen_index.py), one attribute a
 *    line, 1,000 attributes an event: build time, index_bytes and RSS growth.
 * 2. Single-thread look-ups (index_lookup) and batched ones (index_lookup_batch) of
 *    Q queries that hit (stored values, some upper-cased, subdomains of stored
 *    domains, addresses inside stored networks, parts of ip|port) and Q that miss
 *    (addresses in 198.18.0.0/15 and 2001:db8::/32, unknown domains and host names
 *    several labels deep, hashes, URLs), best of ROUNDS.
 * 3. Baseline: an open-addressing set of as many random 64-bit keys (linear
 *    probing, power-of-two table, load ~0.6, the same huge-page mapping as the
 *    index), probed with Q present and Q absent keys; the ratios index/baseline.
 * 4. IP-in-network: a second index holding only 1 M IPv4 prefixes (/32 45 %, /24
 *    35 %, /16-/23 12.9 %, /8-/15 0.1 %, /25-/31 7 %), queried with addresses (half
 *    inside a stored prefix, half anywhere), against a plain binary search over the
 *    sorted elementary intervals of the same prefixes (longest match only, the
 *    address already parsed); the two must agree on which queries match.
 */
#include "core/index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifndef Q
#define Q 2000000
#endif
#define NETS 1000000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double rss_mib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return (double)resident * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next64(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
    return (uint32_t)(((next64() >> 32) * n) >> 32);
}

static void *xmalloc_or_die(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "index_bench: out of memory\n");
        exit(1);
    }
    return p;
}

/* Query text lives in one growing buffer; views are fixed up at the end. */
struct queries {
    char *text;
    size_t len, cap;
    size_t *off;
    struct str *qs;
    size_t n;
};

static void q_init(struct queries *q)
{
    q->cap = (size_t)Q * 48;
    q->text = xmalloc_or_die(q->cap);
    q->len = 0;
    q->off = xmalloc_or_die(((size_t)Q + 1) * sizeof(*q->off));
    q->qs = xmalloc_or_die((size_t)Q * sizeof(*q->qs));
    q->n = 0;
}

static void q_add(struct queries *q, const char *s, size_t n)
{
    if (q->len + n > q->cap) {
        q->cap = (q->len + n) * 2;
        q->text = realloc(q->text, q->cap);
        if (q->text == NULL)
            exit(1);
    }
    memcpy(q->text + q->len, s, n);
    q->off[q->n++] = q->len;
    q->len += n;
}

static void q_done(struct queries *q)
{
    q->off[q->n] = q->len;
    for (size_t i = 0; i < q->n; i++)
        q->qs[i] = (struct str){q->text + q->off[i], q->off[i + 1] - q->off[i]};
}

static void upper(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'a' && s[i] <= 'z')
            s[i] = (char)(s[i] - 32);
}

static void rand_label(char *out, size_t *n, unsigned lo, unsigned hi)
{
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned len = lo + below(hi - lo + 1);
    for (unsigned i = 0; i < len; i++)
        out[(*n)++] = alnum[below(36)];
}

static void rand_hex(char *out, size_t *n, unsigned len)
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < len; i++)
        out[(*n)++] = hex[below(16)];
}

static size_t dotted(uint32_t a, char *out)
{
    return (size_t)snprintf(out, 16, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255,
                            a & 255);
}

/* A query that should hit, made from stored line i. */
static void hit_query(struct queries *q, const char *type, const char *value)
{
    char buf[4200];
    size_t n = strlen(value);
    if (n > 4000)
        n = 4000;
    memcpy(buf, value, n);
    uint32_t r = below(100);
    const char *slash = memchr(buf, '/', n);
    if (strcmp(type, "domain") == 0 || strcmp(type, "hostname") == 0) {
        if (r < 25) {
            memmove(buf + 4, buf, n);
            memcpy(buf, "www.", 4);
            n += 4;
        } else if (r < 50) {
            upper(buf, n);
        }
    } else if (strncmp(type, "ip-", 3) == 0 && strchr(type, '|') == NULL && slash != NULL) {
        unsigned a, b, c, d, len;
        if (memchr(buf, ':', n) == NULL &&
            sscanf(value, "%u.%u.%u.%u/%u", &a, &b, &c, &d, &len) == 5) { /* an address inside */
            uint32_t start = a << 24 | b << 16 | c << 8 | d;
            uint32_t host = len == 0 ? (uint32_t)next64() : (uint32_t)next64() >> len;
            n = dotted(start | host, buf);
        } else {
            n = (size_t)(slash - buf); /* an IPv6 network's first address */
        }
    } else if (strcmp(type, "ip-dst|port") == 0 && r < 50) {
        n = (size_t)((char *)memchr(buf, '|', n) - buf);
    } else if ((strcmp(type, "sha256") == 0 || strcmp(type, "md5") == 0) && r < 30) {
        upper(buf, n);
    }
    q_add(q, buf, n);
}

static void miss_query(struct queries *q)
{
    static const char *const words[] = {"mail", "login", "cdn", "secure", "api", "update"};
    char buf[256];
    size_t n = 0;
    uint32_t r = below(100);
    if (r < 30) {
        n = dotted(0xc6120000u | below(1u << 17), buf); /* 198.18.0.0/15 */
    } else if (r < 35) {
        n = (size_t)snprintf(buf, sizeof(buf), "2001:db8:%x:%x::%x", below(65536), below(65536),
                             1 + below(65535));
    } else if (r < 50) {
        rand_label(buf, &n, 5, 14);
        memcpy(buf + n, ".invalid", 8);
        n += 8;
    } else if (r < 65) { /* a host name several labels below an unknown domain */
        rand_label(buf, &n, 3, 8);
        n += (size_t)snprintf(buf + n, 32, ".%s.", words[below(6)]);
        rand_label(buf, &n, 5, 12);
        memcpy(buf + n, ".com", 4);
        n += 4;
    } else if (r < 85) {
        rand_hex(buf, &n, 64);
    } else if (r < 90) {
        rand_hex(buf, &n, 32);
    } else {
        memcpy(buf, "http://", 7);
        n = 7;
        rand_label(buf, &n, 5, 12);
        memcpy(buf + n, ".invalid/", 9);
        n += 9;
        rand_label(buf, &n, 3, 20);
    }
    q_add(q, buf, n);
}

struct acc {
    uint64_t hits;
    uint64_t sum;
    size_t last_qi;
    uint64_t queries_hit;
};

static int on_hit(void *ctx, const struct index_hit *hit)
{
    struct acc *a = ctx;
    a->hits++;
    a->sum += (uint64_t)hit->attribute_id + hit->indexed.len;
    return 0;
}

static int on_hit_batch(void *ctx, size_t qi, const struct index_hit *hit)
{
    struct acc *a = ctx;
    if (qi != a->last_qi || a->queries_hit == 0) {
        a->queries_hit++;
        a->last_qi = qi;
    }
    a->hits++;
    a->sum += (uint64_t)hit->attribute_id + hit->indexed.len;
    return 0;
}

/* Best of rounds: queries per second, single look-ups. */
static double time_single(const struct index *ix, const struct queries *q, int rounds,
                          uint64_t *queries_hit)
{
    double best = 0;
    for (int r = 0; r < rounds; r++) {
        struct acc a = {0, 0, 0, 0};
        uint64_t qh = 0;
        double t = now();
        for (size_t i = 0; i < q->n; i++)
            qh += index_lookup(ix, q->qs[i], on_hit, &a) > 0;
        t = now() - t;
        if ((double)q->n / t > best)
            best = (double)q->n / t;
        *queries_hit = qh;
    }
    return best;
}

static double time_batch(const struct index *ix, const struct queries *q, int rounds,
                         uint64_t *queries_hit)
{
    double best = 0;
    for (int r = 0; r < rounds; r++) {
        struct acc a = {0, 0, 0, 0};
        double t = now();
        index_lookup_batch(ix, q->qs, q->n, on_hit_batch, &a);
        t = now() - t;
        if ((double)q->n / t > best)
            best = (double)q->n / t;
        *queries_hit = a.queries_hit;
    }
    return best;
}

/* ---- baseline: a bare open-addressing set of 64-bit keys ---- */

static void *huge_zeroed(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "index_bench: mmap failed\n");
        exit(1);
    }
    (void)madvise(p, bytes, MADV_HUGEPAGE);
    return p;
}

static inline size_t hs_home(uint64_t k, unsigned shift)
{
    return (size_t)((k * 0x9e3779b97f4a7c15ull) >> shift);
}

static inline bool hs_contains(const uint64_t *t, size_t mask, unsigned shift, uint64_t k)
{
    for (size_t i = hs_home(k, shift);; i = (i + 1) & mask) {
        if (t[i] == k)
            return true;
        if (t[i] == 0)
            return false;
    }
}

static void baseline(size_t n, int rounds, double *hits_s, double *misses_s, size_t *bytes)
{
    unsigned bits = 10;
    while (((size_t)1 << bits) * 6 < n * 10) /* load <= 0.6 */
        bits++;
    size_t cap = (size_t)1 << bits, mask = cap - 1;
    unsigned shift = 64 - bits;
    uint64_t *t = huge_zeroed(cap * 8);
    uint64_t *keys = xmalloc_or_die(n * 8);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = next64() | 1;
        keys[i] = k;
        size_t j = hs_home(k, shift);
        while (t[j] != 0 && t[j] != k)
            j = (j + 1) & mask;
        t[j] = k;
    }
    uint64_t *hq = xmalloc_or_die((size_t)Q * 8), *mq = xmalloc_or_die((size_t)Q * 8);
    for (size_t i = 0; i < Q; i++) {
        hq[i] = keys[below((uint32_t)n)];
        mq[i] = next64() & ~(uint64_t)1; /* even: never stored */
    }
    *hits_s = *misses_s = 0;
    for (int r = 0; r < rounds; r++) {
        size_t found = 0;
        double t0 = now();
        for (size_t i = 0; i < Q; i++)
            found += hs_contains(t, mask, shift, hq[i]);
        double t1 = now();
        for (size_t i = 0; i < Q; i++)
            found += hs_contains(t, mask, shift, mq[i]);
        double t2 = now();
        if (found != Q) {
            fprintf(stderr, "baseline: %zu found\n", found);
            exit(1);
        }
        if (Q / (t1 - t0) > *hits_s)
            *hits_s = Q / (t1 - t0);
        if (Q / (t2 - t1) > *misses_s)
            *misses_s = Q / (t2 - t1);
    }
    *bytes = cap * 8;
    munmap(t, cap * 8);
    free(keys);
    free(hq);
    free(mq);
}

/* ---- IP-in-network ---- */

struct prefix {
    uint32_t start;
    unsigned len;
};

static int prefix_cmp(const void *a, const void *b)
{
    const struct prefix *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (int)x->len - (int)y->len;
}

static unsigned net_len(void)
{
    uint32_t r = below(1000);
    if (r < 450)
        return 32;
    if (r < 800)
        return 24;
    if (r < 929)
        return 16 + below(8);
    if (r < 930)
        return 8 + below(8);
    return 25 + below(7);
}

static uint64_t prefix_end(const struct prefix *p)
{
    return (uint64_t)p->start + ((uint64_t)1 << (32 - p->len)) - 1;
}

/* Elementary intervals of sorted distinct prefixes: starts[] and whether a
 * prefix covers each (the longest one's index). */
static size_t intervals(const struct prefix *p, size_t n, uint32_t *starts, uint32_t *lpm)
{
    size_t m = 0, stack[40], sp = 0;
    starts[m] = 0;
    lpm[m++] = UINT32_MAX;
    for (size_t i = 0; i <= n; i++) {
        uint64_t next = i < n ? p[i].start : (uint64_t)1 << 32;
        while (sp > 0 && prefix_end(&p[stack[sp - 1]]) < next) {
            uint64_t after = prefix_end(&p[stack[--sp]]) + 1;
            if (after > UINT32_MAX)
                continue;
            uint32_t v = sp ? (uint32_t)stack[sp - 1] : UINT32_MAX;
            if (starts[m - 1] == after)
                lpm[m - 1] = v;
            else {
                starts[m] = (uint32_t)after;
                lpm[m++] = v;
            }
        }
        if (i == n)
            break;
        if (starts[m - 1] == p[i].start)
            lpm[m - 1] = (uint32_t)i;
        else {
            starts[m] = p[i].start;
            lpm[m++] = (uint32_t)i;
        }
        stack[sp++] = i;
    }
    return m;
}

static inline uint32_t interval_find(const uint32_t *starts, size_t m, uint32_t addr)
{
    size_t lo = 0, hi = m - 1;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if (starts[mid] <= addr)
            lo = mid;
        else
            hi = mid - 1;
    }
    return (uint32_t)lo;
}

static void network_bench(int rounds)
{
    struct prefix *p = xmalloc_or_die(NETS * sizeof(*p));
    for (size_t i = 0; i < NETS; i++) {
        unsigned len = net_len();
        uint32_t a = (uint32_t)next64();
        p[i] = (struct prefix){len == 0 ? 0 : a & ~(uint32_t)0 << (32 - len), len};
    }
    double rss0 = rss_mib();
    double t0 = now();
    struct index *ix = index_new();
    index_reserve(ix, NETS);
    char v[32];
    for (size_t i = 0; i < NETS; i++) {
        size_t n = dotted(p[i].start, v);
        if (p[i].len < 32)
            snprintf(v + n, sizeof(v) - n, "/%u", p[i].len);
        index_add(ix, "ip-dst", v, (int64_t)i + 1, (int64_t)(i / 1000), 0);
    }
    double build = now() - t0;
    double rss1 = rss_mib();
    size_t bytes = index_bytes(ix);
    /* queries: half inside a stored prefix, half anywhere */
    struct queries q;
    q_init(&q);
    uint32_t *addrs = xmalloc_or_die((size_t)Q * 4);
    for (size_t i = 0; i < Q; i++) {
        uint32_t a = (uint32_t)next64();
        if (i % 2 == 0) {
            const struct prefix *x = &p[below(NETS)];
            a = x->start | (x->len == 0 ? a : (x->len == 32 ? 0 : a >> x->len));
        }
        addrs[i] = a;
        q_add(&q, v, dotted(a, v));
    }
    q_done(&q);
    uint64_t matched = 0, matched_batch = 0;
    double single = time_single(ix, &q, rounds, &matched);
    double batch = time_batch(ix, &q, rounds, &matched_batch);
    /* baseline: binary search over the sorted elementary intervals */
    qsort(p, NETS, sizeof(*p), prefix_cmp);
    size_t distinct = 0;
    for (size_t i = 0; i < NETS; i++)
        if (distinct == 0 || prefix_cmp(&p[distinct - 1], &p[i]) != 0)
            p[distinct++] = p[i];
    uint32_t *starts = xmalloc_or_die((2 * distinct + 1) * 4);
    uint32_t *lpm = xmalloc_or_die((2 * distinct + 1) * 4);
    size_t m = intervals(p, distinct, starts, lpm);
    double base = 0;
    uint64_t base_matched = 0;
    for (int r = 0; r < rounds; r++) {
        uint64_t found = 0;
        double t = now();
        for (size_t i = 0; i < Q; i++)
            found += lpm[interval_find(starts, m, addrs[i])] != UINT32_MAX;
        t = now() - t;
        if (Q / t > base)
            base = Q / t;
        base_matched = found;
    }
    printf("\nIP-in-network: %zu IPv4 prefixes added (%zu distinct), %zu elementary intervals\n",
           (size_t)NETS, distinct, m);
    printf("  build %.2f s; index_bytes %.1f MiB (%.1f bytes/prefix, whole index); RSS +%.1f "
           "MiB\n",
           build, (double)bytes / 1048576.0, (double)bytes / NETS, rss1 - rss0);
    printf("  single look-ups %.2f M/s, batched %.2f M/s (text queries, every covering prefix "
           "reported)\n",
           single / 1e6, batch / 1e6);
    printf("  baseline binary search over sorted intervals (parsed address, longest match only) "
           "%.2f M/s, %.1f MiB\n",
           base / 1e6, (double)m * 8 / 1048576.0);
    printf("  ratio single/baseline %.2f, batched/baseline %.2f\n", single / base, batch / base);
    printf("  queries matching: index %llu (batched %llu), baseline %llu of %d%s\n",
           (unsigned long long)matched, (unsigned long long)matched_batch,
           (unsigned long long)base_matched, Q,
           matched == base_matched && matched_batch == base_matched ? " (agree)" : " (DISAGREE)");
    index_free(ix);
    free(p);
    free(starts);
    free(lpm);
    free(addrs);
    free(q.text);
    free(q.off);
    free(q.qs);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: index_bench INDICATORS.tsv [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    size_t size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = xmalloc_or_die(size + 1);
    if (fread(data, 1, size, f) != size) {
        perror(argv[1]);
        return 1;
    }
    fclose(f);
    data[size] = '\0';
    size_t lines = 0;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    const char **types = xmalloc_or_die(lines * sizeof(*types));
    const char **values = xmalloc_or_die(lines * sizeof(*values));
    size_t n = 0;
    for (char *s = data; s < data + size && n < lines;) {
        char *tab = strchr(s, '\t'), *nl = strchr(s, '\n');
        if (tab == NULL || nl == NULL || tab > nl)
            break;
        *tab = *nl = '\0';
        types[n] = s;
        values[n++] = tab + 1;
        s = nl + 1;
    }
    printf("index bench: %zu indicators from %s, best of %d\n", n, argv[1], rounds);

    double rss0 = rss_mib();
    double t0 = now();
    struct index *ix = index_new();
    index_reserve(ix, n);
    for (size_t i = 0; i < n; i++)
        if (index_add(ix, types[i], values[i], (int64_t)i + 1, (int64_t)(i / 1000), 0))
            return 1;
    double build = now() - t0;
    double rss1 = rss_mib();
    size_t bytes = index_bytes(ix);
    printf("build: %.2f s (%.2f M adds/s); %zu keys, %zu attributes\n", build, n / build / 1e6,
           index_count(ix), index_attributes(ix));
    printf("memory: index_bytes %.1f MiB = %.1f bytes/indicator; RSS +%.1f MiB = %.1f "
           "bytes/indicator\n",
           (double)bytes / 1048576.0, (double)bytes / (double)n, rss1 - rss0,
           (rss1 - rss0) * 1048576.0 / (double)n);

    struct queries hits, misses;
    q_init(&hits);
    q_init(&misses);
    for (size_t i = 0; i < Q; i++) {
        size_t k = below((uint32_t)n);
        hit_query(&hits, types[k], values[k]);
        miss_query(&misses);
    }
    q_done(&hits);
    q_done(&misses);
    uint64_t hq = 0, mq = 0, hqb = 0, mqb = 0;
    double hs = time_single(ix, &hits, rounds, &hq);
    double ms = time_single(ix, &misses, rounds, &mq);
    double hb = time_batch(ix, &hits, rounds, &hqb);
    double mb = time_batch(ix, &misses, rounds, &mqb);
    double bh, bm;
    size_t bbytes;
    baseline(n, rounds, &bh, &bm, &bbytes);
    printf("\nlook-ups (%d hit queries: %.1f%% found; %d miss queries: %.2f%% found)\n", Q,
           100.0 * (double)hq / Q, Q, 100.0 * (double)mq / Q);
    if (hq != hqb || mq != mqb)
        printf("  WARNING: batched found %llu/%llu, single %llu/%llu\n",
               (unsigned long long)hqb, (unsigned long long)mqb, (unsigned long long)hq,
               (unsigned long long)mq);
    printf("  %-34s %10s %10s\n", "", "hits/s", "misses/s");
    printf("  %-34s %9.2fM %9.2fM\n", "index_lookup (single thread)", hs / 1e6, ms / 1e6);
    printf("  %-34s %9.2fM %9.2fM\n", "index_lookup_batch", hb / 1e6, mb / 1e6);
    printf("  %-34s %9.2fM %9.2fM   (%zu keys, %.0f MiB)\n", "baseline 64-bit hash set", bh / 1e6,
           bm / 1e6, n, (double)bbytes / 1048576.0);
    printf("  %-34s %9.2f  %9.2f\n", "ratio single/baseline", hs / bh, ms / bm);
    printf("  %-34s %9.2f  %9.2f\n", "ratio batched/baseline", hb / bh, mb / bm);
    index_free(ix);
    free(hits.text);
    free(hits.off);
    free(hits.qs);
    free(misses.text);
    free(misses.off);
    free(misses.qs);
    free(types);
    free(values);
    free(data);

    network_bench(rounds);
    return 0;
}
