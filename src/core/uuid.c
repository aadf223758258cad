/*
 * uuid.c - random (v4) uuids from libsodium's CSPRNG.
 *
 * Randomness is drawn 4 KiB at a time into a per-thread pool: a bulk import
 * makes millions of uuids and one getrandom() system call each cost ~10% of
 * its time.  The pool is wiped as it is consumed.
 */
#include "core/uuid.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>

#include "util/banned.h"

#define UUID_POOL 4096

static _Thread_local unsigned char pool[UUID_POOL];
static _Thread_local size_t pool_used = UUID_POOL;

void uuid_generate(char out[UUID_STR_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    if (pool_used + 16 > UUID_POOL) {
        randombytes_buf(pool, sizeof(pool));
        pool_used = 0;
    }
    unsigned char b[16];
    memcpy(b, pool + pool_used, 16);
    sodium_memzero(pool + pool_used, 16);
    pool_used += 16;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[b[i] >> 4];
        *p++ = hex[b[i] & 15];
    }
    *p = '\0';
}

bool uuid_valid(struct str s)
{
    if (s.len != UUID_STR_LEN)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s.ptr[i] != '-' : !isxdigit((unsigned char)s.ptr[i]))
            return false;
    }
    return true;
}

bool uuid_canonical(struct str s, char out[UUID_STR_LEN + 1])
{
    if (!uuid_valid(s))
        return false;
    for (size_t i = 0; i < UUID_STR_LEN; i++)
        out[i] = (char)tolower((unsigned char)s.ptr[i]);
    out[UUID_STR_LEN] = '\0';
    return true;
}
