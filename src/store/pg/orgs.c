/*
 * orgs.c - the PostgreSQL backend's instance settings, organisations, roles,
 * users and API keys.
 */
#include "store/pg/pg_int.h"

#include <stdlib.h>

#include "util/banned.h"

/* ---- settings ---- */

static const char sql_setting_get[] = "SELECT value FROM settings WHERE name = ?";
static const char sql_setting_set[] = "INSERT INTO settings (name, value) VALUES (?, ?) "
                                      "ON CONFLICT (name) DO UPDATE SET value = excluded.value";

int pg_setting_get(struct store_conn *base, struct arena *a, const char *name, char **value)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, name);
    PGresult *r;
    int rc = pg_row(c, sql_setting_get, &p, &r);
    if (rc < 0)
        return rc;
    *value = pg_text(a, r, 0, 0);
    PQclear(r);
    return 0;
}

int pg_setting_set(struct store_conn *base, const char *name, const char *value)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, name);
    pg_p_text(&p, value);
    return pg_run(pg_conn(base), sql_setting_set, &p);
}

/* ---- organisations ---- */

#define ORG_COLS                                                                                   \
    "id, uuid, name, description, type, nationality, sector, contacts, local, created_by, "        \
    "date_created, date_modified"

/* A taken uuid or name inserts nothing (ERR_CONFLICT), leaving the transaction usable. */
static const char sql_org_insert[] =
    "INSERT INTO orgs (uuid, name, description, type, nationality, sector, contacts, local, "
    "created_by, date_created, date_modified, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT DO NOTHING RETURNING id";
static const char sql_org_by_id[] = "SELECT " ORG_COLS " FROM orgs WHERE id = ?";
static const char sql_org_by_uuid[] = "SELECT " ORG_COLS " FROM orgs WHERE uuid = ?";
static const char sql_org_by_name[] = "SELECT " ORG_COLS " FROM orgs WHERE name = ?";
static const char sql_org_list[] = "SELECT " ORG_COLS " FROM orgs ORDER BY id";

static void org_read(struct arena *a, const PGresult *r, int row, struct org *o)
{
    memset(o, 0, sizeof(*o));
    o->id = pg_int(r, row, 0);
    pg_uuid(o->uuid, r, row, 1);
    o->name = pg_text(a, r, row, 2);
    o->description = pg_text(a, r, row, 3);
    o->type = pg_text(a, r, row, 4);
    o->nationality = pg_text(a, r, row, 5);
    o->sector = pg_text(a, r, row, 6);
    o->contacts = pg_text(a, r, row, 7);
    o->local = pg_bool(r, row, 8);
    o->created_by = pg_int(r, row, 9);
    o->date_created = pg_int(r, row, 10);
    o->date_modified = pg_int(r, row, 11);
}

int pg_org_insert(struct store_conn *base, struct org *o)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    int64_t now = now_seconds();
    if (o->date_created == 0)
        o->date_created = now;
    o->date_modified = now;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, o->uuid);
    pg_p_text(&p, o->name);
    pg_p_text(&p, o->description);
    pg_p_text(&p, o->type);
    pg_p_text(&p, o->nationality);
    pg_p_text(&p, o->sector);
    pg_p_text(&p, o->contacts);
    pg_p_bool(&p, o->local);
    pg_p_int(&p, o->created_by);
    pg_p_int(&p, o->date_created);
    pg_p_int(&p, o->date_modified);
    pg_p_int(&p, seq);
    return pg_insert(c, sql_org_insert, &p, &o->id);
}

int pg_org_get(struct store_conn *base, struct arena *a, int64_t id, const char *uuid,
               const char *name, struct org **out)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_params p;
    pg_params_init(&p);
    const char *sql;
    if (id > 0) {
        sql = sql_org_by_id;
        pg_p_int(&p, id);
    } else if (uuid && *uuid) {
        sql = sql_org_by_uuid;
        pg_p_text(&p, uuid);
    } else if (name) {
        sql = sql_org_by_name;
        pg_p_text(&p, name);
    } else {
        return ERR_NOTFOUND;
    }
    PGresult *r;
    int rc = pg_row(c, sql, &p, &r);
    if (rc < 0)
        return rc;
    *out = arena_alloc(a, sizeof(**out));
    org_read(a, r, 0, *out);
    PQclear(r);
    return 0;
}

