/*
 * copy.c - the PostgreSQL backend's side of copying a whole database
 * (liaison migrate): rows out of a table through a cursor as typed values,
 * rows into an emptied table through COPY ... FROM STDIN (text format), and
 * the identity counters and change sequence set after the copy.  Its COPY
 * writer (pg_copy_start ... pg_copy_end) also serves the bulk inserts of
 * events.c.
 */
#include "store/pg/pg_int.h"

#include "util/alloc.h"

#include <stdlib.h>

#include "util/banned.h"

#define COPY_COLS_MAX 64

/* Type oids (pg_type.h) of the integer columns and of bytea. */
enum { OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23 };

int pg_copy_out(struct store_conn *base, const char *table,
                int (*fn)(void *ctx, size_t n, const char *const *names,
                          const struct store_value *values),
                void *ctx)
{
    struct pg_conn *c = pg_conn(base);
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT * FROM %s", table);
    struct pg_cursor cur;
    int rc = pg_cursor_open(&cur, c, sql, NULL, 2000);
    struct arena *a = arena_new();
    const char *names[COPY_COLS_MAX];
    struct store_value v[COPY_COLS_MAX];
    while (rc == 0 && (rc = pg_cursor_next(&cur)) > 0) {
        int n = PQnfields(cur.res);
        if (n > COPY_COLS_MAX) {
            rc = ERR_TOOBIG;
            break;
        }
        if (arena_size(a) > ((size_t)1 << 20)) { /* bytea values: bounded memory */
            arena_free(a);
            a = arena_new();
        }
        for (int i = 0; i < n; i++) {
            names[i] = PQfname(cur.res, i);
            memset(&v[i], 0, sizeof(v[i]));
            Oid type = PQftype(cur.res, i);
            if (pg_null(cur.res, cur.row, i)) {
                v[i].kind = STORE_NULL;
            } else if (type == OID_INT8 || type == OID_INT4 || type == OID_INT2) {
                v[i].kind = STORE_INT;
                v[i].i = pg_int(cur.res, cur.row, i);
            } else if (type == OID_BYTEA) {
                v[i].kind = STORE_BLOB;
                v[i].p = (const char *)pg_bytes(a, cur.res, cur.row, i, &v[i].len);
            } else {
                v[i].kind = STORE_TEXT;
                v[i].p = pg_str(cur.res, cur.row, i);
                v[i].len = (size_t)PQgetlength(cur.res, cur.row, i);
            }
        }
        rc = fn(ctx, (size_t)n, names, v); /* 0 goes on to the next row */
    }
    pg_cursor_close(&cur);
    arena_free(a);
    return rc;
}

int pg_copy_in_begin(struct store_conn *base, const char *table, size_t n, const char *const *names)
{
    struct pg_conn *c = pg_conn(base);
    if (n > COPY_COLS_MAX)
        return ERR_TOOBIG;
    char del[128];
    snprintf(del, sizeof(del), "DELETE FROM %s", table);
    int rc = pg_exec_simple(c, del);
    if (rc < 0 || n == 0)
        return rc;
    struct buf b;
    buf_init(&b, 64 * 1024);
    buf_printf(&b, "COPY %s (", table);
    for (size_t i = 0; i < n; i++) {
        if (!store_copy_name_ok(names[i])) {
            buf_free(&b);
            return ERR_INVAL;
        }
        buf_printf(&b, "%s\"%s\"", i ? ", " : "", names[i]);
    }
    buf_puts(&b, ") FROM STDIN");
    rc = pg_copy_start(c, buf_cstr(&b));
    buf_free(&b);
    if (rc == 0)
        c->copy_n = n;
    return rc;
}

int pg_copy_in_row(struct store_conn *base, const struct store_value *v)
{
    struct pg_conn *c = pg_conn(base);
    if (!c->copying)
        return ERR_DB;
    struct buf b;
    buf_init(&b, PG_VALUE_MAX);
    pg_copy_row(&b, v, c->copy_n);
    int rc = pg_copy_send(c, &b);
    buf_free(&b);
    return rc;
}

