/*
 * keys.c - the API key service.  See keys.h.
 */
#include "core/keys.h"

#include "core/users.h"
#include "store/store.h"

#include <sodium.h>

#include "util/banned.h"

#define MSG_HIGHER_USER "You may not act on an account holding permissions you do not hold."

/* Ends c, committing when rc is 0; a failed commit fails the call. */
static int tx_end(struct store_conn *c, int rc)
{
    int end = store_end(c, rc == 0);
    return rc == 0 && end < 0 ? end : rc;
}

/* users_load_managed for the keys of account id, its refusals named in d
 * (field "id", not_found the message for an account out of reach). */
static int load_owner(struct store_conn *c, struct arena *a, const struct principal *who,
                      int64_t id, const char *not_found, struct diag *d)
{
    struct user *u;
    int rc = users_load_managed(c, a, who, id, true, &u);
    if (rc == ERR_NOTFOUND)
        return diag_set(d, rc, "id", "%s", not_found);
    if (rc == ERR_FORBIDDEN)
        return diag_set(d, rc, "id", MSG_HIGHER_USER);
    return rc;
}

int keys_add(struct svc *s, const struct principal *who, struct arena *a, int64_t user_id,
             const struct key_in *in, char secret[AUTH_KEY_LEN + 1], struct auth_key *out,
             struct diag *d)
{
    sodium_memzero(secret, AUTH_KEY_LEN + 1);
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    rc = load_owner(c, a, who, user_id, "Invalid user", d);
    if (rc == 0)
        rc = auth_key_create(c, user_id, in->comment, in->expiration, secret, out);
    rc = tx_end(c, rc);
    if (rc < 0) /* not stored: no one is to see it */
        sodium_memzero(secret, AUTH_KEY_LEN + 1);
    return rc;
}

int keys_delete(struct svc *s, const struct principal *who, struct arena *a, int64_t id,
                struct diag *d)
{
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    struct auth_key *k = NULL;
    rc = store_key_get(c, a, id, &k);
    if (rc == ERR_NOTFOUND)
        diag_set(d, rc, "id", "Invalid auth key");
    if (rc == 0)
        rc = load_owner(c, a, who, k->user_id, "Invalid auth key", d);
    if (rc == 0)
        rc = store_key_delete(c, id);
    rc = tx_end(c, rc);
    if (rc == 0)
        auth_cache_invalidate(s->auth_cache);
    return rc;
}

int keys_list(struct svc *s, const struct principal *who, struct arena *a, int64_t user_id,
              struct auth_key **out, size_t *n, struct diag *d)
{
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    if (user_id == 0 && !acl_can_list_all_keys(who))
        rc = diag_set(d, ERR_FORBIDDEN, NULL, "Only site administrators may list every key.");
    if (rc == 0 && user_id != 0)
        rc = load_owner(c, a, who, user_id, "Invalid user", d);
    if (rc == 0)
        rc = store_key_list(c, a, user_id, out, n);
    store_end(c, true);
    return rc;
}
