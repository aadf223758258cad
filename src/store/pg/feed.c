/*
 * feed.c - the PostgreSQL backend's change feeds: the change sequence, events
 * and sightings written since a change, and the indicator index's feed.
 * Every feed is read through a cursor: it may be long, and fn may run other
 * store calls on the same connection.
 */
#include "store/pg/pg_int.h"

#include "util/banned.h"

static const char sql_events_changed[] =
    "SELECT id, uuid, timestamp, seq, published, distribution, deleted FROM events "
    "WHERE seq > ? ORDER BY seq";

int pg_events_changed(struct store_conn *base, int64_t since,
                      int (*fn)(void *ctx, const struct event_change *ch), void *ctx)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, since);
    struct pg_cursor cur;
    int rc = pg_cursor_open(&cur, pg_conn(base), sql_events_changed, &p, 1000);
    while (rc == 0 && (rc = pg_cursor_next(&cur)) > 0) {
        struct event_change ch;
        ch.id = pg_int(cur.res, cur.row, 0);
        pg_uuid(ch.uuid, cur.res, cur.row, 1);
        ch.timestamp = pg_int(cur.res, cur.row, 2);
        ch.seq = pg_int(cur.res, cur.row, 3);
        ch.published = pg_bool(cur.res, cur.row, 4);
        ch.distribution = (int)pg_int(cur.res, cur.row, 5);
        ch.deleted = pg_bool(cur.res, cur.row, 6);
        rc = fn(ctx, &ch);
    }
    pg_cursor_close(&cur);
    return rc;
}

static const char sql_sighting_events_changed[] =
    "SELECT DISTINCT e.id, e.uuid FROM sightings s JOIN events e ON e.id = s.event_id "
    "WHERE s.seq > ? AND e.deleted = 0";

int pg_sighting_events_changed(struct store_conn *base, int64_t since,
                               int (*fn)(void *ctx, int64_t event_id, const char *uuid), void *ctx)
{
    struct pg_params p;
    pg_params_init(&p);
    pg_p_int(&p, since);
    struct pg_cursor cur;
    int rc = pg_cursor_open(&cur, pg_conn(base), sql_sighting_events_changed, &p, 1000);
    while (rc == 0 && (rc = pg_cursor_next(&cur)) > 0)
        rc = fn(ctx, pg_int(cur.res, cur.row, 0), pg_str(cur.res, cur.row, 1));
    pg_cursor_close(&cur);
    return rc;
}

/* ---- the indicator index's feed ---- */

/* change_head, not the sequence change_seq: the sequence is not
 * transactional (a value taken by a transaction still running is counted
 * there), while the head a snapshot holds is one whose rows it sees
 * (pg_int.h). */
static const char sql_change_seq[] = "SELECT value FROM change_head WHERE id = 1";

int pg_change_seq(struct store_conn *base, int64_t *out)
{
    PGresult *r;
    int rc = pg_row(pg_conn(base), sql_change_seq, NULL, &r);
    if (rc < 0)
        return rc == ERR_NOTFOUND ? ERR_DB : rc;
    *out = pg_int(r, 0, 0);
    PQclear(r);
    return 0;
}

/* The batch of the feed's cursors: a full feed (since 0) is every live
 * attribute, millions of rows, read in few round trips. */
#define FEED_BATCH 5000

#define FEED_COLS                                                                                  \
    "a.id, a.event_id, a.type, a.category, a.value, "                                              \
    "(a.deleted = 0 AND e.deleted = 0)::int, "                                                     \
    "(a.disable_correlation = 1 OR e.disable_correlation = 1)::int"

static const char sql_feed_all[] = "SELECT " FEED_COLS " FROM attributes a JOIN events e ON e.id = "
                                   "a.event_id WHERE a.deleted = 0 AND e.deleted = 0";
static const char sql_feed_removed[] =
    "SELECT attribute_id FROM attribute_removals WHERE seq > ? ORDER BY seq";
/* Attributes written since, then those of events written since whose own row
 * is older (so that no attribute comes twice). */
static const char sql_feed_since[] =
    "SELECT " FEED_COLS " FROM attributes a JOIN events e ON e.id = a.event_id WHERE a.seq > ? "
    "UNION ALL SELECT " FEED_COLS " FROM events e JOIN attributes a ON a.event_id = e.id "
    "WHERE e.seq > ? AND a.seq <= ?";

static int feed_rows(struct pg_conn *c, const char *sql, struct pg_params *p,
                     int (*fn)(void *, const struct index_row *), void *ctx)
{
    struct pg_cursor cur;
    int rc = pg_cursor_open(&cur, c, sql, p, FEED_BATCH);
    while (rc == 0 && (rc = pg_cursor_next(&cur)) > 0) {
        const PGresult *res = cur.res;
        int row = cur.row;
        struct index_row r;
        r.attribute_id = pg_int(res, row, 0);
        r.event_id = pg_int(res, row, 1);
        r.type = pg_str(res, row, 2);
        r.category = pg_str(res, row, 3);
        r.value = pg_str(res, row, 4);
        r.live = pg_bool(res, row, 5);
        r.no_correlate = pg_bool(res, row, 6);
        rc = fn(ctx, &r);
    }
    pg_cursor_close(&cur);
    return rc;
}

int pg_index_feed(struct store_conn *base, int64_t since,
                  int (*fn)(void *ctx, const struct index_row *r), void *ctx)
{
    struct pg_conn *c = pg_conn(base);
    struct pg_params p;
    pg_params_init(&p);
    if (since <= 0)
        return feed_rows(c, sql_feed_all, &p, fn, ctx);
    pg_p_int(&p, since);
    struct pg_cursor cur;
    int rc = pg_cursor_open(&cur, c, sql_feed_removed, &p, FEED_BATCH);
    while (rc == 0 && (rc = pg_cursor_next(&cur)) > 0) {
        struct index_row r = {.attribute_id = pg_int(cur.res, cur.row, 0)};
        rc = fn(ctx, &r);
    }
    pg_cursor_close(&cur);
    if (rc != 0)
        return rc;
    pg_params_init(&p);
    pg_p_int(&p, since);
    pg_p_int(&p, since);
    pg_p_int(&p, since);
    return feed_rows(c, sql_feed_since, &p, fn, ctx);
}