int pg_copy_in_end(struct store_conn *base)
{
    return pg_copy_end(pg_conn(base), false);
}

/* ---- COPY ... FROM STDIN, for this file and for bulk inserts ---- */

int pg_copy_start(struct pg_conn *c, const char *sql)
{
    /* PQexec stops at the COPY and returns its result (an earlier failure
     * stops it before) */
    PGresult *r = PQexec(c->db, sql);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_COPY_IN)
        rc = pg_error(c, r);
    PQclear(r);
    c->copying = rc == 0;
    return rc;
}

/* Appends s (len bytes) escaped for COPY's text format, runs of plain bytes
 * at once. */
static void copy_text(struct buf *b, const char *s, size_t len)
{
    size_t plain = 0;
    for (size_t i = 0; i < len; i++) {
        const char *esc;
        switch (s[i]) {
        case '\\':
            esc = "\\\\";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        default:
            continue;
        }
        buf_append(b, s + plain, i - plain);
        buf_puts(b, esc);
        plain = i + 1;
    }
    buf_append(b, s + plain, len - plain);
}

void pg_copy_row(struct buf *b, const struct store_value *v, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(b, '\t');
        switch (v[i].kind) {
        case STORE_NULL:
            buf_puts(b, "\\N");
            break;
        case STORE_INT:
            buf_printf(b, "%lld", (long long)v[i].i);
            break;
        case STORE_TEXT:
            copy_text(b, v[i].p, v[i].len);
            break;
        case STORE_BLOB: /* bytea's hex input, its backslash escaped for COPY */
            buf_puts(b, "\\\\x");
            for (size_t k = 0; k < v[i].len; k++) {
                buf_putc(b, hex[(unsigned char)v[i].p[k] >> 4]);
                buf_putc(b, hex[(unsigned char)v[i].p[k] & 15]);
            }
            break;
        }
    }
    buf_putc(b, '\n');
}

int pg_copy_send(struct pg_conn *c, struct buf *b)
{
    int rc = 0;
    if (b->err)
        rc = ERR_TOOBIG;
    else if (b->len > 0 && PQputCopyData(c->db, b->ptr, (int)b->len) != 1)
        rc = pg_error(c, NULL);
    buf_reset(b);
    return rc;
}

int pg_copy_end(struct pg_conn *c, bool abort)
{
    if (!c->copying)
        return 0;
    c->copying = false;
    int rc = 0;
    if (PQputCopyEnd(c->db, abort ? "a row could not be sent" : NULL) != 1)
        rc = pg_error(c, NULL);
    PGresult *r;
    while ((r = PQgetResult(c->db)) != NULL) {
        if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = pg_error(c, r);
        PQclear(r);
    }
    return rc;
}

static const char sql_identity_tables[] =
    "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema()"
    " AND column_name = 'id' AND is_identity = 'YES' ORDER BY table_name";
static const char sql_change_set[] =
    "SELECT setval('change_seq', GREATEST(?::bigint, 1), ?::bigint > 0)";
static const char sql_head_set[] = "UPDATE change_head SET value = ? WHERE id = 1";

int pg_copy_finish(struct store_conn *base, int64_t seq)
{
    struct pg_conn *c = pg_conn(base);
    int rc = 0;
    PGresult *r = pg_exec(c, sql_identity_tables, NULL, &rc);
    if (r == NULL)
        return rc;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        const char *t = pg_str(r, i, 0);
        if (!store_copy_name_ok(t))
            continue;
        char sql[256];
        snprintf(sql, sizeof(sql),
                 "SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE(MAX(id), 0) + 1, "
                 "false) FROM %s",
                 t, t);
        rc = pg_exec_simple(c, sql);
    }
    PQclear(r);
    struct pg_params p;
    if (rc == 0) {
        pg_params_init(&p);
        pg_p_int(&p, seq);
        pg_p_int(&p, seq);
        rc = pg_run(c, sql_change_set, &p);
    }
    if (rc == 0) {
        pg_params_init(&p);
        pg_p_int(&p, seq);
        rc = pg_run(c, sql_head_set, &p);
    }
    return rc;
}
