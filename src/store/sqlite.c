/*
 * sqlite.c - the embedded SQLite backend of store.h.
 *
 * One writer connection guarded by a mutex and a pool of reader connections, all
 * on the same file in WAL mode, so readers never wait for the writer.  A
 * connection is used by one thread at a time (the pool hands it out), so SQLite
 * runs in multi-thread mode (SQLITE_OPEN_NOMUTEX) without per-call locking.  SQL text is
 * `static const char` and each statement is prepared once per connection and
 * cached by the address of its text (stmt()).  Values are always bound, never
 * spliced; the dynamic search SQL (query rendering at the end of this file) only
 * splices fixed fragments and binds every value.
 *
 * Migrations are the numbered files under src/store/migrations/, embedded at
 * build time; `schema_migrations` records each applied version and PRAGMA
 * user_version mirrors the highest.
 */
#include "store/store.h"

#include "util/alloc.h"
#include "util/buf.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/banned.h"

extern const char *const store_migrations[];
extern const size_t store_migrations_count;

/* Statement cache: open addressing on the text's address, grown (doubled) at half
 * full, so any number of SQL texts fits.  It starts small on purpose: every test
 * run then grows it several times (~120 texts today). */
#define STMT_CACHE_MIN 16

struct stmt_slot {
    const char *sql; /* NULL: empty */
    sqlite3_stmt *st;
};

struct store_conn {
    struct store *store;
    sqlite3 *db;
    bool writer;
    bool in_tx;
    int64_t tx_seq; /* change sequence value of the open write transaction, 0 if none yet */
    struct store_conn *next_free;
    struct stmt_slot *cache; /* cache_cap slots, a power of two */
    size_t cache_cap, cache_used;
};

struct store {
    char *path;
    struct store_conn *writer;
    pthread_mutex_t writer_lock;
    struct store_conn *readers; /* all reader connections */
    unsigned n_readers;
    struct store_conn *free_readers;
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_cond;
};

static int64_t now_seconds(void)
{
    return (int64_t)time(NULL);
}

static size_t stmt_home(const char *sql, size_t cap)
{
    return (size_t)(((uint64_t)(uintptr_t)sql * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

/* Doubles the cache (statements keep their handles: callers may hold them). */
static void stmt_cache_grow(struct store_conn *c)
{
    size_t cap = c->cache_cap ? c->cache_cap * 2 : STMT_CACHE_MIN;
    struct stmt_slot *t = xcalloc(cap, sizeof(*t));
    for (size_t i = 0; i < c->cache_cap; i++) {
        if (c->cache[i].sql == NULL)
            continue;
        size_t k = stmt_home(c->cache[i].sql, cap);
        while (t[k].sql != NULL)
            k = (k + 1) & (cap - 1);
        t[k] = c->cache[i];
    }
    free(c->cache);
    c->cache = t;
    c->cache_cap = cap;
}

/* Returns the cached prepared statement for sql (a static string), reset and unbound. */
static sqlite3_stmt *stmt(struct store_conn *c, const char *sql)
{
    if (2 * (c->cache_used + 1) > c->cache_cap)
        stmt_cache_grow(c);
    for (size_t k = stmt_home(sql, c->cache_cap);; k = (k + 1) & (c->cache_cap - 1)) {
        if (c->cache[k].sql == sql) {
            sqlite3_reset(c->cache[k].st);
            sqlite3_clear_bindings(c->cache[k].st);
            return c->cache[k].st;
        }
        if (c->cache[k].sql == NULL) {
            sqlite3_stmt *st = NULL;
            if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
                SQLITE_OK)
                return NULL;
            c->cache[k].sql = sql;
            c->cache[k].st = st;
            c->cache_used++;
            return st;
        }
    }
}

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static char *col_text(struct arena *a, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return NULL;
    const unsigned char *t = sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i);
    return arena_strndup(a, (const char *)t, (size_t)n);
}

static void col_uuid(char dst[UUID_STR_LEN + 1], sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(dst, UUID_STR_LEN + 1, "%s", t ? (const char *)t : "");
}

/* Runs a prepared statement that returns no rows. */
static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc == SQLITE_CONSTRAINT)
        return ERR_CONFLICT;
    return ERR_DB;
}

/* Runs an INSERT; on success stores the new row's id in *id. */
static int step_insert(struct store_conn *c, sqlite3_stmt *st, int64_t *id)
{
    int rc = step_done(st);
    if (rc == 0)
        *id = sqlite3_last_insert_rowid(c->db);
    return rc;
}

static int exec_sql(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : ERR_DB;
}

static void conn_close(struct store_conn *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->cache_cap; i++)
        if (c->cache[i].st)
            sqlite3_finalize(c->cache[i].st);
    free(c->cache);
    c->cache = NULL;
    c->cache_cap = c->cache_used = 0;
    sqlite3_close(c->db);
}

static int conn_open(struct store *s, struct store_conn *c, bool writer, struct diag *d)
{
    memset(c, 0, sizeof(*c));
    c->store = s;
    c->writer = writer;
    int flags = SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                                : SQLITE_OPEN_READONLY);
    if (sqlite3_open_v2(s->path, &c->db, flags, NULL) != SQLITE_OK) {
        int code = diag_set(d, ERR_DB, "db", "cannot open database %s: %s", s->path,
                            c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close(c->db);
        c->db = NULL;
        return code;
    }
    sqlite3_busy_timeout(c->db, 10000);
    sqlite3_extended_result_codes(c->db, 0);
    if (writer) {
        /* Foreign keys stay declared in the schema but are not enforced per row:
         * the event service checks parents, and enforcement costs a lookup per
         * inserted attribute.  The writer's cache is large so that bulk imports
         * do not spill half-built indexes to the WAL, and checkpoints come every
         * 25,000 pages (~100 MiB) instead of 1,000: with random uuid keys a small
         * interval rewrites the same index pages to the database over and over
         * (measured in bench/ingest: 70 s -> 50 s for 1.76 M attributes).
         * 16 KiB pages (set before the first table exists; a no-op later) make
         * fewer, fuller WAL frames: ~15% faster bulk inserts here. */
        if (exec_sql(c->db, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL;"
                            "PRAGMA synchronous=NORMAL;"
                            "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-262144;"
                            "PRAGMA wal_autocheckpoint=25000;") < 0)
            return diag_set(d, ERR_DB, "db", "cannot configure %s: %s", s->path,
                            sqlite3_errmsg(c->db));
    } else {
        /* Readers map the file (up to SQLite's 2 GiB cap) instead of copying
         * each page through pread: random row reads on a database larger than
         * the page cache (look-ups and correlations resolving index hits)
         * spent a fifth of their time in those copies. */
        exec_sql(c->db, "PRAGMA cache_size=-32768; PRAGMA mmap_size=2147418112;");
    }
    return 0;
}

static int migrate(struct store *s, struct diag *d)
{
    sqlite3 *db = s->writer->db;
    if (exec_sql(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                     " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)") < 0)
        return diag_set(d, ERR_DB, "db", "cannot create schema_migrations: %s",
                        sqlite3_errmsg(db));
    int version = 0;
    if (store_schema_version(s, &version) < 0)
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
        if (exec_sql(db, "BEGIN IMMEDIATE") < 0)
            return diag_set(d, ERR_DB, "db", "migration %zu: %s", v + 1, sqlite3_errmsg(db));
        if (exec_sql(db, store_migrations[v]) < 0 || exec_sql(db, extra) < 0) {
            int code = diag_set(d, ERR_DB, "db", "migration %zu failed: %s", v + 1,
                                sqlite3_errmsg(db));
            exec_sql(db, "ROLLBACK");
            return code;
        }
        if (exec_sql(db, "COMMIT") < 0)
            return diag_set(d, ERR_DB, "db", "migration %zu: %s", v + 1, sqlite3_errmsg(db));
    }
    return 0;
}

int store_open(const char *url, unsigned readers, struct store **out, struct diag *d)
{
    const char *path = url;
    if (strncmp(url, "sqlite:", 7) == 0)
        path = url + 7;
    else if (strstr(url, "://") != NULL)
        return diag_set(d, ERR_UNSUPPORTED, "db", "unsupported database URL %s (use sqlite:PATH)",
                        url);
    if (*path == '\0')
        return diag_set(d, ERR_INVAL, "db", "empty database path");
    if (readers == 0)
        readers = 1;
    struct store *s = xcalloc(1, sizeof(*s));
    s->path = xstrdup(path);
    pthread_mutex_init(&s->writer_lock, NULL);
    pthread_mutex_init(&s->pool_lock, NULL);
    pthread_cond_init(&s->pool_cond, NULL);
    s->writer = xcalloc(1, sizeof(*s->writer));
    int rc = conn_open(s, s->writer, true, d);
    if (rc == 0)
        rc = migrate(s, d);
    if (rc == 0) {
        s->readers = xcalloc(readers, sizeof(*s->readers));
        for (unsigned i = 0; i < readers && rc == 0; i++) {
            rc = conn_open(s, &s->readers[i], false, d);
            if (rc == 0) {
                s->readers[i].next_free = s->free_readers;
                s->free_readers = &s->readers[i];
                s->n_readers = i + 1;
            }
        }
    }
    if (rc < 0) {
        store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (s == NULL)
        return;
    for (unsigned i = 0; i < s->n_readers; i++)
        conn_close(&s->readers[i]);
    free(s->readers);
    if (s->writer) {
        conn_close(s->writer);
        free(s->writer);
    }
    pthread_mutex_destroy(&s->writer_lock);
    pthread_mutex_destroy(&s->pool_lock);
    pthread_cond_destroy(&s->pool_cond);
    free(s->path);
    free(s);
}

int store_schema_version(struct store *s, int *version)
{
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

/* Transaction control goes through the statement cache: a small request would
 * otherwise spend a good part of its time re-parsing BEGIN and COMMIT. */
static const char sql_begin[] = "BEGIN";
static const char sql_begin_immediate[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";

static int run_cached(struct store_conn *c, const char *sql)
{
    sqlite3_stmt *st = stmt(c, sql);
    if (st == NULL)
        return ERR_DB;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ERR_DB;
}

int store_begin_read(struct store *s, struct store_conn **out)
{
    pthread_mutex_lock(&s->pool_lock);
    while (s->free_readers == NULL)
        pthread_cond_wait(&s->pool_cond, &s->pool_lock);
    struct store_conn *c = s->free_readers;
    s->free_readers = c->next_free;
    pthread_mutex_unlock(&s->pool_lock);
    if (run_cached(c, sql_begin) < 0) {
        store_end(c, false);
        return ERR_DB;
    }
    c->in_tx = true;
    *out = c;
    return 0;
}

int store_begin_write(struct store *s, struct store_conn **out)
{
    pthread_mutex_lock(&s->writer_lock);
    struct store_conn *c = s->writer;
    if (run_cached(c, sql_begin_immediate) < 0) {
        pthread_mutex_unlock(&s->writer_lock);
        return ERR_DB;
    }
    c->in_tx = true;
    *out = c;
    return 0;
}

int store_end(struct store_conn *c, bool commit)
{
    if (c == NULL)
        return 0;
    int rc = 0;
    /* A cached statement left after SQLITE_ROW is still "in progress": COMMIT
     * would fail and a reader would keep its old snapshot for ever.  Reset them. */
    for (sqlite3_stmt *st = sqlite3_next_stmt(c->db, NULL); st; st = sqlite3_next_stmt(c->db, st))
        if (sqlite3_stmt_busy(st))
            sqlite3_reset(st);
    if (c->in_tx) {
        if (commit) {
            rc = run_cached(c, sql_commit);
            if (rc < 0)
                run_cached(c, sql_rollback);
        } else {
            run_cached(c, sql_rollback);
        }
        c->in_tx = false;
    }
    c->tx_seq = 0;
    struct store *s = c->store;
    if (c->writer) {
        pthread_mutex_unlock(&s->writer_lock);
    } else {
        pthread_mutex_lock(&s->pool_lock);
        c->next_free = s->free_readers;
        s->free_readers = c;
        pthread_cond_signal(&s->pool_cond);
        pthread_mutex_unlock(&s->pool_lock);
    }
    return rc;
}

int store_savepoint(struct store_conn *c)
{
    return exec_sql(c->db, "SAVEPOINT item");
}

int store_savepoint_end(struct store_conn *c, bool keep)
{
    if (keep)
        return exec_sql(c->db, "RELEASE item");
    int rc = exec_sql(c->db, "ROLLBACK TO item");
    if (rc == 0)
        rc = exec_sql(c->db, "RELEASE item");
    return rc;
}

static const char sql_seq_next[] =
    "UPDATE change_seq SET value = value + 1 WHERE id = 1 RETURNING value";

int store_next_seq(struct store_conn *c, int64_t *out)
{
    sqlite3_stmt *st = stmt(c, sql_seq_next);
    if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
        return ERR_DB;
    *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

/*
 * The seq stamped on the rows a write touches: one value per transaction,
 * taken at its first write, so that a reader asking "changes since N" sees a
 * transaction whole or not at all, and a bulk import costs one update of the
 * sequence rather than one per row.  Returns the value or a negative error.
 */
static int64_t next_seq(struct store_conn *c)
{
    if (c->tx_seq == 0 && store_next_seq(c, &c->tx_seq) < 0) {
        c->tx_seq = 0;
        return ERR_DB;
    }
    return c->tx_seq;
}

/* A write statement and the transaction's change sequence value for it; NULL on failure. */
static sqlite3_stmt *write_stmt(struct store_conn *c, const char *sql, int64_t *seq)
{
    *seq = next_seq(c);
    return *seq < 0 ? NULL : stmt(c, sql);
}

/* ---- settings ---- */

static const char sql_setting_get[] = "SELECT value FROM settings WHERE name = ?";
static const char sql_setting_set[] =
    "INSERT INTO settings (name, value) VALUES (?, ?) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value";

int store_setting_get(struct store_conn *c, struct arena *a, const char *name, char **value)
{
    sqlite3_stmt *st = stmt(c, sql_setting_get);
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

int store_setting_set(struct store_conn *c, const char *name, const char *value)
{
    sqlite3_stmt *st = stmt(c, sql_setting_set);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, name);
    bind_text(st, 2, value);
    return step_done(st);
}

/* ---- organisations ---- */

#define ORG_COLS                                                                                   \
    "id, uuid, name, description, type, nationality, sector, contacts, local, created_by, "      \
    "date_created, date_modified"

static const char sql_org_insert[] =
    "INSERT INTO orgs (uuid, name, description, type, nationality, sector, contacts, local, "
    "created_by, date_created, date_modified, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_org_update[] =
    "UPDATE orgs SET name=?, description=?, type=?, nationality=?, sector=?, contacts=?, local=?, "
    "date_modified=?, seq=? WHERE id=?";
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

int store_org_insert(struct store_conn *c, struct org *o)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_org_insert, &seq);
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

int store_org_update(struct store_conn *c, const struct org *o)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_org_update, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, o->name);
    bind_text(st, 2, o->description);
    bind_text(st, 3, o->type);
    bind_text(st, 4, o->nationality);
    bind_text(st, 5, o->sector);
    bind_text(st, 6, o->contacts);
    sqlite3_bind_int(st, 7, o->local);
    sqlite3_bind_int64(st, 8, now_seconds());
    sqlite3_bind_int64(st, 9, seq);
    sqlite3_bind_int64(st, 10, o->id);
    return step_done(st);
}

int store_org_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                  const char *name, struct org **out)
{
    sqlite3_stmt *st;
    if (id > 0) {
        st = stmt(c, sql_org_by_id);
        if (st)
            sqlite3_bind_int64(st, 1, id);
    } else if (uuid && *uuid) {
        st = stmt(c, sql_org_by_uuid);
        if (st)
            bind_text(st, 1, uuid);
    } else if (name) {
        st = stmt(c, sql_org_by_name);
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

/* Collects rows of st into an arena array using read(); grows by doubling. */
#define COLLECT_ROWS(a, st, type, read_fn, out, n)                                                 \
    do {                                                                                           \
        size_t cap_ = 16, len_ = 0;                                                                \
        type *arr_ = arena_alloc((a), cap_ * sizeof(type));                                        \
        int rc_;                                                                                   \
        while ((rc_ = sqlite3_step(st)) == SQLITE_ROW) {                                           \
            if (len_ == cap_) {                                                                    \
                type *bigger_ = arena_alloc((a), 2 * cap_ * sizeof(type));                         \
                memcpy(bigger_, arr_, len_ * sizeof(type));                                        \
                arr_ = bigger_;                                                                    \
                cap_ *= 2;                                                                         \
            }                                                                                      \
            read_fn((a), (st), &arr_[len_++]);                                                     \
        }                                                                                          \
        if (rc_ != SQLITE_DONE)                                                                    \
            return ERR_DB;                                                                         \
        *(out) = arr_;                                                                             \
        *(n) = len_;                                                                               \
    } while (0)

int store_org_list(struct store_conn *c, struct arena *a, struct org **out, size_t *n)
{
    sqlite3_stmt *st = stmt(c, sql_org_list);
    if (st == NULL)
        return ERR_DB;
    COLLECT_ROWS(a, st, struct org, org_read, out, n);
    return 0;
}

/* ---- roles and users ---- */

#define ROLE_COLS "id, name, perms, default_role, restricted_to_site_admin, created, modified"
static const char sql_role_get[] = "SELECT " ROLE_COLS " FROM roles WHERE id = ?";
static const char sql_role_list[] = "SELECT " ROLE_COLS " FROM roles ORDER BY id";

static void role_read(struct arena *a, sqlite3_stmt *st, struct role *r)
{
    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(st, 0);
    r->name = col_text(a, st, 1);
    r->perms = (uint32_t)sqlite3_column_int64(st, 2);
    r->default_role = sqlite3_column_int(st, 3) != 0;
    r->restricted_to_site_admin = sqlite3_column_int(st, 4) != 0;
    r->created = sqlite3_column_int64(st, 5);
    r->modified = sqlite3_column_int64(st, 6);
}

int store_role_get(struct store_conn *c, struct arena *a, int64_t id, struct role **out)
{
    sqlite3_stmt *st = stmt(c, sql_role_get);
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

int store_role_list(struct store_conn *c, struct arena *a, struct role **out, size_t *n)
{
    sqlite3_stmt *st = stmt(c, sql_role_list);
    if (st == NULL)
        return ERR_DB;
    COLLECT_ROWS(a, st, struct role, role_read, out, n);
    return 0;
}

#define USER_COLS                                                                                  \
    "id, email, org_id, role_id, disabled, autoalert, contactalert, termsaccepted, change_pw, "  \
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

int store_user_insert(struct store_conn *c, struct user *u)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_user_insert, &seq);
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

int store_user_update(struct store_conn *c, const struct user *u)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_user_update, &seq);
    if (st == NULL)
        return ERR_DB;
    user_bind(st, u);
    sqlite3_bind_int64(st, 10, now_seconds());
    sqlite3_bind_int64(st, 11, seq);
    sqlite3_bind_int64(st, 12, u->id);
    return step_done(st);
}

