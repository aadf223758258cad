/*
 * users.h - the account service: users and roles (MISP's UsersController and
 * RolesController).  The only code that adds, changes or deletes an account.
 *
 * Every function opens and ends its own store transaction and asks acl.c for
 * every decision (acl_can_admin_org, acl_can_grant_role, acl_can_manage_user,
 * acl_users_scope, acl_can_view_user); results live in the caller's arena.
 * Rules:
 *  - site admins manage every account; org admins (perm_admin) those of their
 *    own organisation holding no permission they lack, and may grant only such
 *    roles; an account out of the caller's reach is not found;
 *  - an e-mail address holds an '@' and at most USER_EMAIL_MAX bytes, and is
 *    unique;
 *  - a change of role, organisation or state, or a deletion, drops the key
 *    cache (auth_cache_invalidate), so it takes effect at once.
 * Refusals of a whole action carry no field in struct diag; invalid input and
 * refused values name the field ("email", "org_id", "role_id"), and an account
 * out of reach names "id".
 */
#ifndef LIAISON_USERS_H
#define LIAISON_USERS_H

#include "core/acl.h"
#include "core/svc.h"
#include "util/arena.h"

struct store_conn;

#define USER_EMAIL_MAX 255

/* The fields of an account a caller sets.  Not given: NULL, 0 for the ids
 * (a negative id is given and invalid), -1 for the flags (else 0 or 1). */
struct user_in {
    const char *email;
    int64_t org_id;
    int64_t role_id;
    int disabled, autoalert, contactalert, termsaccepted;
};
/* clang-format off */
#define USER_IN_NONE {.disabled = -1, .autoalert = -1, .contactalert = -1, .termsaccepted = -1}
/* clang-format on */

/*
 * Adds an account invited by who: in its organisation and with the "User"
 * role (3) unless in names others.  ERR_FORBIDDEN (no field) when who is no
 * org admin; ERR_INVAL or ERR_FORBIDDEN naming the field; ERR_CONFLICT naming
 * "email" when the address is taken.  *out's strings are in's.
 */
int users_add(struct svc *s, const struct principal *who, struct arena *a, const struct user_in *in,
              struct user *out, struct diag *d);

/* Applies the fields in gives to account id; *out is the account as saved. */
int users_edit(struct svc *s, const struct principal *who, struct arena *a, int64_t id,
               const struct user_in *in, struct user **out, struct diag *d);

/* Deletes account id with its keys.  ERR_CONFLICT: it is who's own. */
int users_delete(struct svc *s, const struct principal *who, struct arena *a, int64_t id,
                 struct diag *d);

/* The account with id (> 0), else e-mail address email, if who may see it
 * (acl_can_view_user); ERR_NOTFOUND otherwise. */
int users_get(struct svc *s, const struct principal *who, struct arena *a, int64_t id,
              const char *email, struct user **out);

/* The accounts who may list (acl_users_scope), by id.  ERR_FORBIDDEN (no
 * field) for a caller who may list none. */
int users_list(struct svc *s, const struct principal *who, struct arena *a, struct user **out,
               size_t *n, struct diag *d);

/* Every role, by id (every user may read them). */
int roles_list(struct svc *s, const struct principal *who, struct arena *a, struct role **out,
               size_t *n);
/* The role with id; ERR_NOTFOUND if none. */
int roles_get(struct svc *s, const struct principal *who, struct arena *a, int64_t id,
              struct role **out);

/*
 * For the other account services (keys.c), inside their transaction: loads
 * account id for who to act on.  ERR_NOTFOUND when it does not exist or who
 * may not reach it (not its own with keys, nor an admin of its organisation),
 * ERR_FORBIDDEN when it holds a permission who lacks (acl_can_manage_keys with
 * keys, else acl_can_manage_user).  *u in a.
 */
int users_load_managed(struct store_conn *c, struct arena *a, const struct principal *who,
                       int64_t id, bool keys, struct user **u);

#endif
