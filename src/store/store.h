/*
 * store.h - backend-neutral persistence API.
 *
 * The store knows SQL, not JSON or HTTP.  It is an interface: each backend
 * (src/store/<name>/) fills a struct store_ops, a table with one entry per
 * operation, registered in store.c under a URL scheme, as SQLite's VFS and
 * smtpd's queue backends do.  store_open() picks the backend from the URL's
 * scheme ("sqlite:PATH", or a bare path for SQLite) and every store_* function
 * below is a thin dispatcher through the table of the store or connection it is
 * given.  Adding a backend: a folder with its files, one struct store_ops
 * (every entry filled), a line in store.c's table, and tests/unit/test_store.c's
 * backend list, whose conformance cases it must pass.
 *
 * Connections: one writer and a pool of readers (SQLite WAL: readers never wait
 * for the writer).  A request takes a connection with store_begin_read() or
 * store_begin_write() and gives it back with store_end(), which commits (or for
 * a writer, rolls back when commit is false).  A write request is therefore one
 * transaction: all or nothing.
 *
 * Memory: results are allocated in the arena passed in (request lifetime).
 * Every write transaction takes the next value of the global change sequence
 * (at its first write) and stamps it on every row it touches, so "changes since
 * N" sees a transaction whole or not at all.
 */
#ifndef LIAISON_STORE_H
#define LIAISON_STORE_H

#include "core/model.h"
#include "core/query.h"
#include "util/arena.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_conn;

/*
 * Opens (creating if needed) the database at url and applies pending
 * migrations.  readers is the size of the reader pool.  Returns owned *out
 * (free with store_close).
 *
 * url: a SQLite path (or "sqlite:PATH"), or a PostgreSQL connection string -
 * a URI "postgresql://..." / "postgres://..." or libpq's "key=value ..."
 * form ("host=/run/postgresql dbname=liaison").
 */
int store_open(const char *url, unsigned readers, struct store **out, struct diag *d);

/* The file a SQLite url names (url itself, or what follows "sqlite:"); NULL
 * when url names a database of another backend (a PostgreSQL server). */
const char *store_url_file(const char *url);

/* Flags for store_open_flags. */
enum {
    /* Reads only (a hot-standby replica): no migrations (the schema must be
     * this liaison's), store_begin_write fails with ERR_UNAVAILABLE. */
    STORE_READ_ONLY = 1 << 0,
};
int store_open_flags(const char *url, unsigned readers, unsigned flags, struct store **out,
                     struct diag *d);

/*
 * Waits up to timeout_ms for another connection - another process or node on
 * the same database - to commit a change: 1 when one did (PostgreSQL's
 * LISTEN/NOTIFY), 0 when the time ran out, a negative error when the database
 * cannot be reached (after waiting).  ERR_UNSUPPORTED at once when the
 * backend cannot tell (SQLite): the caller polls.  For one thread per store
 * (the index watcher).
 */
int store_wait_change(struct store *s, unsigned timeout_ms);
void store_close(struct store *s);

/* Returns the schema version (number of applied migrations). */
int store_schema_version(struct store *s, int *version);

/* Takes a reader connection inside a read transaction (blocks while all are busy). */
int store_begin_read(struct store *s, struct store_conn **out);
/* Takes the writer connection inside BEGIN IMMEDIATE (blocks while it is busy). */
int store_begin_write(struct store *s, struct store_conn **out);
/* Ends the transaction (commit or roll back) and returns the connection.  NULL ok. */
int store_end(struct store_conn *c, bool commit);

/*
 * Nested unit inside a write transaction (SQL SAVEPOINT): store_savepoint_end()
 * keeps (releases) or undoes (rolls back to) everything since store_savepoint().
 * Lets a bulk import batch many files in one transaction and still reject one
 * bad file alone.
 */
int store_savepoint(struct store_conn *c);
int store_savepoint_end(struct store_conn *c, bool keep);

/* Instance settings (key/value). *value is allocated in a; ERR_NOTFOUND if absent. */
int store_setting_get(struct store_conn *c, struct arena *a, const char *name, char **value);
int store_setting_set(struct store_conn *c, const char *name, const char *value);

