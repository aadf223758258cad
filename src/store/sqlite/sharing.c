/*
 * sharing.c - the SQLite backend's sharing groups: the group, its member
 * organisations and servers, and the groups an organisation may see.
 */
#include "store/sqlite/sqlite_int.h"

#include "util/banned.h"

/* ---- sharing groups ---- */

#define SG_COLS                                                                                    \
    "id, uuid, name, releasability, description, org_id, active, local, roaming, created, "        \
    "modified"
static const char sql_sg_insert[] =
    "INSERT INTO sharing_groups (uuid, name, releasability, description, org_id, active, local, "
    "roaming, created, modified, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_sg_update[] =
    "UPDATE sharing_groups SET name=?, releasability=?, description=?, active=?, roaming=?, "
    "modified=?, seq=? WHERE id=?";
/* ?2: DIST_SHARING_GROUP */
static const char sql_sg_in_use[] =
    "SELECT 1 FROM events WHERE sharing_group_id = ?1 AND distribution = ?2 AND deleted = 0 "
    "UNION ALL SELECT 1 FROM attributes WHERE sharing_group_id = ?1 AND distribution = ?2 "
    "AND deleted = 0 UNION ALL SELECT 1 FROM objects WHERE sharing_group_id = ?1 AND "
    "distribution = ?2 AND deleted = 0 LIMIT 1";
static const char sql_sg_delete_orgs[] =
    "DELETE FROM sharing_group_orgs WHERE sharing_group_id = ?";
static const char sql_sg_delete_servers[] =
    "DELETE FROM sharing_group_servers WHERE sharing_group_id = ?";
static const char sql_sg_delete[] = "DELETE FROM sharing_groups WHERE id = ?";
static const char sql_sg_by_id[] = "SELECT " SG_COLS " FROM sharing_groups WHERE id = ?";
static const char sql_sg_by_uuid[] = "SELECT " SG_COLS " FROM sharing_groups WHERE uuid = ?";
static const char sql_sg_list[] = "SELECT " SG_COLS " FROM sharing_groups ORDER BY id";
static const char sql_sg_orgs[] =
    "SELECT org_id, extend FROM sharing_group_orgs WHERE sharing_group_id = ? ORDER BY id";
static const char sql_sg_servers[] =
    "SELECT server_id, all_orgs FROM sharing_group_servers WHERE sharing_group_id = ? "
    "ORDER BY id";
static const char sql_sg_org_set[] =
    "INSERT INTO sharing_group_orgs (sharing_group_id, org_id, extend) VALUES (?,?,?) "
    "ON CONFLICT (sharing_group_id, org_id) DO UPDATE SET extend = excluded.extend";
static const char sql_sg_org_remove[] =
    "DELETE FROM sharing_group_orgs WHERE sharing_group_id = ? AND org_id = ?";
static const char sql_sg_server_set[] =
    "INSERT INTO sharing_group_servers (sharing_group_id, server_id, all_orgs) VALUES (?,?,?) "
    "ON CONFLICT (sharing_group_id, server_id) DO UPDATE SET all_orgs = excluded.all_orgs";
static const char sql_sg_server_remove[] =
    "DELETE FROM sharing_group_servers WHERE sharing_group_id = ? AND server_id = ?";
static const char sql_sg_touch[] = "UPDATE sharing_groups SET modified=?, seq=? WHERE id=?";
static const char sql_sg_visible[] =
    "SELECT sg.id FROM sharing_groups sg "
    "WHERE sg.org_id = ?1 "
    "OR EXISTS (SELECT 1 FROM sharing_group_orgs o WHERE o.sharing_group_id = sg.id AND "
    "o.org_id = ?1) "
    "OR EXISTS (SELECT 1 FROM sharing_group_servers v WHERE v.sharing_group_id = sg.id AND "
    "v.server_id = 0 AND v.all_orgs = 1) "
    "OR (?2 AND EXISTS (SELECT 1 FROM sharing_group_servers v JOIN servers s ON "
    "s.id = v.server_id WHERE v.sharing_group_id = sg.id AND s.remote_org_id = ?1)) "
    "ORDER BY sg.id";

