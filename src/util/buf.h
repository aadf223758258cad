/*
 * buf.h - growable byte buffer with a mandatory maximum and a sticky error.
 *
 * Appends past `max` set err = ERR_TOOBIG and are dropped; every later append
 * is a no-op, so builders check once at the end (SQLite's style).  The content
 * is always NUL-terminated when len > 0 or after buf_cstr().
 */
#ifndef LIAISON_BUF_H
#define LIAISON_BUF_H

#include <stddef.h>

struct buf {
    char *ptr;
    size_t len;
    size_t cap;
    size_t max;
    int err;
};

/* Initialises b empty with the given maximum length in bytes. */
void buf_init(struct buf *b, size_t max);
/* Frees b's memory (wiping it first if secret is set) and re-initialises it empty. */
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the NUL-terminated content (borrowed; valid until the next append). */
const char *buf_cstr(struct buf *b);
/* Returns the content, owned by the caller (free with free()); leaves b empty. */
char *buf_take(struct buf *b, size_t *len);

#endif
