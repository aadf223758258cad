/*
 * alloc.h - allocation that never returns NULL.
 *
 * Inputs are bounded by limits.h, so running out of memory is a limit bug, not
 * a recovery path: these wrappers abort with a message (as redis and git do).
 * Size arithmetic is overflow-checked.
 */
#ifndef LIAISON_ALLOC_H
#define LIAISON_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* realloc of count*size bytes; aborts on overflow (OpenBSD reallocarray). */
void *xreallocarray(void *p, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Overwrites n bytes at p in a way the compiler cannot elide (for secrets). */
void wipe(void *p, size_t n);

#endif
