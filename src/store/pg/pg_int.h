/*
 * pg_int.h - what the files of the PostgreSQL backend share (internal: only
 * src/store/pg/ includes it).
 *
 * The backend is the second implementation of struct store_ops (store.h), on
 * libpq, with the same contract as the SQLite one:
 *
 * - Connections: one writer connection guarded by a mutex and a pool of
 *   reader connections, as for SQLite, so that a process behaves the same on
 *   both.  A read transaction is REPEATABLE READ READ ONLY (one snapshot, as a
 *   SQLite read transaction).  A write transaction is READ COMMITTED and takes
 *   the advisory lock PG_WRITE_LOCK first, so that writers - of this process
 *   and of every other node on the same database - run one at a time, as
 *   SQLite's BEGIN IMMEDIATE makes them: a uuid checked free is still free at
 *   the insert, newer-wins compares with the stored copy of the moment, and
 *   change sequence values commit in the order they are taken.
 * - The change sequence: the sequence change_seq hands out values; the
 *   transaction's value is also written to the one-row table change_head,
 *   which is what readers see (store_change_seq): a reader's snapshot holds a
 *   head value only once every row stamped with it is visible too, which a
 *   sequence alone (not transactional) cannot promise.  A committing writer
 *   that took a value sends NOTIFY liaison_change, which wakes the index
 *   watchers of every node (pg_wait_change).
 * - SQL texts are `static const char` written with '?' placeholders, as in the
 *   SQLite backend; pg_prepare numbers them ($1, $2, ...) once and prepares
 *   the statement on the connection, cached by the text's address.  Values
 *   are always sent as parameters (text format), never spliced.
 * - Errors: a unique-constraint violation is ERR_CONFLICT; a lost connection
 *   (the server restarted, the network broke) is ERR_UNAVAILABLE and the
 *   connection is reset when it is next taken; anything else is ERR_DB.  A
 *   failed statement aborts a PostgreSQL transaction, so inserts that may
 *   meet a taken uuid use ON CONFLICT DO NOTHING and report ERR_CONFLICT
 *   themselves, leaving the transaction usable, as SQLite does.
 * - Booleans are integer columns (0/1), as in SQLite, so the SQL texts of the
 *   two backends read alike; tests on them are written "x = 1", never bare.
 *
 * Files: conn.c (open, pool, statements, parameters, cursors, transactions,
 * the change sequence, NOTIFY/LISTEN), migrate.c, then one file per entity
 * family as in src/store/sqlite/, and ops.c, the struct store_ops table.  Each
 * pg_<op> implements store_<op> (store.h); its store_conn is a struct pg_conn.
 */
#ifndef LIAISON_STORE_PG_INT_H
#define LIAISON_STORE_PG_INT_H

#include "store/acl_sql.h"
#include "store/store.h"

#include "util/buf.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The advisory lock every write transaction holds (pg_advisory_xact_lock). */
#define PG_WRITE_LOCK 0x4c696169736f6eLL /* "Liaison" */
/* The NOTIFY channel of committed changes. */
#define PG_CHANNEL "liaison_change"

struct pg_stmt_slot {
    const char *sql; /* NULL: empty */
    char name[16];   /* the prepared statement's name on the connection */
};

struct pg_conn {
    struct store_conn base; /* first: the dispatchers' view */
    struct pg_store *store;
    PGconn *db;
    bool writer;
    bool in_tx;
    bool broken;         /* the connection was lost: reset it before the next use */
    int64_t tx_seq;      /* change sequence value of the open write transaction, 0 if none yet */
    unsigned n_prepared; /* names handed out ("s1", "s2", ...) */
    unsigned n_cursors;  /* cursor names handed out in this transaction */
    struct pg_conn *next_free;
    struct pg_stmt_slot *cache; /* cache_cap slots, a power of two */
    size_t cache_cap, cache_used;
    bool copying;  /* copy.c: inside COPY ... FROM STDIN */
    size_t copy_n; /* its columns (store_copy_in_row) */
};

/* The values of an ACL fragment rendered with filter NULL, in the order its
 * text needs them (pg_acl_writer records them, pg_p_acl binds them). */
struct pg_acl_order {
    enum acl_sql_value v[16];
    int n;
};

