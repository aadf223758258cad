/*
 * misp_admin.c - organisations, users, roles and API keys (MISP's
 * OrganisationsController, UsersController, RolesController, AuthKeysController).
 *
 * Rules: site admins manage everything; org admins (perm_admin) manage the users
 * and keys of their own organisation and cannot hand out site-admin roles;
 * every user may create and revoke their own keys (perm_auth).
 */
#include "http/misp.h"

#include "core/auth.h"
#include "core/uuid.h"
#include "util/parse.h"

#include <sodium.h>
#include <string.h>

#include "util/banned.h"

void misp_org_encode(struct json_writer *w, const struct org *o)
{
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", o->id);
    json_write_kv_str(w, "name", o->name);
    json_write_kv_str(w, "uuid", o->uuid);
    json_write_kv_str(w, "description", o->description);
    json_write_kv_str(w, "type", o->type);
    json_write_kv_str(w, "nationality", o->nationality);
    json_write_kv_str(w, "sector", o->sector);
    json_write_kv_str(w, "contacts", o->contacts);
    json_write_kv_bool(w, "local", o->local);
    json_write_kv_i64_str(w, "created_by", o->created_by);
    http_write_kv_datetime(w, "date_created", o->date_created);
    http_write_kv_datetime(w, "date_modified", o->date_modified);
    json_write_key(w, "restricted_to_domain");
    json_write_array_begin(w);
    json_write_array_end(w);
    json_write_kv_str(w, "landingpage", NULL);
    json_write_object_end(w);
}

void misp_user_encode(struct json_writer *w, const struct user *u)
{
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", u->id);
    json_write_kv_i64_str(w, "org_id", u->org_id);
    json_write_kv_str(w, "server_id", "0");
    json_write_kv_str(w, "email", u->email);
    json_write_kv_bool(w, "autoalert", u->autoalert);
    json_write_kv_i64_str(w, "invited_by", u->invited_by);
    json_write_kv_str(w, "gpgkey", NULL);
    json_write_kv_str(w, "certif_public", NULL);
    json_write_kv_str(w, "nids_sid", u->nids_sid ? u->nids_sid : "0");
    json_write_kv_bool(w, "termsaccepted", u->termsaccepted);
    json_write_kv_str(w, "newsread", "0");
    json_write_kv_i64_str(w, "role_id", u->role_id);
    json_write_kv_bool(w, "change_pw", u->change_pw);
    json_write_kv_bool(w, "contactalert", u->contactalert);
    json_write_kv_bool(w, "disabled", u->disabled);
    json_write_kv_str(w, "expiration", NULL);
    json_write_kv_i64_str(w, "current_login", u->last_login);
    json_write_kv_i64_str(w, "last_login", u->last_login);
    json_write_kv_bool(w, "force_logout", false);
    json_write_kv_i64_str(w, "date_created", u->date_created);
    json_write_kv_i64_str(w, "date_modified", u->date_modified);
    json_write_object_end(w);
}

void misp_role_encode(struct json_writer *w, const struct role *r)
{
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", r->id);
    json_write_kv_str(w, "name", r->name);
    for (int p = 0; p < PERM_COUNT; p++)
        json_write_kv_bool(w, role_perm_names[p], role_has(r, (enum role_perm)p));
    json_write_kv_bool(w, "default_role", r->default_role);
    json_write_kv_bool(w, "restricted_to_site_admin", r->restricted_to_site_admin);
    json_write_kv_str(w, "memory_limit", "");
    json_write_kv_str(w, "max_execution_time", "");
    json_write_kv_bool(w, "enforce_rate_limit", false);
    json_write_kv_str(w, "rate_limit_count", "0");
    /* MISP's legacy permission level: 0 read only, 1 create, 2 manage own org, 3 publish */
    int level = role_has(r, PERM_PUBLISH)      ? 3
                : role_has(r, PERM_MODIFY_ORG) ? 2
                : role_has(r, PERM_ADD)        ? 1
                                               : 0;
    json_write_kv_i64_str(w, "permission", level);
    json_write_kv_str(w, "permission_description",
                      level == 3 ? "publish" : level == 2 ? "manage_own" : level == 1 ? "create" : "read_only");
    json_write_object_end(w);
}

