/*
 * misp_admin.c - organisations, users, roles and API keys (MISP's
 * OrganisationsController, UsersController, RolesController, AuthKeysController).
 *
 * Each handler decodes the request, calls one service (core/orgs.h,
 * core/users.h, core/keys.h: the rules live there) and encodes the answer
 * (codec/misp_admin.h).
 */
#include "http/misp.h"

#include "codec/misp_admin.h"
#include "core/keys.h"
#include "core/orgs.h"
#include "core/users.h"

#include <sodium.h>
#include <string.h>

#include "util/banned.h"

/* A refusal as MISP answers it: the service's message with the status of its
 * code for an unknown, refused or conflicting target; else the code's own
 * answer. */
static int refused(struct request *req, int rc, const struct diag *d)
{
    if (d->msg[0] && (rc == ERR_NOTFOUND || rc == ERR_FORBIDDEN || rc == ERR_CONFLICT))
        return http_error(req, err_http_status(rc), d->msg, NULL);
    return http_fail(req, rc, NULL);
}

/* A failed save of what: an action refused as a whole (no field) as refused();
 * input faults named by field as MISP's saveFailResponse. */
static int save_failed(struct request *req, const char *what, int rc, const struct diag *d)
{
    if (rc == ERR_FORBIDDEN && d->field[0] == '\0')
        return refused(req, rc, d);
    return http_save_failed(req, what, rc, d);
}

int misp_orgs_index(struct request *req)
{
    struct org *orgs;
    size_t n;
    int rc = orgs_list(&req->app->svc, &req->who, req->a, &orgs, &n);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_orgs_encode(&req->w, orgs, n);
    return 200;
}

int misp_orgs_view(struct request *req)
{
    struct org *o;
    int rc = orgs_get(&req->app->svc, &req->who, req->a, http_seg(req, 2), false, &o);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid organisation.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_org_encode_wrapped(&req->w, o);
    return 200;
}

/* The string member key of obj for a service that validates it: NULL when
 * absent or null, "" (which no rule accepts) when not a string or holding
 * \u0000. */
static const char *opt_raw_str(struct request *req, const struct json_value *obj, const char *key)
{
    const struct json_value *v = json_get(obj, key);
    struct str s;
    if (v == NULL || v->type == JSON_NULL)
        return NULL;
    if (!json_as_str(v, &s) || memchr(s.ptr, '\0', s.len) != NULL)
        return "";
    return arena_strndup(req->a, s.ptr, s.len);
}

int misp_orgs_add(struct request *req)
{
    const struct json_value *body = http_body_unwrap(req, "Organisation");
    if (!json_is(body, JSON_OBJECT))
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    struct diag d = {0};
    struct org_in in = {.local = true};
    char *name = NULL, *description = NULL, *type = NULL, *nationality = NULL, *sector = NULL,
         *contacts = NULL;
    int rc = http_opt_str(req, body, "name", &name, &d);
    if (rc == 0)
        rc = http_opt_str(req, body, "description", &description, &d);
    if (rc == 0)
        rc = http_opt_str(req, body, "type", &type, &d);
    if (rc == 0)
        rc = http_opt_str(req, body, "nationality", &nationality, &d);
    if (rc == 0)
        rc = http_opt_str(req, body, "sector", &sector, &d);
    if (rc == 0)
        rc = http_opt_str(req, body, "contacts", &contacts, &d);
    if (rc < 0)
        return http_save_failed(req, "Organisation", rc, &d);
    in.name = name;
    in.description = description;
    in.type = type;
    in.nationality = nationality;
    in.sector = sector;
    in.contacts = contacts;
    in.uuid = opt_raw_str(req, body, "uuid");
    bool local;
    const struct json_value *v = json_get(body, "local");
    if (v && json_as_bool(v, &local))
        in.local = local;
    struct org o;
    if ((rc = orgs_add(&req->app->svc, &req->who, &in, &o, &d)) < 0)
        return save_failed(req, "Organisation", rc, &d);
    misp_org_encode_wrapped(&req->w, &o);
    return 200;
}

/* An id member for a service that validates it: 0 when absent or null, -1
 * when not a positive integer. */
static int64_t opt_id(const struct json_value *obj, const char *key)
{
    const struct json_value *v = json_get(obj, key);
    int64_t n;
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    return json_as_i64(v, &n) && n > 0 ? n : -1;
}

/* A flag member: -1 when absent or not a boolean (ignored), else 0 or 1. */
static int opt_flag(const struct json_value *obj, const char *key)
{
    const struct json_value *v = json_get(obj, key);
    bool b;
    return v && json_as_bool(v, &b) ? b : -1;
}