/* Statement texts built at open (owned by the store; their addresses key the
 * statement cache like those of static texts). */
struct pg_texts {
    char *event_visible; /* acl_sql's fragments, in the cached form (filter NULL) */
    char *event_attrs;
    char *event_objs;
    struct pg_acl_order event_visible_acl, event_attrs_acl, event_objs_acl; /* their values */
    char *role_get; /* one column per permission, named as role_perm_names */
    char *role_list;
};

struct pg_store {
    struct store base; /* first: the dispatchers' view */
    char *conninfo;    /* as libpq takes it */
    bool read_only;    /* a hot standby (or --read-only): no writer, no migrations */
    struct pg_conn *writer;
    pthread_mutex_t writer_lock;
    struct pg_conn *readers; /* all reader connections */
    unsigned n_readers;
    struct pg_conn *free_readers;
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_cond;
    PGconn *listener; /* LISTEN liaison_change (pg_wait_change), opened on first use */
    pthread_mutex_t listen_lock;
    struct pg_texts sql;
};

static inline struct pg_conn *pg_conn(struct store_conn *c)
{
    return (struct pg_conn *)c;
}

static inline struct pg_store *pg_store(struct store *s)
{
    return (struct pg_store *)s;
}

static inline int64_t now_seconds(void)
{
    return (int64_t)time(NULL);
}

/* ---- parameters (conn.c) ---- */

#define PG_MAX_PARAMS 48
/* The longest value or statement text the backend builds (PostgreSQL takes 1 GiB). */
#define PG_VALUE_MAX ((size_t)256 << 20)

/*
 * The values of one statement, in placeholder order, as text.  Numbers are
 * formatted into the struct; texts are borrowed (they must outlive the
 * execution); sets and byte strings are formatted into memory the params own
 * and free when the statement has run (pg_exec and friends take them).
 * Adding past PG_MAX_PARAMS, or a value that cannot be formatted, makes the
 * execution fail with ERR_DB (p->err).
 */
struct pg_params {
    int n;
    int err;
    const char *v[PG_MAX_PARAMS];
    char num[PG_MAX_PARAMS][24];
    char *owned[PG_MAX_PARAMS];
    int n_owned;
};

static inline void pg_params_init(struct pg_params *p)
{
    p->n = 0;
    p->err = 0;
    p->n_owned = 0;
}

void pg_p_int(struct pg_params *p, int64_t v);
void pg_p_bool(struct pg_params *p, bool v);        /* as 0 or 1 */
void pg_p_text(struct pg_params *p, const char *s); /* NULL: SQL NULL */
/* A byte string (bytea, hex form). */
void pg_p_bytes(struct pg_params *p, const void *data, size_t len);
/*
 * Sets (core/query.h) as one array parameter: write "= ANY(?::bigint[])" or
 * "= ANY(?::text[])" in the SQL (PG_SET_IDS / PG_SET_STRS).  An absent set
 * binds as the empty array, as for SQLite.
 */
void pg_p_ids(struct pg_params *p, struct id_set s);
void pg_p_strs(struct pg_params *p, struct str_set s);
#define PG_SET_IDS " = ANY(?::bigint[])"
#define PG_SET_STRS " = ANY(?::text[])"
/* Frees what the params own (the executors call it). */
void pg_params_free(struct pg_params *p);

/* ---- statements (conn.c) ---- */

/*
 * Runs the statement sql (a text that outlives the connection: prepared once
 * per connection, cached by its address) with p (NULL: no values; freed).
 * Returns the result (PQclear it) when the statement succeeded, with its rows
 * if any; NULL on failure, *rc (if rc is not NULL) then ERR_CONFLICT,
 * ERR_UNAVAILABLE or ERR_DB.
 */
PGresult *pg_exec(struct pg_conn *c, const char *sql, struct pg_params *p, int *rc);
/* The same for a text built per call (not prepared, not cached). */
PGresult *pg_exec_text(struct pg_conn *c, const char *sql, struct pg_params *p, int *rc);
/* Runs a statement that returns no rows of interest: 0 or the error. */
int pg_run(struct pg_conn *c, const char *sql, struct pg_params *p);
/* Runs an INSERT ... RETURNING id (ON CONFLICT DO NOTHING when the table has
 * unique keys): sets *id; ERR_CONFLICT when no row came back. */
