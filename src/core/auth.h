/*
 * auth.h - API keys: creation, verification, revocation.
 *
 * A key is 40 random characters [A-Za-z0-9] (MISP's format, ~238 bits).  Only a
 * BLAKE2b-256 hash of it is stored, with its first and last four characters for
 * display and candidate selection; verification hashes the presented key and
 * compares the hashes in constant time (sodium_memcmp).  The secret is shown
 * exactly once, at creation.
 */
#ifndef LIAISON_AUTH_H
#define LIAISON_AUTH_H

#include "core/acl.h"
#include "store/store.h"
#include "util/str.h"

#define AUTH_KEY_LEN 40

/* Creates a key for user_id (expiration: Unix time, 0 never); writes the secret (NUL-terminated) to
 * secret and the stored record to *out (on failure secret is wiped).  Writer connection; the caller
 * wipes secret after use. */
int auth_key_create(struct store_conn *c, int64_t user_id, const char *comment,
                    int64_t expiration, char secret[AUTH_KEY_LEN + 1], struct auth_key *out);

/* Resolves a presented key to its enabled user, role and org (strings in a).
 * Returns ERR_AUTH for any unknown, expired, malformed key or disabled user. */
int auth_key_verify(struct store_conn *c, struct arena *a, struct str key, struct principal *out);

/*
 * A process-lifetime cache of verified keys, so that a request does not cost
 * six queries to authenticate.  An entry lives at most ttl seconds; every
 * change this process makes to users, roles or keys calls auth_cache_invalidate
 * (revocation through the API takes effect at once); a change made by another
 * process (the CLI, another node) takes effect within ttl seconds.
 * Thread-safe.  Keys are held only as their hash.
 */
struct auth_cache;

/* Seconds a verified key is trusted without asking the database again. */
#define AUTH_CACHE_TTL 2

/* Returns a new cache, owned: free with auth_cache_free.  ttl_seconds 0: no
 * caching, every auth_cache_verify asks the store (config auth_cache = false). */
struct auth_cache *auth_cache_new(unsigned ttl_seconds);
void auth_cache_free(struct auth_cache *ac);
/* Forgets every verified key (ac NULL: nothing to do). */
void auth_cache_invalidate(struct auth_cache *ac);
/* Like auth_key_verify, answering from the cache when it can; strings in a. */
int auth_cache_verify(struct auth_cache *ac, struct store *s, struct arena *a, struct str key,
                      struct principal *out);

/* Loads user, role and org of user_id into out. */
int auth_principal_load(struct store_conn *c, struct arena *a, int64_t user_id,
                        struct principal *out);

#endif