static void sg_read(struct arena *a, sqlite3_stmt *st, struct sharing_group *g)
{
    memset(g, 0, sizeof(*g));
    g->id = sqlite3_column_int64(st, 0);
    col_uuid(g->uuid, st, 1);
    g->name = col_text(a, st, 2);
    g->releasability = col_text(a, st, 3);
    g->description = col_text(a, st, 4);
    g->org_id = sqlite3_column_int64(st, 5);
    g->active = sqlite3_column_int(st, 6) != 0;
    g->local = sqlite3_column_int(st, 7) != 0;
    g->roaming = sqlite3_column_int(st, 8) != 0;
    g->created = sqlite3_column_int64(st, 9);
    g->modified = sqlite3_column_int64(st, 10);
}

static void sg_org_read(struct arena *a, sqlite3_stmt *st, struct sharing_group_org *o)
{
    (void)a;
    memset(o, 0, sizeof(*o));
    o->org_id = sqlite3_column_int64(st, 0);
    o->extend = sqlite3_column_int(st, 1) != 0;
}

static void sg_server_read(struct arena *a, sqlite3_stmt *st, struct sharing_group_server *v)
{
    (void)a;
    v->server_id = sqlite3_column_int64(st, 0);
    v->all_orgs = sqlite3_column_int(st, 1) != 0;
}

int sq_sharing_group_insert(struct store_conn *base, struct sharing_group *g)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_sg_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    int64_t now = now_seconds();
    g->created = g->modified = now;
    bind_text(st, 1, g->uuid);
    bind_text(st, 2, g->name);
    bind_text(st, 3, g->releasability ? g->releasability : "");
    bind_text(st, 4, g->description ? g->description : "");
    sqlite3_bind_int64(st, 5, g->org_id);
    sqlite3_bind_int(st, 6, g->active);
    sqlite3_bind_int(st, 7, g->local);
    sqlite3_bind_int(st, 8, g->roaming);
    sqlite3_bind_int64(st, 9, now);
    sqlite3_bind_int64(st, 10, now);
    sqlite3_bind_int64(st, 11, seq);
    return step_insert(c, st, &g->id);
}

int sq_sharing_group_update(struct store_conn *base, const struct sharing_group *g)
{
    struct sqlite_conn *c = sq_conn(base);
    int64_t seq;
    sqlite3_stmt *st = sq_write_stmt(c, sql_sg_update, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, g->name);
    bind_text(st, 2, g->releasability ? g->releasability : "");
    bind_text(st, 3, g->description ? g->description : "");
    sqlite3_bind_int(st, 4, g->active);
    sqlite3_bind_int(st, 5, g->roaming);
    sqlite3_bind_int64(st, 6, now_seconds());
    sqlite3_bind_int64(st, 7, seq);
    sqlite3_bind_int64(st, 8, g->id);
    return step_done(st);
}

int sq_sharing_group_delete(struct store_conn *base, int64_t id)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_sg_in_use);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, DIST_SHARING_GROUP);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return ERR_CONFLICT;
    if (step != SQLITE_DONE)
        return ERR_DB;
    static const char *const sqls[] = {sql_sg_delete_orgs, sql_sg_delete_servers, sql_sg_delete};
    for (size_t i = 0; i < 3; i++) {
        if ((st = sq_stmt(c, sqls[i])) == NULL)
            return ERR_DB;
        sqlite3_bind_int64(st, 1, id);
        int rc = step_done(st);
        if (rc < 0)
            return rc;
    }
    return sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : 0;
}

