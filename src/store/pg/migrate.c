/*
 * migrate.c - the PostgreSQL backend's schema migrations: the numbered files
 * under src/store/pg/migrations/, embedded at build time
 * (scripts/embed-migrations).  The first file is the baseline - the whole
 * schema at its version (that of the SQLite migrations it equals) - and an
 * empty database records every version up to it as applied; each later file
 * carries the number of its SQLite twin.  Each is applied in its own
 * transaction, under a session advisory lock, so that nodes starting together
 * on an empty database create it once.
 */
#include "store/pg/pg_int.h"

#include <inttypes.h>

#include "util/banned.h"

extern const char *const pg_migrations[];
extern const int pg_migrations_versions[];
extern const size_t pg_migrations_count;

/* The session lock migrations run under (PG_WRITE_LOCK's neighbour). */
#define PG_MIGRATE_LOCK (PG_WRITE_LOCK + 1)

static int version_of(PGconn *db, int *version)
{
    PGresult *r = PQexec(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    int rc = ERR_DB;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        *version = (int)pg_int(r, 0, 0);
        rc = 0;
    }
    PQclear(r);
    return rc;
}

int pg_schema_version(struct store *base, int *version)
{
    struct pg_store *s = pg_store(base);
    pthread_mutex_lock(&s->writer_lock);
    int rc = version_of(s->writer->db, version);
    pthread_mutex_unlock(&s->writer_lock);
    return rc;
}

static int latest(void)
{
    return pg_migrations_versions[pg_migrations_count - 1];
}

/* Runs sql (several statements) on db; 0, or ERR_DB with d naming the step. */
static int run(PGconn *db, const char *sql, const char *step, struct diag *d)
{
    PGresult *r = PQexec(db, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[200];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(db));
        msg[strcspn(msg, "\n")] = '\0';
        rc = diag_set(d, ERR_DB, "db", "%s: %s", step, msg);
    }
    PQclear(r);
    return rc;
}

/* Applies migration i and records the versions it brings (from `from` + 1). */
static int apply(PGconn *db, size_t i, int from, struct diag *d)
{
    char step[64];
    snprintf(step, sizeof(step), "migration %d", pg_migrations_versions[i]);
    int rc = run(db, "BEGIN", step, d);
    if (rc == 0)
        rc = run(db, pg_migrations[i], step, d);
    for (int v = from + 1; rc == 0 && v <= pg_migrations_versions[i]; v++) {
        char rec[128];
        snprintf(rec, sizeof(rec), "INSERT INTO schema_migrations VALUES (%d, %" PRId64 ")", v,
                 now_seconds());
        rc = run(db, rec, step, d);
    }
    if (rc == 0)
        return run(db, "COMMIT", step, d);
    PQclear(PQexec(db, "ROLLBACK"));
    return rc;
}

int pg_migrate(struct pg_store *s, struct diag *d)
{
    PGconn *db = s->writer->db;
    char lock[96];
    snprintf(lock, sizeof(lock), "SELECT pg_advisory_lock(%lld)", (long long)PG_MIGRATE_LOCK);
    int rc = run(db, lock, "cannot lock the schema", d);
    if (rc < 0)
        return rc;
    rc = run(db,
             "CREATE TABLE IF NOT EXISTS schema_migrations ("
             " version bigint PRIMARY KEY, applied_at bigint NOT NULL)",
             "cannot create schema_migrations", d);
    int version = 0;
    if (rc == 0 && version_of(db, &version) < 0)
        rc = diag_set(d, ERR_DB, "db", "cannot read the schema version");
    if (rc == 0 && version > latest())
        rc = diag_set(d, ERR_DB, "db", "database schema version %d is newer than this liaison (%d)",
                      version, latest());
    if (rc == 0 && version > 0 && version < pg_migrations_versions[0])
        rc = diag_set(d, ERR_DB, "db",
                      "database schema version %d predates this liaison's "
                      "PostgreSQL baseline (%d)",
                      version, pg_migrations_versions[0]);
    for (size_t i = 0; rc == 0 && i < pg_migrations_count; i++) {
        if (pg_migrations_versions[i] <= version)
            continue;
        rc = apply(db, i, version, d);
        version = pg_migrations_versions[i];
    }
    snprintf(lock, sizeof(lock), "SELECT pg_advisory_unlock(%lld)", (long long)PG_MIGRATE_LOCK);
    PQclear(PQexec(db, lock));
    return rc;
}

int pg_check_schema(struct pg_store *s, struct diag *d)
{
    int version = 0;
    if (version_of(s->writer->db, &version) < 0)
        return diag_set(d, ERR_DB, "db",
                        "cannot read the schema version (is the database initialised? start "
                        "liaison on the primary first)");
    if (version != latest())
        return diag_set(d, ERR_DB, "db",
                        "the database schema is version %d, this liaison's is %d: a read-only "
                        "node does not migrate; upgrade the primary first",
                        version, latest());
    return 0;
}
