/*
 * sqlite_int.h - what the files of the SQLite backend share (internal: only
 * src/store/sqlite/ includes it).
 *
 * One writer connection guarded by a mutex and a pool of reader connections,
 * all on the same file in WAL mode, so readers never wait for the writer.  A
 * connection is used by one thread at a time (the pool hands it out), so
 * SQLite runs in multi-thread mode (SQLITE_OPEN_NOMUTEX) without per-call
 * locking.  SQL text is `static const char` (or, for the few texts built from
 * acl_sql.h and the permission names, built once at open and owned by the
 * store) and each statement is prepared once per connection and cached by the
 * address of its text (sq_stmt).  Values are always bound, never spliced; the
 * dynamic search SQL (search.c) only splices fixed fragments and binds every
 * value.
 *
 * Files: conn.c (open, pool, statement cache, transactions), migrate.c, then
 * one file per entity family - orgs.c (settings, organisations, roles, users,
 * keys), sharing.c, tags.c, events.c (events, objects, attributes, loading a
 * whole event), servers.c (links, checkpoints), sightings.c, feed.c (the change
 * feeds), jobs.c (job leases), copy.c (liaison migrate) - search.c (struct query to
 * SQL), and ops.c, the struct store_ops
 * table.  Each sq_<op> implements store_<op> (store.h) with the same contract;
 * the store_conn it gets is a struct sqlite_conn (sq_conn()).
 */
#ifndef LIAISON_STORE_SQLITE_INT_H
#define LIAISON_STORE_SQLITE_INT_H

#include "store/acl_sql.h"
#include "store/store.h"

#include "util/buf.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct stmt_slot {
    const char *sql; /* NULL: empty */
    sqlite3_stmt *st;
};

struct sqlite_conn {
    struct store_conn base; /* first: the dispatchers' view */
    struct sqlite_store *store;
    sqlite3 *db;
    bool writer;
    bool in_tx;
    int64_t tx_seq; /* change sequence value of the open write transaction, 0 if none yet */
    struct sqlite_conn *next_free;
    struct stmt_slot *cache; /* cache_cap slots, a power of two */
    size_t cache_cap, cache_used;
    sqlite3_stmt *copy_st; /* copy.c: the INSERT of store_copy_in_row */
    size_t copy_n;
};

/* Statement texts built at open (owned by the store; their addresses key the
 * statement cache like those of static texts). */
struct sqlite_texts {
    char *event_visible; /* acl_sql's fragments, in the cached form (acl_bind) */
    char *event_attrs;
    char *event_objs;
    char *role_get; /* one column per permission, named as role_perm_names */
    char *role_list;
};

struct sqlite_store {
    struct store base; /* first: the dispatchers' view */
    char *path;
    bool read_only; /* STORE_READ_ONLY: writes fail with ERR_UNAVAILABLE */
    struct sqlite_conn *writer;
    pthread_mutex_t writer_lock;
    struct sqlite_conn *readers; /* all reader connections */
    unsigned n_readers;
    struct sqlite_conn *free_readers;
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_cond;
    struct sqlite_texts sql;
};

static inline struct sqlite_conn *sq_conn(struct store_conn *c)
{
    return (struct sqlite_conn *)c;
}

static inline struct sqlite_store *sq_store(struct store *s)
{
    return (struct sqlite_store *)s;
}

static inline int64_t now_seconds(void)
{
    return (int64_t)time(NULL);
}

/* ---- conn.c ---- */

/* Returns the cached prepared statement for sql (a text that outlives the
 * connection), reset and unbound; NULL on failure. */
sqlite3_stmt *sq_stmt(struct sqlite_conn *c, const char *sql);
/* The transaction's change sequence value (taken at its first write, so that
 * "changes since N" sees a transaction whole); a negative error on failure. */
int64_t sq_next_seq(struct sqlite_conn *c);
/* A write statement and the transaction's change sequence value for it; NULL on failure. */
sqlite3_stmt *sq_write_stmt(struct sqlite_conn *c, const char *sql, int64_t *seq);
int sq_exec(sqlite3 *db, const char *sql);
/* The row a getter looks up by reference: sql_by_id with id bound when
 * id > 0, else sql_by_uuid with uuid ("" for NULL), stepped to its first row.
 * 0 with *st on the row; ERR_NOTFOUND; ERR_DB. */
int sq_row_by_ref(struct sqlite_conn *c, const char *sql_by_id, const char *sql_by_uuid, int64_t id,
                  const char *uuid, sqlite3_stmt **st);