/* ---- organisations ---- */
int store_org_insert(struct store_conn *c, struct org *o); /* sets o->id */
/* Lookup by id (id > 0), else uuid, else name.  ERR_NOTFOUND if none. */
int store_org_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                  const char *name, struct org **out);
int store_org_list(struct store_conn *c, struct arena *a, struct org **out, size_t *n);

/* ---- roles and users ---- */
int store_role_get(struct store_conn *c, struct arena *a, int64_t id, struct role **out);
int store_role_list(struct store_conn *c, struct arena *a, struct role **out, size_t *n);
int store_user_insert(struct store_conn *c, struct user *u); /* sets u->id */
int store_user_update(struct store_conn *c, const struct user *u);
int store_user_delete(struct store_conn *c, int64_t id); /* also deletes its keys */
/* Lookup by id (id > 0) or email. */
int store_user_get(struct store_conn *c, struct arena *a, int64_t id, const char *email,
                   struct user **out);
/* org_id 0: all users. */
int store_user_list(struct store_conn *c, struct arena *a, int64_t org_id, struct user **out,
                    size_t *n);

/* ---- API keys ---- */
int store_key_insert(struct store_conn *c, struct auth_key *k, const unsigned char *hash,
                     size_t hash_len); /* sets k->id */
/* Calls fn for each key whose key_start equals start, with its stored hash. */
int store_key_candidates(struct store_conn *c, const char *start,
                         int (*fn)(void *ctx, const struct auth_key *k, const void *hash,
                                   size_t hash_len),
                         void *ctx);
int store_key_get(struct store_conn *c, struct arena *a, int64_t id, struct auth_key **out);
int store_key_delete(struct store_conn *c, int64_t id);
int store_key_list(struct store_conn *c, struct arena *a, int64_t user_id, struct auth_key **out,
                   size_t *n);

/* ---- sharing groups ---- */
int store_sharing_group_insert(struct store_conn *c, struct sharing_group *g); /* sets g->id */
int store_sharing_group_update(struct store_conn *c, const struct sharing_group *g);
/* Deletes the group and its members; ERR_CONFLICT while events, objects or
 * attributes still use it. */
int store_sharing_group_delete(struct store_conn *c, int64_t id);
/* Loads a group by id (id > 0) or uuid with its creator org, member orgs (with
 * their org) and servers. */
int store_sharing_group_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                            struct sharing_group **out);
/* Every group with members, ordered by id. */
int store_sharing_group_list(struct store_conn *c, struct arena *a, struct sharing_group **out,
                             size_t *n);
int store_sharing_group_org_set(struct store_conn *c, int64_t sg_id, int64_t org_id, bool extend);
int store_sharing_group_org_remove(struct store_conn *c, int64_t sg_id, int64_t org_id);
int store_sharing_group_server_set(struct store_conn *c, int64_t sg_id, int64_t server_id,
                                   bool all_orgs);
int store_sharing_group_server_remove(struct store_conn *c, int64_t sg_id, int64_t server_id);
/*
 * The sharing groups organisation org_id may see, as a set of ids in a (in id
 * order, present even when empty):
 * those it created, those it is a member of, and those whose local-server
 * entry (server_id 0) has all_orgs (MISP SharingGroup::authorizedIds); with
 * via_links (a peer's sync user), also those listing a link to a server run by
 * org_id (MISP's sync users see the groups of their server).  This is the SQL
 * form of acl's rule and only acl calls it.
 */
int store_sharing_group_visible_ids(struct store_conn *c, struct arena *a, int64_t org_id,
                                    bool via_links, struct id_set *out);

/* ---- tags ---- */
/* Finds the tag named t->tag.name or creates it with t's colour/flags; sets t->tag (id and
 * stored fields). */
int store_tag_resolve(struct store_conn *c, struct arena *a, struct tag *t, bool create);
int store_tag_get(struct store_conn *c, struct arena *a, int64_t id, const char *name,
                  struct tag **out);
int store_tag_list(struct store_conn *c, struct arena *a, const char *name_like, struct tag **out,
                   size_t *n);
int store_tag_insert(struct store_conn *c, struct tag *t);
/* Attach/detach; attach of an already attached tag succeeds and changes nothing. */
int store_event_tag_attach(struct store_conn *c, int64_t event_id, int64_t tag_id, bool local);
int store_event_tag_detach(struct store_conn *c, int64_t event_id, int64_t tag_id);
int store_attribute_tag_attach(struct store_conn *c, int64_t event_id, int64_t attribute_id,
                               int64_t tag_id, bool local);
