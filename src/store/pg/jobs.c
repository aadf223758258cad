/*
 * jobs.c - job leases (store.h "job leases", core/jobs.h): one row per job
 * in job_leases; a take creates the job's row if it has none, then is one
 * UPDATE whose WHERE clause says when the job is free, so two processes
 * racing for it cannot both win.  Neither statement can fail on a taken key,
 * so a refused take leaves the transaction usable.
 */
#include "store/pg/pg_int.h"

#include "util/banned.h"

static const char sql_lease_create[] =
    "INSERT INTO job_leases (name) VALUES (?) ON CONFLICT (name) DO NOTHING";
static const char sql_lease_take[] =
    "UPDATE job_leases SET holder = ?, expires = ?, last_start = ? "
    "WHERE name = ? AND (holder = '' OR expires < ? OR holder = ?) "
    "AND (?::int = 1 OR not_before <= ?)";
static const char sql_lease_renew[] = "UPDATE job_leases SET expires = ? WHERE holder = ?";
static const char sql_lease_release[] =
    "UPDATE job_leases SET holder = '', expires = 0, last_end = ?, last_rc = ?, "
    "failures = ?, not_before = ? WHERE name = ? AND holder = ?";
static const char sql_lease_get[] =
    "SELECT holder, expires, not_before, failures, last_start, last_end, last_rc "
    "FROM job_leases WHERE name = ?";

int pg_lease_take(struct store_conn *base, const char *name, const char *holder, int64_t now,
                  int64_t expires, bool on_demand, const char *dead_holder, bool *taken)
{
    struct pg_conn *c = pg_conn(base);
    *taken = false;
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, name);
    int rc = pg_run(c, sql_lease_create, &p);
    if (rc < 0)
        return rc;
    pg_params_init(&p);
    pg_p_text(&p, holder);
    pg_p_int(&p, expires);
    pg_p_int(&p, now);
    pg_p_text(&p, name);
    pg_p_int(&p, now);
    pg_p_text(&p, dead_holder); /* NULL: equal to no holder */
    pg_p_bool(&p, on_demand);
    pg_p_int(&p, now);
    rc = pg_run_changed(c, sql_lease_take, &p);
    *taken = rc == 0;
    return rc == ERR_NOTFOUND ? 0 : rc;
}

int pg_lease_renew(struct store_conn *base, const char *holder, int64_t expires)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, expires);
    pg_p_text(&p, holder);
    return pg_run(pg_conn(base), sql_lease_renew, &p);
}

int pg_lease_release(struct store_conn *base, const char *name, const char *holder, int64_t now,
                     int rc, int64_t failures, int64_t not_before)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, now);
    pg_p_int(&p, rc);
    pg_p_int(&p, failures);
    pg_p_int(&p, not_before);
    pg_p_text(&p, name);
    pg_p_text(&p, holder);
    return pg_run_changed(pg_conn(base), sql_lease_release, &p);
}

int pg_lease_get(struct store_conn *base, const char *name, struct job_lease_row *out)
{
    memset(out, 0, sizeof(*out));
    struct pg_params p;
    pg_params_init(&p);
    pg_p_text(&p, name);
    PGresult *r;
    int rc = pg_row(pg_conn(base), sql_lease_get, &p, &r);
    if (rc < 0)
        return rc;
    snprintf(out->holder, sizeof(out->holder), "%s", pg_str(r, 0, 0));
    out->expires = pg_int(r, 0, 1);
    out->not_before = pg_int(r, 0, 2);
    out->failures = pg_int(r, 0, 3);
    out->last_start = pg_int(r, 0, 4);
    out->last_end = pg_int(r, 0, 5);
    out->last_rc = pg_int(r, 0, 6);
    PQclear(r);
    return 0;
}
