/*
 * migrate.c - the SQLite backend's schema migrations: the numbered files under
 * src/store/migrations/, embedded at build time (scripts/embed-migrations),
 * each applied in its own transaction; `schema_migrations` records each
 * applied version and PRAGMA user_version mirrors the highest.
 */
#include "store/sqlite/sqlite_int.h"

#include "util/banned.h"

extern const char *const store_migrations[];
extern const size_t store_migrations_count;

int sq_schema_version(struct store *base, int *version)
{
    struct sqlite_store *s = sq_store(base);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->writer->db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                           -1, &st, NULL) != SQLITE_OK)
        return ERR_DB;
    int rc = ERR_DB;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *version = sqlite3_column_int(st, 0);
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

int sq_migrate(struct sqlite_store *s, struct diag *d)
{
    sqlite3 *db = s->writer->db;
    if (sq_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)") < 0)
        return diag_set(d, ERR_DB, "db", "cannot create schema_migrations: %s", sqlite3_errmsg(db));
    int version = 0;
    if (sq_schema_version(&s->base, &version) < 0)
        return diag_set(d, ERR_DB, "db", "cannot read schema version: %s", sqlite3_errmsg(db));
    if ((size_t)version > store_migrations_count)
        return diag_set(d, ERR_DB, "db",
                        "database schema version %d is newer than this liaison (%zu)", version,
                        store_migrations_count);
    for (size_t v = (size_t)version; v < store_migrations_count; v++) {
        char extra[128];
        snprintf(extra, sizeof(extra),
                 "INSERT INTO schema_migrations VALUES (%zu, %lld); PRAGMA user_version = %zu;",
                 v + 1, (long long)now_seconds(), v + 1);
        if (sq_exec(db, "BEGIN IMMEDIATE") < 0)
            return diag_set(d, ERR_DB, "db", "migration %zu: %s", v + 1, sqlite3_errmsg(db));
        if (sq_exec(db, store_migrations[v]) < 0 || sq_exec(db, extra) < 0) {
            int code =
                diag_set(d, ERR_DB, "db", "migration %zu failed: %s", v + 1, sqlite3_errmsg(db));
            sq_exec(db, "ROLLBACK");
            return code;
        }
        if (sq_exec(db, "COMMIT") < 0)
            return diag_set(d, ERR_DB, "db", "migration %zu: %s", v + 1, sqlite3_errmsg(db));
    }
    return 0;
}
