/*
 * keys.h - the API key service: creating, revoking and listing a user's keys
 * (MISP's AuthKeysController).  Key material and verification are auth.h's.
 *
 * Every function opens and ends its own store transaction and asks acl.c
 * (acl_can_manage_keys, acl_can_list_all_keys): every user may create and revoke
 * its own keys with perm_auth; org admins those of the accounts of their
 * organisation holding no permission they lack; site admins everyone's.  An
 * account out of the caller's reach is not found.  A revocation drops the key
 * cache (auth_cache_invalidate), so it takes effect at once.
 */
#ifndef LIAISON_KEYS_H
#define LIAISON_KEYS_H

#include "core/acl.h"
#include "core/auth.h"
#include "core/svc.h"
#include "util/arena.h"

/* A new key as a caller asks for it. */
struct key_in {
    const char *comment; /* NULL: none */
    int64_t expiration;  /* Unix time; 0: never */
};

/*
 * Creates a key for account user_id.  The clear key goes to secret, once
 * (the caller wipes it after use; on failure it is wiped); *out is the stored
 * record.  ERR_NOTFOUND (d: "Invalid user") when there is no such account
 * within who's reach, ERR_FORBIDDEN when it holds a permission who lacks.
 */
int keys_add(struct svc *s, const struct principal *who, struct arena *a, int64_t user_id,
             const struct key_in *in, char secret[AUTH_KEY_LEN + 1], struct auth_key *out,
             struct diag *d);

/* Revokes key id.  ERR_NOTFOUND (d: "Invalid auth key") when there is no such
 * key within who's reach, ERR_FORBIDDEN as keys_add. */
int keys_delete(struct svc *s, const struct principal *who, struct arena *a, int64_t id,
                struct diag *d);

/* The keys of account user_id, or of everyone (user_id 0: site admins only),
 * by id, without their secrets.  ERR_NOTFOUND / ERR_FORBIDDEN as keys_add. */
int keys_list(struct svc *s, const struct principal *who, struct arena *a, int64_t user_id,
              struct auth_key **out, size_t *n, struct diag *d);

#endif