int store_user_delete(struct store_conn *c, int64_t id)
{
    sqlite3_stmt *st = stmt(c, sql_user_keys_delete);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc = step_done(st);
    if (rc < 0)
        return rc;
    st = stmt(c, sql_user_delete);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    rc = step_done(st);
    if (rc == 0 && sqlite3_changes(c->db) == 0)
        return ERR_NOTFOUND;
    return rc;
}

int store_user_get(struct store_conn *c, struct arena *a, int64_t id, const char *email,
                   struct user **out)
{
    sqlite3_stmt *st = stmt(c, id > 0 ? sql_user_by_id : sql_user_by_email);
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

int store_user_list(struct store_conn *c, struct arena *a, int64_t org_id, struct user **out,
                    size_t *n)
{
    sqlite3_stmt *st = stmt(c, org_id > 0 ? sql_user_list_org : sql_user_list);
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

int store_key_insert(struct store_conn *c, struct auth_key *k, const unsigned char *hash,
                     size_t hash_len)
{
    sqlite3_stmt *st = stmt(c, sql_key_insert);
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

int store_key_candidates(struct store_conn *c, const char *start,
                         int (*fn)(void *ctx, const struct auth_key *k, const void *hash,
                                   size_t hash_len),
                         void *ctx)
{
    sqlite3_stmt *st = stmt(c, sql_key_candidates);
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

int store_key_get(struct store_conn *c, struct arena *a, int64_t id, struct auth_key **out)
{
    sqlite3_stmt *st = stmt(c, sql_key_get);
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

int store_key_delete(struct store_conn *c, int64_t id)
{
    sqlite3_stmt *st = stmt(c, sql_key_delete);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc = step_done(st);
    if (rc == 0 && sqlite3_changes(c->db) == 0)
        return ERR_NOTFOUND;
    return rc;
}

int store_key_list(struct store_conn *c, struct arena *a, int64_t user_id, struct auth_key **out,
                   size_t *n)
{
    sqlite3_stmt *st = stmt(c, sql_key_list);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, user_id);
    COLLECT_ROWS(a, st, struct auth_key, key_read, out, n);
    return 0;
}

/* ---- sharing groups ---- */

#define SG_COLS                                                                                    \
    "id, uuid, name, releasability, description, org_id, active, local, roaming, created, "      \
    "modified"
static const char sql_sg_insert[] =
    "INSERT INTO sharing_groups (uuid, name, releasability, description, org_id, active, local, "
    "roaming, created, modified, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_sg_update[] =
    "UPDATE sharing_groups SET name=?, releasability=?, description=?, active=?, roaming=?, "
    "modified=?, seq=? WHERE id=?";
static const char sql_sg_in_use[] =
    "SELECT 1 FROM events WHERE sharing_group_id = ?1 AND distribution = 4 AND deleted = 0 "
    "UNION ALL SELECT 1 FROM attributes WHERE sharing_group_id = ?1 AND distribution = 4 "
    "AND deleted = 0 UNION ALL SELECT 1 FROM objects WHERE sharing_group_id = ?1 AND "
    "distribution = 4 AND deleted = 0 LIMIT 1";
static const char sql_sg_delete_orgs[] = "DELETE FROM sharing_group_orgs WHERE sharing_group_id = ?";
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
    "SELECT COALESCE(json_group_array(id), '[]') FROM (SELECT sg.id FROM sharing_groups sg "
    "WHERE sg.org_id = ?1 "
    "OR EXISTS (SELECT 1 FROM sharing_group_orgs o WHERE o.sharing_group_id = sg.id AND "
    "o.org_id = ?1) "
    "OR EXISTS (SELECT 1 FROM sharing_group_servers v WHERE v.sharing_group_id = sg.id AND "
    "v.server_id = 0 AND v.all_orgs = 1) "
    "OR (?2 AND EXISTS (SELECT 1 FROM sharing_group_servers v JOIN servers s ON "
    "s.id = v.server_id WHERE v.sharing_group_id = sg.id AND s.remote_org_id = ?1)) "
    "ORDER BY sg.id)";

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

int store_sharing_group_insert(struct store_conn *c, struct sharing_group *g)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_sg_insert, &seq);
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

int store_sharing_group_update(struct store_conn *c, const struct sharing_group *g)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_sg_update, &seq);
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

int store_sharing_group_delete(struct store_conn *c, int64_t id)
{
    sqlite3_stmt *st = stmt(c, sql_sg_in_use);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return ERR_CONFLICT;
    if (step != SQLITE_DONE)
        return ERR_DB;
    static const char *const sqls[] = {sql_sg_delete_orgs, sql_sg_delete_servers, sql_sg_delete};
    for (size_t i = 0; i < 3; i++) {
        if ((st = stmt(c, sqls[i])) == NULL)
            return ERR_DB;
        sqlite3_bind_int64(st, 1, id);
        int rc = step_done(st);
        if (rc < 0)
            return rc;
    }
    return sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : 0;
}

/* Loads members, servers and orgs of g. */
static int sg_members_load(struct store_conn *c, struct arena *a, struct sharing_group *g)
{
    sqlite3_stmt *st = stmt(c, sql_sg_orgs);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, g->id);
    COLLECT_ROWS(a, st, struct sharing_group_org, sg_org_read, &g->orgs, &g->n_orgs);
    if ((st = stmt(c, sql_sg_servers)) == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, g->id);
    COLLECT_ROWS(a, st, struct sharing_group_server, sg_server_read, &g->servers, &g->n_servers);
    int rc = store_org_get(c, a, g->org_id, NULL, NULL, &g->org);
    for (size_t i = 0; rc == 0 && i < g->n_orgs; i++)
        rc = store_org_get(c, a, g->orgs[i].org_id, NULL, NULL, &g->orgs[i].org);
    return rc;
}

int store_sharing_group_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                            struct sharing_group **out)
{
    sqlite3_stmt *st = stmt(c, id > 0 ? sql_sg_by_id : sql_sg_by_uuid);
    if (st == NULL)
        return ERR_DB;
    if (id > 0)
        sqlite3_bind_int64(st, 1, id);
    else
        bind_text(st, 1, uuid ? uuid : "");
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    struct sharing_group *g = arena_alloc(a, sizeof(*g));
    sg_read(a, st, g);
    sqlite3_reset(st);
    if ((rc = sg_members_load(c, a, g)) < 0)
        return rc;
    *out = g;
    return 0;
}

int store_sharing_group_list(struct store_conn *c, struct arena *a, struct sharing_group **out,
                             size_t *n)
{
    sqlite3_stmt *st = stmt(c, sql_sg_list);
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
static int sg_member_change(struct store_conn *c, const char *sql, int64_t sg_id, int64_t member,
                            int flag, bool is_set)
{
    sqlite3_stmt *st = stmt(c, sql);
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
    if ((st = write_stmt(c, sql_sg_touch, &seq)) == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, now_seconds());
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, sg_id);
    return step_done(st);
}

int store_sharing_group_org_set(struct store_conn *c, int64_t sg_id, int64_t org_id, bool extend)
{
    return sg_member_change(c, sql_sg_org_set, sg_id, org_id, extend, true);
}

int store_sharing_group_org_remove(struct store_conn *c, int64_t sg_id, int64_t org_id)
{
    return sg_member_change(c, sql_sg_org_remove, sg_id, org_id, 0, false);
}

int store_sharing_group_server_set(struct store_conn *c, int64_t sg_id, int64_t server_id,
                                   bool all_orgs)
{
    return sg_member_change(c, sql_sg_server_set, sg_id, server_id, all_orgs, true);
}

int store_sharing_group_server_remove(struct store_conn *c, int64_t sg_id, int64_t server_id)
{
    return sg_member_change(c, sql_sg_server_remove, sg_id, server_id, 0, false);
}

int store_sharing_group_visible_ids(struct store_conn *c, struct arena *a, int64_t org_id,
                                    bool via_links, char **json)
{
    sqlite3_stmt *st = stmt(c, sql_sg_visible);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, org_id);
    sqlite3_bind_int(st, 2, via_links);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return ERR_DB;
    }
    *json = col_text(a, st, 0);
    sqlite3_reset(st);
    if (*json == NULL)
        *json = arena_strdup(a, "[]");
    return 0;
}

