/*
 * copy.c - the SQLite backend's side of copying a whole database (liaison
 * migrate): rows out of a table as typed values, rows into an emptied table
 * through one prepared INSERT, and the counters set after the copy.
 */
#include "store/sqlite/sqlite_int.h"

#include "util/alloc.h"

#include <stdlib.h>

#include "util/banned.h"

#define COPY_COLS_MAX 64

int sq_copy_out(struct store_conn *base, const char *table,
                int (*fn)(void *ctx, size_t n, const char *const *names,
                          const struct store_value *values),
                void *ctx)
{
    struct sqlite_conn *c = sq_conn(base);
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT * FROM %s", table);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
        return ERR_DB;
    int n = sqlite3_column_count(st);
    if (n > COPY_COLS_MAX) {
        sqlite3_finalize(st);
        return ERR_TOOBIG;
    }
    const char *names[COPY_COLS_MAX];
    struct store_value v[COPY_COLS_MAX];
    for (int i = 0; i < n; i++)
        names[i] = sqlite3_column_name(st, i);
    int rc, stop = 0;
    while (stop == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < n; i++) {
            memset(&v[i], 0, sizeof(v[i]));
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_NULL:
                v[i].kind = STORE_NULL;
                break;
            case SQLITE_INTEGER:
                v[i].kind = STORE_INT;
                v[i].i = sqlite3_column_int64(st, i);
                break;
            case SQLITE_BLOB:
                v[i].kind = STORE_BLOB;
                v[i].p = sqlite3_column_blob(st, i);
                v[i].len = (size_t)sqlite3_column_bytes(st, i);
                break;
            default: /* text (and real, which the schema has none of) */
                v[i].kind = STORE_TEXT;
                v[i].p = (const char *)sqlite3_column_text(st, i);
                v[i].len = (size_t)sqlite3_column_bytes(st, i);
                break;
            }
        }
        stop = fn(ctx, (size_t)n, names, v);
    }
    sqlite3_finalize(st);
    if (stop != 0)
        return stop;
    return rc == SQLITE_DONE ? 0 : ERR_DB;
}

int sq_copy_in_begin(struct store_conn *base, const char *table, size_t n, const char *const *names)
{
    struct sqlite_conn *c = sq_conn(base);
    if (n > COPY_COLS_MAX)
        return ERR_TOOBIG;
    char del[128];
    snprintf(del, sizeof(del), "DELETE FROM %s", table);
    if (sq_exec(c->db, del) < 0)
        return ERR_DB;
    if (n == 0)
        return 0;
    struct buf b;
    buf_init(&b, 64 * 1024);
    buf_printf(&b, "INSERT INTO %s (", table);
    for (size_t i = 0; i < n; i++) {
        if (!store_copy_name_ok(names[i])) {
            buf_free(&b);
            return ERR_INVAL;
        }
        buf_printf(&b, "%s\"%s\"", i ? ", " : "", names[i]);
    }
    buf_puts(&b, ") VALUES (");
    for (size_t i = 0; i < n; i++)
        buf_puts(&b, i ? ", ?" : "?");
    buf_puts(&b, ")");
    int rc =
        sqlite3_prepare_v2(c->db, buf_cstr(&b), -1, &c->copy_st, NULL) == SQLITE_OK ? 0 : ERR_DB;
    buf_free(&b);
    c->copy_n = n;
    return rc;
}

int sq_copy_in_row(struct store_conn *base, const struct store_value *v)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = c->copy_st;
    if (st == NULL)
        return ERR_DB;
    sqlite3_reset(st);
    for (size_t i = 0; i < c->copy_n; i++) {
        int col = (int)i + 1;
        switch (v[i].kind) {
        case STORE_NULL:
            sqlite3_bind_null(st, col);
            break;
        case STORE_INT:
            sqlite3_bind_int64(st, col, v[i].i);
            break;
        case STORE_TEXT:
            sqlite3_bind_text(st, col, v[i].p, (int)v[i].len, SQLITE_TRANSIENT);
            break;
        case STORE_BLOB:
            sqlite3_bind_blob(st, col, v[i].p, (int)v[i].len, SQLITE_TRANSIENT);
            break;
        }
    }
    return step_done(st);
}

int sq_copy_in_end(struct store_conn *base)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_finalize(c->copy_st);
    c->copy_st = NULL;
    c->copy_n = 0;
    return 0;
}

/* Ids need nothing: an INTEGER PRIMARY KEY continues after the largest. */
int sq_copy_finish(struct store_conn *base, int64_t seq)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, "UPDATE change_seq SET value = ? WHERE id = 1");
    if (st == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, seq);
    return step_done(st);
}
