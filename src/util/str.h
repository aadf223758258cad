/*
 * str.h - borrowed string views for parsing and routing.
 *
 * A struct str never owns its bytes and is not NUL-terminated in general.
 */
#ifndef LIAISON_STR_H
#define LIAISON_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

struct str {
    const char *ptr;
    size_t len;
};

#define STR_LIT(s) ((struct str){(s), sizeof(s) - 1})

static inline struct str str_from_cstr(const char *s)
{
    return (struct str){s, s ? strlen(s) : 0};
}

static inline bool str_eq(struct str a, struct str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline bool str_eq_cstr(struct str a, const char *b)
{
    return str_eq(a, str_from_cstr(b));
}

static inline bool str_case_eq_cstr(struct str a, const char *b)
{
    size_t n = strlen(b);
    return a.len == n && strncasecmp(a.ptr, b, n) == 0;
}

static inline bool str_has_prefix(struct str a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.len >= n && memcmp(a.ptr, prefix, n) == 0;
}

/* Splits *s at the first sep: returns the part before it and leaves the rest in *s. */
static inline struct str str_split(struct str *s, char sep)
{
    const char *p = s->len ? memchr(s->ptr, sep, s->len) : NULL;
    struct str head;
    if (p == NULL) {
        head = *s;
        s->ptr += s->len;
        s->len = 0;
    } else {
        head.ptr = s->ptr;
        head.len = (size_t)(p - s->ptr);
        s->len -= head.len + 1;
        s->ptr = p + 1;
    }
    return head;
}

#endif