int pg_insert(struct pg_conn *c, const char *sql, struct pg_params *p, int64_t *id);
/* Runs a statement that returns at most one row: 0 with *res on the row (PQclear
 * it), ERR_NOTFOUND when there is none, or the error. */
int pg_row(struct pg_conn *c, const char *sql, struct pg_params *p, PGresult **res);
/* The row a getter looks up by reference: sql_by_id with id when id > 0, else
 * sql_by_uuid with uuid ("" for NULL); as pg_row. */
int pg_row_by_ref(struct pg_conn *c, const char *sql_by_id, const char *sql_by_uuid, int64_t id,
                  const char *uuid, PGresult **res);
/* Runs a check that must find nothing (a name taken, a group in use): 0 when
 * it returns no row, ERR_CONFLICT when it returns one, or the error. */
int pg_none(struct pg_conn *c, const char *sql, struct pg_params *p);
/* Runs an UPDATE or DELETE: 0 when it changed a row, ERR_NOTFOUND when none, or
 * the error. */
int pg_run_changed(struct pg_conn *c, const char *sql, struct pg_params *p);
/* Several statements in one round trip, no values (simple protocol): 0 or the error. */
int pg_exec_simple(struct pg_conn *c, const char *sql);
/* The error of a failed result (NULL: of the connection), marking c broken if
 * the connection is gone. */
int pg_error(struct pg_conn *c, const PGresult *r);

/*
 * The statement's text with '?' placeholders numbered $1, $2, ... (outside
 * quoted strings and identifiers); *n gets their count.  malloc'd.
 */
char *pg_number_placeholders(const char *sql, int *n);

/* ---- reading rows ---- */

static inline bool pg_null(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) != 0;
}

int64_t pg_int(const PGresult *r, int row, int col); /* 0 for NULL */
static inline bool pg_bool(const PGresult *r, int row, int col)
{
    return pg_int(r, row, col) != 0;
}
/* The value copied into a; NULL for SQL NULL. */
char *pg_text(struct arena *a, const PGresult *r, int row, int col);
/* The value as the result holds it ("" for NULL), valid until PQclear. */
static inline const char *pg_str(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col);
}
void pg_uuid(char dst[UUID_STR_LEN + 1], const PGresult *r, int row, int col);
/* A bytea column decoded into a (hex form); *len its length.  NULL if NULL. */
unsigned char *pg_bytes(struct arena *a, const PGresult *r, int row, int col, size_t *len);

/* Collects the rows of r into an arena array using read(a, r, row, &item). */
#define PG_COLLECT_ROWS(a, r, type, read_fn, out, n)                                               \
    do {                                                                                           \
        int rows_ = PQntuples(r);                                                                  \
        type *arr_ = arena_alloc((a), (size_t)(rows_ ? rows_ : 1) * sizeof(type));                 \
        for (int i_ = 0; i_ < rows_; i_++)                                                         \
            read_fn((a), (r), i_, &arr_[i_]);                                                      \
        *(out) = arr_;                                                                             \
        *(n) = (size_t)rows_;                                                                      \
    } while (0)

/* ---- cursors: results of any size, row by row (conn.c) ---- */

/*
 * A query read in batches through a server-side cursor (DECLARE ... FETCH),
 * so that memory stays bounded and the caller may run other statements on the
 * same connection between rows (a callback loading an event's tags while the
 * search goes on).  Inside a transaction only, as every store call is.
 *
 *   struct pg_cursor cur;
 *   int rc = pg_cursor_open(&cur, c, sql, &p, 1000);
 *   while (rc == 0 && (rc = pg_cursor_next(&cur)) > 0)
 *       ... cur.res, cur.row ...
 *   pg_cursor_close(&cur);   (rc: 0 at the end, or the error)
 */
struct pg_cursor {
    struct pg_conn *c;
    char name[24];
    PGresult *res;
    int row, rows, batch;
    bool done, open;
};
int pg_cursor_open(struct pg_cursor *cur, struct pg_conn *c, const char *sql, struct pg_params *p,
                   int batch);