/*
 * Sets (core/query.h) are bound to one parameter as the JSON array that
 * json_each() reads - ids "[3,7]", strings "[\"a\",\"b\"]" escaped - so that
 * a membership test stays one static text: "x IN (SELECT value FROM
 * json_each(?))".  An absent set renders as the empty array.  sq_set_text
 * appends the array to b (longer than SQLite takes: b's sticky error);
 * sq_bind_*_set bind it, the statement owning the text; ERR_TOOBIG if it is
 * larger than SQLite takes in one value.
 */
#define SQ_SET_IN " IN (SELECT value FROM json_each("
#define SQ_SET_IN_END "))"
void sq_set_text_ids(struct buf *b, struct id_set s);
void sq_set_text_strs(struct buf *b, struct str_set s);
int sq_bind_id_set(sqlite3_stmt *st, int i, struct id_set s);
int sq_bind_str_set(sqlite3_stmt *st, int i, struct str_set s);
/* Binds b's text (taking it, b left empty) to parameter i; ERR_TOOBIG if b overflowed. */
int sq_bind_set_text(sqlite3_stmt *st, int i, struct buf *b);
/* The maximum length of one value on c (the buffer size for sq_set_text_*). */
size_t sq_value_max(sqlite3 *db);

static inline int bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static inline char *col_text(struct arena *a, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return NULL;
    const unsigned char *t = sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i);
    return arena_strndup(a, (const char *)t, (size_t)n);
}

static inline void col_uuid(char dst[UUID_STR_LEN + 1], sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(dst, UUID_STR_LEN + 1, "%s", t ? (const char *)t : "");
}

/* Runs a prepared statement that returns no rows. */
static inline int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc == SQLITE_CONSTRAINT)
        return ERR_CONFLICT;
    return ERR_DB;
}

/* Runs an INSERT; on success stores the new row's id in *id. */
static inline int step_insert(struct sqlite_conn *c, sqlite3_stmt *st, int64_t *id)
{
    int rc = step_done(st);
    if (rc == 0)
        *id = sqlite3_last_insert_rowid(c->db);
    return rc;
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

/* ---- migrate.c ---- */

/* Applies the pending migrations through the writer. */
int sq_migrate(struct sqlite_store *s, struct diag *d);

/* ---- row readers and column lists shared between files ---- */

/* tags.c: a tag row (TAG_COLS order); a tag reference (a tag row then "local") */
void sq_tag_read(struct arena *a, sqlite3_stmt *st, struct tag *t);
void sq_tag_ref_read(struct arena *a, sqlite3_stmt *st, struct tag_ref *t);

/* events.c */
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
void sq_event_read(struct arena *a, sqlite3_stmt *st, struct event *e);
void sq_attr_read(struct arena *a, sqlite3_stmt *st, struct attribute *at);
/* Loads e's org and orgc; e's tags; at's tags. */
int sq_event_orgs_load(struct sqlite_conn *c, struct arena *a, struct event *e);
int sq_event_tags_load(struct sqlite_conn *c, struct arena *a, struct event *e);
int sq_attr_tags_load(struct sqlite_conn *c, struct arena *a, struct attribute *at);
/* Builds (and frees) the texts of struct sqlite_texts that events.c and orgs.c own. */
void sq_event_texts_build(struct sqlite_texts *t);
void sq_role_texts_build(struct sqlite_texts *t);

/* ---- search.c: a dynamic statement (text plus the values to bind, in order) ---- */

struct sqlb {
    struct buf sql;
    struct arena *a;
    struct bindv {
        enum { BIND_TEXT, BIND_INT, BIND_IDS, BIND_STRS } kind;
        int64_t i;
        const char *s;
        struct id_set ids;
        struct str_set strs;
    } * binds;
    size_t n, cap;
};

void sqlb_text(struct sqlb *b, const char *s);
/* Appends fragment, which contains exactly one '?', binding s (or v). */
void sqlb_str(struct sqlb *b, const char *fragment, const char *s);
void sqlb_int(struct sqlb *b, const char *fragment, int64_t v);
/* Appends " AND <column> [NOT] IN <set>" when the set is present (v not NULL). */
void sqlb_in_ids(struct sqlb *b, const char *column, struct id_set s, bool negate);
void sqlb_in_strs(struct sqlb *b, const char *column, struct str_set s);
/* The read rule for acl on event alias ev (acl_sql_event) and on attribute a
 * of ev in object o (acl_sql_child). */
void sqlb_acl_event(struct sqlb *b, const struct acl_filter *acl);
void sqlb_acl_attribute(struct sqlb *b, const struct acl_filter *acl);
/* Prepares the statement (the caller finalizes it) and binds its values. */
int sqlb_prepare(struct sqlite_conn *c, struct sqlb *b, sqlite3_stmt **out);

/* ---- the operations (ops.c puts them in the table) ---- */

int sq_open(const char *url, unsigned readers, unsigned flags, struct store **out, struct diag *d);
void sq_close(struct store *s);
int sq_wait_change(struct store *s, unsigned timeout_ms);
int sq_schema_version(struct store *s, int *version);
int sq_begin_read(struct store *s, struct store_conn **out);
int sq_begin_write(struct store *s, struct store_conn **out);
int sq_end(struct store_conn *c, bool commit);
int sq_savepoint(struct store_conn *c);
int sq_savepoint_end(struct store_conn *c, bool keep);
int sq_setting_get(struct store_conn *c, struct arena *a, const char *name, char **value);
int sq_setting_set(struct store_conn *c, const char *name, const char *value);
int sq_org_insert(struct store_conn *c, struct org *o);
int sq_org_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
               const char *name, struct org **out);
