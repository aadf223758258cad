/*
 * feed.c - the SQLite backend's change feeds: the change sequence, events and
 * sightings written since a change, and the indicator index's feed.
 */
#include "store/sqlite/sqlite_int.h"

#include "util/banned.h"

static const char sql_events_changed[] =
    "SELECT id, uuid, timestamp, seq, published, distribution, deleted FROM events "
    "WHERE seq > ?1 ORDER BY seq";

int sq_events_changed(struct store_conn *base, int64_t since,
                      int (*fn)(void *ctx, const struct event_change *ch), void *ctx)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_events_changed);
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

int sq_sighting_events_changed(struct store_conn *base, int64_t since,
                               int (*fn)(void *ctx, int64_t event_id, const char *uuid), void *ctx)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_sighting_events_changed);
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
/* ---- the indicator index's feed ---- */

static const char sql_change_seq[] = "SELECT value FROM change_seq WHERE id = 1";

int sq_change_seq(struct store_conn *base, int64_t *out)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st = sq_stmt(c, sql_change_seq);
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

int sq_index_feed(struct store_conn *base, int64_t since,
                  int (*fn)(void *ctx, const struct index_row *r), void *ctx)
{
    struct sqlite_conn *c = sq_conn(base);
    sqlite3_stmt *st;
    if (since <= 0) {
        if ((st = sq_stmt(c, sql_feed_all)) == NULL)
            return ERR_DB;
        return feed_rows(st, fn, ctx);
    }
    if ((st = sq_stmt(c, sql_feed_removed)) == NULL)
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
    if ((st = sq_stmt(c, sql_feed_since)) == NULL)
        return ERR_DB;
    sqlite3_bind_int64(st, 1, since);
    return feed_rows(st, fn, ctx);
}
