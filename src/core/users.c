/*
 * users.c - the account service: users and roles.  See users.h.
 */
#include "core/users.h"

#include "core/auth.h"
#include "store/store.h"

#include <string.h>

#include "util/banned.h"

#define MSG_HIGHER_USER "You may not act on an account holding permissions you do not hold."

/* Ends c, committing when rc is 0; a failed commit fails the call. */
static int tx_end(struct store_conn *c, int rc)
{
    int end = store_end(c, rc == 0);
    return rc == 0 && end < 0 ? end : rc;
}

int users_load_managed(struct store_conn *c, struct arena *a, const struct principal *who,
                       int64_t id, bool keys, struct user **u)
{
    int rc = store_user_get(c, a, id, NULL, u);
    if (rc < 0)
        return rc;
    bool own = keys && (*u)->id == who->user.id;
    if (!own && !acl_can_admin_org(who, (*u)->org_id))
        return ERR_NOTFOUND;
    struct role *r;
    if ((rc = store_role_get(c, a, (*u)->role_id, &r)) < 0)
        return rc == ERR_NOTFOUND ? ERR_FORBIDDEN : rc;
    bool ok = keys ? acl_can_manage_keys(who, *u, r) : acl_can_manage_user(who, *u, r);
    return ok ? 0 : ERR_FORBIDDEN;
}

/* users_load_managed, its refusals named in d (field "id"). */
static int load_managed(struct store_conn *c, struct arena *a, const struct principal *who,
                        int64_t id, struct user **u, struct diag *d)
{
    int rc = users_load_managed(c, a, who, id, false, u);
    if (rc == ERR_NOTFOUND)
        return diag_set(d, rc, "id", "Invalid user");
    if (rc == ERR_FORBIDDEN)
        return diag_set(d, rc, "id", MSG_HIGHER_USER);
    return rc;
}

/* An e-mail address as accounts hold them (the API's rule, and the CLI's). */
static bool email_valid(const char *email)
{
    return strchr(email, '@') != NULL && strlen(email) <= USER_EMAIL_MAX;
}

/* Applies the fields in gives to u, checking each against the store and acl. */
static int apply(struct store_conn *c, struct arena *a, const struct principal *who,
                 const struct user_in *in, struct user *u, struct diag *d)
{
    if (in->email)
        u->email = (char *)in->email;
    if (in->org_id != 0) {
        struct org *o;
        if (in->org_id < 0)
            return diag_set(d, ERR_INVAL, "org_id", "org_id must be a positive integer");
        if (store_org_get(c, a, in->org_id, NULL, NULL, &o) < 0)
            return diag_set(d, ERR_INVAL, "org_id", "no organisation with id %lld",
                            (long long)in->org_id);
        u->org_id = in->org_id;
    }
    if (in->role_id != 0) {
        struct role *r;
        if (in->role_id < 0 || store_role_get(c, a, in->role_id, &r) < 0)
            return diag_set(d, ERR_INVAL, "role_id", "no role with this id");
        if (!acl_can_grant_role(who, r))
            return diag_set(d, ERR_FORBIDDEN, "role_id",
                            "you may not grant a role with permissions you do not hold");
        u->role_id = in->role_id;
    }
    if (in->disabled >= 0)
        u->disabled = in->disabled;
    if (in->autoalert >= 0)
        u->autoalert = in->autoalert;
    if (in->contactalert >= 0)
        u->contactalert = in->contactalert;
    if (in->termsaccepted >= 0)
        u->termsaccepted = in->termsaccepted;
    if (u->email && !email_valid(u->email))
        return diag_set(d, ERR_INVAL, "email", "email must be an e-mail address");
    return 0;
}

int users_add(struct svc *s, const struct principal *who, struct arena *a, const struct user_in *in,
              struct user *out, struct diag *d)
{
    if (!acl_can_admin_org(who, who->org.id))
        return diag_set(d, ERR_FORBIDDEN, NULL, "You do not have permission to add users.");
    memset(out, 0, sizeof(*out));
    out->org_id = who->org.id;
    out->role_id = 3; /* "User", MISP's default role */
    out->invited_by = who->user.id;
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    rc = apply(c, a, who, in, out, d);
    if (rc == 0 && (out->email == NULL || *out->email == '\0'))
        rc = diag_set(d, ERR_INVAL, "email", "email is required");
    if (rc == 0 && !acl_can_admin_org(who, out->org_id))
        rc = diag_set(d, ERR_FORBIDDEN, "org_id", "you may add users only to your organisation");
    if (rc == 0)
        rc = store_user_insert(c, out);
    if (rc == ERR_CONFLICT)
        diag_set(d, ERR_CONFLICT, "email", "a user with this e-mail already exists");
    return tx_end(c, rc);
}

int users_edit(struct svc *s, const struct principal *who, struct arena *a, int64_t id,
               const struct user_in *in, struct user **out, struct diag *d)
{
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    rc = load_managed(c, a, who, id, out, d);
    if (rc == 0)
        rc = apply(c, a, who, in, *out, d);
    if (rc == 0 && !acl_can_admin_org(who, (*out)->org_id))
        rc = diag_set(d, ERR_FORBIDDEN, "org_id",
                      "you may move users only within your organisation");
    if (rc == 0)
        rc = store_user_update(c, *out);
    if (rc == ERR_CONFLICT)
        diag_set(d, ERR_CONFLICT, "email", "a user with this e-mail already exists");
    rc = tx_end(c, rc);
    if (rc == 0) /* role, organisation or state may have changed */
        auth_cache_invalidate(s->auth_cache);
    return rc;
}

int users_delete(struct svc *s, const struct principal *who, struct arena *a, int64_t id,
                 struct diag *d)
{
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    struct user *u = NULL;
    rc = load_managed(c, a, who, id, &u, d);
    if (rc == 0 && u->id == who->user.id)
        rc = diag_set(d, ERR_CONFLICT, "id", "You cannot delete yourself.");
    if (rc == 0)
        rc = store_user_delete(c, id);
    rc = tx_end(c, rc);
    if (rc == 0)
        auth_cache_invalidate(s->auth_cache);
    return rc;
}

int users_get(struct svc *s, const struct principal *who, struct arena *a, int64_t id,
              const char *email, struct user **out)
{
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    rc = store_user_get(c, a, id, email, out);
    store_end(c, true);
    if (rc == 0 && !acl_can_view_user(who, *out))
        rc = ERR_NOTFOUND;
    return rc;
}

int users_list(struct svc *s, const struct principal *who, struct arena *a, struct user **out,
               size_t *n, struct diag *d)
{
    int64_t org_id;
    if (!acl_users_scope(who, &org_id))
        return diag_set(d, ERR_FORBIDDEN, NULL, "You do not have permission to list users.");
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    rc = store_user_list(c, a, org_id, out, n);
    store_end(c, true);
    return rc;
}

int roles_list(struct svc *s, const struct principal *who, struct arena *a, struct role **out,
               size_t *n)
{
    (void)who; /* every user may read the roles */
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    rc = store_role_list(c, a, out, n);
    store_end(c, true);
    return rc;
}

int roles_get(struct svc *s, const struct principal *who, struct arena *a, int64_t id,
              struct role **out)
{
    (void)who;
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    rc = store_role_get(c, a, id, out);
    store_end(c, true);
    return rc;
}