/* {"Organisation": {...}}, {"User": {...}}, {"Role": {...}}: MISP's wrapped answers. */
static void write_wrapped_org(struct json_writer *w, const struct org *o)
{
    json_write_object_begin(w);
    json_write_key(w, "Organisation");
    misp_org_encode(w, o);
    json_write_object_end(w);
}

static void write_wrapped_user(struct json_writer *w, const struct user *u)
{
    json_write_object_begin(w);
    json_write_key(w, "User");
    misp_user_encode(w, u);
    json_write_object_end(w);
}

static void write_wrapped_role(struct json_writer *w, const struct role *r)
{
    json_write_object_begin(w);
    json_write_key(w, "Role");
    misp_role_encode(w, r);
    json_write_object_end(w);
}


static int forbidden(struct request *req, const char *what)
{
    return http_error(req, 403, what, NULL);
}

/* Runs a read: begin, call, end. */
#define WITH_READ(req, c, rc)                                                                      \
    struct store_conn *c;                                                                          \
    int rc = store_begin_read((req)->app->svc.store, &c);                                              \
    if (rc < 0)                                                                                    \
        return http_fail((req), rc, NULL);

int misp_orgs_index(struct request *req)
{
    WITH_READ(req, c, rc);
    struct org *orgs;
    size_t n;
    rc = store_org_list(c, req->a, &orgs, &n);
    store_end(c, true);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    json_write_array_begin(&req->w);
    for (size_t i = 0; i < n; i++) {
        write_wrapped_org(&req->w, &orgs[i]);
    }
    json_write_array_end(&req->w);
    return 200;
}

int misp_orgs_view(struct request *req)
{
    const char *ref = http_seg(req, 2);
    int64_t id = http_seg_id(req, 2);
    char uuid[UUID_STR_LEN + 1] = "";
    if (id == 0 && !uuid_canonical(str_from_cstr(ref), uuid))
        return http_error(req, 404, "Invalid organisation.", NULL);
    WITH_READ(req, c, rc);
    struct org *o;
    rc = store_org_get(c, req->a, id, uuid, NULL, &o);
    store_end(c, true);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid organisation.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    write_wrapped_org(&req->w, o);
    return 200;
}


int misp_orgs_add(struct request *req)
{
    if (!acl_is_site_admin(&req->who))
        return forbidden(req, "Only site administrators may add organisations.");
    const struct json_value *body = http_body_unwrap(req, "Organisation");
    struct diag d;
    diag_clear(&d);
    if (!json_is(body, JSON_OBJECT))
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    struct org o;
    memset(&o, 0, sizeof(o));
    o.local = true;
    int rc = http_opt_str(req, body, "name", &o.name, &d);
    if (rc == 0)
        rc = http_opt_str(req, body, "description", &o.description, &d);
    if (rc == 0)
        rc = http_opt_str(req, body, "type", &o.type, &d);
    if (rc == 0)
        rc = http_opt_str(req, body, "nationality", &o.nationality, &d);
    if (rc == 0)
        rc = http_opt_str(req, body, "sector", &o.sector, &d);
    if (rc == 0)
        rc = http_opt_str(req, body, "contacts", &o.contacts, &d);
    if (rc < 0)
        return http_save_failed(req, "Organisation", rc, &d);
    if (o.name == NULL || *o.name == '\0')
        return http_save_failed(req, "Organisation",
                                diag_set(&d, ERR_INVAL, "name", "name is required"), &d);
    const struct json_value *v = json_get(body, "uuid");
    if (v && v->type != JSON_NULL) {
        struct str s;
        if (!json_as_str(v, &s) || !uuid_canonical(s, o.uuid))
            return http_save_failed(req, "Organisation",
                                    diag_set(&d, ERR_INVAL, "uuid", "not a valid uuid"), &d);
    } else {
        uuid_generate(o.uuid);
    }
    bool local;
    if ((v = json_get(body, "local")) && json_as_bool(v, &local))
        o.local = local;
    o.created_by = req->who.user.id;
    struct store_conn *c;
    if ((rc = store_begin_write(req->app->svc.store, &c)) < 0)
        return http_fail(req, rc, NULL);
    rc = store_org_insert(c, &o);
    store_end(c, rc == 0);
    if (rc == ERR_CONFLICT)
        return http_save_failed(
            req, "Organisation",
            diag_set(&d, ERR_CONFLICT, "name", "an organisation with this name or uuid already exists"),
            &d);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    write_wrapped_org(&req->w, &o);
    return 200;
}

