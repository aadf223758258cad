/*
 * arena.c - bump allocator over a list of blocks.
 *
 * Invariant: a->head is the block being filled; older blocks are full enough
 * that we never go back to them.  Requests larger than a quarter of the block
 * size get a block of their own, inserted behind the head so the head keeps
 * its free space.
 */
#include "util/arena.h"

#include "util/alloc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64 * 1024)
#define ARENA_ALIGN 16

struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
    struct block *head;
    size_t total;
};

/*
 * Freed standard-size blocks are kept per thread (up to ARENA_CACHE_BLOCKS) and
 * handed to the next arena on that thread: a server frees and rebuilds request
 * arenas all day, and on this project's VMs a page fault costs ~10 us, so
 * reusing warm memory doubles JSON parse throughput (bench/json, "malloc
 * defaults" section).  Blocks of other sizes go back to malloc.
 */
#define ARENA_CACHE_BLOCKS 128

struct block_cache {
    struct block *head;
    unsigned count;
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

/* Thread exit: the cached blocks go back to malloc. */
static void cache_destroy(void *p)
{
    struct block_cache *bc = p;
    while (bc->head) {
        struct block *next = bc->head->next;
        free(bc->head);
        bc->head = next;
    }
    free(bc);
}

static void cache_key_init(void)
{
    if (pthread_key_create(&cache_key, cache_destroy) != 0)
        abort();
}

static struct block_cache *block_cache(void)
{
    pthread_once(&cache_once, cache_key_init);
    struct block_cache *bc = pthread_getspecific(cache_key);
    if (bc == NULL) {
        bc = xcalloc(1, sizeof(*bc));
        pthread_setspecific(cache_key, bc);
    }
    return bc;
}

static struct block *block_new(size_t cap)
{
    if (cap == ARENA_BLOCK) {
        struct block_cache *bc = block_cache();
        if (bc->head != NULL) {
            struct block *b = bc->head;
            bc->head = b->next;
            bc->count--;
            b->next = NULL;
            b->used = 0;
            return b;
        }
    }
    struct block *b = xmalloc(sizeof(*b) + cap);
    b->next = NULL;
    b->used = 0;
    b->cap = cap;
    return b;
}

struct arena *arena_new(void)
{
    struct arena *a = xcalloc(1, sizeof(*a));
    return a;
}

void arena_free(struct arena *a)
{
    if (a == NULL)
        return;
    struct block_cache *bc = block_cache();
    struct block *b = a->head;
    while (b) {
        struct block *next = b->next;
        if (b->cap == ARENA_BLOCK && bc->count < ARENA_CACHE_BLOCKS) {
            b->next = bc->head;
            bc->head = b;
            bc->count++;
        } else {
            free(b);
        }
        b = next;
    }
    free(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
    size_t need;
    if (__builtin_add_overflow(n, (size_t)ARENA_ALIGN - 1, &need))
        return xmalloc(SIZE_MAX); /* aborts */
    need &= ~(size_t)(ARENA_ALIGN - 1);
    if (need == 0)
        need = ARENA_ALIGN;
    if (need > ARENA_BLOCK / 4) {
        struct block *b = block_new(need);
        b->used = need;
        a->total += need;
        if (a->head) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            a->head = b;
        }
        return b->data;
    }
    if (a->head == NULL || a->head->cap - a->head->used < need) {
        struct block *b = block_new(ARENA_BLOCK);
        a->total += ARENA_BLOCK;
        b->next = a->head;
        a->head = b;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += need;
    return p;
}

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(count, size, &n))
        return xmalloc(SIZE_MAX); /* aborts */
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

void *arena_grow(struct arena *a, void *v, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return v;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *bigger = arena_calloc(a, ncap, elem);
    if (n)
        memcpy(bigger, v, n * elem);
    *cap = ncap;
    return bigger;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t arena_size(const struct arena *a)
{
    return a->total;
}
