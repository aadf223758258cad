/*
 * bench.h - one JSON implementation under test, behind three calls.
 * Included by C and by C++ (bench_simdjson.cpp).
 */
#ifndef LIAISON_BENCH_JSON_H
#define LIAISON_BENCH_JSON_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The text handed to parse() is followed by this many readable zero bytes
 * (simdjson reads up to 64 bytes past the end; the others ignore them). */
#define BENCH_PADDING 64

struct bench_parser {
    const char *name;
    /* Parses len bytes at text; returns the document (opaque) or NULL on error. */
    void *(*parse)(const char *text, size_t len);
    /* Serialises doc compactly, frees the text; returns its length (0 on error).
     * NULL: no writer figure for this entry. */
    size_t (*write)(void *doc);
    /* Frees doc. */
    void (*release)(void *doc);
};

extern const struct bench_parser bench_liaison, bench_cjson, bench_jansson, bench_simdjson,
    bench_simdjson_copy;

/* simdjson's choice of kernel for this CPU (haswell, icelake, fallback, ...). */
const char *bench_simdjson_kernel(void);

#ifdef __cplusplus
}
#endif

#endif