int pg_org_list(struct store_conn *base, struct arena *a, struct org **out, size_t *n)
{
    int rc = 0;
    PGresult *r = pg_exec(pg_conn(base), sql_org_list, NULL, &rc);
    if (r == NULL)
        return rc;
    PG_COLLECT_ROWS(a, r, struct org, org_read, out, n);
    PQclear(r);
    return 0;
}

/* ---- roles and users ---- */

/*
 * A role's permissions are stored one column per permission, named as MISP
 * names them (role_perm_names: perm_add, perm_modify, ...), so that what a
 * database holds does not depend on the order of enum role_perm.  The texts
 * are built at open from the names: column ROLE_PERM_COL + p holds
 * permission p.
 */
#define ROLE_COLS "id, name, default_role, restricted_to_site_admin, created, modified"
#define ROLE_PERM_COL 6

static char *role_text(const char *tail)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    buf_puts(&b, "SELECT " ROLE_COLS);
    for (int p = 0; p < PERM_COUNT; p++)
        buf_printf(&b, ", %s", role_perm_names[p]);
    buf_printf(&b, " FROM roles %s", tail);
    return buf_take(&b, NULL);
}

void pg_role_texts_build(struct pg_texts *t)
{
    t->role_get = role_text("WHERE id = ?");
    t->role_list = role_text("ORDER BY id");
}

static void role_read(struct arena *a, const PGresult *r, int row, struct role *o)
{
    memset(o, 0, sizeof(*o));
    o->id = pg_int(r, row, 0);
    o->name = pg_text(a, r, row, 1);
    o->default_role = pg_bool(r, row, 2);
    o->restricted_to_site_admin = pg_bool(r, row, 3);
    o->created = pg_int(r, row, 4);
    o->modified = pg_int(r, row, 5);
    for (int p = 0; p < PERM_COUNT; p++)
        if (pg_bool(r, row, ROLE_PERM_COL + p))
            o->perms |= PERM_BIT(p);
}

int pg_role_get(struct store_conn *base, struct arena *a, int64_t id, struct role **out)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, id);
    PGresult *r;
    int rc = pg_row(c, c->store->sql.role_get, &p, &r);
    if (rc < 0)
        return rc;
    *out = arena_alloc(a, sizeof(**out));
    role_read(a, r, 0, *out);
    PQclear(r);
    return 0;
}

int pg_role_list(struct store_conn *base, struct arena *a, struct role **out, size_t *n)
{
    struct pg_conn *c = pg_conn(base);
    int rc = 0;
    PGresult *r = pg_exec(c, c->store->sql.role_list, NULL, &rc);
    if (r == NULL)
        return rc;
    PG_COLLECT_ROWS(a, r, struct role, role_read, out, n);
    PQclear(r);
    return 0;
}

/*
 * Emails are unique and compared without case (SQLite's COLLATE NOCASE): the
 * schema's unique index is on lower(email), and look-ups compare lower() of
 * both sides.
 */
#define USER_COLS                                                                                  \
    "id, email, org_id, role_id, disabled, autoalert, contactalert, termsaccepted, change_pw, "    \
    "nids_sid, invited_by, date_created, date_modified, last_login"
static const char sql_user_insert[] =
    "INSERT INTO users (email, org_id, role_id, disabled, autoalert, contactalert, termsaccepted, "
    "change_pw, nids_sid, invited_by, date_created, date_modified, seq) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING id";
static const char sql_user_update[] =
    "UPDATE users SET email=?, org_id=?, role_id=?, disabled=?, autoalert=?, contactalert=?, "
    "termsaccepted=?, change_pw=?, nids_sid=?, date_modified=?, seq=? WHERE id=?";
/* An update to another user's email would abort the transaction: checked first. */
static const char sql_user_email_taken[] =
    "SELECT 1 FROM users WHERE lower(email) = lower(?) AND id <> ?";