int store_attribute_tag_detach(struct store_conn *c, int64_t attribute_id, int64_t tag_id);

/* ---- events ---- */
/* Inserts e's row only (children separately); sets e->id. */
int store_event_insert(struct store_conn *c, struct event *e);
/* Updates the event row's own fields (not children) and stamps seq. */
int store_event_update(struct store_conn *c, const struct event *e);
/* Touches the event: new timestamp and seq (after a child changed). */
int store_event_touch(struct store_conn *c, int64_t event_id, int64_t timestamp);
/* Tombstones the event and its children. */
int store_event_delete(struct store_conn *c, int64_t event_id);
/* Removes the event and everything of it (children, tags, sightings) without
 * a trace but the attribute removals the index reads: a synced copy whose
 * sender no longer shares it, which may come back if it shares it again. */
int store_event_purge(struct store_conn *c, int64_t event_id);

/* Flags for store_event_load. */
enum {
    STORE_LOAD_CHILDREN = 1 << 0, /* attributes, objects, references */
    STORE_LOAD_TAGS = 1 << 1,     /* event and attribute tags */
    STORE_LOAD_DELETED = 1 << 2,  /* include soft-deleted children */
    STORE_LOAD_DELETED_ONLY = 1 << 3,
};

/*
 * Loads the event with id (id > 0) or uuid, with org/orgc and the parts flags
 * ask for; children are filtered by acl.  ERR_NOTFOUND if no such live event
 * or if acl hides it.
 */
int store_event_load(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                     const struct acl_filter *acl, unsigned flags, struct event **out);

/* Calls fn for each event matching q (event-level filters; value/type/category
 * match events holding such an attribute), ordered by id, honouring limit/page
 * and after_id.  fn returning non-zero stops the search, which returns that
 * value (a positive one ends a page early without error).
 * The event passed to fn has org/orgc and tags but no children; it and its
 * strings live in a until the call returns. */
int store_event_search(struct store_conn *c, struct arena *a, const struct query *q,
                       int (*fn)(void *ctx, struct event *e), void *ctx);

/* ---- objects ---- */
int store_object_insert(struct store_conn *c, struct object *o); /* sets o->id */
int store_object_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                     struct object **out);
int store_object_delete(struct store_conn *c, int64_t id, bool hard);
/* Updates the object row's own fields (not its attributes). */
int store_object_update(struct store_conn *c, const struct object *o);
int store_reference_insert(struct store_conn *c, int64_t event_id, struct object_reference *r);

/* ---- attributes ---- */
int store_attribute_insert(struct store_conn *c, struct attribute *at); /* sets at->id */
int store_attribute_update(struct store_conn *c, const struct attribute *at);
int store_attribute_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                        struct attribute **out);
/* Soft delete (deleted = 1) or hard delete (row and its tags removed). */
int store_attribute_delete(struct store_conn *c, int64_t id, bool hard);
/* Returns true if a uuid is used by any event, object, attribute or reference. */
int store_uuid_taken(struct store_conn *c, const char *uuid, bool *taken);
/* The same, leaving out attributes when !attributes: an attribute insert
 * learns of a taken attribute uuid from the table's own unique index
 * (ERR_CONFLICT), which spares a look-up in its largest index. */
int store_uuid_taken_by(struct store_conn *c, const char *uuid, bool attributes, bool *taken);
/*
 * store_uuid_taken_by for many uuids at once (one statement on PostgreSQL):
 * calls fn for each of uuids that is taken, in no particular order (a uuid
 * listed twice may be reported twice), with uuid valid during the call; fn
 * must not use c, and its non-zero return stops the calls and is returned.
 */
int store_uuids_taken_by(struct store_conn *c, struct str_set uuids, bool attributes,
                         int (*fn)(void *ctx, const char *uuid), void *ctx);
