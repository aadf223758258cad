/*
 * auth.c - API key handling.  See auth.h.
 */
#include "core/auth.h"

#include "core/uuid.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

#define KEY_HASH_LEN crypto_generichash_BYTES

static const char key_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

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
    return store_key_insert(c, out, hash, sizeof(hash));
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
    if (key.len != AUTH_KEY_LEN)
        return ERR_AUTH;
    for (size_t i = 0; i < key.len; i++)
        if (strchr(key_alphabet, key.ptr[i]) == NULL || key.ptr[i] == '\0')
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
