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

#endif