/* ---- tags ---- */

#define TAG_COLS                                                                                   \
    "id, name, colour, exportable, hide_tag, org_id, user_id, numerical_value, is_galaxy, "      \
    "is_custom_galaxy, local_only, uuid, timestamp"
static const char sql_tag_by_name[] = "SELECT " TAG_COLS " FROM tags WHERE name = ?";
static const char sql_tag_by_id[] = "SELECT " TAG_COLS " FROM tags WHERE id = ?";
static const char sql_tag_list[] = "SELECT " TAG_COLS " FROM tags ORDER BY name";
static const char sql_tag_list_like[] =
    "SELECT " TAG_COLS " FROM tags WHERE name LIKE ? ORDER BY name";
static const char sql_tag_insert[] =
    "INSERT INTO tags (name, colour, exportable, hide_tag, org_id, user_id, numerical_value, "
    "is_galaxy, is_custom_galaxy, local_only, seq, uuid, timestamp) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_tag_delete_refs_ev[] = "DELETE FROM event_tags WHERE tag_id = ?";
static const char sql_tag_delete_refs_at[] = "DELETE FROM attribute_tags WHERE tag_id = ?";
static const char sql_tag_delete[] = "DELETE FROM tags WHERE id = ?";

static void tag_read(struct arena *a, sqlite3_stmt *st, struct tag *t)
{
    memset(t, 0, sizeof(*t));
    t->id = sqlite3_column_int64(st, 0);
    t->name = col_text(a, st, 1);
    t->colour = col_text(a, st, 2);
    t->exportable = sqlite3_column_int(st, 3) != 0;
    t->hide_tag = sqlite3_column_int(st, 4) != 0;
    t->org_id = sqlite3_column_int64(st, 5);
    t->user_id = sqlite3_column_int64(st, 6);
    t->has_numerical_value = sqlite3_column_type(st, 7) != SQLITE_NULL;
    t->numerical_value = sqlite3_column_int64(st, 7);
    t->is_galaxy = sqlite3_column_int(st, 8) != 0;
    t->is_custom_galaxy = sqlite3_column_int(st, 9) != 0;
    t->local_only = sqlite3_column_int(st, 10) != 0;
    col_uuid(t->uuid, st, 11);
    t->timestamp = sqlite3_column_int64(st, 12);
}

int store_tag_get(struct store_conn *c, struct arena *a, int64_t id, const char *name,
                  struct tag **out)
{
    sqlite3_stmt *st = stmt(c, id > 0 ? sql_tag_by_id : sql_tag_by_name);
    if (st == NULL)
        return ERR_DB;
    if (id > 0)
        sqlite3_bind_int64(st, 1, id);
    else
        bind_text(st, 1, name ? name : "");
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    *out = arena_alloc(a, sizeof(**out));
    tag_read(a, st, *out);
    return 0;
}

int store_tag_list(struct store_conn *c, struct arena *a, const char *name_like, struct tag **out,
                   size_t *n)
{
    sqlite3_stmt *st = stmt(c, name_like ? sql_tag_list_like : sql_tag_list);
    if (st == NULL)
        return ERR_DB;
    if (name_like)
        bind_text(st, 1, name_like);
    COLLECT_ROWS(a, st, struct tag, tag_read, out, n);
    return 0;
}

int store_tag_insert(struct store_conn *c, struct tag *t)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_tag_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, t->name);
    bind_text(st, 2, t->colour ? t->colour : "#ffffff");
    sqlite3_bind_int(st, 3, t->exportable);
    sqlite3_bind_int(st, 4, t->hide_tag);
    sqlite3_bind_int64(st, 5, t->org_id);
    sqlite3_bind_int64(st, 6, t->user_id);
    if (t->has_numerical_value)
        sqlite3_bind_int64(st, 7, t->numerical_value);
    else
        sqlite3_bind_null(st, 7);
    sqlite3_bind_int(st, 8, t->is_galaxy);
    sqlite3_bind_int(st, 9, t->is_custom_galaxy);
    sqlite3_bind_int(st, 10, t->local_only);
    sqlite3_bind_int64(st, 11, seq);
    bind_text(st, 12, t->uuid);
    sqlite3_bind_int64(st, 13, t->timestamp);
    return step_insert(c, st, &t->id);
}

int store_tag_resolve(struct store_conn *c, struct arena *a, struct tag *t, bool create)
{
    struct tag *found;
    int rc = store_tag_get(c, a, 0, t->name, &found);
    if (rc == 0) {
        *t = *found;
        return 0;
    }
    if (rc != ERR_NOTFOUND || !create)
        return rc;
    return store_tag_insert(c, t);
}

int store_tag_delete(struct store_conn *c, int64_t id)
{
    static const char *const sqls[] = {sql_tag_delete_refs_ev, sql_tag_delete_refs_at,
                                       sql_tag_delete};
    for (size_t i = 0; i < 3; i++) {
        sqlite3_stmt *st = stmt(c, sqls[i]);
        if (st == NULL)
            return ERR_DB;
        sqlite3_bind_int64(st, 1, id);
        int rc = step_done(st);
        if (rc < 0)
            return rc;
    }
    return sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : 0;
}

static const char sql_event_tag_attach[] =
    "INSERT INTO event_tags (event_id, tag_id, local) VALUES (?,?,?) "
    "ON CONFLICT (event_id, tag_id) DO NOTHING";
static const char sql_event_tag_detach[] =
    "DELETE FROM event_tags WHERE event_id = ? AND tag_id = ?";
static const char sql_attribute_tag_attach[] =
    "INSERT INTO attribute_tags (event_id, attribute_id, tag_id, local) VALUES (?,?,?,?) "
    "ON CONFLICT (attribute_id, tag_id) DO NOTHING";
static const char sql_attribute_tag_detach[] =
    "DELETE FROM attribute_tags WHERE attribute_id = ? AND tag_id = ?";

int store_event_tag_attach(struct store_conn *c, int64_t event_id, int64_t tag_id, bool local)
{
    sqlite3_stmt *st = stmt(c, sql_event_tag_attach);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, event_id);
    sqlite3_bind_int64(st, 2, tag_id);
    sqlite3_bind_int(st, 3, local);
    return step_done(st);
}

int store_event_tag_detach(struct store_conn *c, int64_t event_id, int64_t tag_id)
{
    sqlite3_stmt *st = stmt(c, sql_event_tag_detach);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, event_id);
    sqlite3_bind_int64(st, 2, tag_id);
    int rc = step_done(st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
}

int store_attribute_tag_attach(struct store_conn *c, int64_t event_id, int64_t attribute_id,
                               int64_t tag_id, bool local)
{
    sqlite3_stmt *st = stmt(c, sql_attribute_tag_attach);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, event_id);
    sqlite3_bind_int64(st, 2, attribute_id);
    sqlite3_bind_int64(st, 3, tag_id);
    sqlite3_bind_int(st, 4, local);
    return step_done(st);
}

int store_attribute_tag_detach(struct store_conn *c, int64_t attribute_id, int64_t tag_id)
{
    sqlite3_stmt *st = stmt(c, sql_attribute_tag_detach);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, attribute_id);
    sqlite3_bind_int64(st, 2, tag_id);
    int rc = step_done(st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
}

/* ---- events ---- */

#define EVENT_COLS                                                                                 \
    "e.id, e.uuid, e.org_id, e.orgc_id, e.user_id, e.info, e.date, e.threat_level_id, "          \
    "e.analysis, e.distribution, e.sharing_group_id, e.published, e.timestamp, "                 \
    "e.publish_timestamp, e.sighting_timestamp, e.locked, e.disable_correlation, "               \
    "e.proposal_email_lock, e.extends_uuid, e.deleted, " EVENT_COUNT_COL
#define EVENT_COUNT_COL "(SELECT COUNT(*) FROM attributes x WHERE x.event_id = e.id AND x.deleted = 0)"
#define EVENT_COLS_NO_COUNT                                                                        \
    "e.id, e.uuid, e.org_id, e.orgc_id, e.user_id, e.info, e.date, e.threat_level_id, "          \
    "e.analysis, e.distribution, e.sharing_group_id, e.published, e.timestamp, "                 \
    "e.publish_timestamp, e.sighting_timestamp, e.locked, e.disable_correlation, "               \
    "e.proposal_email_lock, e.extends_uuid, e.deleted, 0"
static const char sql_event_insert[] =
    "INSERT INTO events (uuid, org_id, orgc_id, user_id, info, date, threat_level_id, analysis, "
    "distribution, sharing_group_id, published, timestamp, publish_timestamp, "
    "sighting_timestamp, locked, disable_correlation, proposal_email_lock, extends_uuid, seq) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_event_update[] =
    "UPDATE events SET org_id=?, orgc_id=?, user_id=?, info=?, date=?, threat_level_id=?, "
    "analysis=?, distribution=?, sharing_group_id=?, published=?, timestamp=?, "
    "publish_timestamp=?, sighting_timestamp=?, locked=?, disable_correlation=?, "
    "proposal_email_lock=?, extends_uuid=?, seq=? WHERE id=?";
static const char sql_event_touch[] = "UPDATE events SET timestamp=?, seq=? WHERE id=?";
static const char sql_event_delete[] = "UPDATE events SET deleted=1, seq=? WHERE id=?";
static const char sql_event_delete_attrs[] =
    "UPDATE attributes SET deleted=1, seq=? WHERE event_id=? AND deleted=0";
static const char sql_event_delete_objs[] =
    "UPDATE objects SET deleted=1, seq=? WHERE event_id=? AND deleted=0";
static const char sql_event_by_id[] =
    "SELECT " EVENT_COLS " FROM events e WHERE e.id = ? AND e.deleted = 0";
static const char sql_event_by_uuid[] =
    "SELECT " EVENT_COLS " FROM events e WHERE e.uuid = ? AND e.deleted = 0";
static const char sql_event_tags[] =
    "SELECT t.id, t.name, t.colour, t.exportable, t.hide_tag, t.org_id, t.user_id, "
    "t.numerical_value, t.is_galaxy, t.is_custom_galaxy, t.local_only, t.uuid, t.timestamp, "
    "et.local "
    "FROM event_tags et JOIN tags t ON t.id = et.tag_id WHERE et.event_id = ? ORDER BY et.id";
static const char sql_attr_count[] =
    "SELECT COUNT(*) FROM attributes WHERE event_id = ? AND deleted = 0";

static void event_read(struct arena *a, sqlite3_stmt *st, struct event *e)
{
    memset(e, 0, sizeof(*e));
    e->id = sqlite3_column_int64(st, 0);
    col_uuid(e->uuid, st, 1);
    e->org_id = sqlite3_column_int64(st, 2);
    e->orgc_id = sqlite3_column_int64(st, 3);
    e->user_id = sqlite3_column_int64(st, 4);
    e->info = col_text(a, st, 5);
    const unsigned char *d = sqlite3_column_text(st, 6);
    snprintf(e->date, sizeof(e->date), "%s", d ? (const char *)d : "");
    e->threat_level_id = sqlite3_column_int(st, 7);
    e->analysis = sqlite3_column_int(st, 8);
    e->distribution = sqlite3_column_int(st, 9);
    e->sharing_group_id = sqlite3_column_int64(st, 10);
    e->published = sqlite3_column_int(st, 11) != 0;
    e->timestamp = sqlite3_column_int64(st, 12);
    e->publish_timestamp = sqlite3_column_int64(st, 13);
    e->sighting_timestamp = sqlite3_column_int64(st, 14);
    e->locked = sqlite3_column_int(st, 15) != 0;
    e->disable_correlation = sqlite3_column_int(st, 16) != 0;
    e->proposal_email_lock = sqlite3_column_int(st, 17) != 0;
    e->extends_uuid = col_text(a, st, 18);
    e->deleted = sqlite3_column_int(st, 19) != 0;
    e->attribute_count = sqlite3_column_int64(st, 20);
}

static void event_bind(sqlite3_stmt *st, const struct event *e, int first)
{
    int i = first;
    sqlite3_bind_int64(st, i++, e->org_id);
    sqlite3_bind_int64(st, i++, e->orgc_id);
    sqlite3_bind_int64(st, i++, e->user_id);
    bind_text(st, i++, e->info);
    bind_text(st, i++, e->date);
    sqlite3_bind_int(st, i++, e->threat_level_id);
    sqlite3_bind_int(st, i++, e->analysis);
    sqlite3_bind_int(st, i++, e->distribution);
    sqlite3_bind_int64(st, i++, e->sharing_group_id);
    sqlite3_bind_int(st, i++, e->published);
    sqlite3_bind_int64(st, i++, e->timestamp);
    sqlite3_bind_int64(st, i++, e->publish_timestamp);
    sqlite3_bind_int64(st, i++, e->sighting_timestamp);
    sqlite3_bind_int(st, i++, e->locked);
    sqlite3_bind_int(st, i++, e->disable_correlation);
    sqlite3_bind_int(st, i++, e->proposal_email_lock);
    bind_text(st, i, e->extends_uuid);
}

int store_event_insert(struct store_conn *c, struct event *e)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_event_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, e->uuid);
    event_bind(st, e, 2);
    sqlite3_bind_int64(st, 19, seq);
    return step_insert(c, st, &e->id);
}

int store_event_update(struct store_conn *c, const struct event *e)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_event_update, &seq);
    if (st == NULL)
        return ERR_DB;
    event_bind(st, e, 1);
    sqlite3_bind_int64(st, 18, seq);
    sqlite3_bind_int64(st, 19, e->id);
    return step_done(st);
}

