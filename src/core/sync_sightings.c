/*
 * sync_sightings.c - the sightings half of a sync run.  See sync_sightings.h.
 */
#include "core/sync_sightings.h"

#include "core/acl.h"
#include "core/sighting.h"
#include "core/sync_rules.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

/* Sightings are asked for this many events at a time. */
#define SIGHTING_CHUNK 100
/* The peer's sighting_timestamp may run a little ahead of its clock: events
 * this close to the checkpoint are asked again (sightings dedupe by uuid). */
#define SIGHTING_MARGIN 60

/* ---- pulled ---- */

void sync_sightings_note(const struct sync_link *l, const struct sync_offer *v, size_t n,
                         struct sync_sighted *out)
{
    out->uuids = arena_alloc(l->a, (n ? n : 1) * sizeof(*out->uuids));
    out->n = 0;
    out->newest = l->state->last_sighting;
    int64_t since = l->state->last_sighting - SIGHTING_MARGIN;
    for (size_t i = 0; i < n; i++) {
        int64_t st = v[i].sighting_timestamp;
        if (st <= 0 || st <= since)
            continue;
        memcpy(out->uuids[out->n++], v[i].uuid, UUID_STR_LEN + 1);
        if (st > out->newest)
            out->newest = st;
    }
}

/* Where a pull's sightings may land (issue 10: never onto an event not shared
 * with the peer): the copies this link delivered, or else what the peer may
 * reach as its sync user here.  Read once per pull. */
struct sighting_reach {
    struct acl_filter seen;
    struct sync_uuids from_link;
};

static int sighting_reach_load(struct store *s, const struct sync_link *l,
                               struct sighting_reach *out)
{
    memset(&out->from_link, 0, sizeof(out->from_link));
    int rc = acl_filter_load(s, l->a, &l->peer, NULL, &out->seen);
    return rc < 0 ? rc : sync_link_delivered(s, l, &out->from_link);
}

/* Saves the sightings v[0..k) (of the events event_of[]) of one chunk of
 * events uuids[0..n): one transaction, a savepoint per event (an event not
 * here, e.g. left out by the pull rules, is skipped). */
static int save_sightings(struct store *s, const struct sync_link *l,
                          const struct sighting_reach *reach, struct arena *a,
                          const struct sighting *v, const char **event_of, size_t k,
                          char (*uuids)[UUID_STR_LEN + 1], size_t n, struct sync_report *r)
{
    /* deletions as acl_can_peer_delete_sighting allows, whichever filter */
    struct acl_filter own;
    acl_filter_system(&own, true);
    struct store_conn *c;
    int rc = store_begin_write(s, &c);
    if (rc < 0)
        return rc;
    struct sighting *mine = arena_alloc(a, (k ? k : 1) * sizeof(*mine));
    for (size_t e = 0; rc == 0 && e < n; e++) {
        size_t m = 0;
        for (size_t i = 0; i < k; i++)
            if (strcmp(event_of[i], uuids[e]) == 0)
                mine[m++] = v[i];
        if (m == 0)
            continue;
        struct sighting_bulk_result res;
        struct diag d;
        diag_clear(&d);
        if ((rc = store_savepoint(c)) < 0)
            break;
        bool ours = sync_uuids_has(&reach->from_link, uuids[e]);
        int brc = sighting_bulk_save(c, a, &l->peer, ours ? &own : &reach->seen, uuids[e], mine, m,
                                     &res, &d);
        if ((rc = store_savepoint_end(c, brc == 0)) < 0)
            break;
        if (brc == ERR_DB || brc == ERR_IO) {
            rc = brc;
        } else if (brc < 0 && brc != ERR_NOTFOUND) {
            r->failed++;
            sync_report_error(r, "sightings of event %s: %s%s%s", uuids[e], d.field,
                              d.field[0] ? ": " : "", d.msg);
        } else if (brc == 0) {
            r->sightings += (int64_t)(res.saved + res.removed);
        }
    }
    return store_end(c, rc == 0) < 0 && rc == 0 ? ERR_DB : rc;
}

int sync_sightings_pull(struct store *s, const struct sync_link *l, const struct sync_sighted *sd,
                        struct sync_report *r)
{
    struct sighting_reach reach;
    int rc = sd->n ? sighting_reach_load(s, l, &reach) : 0;
    if (rc < 0)
        return rc;
    for (size_t at = 0; rc == 0 && at < sd->n; at += SIGHTING_CHUNK) {
        size_t n = sd->n - at < SIGHTING_CHUNK ? sd->n - at : SIGHTING_CHUNK;
        struct arena *a = arena_new();
        struct sighting *v;
        const char **event_of;
        size_t k;
        rc = sync_client_sightings(l->sv, a, sd->uuids + at, n, r, &v, &event_of, &k);
        if (rc == 0 && k > 0)
            rc = save_sightings(s, l, &reach, a, v, event_of, k, sd->uuids + at, n, r);
        arena_free(a);
    }
    /* a peer without sightings (an old MISP) is not a failed pull */
    if (rc == ERR_IO || rc == ERR_INVAL) {
        r->failed++;
        rc = 0;
    }
    return rc;
}

/* ---- pushed ---- */

struct sighted_event {
    int64_t id;
    char uuid[UUID_STR_LEN + 1];
};

struct sighted_list {
    struct arena *a;
    struct sighted_event *v;
    size_t n, cap;
};

static int on_sighted(void *ctx, int64_t event_id, const char *uuid)
{
    struct sighted_list *l = ctx;
    l->v = arena_grow(l->a, l->v, l->n, &l->cap, sizeof(*l->v));
    l->v[l->n].id = event_id;
    snprintf(l->v[l->n].uuid, sizeof(l->v[l->n].uuid), "%s", uuid);
    l->n++;
    return 0;
}

int sync_sightings_push(struct store *s, const struct sync_link *l,
                        const struct misp_sync_rules *ru, int64_t since, struct sync_report *r)
{
    struct sighted_list events = {l->a, NULL, 0, 0};
    struct store_conn *c;
    int rc = store_begin_read(s, &c);
    if (rc < 0)
        return rc;
    rc = store_sighting_events_changed(c, since, on_sighted, &events);
    store_end(c, true);
    struct acl_filter all;
    acl_filter_system(&all, true);
    for (size_t i = 0; rc == 0 && i < events.n; i++) {
        struct arena *a = arena_new();
        struct event *e = NULL;
        struct sighting_list list = {0}; /* in a */
        struct sighting_query q = {
            .acl = all, .event_ids = {&events.v[i].id, 1}, .with_deleted = true};
        if ((rc = store_begin_read(s, &c)) < 0) {
            arena_free(a);
            break;
        }
        int lrc = store_event_load(c, a, events.v[i].id, NULL, &all, STORE_LOAD_TAGS, &e);
        if (lrc == 0 && e->distribution == DIST_SHARING_GROUP)
            lrc = sync_attach_sharing_groups(c, a, l->self_url, e);
        bool eligible = lrc == 0 && e->published && acl_sync_trim(e, DIST_CONNECTED) &&
                        sync_rules_admit_groups(e, l->sv) && sync_rules_pass(ru, e);
        if (eligible)
            rc = sighting_search(c, a, &q, &list);
        else if (lrc < 0 && lrc != ERR_NOTFOUND)
            rc = lrc;
        store_end(c, true);
        if (rc == 0 && eligible && list.n > 0 &&
            sync_client_push_sightings(l->sv, a, events.v[i].uuid, list.v, list.n, r) < 0)
            r->failed++;
        arena_free(a);
    }
    return rc;
}