/* Reads user fields from body into u; `adding` requires email/org/role defaults. */
static int user_from_body(struct request *req, struct store_conn *c, const struct json_value *body,
                          struct user *u, struct diag *d)
{
    int rc = http_opt_str(req, body, "email", &u->email, d);
    if (rc < 0)
        return rc;
    const struct json_value *v;
    int64_t n;
    bool b;
    if ((v = json_get(body, "org_id")) && v->type != JSON_NULL) {
        if (!json_as_i64(v, &n) || n <= 0)
            return diag_set(d, ERR_INVAL, "org_id", "org_id must be a positive integer");
        struct org *o;
        if (store_org_get(c, req->a, n, NULL, NULL, &o) < 0)
            return diag_set(d, ERR_INVAL, "org_id", "no organisation with id %lld", (long long)n);
        u->org_id = n;
    }
    if ((v = json_get(body, "role_id")) && v->type != JSON_NULL) {
        struct role *r;
        if (!json_as_i64(v, &n) || n <= 0 || store_role_get(c, req->a, n, &r) < 0)
            return diag_set(d, ERR_INVAL, "role_id", "no role with this id");
        if (!acl_can_grant_role(&req->who, r))
            return diag_set(d, ERR_FORBIDDEN, "role_id",
                            "you may not grant a role with permissions you do not hold");
        u->role_id = n;
    }
    if ((v = json_get(body, "disabled")) && json_as_bool(v, &b))
        u->disabled = b;
    if ((v = json_get(body, "autoalert")) && json_as_bool(v, &b))
        u->autoalert = b;
    if ((v = json_get(body, "contactalert")) && json_as_bool(v, &b))
        u->contactalert = b;
    if ((v = json_get(body, "termsaccepted")) && json_as_bool(v, &b))
        u->termsaccepted = b;
    if (u->email && (strchr(u->email, '@') == NULL || strlen(u->email) > 255))
        return diag_set(d, ERR_INVAL, "email", "email must be an e-mail address");
    return 0;
}

/*
 * Loads user id for the caller to act on: ERR_NOTFOUND when it does not exist or
 * the caller is not an admin of its organisation (the account stays unseen),
 * ERR_FORBIDDEN when it holds a permission the caller lacks.  keys: the rule
 * for API keys (a user's own keys too).  *u in req->a.
 */
static int managed_user_get(struct request *req, struct store_conn *c, int64_t id, bool keys,
                            struct user **u)
{
    int rc = store_user_get(c, req->a, id, NULL, u);
    if (rc < 0)
        return rc;
    bool own = keys && (*u)->id == req->who.user.id;
    if (!own && !acl_can_admin_org(&req->who, (*u)->org_id))
        return ERR_NOTFOUND;
    struct role *r;
    if ((rc = store_role_get(c, req->a, (*u)->role_id, &r)) < 0)
        return rc == ERR_NOTFOUND ? ERR_FORBIDDEN : rc;
    bool ok = keys ? acl_can_manage_keys(&req->who, *u, r) : acl_can_manage_user(&req->who, *u, r);
    return ok ? 0 : ERR_FORBIDDEN;
}

#define MSG_HIGHER_USER "You may not act on an account holding permissions you do not hold."