int sq_org_list(struct store_conn *c, struct arena *a, struct org **out, size_t *n);
int sq_role_get(struct store_conn *c, struct arena *a, int64_t id, struct role **out);
int sq_role_list(struct store_conn *c, struct arena *a, struct role **out, size_t *n);
int sq_user_insert(struct store_conn *c, struct user *u);
int sq_user_update(struct store_conn *c, const struct user *u);
int sq_user_delete(struct store_conn *c, int64_t id);
int sq_user_get(struct store_conn *c, struct arena *a, int64_t id, const char *email,
                struct user **out);
int sq_user_list(struct store_conn *c, struct arena *a, int64_t org_id, struct user **out,
                 size_t *n);
int sq_key_insert(struct store_conn *c, struct auth_key *k, const unsigned char *hash,
                  size_t hash_len);
int sq_key_candidates(struct store_conn *c, const char *start,
                      int (*fn)(void *ctx, const struct auth_key *k, const void *hash,
                                size_t hash_len),
                      void *ctx);
int sq_key_get(struct store_conn *c, struct arena *a, int64_t id, struct auth_key **out);
int sq_key_delete(struct store_conn *c, int64_t id);
int sq_key_list(struct store_conn *c, struct arena *a, int64_t user_id, struct auth_key **out,
                size_t *n);
int sq_sharing_group_insert(struct store_conn *c, struct sharing_group *g);
int sq_sharing_group_update(struct store_conn *c, const struct sharing_group *g);
int sq_sharing_group_delete(struct store_conn *c, int64_t id);
int sq_sharing_group_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                         struct sharing_group **out);
int sq_sharing_group_list(struct store_conn *c, struct arena *a, struct sharing_group **out,
                          size_t *n);
int sq_sharing_group_org_set(struct store_conn *c, int64_t sg_id, int64_t org_id, bool extend);
int sq_sharing_group_org_remove(struct store_conn *c, int64_t sg_id, int64_t org_id);
int sq_sharing_group_server_set(struct store_conn *c, int64_t sg_id, int64_t server_id,
                                bool all_orgs);
int sq_sharing_group_server_remove(struct store_conn *c, int64_t sg_id, int64_t server_id);
int sq_sharing_group_visible_ids(struct store_conn *c, struct arena *a, int64_t org_id,
                                 bool via_links, struct id_set *out);
int sq_tag_get(struct store_conn *c, struct arena *a, int64_t id, const char *name,
               struct tag **out);
int sq_tag_list(struct store_conn *c, struct arena *a, const char *name_like, struct tag **out,
                size_t *n);
int sq_tag_insert(struct store_conn *c, struct tag *t);
int sq_event_tag_attach(struct store_conn *c, int64_t event_id, int64_t tag_id, bool local);
int sq_event_tag_detach(struct store_conn *c, int64_t event_id, int64_t tag_id);
int sq_attribute_tag_attach(struct store_conn *c, int64_t event_id, int64_t attribute_id,
                            int64_t tag_id, bool local);
int sq_attribute_tag_detach(struct store_conn *c, int64_t attribute_id, int64_t tag_id);
int sq_event_insert(struct store_conn *c, struct event *e);
int sq_event_update(struct store_conn *c, const struct event *e);
int sq_event_touch(struct store_conn *c, int64_t event_id, int64_t timestamp);
int sq_event_delete(struct store_conn *c, int64_t event_id);
int sq_event_purge(struct store_conn *c, int64_t event_id);
int sq_event_load(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                  const struct acl_filter *acl, unsigned flags, struct event **out);
int sq_event_search(struct store_conn *c, struct arena *a, const struct query *q,
                    int (*fn)(void *ctx, struct event *e), void *ctx);