int store_event_touch(struct store_conn *c, int64_t event_id, int64_t timestamp)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_event_touch, &seq);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, timestamp);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, event_id);
    return step_done(st);
}

int store_event_delete(struct store_conn *c, int64_t event_id)
{
    int64_t seq = next_seq(c);
    if (seq < 0)
        return ERR_DB;
    static const char *const sqls[] = {sql_event_delete_attrs, sql_event_delete_objs,
                                       sql_event_delete};
    for (size_t i = 0; i < 3; i++) {
        sqlite3_stmt *st = stmt(c, sqls[i]);
        if (st == NULL)
            return ERR_DB;
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_int64(st, 2, event_id);
        int rc = step_done(st);
        if (rc < 0)
            return rc;
    }
    return sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : 0;
}

/* Every row of an event, children first (?1 is only there to be bound). */
static const char *const sql_event_purge[] = {
    "DELETE FROM attribute_tags WHERE event_id = ?2 AND ?1 IS NOT NULL",
    "DELETE FROM event_tags WHERE event_id = ?2 AND ?1 IS NOT NULL",
    "DELETE FROM sightings WHERE event_id = ?2 AND ?1 IS NOT NULL",
    "DELETE FROM object_references WHERE event_id = ?2 AND ?1 IS NOT NULL",
    "DELETE FROM attributes WHERE event_id = ?2 AND ?1 IS NOT NULL",
    "DELETE FROM objects WHERE event_id = ?2 AND ?1 IS NOT NULL",
    "DELETE FROM event_origins WHERE event_id = ?2 AND ?1 IS NOT NULL",
    "DELETE FROM events WHERE id = ?2 AND ?1 IS NOT NULL",
};

int store_event_purge(struct store_conn *c, int64_t event_id)
{
    /* a new sequence value first: the attribute removals are stamped with it */
    int64_t seq = next_seq(c);
    if (seq < 0)
        return ERR_DB;
    for (size_t i = 0; i < sizeof(sql_event_purge) / sizeof(sql_event_purge[0]); i++) {
        sqlite3_stmt *st = stmt(c, sql_event_purge[i]);
        if (st == NULL)
            return ERR_DB;
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_int64(st, 2, event_id);
        int rc = step_done(st);
        if (rc < 0)
            return rc;
    }
    return sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : 0;
}

int store_event_attribute_count(struct store_conn *c, int64_t event_id, int64_t *out)
{
    sqlite3_stmt *st = stmt(c, sql_attr_count);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, event_id);
    if (sqlite3_step(st) != SQLITE_ROW)
        return ERR_DB;
    *out = sqlite3_column_int64(st, 0);
    return 0;
}

static const char sql_events_changed[] =
    "SELECT id, uuid, timestamp, seq, published, distribution, deleted FROM events "
    "WHERE seq > ?1 ORDER BY seq";

int store_events_changed(struct store_conn *c, int64_t since,
                         int (*fn)(void *ctx, const struct event_change *ch), void *ctx)
{
    sqlite3_stmt *st = stmt(c, sql_events_changed);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, since);
    int step, rc = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct event_change ch;
        ch.id = sqlite3_column_int64(st, 0);
        col_uuid(ch.uuid, st, 1);
        ch.timestamp = sqlite3_column_int64(st, 2);
        ch.seq = sqlite3_column_int64(st, 3);
        ch.published = sqlite3_column_int(st, 4) != 0;
        ch.distribution = sqlite3_column_int(st, 5);
        ch.deleted = sqlite3_column_int(st, 6) != 0;
        if ((rc = fn(ctx, &ch)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_reset(st);
    return rc;
}

static const char sql_sighting_events_changed[] =
    "SELECT DISTINCT e.id, e.uuid FROM sightings s JOIN events e ON e.id = s.event_id "
    "WHERE s.seq > ?1 AND e.deleted = 0";

int store_sighting_events_changed(struct store_conn *c, int64_t since,
                                  int (*fn)(void *ctx, int64_t event_id, const char *uuid),
                                  void *ctx)
{
    sqlite3_stmt *st = stmt(c, sql_sighting_events_changed);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, since);
    int step, rc = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *uuid = (const char *)sqlite3_column_text(st, 1);
        if (uuid != NULL && (rc = fn(ctx, sqlite3_column_int64(st, 0), uuid)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_reset(st);
    return rc;
}

static const char sql_event_stamps[] =
    "SELECT uuid, timestamp, locked AND deleted = 0 FROM events "
    "WHERE uuid IN (SELECT value FROM json_each(?))";

int store_event_stamps(struct store_conn *c, const char *uuids_json,
                       int (*fn)(void *ctx, const char *uuid, int64_t timestamp, bool locked),
                       void *ctx)
{
    sqlite3_stmt *st = stmt(c, sql_event_stamps);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, uuids_json);
    int step, rc = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *uuid = (const char *)sqlite3_column_text(st, 0);
        if (uuid != NULL &&
            (rc = fn(ctx, uuid, sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2) != 0)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_reset(st);
    return rc;
}

/* ---- sync links ---- */

#define SERVER_COLS                                                                                \
    "id, name, url, authkey, org_id, remote_org_id, push, pull, push_sightings, self_signed, "    \
    "cert_file, push_rules, pull_rules, timeout, created, modified, pull_interval"
static const char sql_server_insert[] =
    "INSERT INTO servers (name, url, authkey, org_id, remote_org_id, push, pull, push_sightings, "
    "self_signed, cert_file, push_rules, pull_rules, timeout, created, modified, seq, "
    "pull_interval) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?18)";
static const char sql_server_update[] =
    "UPDATE servers SET name=?1, url=?2, authkey=?3, org_id=?4, remote_org_id=?5, push=?6, "
    "pull=?7, push_sightings=?8, self_signed=?9, cert_file=?10, push_rules=?11, pull_rules=?12, "
    "timeout=?13, modified=?15, seq=?16, pull_interval=?18 WHERE id=?17 AND ?14 IS NOT NULL";
static const char sql_server_delete[] = "DELETE FROM servers WHERE id = ?";
static const char sql_sync_state_delete[] = "DELETE FROM sync_state WHERE server_id = ?";
static const char sql_event_origins_delete[] = "DELETE FROM event_origins WHERE server_id = ?";
static const char sql_server_get[] = "SELECT " SERVER_COLS " FROM servers WHERE id = ?";
static const char sql_server_list[] = "SELECT " SERVER_COLS " FROM servers ORDER BY url";

static void server_bind(sqlite3_stmt *st, const struct server *sv, int64_t now, int64_t seq)
{
    bind_text(st, 1, sv->name);
    bind_text(st, 2, sv->url);
    bind_text(st, 3, sv->authkey);
    sqlite3_bind_int64(st, 4, sv->org_id);
    sqlite3_bind_int64(st, 5, sv->remote_org_id);
    sqlite3_bind_int(st, 6, sv->push);
    sqlite3_bind_int(st, 7, sv->pull);
    sqlite3_bind_int(st, 8, sv->push_sightings);
    sqlite3_bind_int(st, 9, sv->self_signed);
    bind_text(st, 10, sv->cert_file);
    bind_text(st, 11, sv->push_rules ? sv->push_rules : "");
    bind_text(st, 12, sv->pull_rules ? sv->pull_rules : "");
    sqlite3_bind_int64(st, 13, sv->timeout);
    sqlite3_bind_int64(st, 14, now);
    sqlite3_bind_int64(st, 15, now);
    sqlite3_bind_int64(st, 16, seq);
    sqlite3_bind_int64(st, 18, sv->pull_interval);
}

static void server_read(struct arena *a, sqlite3_stmt *st, struct server *sv)
{
    sv->id = sqlite3_column_int64(st, 0);
    sv->name = col_text(a, st, 1);
    sv->url = col_text(a, st, 2);
    sv->authkey = col_text(a, st, 3);
    sv->org_id = sqlite3_column_int64(st, 4);
    sv->remote_org_id = sqlite3_column_int64(st, 5);
    sv->push = sqlite3_column_int(st, 6) != 0;
    sv->pull = sqlite3_column_int(st, 7) != 0;
    sv->push_sightings = sqlite3_column_int(st, 8) != 0;
    sv->self_signed = sqlite3_column_int(st, 9) != 0;
    sv->cert_file = col_text(a, st, 10);
    sv->push_rules = col_text(a, st, 11);
    sv->pull_rules = col_text(a, st, 12);
    sv->timeout = sqlite3_column_int64(st, 13);
    sv->created = sqlite3_column_int64(st, 14);
    sv->modified = sqlite3_column_int64(st, 15);
    sv->pull_interval = sqlite3_column_int64(st, 16);
}

int store_server_insert(struct store_conn *c, struct server *sv)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_server_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    int64_t now = now_seconds();
    sv->created = sv->modified = now;
    server_bind(st, sv, now, seq);
    return step_insert(c, st, &sv->id);
}

int store_server_update(struct store_conn *c, const struct server *sv)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_server_update, &seq);
    if (st == NULL)
        return ERR_DB;
    server_bind(st, sv, now_seconds(), seq);
    sqlite3_bind_int64(st, 17, sv->id);
    int rc = step_done(st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
}

int store_server_delete(struct store_conn *c, int64_t id)
{
    int rc = 0;
    static const char *const related[] = {sql_sync_state_delete, sql_event_origins_delete};
    for (size_t i = 0; i < 2 && rc == 0; i++) {
        sqlite3_stmt *del = stmt(c, related[i]);
        if (del == NULL)
            return ERR_DB;
        sqlite3_bind_int64(del, 1, id);
        rc = step_done(del);
    }
    if (rc < 0)
        return rc;
    sqlite3_stmt *st = stmt(c, sql_server_delete);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    rc = step_done(st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
}

int store_server_get(struct store_conn *c, struct arena *a, int64_t id, struct server **out)
{
    sqlite3_stmt *st = stmt(c, sql_server_get);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    }
    *out = arena_calloc(a, 1, sizeof(**out));
    server_read(a, st, *out);
    sqlite3_reset(st);
    return 0;
}

int store_server_list(struct store_conn *c, struct arena *a, struct server **out, size_t *n)
{
    sqlite3_stmt *st = stmt(c, sql_server_list);
    if (st == NULL)
        return ERR_DB;
    COLLECT_ROWS(a, st, struct server, server_read, out, n);
    return 0;
}

/* ---- sync checkpoints ---- */

static const char sql_sync_state_get[] =
    "SELECT etag, last_timestamp, last_seq, last_run, last_success, last_error, events, "
    "attributes, failures, total_events, last_sighting, sightings FROM sync_state "
    "WHERE server_id = ?1 AND direction = ?2";
static const char sql_sync_state_put[] =
    "INSERT INTO sync_state (server_id, direction, etag, last_timestamp, last_seq, last_run, "
    "last_success, last_error, events, attributes, failures, total_events, last_sighting, "
    "sightings) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14) "
    "ON CONFLICT (server_id, direction) DO "
    "UPDATE SET etag=?3, last_timestamp=?4, last_seq=?5, last_run=?6, last_success=?7, "
    "last_error=?8, events=?9, attributes=?10, failures=?11, total_events=?12, "
    "last_sighting=?13, sightings=?14";
static const char sql_synced_events[] =
    "SELECT e.uuid FROM event_origins o JOIN events e ON e.id = o.event_id "
    "WHERE o.server_id = ? AND e.deleted = 0";
static const char sql_event_origin_set[] =
    "INSERT INTO event_origins (event_id, server_id) VALUES (?1, ?2) "
    "ON CONFLICT (event_id) DO UPDATE SET server_id = ?2";

int store_sync_state_get(struct store_conn *c, struct arena *a, int64_t server_id, bool push,
                         struct sync_state **out)
{
    sqlite3_stmt *st = stmt(c, sql_sync_state_get);
    if (st == NULL)
        return ERR_DB;
    struct sync_state *s = arena_calloc(a, 1, sizeof(*s));
    s->server_id = server_id;
    s->push = push;
    s->etag = s->last_error = "";
    sqlite3_bind_int64(st, 1, server_id);
    bind_text(st, 2, push ? "push" : "pull");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        s->etag = col_text(a, st, 0);
        s->last_timestamp = sqlite3_column_int64(st, 1);
        s->last_seq = sqlite3_column_int64(st, 2);
        s->last_run = sqlite3_column_int64(st, 3);
        s->last_success = sqlite3_column_int64(st, 4);
        s->last_error = col_text(a, st, 5);
        s->events = sqlite3_column_int64(st, 6);
        s->attributes = sqlite3_column_int64(st, 7);
        s->failures = sqlite3_column_int64(st, 8);
        s->total_events = sqlite3_column_int64(st, 9);
        s->last_sighting = sqlite3_column_int64(st, 10);
        s->sightings = sqlite3_column_int64(st, 11);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return ERR_DB;
    *out = s;
    return 0;
}

int store_sync_state_put(struct store_conn *c, const struct sync_state *s)
{
    sqlite3_stmt *st = stmt(c, sql_sync_state_put);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, s->server_id);
    bind_text(st, 2, s->push ? "push" : "pull");
    bind_text(st, 3, s->etag ? s->etag : "");
    sqlite3_bind_int64(st, 4, s->last_timestamp);
    sqlite3_bind_int64(st, 5, s->last_seq);
    sqlite3_bind_int64(st, 6, s->last_run);
    sqlite3_bind_int64(st, 7, s->last_success);
    bind_text(st, 8, s->last_error ? s->last_error : "");
    sqlite3_bind_int64(st, 9, s->events);
    sqlite3_bind_int64(st, 10, s->attributes);
    sqlite3_bind_int64(st, 11, s->failures);
    sqlite3_bind_int64(st, 12, s->total_events);
    sqlite3_bind_int64(st, 13, s->last_sighting);
    sqlite3_bind_int64(st, 14, s->sightings);
    return step_done(st);
}