/*
 * store_attribute_insert for many attributes at once (PostgreSQL streams
 * them through COPY): inserts *ats[0], ..., *ats[n - 1] (borrowed; event_id
 * and object_id set by the caller) and sets each one's id, increasing in
 * array order.  ERR_CONFLICT when one's uuid is taken by a stored attribute
 * or an earlier one of the array: *conflict is the first such index, the
 * attributes before it are inserted and it and those after it are not (the
 * transaction stays usable).
 */
int store_attributes_insert(struct store_conn *c, struct attribute *const *ats, size_t n,
                            size_t *conflict);

/* Calls fn for each attribute matching q, ordered by id, honouring limit/page
 * and after_id; fn's non-zero return stops it, as for store_event_search.
 * The attribute has its tags when with_tags; event_uuid is its event's uuid. */
int store_attribute_search(struct store_conn *c, struct arena *a, const struct query *q,
                           bool with_tags,
                           int (*fn)(void *ctx, struct attribute *at, const char *event_uuid),
                           void *ctx);

/* For each event with one of the uuids, live or tombstoned, calls fn with its
 * uuid, timestamp and whether it is a live synced copy (locked and not
 * deleted: the only kind a peer may replace).  ERR_TOOBIG if the set is
 * beyond what the backend can take in one statement. */
int store_event_stamps(struct store_conn *c, struct str_set uuids,
                       int (*fn)(void *ctx, const char *uuid, int64_t timestamp, bool locked),
                       void *ctx);

/* An event row as the change feed sees it (store_events_changed). */
struct event_change {
    int64_t id;
    char uuid[UUID_STR_LEN + 1];
    int64_t timestamp, seq;
    bool published, deleted;
    int distribution;
};
/* Calls fn for every event, live or tombstoned, whose row was written after
 * change `since`, in change order. */
int store_events_changed(struct store_conn *c, int64_t since,
                         int (*fn)(void *ctx, const struct event_change *ch), void *ctx);

/* Calls fn once for each live event with a sighting written (added or
 * tombstoned) after change `since`. */
int store_sighting_events_changed(struct store_conn *c, int64_t since,
                                  int (*fn)(void *ctx, int64_t event_id, const char *uuid),
                                  void *ctx);

/* ---- sync links (servers) ---- */
int store_server_insert(struct store_conn *c,
                        struct server *sv); /* sets id; ERR_CONFLICT: url taken */
int store_server_update(struct store_conn *c, const struct server *sv);
int store_server_delete(struct store_conn *c, int64_t id);
int store_server_get(struct store_conn *c, struct arena *a, int64_t id, struct server **out);
int store_server_list(struct store_conn *c, struct arena *a, struct server **out, size_t *n);

/* ---- sync checkpoints ---- */
/* The state of link server_id's pull or push; a zeroed state (strings "") if
 * it never ran. */
int store_sync_state_get(struct store_conn *c, struct arena *a, int64_t server_id, bool push,
                         struct sync_state **out);
int store_sync_state_put(struct store_conn *c, const struct sync_state *s);
/* Records that event_id (a synced copy) came from link server_id. */
int store_event_origin_set(struct store_conn *c, int64_t event_id, int64_t server_id);
/* For each live event that last came from link server_id, calls fn with its
 * uuid (valid during the call). */
int store_synced_events(struct store_conn *c, int64_t server_id,
                        int (*fn)(void *ctx, const char *uuid), void *ctx);

/* ---- the indicator index's feed ("changes since N") ---- */

struct index_row {
    int64_t attribute_id;
    int64_t event_id;
    const char *type; /* NULL for a removed row */
    const char *category;
    const char *value;
    bool live;         /* neither the attribute nor its event is deleted */
    bool no_correlate; /* disable_correlation on the attribute or on its event */
};

/* The change sequence's value as this transaction sees it. */
int store_change_seq(struct store_conn *c, int64_t *out);
/*
 * Calls fn for every live attribute (since == 0), or else for every attribute
 * whose row or event row was written after change `since`, and for every row
 * hard-deleted since (removals first, so that a reused id ends up live).  The
 * row's strings are valid during the call only.  fn returns non-zero to stop.
 */
int store_index_feed(struct store_conn *c, int64_t since,
                     int (*fn)(void *ctx, const struct index_row *r), void *ctx);

/* ---- sightings ---- */

