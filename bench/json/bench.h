/*
 * bench.h - one JSON implementation under test, behind three calls.
 */
#ifndef LIAISON_BENCH_JSON_H
#define LIAISON_BENCH_JSON_H

#include <stddef.h>

struct bench_parser {
    const char *name;
    /* Parses len bytes at text; returns the document (opaque) or NULL on error. */
    void *(*parse)(const char *text, size_t len);
    /* Serialises doc compactly, frees the text; returns its length (0 on error). */
    size_t (*write)(void *doc);
    /* Frees doc. */
    void (*release)(void *doc);
};

extern const struct bench_parser bench_liaison, bench_cjson, bench_jansson;

#endif