int store_event_origin_set(struct store_conn *c, int64_t event_id, int64_t server_id)
{
    sqlite3_stmt *st = stmt(c, sql_event_origin_set);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, event_id);
    sqlite3_bind_int64(st, 2, server_id);
    return step_done(st);
}

int store_synced_events(struct store_conn *c, int64_t server_id,
                        int (*fn)(void *ctx, const char *uuid), void *ctx)
{
    sqlite3_stmt *st = stmt(c, sql_synced_events);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, server_id);
    int step, rc = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *uuid = (const char *)sqlite3_column_text(st, 0);
        if (uuid != NULL && (rc = fn(ctx, uuid)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_reset(st);
    return rc;
}

/* ---- the indicator index's feed ---- */

static const char sql_change_seq[] = "SELECT value FROM change_seq WHERE id = 1";

int store_change_seq(struct store_conn *c, int64_t *out)
{
    sqlite3_stmt *st = stmt(c, sql_change_seq);
    if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
        return ERR_DB;
    *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

#define FEED_COLS                                                                                  \
    "a.id, a.event_id, a.type, a.category, a.value, a.deleted = 0 AND e.deleted = 0, "             \
    "a.disable_correlation OR e.disable_correlation"

static const char sql_feed_all[] = "SELECT " FEED_COLS " FROM attributes a JOIN events e ON e.id = "
                                   "a.event_id WHERE a.deleted = 0 AND e.deleted = 0";
static const char sql_feed_removed[] =
    "SELECT attribute_id FROM attribute_removals WHERE seq > ?1 ORDER BY seq";
static const char sql_feed_since[] =
    "SELECT " FEED_COLS " FROM attributes a JOIN events e ON e.id = a.event_id WHERE a.seq > ?1 "
    "UNION ALL SELECT " FEED_COLS " FROM events e CROSS JOIN attributes a ON a.event_id = e.id "
    "WHERE e.seq > ?1 AND +a.seq <= ?1";
/* The second half must start from the few recently written events: left to
 * itself SQLite walked attributes_seq for "a.seq <= ?1", every older attribute,
 * on each refresh (HTTP ingest fell from 42 k to 2.4 k attributes/s). */

static int feed_rows(sqlite3_stmt *st, int (*fn)(void *, const struct index_row *), void *ctx)
{
    int step, rc = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct index_row r;
        r.attribute_id = sqlite3_column_int64(st, 0);
        r.event_id = sqlite3_column_int64(st, 1);
        r.type = (const char *)sqlite3_column_text(st, 2);
        r.category = (const char *)sqlite3_column_text(st, 3);
        r.value = (const char *)sqlite3_column_text(st, 4);
        r.live = sqlite3_column_int(st, 5) != 0;
        r.no_correlate = sqlite3_column_int(st, 6) != 0;
        if (r.type == NULL || r.category == NULL || r.value == NULL)
            continue; /* NOT NULL columns: only out of memory gets here */
        if ((rc = fn(ctx, &r)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_reset(st);
    return rc;
}

int store_index_feed(struct store_conn *c, int64_t since,
                     int (*fn)(void *ctx, const struct index_row *r), void *ctx)
{
    sqlite3_stmt *st;
    if (since <= 0) {
        if ((st = stmt(c, sql_feed_all)) == NULL)
            return ERR_DB;
        return feed_rows(st, fn, ctx);
    }
    if ((st = stmt(c, sql_feed_removed)) == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, since);
    int step, rc = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct index_row r = {.attribute_id = sqlite3_column_int64(st, 0)};
        if ((rc = fn(ctx, &r)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_reset(st);
    if (rc != 0)
        return rc;
    if ((st = stmt(c, sql_feed_since)) == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, since);
    return feed_rows(st, fn, ctx);
}

static void tag_ref_read(struct arena *a, sqlite3_stmt *st, struct tag_ref *t)
{
    tag_read(a, st, &t->tag);
    t->local = sqlite3_column_int(st, 13) != 0;
}

static int event_tags_load(struct store_conn *c, struct arena *a, struct event *e)
{
    sqlite3_stmt *st = stmt(c, sql_event_tags);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, e->id);
    COLLECT_ROWS(a, st, struct tag_ref, tag_ref_read, &e->tags, &e->n_tags);
    return 0;
}

static int event_orgs_load(struct store_conn *c, struct arena *a, struct event *e)
{
    int rc = store_org_get(c, a, e->org_id, NULL, NULL, &e->org);
    if (rc == 0)
        rc = store_org_get(c, a, e->orgc_id, NULL, NULL, &e->orgc);
    return rc;
}

/* ---- attributes ---- */

#define ATTR_COLS                                                                                  \
    "a.id, a.uuid, a.event_id, a.object_id, a.object_relation, a.type, a.category, a.value, "    \
    "a.comment, a.to_ids, a.distribution, a.sharing_group_id, a.timestamp, a.deleted, "          \
    "a.disable_correlation, a.first_seen, a.last_seen"
static const char sql_attr_insert[] =
    "INSERT INTO attributes (uuid, event_id, object_id, object_relation, type, category, value, "
    "comment, to_ids, distribution, sharing_group_id, timestamp, deleted, disable_correlation, "
    "first_seen, last_seen, value2, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_attr_update[] =
    "UPDATE attributes SET object_id=?, object_relation=?, type=?, category=?, value=?, "
    "comment=?, to_ids=?, distribution=?, sharing_group_id=?, timestamp=?, deleted=?, "
    "disable_correlation=?, first_seen=?, last_seen=?, value2=?, seq=? WHERE id=?";
static const char sql_attr_by_id[] = "SELECT " ATTR_COLS " FROM attributes a WHERE a.id = ?";
static const char sql_attr_by_uuid[] = "SELECT " ATTR_COLS " FROM attributes a WHERE a.uuid = ?";
static const char sql_attr_soft_delete[] =
    "UPDATE attributes SET deleted=1, timestamp=MAX(?, timestamp + 1), seq=? WHERE id=?";
static const char sql_attr_tags_delete[] = "DELETE FROM attribute_tags WHERE attribute_id = ?";
static const char sql_attr_hard_delete[] = "DELETE FROM attributes WHERE id = ?";
static const char sql_attr_tags[] =
    "SELECT t.id, t.name, t.colour, t.exportable, t.hide_tag, t.org_id, t.user_id, "
    "t.numerical_value, t.is_galaxy, t.is_custom_galaxy, t.local_only, t.uuid, t.timestamp, "
    "at.local "
    "FROM attribute_tags at JOIN tags t ON t.id = at.tag_id WHERE at.attribute_id = ? "
    "ORDER BY at.id";
static const char sql_uuid_taken[] =
    "SELECT 1 FROM events WHERE uuid = ?1 UNION ALL SELECT 1 FROM attributes WHERE uuid = ?1 "
    "UNION ALL SELECT 1 FROM objects WHERE uuid = ?1 "
    "UNION ALL SELECT 1 FROM object_references WHERE uuid = ?1 LIMIT 1";

static const char sql_uuid_taken_not_attr[] =
    "SELECT 1 FROM events WHERE uuid = ?1 UNION ALL SELECT 1 FROM objects WHERE uuid = ?1 "
    "UNION ALL SELECT 1 FROM object_references WHERE uuid = ?1 LIMIT 1";

static void attr_read(struct arena *a, sqlite3_stmt *st, struct attribute *at)
{
    memset(at, 0, sizeof(*at));
    at->id = sqlite3_column_int64(st, 0);
    col_uuid(at->uuid, st, 1);
    at->event_id = sqlite3_column_int64(st, 2);
    at->object_id = sqlite3_column_int64(st, 3);
    at->object_relation = col_text(a, st, 4);
    at->type = col_text(a, st, 5);
    at->category = col_text(a, st, 6);
    at->value = col_text(a, st, 7);
    at->comment = col_text(a, st, 8);
    at->to_ids = sqlite3_column_int(st, 9) != 0;
    at->distribution = sqlite3_column_int(st, 10);
    at->sharing_group_id = sqlite3_column_int64(st, 11);
    at->timestamp = sqlite3_column_int64(st, 12);
    at->deleted = sqlite3_column_int(st, 13) != 0;
    at->disable_correlation = sqlite3_column_int(st, 14) != 0;
    at->first_seen = col_text(a, st, 15);
    at->last_seen = col_text(a, st, 16);
}

static void attr_bind_fields(sqlite3_stmt *st, const struct attribute *at, int i)
{
    sqlite3_bind_int64(st, i++, at->object_id);
    bind_text(st, i++, at->object_relation);
    bind_text(st, i++, at->type);
    bind_text(st, i++, at->category);
    bind_text(st, i++, at->value);
    bind_text(st, i++, at->comment);
    sqlite3_bind_int(st, i++, at->to_ids);
    sqlite3_bind_int(st, i++, at->distribution);
    sqlite3_bind_int64(st, i++, at->sharing_group_id);
    sqlite3_bind_int64(st, i++, at->timestamp);
    sqlite3_bind_int(st, i++, at->deleted);
    sqlite3_bind_int(st, i++, at->disable_correlation);
    bind_text(st, i++, at->first_seen);
    bind_text(st, i++, at->last_seen);
    /* value2: the part after '|' of a composite type's value (search column) */
    const char *bar = strchr(at->type ? at->type : "", '|') ? strchr(at->value, '|') : NULL;
    if (bar)
        sqlite3_bind_text(st, i, bar + 1, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

int store_attribute_insert(struct store_conn *c, struct attribute *at)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_attr_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, at->uuid);
    sqlite3_bind_int64(st, 2, at->event_id);
    attr_bind_fields(st, at, 3);
    sqlite3_bind_int64(st, 18, seq);
    return step_insert(c, st, &at->id);
}

int store_attribute_update(struct store_conn *c, const struct attribute *at)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_attr_update, &seq);
    if (st == NULL)
        return ERR_DB;
    attr_bind_fields(st, at, 1);
    sqlite3_bind_int64(st, 16, seq);
    sqlite3_bind_int64(st, 17, at->id);
    return step_done(st);
}

int store_attribute_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                        struct attribute **out)
{
    sqlite3_stmt *st = stmt(c, id > 0 ? sql_attr_by_id : sql_attr_by_uuid);
    if (st == NULL)
        return ERR_DB;
    if (id > 0)
        sqlite3_bind_int64(st, 1, id);
    else
        bind_text(st, 1, uuid ? uuid : "");
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    *out = arena_alloc(a, sizeof(**out));
    attr_read(a, st, *out);
    return 0;
}

int store_attribute_delete(struct store_conn *c, int64_t id, bool hard)
{
    sqlite3_stmt *st;
    int rc;
    if (!hard) {
        int64_t seq = next_seq(c);
        st = stmt(c, sql_attr_soft_delete);
        if (seq < 0 || st == NULL)
            return ERR_DB;
        sqlite3_bind_int64(st, 1, now_seconds());
        sqlite3_bind_int64(st, 2, seq);
        sqlite3_bind_int64(st, 3, id);
        rc = step_done(st);
        return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
    }
    /* the removal trace (migration 0005) records this transaction's seq */
    st = stmt(c, sql_attr_tags_delete);
    if (next_seq(c) < 0 || st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = step_done(st)) < 0)
        return rc;
    st = stmt(c, sql_attr_hard_delete);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, id);
    rc = step_done(st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
}

int store_uuid_taken(struct store_conn *c, const char *uuid, bool *taken)
{
    return store_uuid_taken_by(c, uuid, true, taken);
}

int store_uuid_taken_by(struct store_conn *c, const char *uuid, bool attributes, bool *taken)
{
    sqlite3_stmt *st = stmt(c, attributes ? sql_uuid_taken : sql_uuid_taken_not_attr);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, uuid);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return ERR_DB;
    *taken = rc == SQLITE_ROW;
    sqlite3_reset(st);
    return 0;
}

static int attr_tags_load(struct store_conn *c, struct arena *a, struct attribute *at)
{
    sqlite3_stmt *st = stmt(c, sql_attr_tags);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, at->id);
    COLLECT_ROWS(a, st, struct tag_ref, tag_ref_read, &at->tags, &at->n_tags);
    return 0;
}

/* ---- objects and references ---- */

#define OBJ_COLS                                                                                   \
    "o.id, o.uuid, o.event_id, o.name, o.meta_category, o.description, o.template_uuid, "        \
    "o.template_version, o.comment, o.distribution, o.sharing_group_id, o.timestamp, "           \
    "o.deleted, o.first_seen, o.last_seen"
static const char sql_obj_insert[] =
    "INSERT INTO objects (uuid, event_id, name, meta_category, description, template_uuid, "
    "template_version, comment, distribution, sharing_group_id, timestamp, deleted, first_seen, "
    "last_seen, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_obj_by_id[] = "SELECT " OBJ_COLS " FROM objects o WHERE o.id = ?";
static const char sql_obj_by_uuid[] = "SELECT " OBJ_COLS " FROM objects o WHERE o.uuid = ?";
static const char sql_obj_soft_delete[] =
    "UPDATE objects SET deleted=1, timestamp=MAX(?2, timestamp + 1), seq=?1 WHERE id=?3";
static const char sql_obj_attrs_soft_delete[] =
    "UPDATE attributes SET deleted=1, timestamp=MAX(?2, timestamp + 1), seq=?1 "
    "WHERE object_id=?3 AND deleted=0";