/*
 * A sighting search.  acl restricts to sightings on live attributes of live
 * events the reader may see (the same rule as attribute reads); the sighting
 * policy (whose sightings) is acl's too and applied by core/sighting.c.  The
 * lists are sets (core/query.h): absent for "any", empty matches nothing.
 */
enum sighting_order { SIGHTING_BY_ID, SIGHTING_NEWEST_FIRST, SIGHTING_BY_ATTRIBUTE };

struct sighting_query {
    struct acl_filter acl;
    struct id_set ids; /* the sightings' own ids */
    struct id_set event_ids;
    struct id_set attribute_ids;
    struct str_set event_uuids;
    struct str_set attribute_uuids;
    struct id_set types; /* of 0, 1, 2 */
    struct str_set sources;
    struct id_set org_ids;     /* only these reporting organisations */
    struct id_set not_org_ids; /* none of these (absent or empty: no exclusion) */
    int64_t from, to;          /* date_sighting bounds (inclusive), 0: open */
    enum sighting_order order;
    bool with_deleted; /* tombstoned sightings too (for Liaison peers) */
    /* keyset paging (SIGHTING_BY_ID only): rows with s.id > after_id, at most
     * limit of them (0: no limit) */
    int64_t after_id;
    int64_t limit;
};

/* Inserts the live sighting s (uuid, attribute, event, org, type, source and
 * date set by the caller) stamped with the transaction's seq; sets s->id.
 * ERR_CONFLICT if the uuid is taken (by a live or a deleted sighting). */
int store_sighting_insert(struct store_conn *c, struct sighting *s);
/* Loads the sighting with id (id > 0) or uuid, live or tombstoned, with its
 * attribute's uuid and value, its event's uuid and owner, and its org. */
int store_sighting_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                       struct sighting **out);
/* Calls fn for each live (or, with_deleted, also tombstoned) sighting matching q, in q->order; the
 * sighting's strings and org are in a, the struct itself only valid during the call.  fn returns
 * non-zero to stop. */
int store_sighting_search(struct store_conn *c, struct arena *a, const struct sighting_query *q,
                          int (*fn)(void *ctx, struct sighting *s), void *ctx);
/* Tombstones a live sighting (deleted = 1, new seq); ERR_NOTFOUND if none. */
int store_sighting_delete(struct store_conn *c, int64_t id);
/* Tombstones the live expirations (type 2) that org_id reported on an
 * attribute: a new expiration replaces them (MISP). */
int store_sighting_expire_previous(struct store_conn *c, int64_t attribute_id, int64_t org_id);
/* Of the uuids, calls fn for each one a sighting here has, live or
 * tombstoned, in event_id (0: in any event). */
int store_sighting_uuids_known(struct store_conn *c, int64_t event_id, struct str_set uuids,
                               int (*fn)(void *ctx, const char *uuid), void *ctx);
/* Moves the event's sighting_timestamp to now, or one past its value if that
 * is not older, so that every change is seen by a peer comparing it (MISP's
 * events/index minimal).  The event's own timestamp and seq do not move: a
 * sighting does not change the event, and a new event seq would make the
 * indicator index re-read all its attributes. */
int store_event_sighting_touch(struct store_conn *c, int64_t event_id, int64_t now);

/* ---- job leases (core/jobs.h) ---- */

/* A job's lease row as the scheduler reads it. */
struct job_lease_row {
    int64_t expires, not_before, failures, last_start, last_end, last_rc;
    char holder[64];
};

/*
 * Takes the lease of job `name` for `holder` until `expires` when nobody
 * holds it (no holder, its lease ran out before `now`, or its holder is
 * dead_holder - a runner known to be gone; NULL: none) and, unless
 * on_demand, its not_before has passed; creates the job's row on first use.
 * *taken tells whether holder now holds it.  Inside a write transaction.
 */
int store_lease_take(struct store_conn *c, const char *name, const char *holder, int64_t now,
                     int64_t expires, bool on_demand, const char *dead_holder, bool *taken);
/* Moves the expiry of every lease holder holds to `expires` (it is alive). */
int store_lease_renew(struct store_conn *c, const char *holder, int64_t expires);
/* Frees holder's lease of name, recording the run's end `now`, its result rc,
 * the failures in a row and when the next scheduled run may start.
 * ERR_NOTFOUND when holder does not hold it (its lease ran out and another
 * runner took the job). */