/* The account fields of a users/add or users/edit body. */
static int user_decode(struct request *req, const struct json_value *body, struct user_in *in,
                       struct diag *d)
{
    char *email = NULL;
    int rc = http_opt_str(req, body, "email", &email, d);
    if (rc < 0)
        return rc;
    in->email = email;
    in->org_id = opt_id(body, "org_id");
    in->role_id = opt_id(body, "role_id");
    in->disabled = opt_flag(body, "disabled");
    in->autoalert = opt_flag(body, "autoalert");
    in->contactalert = opt_flag(body, "contactalert");
    in->termsaccepted = opt_flag(body, "termsaccepted");
    return 0;
}

int misp_users_add(struct request *req)
{
    const struct json_value *body = http_body_unwrap(req, "User");
    if (!json_is(body, JSON_OBJECT))
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    struct diag d = {0};
    struct user_in in = USER_IN_NONE;
    struct user u;
    int rc = user_decode(req, body, &in, &d);
    if (rc == 0)
        rc = users_add(&req->app->svc, &req->who, req->a, &in, &u, &d);
    if (rc < 0)
        return save_failed(req, "User", rc, &d);
    misp_user_encode_wrapped(&req->w, &u);
    return 200;
}

int misp_users_edit(struct request *req)
{
    const struct json_value *body = http_body_unwrap(req, "User");
    if (!json_is(body, JSON_OBJECT))
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    struct diag d = {0};
    struct user_in in = USER_IN_NONE;
    struct user *u;
    int rc = user_decode(req, body, &in, &d);
    if (rc == 0)
        rc = users_edit(&req->app->svc, &req->who, req->a, http_seg_id(req, 2), &in, &u, &d);
    if (rc < 0)
        return http_save_failed(req, "User", rc, &d);
    misp_user_encode_wrapped(&req->w, u);
    return 200;
}

int misp_users_delete(struct request *req)
{
    int64_t id = http_seg_id(req, 2);
    struct diag d = {0};
    int rc = users_delete(&req->app->svc, &req->who, req->a, id, &d);
    if (rc < 0)
        return refused(req, rc, &d);
    return http_saved(req, "User deleted.", id);
}

int misp_users_index(struct request *req)
{
    struct diag d = {0};
    struct user *users;
    size_t n;
    int rc = users_list(&req->app->svc, &req->who, req->a, &users, &n, &d);
    if (rc < 0)
        return refused(req, rc, &d);
    misp_users_encode(&req->w, users, n);
    return 200;
}

int misp_users_view(struct request *req)
{
    if (str_eq_cstr(req->n_seg > 2 ? req->seg[2] : STR_LIT(""), "me"))
        return misp_users_view_me(req);
    struct user *u;
    int rc = users_get(&req->app->svc, &req->who, req->a, http_seg_id(req, 2), NULL, &u);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid user", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_user_encode_wrapped(&req->w, u);
    return 200;
}

int misp_roles_index(struct request *req)
{
    struct role *roles;
    size_t n;
    int rc = roles_list(&req->app->svc, &req->who, req->a, &roles, &n);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_roles_encode(&req->w, roles, n);
    return 200;
}

int misp_auth_keys_add(struct request *req)
{
    int64_t user_id = req->n_seg > 2 ? http_seg_id(req, 2) : req->who.user.id;
    const struct json_value *body = http_body_unwrap(req, "AuthKey");
    struct diag d = {0};
    char *comment = NULL;
    struct key_in in = {0};
    if (body != NULL && !json_is(body, JSON_OBJECT))
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    if (body != NULL) {
        if (http_opt_str(req, body, "comment", &comment, &d) < 0)
            return http_save_failed(req, "AuthKey", ERR_INVAL, &d);
        const struct json_value *v = json_get(body, "expiration");
        if (v && v->type != JSON_NULL && !json_as_i64(v, &in.expiration))
            return http_save_failed(
                req, "AuthKey",
                diag_set(&d, ERR_INVAL, "expiration", "expiration must be a Unix timestamp"), &d);
    }
    in.comment = comment;
    char secret[AUTH_KEY_LEN + 1];
    struct auth_key k;
    int rc = keys_add(&req->app->svc, &req->who, req->a, user_id, &in, secret, &k, &d);
    if (rc < 0)
        return refused(req, rc, &d);
    buf_set_secret(&req->out); /* the answer holds the key: wiped once sent */
    misp_auth_key_encode(&req->w, &k, secret);
    sodium_memzero(secret, sizeof(secret));
    return 200;
}

int misp_auth_keys_delete(struct request *req)
{
    int64_t id = http_seg_id(req, 2);
    struct diag d = {0};
    int rc = keys_delete(&req->app->svc, &req->who, req->a, id, &d);
    if (rc < 0)
        return refused(req, rc, &d);
    return http_saved(req, "AuthKey deleted.", id);
}