static const char sql_obj_hard_delete_attr_tags[] =
    "DELETE FROM attribute_tags WHERE attribute_id IN (SELECT id FROM attributes WHERE "
    "object_id = ?3) AND ?1 IS NOT NULL AND ?2 IS NOT NULL";
static const char sql_obj_hard_delete_attrs[] =
    "DELETE FROM attributes WHERE object_id = ?3 AND ?1 IS NOT NULL AND ?2 IS NOT NULL";
static const char sql_obj_hard_delete_refs[] =
    "DELETE FROM object_references WHERE object_id = ?3 AND ?1 IS NOT NULL AND ?2 IS NOT NULL";
static const char sql_obj_hard_delete[] =
    "DELETE FROM objects WHERE id = ?3 AND ?1 IS NOT NULL AND ?2 IS NOT NULL";
static const char sql_ref_insert[] =
    "INSERT INTO object_references (uuid, object_id, event_id, referenced_uuid, referenced_type, "
    "relationship_type, comment, timestamp, deleted, seq) VALUES (?,?,?,?,?,?,?,?,?,?)";

static void obj_read(struct arena *a, sqlite3_stmt *st, struct object *o)
{
    memset(o, 0, sizeof(*o));
    o->id = sqlite3_column_int64(st, 0);
    col_uuid(o->uuid, st, 1);
    o->event_id = sqlite3_column_int64(st, 2);
    o->name = col_text(a, st, 3);
    o->meta_category = col_text(a, st, 4);
    o->description = col_text(a, st, 5);
    o->template_uuid = col_text(a, st, 6);
    o->template_version = col_text(a, st, 7);
    o->comment = col_text(a, st, 8);
    o->distribution = sqlite3_column_int(st, 9);
    o->sharing_group_id = sqlite3_column_int64(st, 10);
    o->timestamp = sqlite3_column_int64(st, 11);
    o->deleted = sqlite3_column_int(st, 12) != 0;
    o->first_seen = col_text(a, st, 13);
    o->last_seen = col_text(a, st, 14);
}

int store_object_insert(struct store_conn *c, struct object *o)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_obj_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, o->uuid);
    sqlite3_bind_int64(st, 2, o->event_id);
    bind_text(st, 3, o->name);
    bind_text(st, 4, o->meta_category);
    bind_text(st, 5, o->description);
    bind_text(st, 6, o->template_uuid);
    bind_text(st, 7, o->template_version);
    bind_text(st, 8, o->comment);
    sqlite3_bind_int(st, 9, o->distribution);
    sqlite3_bind_int64(st, 10, o->sharing_group_id);
    sqlite3_bind_int64(st, 11, o->timestamp);
    sqlite3_bind_int(st, 12, o->deleted);
    bind_text(st, 13, o->first_seen);
    bind_text(st, 14, o->last_seen);
    sqlite3_bind_int64(st, 15, seq);
    return step_insert(c, st, &o->id);
}

static const char sql_obj_update[] =
    "UPDATE objects SET name=?1, meta_category=?2, description=?3, template_uuid=?4, "
    "template_version=?5, comment=?6, distribution=?7, sharing_group_id=?8, timestamp=?9, "
    "deleted=?10, first_seen=?11, last_seen=?12, seq=?13 WHERE id=?14";

int store_object_update(struct store_conn *c, const struct object *o)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_obj_update, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, o->name);
    bind_text(st, 2, o->meta_category);
    bind_text(st, 3, o->description);
    bind_text(st, 4, o->template_uuid);
    bind_text(st, 5, o->template_version);
    bind_text(st, 6, o->comment);
    sqlite3_bind_int(st, 7, o->distribution);
    sqlite3_bind_int64(st, 8, o->sharing_group_id);
    sqlite3_bind_int64(st, 9, o->timestamp);
    sqlite3_bind_int(st, 10, o->deleted);
    bind_text(st, 11, o->first_seen);
    bind_text(st, 12, o->last_seen);
    sqlite3_bind_int64(st, 13, seq);
    sqlite3_bind_int64(st, 14, o->id);
    int rc = step_done(st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
}

int store_object_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                     struct object **out)
{
    sqlite3_stmt *st = stmt(c, id > 0 ? sql_obj_by_id : sql_obj_by_uuid);
    if (st == NULL)
        return ERR_DB;
    if (id > 0)
        sqlite3_bind_int64(st, 1, id);
    else
        bind_text(st, 1, uuid ? uuid : "");
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    *out = arena_alloc(a, sizeof(**out));
    obj_read(a, st, *out);
    return 0;
}

int store_object_delete(struct store_conn *c, int64_t id, bool hard)
{
    static const char *const soft[] = {sql_obj_attrs_soft_delete, sql_obj_soft_delete};
    static const char *const hardq[] = {sql_obj_hard_delete_attr_tags, sql_obj_hard_delete_attrs,
                                        sql_obj_hard_delete_refs, sql_obj_hard_delete};
    const char *const *list = hard ? hardq : soft;
    size_t n = hard ? 4 : 2;
    int64_t seq = next_seq(c);
    if (seq < 0)
        return ERR_DB;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = stmt(c, list[i]);
        if (st == NULL)
            return ERR_DB;
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_int64(st, 2, now_seconds());
        sqlite3_bind_int64(st, 3, id);
        int rc = step_done(st);
        if (rc < 0)
            return rc;
    }
    return sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : 0;
}

int store_reference_insert(struct store_conn *c, int64_t event_id, struct object_reference *r)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_ref_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, r->uuid);
    sqlite3_bind_int64(st, 2, r->object_id);
    sqlite3_bind_int64(st, 3, event_id);
    bind_text(st, 4, r->referenced_uuid);
    bind_text(st, 5, r->referenced_type ? r->referenced_type : "Attribute");
    bind_text(st, 6, r->relationship_type);
    bind_text(st, 7, r->comment);
    sqlite3_bind_int64(st, 8, r->timestamp);
    sqlite3_bind_int(st, 9, r->deleted);
    sqlite3_bind_int64(st, 10, seq);
    return step_insert(c, st, &r->id);
}

/* ---- loading a whole event ---- */

/* SQL fragments rendering struct acl_filter (decided by acl, see core/acl.h).
 * Parameters: ?1 everything (0/1), ?2 reader org id, ?3 unpublished_private,
 * ?9 the visible sharing groups as a JSON array, ?10 see_deleted. */
#define ACL_EVENT_SQL                                                                              \
    "(?1 OR e.org_id = ?2 OR ((e.distribution IN (1,2,3) OR (e.distribution = 4 AND "            \
    "e.sharing_group_id IN (SELECT value FROM json_each(?9)))) AND (NOT ?3 OR e.published = 1)))"
#define ACL_DELETED_SQL(alias) "(" alias ".deleted = 0 OR ?1 OR ?10 OR e.org_id = ?2)"
#define ACL_CHILD_SQL(alias)                                                                       \
    "(?1 OR e.org_id = ?2 OR " alias ".distribution IN (1,2,3,5) OR (" alias                    \
    ".distribution = 4 AND " alias ".sharing_group_id IN (SELECT value FROM json_each(?9))))"

static const char sql_event_visible[] =
    "SELECT 1 FROM events e WHERE e.id = ?4 AND " ACL_EVENT_SQL;
static const char sql_event_attrs[] =
    "SELECT " ATTR_COLS " FROM attributes a JOIN events e ON e.id = a.event_id "
    "LEFT JOIN objects o ON o.id = a.object_id "
    "WHERE a.event_id = ?4 AND (?5 = 2 OR a.deleted = ?5) AND " ACL_DELETED_SQL("a")
    " AND " ACL_CHILD_SQL("a")
    " AND (a.object_id = 0 OR " ACL_CHILD_SQL("o") ") ORDER BY a.id";
static const char sql_event_objs[] =
    "SELECT " OBJ_COLS " FROM objects o JOIN events e ON e.id = o.event_id "
    "WHERE o.event_id = ?4 AND (?5 = 2 OR o.deleted = ?5) AND " ACL_DELETED_SQL("o")
    " AND " ACL_CHILD_SQL("o")
    " ORDER BY o.id";
static const char sql_event_refs[] =
    "SELECT r.id, r.uuid, r.object_id, r.referenced_uuid, r.referenced_type, "
    "r.relationship_type, r.comment, r.timestamp, r.deleted, o.uuid "
    "FROM object_references r JOIN objects o ON o.id = r.object_id "
    "WHERE r.event_id = ? AND r.deleted = 0 ORDER BY r.object_id, r.id";
static const char sql_event_attr_tags[] =
    "SELECT t.id, t.name, t.colour, t.exportable, t.hide_tag, t.org_id, t.user_id, "
    "t.numerical_value, t.is_galaxy, t.is_custom_galaxy, t.local_only, t.uuid, t.timestamp, "
    "at.local, at.attribute_id FROM attribute_tags at JOIN tags t ON t.id = at.tag_id "
    "WHERE at.event_id = ? ORDER BY at.attribute_id, at.id";

static void acl_bind(sqlite3_stmt *st, const struct acl_filter *acl)
{
    sqlite3_bind_int(st, 1, acl->everything);
    sqlite3_bind_int64(st, 2, acl->org_id);
    sqlite3_bind_int(st, 3, acl->unpublished_private);
    bind_text(st, 9, acl->sharing_groups ? acl->sharing_groups : "[]");
    sqlite3_bind_int(st, 10, acl->see_deleted);
}

static struct attribute *attr_find(struct attribute *arr, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (arr[mid].id < id)
            lo = mid + 1;
        else if (arr[mid].id > id)
            hi = mid;
        else
            return &arr[mid];
    }
    return NULL;
}

static struct object *obj_find(struct object *arr, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (arr[mid].id < id)
            lo = mid + 1;
        else if (arr[mid].id > id)
            hi = mid;
        else
            return &arr[mid];
    }
    return NULL;
}

static void ref_read(struct arena *a, sqlite3_stmt *st, struct object_reference *r)
{
    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(st, 0);
    col_uuid(r->uuid, st, 1);
    r->object_id = sqlite3_column_int64(st, 2);
    col_uuid(r->referenced_uuid, st, 3);
    r->referenced_type = col_text(a, st, 4);
    r->relationship_type = col_text(a, st, 5);
    r->comment = col_text(a, st, 6);
    r->timestamp = sqlite3_column_int64(st, 7);
    r->deleted = sqlite3_column_int(st, 8) != 0;
    col_uuid(r->object_uuid, st, 9);
}

/* Loads attributes (split into event-level and per object), objects and references. */
static int event_children_load(struct store_conn *c, struct arena *a, struct event *e,
                               const struct acl_filter *acl, unsigned flags)
{
    int deleted = (flags & STORE_LOAD_DELETED_ONLY) ? 1 : (flags & STORE_LOAD_DELETED) ? 2 : 0;
    struct attribute *attrs;
    size_t n_attrs;
    sqlite3_stmt *st = stmt(c, sql_event_attrs);
    if (st == NULL)
        return ERR_DB;
    acl_bind(st, acl);
    sqlite3_bind_int64(st, 4, e->id);
    sqlite3_bind_int(st, 5, deleted);
    COLLECT_ROWS(a, st, struct attribute, attr_read, &attrs, &n_attrs);

    if (flags & STORE_LOAD_TAGS) {
        st = stmt(c, sql_event_attr_tags);
        if (st == NULL)
            return ERR_DB;
        sqlite3_bind_int64(st, 1, e->id);
        int rc;
        struct attribute *cur = NULL;
        size_t cap = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t aid = sqlite3_column_int64(st, 14);
            if (cur == NULL || cur->id != aid) {
                cur = attr_find(attrs, n_attrs, aid);
                cap = 0;
            }
            if (cur == NULL)
                continue;
            if (cur->n_tags == cap) {
                size_t ncap = cap ? cap * 2 : 4;
                struct tag_ref *bigger = arena_alloc(a, ncap * sizeof(*bigger));
                if (cur->n_tags)
                    memcpy(bigger, cur->tags, cur->n_tags * sizeof(*bigger));
                cur->tags = bigger;
                cap = ncap;
            }
            tag_ref_read(a, st, &cur->tags[cur->n_tags++]);
        }
        if (rc != SQLITE_DONE)
            return ERR_DB;
    }

    st = stmt(c, sql_event_objs);
    if (st == NULL)
        return ERR_DB;
    acl_bind(st, acl);
    sqlite3_bind_int64(st, 4, e->id);
    sqlite3_bind_int(st, 5, deleted);
    COLLECT_ROWS(a, st, struct object, obj_read, &e->objects, &e->n_objects);

    /* Count attributes per object, then distribute (attrs are in id order). */
    size_t n_plain = 0;
    for (size_t i = 0; i < n_attrs; i++) {
        struct object *o =
            attrs[i].object_id ? obj_find(e->objects, e->n_objects, attrs[i].object_id) : NULL;
        if (o)
            o->n_attrs++;
        else if (attrs[i].object_id == 0)
            n_plain++;
    }
    e->attrs = arena_alloc(a, (n_plain ? n_plain : 1) * sizeof(*e->attrs));
    e->n_attrs = 0;
    for (size_t i = 0; i < e->n_objects; i++) {
        struct object *o = &e->objects[i];
        o->attrs = arena_alloc(a, (o->n_attrs ? o->n_attrs : 1) * sizeof(*o->attrs));
        o->n_attrs = 0;
    }
    for (size_t i = 0; i < n_attrs; i++) {
        if (attrs[i].object_id == 0) {
            e->attrs[e->n_attrs++] = attrs[i];
            continue;
        }
        struct object *o = obj_find(e->objects, e->n_objects, attrs[i].object_id);
        if (o)
            o->attrs[o->n_attrs++] = attrs[i];
    }

    struct object_reference *refs;
    size_t n_refs;
    st = stmt(c, sql_event_refs);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, e->id);
    COLLECT_ROWS(a, st, struct object_reference, ref_read, &refs, &n_refs);
    for (size_t i = 0; i < n_refs;) {
        size_t j = i;
        while (j < n_refs && refs[j].object_id == refs[i].object_id)
            j++;
        struct object *o = obj_find(e->objects, e->n_objects, refs[i].object_id);
        if (o) {
            o->refs = &refs[i];
            o->n_refs = j - i;
        }
        i = j;
    }
    return 0;
}

