/*
 * auth.c - API key handling.  See auth.h.
 */
#include "core/auth.h"

#include "core/uuid.h"

#include "util/alloc.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

#define KEY_HASH_LEN crypto_generichash_BYTES

static const char key_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* Returns false if key cannot be a key (length, alphabet): no lookup needed. */
static bool key_well_formed(struct str key)
{
    if (key.len != AUTH_KEY_LEN)
        return false;
    for (size_t i = 0; i < key.len; i++) {
        char ch = key.ptr[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
            return false;
    }
    return true;
}

static void key_hash(const char *key, size_t len, unsigned char out[KEY_HASH_LEN])
{
    static const unsigned char context[] = "liaison auth key v1";
    crypto_generichash(out, KEY_HASH_LEN, (const unsigned char *)key, len, context,
                       sizeof(context) - 1);
}

int auth_key_create(struct store_conn *c, int64_t user_id, const char *comment,
                    int64_t expiration, char secret[AUTH_KEY_LEN + 1], struct auth_key *out)
{
    for (size_t i = 0; i < AUTH_KEY_LEN; i++)
        secret[i] = key_alphabet[randombytes_uniform(sizeof(key_alphabet) - 1)];
    secret[AUTH_KEY_LEN] = '\0';
    unsigned char hash[KEY_HASH_LEN];
    key_hash(secret, AUTH_KEY_LEN, hash);
    memset(out, 0, sizeof(*out));
    uuid_generate(out->uuid);
    out->user_id = user_id;
    memcpy(out->key_start, secret, 4);
    memcpy(out->key_end, secret + AUTH_KEY_LEN - 4, 4);
    out->comment = (char *)comment;
    out->expiration = expiration;
    int rc = store_key_insert(c, out, hash, sizeof(hash));
    sodium_memzero(hash, sizeof(hash));
    if (rc < 0) /* not stored: no one is to see it */
        sodium_memzero(secret, AUTH_KEY_LEN + 1);
    return rc;
}

struct verify_ctx {
    unsigned char hash[KEY_HASH_LEN];
    int64_t user_id;
    int64_t now;
};

static int verify_candidate(void *ctx, const struct auth_key *k, const void *hash,
                            size_t hash_len)
{
    struct verify_ctx *v = ctx;
    if (hash_len != KEY_HASH_LEN || sodium_memcmp(v->hash, hash, KEY_HASH_LEN) != 0)
        return 0;
    if (k->expiration != 0 && k->expiration <= v->now)
        return 0;
    v->user_id = k->user_id;
    return 1; /* stop */
}

int auth_principal_load(struct store_conn *c, struct arena *a, int64_t user_id,
                        struct principal *out)
{
    struct user *u = NULL;
    struct role *r = NULL;
    struct org *o = NULL;
    int rc = store_user_get(c, a, user_id, NULL, &u);
    if (rc == 0)
        rc = store_role_get(c, a, u->role_id, &r);
    if (rc == 0)
        rc = store_org_get(c, a, u->org_id, NULL, NULL, &o);
    if (rc != 0)
        return rc;
    memset(out, 0, sizeof(*out));
    out->user = *u;
    out->role = *r;
    out->org = *o;
    return 0;
}

int auth_key_verify(struct store_conn *c, struct arena *a, struct str key, struct principal *out)
{
    if (!key_well_formed(key))
        return ERR_AUTH;
    struct verify_ctx v = {.now = (int64_t)time(NULL)};
    key_hash(key.ptr, key.len, v.hash);
    char start[5];
    memcpy(start, key.ptr, 4);
    start[4] = '\0';
    int rc = store_key_candidates(c, start, verify_candidate, &v);
    if (rc < 0)
        return rc;
    if (v.user_id == 0)
        return ERR_AUTH;
    rc = auth_principal_load(c, a, v.user_id, out);
    if (rc == ERR_NOTFOUND || (rc == 0 && out->user.disabled))
        return ERR_AUTH;
    return rc;
}

/* ---- cache ---- */

#define AUTH_CACHE_SLOTS 1024 /* direct-mapped by hash; a collision just evicts */

struct auth_entry {
    bool used;
    unsigned char hash[KEY_HASH_LEN];
    uint64_t generation;
    int64_t expires;
    struct principal who; /* strings owned by the entry (malloc) */
};

struct auth_cache {
    pthread_rwlock_t lock;
    unsigned ttl;
    uint64_t generation;
    struct auth_entry slots[AUTH_CACHE_SLOTS];
};

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static char *arena_dup_or_null(struct arena *a, const char *s)
{
    return s ? arena_strdup(a, s) : NULL;
}

/* The string members of a principal, for deep copies. */
#define PRINCIPAL_STRINGS(p)                                                                       \
    &(p)->user.email, &(p)->user.nids_sid, &(p)->role.name, &(p)->org.name,                      \
        &(p)->org.description, &(p)->org.type, &(p)->org.nationality, &(p)->org.sector,          \
        &(p)->org.contacts

static void entry_clear(struct auth_entry *e)
{
    if (!e->used)
        return;
    char **strs[] = {PRINCIPAL_STRINGS(&e->who)};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        free(*strs[i]);
    sodium_memzero(e, sizeof(*e));
}

struct auth_cache *auth_cache_new(unsigned ttl_seconds)
{
    struct auth_cache *ac = xcalloc(1, sizeof(*ac));
    pthread_rwlock_init(&ac->lock, NULL);
    ac->ttl = ttl_seconds;
    return ac;
}

void auth_cache_free(struct auth_cache *ac)
{
    if (ac == NULL)
        return;
    for (size_t i = 0; i < AUTH_CACHE_SLOTS; i++)
        entry_clear(&ac->slots[i]);
    pthread_rwlock_destroy(&ac->lock);
    free(ac);
}

void auth_cache_invalidate(struct auth_cache *ac)
{
    if (ac == NULL) /* no cache (the command line) */
        return;
    pthread_rwlock_wrlock(&ac->lock);
    ac->generation++;
    pthread_rwlock_unlock(&ac->lock);
}

/* auth_key_verify in a read transaction of its own. */
static int store_verify(struct store *s, struct arena *a, struct str key, struct principal *out)
{
    struct store_conn *c;
    int rc = store_begin_read(s, &c);
    if (rc < 0)
        return rc;
    rc = auth_key_verify(c, a, key, out);
    store_end(c, true);
    return rc;
}

int auth_cache_verify(struct auth_cache *ac, struct store *s, struct arena *a, struct str key,
                      struct principal *out)
{
    if (!key_well_formed(key))
        return ERR_AUTH;
    if (ac->ttl == 0) /* caching off */
        return store_verify(s, a, key, out);
    unsigned char hash[KEY_HASH_LEN];
    key_hash(key.ptr, key.len, hash);
    size_t slot = ((size_t)hash[0] | (size_t)hash[1] << 8) % AUTH_CACHE_SLOTS;
    int64_t now = (int64_t)time(NULL);

    pthread_rwlock_rdlock(&ac->lock);
    struct auth_entry *e = &ac->slots[slot];
    bool hit = e->used && e->generation == ac->generation && e->expires > now &&
               sodium_memcmp(e->hash, hash, KEY_HASH_LEN) == 0;
    if (hit) {
        *out = e->who;
        char **strs[] = {PRINCIPAL_STRINGS(out)};
        for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
            *strs[i] = arena_dup_or_null(a, *strs[i]);
    }
    uint64_t generation = ac->generation;
    pthread_rwlock_unlock(&ac->lock);
    if (hit)
        return 0;

    int rc = store_verify(s, a, key, out);
    if (rc < 0)
        return rc;

    pthread_rwlock_wrlock(&ac->lock);
    if (generation == ac->generation) { /* nothing changed while we looked */
        e = &ac->slots[slot];
        entry_clear(e);
        e->used = true;
        memcpy(e->hash, hash, KEY_HASH_LEN);
        e->generation = generation;
        e->expires = now + (int64_t)ac->ttl;
        e->who = *out;
        char **strs[] = {PRINCIPAL_STRINGS(&e->who)};
        for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
            *strs[i] = dup_or_null(*strs[i]);
    }
    pthread_rwlock_unlock(&ac->lock);
    return 0;
}