int sq_object_insert(struct store_conn *c, struct object *o);
int sq_object_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                  struct object **out);
int sq_object_delete(struct store_conn *c, int64_t id, bool hard);
int sq_object_update(struct store_conn *c, const struct object *o);
int sq_reference_insert(struct store_conn *c, int64_t event_id, struct object_reference *r);
int sq_attribute_insert(struct store_conn *c, struct attribute *at);
int sq_attribute_update(struct store_conn *c, const struct attribute *at);
int sq_attribute_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                     struct attribute **out);
int sq_attribute_delete(struct store_conn *c, int64_t id, bool hard);
int sq_uuid_taken_by(struct store_conn *c, const char *uuid, bool attributes, bool *taken);
int sq_uuids_taken_by(struct store_conn *c, struct str_set uuids, bool attributes,
                      int (*fn)(void *ctx, const char *uuid), void *ctx);
int sq_attributes_insert(struct store_conn *c, struct attribute *const *ats, size_t n,
                         size_t *conflict);
int sq_attribute_search(struct store_conn *c, struct arena *a, const struct query *q,
                        bool with_tags,
                        int (*fn)(void *ctx, struct attribute *at, const char *event_uuid),
                        void *ctx);
int sq_event_stamps(struct store_conn *c, struct str_set uuids,
                    int (*fn)(void *ctx, const char *uuid, int64_t timestamp, bool locked),
                    void *ctx);
int sq_events_changed(struct store_conn *c, int64_t since,
                      int (*fn)(void *ctx, const struct event_change *ch), void *ctx);
int sq_sighting_events_changed(struct store_conn *c, int64_t since,
                               int (*fn)(void *ctx, int64_t event_id, const char *uuid), void *ctx);
int sq_server_insert(struct store_conn *c, struct server *sv);
int sq_server_update(struct store_conn *c, const struct server *sv);
int sq_server_delete(struct store_conn *c, int64_t id);
int sq_server_get(struct store_conn *c, struct arena *a, int64_t id, struct server **out);
int sq_server_list(struct store_conn *c, struct arena *a, struct server **out, size_t *n);
int sq_sync_state_get(struct store_conn *c, struct arena *a, int64_t server_id, bool push,
                      struct sync_state **out);
int sq_sync_state_put(struct store_conn *c, const struct sync_state *s);
int sq_event_origin_set(struct store_conn *c, int64_t event_id, int64_t server_id);
int sq_synced_events(struct store_conn *c, int64_t server_id,
                     int (*fn)(void *ctx, const char *uuid), void *ctx);
int sq_change_seq(struct store_conn *c, int64_t *out);
int sq_index_feed(struct store_conn *c, int64_t since,
                  int (*fn)(void *ctx, const struct index_row *r), void *ctx);
int sq_sighting_insert(struct store_conn *c, struct sighting *s);
int sq_sighting_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                    struct sighting **out);
int sq_sighting_search(struct store_conn *c, struct arena *a, const struct sighting_query *q,
                       int (*fn)(void *ctx, struct sighting *s), void *ctx);
int sq_sighting_delete(struct store_conn *c, int64_t id);
int sq_sighting_expire_previous(struct store_conn *c, int64_t attribute_id, int64_t org_id);
int sq_sighting_uuids_known(struct store_conn *c, int64_t event_id, struct str_set uuids,
                            int (*fn)(void *ctx, const char *uuid), void *ctx);
int sq_event_sighting_touch(struct store_conn *c, int64_t event_id, int64_t now);

/* jobs.c */
int sq_lease_take(struct store_conn *c, const char *name, const char *holder, int64_t now,
                  int64_t expires, bool on_demand, const char *dead_holder, bool *taken);
int sq_lease_renew(struct store_conn *c, const char *holder, int64_t expires);
int sq_lease_release(struct store_conn *c, const char *name, const char *holder, int64_t now,
                     int rc, int64_t failures, int64_t not_before);
int sq_lease_get(struct store_conn *c, const char *name, struct job_lease_row *out);

/* copy.c */
int sq_copy_out(struct store_conn *c, const char *table,
                int (*fn)(void *ctx, size_t n, const char *const *names,
                          const struct store_value *values),
                void *ctx);
int sq_copy_in_begin(struct store_conn *c, const char *table, size_t n, const char *const *names);
int sq_copy_in_row(struct store_conn *c, const struct store_value *values);
int sq_copy_in_end(struct store_conn *c);
int sq_copy_finish(struct store_conn *c, int64_t seq);

#endif