int store_lease_release(struct store_conn *c, const char *name, const char *holder, int64_t now,
                        int rc, int64_t failures, int64_t not_before);
/* Reads job name's row; ERR_NOTFOUND if it never ran. */
int store_lease_get(struct store_conn *c, const char *name, struct job_lease_row *out);

/* ---- copying a whole database (liaison migrate, core/migrate.h) ---- */

/* One column value of a copied row. */
struct store_value {
    enum { STORE_NULL, STORE_INT, STORE_TEXT, STORE_BLOB } kind;
    int64_t i;     /* STORE_INT */
    const char *p; /* STORE_TEXT (NUL-terminated) and STORE_BLOB */
    size_t len;
};

/* The tables a copy moves, NULL-terminated: every table of the schema but the
 * change bookkeeping (store_copy_finish sets it) and the job leases (a new
 * node's scheduler starts afresh). */
extern const char *const store_copy_tables[];

/* Whether name may go into a copy statement's text as a column or table name:
 * a plain lower-case identifier (the backends check the names they are given). */
bool store_copy_name_ok(const char *name);

/* Calls fn for every row of table (one of store_copy_tables) with its column
 * names and values, valid during the call.  fn returns non-zero to stop. */
int store_copy_out(struct store_conn *c, const char *table,
                   int (*fn)(void *ctx, size_t n, const char *const *names,
                             const struct store_value *values),
                   void *ctx);
/* Empties table, then takes rows with the n columns names (n may be 0 when
 * there are none): store_copy_in_row for each, store_copy_in_end to finish
 * (PostgreSQL streams them through COPY).  Inside a write transaction. */
int store_copy_in_begin(struct store_conn *c, const char *table, size_t n,
                        const char *const *names);
int store_copy_in_row(struct store_conn *c, const struct store_value *values);
int store_copy_in_end(struct store_conn *c);
/* After a copy: moves the id counters past the copied ids and the change
 * sequence to seq (the source's), so that what the copy writes next is
 * newer than everything copied. */
int store_copy_finish(struct store_conn *c, int64_t seq);

/* ---- the interface a backend implements ---- */

/*
 * What every backend's store and connection begin with: the first member of
 * its own struct (struct sqlite_store { struct store base; ... }), so that
 * the dispatchers find the table without knowing the backend.
 */
struct store_ops;
struct store {
    const struct store_ops *ops;
};
struct store_conn {
    const struct store_ops *ops;
};

/*
 * One entry per operation, each with the contract of the store_* function of the
 * same name above (store_uuid_taken and store_tag_resolve are composed from
 * uuid_taken_by, tag_get and tag_insert in store.c).  Every entry is filled.
 * open receives the whole URL as given to store_open (a bare path for the
 * default backend) and sets *out to its store, whose ops is this table.
 */
struct store_ops {
    const char *scheme; /* "sqlite": URLs "sqlite:..." */

    /* the store and its transactions */
    const char *alias; /* a second scheme for the same backend ("postgres"), or NULL */
    int (*open)(const char *url, unsigned readers, unsigned flags, struct store **out,
                struct diag *d);
    void (*close)(struct store *s);
    int (*wait_change)(struct store *s, unsigned timeout_ms);
    int (*schema_version)(struct store *s, int *version);
    int (*begin_read)(struct store *s, struct store_conn **out);
    int (*begin_write)(struct store *s, struct store_conn **out);
    int (*end)(struct store_conn *c, bool commit);
    int (*savepoint)(struct store_conn *c);
    int (*savepoint_end)(struct store_conn *c, bool keep);

    /* instance settings */
    int (*setting_get)(struct store_conn *c, struct arena *a, const char *name, char **value);
    int (*setting_set)(struct store_conn *c, const char *name, const char *value);

    /* organisations */
    int (*org_insert)(struct store_conn *c, struct org *o);
    int (*org_get)(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                   const char *name, struct org **out);
    int (*org_list)(struct store_conn *c, struct arena *a, struct org **out, size_t *n);