/* The same with n values as text (NULL: SQL NULL), for statements with more
 * values than struct pg_params holds (search.c's builder). */
int pg_cursor_open_values(struct pg_cursor *cur, struct pg_conn *c, const char *sql, int n,
                          const char *const *values, int batch);
/* 1 with cur->res/cur->row on the next row, 0 at the end, or an error. */
int pg_cursor_next(struct pg_cursor *cur);
void pg_cursor_close(struct pg_cursor *cur);

/* ---- the change sequence (conn.c) ---- */

/* The transaction's change sequence value (taken at its first write);
 * a negative error on failure. */
int64_t pg_next_seq(struct pg_conn *c);

/* ---- the ACL fragments (conn.c) ---- */

/* Sets w up to render acl_sql fragments into sql with '?' placeholders; with
 * filter NULL, the cached form whose values order records (at most 16) and
 * pg_p_acl binds.  order may be NULL with a filter (values then come from
 * the filter: the caller binds them in the order written, see search.c). */
void pg_acl_writer(struct acl_sql *w, struct buf *sql, const struct acl_filter *filter,
                   struct pg_acl_order *order);
/* Adds the values of acl for a text rendered with filter NULL. */
void pg_p_acl(struct pg_params *p, const struct pg_acl_order *order, const struct acl_filter *acl);

/* ---- COPY ... FROM STDIN: rows streamed in text format (copy.c) ---- */

/*
 * Runs sql, whose last statement is a COPY ... FROM STDIN (simple protocol:
 * statements without values may come before it), and leaves c waiting for
 * rows: pg_copy_row builds them into a buffer, pg_copy_send sends and empties
 * it (send every few tens of KiB), pg_copy_end ends the copy with its result.
 * Nothing else may run on c in between.  A row the server refuses (a taken
 * unique key: ERR_CONFLICT) fails the copy, and with it the transaction (or
 * the savepoint sql opened): the server reports it at the end.
 */
int pg_copy_start(struct pg_conn *c, const char *sql);
/* Appends one row of the n values to b (escaped, tab-separated, '\n'-ended). */
void pg_copy_row(struct buf *b, const struct store_value *v, size_t n);
/* ERR_TOOBIG when b overflowed (nothing sent). */
int pg_copy_send(struct pg_conn *c, struct buf *b);
/* abort: a row could not be sent; the server fails the copy (nothing of it is kept). */
int pg_copy_end(struct pg_conn *c, bool abort);

/* ---- migrate.c ---- */

int pg_migrate(struct pg_store *s, struct diag *d);
/* Fails (with d) unless the schema is the one this liaison writes (read-only). */
int pg_check_schema(struct pg_store *s, struct diag *d);

/* ---- row readers and column lists shared between files ---- */

/* tags.c: a tag row (TAG_COLS order) at column col; a tag reference (a tag row
 * then "local") */
void pg_tag_read(struct arena *a, const PGresult *r, int row, int col, struct tag *t);
void pg_tag_ref_read(struct arena *a, const PGresult *r, int row, int col, struct tag_ref *t);

/* events.c (the column lists are those of the SQLite backend) */
#define EVENT_COUNT_COL                                                                            \
    "(SELECT COUNT(*) FROM attributes x WHERE x.event_id = e.id AND x.deleted = 0)"
#define EVENT_COLS_BASE                                                                            \
    "e.id, e.uuid, e.org_id, e.orgc_id, e.user_id, e.info, e.date, e.threat_level_id, "            \
    "e.analysis, e.distribution, e.sharing_group_id, e.published, e.timestamp, "                   \
    "e.publish_timestamp, e.sighting_timestamp, e.locked, e.disable_correlation, "                 \
    "e.proposal_email_lock, e.extends_uuid, e.deleted, "
#define EVENT_COLS EVENT_COLS_BASE EVENT_COUNT_COL
#define EVENT_COLS_NO_COUNT EVENT_COLS_BASE "0"
#define ATTR_COLS                                                                                  \
    "a.id, a.uuid, a.event_id, a.object_id, a.object_relation, a.type, a.category, a.value, "      \
    "a.comment, a.to_ids, a.distribution, a.sharing_group_id, a.timestamp, a.deleted, "            \
    "a.disable_correlation, a.first_seen, a.last_seen"
