/*
 * conn.c - the PostgreSQL backend's store: opening (connections, migrations,
 * the texts built at open), the reader pool and the writer, prepared
 * statements, parameters, cursors, transactions, savepoints, the change
 * sequence and the LISTEN connection.  See pg_int.h.
 */
#include "store/pg/pg_int.h"

#include "util/alloc.h"
#include "util/log.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>

#include "util/banned.h"

/* ---- parameters ---- */

static bool param_slot(struct pg_params *p)
{
    if (p->n >= PG_MAX_PARAMS) {
        p->err = ERR_DB;
        return false;
    }
    return true;
}

void pg_p_int(struct pg_params *p, int64_t v)
{
    if (!param_slot(p))
        return;
    snprintf(p->num[p->n], sizeof(p->num[0]), "%" PRId64, v);
    p->v[p->n] = p->num[p->n];
    p->n++;
}

void pg_p_bool(struct pg_params *p, bool v)
{
    pg_p_int(p, v ? 1 : 0);
}

void pg_p_text(struct pg_params *p, const char *s)
{
    if (!param_slot(p))
        return;
    p->v[p->n++] = s;
}

/* Adds text (malloc'd, taken) as the next value. */
static void param_owned(struct pg_params *p, char *text)
{
    if (text == NULL || p->n_owned >= (int)(sizeof(p->owned) / sizeof(p->owned[0])) ||
        !param_slot(p)) {
        free(text);
        p->err = ERR_DB;
        return;
    }
    p->owned[p->n_owned++] = text;
    p->v[p->n++] = text;
}

void pg_p_bytes(struct pg_params *p, const void *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    char *t = xmalloc(2 * len + 3);
    t[0] = '\\';
    t[1] = 'x';
    for (size_t i = 0; i < len; i++) {
        t[2 + 2 * i] = hex[((const unsigned char *)data)[i] >> 4];
        t[3 + 2 * i] = hex[((const unsigned char *)data)[i] & 15];
    }
    t[2 + 2 * len] = '\0';
    param_owned(p, t);
}

void pg_p_ids(struct pg_params *p, struct id_set s)
{
    struct buf b;
    buf_init(&b, PG_VALUE_MAX);
    buf_putc(&b, '{');
    for (size_t i = 0; i < s.n; i++)
        buf_printf(&b, "%s%" PRId64, i ? "," : "", s.v[i]);
    buf_putc(&b, '}');
    param_owned(p, b.err ? (buf_free(&b), NULL) : buf_take(&b, NULL));
}

/* An array literal element: always quoted, '"' and '\' escaped. */
void pg_p_strs(struct pg_params *p, struct str_set s)
{
    struct buf b;
    buf_init(&b, PG_VALUE_MAX);
    buf_putc(&b, '{');
    for (size_t i = 0; i < s.n; i++) {
        buf_puts(&b, i ? ",\"" : "\"");
        for (const char *c = s.v[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                buf_putc(&b, '\\');
            buf_putc(&b, *c);
        }
        buf_putc(&b, '"');
    }
    buf_putc(&b, '}');
    param_owned(p, b.err ? (buf_free(&b), NULL) : buf_take(&b, NULL));
}

void pg_params_free(struct pg_params *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < p->n_owned; i++)
        free(p->owned[i]);
    p->n_owned = 0;
}

char *pg_number_placeholders(const char *sql, int *n)
{
    struct buf b;
    buf_init(&b, PG_VALUE_MAX);
    int count = 0;
    char quote = 0;
    for (const char *s = sql; *s; s++) {
        if (quote) {
            if (*s == quote)
                quote = 0; /* a doubled quote re-opens at once: same result */
            buf_putc(&b, *s);
        } else if (*s == '\'' || *s == '"') {
            quote = *s;
            buf_putc(&b, *s);
        } else if (*s == '?') {
            buf_printf(&b, "$%d", ++count);
        } else {
            buf_putc(&b, *s);
        }
    }
    *n = count;
    if (b.err) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b, NULL);
}