    /* roles and users */
    int (*role_get)(struct store_conn *c, struct arena *a, int64_t id, struct role **out);
    int (*role_list)(struct store_conn *c, struct arena *a, struct role **out, size_t *n);
    int (*user_insert)(struct store_conn *c, struct user *u);
    int (*user_update)(struct store_conn *c, const struct user *u);
    int (*user_delete)(struct store_conn *c, int64_t id);
    int (*user_get)(struct store_conn *c, struct arena *a, int64_t id, const char *email,
                    struct user **out);
    int (*user_list)(struct store_conn *c, struct arena *a, int64_t org_id, struct user **out,
                     size_t *n);

    /* API keys */
    int (*key_insert)(struct store_conn *c, struct auth_key *k, const unsigned char *hash,
                      size_t hash_len);
    int (*key_candidates)(struct store_conn *c, const char *start,
                          int (*fn)(void *ctx, const struct auth_key *k, const void *hash,
                                    size_t hash_len),
                          void *ctx);
    int (*key_get)(struct store_conn *c, struct arena *a, int64_t id, struct auth_key **out);
    int (*key_delete)(struct store_conn *c, int64_t id);
    int (*key_list)(struct store_conn *c, struct arena *a, int64_t user_id, struct auth_key **out,
                    size_t *n);

    /* sharing groups */
    int (*sharing_group_insert)(struct store_conn *c, struct sharing_group *g);
    int (*sharing_group_update)(struct store_conn *c, const struct sharing_group *g);
    int (*sharing_group_delete)(struct store_conn *c, int64_t id);
    int (*sharing_group_get)(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                             struct sharing_group **out);
    int (*sharing_group_list)(struct store_conn *c, struct arena *a, struct sharing_group **out,
                              size_t *n);
    int (*sharing_group_org_set)(struct store_conn *c, int64_t sg_id, int64_t org_id, bool extend);
    int (*sharing_group_org_remove)(struct store_conn *c, int64_t sg_id, int64_t org_id);
    int (*sharing_group_server_set)(struct store_conn *c, int64_t sg_id, int64_t server_id,
                                    bool all_orgs);
    int (*sharing_group_server_remove)(struct store_conn *c, int64_t sg_id, int64_t server_id);
    int (*sharing_group_visible_ids)(struct store_conn *c, struct arena *a, int64_t org_id,
                                     bool via_links, struct id_set *out);

    /* tags */
    int (*tag_get)(struct store_conn *c, struct arena *a, int64_t id, const char *name,
                   struct tag **out);
    int (*tag_list)(struct store_conn *c, struct arena *a, const char *name_like, struct tag **out,
                    size_t *n);
    int (*tag_insert)(struct store_conn *c, struct tag *t);
    int (*event_tag_attach)(struct store_conn *c, int64_t event_id, int64_t tag_id, bool local);
    int (*event_tag_detach)(struct store_conn *c, int64_t event_id, int64_t tag_id);
    int (*attribute_tag_attach)(struct store_conn *c, int64_t event_id, int64_t attribute_id,
                                int64_t tag_id, bool local);
    int (*attribute_tag_detach)(struct store_conn *c, int64_t attribute_id, int64_t tag_id);

    /* events */
    int (*event_insert)(struct store_conn *c, struct event *e);
    int (*event_update)(struct store_conn *c, const struct event *e);
    int (*event_touch)(struct store_conn *c, int64_t event_id, int64_t timestamp);
    int (*event_delete)(struct store_conn *c, int64_t event_id);
    int (*event_purge)(struct store_conn *c, int64_t event_id);
    int (*event_load)(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                      const struct acl_filter *acl, unsigned flags, struct event **out);
    int (*event_search)(struct store_conn *c, struct arena *a, const struct query *q,
                        int (*fn)(void *ctx, struct event *e), void *ctx);

    /* objects */
    int (*object_insert)(struct store_conn *c, struct object *o);
    int (*object_get)(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                      struct object **out);
    int (*object_delete)(struct store_conn *c, int64_t id, bool hard);
    int (*object_update)(struct store_conn *c, const struct object *o);
    int (*reference_insert)(struct store_conn *c, int64_t event_id, struct object_reference *r);