static const char sql_user_delete[] = "DELETE FROM users WHERE id = ?";
static const char sql_user_keys_delete[] = "DELETE FROM auth_keys WHERE user_id = ?";
static const char sql_user_by_id[] = "SELECT " USER_COLS " FROM users WHERE id = ?";
static const char sql_user_by_email[] =
    "SELECT " USER_COLS " FROM users WHERE lower(email) = lower(?)";
static const char sql_user_list[] = "SELECT " USER_COLS " FROM users ORDER BY id";
static const char sql_user_list_org[] =
    "SELECT " USER_COLS " FROM users WHERE org_id = ? ORDER BY id";

static void user_read(struct arena *a, const PGresult *r, int row, struct user *u)
{
    memset(u, 0, sizeof(*u));
    u->id = pg_int(r, row, 0);
    u->email = pg_text(a, r, row, 1);
    u->org_id = pg_int(r, row, 2);
    u->role_id = pg_int(r, row, 3);
    u->disabled = pg_bool(r, row, 4);
    u->autoalert = pg_bool(r, row, 5);
    u->contactalert = pg_bool(r, row, 6);
    u->termsaccepted = pg_bool(r, row, 7);
    u->change_pw = pg_bool(r, row, 8);
    u->nids_sid = pg_text(a, r, row, 9);
    u->invited_by = pg_int(r, row, 10);
    u->date_created = pg_int(r, row, 11);
    u->date_modified = pg_int(r, row, 12);
    u->last_login = pg_int(r, row, 13);
}

static void user_bind(struct pg_params *p, const struct user *u)
{
    pg_p_text(p, u->email);
    pg_p_int(p, u->org_id);
    pg_p_int(p, u->role_id);
    pg_p_bool(p, u->disabled);
    pg_p_bool(p, u->autoalert);
    pg_p_bool(p, u->contactalert);
    pg_p_bool(p, u->termsaccepted);
    pg_p_bool(p, u->change_pw);
    pg_p_text(p, u->nids_sid);
}

int pg_user_insert(struct store_conn *base, struct user *u)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    int64_t now = now_seconds();
    u->date_created = u->date_modified = now;
    struct pg_params p;
    pg_params_init(&p);
    user_bind(&p, u);
    pg_p_int(&p, u->invited_by);
    pg_p_int(&p, now);
    pg_p_int(&p, now);
    pg_p_int(&p, seq);
    return pg_insert(c, sql_user_insert, &p, &u->id);
}

int pg_user_update(struct store_conn *base, const struct user *u)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, u->email);
    pg_p_int(&p, u->id);
    int rc = pg_none(c, sql_user_email_taken, &p);
    if (rc < 0)
        return rc;
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    pg_params_init(&p);
    user_bind(&p, u);
    pg_p_int(&p, now_seconds());
    pg_p_int(&p, seq);
    pg_p_int(&p, u->id);
    return pg_run(c, sql_user_update, &p);
}

int pg_user_delete(struct store_conn *base, int64_t id)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, id);
    int rc = pg_run(c, sql_user_keys_delete, &p);
    if (rc < 0)
        return rc;
    pg_params_init(&p);
    pg_p_int(&p, id);
    return pg_run_changed(c, sql_user_delete, &p);
}

int pg_user_get(struct store_conn *base, struct arena *a, int64_t id, const char *email,
                struct user **out)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_params p;
    pg_params_init(&p);
    if (id > 0)
        pg_p_int(&p, id);
    else
        pg_p_text(&p, email ? email : "");
    PGresult *r;
    int rc = pg_row(c, id > 0 ? sql_user_by_id : sql_user_by_email, &p, &r);
    if (rc < 0)
        return rc;
    *out = arena_alloc(a, sizeof(**out));
    user_read(a, r, 0, *out);
    PQclear(r);
    return 0;
}

int pg_user_list(struct store_conn *base, struct arena *a, int64_t org_id, struct user **out,
                 size_t *n)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_params p;
    pg_params_init(&p);
    if (org_id > 0)
        pg_p_int(&p, org_id);
    int rc = 0;
    PGresult *r = pg_exec(c, org_id > 0 ? sql_user_list_org : sql_user_list, &p, &rc);
    if (r == NULL)
        return rc;
    PG_COLLECT_ROWS(a, r, struct user, user_read, out, n);
    PQclear(r);
    return 0;
}