int store_event_load(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                     const struct acl_filter *acl, unsigned flags, struct event **out)
{
    sqlite3_stmt *st = stmt(c, id > 0 ? sql_event_by_id : sql_event_by_uuid);
    if (st == NULL)
        return ERR_DB;
    if (id > 0)
        sqlite3_bind_int64(st, 1, id);
    else
        bind_text(st, 1, uuid ? uuid : "");
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    struct event *e = arena_calloc(a, 1, sizeof(*e));
    event_read(a, st, e);
    sqlite3_reset(st);

    st = stmt(c, sql_event_visible);
    if (st == NULL)
        return ERR_DB;
    acl_bind(st, acl);
    sqlite3_bind_int64(st, 4, e->id);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;

    if ((rc = event_orgs_load(c, a, e)) < 0)
        return rc;
    if ((flags & STORE_LOAD_TAGS) && (rc = event_tags_load(c, a, e)) < 0)
        return rc;
    if ((flags & STORE_LOAD_CHILDREN) && (rc = event_children_load(c, a, e, acl, flags)) < 0)
        return rc;
    *out = e;
    return 0;
}

/* ---- search: rendering struct query to SQL ---- */

/* A dynamic statement under construction: SQL text plus the values to bind, in order.
 * Only fixed fragments from this file are appended as text; every value is bound. */
struct sqlb {
    struct buf sql;
    struct arena *a;
    struct bindv {
        bool is_int;
        int64_t i;
        const char *s;
    } *binds;
    size_t n, cap;
};

static void sqlb_text(struct sqlb *b, const char *s)
{
    buf_puts(&b->sql, s);
}

static void sqlb_bind_value(struct sqlb *b, bool is_int, int64_t i, const char *s)
{
    b->binds = arena_grow(b->a, b->binds, b->n, &b->cap, sizeof(*b->binds));
    b->binds[b->n].is_int = is_int;
    b->binds[b->n].i = i;
    b->binds[b->n].s = s;
    b->n++;
}

/* Appends fragment, which contains exactly one '?', binding s. */
static void sqlb_str(struct sqlb *b, const char *fragment, const char *s)
{
    sqlb_text(b, fragment);
    sqlb_bind_value(b, false, 0, s);
}

static void sqlb_int(struct sqlb *b, const char *fragment, int64_t v)
{
    sqlb_text(b, fragment);
    sqlb_bind_value(b, true, v, NULL);
}

static bool has_wildcard(const char *s)
{
    return strchr(s, '%') != NULL;
}

static bool all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/*
 * How one field matches one pattern.  Each renders "(...)" with one or more
 * bound copies of the pattern.
 */
enum match_kind {
    MATCH_ATTR_VALUE,  /* a.value, '%' wildcards */
    MATCH_ATTR_TYPE,   /* a.type */
    MATCH_ATTR_CATEGORY,
    MATCH_TAG_ATTR,    /* tag on the attribute or on its event */
    MATCH_TAG_EVENT,   /* tag on the event or on any of its attributes */
    MATCH_EVENT_ID,    /* event id or uuid */
    MATCH_ATTR_UUID,   /* attribute or event uuid */
    MATCH_EVENT_UUID,
    MATCH_ORG,         /* creator org id, uuid or name */
    MATCH_INFO,
};

static void render_match(struct sqlb *b, enum match_kind kind, const char *v)
{
    switch (kind) {
    case MATCH_ATTR_VALUE:
        /* the whole value, the first part of a composite ("v|..." as an index
         * range: '}' follows '|'), or the second part (value2).  value2 is NULL
         * for plain types: guard it so that NOT (...) stays true there. */
        if (has_wildcard(v)) {
            sqlb_str(b, "(a.value LIKE ?", v);
            sqlb_str(b, " OR (a.value2 IS NOT NULL AND a.value2 LIKE ?))", v);
        } else {
            sqlb_str(b, "(a.value = ?", v);
            sqlb_str(b, " OR (a.value > ?", arena_printf(b->a, "%s|", v));
            sqlb_str(b, " AND a.value < ?)", arena_printf(b->a, "%s}", v));
            sqlb_str(b, " OR (a.value2 IS NOT NULL AND a.value2 = ?))", v);
        }
        break;
    case MATCH_ATTR_TYPE:
        sqlb_str(b, "(a.type = ?)", v);
        break;
    case MATCH_ATTR_CATEGORY:
        sqlb_str(b, "(a.category = ?)", v);
        break;
    case MATCH_TAG_ATTR:
    case MATCH_TAG_EVENT: {
        bool attr_level = kind == MATCH_TAG_ATTR;
        for (int part = 0; part < 2; part++) {
            bool on_attr = (part == 0) == attr_level;
            sqlb_text(b, part == 0 ? "(EXISTS (SELECT 1 FROM " : " OR EXISTS (SELECT 1 FROM ");
            if (on_attr)
                sqlb_text(b, attr_level ? "attribute_tags xt JOIN tags t ON t.id = xt.tag_id "
                                          "WHERE xt.attribute_id = a.id AND "
                                        : "attribute_tags xt JOIN tags t ON t.id = xt.tag_id "
                                          "WHERE xt.event_id = e.id AND ");
            else
                sqlb_text(b, "event_tags xt JOIN tags t ON t.id = xt.tag_id "
                             "WHERE xt.event_id = e.id AND ");
            if (all_digits(v))
                sqlb_int(b, "t.id = ?)", strtoll(v, NULL, 10));
            else if (has_wildcard(v))
                sqlb_str(b, "t.name LIKE ?)", v);
            else
                sqlb_str(b, "t.name = ? COLLATE NOCASE)", v);
        }
        sqlb_text(b, ")");
        break;
    }
    case MATCH_EVENT_ID:
        if (all_digits(v))
            sqlb_int(b, "(e.id = ?)", strtoll(v, NULL, 10));
        else
            sqlb_str(b, "(e.uuid = ?)", v);
        break;
    case MATCH_ATTR_UUID:
        sqlb_str(b, "(a.uuid = ?", v);
        sqlb_str(b, " OR e.uuid = ?)", v);
        break;
    case MATCH_EVENT_UUID:
        sqlb_str(b, "(e.uuid = ?)", v);
        break;
    case MATCH_ORG:
        if (all_digits(v))
            sqlb_int(b, "(e.orgc_id = ?)", strtoll(v, NULL, 10));
        else {
            sqlb_str(b, "(e.orgc_id IN (SELECT id FROM orgs WHERE uuid = ?", v);
            sqlb_str(b, " OR name LIKE ?))", v);
        }
        break;
    case MATCH_INFO:
        sqlb_str(b, "(e.info LIKE ?)", v);
        break;
    }
}

/* Renders " AND (any OR ...) AND all... AND NOT none..." for a filter. */
static void render_filter(struct sqlb *b, const struct filter *f, enum match_kind kind)
{
    if (f->n_any) {
        sqlb_text(b, " AND (");
        for (size_t i = 0; i < f->n_any; i++) {
            if (i)
                sqlb_text(b, " OR ");
            render_match(b, kind, f->any[i]);
        }
        sqlb_text(b, ")");
    }
    for (size_t i = 0; i < f->n_all; i++) {
        sqlb_text(b, " AND ");
        render_match(b, kind, f->all[i]);
    }
    for (size_t i = 0; i < f->n_none; i++) {
        sqlb_text(b, " AND NOT ");
        render_match(b, kind, f->none[i]);
    }
}

static const char *acl_groups(const struct acl_filter *acl)
{
    return acl->sharing_groups ? acl->sharing_groups : "[]";
}

static void render_acl_event(struct sqlb *b, const struct acl_filter *acl)
{
    if (acl->everything)
        return;
    sqlb_int(b, " AND (e.org_id = ?", acl->org_id);
    sqlb_str(b, " OR ((e.distribution IN (1,2,3) OR (e.distribution = 4 AND e.sharing_group_id "
                "IN (SELECT value FROM json_each(?))))", acl_groups(acl));
    if (acl->unpublished_private)
        sqlb_text(b, " AND e.published = 1");
    sqlb_text(b, "))");
}

/* A child (alias a or o) passes its own distribution test. */
static void render_acl_child(struct sqlb *b, const struct acl_filter *acl, const char *alias)
{
    sqlb_text(b, "(");
    sqlb_text(b, alias);
    sqlb_text(b, ".distribution IN (1,2,3,5) OR (");
    sqlb_text(b, alias);
    sqlb_text(b, ".distribution = 4 AND ");
    sqlb_text(b, alias);
    sqlb_str(b, ".sharing_group_id IN (SELECT value FROM json_each(?))))", acl_groups(acl));
}

static void render_acl_attr(struct sqlb *b, const struct acl_filter *acl)
{
    if (acl->everything)
        return;
    sqlb_int(b, " AND (e.org_id = ?", acl->org_id);
    sqlb_text(b, " OR (");
    render_acl_child(b, acl, "a");
    sqlb_text(b, " AND (a.object_id = 0 OR ");
    render_acl_child(b, acl, "o");
    sqlb_text(b, ")))");
}

/* Conditions on attributes shared by attribute search and event search (EXISTS). */
static void render_attr_conditions(struct sqlb *b, const struct query *q, bool for_event)
{
    if (q->attribute_ids)
        sqlb_str(b, " AND a.id IN (SELECT value FROM json_each(?))", q->attribute_ids);
    render_filter(b, &q->value, MATCH_ATTR_VALUE);
    render_filter(b, &q->type, MATCH_ATTR_TYPE);
    render_filter(b, &q->category, MATCH_ATTR_CATEGORY);
    if (q->to_ids != TRI_ANY)
        sqlb_int(b, " AND a.to_ids = ?", q->to_ids == TRI_YES);
    if (!for_event) {
        render_filter(b, &q->tags, MATCH_TAG_ATTR);
        render_filter(b, &q->uuid, MATCH_ATTR_UUID);
        if (q->timestamp_min)
            sqlb_int(b, " AND a.timestamp >= ?", q->timestamp_min);
        if (q->timestamp_max)
            sqlb_int(b, " AND a.timestamp <= ?", q->timestamp_max);
        if (q->deleted != 2)
            sqlb_int(b, " AND a.deleted = ?", q->deleted);
        if (q->deleted != 0 && !q->acl.everything && !q->acl.see_deleted)
            sqlb_int(b, " AND (a.deleted = 0 OR e.org_id = ?)", q->acl.org_id);
    } else {
        sqlb_text(b, " AND a.deleted = 0");
    }
    render_acl_attr(b, &q->acl);
}

/* Conditions on events shared by both searches. */
static void render_event_conditions(struct sqlb *b, const struct query *q)
{
    sqlb_text(b, " WHERE e.deleted = 0");
    if (q->match_nothing)
        sqlb_text(b, " AND 0");
    render_acl_event(b, &q->acl);
    render_filter(b, &q->event_id, MATCH_EVENT_ID);
    if (q->event_ids)
        sqlb_str(b, " AND e.id IN (SELECT value FROM json_each(?))", q->event_ids);
    render_filter(b, &q->org, MATCH_ORG);
    render_filter(b, &q->info, MATCH_INFO);
    if (q->date_from)
        sqlb_str(b, " AND e.date >= ?", q->date_from);
    if (q->date_to)
        sqlb_str(b, " AND e.date <= ?", q->date_to);
    if (q->publish_timestamp_min)
        sqlb_int(b, " AND e.publish_timestamp >= ?", q->publish_timestamp_min);
    if (q->publish_timestamp_max)
        sqlb_int(b, " AND e.publish_timestamp <= ?", q->publish_timestamp_max);
    if (q->published_since)
        sqlb_int(b, " AND e.publish_timestamp >= ?", q->published_since);
    if (q->event_timestamp_min)
        sqlb_int(b, " AND e.timestamp >= ?", q->event_timestamp_min);
    if (q->event_timestamp_max)
        sqlb_int(b, " AND e.timestamp <= ?", q->event_timestamp_max);
    if (q->published != TRI_ANY)
        sqlb_int(b, " AND e.published = ?", q->published == TRI_YES);
}

static void render_limit(struct sqlb *b, const struct query *q)
{
    if (q->limit > 0) {
        sqlb_int(b, " LIMIT ?", q->limit);
        sqlb_int(b, " OFFSET ?", (q->page > 1 ? q->page - 1 : 0) * q->limit);
    }
}

static int sqlb_prepare(struct store_conn *c, struct sqlb *b, sqlite3_stmt **out)
{
    /* a query past SQLite's own limits is the caller's input being too large */
    if (b->sql.err || b->n > (size_t)sqlite3_limit(c->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1))
        return ERR_TOOBIG;
    sqlite3_stmt *st = NULL;
    int prc = sqlite3_prepare_v2(c->db, buf_cstr(&b->sql), (int)b->sql.len, &st, NULL);
    if (prc != SQLITE_OK)
        return prc == SQLITE_TOOBIG ? ERR_TOOBIG : ERR_DB;
    for (size_t i = 0; i < b->n; i++) {
        if (b->binds[i].is_int)
            sqlite3_bind_int64(st, (int)i + 1, b->binds[i].i);
        else
            bind_text(st, (int)i + 1, b->binds[i].s);
    }
    *out = st;
    return 0;
}