    /* attributes */
    int (*attribute_insert)(struct store_conn *c, struct attribute *at);
    int (*attribute_update)(struct store_conn *c, const struct attribute *at);
    int (*attribute_get)(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                         struct attribute **out);
    int (*attribute_delete)(struct store_conn *c, int64_t id, bool hard);
    int (*uuid_taken_by)(struct store_conn *c, const char *uuid, bool attributes, bool *taken);
    int (*uuids_taken_by)(struct store_conn *c, struct str_set uuids, bool attributes,
                          int (*fn)(void *ctx, const char *uuid), void *ctx);
    int (*attributes_insert)(struct store_conn *c, struct attribute *const *ats, size_t n,
                             size_t *conflict);
    int (*attribute_search)(struct store_conn *c, struct arena *a, const struct query *q,
                            bool with_tags,
                            int (*fn)(void *ctx, struct attribute *at, const char *event_uuid),
                            void *ctx);

    /* change feeds and sync look-ups */
    int (*event_stamps)(struct store_conn *c, struct str_set uuids,
                        int (*fn)(void *ctx, const char *uuid, int64_t timestamp, bool locked),
                        void *ctx);
    int (*events_changed)(struct store_conn *c, int64_t since,
                          int (*fn)(void *ctx, const struct event_change *ch), void *ctx);
    int (*sighting_events_changed)(struct store_conn *c, int64_t since,
                                   int (*fn)(void *ctx, int64_t event_id, const char *uuid),
                                   void *ctx);

    /* sync links and checkpoints */
    int (*server_insert)(struct store_conn *c, struct server *sv);
    int (*server_update)(struct store_conn *c, const struct server *sv);
    int (*server_delete)(struct store_conn *c, int64_t id);
    int (*server_get)(struct store_conn *c, struct arena *a, int64_t id, struct server **out);
    int (*server_list)(struct store_conn *c, struct arena *a, struct server **out, size_t *n);
    int (*sync_state_get)(struct store_conn *c, struct arena *a, int64_t server_id, bool push,
                          struct sync_state **out);
    int (*sync_state_put)(struct store_conn *c, const struct sync_state *s);
    int (*event_origin_set)(struct store_conn *c, int64_t event_id, int64_t server_id);
    int (*synced_events)(struct store_conn *c, int64_t server_id,
                         int (*fn)(void *ctx, const char *uuid), void *ctx);

    /* the indicator index's feed */
    int (*change_seq)(struct store_conn *c, int64_t *out);
    int (*index_feed)(struct store_conn *c, int64_t since,
                      int (*fn)(void *ctx, const struct index_row *r), void *ctx);

    /* sightings */
    int (*sighting_insert)(struct store_conn *c, struct sighting *s);
    int (*sighting_get)(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                        struct sighting **out);
    int (*sighting_search)(struct store_conn *c, struct arena *a, const struct sighting_query *q,
                           int (*fn)(void *ctx, struct sighting *s), void *ctx);
    int (*sighting_delete)(struct store_conn *c, int64_t id);
    int (*sighting_expire_previous)(struct store_conn *c, int64_t attribute_id, int64_t org_id);
    int (*sighting_uuids_known)(struct store_conn *c, int64_t event_id, struct str_set uuids,
                                int (*fn)(void *ctx, const char *uuid), void *ctx);
    int (*event_sighting_touch)(struct store_conn *c, int64_t event_id, int64_t now);
    /* job leases */
    int (*lease_take)(struct store_conn *c, const char *name, const char *holder, int64_t now,
                      int64_t expires, bool on_demand, const char *dead_holder, bool *taken);
    int (*lease_renew)(struct store_conn *c, const char *holder, int64_t expires);
    int (*lease_release)(struct store_conn *c, const char *name, const char *holder, int64_t now,
                         int rc, int64_t failures, int64_t not_before);
    int (*lease_get)(struct store_conn *c, const char *name, struct job_lease_row *out);

    /* copying a whole database */
    int (*copy_out)(struct store_conn *c, const char *table,
                    int (*fn)(void *ctx, size_t n, const char *const *names,
                              const struct store_value *values),
                    void *ctx);
    int (*copy_in_begin)(struct store_conn *c, const char *table, size_t n,
                         const char *const *names);
    int (*copy_in_row)(struct store_conn *c, const struct store_value *values);
    int (*copy_in_end)(struct store_conn *c);
    int (*copy_finish)(struct store_conn *c, int64_t seq);
};

/* The registered backends (store.c); a bare path opens the first. */
extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

#endif
