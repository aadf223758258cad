/*
 * parse.h - range-checked number parsing from string views.
 *
 * Replaces atoi/strtol/sscanf (banned.h).  Each function consumes the digits at
 * the start of *cur and advances it; they fail with ERR_INVAL when there is no
 * number or it lies outside [min, max].  parse_*_all requires the whole view.
 * On failure *out is left untouched.
 */
#ifndef LIAISON_PARSE_H
#define LIAISON_PARSE_H

#include "util/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int parse_u64(struct str *cur, uint64_t min, uint64_t max, uint64_t *out);
int parse_i64(struct str *cur, int64_t min, int64_t max, int64_t *out);
int parse_u64_all(struct str s, uint64_t min, uint64_t max, uint64_t *out);
int parse_i64_all(struct str s, int64_t min, int64_t max, int64_t *out);

/*
 * A strict dotted-quad IPv4 address filling s[0..n) exactly, as inet_pton and
 * PHP's filter_var take it: four decimal octets 0-255, no leading zeros ("010"
 * is octal to inet_aton and decimal to others, so it is refused rather than
 * guessed).  On success *out holds the address, first octet highest, and the
 * text is already inet_ntop's.  leading_zero (may be NULL) is set when that was
 * the reason for refusing.  Inline: the indicator index calls it per query.
 */
static inline bool parse_ipv4(const char *s, size_t n, uint32_t *out, bool *leading_zero)
{
    uint32_t a = 0;
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == start || v > 255 || (i < n && s[i] >= '0' && s[i] <= '9'))
            return false;
        if (s[start] == '0' && i - start > 1) {
            if (leading_zero != NULL)
                *leading_zero = true;
            return false;
        }
        a = a << 8 | v;
    }
    if (i != n)
        return false;
    *out = a;
    return true;
}

#endif
