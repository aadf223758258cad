/*
 * sharing.c - the PostgreSQL backend's sharing groups: the group, its member
 * organisations and servers, and the groups an organisation may see.
 */
#include "store/pg/pg_int.h"

#include "util/banned.h"

/* ---- sharing groups ---- */

#define SG_COLS                                                                                    \
    "id, uuid, name, releasability, description, org_id, active, local, roaming, created, "        \
    "modified"
/* A taken uuid or name inserts nothing (ERR_CONFLICT), leaving the transaction usable. */
static const char sql_sg_insert[] =
    "INSERT INTO sharing_groups (uuid, name, releasability, description, org_id, active, local, "
    "roaming, created, modified, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT DO NOTHING RETURNING id";
static const char sql_sg_update[] =
    "UPDATE sharing_groups SET name=?, releasability=?, description=?, active=?, roaming=?, "
    "modified=?, seq=? WHERE id=?";
/* A rename to another group's name would abort the transaction: checked first. */
static const char sql_sg_name_taken[] = "SELECT 1 FROM sharing_groups WHERE name = ? AND id <> ?";
/* (group, DIST_SHARING_GROUP) three times */
static const char sql_sg_in_use[] =
    "SELECT 1 FROM events WHERE sharing_group_id = ? AND distribution = ? AND deleted = 0 "
    "UNION ALL SELECT 1 FROM attributes WHERE sharing_group_id = ? AND distribution = ? "
    "AND deleted = 0 UNION ALL SELECT 1 FROM objects WHERE sharing_group_id = ? AND "
    "distribution = ? AND deleted = 0 LIMIT 1";
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
/* Values: org, org, via_links, org. */
static const char sql_sg_visible[] =
    "SELECT sg.id FROM sharing_groups sg "
    "WHERE sg.org_id = ? "
    "OR EXISTS (SELECT 1 FROM sharing_group_orgs o WHERE o.sharing_group_id = sg.id AND "
    "o.org_id = ?) "
    "OR EXISTS (SELECT 1 FROM sharing_group_servers v WHERE v.sharing_group_id = sg.id AND "
    "v.server_id = 0 AND v.all_orgs = 1) "
    "OR (?::int = 1 AND EXISTS (SELECT 1 FROM sharing_group_servers v JOIN servers s ON "
    "s.id = v.server_id WHERE v.sharing_group_id = sg.id AND s.remote_org_id = ?)) "
    "ORDER BY sg.id";

static void sg_read(struct arena *a, const PGresult *r, int row, struct sharing_group *g)
{
    memset(g, 0, sizeof(*g));
    g->id = pg_int(r, row, 0);
    pg_uuid(g->uuid, r, row, 1);
    g->name = pg_text(a, r, row, 2);
    g->releasability = pg_text(a, r, row, 3);
    g->description = pg_text(a, r, row, 4);
    g->org_id = pg_int(r, row, 5);
    g->active = pg_bool(r, row, 6);
    g->local = pg_bool(r, row, 7);
    g->roaming = pg_bool(r, row, 8);
    g->created = pg_int(r, row, 9);
    g->modified = pg_int(r, row, 10);
}

static void sg_org_read(struct arena *a, const PGresult *r, int row, struct sharing_group_org *o)
{
    (void)a;
    memset(o, 0, sizeof(*o));
    o->org_id = pg_int(r, row, 0);
    o->extend = pg_bool(r, row, 1);
}

static void sg_server_read(struct arena *a, const PGresult *r, int row,
                           struct sharing_group_server *v)
{
    (void)a;
    v->server_id = pg_int(r, row, 0);
    v->all_orgs = pg_bool(r, row, 1);
}

int pg_sharing_group_insert(struct store_conn *base, struct sharing_group *g)
{
    struct pg_conn *c = pg_conn(base);
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    int64_t now = now_seconds();
    g->created = g->modified = now;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, g->uuid);
    pg_p_text(&p, g->name);
    pg_p_text(&p, g->releasability ? g->releasability : "");
    pg_p_text(&p, g->description ? g->description : "");
    pg_p_int(&p, g->org_id);
    pg_p_bool(&p, g->active);
    pg_p_bool(&p, g->local);
    pg_p_bool(&p, g->roaming);
    pg_p_int(&p, now);
    pg_p_int(&p, now);
    pg_p_int(&p, seq);
    return pg_insert(c, sql_sg_insert, &p, &g->id);
}

int pg_sharing_group_update(struct store_conn *base, const struct sharing_group *g)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, g->name);
    pg_p_int(&p, g->id);
    int rc = pg_none(c, sql_sg_name_taken, &p);
    if (rc < 0)
        return rc;
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    pg_params_init(&p);
    pg_p_text(&p, g->name);
    pg_p_text(&p, g->releasability ? g->releasability : "");
    pg_p_text(&p, g->description ? g->description : "");
    pg_p_bool(&p, g->active);
    pg_p_bool(&p, g->roaming);
    pg_p_int(&p, now_seconds());
    pg_p_int(&p, seq);
    pg_p_int(&p, g->id);
    return pg_run(c, sql_sg_update, &p);
}