/* ---- errors ---- */

static bool sqlstate_is(const char *state, const char *prefix)
{
    return state != NULL && strncmp(state, prefix, strlen(prefix)) == 0;
}

int pg_error(struct pg_conn *c, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (PQstatus(c->db) != CONNECTION_OK || sqlstate_is(state, "08") || sqlstate_is(state, "57P")) {
        if (!c->broken)
            log_warnx("store: PostgreSQL connection lost: %s", PQerrorMessage(c->db));
        c->broken = true;
        return ERR_UNAVAILABLE;
    }
    if (sqlstate_is(state, "23505"))
        return ERR_CONFLICT;
    if (sqlstate_is(state, "25006")) /* read-only transaction: a standby */
        return ERR_UNAVAILABLE;
    if (!sqlstate_is(state, "25P02")) /* the first error of the transaction was logged */
        log_warnx("store: PostgreSQL: %s", r ? PQresultErrorMessage(r) : PQerrorMessage(c->db));
    return ERR_DB;
}

/* ---- the statement cache: open addressing on the text's address ---- */

#define STMT_CACHE_MIN 32

static size_t stmt_home(const char *sql, size_t cap)
{
    return (size_t)(((uint64_t)(uintptr_t)sql * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

static void stmt_cache_grow(struct pg_conn *c)
{
    size_t cap = c->cache_cap ? c->cache_cap * 2 : STMT_CACHE_MIN;
    struct pg_stmt_slot *t = xcalloc(cap, sizeof(*t));
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

/* The name of sql's prepared statement on c, preparing it on first use; NULL
 * on failure (*rc set). */
static const char *stmt_name(struct pg_conn *c, const char *sql, int *rc)
{
    if (2 * (c->cache_used + 1) > c->cache_cap)
        stmt_cache_grow(c);
    size_t k = stmt_home(sql, c->cache_cap);
    for (; c->cache[k].sql != NULL; k = (k + 1) & (c->cache_cap - 1))
        if (c->cache[k].sql == sql)
            return c->cache[k].name;
    int n;
    char *text = pg_number_placeholders(sql, &n);
    if (text == NULL) {
        *rc = ERR_DB;
        return NULL;
    }
    char name[16];
    snprintf(name, sizeof(name), "s%u", ++c->n_prepared);
    PGresult *r = PQprepare(c->db, name, text, n, NULL);
    free(text);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        *rc = pg_error(c, r);
        PQclear(r);
        return NULL;
    }
    PQclear(r);
    c->cache[k].sql = sql;
    snprintf(c->cache[k].name, sizeof(c->cache[k].name), "%s", name);
    c->cache_used++;
    return c->cache[k].name;
}

static void stmt_cache_clear(struct pg_conn *c)
{
    if (c->cache != NULL)
        memset(c->cache, 0, c->cache_cap * sizeof(*c->cache));
    c->cache_used = 0;
}

/* The result of an execution: r when it succeeded, else NULL with *rc. */
static PGresult *result_of(struct pg_conn *c, PGresult *r, int *rc)
{
    ExecStatusType st = PQresultStatus(r);
    if (r != NULL && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK))
        return r;
    int code = pg_error(c, r);
    if (rc != NULL)
        *rc = code;
    PQclear(r);
    return NULL;
}

static const char *const no_values[1] = {NULL};

PGresult *pg_exec(struct pg_conn *c, const char *sql, struct pg_params *p, int *rc)
{
    int code = ERR_DB;
    PGresult *r = NULL;
    if (p != NULL && p->err) {
        code = p->err;
    } else {
        const char *name = stmt_name(c, sql, &code);
        if (name != NULL)
            r = result_of(
                c, PQexecPrepared(c->db, name, p ? p->n : 0, p ? p->v : no_values, NULL, NULL, 0),
                &code);
    }
    pg_params_free(p);
    if (r == NULL && rc != NULL)
        *rc = code;
    return r;
}

PGresult *pg_exec_text(struct pg_conn *c, const char *sql, struct pg_params *p, int *rc)
{
    int code = ERR_DB, n;
    PGresult *r = NULL;
    char *text = NULL;
    if (p != NULL && p->err)
        code = p->err;
    else if ((text = pg_number_placeholders(sql, &n)) != NULL)
        r = result_of(
            c, PQexecParams(c->db, text, p ? p->n : 0, NULL, p ? p->v : no_values, NULL, NULL, 0),
            &code);
    free(text);
    pg_params_free(p);
    if (r == NULL && rc != NULL)
        *rc = code;
    return r;
}

int pg_run(struct pg_conn *c, const char *sql, struct pg_params *p)
{
    int rc = 0;
    PGresult *r = pg_exec(c, sql, p, &rc);
    PQclear(r);
    return r ? 0 : rc;
}

int pg_insert(struct pg_conn *c, const char *sql, struct pg_params *p, int64_t *id)
{
    int rc = 0;
    PGresult *r = pg_exec(c, sql, p, &rc);
    if (r == NULL)
        return rc;
    rc = PQntuples(r) > 0 ? 0 : ERR_CONFLICT;
    if (rc == 0 && id != NULL)
        *id = pg_int(r, 0, 0);
    PQclear(r);
    return rc;
}

int pg_row(struct pg_conn *c, const char *sql, struct pg_params *p, PGresult **res)
{
    *res = NULL;
    int rc = 0;
    PGresult *r = pg_exec(c, sql, p, &rc);
    if (r == NULL)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return ERR_NOTFOUND;
    }
    *res = r;
    return 0;
}

int pg_row_by_ref(struct pg_conn *c, const char *sql_by_id, const char *sql_by_uuid, int64_t id,
                  const char *uuid, PGresult **res)
{
    struct pg_params p;
    pg_params_init(&p);
    if (id > 0)
        pg_p_int(&p, id);
    else
        pg_p_text(&p, uuid ? uuid : "");
    return pg_row(c, id > 0 ? sql_by_id : sql_by_uuid, &p, res);
}

int pg_none(struct pg_conn *c, const char *sql, struct pg_params *p)
{
    PGresult *r = NULL;
    int rc = pg_row(c, sql, p, &r);
    PQclear(r);
    return rc == 0 ? ERR_CONFLICT : rc == ERR_NOTFOUND ? 0 : rc;
}

int pg_run_changed(struct pg_conn *c, const char *sql, struct pg_params *p)
{
    int rc = 0;
    PGresult *r = pg_exec(c, sql, p, &rc);
    if (r == NULL)
        return rc;
    /* PQcmdTuples: the count of a DELETE/UPDATE as text, "" for other commands */
    rc = strtoll(PQcmdTuples(r), NULL, 10) > 0 ? 0 : ERR_NOTFOUND;
    PQclear(r);
    return rc;
}

int pg_exec_simple(struct pg_conn *c, const char *sql)
{
    PGresult *r = PQexec(c->db, sql);
    /* PQexec returns the last statement's result; an earlier failure stops it */
    int rc = 0;
    r = result_of(c, r, &rc);
    PQclear(r);
    return rc;
}

/* ---- reading rows ---- */

int64_t pg_int(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return 0;
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

char *pg_text(struct arena *a, const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return arena_strndup(a, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

void pg_uuid(char dst[UUID_STR_LEN + 1], const PGresult *r, int row, int col)
{
    snprintf(dst, UUID_STR_LEN + 1, "%s", PQgetvalue(r, row, col));
}

static int hexval(char h)
{
    if (h >= '0' && h <= '9')
        return h - '0';
    if (h >= 'a' && h <= 'f')
        return h - 'a' + 10;
    if (h >= 'A' && h <= 'F')
        return h - 'A' + 10;
    return -1;
}

unsigned char *pg_bytes(struct arena *a, const PGresult *r, int row, int col, size_t *len)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    const char *t = PQgetvalue(r, row, col);
    size_t n = (size_t)PQgetlength(r, row, col);
    if (n < 2 || t[0] != '\\' || t[1] != 'x') {
        *len = 0;
        return arena_alloc(a, 1);
    }
    size_t out = (n - 2) / 2;
    unsigned char *b = arena_alloc(a, out ? out : 1);
    for (size_t i = 0; i < out; i++) {
        int hi = hexval(t[2 + 2 * i]), lo = hexval(t[3 + 2 * i]);
        b[i] = (unsigned char)((hi < 0 ? 0 : hi) << 4 | (lo < 0 ? 0 : lo));
    }
    *len = out;
    return b;
}

/* ---- cursors ---- */

int pg_cursor_open_values(struct pg_cursor *cur, struct pg_conn *c, const char *sql, int n,
                          const char *const *values, int batch)
{
    memset(cur, 0, sizeof(*cur));
    cur->c = c;
    cur->batch = batch > 0 ? batch : 1000;
    cur->row = -1;
    snprintf(cur->name, sizeof(cur->name), "c%u", ++c->n_cursors);
    struct buf b;
    buf_init(&b, PG_VALUE_MAX);
    buf_printf(&b, "DECLARE %s NO SCROLL CURSOR FOR %s", cur->name, sql);
    int count = 0;
    char *text = b.err ? NULL : pg_number_placeholders(buf_cstr(&b), &count);
    buf_free(&b);
    if (text == NULL)
        return ERR_TOOBIG;
    int rc = 0;
    PGresult *r = result_of(
        c, PQexecParams(c->db, text, n, NULL, n ? values : no_values, NULL, NULL, 0), &rc);
    free(text);
    if (r == NULL)
        return rc;
    PQclear(r);
    cur->open = true;
    return 0;
}

int pg_cursor_open(struct pg_cursor *cur, struct pg_conn *c, const char *sql, struct pg_params *p,
                   int batch)
{
    memset(cur, 0, sizeof(*cur));
    int rc = p != NULL && p->err
                 ? p->err
                 : pg_cursor_open_values(cur, c, sql, p ? p->n : 0, p ? p->v : NULL, batch);
    pg_params_free(p);
    return rc;
}

int pg_cursor_next(struct pg_cursor *cur)
{
    if (cur->res != NULL && cur->row + 1 < cur->rows) {
        cur->row++;
        return 1;
    }
    PQclear(cur->res);
    cur->res = NULL;
    if (cur->done || !cur->open)
        return 0;
    char fetch[64];
    snprintf(fetch, sizeof(fetch), "FETCH %d FROM %s", cur->batch, cur->name);
    int rc = 0;
    PGresult *r = result_of(cur->c, PQexec(cur->c->db, fetch), &rc);
    if (r == NULL)
        return rc;
    cur->res = r;
    cur->rows = PQntuples(r);
    cur->row = 0;
    if (cur->rows < cur->batch)
        cur->done = true;
    return cur->rows > 0 ? 1 : 0;
}

void pg_cursor_close(struct pg_cursor *cur)
{
    PQclear(cur->res);
    cur->res = NULL;
    if (cur->open && !cur->c->broken && PQtransactionStatus(cur->c->db) == PQTRANS_INTRANS) {
        char close[48];
        snprintf(close, sizeof(close), "CLOSE %s", cur->name);
        PQclear(PQexec(cur->c->db, close));
    }
    cur->open = false;
}

/* ---- the ACL fragments ---- */

static void acl_value(struct acl_sql *w, enum acl_sql_value v)
{
    struct pg_acl_order *order = w->ctx;
    switch (v) {
    case ACL_SQL_EVERYTHING:
    case ACL_SQL_UNPUBLISHED_PRIVATE:
    case ACL_SQL_SEE_DELETED:
        buf_puts(w->sql, "(?::int = 1)");
        break;
    case ACL_SQL_ORG_ID:
        buf_puts(w->sql, "?::bigint");
        break;
    case ACL_SQL_SHARING_GROUPS:
        buf_puts(w->sql, "?::bigint[]");
        break;
    }
    if (order != NULL && order->n < (int)(sizeof(order->v) / sizeof(order->v[0])))
        order->v[order->n++] = v;
}

void pg_acl_writer(struct acl_sql *w, struct buf *sql, const struct acl_filter *filter,
                   struct pg_acl_order *order)
{
    memset(w, 0, sizeof(*w));
    w->sql = sql;
    w->filter = filter;
    w->value = acl_value;
    w->set_open = " = ANY(";
    w->set_close = ")";
    w->ctx = order;
}

void pg_p_acl(struct pg_params *p, const struct pg_acl_order *order, const struct acl_filter *acl)
{
    for (int i = 0; i < order->n; i++) {
        switch (order->v[i]) {
        case ACL_SQL_EVERYTHING:
            pg_p_bool(p, acl->everything);
            break;
        case ACL_SQL_UNPUBLISHED_PRIVATE:
            pg_p_bool(p, acl->unpublished_private);
            break;
        case ACL_SQL_SEE_DELETED:
            pg_p_bool(p, acl->see_deleted);
            break;
        case ACL_SQL_ORG_ID:
            pg_p_int(p, acl->org_id);
            break;
        case ACL_SQL_SHARING_GROUPS:
            pg_p_ids(p, acl->sharing_groups);
            break;
        }
    }
}

/* ---- connections ---- */

static void notice_quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Connects c->db to s's database; 0 or ERR_UNAVAILABLE (with d). */
static int conn_connect(struct pg_store *s, PGconn **db, struct diag *d)
{
    const char *keys[] = {"dbname", "application_name", "connect_timeout", NULL};
    const char *values[] = {s->conninfo, "liaison", "10", NULL};
    *db = PQconnectdbParams(keys, values, 1);
    if (*db == NULL)
        return diag_set(d, ERR_UNAVAILABLE, "db", "cannot connect to PostgreSQL: out of memory");
    if (PQstatus(*db) != CONNECTION_OK) {
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(*db));
        msg[strcspn(msg, "\n")] = '\0';
        PQfinish(*db);
        *db = NULL;
        return diag_set(d, ERR_UNAVAILABLE, "db", "cannot connect to PostgreSQL: %s", msg);
    }
    PQsetNoticeProcessor(*db, notice_quiet, NULL);
    PGresult *r = PQexec(*db, "SET statement_timeout = 0; SET lock_timeout = 0;"
                              "SET idle_in_transaction_session_timeout = 0");
    PQclear(r);
    return 0;
}

static int conn_open(struct pg_store *s, struct pg_conn *c, bool writer, struct diag *d)
{
    memset(c, 0, sizeof(*c));
    c->base.ops = &store_pg_ops;
    c->store = s;
    c->writer = writer;
    return conn_connect(s, &c->db, d);
}

static void conn_close(struct pg_conn *c)
{
    if (c == NULL)
        return;
    free(c->cache);
    c->cache = NULL;
    c->cache_cap = c->cache_used = 0;
    if (c->db)
        PQfinish(c->db);
    c->db = NULL;
}

/* Makes c usable after a lost connection: 0, or ERR_UNAVAILABLE while the
 * database cannot be reached. */
static int conn_ensure(struct pg_conn *c)
{
    if (!c->broken && c->db != NULL && PQstatus(c->db) == CONNECTION_OK)
        return 0;
    stmt_cache_clear(c);
    c->in_tx = false;
    c->tx_seq = 0;
    if (c->db != NULL)
        PQreset(c->db);
    if (c->db == NULL || PQstatus(c->db) != CONNECTION_OK)
        return ERR_UNAVAILABLE;
    PQsetNoticeProcessor(c->db, notice_quiet, NULL);
    c->broken = false;
    log_info("store: PostgreSQL connection re-established");
    return 0;
}

static void texts_free(struct pg_texts *t)
{
    free(t->event_visible);
    free(t->event_attrs);
    free(t->event_objs);
    free(t->role_get);
    free(t->role_list);
}

void pg_close(struct store *base)
{
    struct pg_store *s = pg_store(base);
    for (unsigned i = 0; i < s->n_readers; i++)
        conn_close(&s->readers[i]);
    free(s->readers);
    if (s->writer) {
        conn_close(s->writer);
        free(s->writer);
    }
    if (s->listener)
        PQfinish(s->listener);
    pthread_mutex_destroy(&s->writer_lock);
    pthread_mutex_destroy(&s->pool_lock);
    pthread_cond_destroy(&s->pool_cond);
    pthread_mutex_destroy(&s->listen_lock);
    texts_free(&s->sql);
    free(s->conninfo);
    free(s);
}

int pg_open(const char *url, unsigned readers, unsigned flags, struct store **out, struct diag *d)
{
    if (*url == '\0')
        return diag_set(d, ERR_INVAL, "db", "empty PostgreSQL connection string");
    if (readers == 0)
        readers = 1;
    struct pg_store *s = xcalloc(1, sizeof(*s));
    s->base.ops = &store_pg_ops;
    s->conninfo = xstrdup(url);
    s->read_only = (flags & STORE_READ_ONLY) != 0;
    pthread_mutex_init(&s->writer_lock, NULL);
    pthread_mutex_init(&s->pool_lock, NULL);
    pthread_cond_init(&s->pool_cond, NULL);
    pthread_mutex_init(&s->listen_lock, NULL);
    pg_event_texts_build(&s->sql);
    pg_role_texts_build(&s->sql);
    s->writer = xcalloc(1, sizeof(*s->writer));
    int rc = conn_open(s, s->writer, true, d);
    if (rc == 0)
        rc = s->read_only ? pg_check_schema(s, d) : pg_migrate(s, d);
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
        pg_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}

/* ---- transactions ---- */

/*
 * Opens a transaction with sql on c.  A pooled connection learns that the
 * server restarted only when it is used: then nothing has run yet, so it is
 * reset and the transaction opened once more - a restart costs no request
 * that comes after it.
 */
static int tx_open(struct pg_conn *c, const char *sql)
{
    int rc = conn_ensure(c);
    if (rc == 0)
        rc = pg_exec_simple(c, sql);
    if (rc == ERR_UNAVAILABLE && c->broken && conn_ensure(c) == 0)
        rc = pg_exec_simple(c, sql);
    return rc;
}

static void reader_put(struct pg_store *s, struct pg_conn *c)
{
    pthread_mutex_lock(&s->pool_lock);
    c->next_free = s->free_readers;
    s->free_readers = c;
    pthread_cond_signal(&s->pool_cond);
    pthread_mutex_unlock(&s->pool_lock);
}

int pg_begin_read(struct store *base, struct store_conn **out)
{
    struct pg_store *s = pg_store(base);
    pthread_mutex_lock(&s->pool_lock);
    while (s->free_readers == NULL)
        pthread_cond_wait(&s->pool_cond, &s->pool_lock);
    struct pg_conn *c = s->free_readers;
    s->free_readers = c->next_free;
    pthread_mutex_unlock(&s->pool_lock);
    int rc = tx_open(c, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    if (rc < 0) {
        reader_put(s, c);
        return rc;
    }
    c->in_tx = true;
    c->n_cursors = 0;
    *out = &c->base;
    return 0;
}

int pg_begin_write(struct store *base, struct store_conn **out)
{
    struct pg_store *s = pg_store(base);
    if (s->read_only)
        return ERR_UNAVAILABLE;
    pthread_mutex_lock(&s->writer_lock);
    struct pg_conn *c = s->writer;
    char sql[96];
    snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%lld)",
             (long long)PG_WRITE_LOCK);
    int rc = tx_open(c, sql);
    if (rc < 0) {
        if (c->db != NULL && !c->broken && PQtransactionStatus(c->db) != PQTRANS_IDLE)
            PQclear(PQexec(c->db, "ROLLBACK"));
        pthread_mutex_unlock(&s->writer_lock);
        return rc;
    }
    c->in_tx = true;
    c->n_cursors = 0;
    *out = &c->base;
    return 0;
}

int pg_end(struct store_conn *base, bool commit)
{
    struct pg_conn *c = pg_conn(base);
    int rc = 0;
    if (c->in_tx && !c->broken) {
        if (commit && PQtransactionStatus(c->db) == PQTRANS_INERROR)
            rc = ERR_DB; /* a statement failed: nothing of the transaction is kept */
        if (commit && rc == 0) {
            rc = pg_exec_simple(c, c->tx_seq != 0 ? "NOTIFY " PG_CHANNEL "; COMMIT" : "COMMIT");
            if (rc < 0 && !c->broken && PQtransactionStatus(c->db) != PQTRANS_IDLE)
                PQclear(PQexec(c->db, "ROLLBACK"));
        } else {
            PQclear(PQexec(c->db, "ROLLBACK"));
        }
    } else if (c->in_tx && commit) {
        rc = ERR_UNAVAILABLE;
    }
    c->in_tx = false;
    c->tx_seq = 0;
    struct pg_store *s = c->store;
    if (c->writer)
        pthread_mutex_unlock(&s->writer_lock);
    else
        reader_put(s, c);
    return rc;
}

int pg_savepoint(struct store_conn *base)
{
    return pg_exec_simple(pg_conn(base), "SAVEPOINT item");
}

int pg_savepoint_end(struct store_conn *base, bool keep)
{
    struct pg_conn *c = pg_conn(base);
    if (keep)
        return pg_exec_simple(c, "RELEASE item");
    return pg_exec_simple(c, "ROLLBACK TO item; RELEASE item");
}

/* ---- the change sequence ---- */

static const char sql_seq_next[] =
    "UPDATE change_head SET value = nextval('change_seq') WHERE id = 1 RETURNING value";

int64_t pg_next_seq(struct pg_conn *c)
{
    if (c->tx_seq != 0)
        return c->tx_seq;
    PGresult *r = NULL;
    int rc = pg_row(c, sql_seq_next, NULL, &r);
    if (rc < 0)
        return rc == ERR_NOTFOUND ? ERR_DB : rc;
    c->tx_seq = pg_int(r, 0, 0);
    PQclear(r);
    return c->tx_seq;
}

/* ---- LISTEN: waiting for other writers' commits ---- */

int pg_wait_change(struct store *base, unsigned timeout_ms)
{
    struct pg_store *s = pg_store(base);
    if (s->read_only)
        return ERR_UNSUPPORTED; /* a hot standby takes no LISTEN: the caller polls */
    pthread_mutex_lock(&s->listen_lock);
    if (s->listener != NULL && PQstatus(s->listener) != CONNECTION_OK) {
        PQfinish(s->listener);
        s->listener = NULL;
    }
    if (s->listener == NULL) {
        PGconn *db = NULL;
        if (conn_connect(s, &db, NULL) == 0) {
            PGresult *r = PQexec(db, "LISTEN " PG_CHANNEL);
            if (PQresultStatus(r) == PGRES_COMMAND_OK)
                s->listener = db;
            else
                PQfinish(db);
            PQclear(r);
        }
    }
    PGconn *db = s->listener;
    int rc = 0;
    if (db == NULL) {
        /* the database is unreachable: wait, then the caller tries again */
        struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
        pthread_mutex_unlock(&s->listen_lock);
        nanosleep(&ts, NULL);
        return ERR_UNAVAILABLE;
    }
    struct pollfd pfd = {.fd = PQsocket(db), .events = POLLIN};
    int n = poll(&pfd, 1, (int)timeout_ms);
    if (n > 0) {
        if (PQconsumeInput(db) == 0)
            rc = ERR_UNAVAILABLE;
        PGnotify *note;
        while ((note = PQnotifies(db)) != NULL) {
            rc = 1;
            PQfreemem(note);
        }
    } else if (n < 0 && errno != EINTR) {
        rc = ERR_IO;
    }
    pthread_mutex_unlock(&s->listen_lock);
    return rc;
}
