/*
 * uuid.c - random (v4) uuids from libsodium's CSPRNG.
 */
#include "core/uuid.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>

#include "util/banned.h"

void uuid_generate(char out[UUID_STR_LEN + 1])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, UUID_STR_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
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
