/*
 * arena.h - request- and job-lifetime memory.
 *
 * An arena hands out memory from large blocks and frees everything in one call.
 * Nothing allocated from an arena may outlive it or be stored in process-lifetime
 * structures (the index, the config).  Allocation never fails: out of memory
 * aborts (see alloc.h).  Returned memory is aligned for any scalar type.
 */
#ifndef LIAISON_ARENA_H
#define LIAISON_ARENA_H

#include <stddef.h>

struct arena;

/* Returns a new empty arena, owned: free with arena_free. */
struct arena *arena_new(void);
/* Frees every block of a (NULL allowed). */
void arena_free(struct arena *a);
/* Returns n bytes of uninitialised memory owned by a. */
void *arena_alloc(struct arena *a, size_t n);
/* Returns count*size zeroed bytes owned by a; aborts on overflow. */
void *arena_calloc(struct arena *a, size_t count, size_t size);
/* Returns a NUL-terminated copy of the n bytes at s, owned by a. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/*
 * Room for one more element in an arena-backed array v holding n elements of
 * elem bytes with capacity *cap: returns v, or a copy twice as large (16 at
 * first) with *cap updated.  The old array is left to the arena.
 */
void *arena_grow(struct arena *a, void *v, size_t n, size_t *cap, size_t elem);
/* printf into arena memory. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Total bytes of blocks held (for limits and statistics). */
size_t arena_size(const struct arena *a);

#endif