/* Loads members, servers and orgs of g. */
static int sg_members_load(struct sqlite_conn *c, struct arena *a, struct sharing_group *g)
{
    sqlite3_stmt *st = sq_stmt(c, sql_sg_orgs);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, g->id);
    COLLECT_ROWS(a, st, struct sharing_group_org, sg_org_read, &g->orgs, &g->n_orgs);
    if ((st = sq_stmt(c, sql_sg_servers)) == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, g->id);
    COLLECT_ROWS(a, st, struct sharing_group_server, sg_server_read, &g->servers, &g->n_servers);
    int rc = sq_org_get(&c->base, a, g->org_id, NULL, NULL, &g->org);
    for (size_t i = 0; rc == 0 && i < g->n_orgs; i++)
        rc = sq_org_get(&c->base, a, g->orgs[i].org_id, NULL, NULL, &g->orgs[i].org);
    return rc;
}

int sq_sharing_group_get(struct store_conn *base, struct arena *a, int64_t id, const char *uuid,
                         struct sharing_group **out)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st;
    int rc = sq_row_by_ref(c, sql_sg_by_id, sql_sg_by_uuid, id, uuid, &st);
    if (rc < 0)
        return rc;
    struct sharing_group *g = arena_alloc(a, sizeof(*g));
    sg_read(a, st, g);
    sqlite3_reset(st);
    if ((rc = sg_members_load(c, a, g)) < 0)
        return rc;
    *out = g;
    return 0;
}

int sq_sharing_group_list(struct store_conn *base, struct arena *a, struct sharing_group **out,
                          size_t *n)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_sg_list);
    if (st == NULL)
        return ERR_DB;
    COLLECT_ROWS(a, st, struct sharing_group, sg_read, out, n);
    for (size_t i = 0; i < *n; i++) {
        int rc = sg_members_load(c, a, &(*out)[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Runs a member change and stamps the group as modified. */
static int sg_member_change(struct sqlite_conn *c, const char *sql, int64_t sg_id, int64_t member,
                            int flag, bool is_set)
{
    sqlite3_stmt *st = sq_stmt(c, sql);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, sg_id);
    sqlite3_bind_int64(st, 2, member);
    if (is_set)
        sqlite3_bind_int(st, 3, flag);
    int rc = step_done(st);
    if (rc < 0)
        return rc;
    if (!is_set && sqlite3_changes(c->db) == 0)
        return ERR_NOTFOUND;
    int64_t seq;
    if ((st = sq_write_stmt(c, sql_sg_touch, &seq)) == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, now_seconds());
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, sg_id);
    return step_done(st);
}

int sq_sharing_group_org_set(struct store_conn *base, int64_t sg_id, int64_t org_id, bool extend)
{
    struct sqlite_conn *c = sq_conn(base);
    return sg_member_change(c, sql_sg_org_set, sg_id, org_id, extend, true);
}

int sq_sharing_group_org_remove(struct store_conn *base, int64_t sg_id, int64_t org_id)
{
    struct sqlite_conn *c = sq_conn(base);
    return sg_member_change(c, sql_sg_org_remove, sg_id, org_id, 0, false);
}

int sq_sharing_group_server_set(struct store_conn *base, int64_t sg_id, int64_t server_id,
                                bool all_orgs)
{
    struct sqlite_conn *c = sq_conn(base);
    return sg_member_change(c, sql_sg_server_set, sg_id, server_id, all_orgs, true);
}

int sq_sharing_group_server_remove(struct store_conn *base, int64_t sg_id, int64_t server_id)
{
    struct sqlite_conn *c = sq_conn(base);
    return sg_member_change(c, sql_sg_server_remove, sg_id, server_id, 0, false);
}

int sq_sharing_group_visible_ids(struct store_conn *base, struct arena *a, int64_t org_id,
                                 bool via_links, struct id_set *out)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_sg_visible);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, org_id);
    sqlite3_bind_int(st, 2, via_links);
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        ids = arena_grow(a, ids, n, &cap, sizeof(*ids));
        ids[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return ERR_DB;
    /* present even when empty: the set is known */
    *out = n ? (struct id_set){ids, n} : id_set_none();
    return 0;
}