int store_attribute_search(struct store_conn *c, struct arena *a, const struct query *q,
                           bool with_tags,
                           int (*fn)(void *ctx, struct attribute *at, const char *event_uuid),
                           void *ctx)
{
    struct sqlb b = {.a = a};
    buf_init(&b.sql, 1 << 20);
    sqlb_text(&b, "SELECT " ATTR_COLS ", e.uuid FROM attributes a JOIN events e ON e.id = "
                  "a.event_id LEFT JOIN objects o ON o.id = a.object_id");
    render_event_conditions(&b, q);
    render_attr_conditions(&b, q, false);
    if (q->after_id)
        sqlb_int(&b, " AND a.id > ?", q->after_id);
    sqlb_text(&b, " ORDER BY a.id");
    render_limit(&b, q);
    sqlite3_stmt *st = NULL;
    int rc = sqlb_prepare(c, &b, &st);
    buf_free(&b.sql);
    if (rc < 0)
        return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct attribute at;
        attr_read(a, st, &at);
        char event_uuid[UUID_STR_LEN + 1];
        col_uuid(event_uuid, st, 17);
        if (with_tags && (rc = attr_tags_load(c, a, &at)) < 0)
            break;
        if ((rc = fn(ctx, &at, event_uuid)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_finalize(st);
    return rc;
}

int store_event_search(struct store_conn *c, struct arena *a, const struct query *q,
                       int (*fn)(void *ctx, struct event *e), void *ctx)
{
    struct sqlb b = {.a = a};
    buf_init(&b.sql, 1 << 20);
    sqlb_text(&b, q->without_counts ? "SELECT " EVENT_COLS_NO_COUNT " FROM events e"
                                    : "SELECT " EVENT_COLS " FROM events e");
    render_event_conditions(&b, q);
    render_filter(&b, &q->tags, MATCH_TAG_EVENT);
    render_filter(&b, &q->uuid, MATCH_EVENT_UUID);
    if (q->timestamp_min)
        sqlb_int(&b, " AND e.timestamp >= ?", q->timestamp_min);
    if (q->timestamp_max)
        sqlb_int(&b, " AND e.timestamp <= ?", q->timestamp_max);
    if (!filter_empty(&q->value) || !filter_empty(&q->type) || !filter_empty(&q->category) ||
        q->to_ids != TRI_ANY || q->attribute_ids) {
        sqlb_text(&b, " AND EXISTS (SELECT 1 FROM attributes a LEFT JOIN objects o ON o.id = "
                      "a.object_id WHERE a.event_id = e.id");
        render_attr_conditions(&b, q, true);
        sqlb_text(&b, ")");
    }
    if (q->after_id)
        sqlb_int(&b, " AND e.id > ?", q->after_id);
    sqlb_text(&b, " ORDER BY e.id");
    render_limit(&b, q);
    sqlite3_stmt *st = NULL;
    int rc = sqlb_prepare(c, &b, &st);
    buf_free(&b.sql);
    if (rc < 0)
        return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct event *e = arena_calloc(a, 1, sizeof(*e));
        event_read(a, st, e);
        if ((rc = event_orgs_load(c, a, e)) < 0 || (rc = event_tags_load(c, a, e)) < 0)
            break;
        if ((rc = fn(ctx, e)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_finalize(st);
    return rc;
}

/* ---- sightings ---- */

/* Every read carries what acl and the answers need: the event's owner, the
 * attribute's uuid and value, the event's uuid and the reporting org. */
#define SIGHTING_COLS                                                                              \
    "s.id, s.uuid, s.attribute_id, s.event_id, s.org_id, s.type, s.source, s.date_sighting, "    \
    "s.deleted, e.org_id, a.uuid, e.uuid, a.value, so.uuid, so.name, s.from_org_id"
#define SIGHTING_FROM                                                                              \
    " FROM sightings s JOIN attributes a ON a.id = s.attribute_id JOIN events e ON "              \
    "e.id = s.event_id LEFT JOIN orgs so ON so.id = s.org_id"

static const char sql_sighting_insert[] =
    "INSERT INTO sightings (uuid, attribute_id, event_id, org_id, type, source, date_sighting, "
    "deleted, seq, from_org_id) VALUES (?,?,?,?,?,?,?,0,?,?)";
static const char sql_sighting_by_id[] = "SELECT " SIGHTING_COLS SIGHTING_FROM " WHERE s.id = ?";
static const char sql_sighting_by_uuid[] =
    "SELECT " SIGHTING_COLS SIGHTING_FROM " WHERE s.uuid = ?";
static const char sql_sighting_delete[] =
    "UPDATE sightings SET deleted = 1, seq = ? WHERE id = ? AND deleted = 0";
static const char sql_sighting_expire[] =
    "UPDATE sightings SET deleted = 1, seq = ? WHERE attribute_id = ? AND org_id = ? AND "
    "type = 2 AND deleted = 0";
static const char sql_sighting_known[] =
    "SELECT uuid FROM sightings WHERE uuid IN (SELECT value FROM json_each(?1)) AND "
    "(?2 = 0 OR event_id = ?2)";
static const char sql_event_sighting_touch[] =
    "UPDATE events SET sighting_timestamp = CASE WHEN ?1 > sighting_timestamp THEN ?1 ELSE "
    "sighting_timestamp + 1 END WHERE id = ?2";

static void sighting_read(struct arena *a, sqlite3_stmt *st, struct sighting *s)
{
    memset(s, 0, sizeof(*s));
    s->id = sqlite3_column_int64(st, 0);
    col_uuid(s->uuid, st, 1);
    s->attribute_id = sqlite3_column_int64(st, 2);
    s->event_id = sqlite3_column_int64(st, 3);
    s->org_id = sqlite3_column_int64(st, 4);
    s->type = sqlite3_column_int(st, 5);
    s->source = col_text(a, st, 6);
    s->date_sighting = sqlite3_column_int64(st, 7);
    s->deleted = sqlite3_column_int(st, 8) != 0;
    s->event_org_id = sqlite3_column_int64(st, 9);
    col_uuid(s->attribute_uuid, st, 10);
    col_uuid(s->event_uuid, st, 11);
    s->value = col_text(a, st, 12);
    if (sqlite3_column_type(st, 13) != SQLITE_NULL) {
        s->org = arena_calloc(a, 1, sizeof(*s->org));
        s->org->id = s->org_id;
        col_uuid(s->org->uuid, st, 13);
        s->org->name = col_text(a, st, 14);
    }
    s->from_org_id = sqlite3_column_int64(st, 15);
}

int store_sighting_insert(struct store_conn *c, struct sighting *s)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql_sighting_insert, &seq);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, s->uuid);
    sqlite3_bind_int64(st, 2, s->attribute_id);
    sqlite3_bind_int64(st, 3, s->event_id);
    sqlite3_bind_int64(st, 4, s->org_id);
    sqlite3_bind_int(st, 5, s->type);
    bind_text(st, 6, s->source ? s->source : "");
    sqlite3_bind_int64(st, 7, s->date_sighting);
    sqlite3_bind_int64(st, 8, seq);
    sqlite3_bind_int64(st, 9, s->from_org_id);
    return step_insert(c, st, &s->id);
}

int store_sighting_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                       struct sighting **out)
{
    sqlite3_stmt *st = stmt(c, id > 0 ? sql_sighting_by_id : sql_sighting_by_uuid);
    if (st == NULL)
        return ERR_DB;
    if (id > 0)
        sqlite3_bind_int64(st, 1, id);
    else
        bind_text(st, 1, uuid ? uuid : "");
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    *out = arena_alloc(a, sizeof(**out));
    sighting_read(a, st, *out);
    sqlite3_reset(st);
    return 0;
}

/* Appends " AND <column> IN (<list>)" when list (a JSON array) is given. */
static void sqlb_in_list(struct sqlb *b, const char *column, const char *list)
{
    if (list == NULL)
        return;
    sqlb_text(b, " AND ");
    sqlb_text(b, column);
    sqlb_str(b, " IN (SELECT value FROM json_each(?))", list);
}

int store_sighting_search(struct store_conn *c, struct arena *a, const struct sighting_query *q,
                          int (*fn)(void *ctx, struct sighting *s), void *ctx)
{
    struct sqlb b = {.a = a};
    buf_init(&b.sql, 1 << 20);
    sqlb_text(&b, "SELECT " SIGHTING_COLS SIGHTING_FROM
                  " LEFT JOIN objects o ON o.id = a.object_id"
                  " WHERE a.deleted = 0 AND e.deleted = 0");
    if (!q->with_deleted)
        sqlb_text(&b, " AND s.deleted = 0");
    render_acl_event(&b, &q->acl);
    render_acl_attr(&b, &q->acl);
    sqlb_in_list(&b, "s.id", q->ids);
    sqlb_in_list(&b, "s.event_id", q->event_ids);
    sqlb_in_list(&b, "s.attribute_id", q->attribute_ids);
    sqlb_in_list(&b, "e.uuid", q->event_uuids);
    sqlb_in_list(&b, "a.uuid", q->attribute_uuids);
    sqlb_in_list(&b, "s.type", q->types);
    sqlb_in_list(&b, "s.source", q->sources);
    sqlb_in_list(&b, "s.org_id", q->org_ids);
    if (q->not_org_ids)
        sqlb_str(&b, " AND s.org_id NOT IN (SELECT value FROM json_each(?))", q->not_org_ids);
    if (q->from)
        sqlb_int(&b, " AND s.date_sighting >= ?", q->from);
    if (q->to)
        sqlb_int(&b, " AND s.date_sighting <= ?", q->to);
    if (q->after_id > 0)
        sqlb_int(&b, " AND s.id > ?", q->after_id);
    sqlb_text(&b, q->order == SIGHTING_NEWEST_FIRST  ? " ORDER BY s.date_sighting DESC, s.id DESC"
                  : q->order == SIGHTING_BY_ATTRIBUTE ? " ORDER BY s.attribute_id, s.id"
                                                      : " ORDER BY s.id");
    if (q->limit > 0)
        sqlb_int(&b, " LIMIT ?", q->limit);
    sqlite3_stmt *st = NULL;
    int rc = sqlb_prepare(c, &b, &st);
    buf_free(&b.sql);
    if (rc < 0)
        return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct sighting s;
        sighting_read(a, st, &s);
        if ((rc = fn(ctx, &s)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_finalize(st);
    return rc;
}

/* Runs a tombstoning UPDATE: ?1 the seq, then the statement's own one or two
 * parameters.  Returns the number of rows it changed, or an error. */
static int sighting_tombstone(struct store_conn *c, const char *sql, int64_t p2, int64_t p3)
{
    int64_t seq;
    sqlite3_stmt *st = write_stmt(c, sql, &seq);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, p2);
    if (sqlite3_bind_parameter_count(st) >= 3)
        sqlite3_bind_int64(st, 3, p3);
    int rc = step_done(st);
    return rc < 0 ? rc : sqlite3_changes(c->db);
}

int store_sighting_delete(struct store_conn *c, int64_t id)
{
    int rc = sighting_tombstone(c, sql_sighting_delete, id, 0);
    return rc == 0 ? ERR_NOTFOUND : rc < 0 ? rc : 0;
}

int store_sighting_expire_previous(struct store_conn *c, int64_t attribute_id, int64_t org_id)
{
    int rc = sighting_tombstone(c, sql_sighting_expire, attribute_id, org_id);
    return rc < 0 ? rc : 0;
}

int store_sighting_uuids_known(struct store_conn *c, int64_t event_id, const char *uuids_json,
                               int (*fn)(void *ctx, const char *uuid), void *ctx)
{
    sqlite3_stmt *st = stmt(c, sql_sighting_known);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, uuids_json);
    sqlite3_bind_int64(st, 2, event_id);
    int step, rc = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *uuid = (const char *)sqlite3_column_text(st, 0);
        if (uuid != NULL && (rc = fn(ctx, uuid)) != 0)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ERR_DB;
    sqlite3_reset(st);
    return rc;
}

int store_event_sighting_touch(struct store_conn *c, int64_t event_id, int64_t now)
{
    sqlite3_stmt *st = stmt(c, sql_event_sighting_touch);
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, event_id);
    int rc = step_done(st);
    return rc == 0 && sqlite3_changes(c->db) == 0 ? ERR_NOTFOUND : rc;
}

/* ---- job leases ---- */

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

int store_lease_take(struct store_conn *c, const char *name, const char *holder, int64_t now,
                     int64_t expires, bool on_demand, const char *dead_holder, bool *taken)
{
    *taken = false;
    sqlite3_stmt *st = stmt(c, sql_lease_take);
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

int store_lease_renew(struct store_conn *c, const char *holder, int64_t expires)
{
    sqlite3_stmt *st = stmt(c, sql_lease_renew);
    if (st == NULL)
        return ERR_DB;
    bind_text(st, 1, holder);
    sqlite3_bind_int64(st, 2, expires);
    return step_done(st);
}

int store_lease_release(struct store_conn *c, const char *name, const char *holder, int64_t now,
                        int rc, int64_t failures, int64_t not_before)
{
    sqlite3_stmt *st = stmt(c, sql_lease_release);
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

int store_lease_get(struct store_conn *c, const char *name, struct job_lease_row *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = stmt(c, sql_lease_get);
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
