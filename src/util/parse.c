/*
 * parse.c - range-checked integer parsing.
 */
#include "util/parse.h"

#include "util/err.h"

int parse_u64(struct str *cur, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    while (i < cur->len && cur->ptr[i] >= '0' && cur->ptr[i] <= '9') {
        unsigned d = (unsigned)(cur->ptr[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return ERR_INVAL;
        v = v * 10 + d;
        i++;
    }
    if (i == 0 || v < min || v > max)
        return ERR_INVAL;
    cur->ptr += i;
    cur->len -= i;
    *out = v;
    return 0;
}

int parse_i64(struct str *cur, int64_t min, int64_t max, int64_t *out)
{
    struct str c = *cur;
    bool neg = false;
    if (c.len && (c.ptr[0] == '-' || c.ptr[0] == '+')) {
        neg = c.ptr[0] == '-';
        c.ptr++;
        c.len--;
    }
    uint64_t u;
    if (parse_u64(&c, 0, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &u) < 0)
        return ERR_INVAL;
    int64_t v = neg ? (int64_t)(0 - u) : (int64_t)u;
    if (v < min || v > max)
        return ERR_INVAL;
    *cur = c;
    *out = v;
    return 0;
}

int parse_u64_all(struct str s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (parse_u64(&s, min, max, &v) < 0 || s.len != 0)
        return ERR_INVAL;
    *out = v;
    return 0;
}

int parse_i64_all(struct str s, int64_t min, int64_t max, int64_t *out)
{
    int64_t v;
    if (parse_i64(&s, min, max, &v) < 0 || s.len != 0)
        return ERR_INVAL;
    *out = v;
    return 0;
}
