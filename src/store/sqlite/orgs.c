/*
 * orgs.c - the SQLite backend's instance settings, organisations, roles, users
 * and API keys.
 */
#include "store/sqlite/sqlite_int.h"

#include "util/banned.h"

/* ---- settings ---- */

static const char sql_setting_get[] = "SELECT value FROM settings WHERE name = ?";
static const char sql_setting_set[] = "INSERT INTO settings (name, value) VALUES (?, ?) "
                                      "ON CONFLICT (name) DO UPDATE SET value = excluded.value";

int sq_setting_get(struct store_conn *base, struct arena *a, const char *name, char **value)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_setting_get);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *value = col_text(a, st, 0);
        return 0;
    }
    return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
}

int sq_setting_set(struct store_conn *base, const char *name, const char *value)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_setting_set);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, name);
    bind_text(st, 2, value);
    return step_done(st);
}

/* ---- organisations ---- */

#define ORG_COLS                                                                                   \
    "id, uuid, name, description, type, nationality, sector, contacts, local, created_by, "        \
    "date_created, date_modified"

static const char sql_org_insert[] =
    "INSERT INTO orgs (uuid, name, description, type, nationality, sector, contacts, local, "
    "created_by, date_created, date_modified, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_org_by_id[] = "SELECT " ORG_COLS " FROM orgs WHERE id = ?";
static const char sql_org_by_uuid[] = "SELECT " ORG_COLS " FROM orgs WHERE uuid = ?";
static const char sql_org_by_name[] = "SELECT " ORG_COLS " FROM orgs WHERE name = ?";
static const char sql_org_list[] = "SELECT " ORG_COLS " FROM orgs ORDER BY id";

static void org_read(struct arena *a, sqlite3_stmt *st, struct org *o)
{
    memset(o, 0, sizeof(*o));
    o->id = sqlite3_column_int64(st, 0);
    col_uuid(o->uuid, st, 1);
    o->name = col_text(a, st, 2);
    o->description = col_text(a, st, 3);
    o->type = col_text(a, st, 4);
    o->nationality = col_text(a, st, 5);
    o->sector = col_text(a, st, 6);
    o->contacts = col_text(a, st, 7);
    o->local = sqlite3_column_int(st, 8) != 0;
    o->created_by = sqlite3_column_int64(st, 9);
    o->date_created = sqlite3_column_int64(st, 10);
    o->date_modified = sqlite3_column_int64(st, 11);
}

int sq_org_insert(struct store_conn *base, struct org *o)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_org_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    int64_t now = now_seconds();
    if (o->date_created == 0)
        o->date_created = now;
    o->date_modified = now;
    bind_text(st, 1, o->uuid);
    bind_text(st, 2, o->name);
    bind_text(st, 3, o->description);
    bind_text(st, 4, o->type);
    bind_text(st, 5, o->nationality);
    bind_text(st, 6, o->sector);
    bind_text(st, 7, o->contacts);
    sqlite3_bind_int(st, 8, o->local);
    sqlite3_bind_int64(st, 9, o->created_by);
    sqlite3_bind_int64(st, 10, o->date_created);
    sqlite3_bind_int64(st, 11, o->date_modified);
    sqlite3_bind_int64(st, 12, seq);
    return step_insert(c, st, &o->id);
}

int sq_org_get(struct store_conn *base, struct arena *a, int64_t id, const char *uuid,
               const char *name, struct org **out)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st;
    if (id > 0) {
        st = sq_stmt(c, sql_org_by_id);
        if (st)
            sqlite3_bind_int64(st, 1, id);
    } else if (uuid && *uuid) {
        st = sq_stmt(c, sql_org_by_uuid);
        if (st)
            bind_text(st, 1, uuid);
    } else if (name) {
        st = sq_stmt(c, sql_org_by_name);
        if (st)
            bind_text(st, 1, name);
    } else {
        return ERR_NOTFOUND;
    }
    if (st == NULL)
        return ERR_DB;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    *out = arena_alloc(a, sizeof(**out));
    org_read(a, st, *out);
    return 0;
}

int sq_org_list(struct store_conn *base, struct arena *a, struct org **out, size_t *n)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_org_list);
    if (st == NULL)
        return ERR_DB;
    COLLECT_ROWS(a, st, struct org, org_read, out, n);
    return 0;
}

/* ---- roles and users ---- */

