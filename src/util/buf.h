/*
 * buf.h - growable byte buffer with a mandatory maximum and a sticky error.
 *
 * Appends past `max` set err = ERR_TOOBIG and are dropped; every later append
 * is a no-op, so builders check once at the end (SQLite's style).  The content
 * is always NUL-terminated when len > 0 or after buf_cstr().
 *
 * A buffer that will hold a secret (an API key, a peer's key) is marked with
 * buf_set_secret: from then on every byte it releases is wiped first, when it
 * grows (the old block), on buf_reset and on buf_free.  Other buffers are not
 * wiped (responses of many MiB would pay for it on every request).
 */
#ifndef LIAISON_BUF_H
#define LIAISON_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *ptr;
    size_t len;
    size_t cap;
    size_t max;
    int err;
    bool secret; /* wipe released bytes (buf_set_secret) */
};

/* Initialises b empty, not secret, with the given maximum length in bytes. */
void buf_init(struct buf *b, size_t max);
/* Marks b as holding a secret (see above); it stays so until buf_init. */
void buf_set_secret(struct buf *b);
/* Frees b's memory (wiping it first if b is secret) and re-initialises it
 * empty, keeping its maximum and its secret mark. */
void buf_free(struct buf *b);
/* Empties b, keeping its memory (wiped if b is secret) and its maximum. */
void buf_reset(struct buf *b);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the NUL-terminated content (borrowed; valid until the next append). */
const char *buf_cstr(struct buf *b);
/* Returns the content, owned by the caller (free with free(); a secret buffer's
 * content is the caller's to wipe); leaves b empty. */
char *buf_take(struct buf *b, size_t *len);

#endif