int misp_users_add(struct request *req)
{
    if (!acl_can_admin_org(&req->who, req->who.org.id))
        return forbidden(req, "You do not have permission to add users.");
    const struct json_value *body = http_body_unwrap(req, "User");
    if (!json_is(body, JSON_OBJECT))
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    struct diag d;
    diag_clear(&d);
    struct user u;
    memset(&u, 0, sizeof(u));
    u.org_id = req->who.org.id;
    u.role_id = 3;
    u.invited_by = req->who.user.id;
    struct store_conn *c;
    int rc = store_begin_write(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    rc = user_from_body(req, c, body, &u, &d);
    if (rc == 0 && (u.email == NULL || *u.email == '\0'))
        rc = diag_set(&d, ERR_INVAL, "email", "email is required");
    if (rc == 0 && !acl_can_admin_org(&req->who, u.org_id))
        rc = diag_set(&d, ERR_FORBIDDEN, "org_id", "you may add users only to your organisation");
    if (rc == 0)
        rc = store_user_insert(c, &u);
    if (rc == ERR_CONFLICT)
        diag_set(&d, ERR_CONFLICT, "email", "a user with this e-mail already exists");
    store_end(c, rc == 0);
    if (rc < 0)
        return http_save_failed(req, "User", rc, &d);
    write_wrapped_user(&req->w, &u);
    return 200;
}

int misp_users_edit(struct request *req)
{
    int64_t id = http_seg_id(req, 2);
    const struct json_value *body = http_body_unwrap(req, "User");
    if (!json_is(body, JSON_OBJECT))
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    struct diag d;
    diag_clear(&d);
    struct store_conn *c;
    int rc = store_begin_write(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct user *u = NULL;
    rc = managed_user_get(req, c, id, false, &u);
    if (rc == ERR_NOTFOUND)
        diag_set(&d, ERR_NOTFOUND, "id", "Invalid user");
    if (rc == ERR_FORBIDDEN)
        diag_set(&d, ERR_FORBIDDEN, "id", MSG_HIGHER_USER);
    if (rc == 0)
        rc = user_from_body(req, c, body, u, &d);
    if (rc == 0 && !acl_can_admin_org(&req->who, u->org_id))
        rc = diag_set(&d, ERR_FORBIDDEN, "org_id", "you may move users only within your organisation");
    if (rc == 0)
        rc = store_user_update(c, u);
    if (rc == ERR_CONFLICT)
        diag_set(&d, ERR_CONFLICT, "email", "a user with this e-mail already exists");
    store_end(c, rc == 0);
    if (rc < 0)
        return http_save_failed(req, "User", rc, &d);
    auth_cache_invalidate(req->app->svc.auth_cache); /* role, org or disabled may have changed */
    write_wrapped_user(&req->w, u);
    return 200;
}

int misp_users_delete(struct request *req)
{
    int64_t id = http_seg_id(req, 2);
    struct store_conn *c;
    int rc = store_begin_write(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct user *u = NULL;
    rc = managed_user_get(req, c, id, false, &u);
    if (rc == 0 && u->id == req->who.user.id)
        rc = ERR_CONFLICT;
    if (rc == 0)
        rc = store_user_delete(c, id);
    store_end(c, rc == 0);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid user", NULL);
    if (rc == ERR_CONFLICT)
        return http_error(req, 409, "You cannot delete yourself.", NULL);
    if (rc == ERR_FORBIDDEN)
        return forbidden(req, MSG_HIGHER_USER);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    auth_cache_invalidate(req->app->svc.auth_cache);
    return http_saved(req, "User deleted.", id);
}

int misp_users_index(struct request *req)
{
    if (!acl_can_admin_org(&req->who, req->who.org.id))
        return forbidden(req, "You do not have permission to list users.");
    WITH_READ(req, c, rc);
    struct user *users;
    size_t n;
    rc = store_user_list(c, req->a, acl_is_site_admin(&req->who) ? 0 : req->who.org.id, &users, &n);
    store_end(c, true);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    json_write_array_begin(&req->w);
    for (size_t i = 0; i < n; i++) {
        write_wrapped_user(&req->w, &users[i]);
    }
    json_write_array_end(&req->w);
    return 200;
}

int misp_users_view(struct request *req)
{
    if (str_eq_cstr(req->n_seg > 2 ? req->seg[2] : STR_LIT(""), "me"))
        return misp_users_view_me(req);
    int64_t id = http_seg_id(req, 2);
    WITH_READ(req, c, rc);
    struct user *u = NULL;
    rc = store_user_get(c, req->a, id, NULL, &u);
    store_end(c, true);
    if (rc == 0 && u->id != req->who.user.id && !acl_can_admin_org(&req->who, u->org_id))
        rc = ERR_NOTFOUND;
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid user", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    write_wrapped_user(&req->w, u);
    return 200;
}

int misp_roles_index(struct request *req)
{
    WITH_READ(req, c, rc);
    struct role *roles;
    size_t n;
    rc = store_role_list(c, req->a, &roles, &n);
    store_end(c, true);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    json_write_array_begin(&req->w);
    for (size_t i = 0; i < n; i++) {
        write_wrapped_role(&req->w, &roles[i]);
    }
    json_write_array_end(&req->w);
    return 200;
}

static void auth_key_encode(struct json_writer *w, const struct auth_key *k, const char *raw)
{
    json_write_object_begin(w);
    json_write_key(w, "AuthKey");
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", k->id);
    json_write_kv_str(w, "uuid", k->uuid);
    json_write_kv_str(w, "authkey_start", k->key_start);
    json_write_kv_str(w, "authkey_end", k->key_end);
    json_write_kv_i64_str(w, "created", k->created);
    json_write_kv_i64_str(w, "expiration", k->expiration);
    json_write_kv_bool(w, "read_only", k->read_only);
    json_write_kv_i64_str(w, "user_id", k->user_id);
    json_write_kv_str(w, "comment", k->comment);
    json_write_kv_str(w, "allowed_ips", NULL);
    if (raw)
        json_write_kv_str(w, "authkey_raw", raw);
    json_write_object_end(w);
    json_write_object_end(w);
}

int misp_auth_keys_add(struct request *req)
{
    int64_t user_id = req->n_seg > 2 ? http_seg_id(req, 2) : req->who.user.id;
    const struct json_value *body = http_body_unwrap(req, "AuthKey");
    struct diag d;
    diag_clear(&d);
    char *comment = NULL;
    int64_t expiration = 0;
    if (body != NULL && !json_is(body, JSON_OBJECT))
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    if (body != NULL) {
        if (http_opt_str(req, body, "comment", &comment, &d) < 0)
            return http_save_failed(req, "AuthKey", ERR_INVAL, &d);
        const struct json_value *v = json_get(body, "expiration");
        if (v && v->type != JSON_NULL && !json_as_i64(v, &expiration))
            return http_save_failed(req, "AuthKey",
                                    diag_set(&d, ERR_INVAL, "expiration",
                                             "expiration must be a Unix timestamp"),
                                    &d);
    }
    struct store_conn *c;
    int rc = store_begin_write(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct user *u = NULL;
    rc = managed_user_get(req, c, user_id, true, &u);
    char secret[AUTH_KEY_LEN + 1];
    struct auth_key k;
    if (rc == 0)
        rc = auth_key_create(c, user_id, comment, expiration, secret, &k);
    store_end(c, rc == 0);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid user", NULL);
    if (rc == ERR_FORBIDDEN)
        return forbidden(req, MSG_HIGHER_USER);
    if (rc != 0)
        return http_fail(req, rc, NULL);
    buf_set_secret(&req->out); /* the answer holds the key: wiped once sent */
    auth_key_encode(&req->w, &k, secret);
    sodium_memzero(secret, sizeof(secret));
    return 200;
}

int misp_auth_keys_delete(struct request *req)
{
    int64_t id = http_seg_id(req, 2);
    struct store_conn *c;
    int rc = store_begin_write(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct auth_key *k = NULL;
    struct user *u = NULL;
    rc = store_key_get(c, req->a, id, &k);
    if (rc == 0)
        rc = managed_user_get(req, c, k->user_id, true, &u);
    if (rc == 0)
        rc = store_key_delete(c, id);
    store_end(c, rc == 0);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid auth key", NULL);
    if (rc == ERR_FORBIDDEN)
        return forbidden(req, MSG_HIGHER_USER);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    auth_cache_invalidate(req->app->svc.auth_cache);
    return http_saved(req, "AuthKey deleted.", id);
}