int pg_sharing_group_delete(struct store_conn *base, int64_t id)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_params p;
    pg_params_init(&p);
    for (int i = 0; i < 3; i++) {
        pg_p_int(&p, id);
        pg_p_int(&p, DIST_SHARING_GROUP);
    }
    int rc = pg_none(c, sql_sg_in_use, &p);
    if (rc < 0)
        return rc;
    static const char *const sqls[] = {sql_sg_delete_orgs, sql_sg_delete_servers};
    for (size_t i = 0; i < 2; i++) {
        pg_params_init(&p);
        pg_p_int(&p, id);
        if ((rc = pg_run(c, sqls[i], &p)) < 0)
            return rc;
    }
    pg_params_init(&p);
    pg_p_int(&p, id);
    return pg_run_changed(c, sql_sg_delete, &p);
}

/* The rows of sql, whose one value is the group's id; NULL with *rc on failure. */
static PGresult *sg_rows(struct pg_conn *c, const char *sql, int64_t sg_id, int *rc)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, sg_id);
    return pg_exec(c, sql, &p, rc);
}

/* Loads members, servers and orgs of g. */
static int sg_members_load(struct pg_conn *c, struct arena *a, struct sharing_group *g)
{
    int rc = 0;
    PGresult *r = sg_rows(c, sql_sg_orgs, g->id, &rc);
    if (r == NULL)
        return rc;
    PG_COLLECT_ROWS(a, r, struct sharing_group_org, sg_org_read, &g->orgs, &g->n_orgs);
    PQclear(r);
    if ((r = sg_rows(c, sql_sg_servers, g->id, &rc)) == NULL)
        return rc;
    PG_COLLECT_ROWS(a, r, struct sharing_group_server, sg_server_read, &g->servers, &g->n_servers);
    PQclear(r);
    rc = pg_org_get(&c->base, a, g->org_id, NULL, NULL, &g->org);
    for (size_t i = 0; rc == 0 && i < g->n_orgs; i++)
        rc = pg_org_get(&c->base, a, g->orgs[i].org_id, NULL, NULL, &g->orgs[i].org);
    return rc;
}

int pg_sharing_group_get(struct store_conn *base, struct arena *a, int64_t id, const char *uuid,
                         struct sharing_group **out)
{
    struct pg_conn *c = pg_conn(base);
    PGresult *r;
    int rc = pg_row_by_ref(c, sql_sg_by_id, sql_sg_by_uuid, id, uuid, &r);
    if (rc < 0)
        return rc;
    struct sharing_group *g = arena_alloc(a, sizeof(*g));
    sg_read(a, r, 0, g);
    PQclear(r);
    if ((rc = sg_members_load(c, a, g)) < 0)
        return rc;
    *out = g;
    return 0;
}

int pg_sharing_group_list(struct store_conn *base, struct arena *a, struct sharing_group **out,
                          size_t *n)
{
    struct pg_conn *c = pg_conn(base);
    int rc = 0;
    PGresult *r = pg_exec(c, sql_sg_list, NULL, &rc);
    if (r == NULL)
        return rc;
    PG_COLLECT_ROWS(a, r, struct sharing_group, sg_read, out, n);
    PQclear(r);
    for (size_t i = 0; i < *n; i++)
        if ((rc = sg_members_load(c, a, &(*out)[i])) < 0)
            return rc;
    return 0;
}

/* Runs a member change and stamps the group as modified. */
static int sg_member_change(struct pg_conn *c, const char *sql, int64_t sg_id, int64_t member,
                            bool flag, bool is_set)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, sg_id);
    pg_p_int(&p, member);
    if (is_set)
        pg_p_bool(&p, flag);
    int rc = is_set ? pg_run(c, sql, &p) : pg_run_changed(c, sql, &p);
    if (rc < 0)
        return rc;
    int64_t seq = pg_next_seq(c);
    if (seq < 0)
        return (int)seq;
    pg_params_init(&p);
    pg_p_int(&p, now_seconds());
    pg_p_int(&p, seq);
    pg_p_int(&p, sg_id);
    return pg_run(c, sql_sg_touch, &p);
}

int pg_sharing_group_org_set(struct store_conn *base, int64_t sg_id, int64_t org_id, bool extend)
{
    return sg_member_change(pg_conn(base), sql_sg_org_set, sg_id, org_id, extend, true);
}

int pg_sharing_group_org_remove(struct store_conn *base, int64_t sg_id, int64_t org_id)
{
    return sg_member_change(pg_conn(base), sql_sg_org_remove, sg_id, org_id, false, false);
}

int pg_sharing_group_server_set(struct store_conn *base, int64_t sg_id, int64_t server_id,
                                bool all_orgs)
{
    return sg_member_change(pg_conn(base), sql_sg_server_set, sg_id, server_id, all_orgs, true);
}

int pg_sharing_group_server_remove(struct store_conn *base, int64_t sg_id, int64_t server_id)
{
    return sg_member_change(pg_conn(base), sql_sg_server_remove, sg_id, server_id, false, false);
}

int pg_sharing_group_visible_ids(struct store_conn *base, struct arena *a, int64_t org_id,
                                 bool via_links, struct id_set *out)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, org_id);
    pg_p_int(&p, org_id);
    pg_p_bool(&p, via_links);
    pg_p_int(&p, org_id);
    int rc = 0;
    PGresult *r = pg_exec(pg_conn(base), sql_sg_visible, &p, &rc);
    if (r == NULL)
        return rc;
    size_t n = (size_t)PQntuples(r);
    int64_t *ids = arena_alloc(a, (n ? n : 1) * sizeof(*ids));
    for (size_t i = 0; i < n; i++)
        ids[i] = pg_int(r, (int)i, 0);
    PQclear(r);
    /* present even when empty: the set is known */
    *out = n ? (struct id_set){ids, n} : id_set_none();
    return 0;
}
