/*
 * uuid.h - RFC 9562 version 4 UUIDs in canonical lower-case text form.
 */
#ifndef LIAISON_UUID_H
#define LIAISON_UUID_H

#include "core/model.h"
#include "util/str.h"

#include <stdbool.h>

/* Writes a new random v4 uuid into out (37 bytes with NUL). */
void uuid_generate(char out[UUID_STR_LEN + 1]);

/* Returns true if s is 8-4-4-4-12 hexadecimal (either case). */
bool uuid_valid(struct str s);

/* Copies s lower-cased into out if valid; returns false otherwise. */
bool uuid_canonical(struct str s, char out[UUID_STR_LEN + 1]);

#endif