/*
 * A role's permissions are stored one column per permission, named as MISP
 * names them (role_perm_names: perm_add, perm_modify, ..., migration 0013), so
 * that what a database holds does not depend on the order of enum role_perm.
 * The texts are built at open from the names: column ROLE_PERM_COL + p holds
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

void sq_role_texts_build(struct sqlite_texts *t)
{
    t->role_get = role_text("WHERE id = ?");
    t->role_list = role_text("ORDER BY id");
}

static void role_read(struct arena *a, sqlite3_stmt *st, struct role *r)
{
    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(st, 0);
    r->name = col_text(a, st, 1);
    r->default_role = sqlite3_column_int(st, 2) != 0;
    r->restricted_to_site_admin = sqlite3_column_int(st, 3) != 0;
    r->created = sqlite3_column_int64(st, 4);
    r->modified = sqlite3_column_int64(st, 5);
    for (int p = 0; p < PERM_COUNT; p++)
        if (sqlite3_column_int(st, ROLE_PERM_COL + p) != 0)
            r->perms |= PERM_BIT(p);
}

int sq_role_get(struct store_conn *base, struct arena *a, int64_t id, struct role **out)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, c->store->sql.role_get);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    *out = arena_alloc(a, sizeof(**out));
    role_read(a, st, *out);
    return 0;
}

int sq_role_list(struct store_conn *base, struct arena *a, struct role **out, size_t *n)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, c->store->sql.role_list);
    if (st == NULL)
        return ERR_DB;
    COLLECT_ROWS(a, st, struct role, role_read, out, n);
    return 0;
}

#define USER_COLS                                                                                  \
    "id, email, org_id, role_id, disabled, autoalert, contactalert, termsaccepted, change_pw, "    \
    "nids_sid, invited_by, date_created, date_modified, last_login"
static const char sql_user_insert[] =
    "INSERT INTO users (email, org_id, role_id, disabled, autoalert, contactalert, termsaccepted, "
    "change_pw, nids_sid, invited_by, date_created, date_modified, seq) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_user_update[] =
    "UPDATE users SET email=?, org_id=?, role_id=?, disabled=?, autoalert=?, contactalert=?, "
    "termsaccepted=?, change_pw=?, nids_sid=?, date_modified=?, seq=? WHERE id=?";
static const char sql_user_delete[] = "DELETE FROM users WHERE id = ?";
static const char sql_user_keys_delete[] = "DELETE FROM auth_keys WHERE user_id = ?";
static const char sql_user_by_id[] = "SELECT " USER_COLS " FROM users WHERE id = ?";
static const char sql_user_by_email[] = "SELECT " USER_COLS " FROM users WHERE email = ?";
static const char sql_user_list[] = "SELECT " USER_COLS " FROM users ORDER BY id";
static const char sql_user_list_org[] =
    "SELECT " USER_COLS " FROM users WHERE org_id = ? ORDER BY id";

static void user_read(struct arena *a, sqlite3_stmt *st, struct user *u)
{
    memset(u, 0, sizeof(*u));
    u->id = sqlite3_column_int64(st, 0);
    u->email = col_text(a, st, 1);
    u->org_id = sqlite3_column_int64(st, 2);
    u->role_id = sqlite3_column_int64(st, 3);
    u->disabled = sqlite3_column_int(st, 4) != 0;
    u->autoalert = sqlite3_column_int(st, 5) != 0;
    u->contactalert = sqlite3_column_int(st, 6) != 0;
    u->termsaccepted = sqlite3_column_int(st, 7) != 0;
    u->change_pw = sqlite3_column_int(st, 8) != 0;
    u->nids_sid = col_text(a, st, 9);
    u->invited_by = sqlite3_column_int64(st, 10);
    u->date_created = sqlite3_column_int64(st, 11);
    u->date_modified = sqlite3_column_int64(st, 12);
    u->last_login = sqlite3_column_int64(st, 13);
}

static void user_bind(sqlite3_stmt *st, const struct user *u)
{
    bind_text(st, 1, u->email);
    sqlite3_bind_int64(st, 2, u->org_id);
    sqlite3_bind_int64(st, 3, u->role_id);
    sqlite3_bind_int(st, 4, u->disabled);
    sqlite3_bind_int(st, 5, u->autoalert);
    sqlite3_bind_int(st, 6, u->contactalert);
    sqlite3_bind_int(st, 7, u->termsaccepted);
    sqlite3_bind_int(st, 8, u->change_pw);
    bind_text(st, 9, u->nids_sid);
}

int sq_user_insert(struct store_conn *base, struct user *u)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_user_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    int64_t now = now_seconds();
    u->date_created = u->date_modified = now;
    user_bind(st, u);
    sqlite3_bind_int64(st, 10, u->invited_by);
    sqlite3_bind_int64(st, 11, now);
    sqlite3_bind_int64(st, 12, now);
    sqlite3_bind_int64(st, 13, seq);
    return step_insert(c, st, &u->id);
}

int sq_user_update(struct store_conn *base, const struct user *u)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_user_update, &seq);
    if (st == NULL)
        return ERR_DB;
    user_bind(st, u);
    sqlite3_bind_int64(st, 10, now_seconds());
    sqlite3_bind_int64(st, 11, seq);
    sqlite3_bind_int64(st, 12, u->id);
    return step_done(st);
}

int sq_user_delete(struct store_conn *base, int64_t id)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_user_keys_delete);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc = step_done(st);
    if (rc < 0)
        return rc;
    st = sq_stmt(c, sql_user_delete);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    rc = step_done(st);
    if (rc == 0 && sqlite3_changes(c->db) == 0)
        return ERR_NOTFOUND;
    return rc;
}

int sq_user_get(struct store_conn *base, struct arena *a, int64_t id, const char *email,
                struct user **out)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, id > 0 ? sql_user_by_id : sql_user_by_email);
    if (st == NULL)
        return ERR_DB;
    if (id > 0)
        sqlite3_bind_int64(st, 1, id);
    else
        bind_text(st, 1, email ? email : "");
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    *out = arena_alloc(a, sizeof(**out));
    user_read(a, st, *out);
    return 0;
}

int sq_user_list(struct store_conn *base, struct arena *a, int64_t org_id, struct user **out,
                 size_t *n)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, org_id > 0 ? sql_user_list_org : sql_user_list);
    if (st == NULL)
        return ERR_DB;
    if (org_id > 0)
        sqlite3_bind_int64(st, 1, org_id);
    COLLECT_ROWS(a, st, struct user, user_read, out, n);
    return 0;
}

/* ---- API keys ---- */

