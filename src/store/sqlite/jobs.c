/*
 * jobs.c - job leases (store.h "job leases", core/jobs.h): one row per job
 * in job_leases (migration 0014); a take is one upsert whose WHERE clause
 * says when the job is free, so two processes racing for it cannot both win.
 */
#include "store/sqlite/sqlite_int.h"

#include "util/banned.h"

static const char sql_lease_take[] =
    "INSERT INTO job_leases (name, holder, expires, last_start) VALUES (?1, ?2, ?4, ?3) "
    "ON CONFLICT (name) DO UPDATE SET holder = ?2, expires = ?4, last_start = ?3 "
    "WHERE (job_leases.holder = '' OR job_leases.expires < ?3 OR job_leases.holder = ?6) "
    "AND (?5 OR job_leases.not_before <= ?3)";
static const char sql_lease_renew[] = "UPDATE job_leases SET expires = ?2 WHERE holder = ?1";
static const char sql_lease_release[] =
    "UPDATE job_leases SET holder = '', expires = 0, last_end = ?3, last_rc = ?4, "
    "failures = ?5, not_before = ?6 WHERE name = ?1 AND holder = ?2";
static const char sql_lease_get[] =
    "SELECT holder, expires, not_before, failures, last_start, last_end, last_rc "
    "FROM job_leases WHERE name = ?1";

int sq_lease_take(struct store_conn *base, const char *name, const char *holder, int64_t now,
                  int64_t expires, bool on_demand, const char *dead_holder, bool *taken)
{
    struct sqlite_conn *c = sq_conn(base);
    *taken = false;
    sqlite3_stmt *st = sq_stmt(c, sql_lease_take);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, name);
    bind_text(st, 2, holder);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, expires);
    sqlite3_bind_int(st, 5, on_demand);
    bind_text(st, 6, dead_holder);
    int rc = step_done(st);
    if (rc == 0)
        *taken = sqlite3_changes(c->db) > 0;
    return rc;
}

int sq_lease_renew(struct store_conn *base, const char *holder, int64_t expires)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_lease_renew);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, holder);
    sqlite3_bind_int64(st, 2, expires);
    return step_done(st);
}

int sq_lease_release(struct store_conn *base, const char *name, const char *holder, int64_t now,
                     int rc, int64_t failures, int64_t not_before)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_lease_release);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, name);
    bind_text(st, 2, holder);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int(st, 4, rc);
    sqlite3_bind_int64(st, 5, failures);
    sqlite3_bind_int64(st, 6, not_before);
    int src = step_done(st);
    if (src == 0 && sqlite3_changes(c->db) == 0)
        return ERR_NOTFOUND;
    return src;
}

int sq_lease_get(struct store_conn *base, const char *name, struct job_lease_row *out)
{
    struct sqlite_conn *c = sq_conn(base);
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = sq_stmt(c, sql_lease_get);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    const unsigned char *h = sqlite3_column_text(st, 0);
    snprintf(out->holder, sizeof(out->holder), "%s", h ? (const char *)h : "");
    out->expires = sqlite3_column_int64(st, 1);
    out->not_before = sqlite3_column_int64(st, 2);
    out->failures = sqlite3_column_int64(st, 3);
    out->last_start = sqlite3_column_int64(st, 4);
    out->last_end = sqlite3_column_int64(st, 5);
    out->last_rc = sqlite3_column_int64(st, 6);
    return 0;
}