void pg_event_read(struct arena *a, const PGresult *r, int row, struct event *e);
void pg_attr_read(struct arena *a, const PGresult *r, int row, struct attribute *at);
/* Loads e's org and orgc; e's tags; at's tags. */
int pg_event_orgs_load(struct pg_conn *c, struct arena *a, struct event *e);
int pg_event_tags_load(struct pg_conn *c, struct arena *a, struct event *e);
int pg_attr_tags_load(struct pg_conn *c, struct arena *a, struct attribute *at);
/* Build the texts of struct pg_texts that events.c and orgs.c own (freed by conn.c). */
void pg_event_texts_build(struct pg_texts *t);
void pg_role_texts_build(struct pg_texts *t);

/* ---- cross-file declarations of the entity files (each file's own section) ---- */

/* orgs.c, sharing.c */

/* servers.c, sightings.c, feed.c, jobs.c */

/* search.c: a dynamic statement - text with '?' placeholders and its values,
 * in order, as text (the search, and any other statement built per request).
 * Unlike struct pg_params it holds any number of values (PostgreSQL takes
 * 65535), since a restSearch filter may list hundreds. */
struct pg_sqlb {
    struct buf sql;
    struct arena *a; /* the values' memory */
    const char **v;  /* NULL: SQL NULL */
    size_t n, cap;
    int err; /* sticky: a value too large to format (ERR_TOOBIG) */
};

/* Starts b empty; its values live in a (borrowed).  pg_sqlb_free frees the text. */
void pg_sqlb_init(struct pg_sqlb *b, struct arena *a);
void pg_sqlb_free(struct pg_sqlb *b);
void pg_sqlb_text(struct pg_sqlb *b, const char *s);
/* Appends fragment, which contains exactly one '?', with its value (s is
 * borrowed: it must outlive the execution). */
void pg_sqlb_str(struct pg_sqlb *b, const char *fragment, const char *s);
void pg_sqlb_int(struct pg_sqlb *b, const char *fragment, int64_t v);
/* Appends " AND <column> = ANY(set)" (negate: "<> ALL(set)") when the set is present. */
void pg_sqlb_in_ids(struct pg_sqlb *b, const char *column, struct id_set s, bool negate);
void pg_sqlb_in_strs(struct pg_sqlb *b, const char *column, struct str_set s);
/* The read rule for acl on event e (acl_sql_event) and on attribute a of e in
 * object o (acl_sql_child), rendered for acl itself, values bound. */
void pg_sqlb_acl_event(struct pg_sqlb *b, const struct acl_filter *acl);
void pg_sqlb_acl_attribute(struct pg_sqlb *b, const struct acl_filter *acl);
/* Opens a cursor on b's statement (see pg_cursor_open; read it with
 * pg_cursor_next, close it with pg_cursor_close).  ERR_TOOBIG when the text
 * or a value overflowed or there are more values than PostgreSQL takes. */
int pg_sqlb_cursor_open(struct pg_cursor *cur, struct pg_conn *c, struct pg_sqlb *b, int batch);

/* ---- the operations (ops.c puts them in the table) ---- */

int pg_open(const char *url, unsigned readers, unsigned flags, struct store **out, struct diag *d);
void pg_close(struct store *s);
int pg_schema_version(struct store *s, int *version);
int pg_begin_read(struct store *s, struct store_conn **out);
int pg_begin_write(struct store *s, struct store_conn **out);
int pg_end(struct store_conn *c, bool commit);
int pg_savepoint(struct store_conn *c);
int pg_savepoint_end(struct store_conn *c, bool keep);
int pg_wait_change(struct store *s, unsigned timeout_ms);
int pg_copy_out(struct store_conn *c, const char *table,
                int (*fn)(void *ctx, size_t n, const char *const *names,
                          const struct store_value *values),
                void *ctx);
int pg_copy_in_begin(struct store_conn *c, const char *table, size_t n, const char *const *names);
int pg_copy_in_row(struct store_conn *c, const struct store_value *values);
int pg_copy_in_end(struct store_conn *c);
int pg_copy_finish(struct store_conn *c, int64_t seq);

#include "store/pg/pg_ops.h"

#endif