/* ---- API keys ---- */

#define KEY_COLS "id, uuid, user_id, key_start, key_end, comment, created, expiration, read_only"
static const char sql_key_insert[] =
    "INSERT INTO auth_keys (uuid, user_id, key_start, key_end, key_hash, comment, created, "
    "expiration, read_only) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING id";
static const char sql_key_candidates[] =
    "SELECT " KEY_COLS ", key_hash FROM auth_keys WHERE key_start = ?";
static const char sql_key_get[] = "SELECT " KEY_COLS " FROM auth_keys WHERE id = ?";
static const char sql_key_delete[] = "DELETE FROM auth_keys WHERE id = ?";
static const char sql_key_list[] =
    "SELECT " KEY_COLS " FROM auth_keys WHERE user_id = ? OR ?::bigint = 0 ORDER BY id";

static void key_read(struct arena *a, const PGresult *r, int row, struct auth_key *k)
{
    memset(k, 0, sizeof(*k));
    k->id = pg_int(r, row, 0);
    pg_uuid(k->uuid, r, row, 1);
    k->user_id = pg_int(r, row, 2);
    snprintf(k->key_start, sizeof(k->key_start), "%s", pg_str(r, row, 3));
    snprintf(k->key_end, sizeof(k->key_end), "%s", pg_str(r, row, 4));
    k->comment = a ? pg_text(a, r, row, 5) : NULL;
    k->created = pg_int(r, row, 6);
    k->expiration = pg_int(r, row, 7);
    k->read_only = pg_bool(r, row, 8);
}

int pg_key_insert(struct store_conn *base, struct auth_key *k, const unsigned char *hash,
                  size_t hash_len)
{
    if (k->created == 0)
        k->created = now_seconds();
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, k->uuid);
    pg_p_int(&p, k->user_id);
    pg_p_text(&p, k->key_start);
    pg_p_text(&p, k->key_end);
    pg_p_bytes(&p, hash, hash_len);
    pg_p_text(&p, k->comment);
    pg_p_int(&p, k->created);
    pg_p_int(&p, k->expiration);
    pg_p_bool(&p, k->read_only);
    return pg_insert(pg_conn(base), sql_key_insert, &p, &k->id);
}

/*
 * Read through a cursor, as fn may run other statements on the connection;
 * the hash is decoded into an arena that lives for the call.
 */
int pg_key_candidates(struct store_conn *base, const char *start,
                      int (*fn)(void *ctx, const struct auth_key *k, const void *hash,
                                size_t hash_len),
                      void *ctx)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, start);
    struct pg_cursor cur;
    int rc = pg_cursor_open(&cur, pg_conn(base), sql_key_candidates, &p, 100);
    struct arena *a = arena_new();
    while (rc == 0 && (rc = pg_cursor_next(&cur)) > 0) {
        struct auth_key k;
        key_read(NULL, cur.res, cur.row, &k);
        size_t len = 0;
        const unsigned char *hash = pg_bytes(a, cur.res, cur.row, 9, &len);
        rc = fn(ctx, &k, hash, len);
    }
    pg_cursor_close(&cur);
    arena_free(a);
    return rc;
}

int pg_key_get(struct store_conn *base, struct arena *a, int64_t id, struct auth_key **out)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, id);
    PGresult *r;
    int rc = pg_row(pg_conn(base), sql_key_get, &p, &r);
    if (rc < 0)
        return rc;
    *out = arena_alloc(a, sizeof(**out));
    key_read(a, r, 0, *out);
    PQclear(r);
    return 0;
}

int pg_key_delete(struct store_conn *base, int64_t id)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, id);
    return pg_run_changed(pg_conn(base), sql_key_delete, &p);
}

int pg_key_list(struct store_conn *base, struct arena *a, int64_t user_id, struct auth_key **out,
                size_t *n)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, user_id);
    pg_p_int(&p, user_id);
    int rc = 0;
    PGresult *r = pg_exec(pg_conn(base), sql_key_list, &p, &rc);
    if (r == NULL)
        return rc;
    PG_COLLECT_ROWS(a, r, struct auth_key, key_read, out, n);
    PQclear(r);
    return 0;
}
