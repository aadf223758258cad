/*
 * buf.c - growable buffer.
 */
#include "util/buf.h"

#include "util/alloc.h"
#include "util/err.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->err = 0;
    b->secret = false;
}

void buf_set_secret(struct buf *b)
{
    b->secret = true;
}

void buf_free(struct buf *b)
{
    bool secret = b->secret;
    if (secret && b->ptr)
        wipe(b->ptr, b->cap);
    free(b->ptr);
    buf_init(b, b->max);
    b->secret = secret;
}

void buf_reset(struct buf *b)
{
    if (b->secret && b->ptr)
        wipe(b->ptr, b->cap);
    b->len = 0;
    b->err = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

static int buf_reserve(struct buf *b, size_t n)
{
    size_t need;
    if (b->err)
        return -1;
    if (__builtin_add_overflow(b->len, n, &need) || need > b->max) {
        b->err = ERR_TOOBIG;
        return -1;
    }
    if (need + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need + 1)
            cap = cap > SIZE_MAX / 2 ? need + 1 : cap * 2;
        if (b->secret && b->ptr) { /* realloc would leave the old block unwiped */
            char *p = xmalloc(cap);
            memcpy(p, b->ptr, b->len + 1);
            wipe(b->ptr, b->cap);
            free(b->ptr);
            b->ptr = p;
        } else {
            b->ptr = xrealloc(b->ptr, cap);
        }
        b->cap = cap;
    }
    return 0;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n) < 0)
        return;
    if (n)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
    if (b->len + 1 < b->cap && !b->err && b->len + 1 <= b->max) {
        b->ptr[b->len++] = c;
        b->ptr[b->len] = '\0';
        return;
    }
    buf_append(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_reserve(b, (size_t)n) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *buf_cstr(struct buf *b)
{
    if (b->ptr == NULL)
        return "";
    return b->ptr;
}

char *buf_take(struct buf *b, size_t *len)
{
    char *p = b->ptr ? b->ptr : xstrdup("");
    if (len)
        *len = b->len;
    buf_init(b, b->max);
    return p;
}
