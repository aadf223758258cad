/*
 * conn.c - the SQLite backend's store: opening (connections, migrations, the
 * texts built at open), the reader pool and the writer, the statement cache,
 * transactions, savepoints and the change sequence.  See sqlite_int.h.
 */
#include "store/sqlite/sqlite_int.h"

#include "util/alloc.h"

#include <stdlib.h>

#include "util/banned.h"

/* Statement cache: open addressing on the text's address, grown (doubled) at half
 * full, so any number of SQL texts fits.  It starts small on purpose: every test
 * run then grows it several times (~120 texts today). */
#define STMT_CACHE_MIN 16

static size_t stmt_home(const char *sql, size_t cap)
{
    return (size_t)(((uint64_t)(uintptr_t)sql * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

/* Doubles the cache (statements keep their handles: callers may hold them). */
static void stmt_cache_grow(struct sqlite_conn *c)
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

sqlite3_stmt *sq_stmt(struct sqlite_conn *c, const char *sql)
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

int sq_exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : ERR_DB;
}

/* ---- sets as JSON arrays (sqlite_int.h) ---- */

size_t sq_value_max(sqlite3 *db)
{
    return (size_t)sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1);
}

void sq_set_text_ids(struct buf *b, struct id_set s)
{
    buf_putc(b, '[');
    for (size_t i = 0; i < s.n; i++)
        buf_printf(b, "%s%lld", i ? "," : "", (long long)s.v[i]);
    buf_putc(b, ']');
}

void sq_set_text_strs(struct buf *b, struct str_set s)
{
    buf_putc(b, '[');
    for (size_t i = 0; i < s.n; i++) {
        buf_puts(b, i ? ",\"" : "\"");
        for (const unsigned char *p = (const unsigned char *)s.v[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                buf_printf(b, "\\%c", *p);
            else if (*p < 0x20)
                buf_printf(b, "\\u%04x", *p);
            else
                buf_putc(b, (char)*p);
        }
        buf_putc(b, '"');
    }
    buf_putc(b, ']');
}

int sq_bind_set_text(sqlite3_stmt *st, int i, struct buf *b)
{
    if (b->err) {
        buf_free(b);
        return ERR_TOOBIG;
    }
    size_t len;
    char *text = buf_take(b, &len);
    /* SQLite frees the text, even when the binding fails */
    int rc = sqlite3_bind_text64(st, i, text, len, free, SQLITE_UTF8);
    return rc == SQLITE_OK ? 0 : rc == SQLITE_TOOBIG ? ERR_TOOBIG : ERR_DB;
}

int sq_bind_id_set(sqlite3_stmt *st, int i, struct id_set s)
{
    struct buf b;
    buf_init(&b, sq_value_max(sqlite3_db_handle(st)));
    sq_set_text_ids(&b, s);
    return sq_bind_set_text(st, i, &b);
}

int sq_bind_str_set(sqlite3_stmt *st, int i, struct str_set s)
{
    struct buf b;
    buf_init(&b, sq_value_max(sqlite3_db_handle(st)));
    sq_set_text_strs(&b, s);
    return sq_bind_set_text(st, i, &b);
}

static void conn_close(struct sqlite_conn *c)
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

static int conn_open(struct sqlite_store *s, struct sqlite_conn *c, bool writer, struct diag *d)
{
    memset(c, 0, sizeof(*c));
    c->base.ops = &store_sqlite_ops;
    c->store = s;
    c->writer = writer;
    int flags = SQLITE_OPEN_NOMUTEX |
                (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
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
        if (sq_exec(c->db, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL;"
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
        sq_exec(c->db, "PRAGMA cache_size=-32768; PRAGMA mmap_size=2147418112;");
    }
    return 0;
}

static void texts_free(struct sqlite_texts *t)
{
    free(t->event_visible);
    free(t->event_attrs);
    free(t->event_objs);
    free(t->role_get);
    free(t->role_list);
}

void sq_close(struct store *base)
{
    struct sqlite_store *s = sq_store(base);
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
    texts_free(&s->sql);
    free(s->path);
    free(s);
}

int sq_open(const char *url, unsigned readers, unsigned flags, struct store **out, struct diag *d)
{
    const char *path = url;
    if (strncmp(url, "sqlite:", 7) == 0)
        path = url + 7;
    if (*path == '\0')
        return diag_set(d, ERR_INVAL, "db", "empty database path");
    if (readers == 0)
        readers = 1;
    struct sqlite_store *s = xcalloc(1, sizeof(*s));
    s->base.ops = &store_sqlite_ops;
    s->path = xstrdup(path);
    s->read_only = (flags & STORE_READ_ONLY) != 0;
    pthread_mutex_init(&s->writer_lock, NULL);
    pthread_mutex_init(&s->pool_lock, NULL);
    pthread_cond_init(&s->pool_cond, NULL);
    sq_event_texts_build(&s->sql);
    sq_role_texts_build(&s->sql);
    s->writer = xcalloc(1, sizeof(*s->writer));
    int rc = conn_open(s, s->writer, true, d);
    if (rc == 0)
        rc = sq_migrate(s, d);
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
        sq_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}

/* Transaction control goes through the statement cache: a small request would
 * otherwise spend a good part of its time re-parsing BEGIN and COMMIT. */
static const char sql_begin[] = "BEGIN";
static const char sql_begin_immediate[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";

static int run_cached(struct sqlite_conn *c, const char *sql)
{
    sqlite3_stmt *st = sq_stmt(c, sql);
    if (st == NULL)
        return ERR_DB;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : ERR_DB;
}

int sq_begin_read(struct store *base, struct store_conn **out)
{
    struct sqlite_store *s = sq_store(base);
    pthread_mutex_lock(&s->pool_lock);
    while (s->free_readers == NULL)
        pthread_cond_wait(&s->pool_cond, &s->pool_lock);
    struct sqlite_conn *c = s->free_readers;
    s->free_readers = c->next_free;
    pthread_mutex_unlock(&s->pool_lock);
    if (run_cached(c, sql_begin) < 0) {
        sq_end(&c->base, false);
        return ERR_DB;
    }
    c->in_tx = true;
    *out = &c->base;
    return 0;
}

int sq_begin_write(struct store *base, struct store_conn **out)
{
    struct sqlite_store *s = sq_store(base);
    if (s->read_only)
        return ERR_UNAVAILABLE;
    pthread_mutex_lock(&s->writer_lock);
    struct sqlite_conn *c = s->writer;
    if (run_cached(c, sql_begin_immediate) < 0) {
        pthread_mutex_unlock(&s->writer_lock);
        return ERR_DB;
    }
    c->in_tx = true;
    *out = &c->base;
    return 0;
}

int sq_end(struct store_conn *base, bool commit)
{
    struct sqlite_conn *c = sq_conn(base);
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
    struct sqlite_store *s = c->store;
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

int sq_savepoint(struct store_conn *base)
{
    return sq_exec(sq_conn(base)->db, "SAVEPOINT item");
}

int sq_savepoint_end(struct store_conn *base, bool keep)
{
    struct sqlite_conn *c = sq_conn(base);
    if (keep)
        return sq_exec(c->db, "RELEASE item");
    int rc = sq_exec(c->db, "ROLLBACK TO item");
    if (rc == 0)
        rc = sq_exec(c->db, "RELEASE item");
    return rc;
}

static const char sql_seq_next[] =
    "UPDATE change_seq SET value = value + 1 WHERE id = 1 RETURNING value";

/*
 * The seq stamped on the rows a write touches: one value per transaction,
 * taken at its first write, so that a reader asking "changes since N" sees a
 * transaction whole or not at all, and a bulk import costs one update of the
 * sequence rather than one per row.
 */
int64_t sq_next_seq(struct sqlite_conn *c)
{
    if (c->tx_seq != 0)
        return c->tx_seq;
    sqlite3_stmt *st = sq_stmt(c, sql_seq_next);
    if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
        return ERR_DB;
    c->tx_seq = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return c->tx_seq;
}

sqlite3_stmt *sq_write_stmt(struct sqlite_conn *c, const char *sql, int64_t *seq)
{
    *seq = sq_next_seq(c);
    return *seq < 0 ? NULL : sq_stmt(c, sql);
}

int sq_row_by_ref(struct sqlite_conn *c, const char *sql_by_id, const char *sql_by_uuid, int64_t id,
                  const char *uuid, sqlite3_stmt **st)
{
    *st = sq_stmt(c, id > 0 ? sql_by_id : sql_by_uuid);
    if (*st == NULL)
        return ERR_DB;
    if (id > 0)
        sqlite3_bind_int64(*st, 1, id);
    else
        bind_text(*st, 1, uuid ? uuid : "");
    int rc = sqlite3_step(*st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? ERR_NOTFOUND : ERR_DB;
    return 0;
}

/* SQLite cannot tell when another process commits: the caller polls. */
int sq_wait_change(struct store *base, unsigned timeout_ms)
{
    (void)base;
    (void)timeout_ms;
    return ERR_UNSUPPORTED;
}