#define KEY_COLS "id, uuid, user_id, key_start, key_end, comment, created, expiration, read_only"
static const char sql_key_insert[] =
    "INSERT INTO auth_keys (uuid, user_id, key_start, key_end, key_hash, comment, created, "
    "expiration, read_only) VALUES (?,?,?,?,?,?,?,?,?)";
static const char sql_key_candidates[] =
    "SELECT " KEY_COLS ", key_hash FROM auth_keys WHERE key_start = ?";
static const char sql_key_get[] = "SELECT " KEY_COLS " FROM auth_keys WHERE id = ?";
static const char sql_key_delete[] = "DELETE FROM auth_keys WHERE id = ?";
static const char sql_key_list[] =
    "SELECT " KEY_COLS " FROM auth_keys WHERE user_id = ? OR ? = 0 ORDER BY id";

static void key_read(struct arena *a, sqlite3_stmt *st, struct auth_key *k)
{
    memset(k, 0, sizeof(*k));
    k->id = sqlite3_column_int64(st, 0);
    col_uuid(k->uuid, st, 1);
    k->user_id = sqlite3_column_int64(st, 2);
    const unsigned char *t = sqlite3_column_text(st, 3);
    snprintf(k->key_start, sizeof(k->key_start), "%s", t ? (const char *)t : "");
    t = sqlite3_column_text(st, 4);
    snprintf(k->key_end, sizeof(k->key_end), "%s", t ? (const char *)t : "");
    k->comment = a ? col_text(a, st, 5) : NULL;
    k->created = sqlite3_column_int64(st, 6);
    k->expiration = sqlite3_column_int64(st, 7);
    k->read_only = sqlite3_column_int(st, 8) != 0;
}

int sq_key_insert(struct store_conn *base, struct auth_key *k, const unsigned char *hash,
                  size_t hash_len)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_key_insert);
    if (st == NULL)
        return ERR_DB;
    if (k->created == 0)
        k->created = now_seconds();
    bind_text(st, 1, k->uuid);
    sqlite3_bind_int64(st, 2, k->user_id);
    bind_text(st, 3, k->key_start);
    bind_text(st, 4, k->key_end);
    sqlite3_bind_blob(st, 5, hash, (int)hash_len, SQLITE_STATIC);
    bind_text(st, 6, k->comment);
    sqlite3_bind_int64(st, 7, k->created);
    sqlite3_bind_int64(st, 8, k->expiration);
    sqlite3_bind_int(st, 9, k->read_only);
    return step_insert(c, st, &k->id);
}

int sq_key_candidates(struct store_conn *base, const char *start,
                      int (*fn)(void *ctx, const struct auth_key *k, const void *hash,
                                size_t hash_len),
                      void *ctx)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_key_candidates);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, start);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct auth_key k;
        key_read(NULL, st, &k);
        int r = fn(ctx, &k, sqlite3_column_blob(st, 9), (size_t)sqlite3_column_bytes(st, 9));
        if (r != 0) {
            sqlite3_reset(st);
            return r;
        }
    }
    return rc == SQLITE_DONE ? 0 : ERR_DB;
}

int sq_key_get(struct store_conn *base, struct arena *a, int64_t id, struct auth_key **out)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_key_get);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    *out = arena_alloc(a, sizeof(**out));
    key_read(a, st, *out);
    return 0;
}

int sq_key_delete(struct store_conn *base, int64_t id)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_key_delete);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc = step_done(st);
    if (rc == 0 && sqlite3_changes(c->db) == 0)
        return ERR_NOTFOUND;
    return rc;
}

int sq_key_list(struct store_conn *base, struct arena *a, int64_t user_id, struct auth_key **out,
                size_t *n)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_key_list);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, user_id);
    COLLECT_ROWS(a, st, struct auth_key, key_read, out, n);
    return 0;
}
