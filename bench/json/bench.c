/*
 * bench.c - JSON parse and write throughput: liaison's codec/json.c against
 * cJSON, jansson and simdjson (its DOM parser; see bench_simdjson.cpp for how
 * its padding is handled) on the same document.
 *
 * Usage: json-bench FILE [ROUNDS [warm|default]]
 *
 * Each parser parses the whole file ROUNDS times (default 5) and the best
 * round counts, so a stray scheduling hiccup does not skew a figure.
 *
 * Heap mode.  A parse of 50 MiB touches 100+ MiB of fresh memory, and on
 * some machines (virtual ones especially) a page fault costs far more than
 * parsing the page.  With glibc's defaults ("default"), memory that an arena
 * frees in 64 KiB blocks is coalesced and trimmed back to the kernel, so every
 * round faults it in again, whereas cJSON's and jansson's many small frees
 * stay in malloc's bins and are reused.  "warm" (the default) turns trimming
 * and mmap off, so every parser reuses memory as a long-running server
 * does; that compares the parsers rather than the allocator.  bench/json/run
 * prints both.  Only the
 * parse is timed; freeing the tree is not (arena_free is nearly free, which
 * would flatter us).  The writers serialise the tree each parser built,
 * compact, and are timed including the release of their output; their figure
 * is output bytes per second.  Each parser lives in its own translation unit
 * because jansson's header and ours both define JSON_OBJECT and friends.
 */
#include "bench.h"

#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct bench_parser *const parsers[] = {
    &bench_liaison,
    &bench_cjson,
    &bench_jansson,
    &bench_simdjson,
    &bench_simdjson_copy,
};
enum { P_LIAISON, P_CJSON, P_JANSSON, P_SIMDJSON, P_SIMDJSON_COPY };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads the file into a buffer followed by BENCH_PADDING zero bytes. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 20, n = 0, r;
    char *p = malloc(cap);
    while (p && (r = fread(p + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            p = realloc(p, cap *= 2);
    }
    fclose(f);
    if (p && cap - n < BENCH_PADDING)
        p = realloc(p, n + BENCH_PADDING);
    if (p)
        memset(p + n, 0, BENCH_PADDING);
    *len = n;
    return p;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [ROUNDS [warm|default]]\n", argv[0]);
        return 2;
    }
    bool warm = argc < 4 || strcmp(argv[3], "default") != 0;
#ifdef __GLIBC__
    if (warm) {
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, INT_MAX);
    }
#endif
    /* Line prefix: the warm figures are the headline ones. */
    const char *tag = warm ? "" : " (malloc defaults)";
    int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
    if (rounds < 1)
        rounds = 1;
    size_t len;
    char *text = slurp(argv[1], &len);
    if (text == NULL) {
        perror(argv[1]);
        return 1;
    }
    double mib = (double)len / (1024.0 * 1024.0);
    size_t n = sizeof(parsers) / sizeof(parsers[0]);
    double parse_rate[sizeof(parsers) / sizeof(parsers[0])];
    double write_rate[sizeof(parsers) / sizeof(parsers[0])];

    printf("json input: %s, %.1f MiB, best of %d, %s heap; simdjson %s kernel\n", argv[1],
           mib, rounds, warm ? "warm" : "glibc default", bench_simdjson_kernel());
    for (size_t i = 0; i < n; i++) {
        const struct bench_parser *p = parsers[i];
        double best = 1e30, best_w = 1e30, first = 0;
        size_t out_len = 0;
        for (int r = 0; r < rounds; r++) {
            double t0 = now();
            void *doc = p->parse(text, len);
            double t1 = now();
            if (doc == NULL) {
                fprintf(stderr, "json parse %s: failed\n", p->name);
                return 1;
            }
            if (t1 - t0 < best)
                best = t1 - t0;
            if (r == 0)
                first = t1 - t0;
            if (p->write != NULL) {
                double t2 = now();
                out_len = p->write(doc);
                double t3 = now();
                if (out_len == 0) {
                    fprintf(stderr, "json write %s: failed\n", p->name);
                    return 1;
                }
                if (t3 - t2 < best_w)
                    best_w = t3 - t2;
            }
            p->release(doc);
        }
        parse_rate[i] = mib / best;
        write_rate[i] = (double)out_len / (1024.0 * 1024.0) / best_w;
        /* With malloc's defaults the first round of each parser starts on a trimmed heap. */
        if (warm)
            printf("json parse %s: %.1f MiB/s\n", p->name, parse_rate[i]);
        else
            printf("json parse%s %s: %.1f MiB/s, first round %.1f MiB/s\n", tag, p->name,
                   parse_rate[i], mib / first);
        fflush(stdout);
    }
    for (size_t i = 0; i < n; i++)
        if (parsers[i]->write != NULL)
            printf("json write%s %s: %.1f MiB/s\n", tag, parsers[i]->name, write_rate[i]);
    const double *pr = parse_rate, *wr = write_rate;
    printf("ratio%s liaison/cjson: %.2f\n", tag, pr[P_LIAISON] / pr[P_CJSON]);
    printf("ratio%s liaison/jansson: %.2f\n", tag, pr[P_LIAISON] / pr[P_JANSSON]);
    printf("ratio%s liaison/simdjson: %.2f\n", tag, pr[P_LIAISON] / pr[P_SIMDJSON]);
    printf("ratio%s liaison/simdjson+copy: %.2f\n", tag, pr[P_LIAISON] / pr[P_SIMDJSON_COPY]);
    printf("ratio%s write liaison/cjson: %.2f\n", tag, wr[P_LIAISON] / wr[P_CJSON]);
    printf("ratio%s write liaison/simdjson: %.2f\n", tag, wr[P_LIAISON] / wr[P_SIMDJSON]);
    free(text);
    return 0;
}
