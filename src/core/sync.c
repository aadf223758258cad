/*
 * sync.c - the sync engine: one pull or push run over a link.  See sync.h.
 *
 * A run loads the link and its checkpoint (link_load), talks to the peer
 * through core/sync_client.c without holding the store, applies the rules
 * (core/sync_rules.c, acl.c), writes what it received through
 * core/sync_writer.c, does the sightings (core/sync_sightings.c), and saves
 * how it went and the new checkpoint (link_save).  A checkpoint moves only
 * when everything it covers went, so a failed or killed run is retried by
 * the next.
 *
 * Pull: the peer's index with the last ETag; the events newer than here,
 * fetched in parallel, rewritten for this side (acl_sync_rewrite_pulled) and
 * written in batches; from a Liaison peer, the synced copies it no longer
 * shares removed; then sightings.  Push: the events changed since the last
 * run, in chunks: loaded, trimmed (acl_sync_trim, the link's sharing groups
 * and rules), rewritten (acl_sync_rewrite_pushed), offered and sent; to a
 * Liaison peer, the copies it may no longer keep removed; then sightings.
 *
 * Not here: the requests and their JSON (sync_client.c, codec/misp_sync.c),
 * what may leave or land (sync_rules.c, acl.c), scheduling (sync_jobs.c).
 */
#include "core/sync.h"

#include "core/acl.h"
#include "core/jobs.h"
#include "core/sync_client.h"
#include "core/sync_link.h"
#include "core/sync_sightings.h"
#include "core/sync_writer.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

size_t sync_event_attrs(const struct event *e)
{
    size_t n = e->n_attrs;
    for (size_t j = 0; j < e->n_objects; j++)
        n += e->objects[j].n_attrs;
    return n;
}

static int cmp_uuid(const void *x, const void *y)
{
    return strcmp(x, y);
}

static int on_synced(void *ctx, const char *uuid)
{
    struct sync_uuids *set = ctx;
    set->v = arena_grow(set->a, set->v, set->n, &set->cap, sizeof(*set->v));
    snprintf(set->v[set->n++], UUID_STR_LEN + 1, "%s", uuid);
    return 0;
}

int sync_link_delivered(struct store *s, const struct sync_link *l, struct sync_uuids *out)
{
    *out = (struct sync_uuids){l->a, NULL, 0, 0};
    struct store_conn *c;
    int rc = store_begin_read(s, &c);
    if (rc < 0)
        return rc;
    rc = store_synced_events(c, l->sv->id, on_synced, out);
    store_end(c, true);
    if (rc == 0 && out->n)
        qsort(out->v, out->n, sizeof(*out->v), cmp_uuid);
    return rc;
}

bool sync_uuids_has(const struct sync_uuids *u, const char *uuid)
{
    return u->n && bsearch(uuid, u->v, u->n, sizeof(*u->v), cmp_uuid) != NULL;
}

/* ---- the link, its state and the acting principals ---- */

static int link_load(struct store *s, int64_t server_id, bool push, struct sync_link *l,
                     struct sync_report *r)
{
    memset(l, 0, sizeof(*l));
    l->a = arena_new();
    struct store_conn *c;
    int rc = store_begin_read(s, &c);
    if (rc < 0)
        return rc;
    struct org *owner = NULL;
    rc = store_server_get(c, l->a, server_id, &l->sv);
    if (rc == 0)
        rc = store_sync_state_get(c, l->a, server_id, push, &l->state);
    if (rc == 0)
        rc = store_org_get(c, l->a, l->sv->org_id, NULL, NULL, &owner);
    store_end(c, true);
    if (rc == ERR_NOTFOUND) {
        sync_report_error(r, "no sync link %lld", (long long)server_id);
        return rc;
    }
    if (rc < 0 || owner == NULL)
        return rc < 0 ? rc : ERR_DB;
    acl_principal_for_link_pull(owner, &l->actor);
    acl_principal_for_link_peer(l->sv->remote_org_id, &l->peer);
    return 0;
}

/* Records how the run went (the checkpoint fields were set by the run). */
static void link_save(struct store *s, struct sync_link *l, const struct sync_report *r, bool ok)
{
    struct sync_state *st = l->state;
    st->last_run = (int64_t)time(NULL);
    if (ok)
        st->last_success = st->last_run;
    st->last_error = (char *)r->error;
    st->events = r->created + r->updated;
    st->attributes = r->attributes;
    st->failures = r->failed;
    st->sightings = r->sightings;
    st->total_events += r->created + r->updated;
    struct store_conn *c;
    if (store_begin_write(s, &c) < 0)
        return;
    int rc = store_sync_state_put(c, st);
    store_end(c, rc == 0);
}

/* ---- pull ---- */

static int cmp_offer_uuid(const void *x, const void *y)
{
    return strcmp(((const struct sync_offer *)x)->uuid, ((const struct sync_offer *)y)->uuid);
}

static int cmp_offer_time(const void *x, const void *y)
{
    int64_t a = ((const struct sync_offer *)x)->timestamp;
    int64_t b = ((const struct sync_offer *)y)->timestamp;
    return (a > b) - (a < b);
}

static int on_local_stamp(void *ctx, const char *uuid, int64_t timestamp, bool locked)
{
    struct sync_index *o = ctx;
    struct sync_offer key = {.timestamp = 0};
    snprintf(key.uuid, sizeof(key.uuid), "%s", uuid);
    struct sync_offer *hit = bsearch(&key, o->v, o->n, sizeof(*o->v), cmp_offer_uuid);
    if (hit != NULL && (!locked || timestamp >= hit->timestamp))
        hit->wanted = false;
    return 0;
}

/* Keeps the offered events newer than here (an event created here, not
 * locked, is never replaced); sorts them oldest first. */
static int mark_wanted(struct store *s, struct sync_index *o, struct sync_report *r)
{
    if (o->n == 0)
        return 0;
    qsort(o->v, o->n, sizeof(*o->v), cmp_offer_uuid);
    const char **list = xcalloc(o->n, sizeof(*list));
    for (size_t i = 0; i < o->n; i++)
        list[i] = o->v[i].uuid;
    struct store_conn *c;
    int rc = store_begin_read(s, &c);
    if (rc == 0) {
        rc = store_event_stamps(c, (struct str_set){list, o->n}, on_local_stamp, o);
        store_end(c, true);
    }
    free(list);
    if (rc < 0)
        return rc;
    size_t kept = 0;
    for (size_t i = 0; i < o->n; i++) {
        if (i > 0 && strcmp(o->v[i].uuid, o->v[i - 1].uuid) == 0)
            continue; /* listed twice */
        if (o->v[i].wanted)
            o->v[kept++] = o->v[i];
        else
            r->unchanged++;
    }
    o->n = kept;
    r->wanted = (int64_t)kept;
    qsort(o->v, o->n, sizeof(*o->v), cmp_offer_time);
    return 0;
}

static int on_event(void *ctx, struct arena *ea, struct event *e)
{
    acl_sync_rewrite_pulled(e);
    return sync_writer_add(ctx, ea, e);
}

/* Fetches the wanted events (parallel, bounded) and has them written. */
static int fetch_and_write(struct store *s, struct sync_link *l, const struct sync_index *offers,
                           unsigned parallel, struct sync_report *r)
{
    struct sync_writer *w;
    int rc = sync_writer_start(s, l, r->liaison_peer, &w);
    if (rc < 0)
        return rc;
    rc = sync_client_events(l->sv, l->a, offers->v, offers->n, parallel, r, on_event, w);
    int64_t newest;
    int wrc = sync_writer_finish(w, rc == 0, r, &newest);
    if (rc == 0)
        rc = wrc;
    if (newest > l->state->last_timestamp)
        l->state->last_timestamp = newest;
    return rc;
}

/* Liaison peers: asks which of the copies pulled from them they no longer
 * share (deleted there, distribution narrowed, TLP) and removes those here. */
static int pull_revocations(struct store *s, struct sync_link *l, struct sync_report *r)
{
    struct sync_uuids mine;
    int rc = sync_link_delivered(s, l, &mine);
    if (rc < 0 || mine.n == 0)
        return rc;
    char(*gone)[UUID_STR_LEN + 1];
    size_t n_gone;
    rc = sync_client_revoked(l->sv, l->a, mine.v, mine.n, &gone, &n_gone, r);
    struct store_conn *c;
    if (rc == 0 && n_gone > 0 && (rc = store_begin_write(s, &c)) == 0) {
        struct acl_filter all;
        acl_filter_system(&all, false);
        for (size_t i = 0; rc == 0 && i < n_gone; i++) {
            struct event *e;
            /* only copies that came from this peer, never one created here */
            if (!sync_uuids_has(&mine, gone[i]))
                continue;
            int lrc = store_event_load(c, l->a, 0, gone[i], &all, 0, &e);
            if (lrc == ERR_NOTFOUND || (lrc == 0 && !e->locked))
                continue;
            if ((rc = lrc) == 0 && (rc = store_event_purge(c, e->id)) == 0)
                r->removed++;
        }
        rc = store_end(c, rc == 0) < 0 && rc == 0 ? ERR_DB : rc;
    }
    return rc;
}

static int pull_run(struct store *s, struct sync_link *l, const struct sync_opts *o,
                    struct sync_report *r)
{
    struct server *sv = l->sv;
    if (!sv->pull) {
        sync_report_error(r, "pulling is not enabled on link %lld (%s): set pull on it first",
                          (long long)sv->id, sv->name);
        return ERR_FORBIDDEN;
    }
    int rc = sync_client_hello(sv, o->self_uuid, false, r);
    if (rc < 0)
        return rc;
    struct sync_index offers = {NULL, 0, ""};
    rc = sync_client_index(sv, l->a, o->full ? NULL : l->state->etag, &offers, r);
    if (rc < 0 || r->not_modified)
        return rc;
    /* the events with sightings newer than the checkpoint, before
     * mark_wanted keeps only the events to fetch */
    struct sync_sighted sighted;
    sync_sightings_note(l, offers.v, offers.n, &sighted);
    if ((rc = mark_wanted(s, &offers, r)) < 0)
        return rc;

    rc = fetch_and_write(s, l, &offers, o->parallel ? o->parallel : SYNC_PARALLEL_DEFAULT, r);
    if (rc == 0 && r->liaison_peer)
        rc = pull_revocations(s, l, r);
    int64_t failed = r->failed;
    if (rc == 0)
        rc = sync_sightings_pull(s, l, &sighted, r);
    if (rc == 0 && r->failed == failed)
        l->state->last_sighting = sighted.newest;
    /* The ETag stands for the index just handled: keep it only when every
     * event in it landed, so that failures are retried next time. */
    if (rc == 0 && r->failed == 0)
        l->state->etag = arena_strdup(l->a, offers.etag);
    return rc;
}

/* ---- push ---- */

/* The events pushed per round: loaded, encoded, offered, sent. */
#define PUSH_CHUNK 100

struct change_list {
    struct arena *a;
    struct event_change *v;
    size_t n, cap;
};

static int on_change(void *ctx, const struct event_change *ch)
{
    struct change_list *l = ctx;
    l->v = arena_grow(l->a, l->v, l->n, &l->cap, sizeof(*l->v));
    l->v[l->n++] = *ch;
    return 0;
}

/* Loads, filters and encodes one chunk of changed events.  Those that may no
 * longer go to the peer (deleted, narrowed, TLP) are added to revoked. */
static int push_prepare(struct store *s, struct sync_link *l, const struct misp_sync_rules *ru,
                        const struct event_change *v, size_t n, struct arena *a,
                        struct sync_outgoing *out, size_t *n_out, struct sync_uuids *revoked,
                        struct sync_report *r)
{
    struct store_conn *c;
    int rc = store_begin_read(s, &c);
    if (rc < 0)
        return rc;
    struct acl_filter all;
    acl_filter_system(&all, true);
    *n_out = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct event_change *ch = &v[i];
        if (!ch->deleted && !ch->published)
            continue; /* a draft: it goes when published */
        r->listed++;
        struct event *e = NULL;
        int lrc =
            ch->deleted
                ? ERR_NOTFOUND
                : store_event_load(c, a, ch->id, NULL, &all,
                                   STORE_LOAD_CHILDREN | STORE_LOAD_TAGS | STORE_LOAD_DELETED, &e);
        if (lrc < 0 && lrc != ERR_NOTFOUND) {
            rc = lrc;
            break;
        }
        if (lrc == 0 && (lrc = sync_attach_sharing_groups(c, a, l->self_url, e)) < 0) {
            rc = lrc;
            break;
        }
        bool eligible =
            lrc == 0 && acl_sync_trim(e, DIST_CONNECTED) && sync_rules_admit_groups(e, l->sv);
        if (!eligible) {
            on_synced(revoked, ch->uuid);
            continue;
        }
        if (!sync_rules_pass(ru, e)) {
            r->unchanged++;
            continue;
        }
        acl_sync_rewrite_pushed(e);
        if (sync_client_encode(e, sync_event_attrs(e), &out[*n_out]) < 0) {
            r->failed++;
            sync_report_error(r, "event %s: too large to push", ch->uuid);
            continue;
        }
        (*n_out)++;
    }
    store_end(c, true);
    return rc;
}

static int push_run(struct store *s, struct sync_link *l, const struct sync_opts *o,
                    struct sync_report *r)
{
    struct server *sv = l->sv;
    if (!sv->push) {
        sync_report_error(r, "pushing is not enabled on link %lld (%s): set push on it first",
                          (long long)sv->id, sv->name);
        return ERR_FORBIDDEN;
    }
    int rc = sync_client_hello(sv, o->self_uuid, true, r);
    if (rc < 0)
        return rc;
    struct misp_sync_rules ru;
    misp_sync_rules_decode(l->a, sv->push_rules, &ru);
    struct change_list changes = {l->a, NULL, 0, 0};
    int64_t seq_now = 0;
    struct store_conn *c;
    if ((rc = store_begin_read(s, &c)) < 0)
        return rc;
    rc = store_change_seq(c, &seq_now);
    if (rc == 0)
        rc = store_events_changed(c, o->full ? 0 : l->state->last_seq, on_change, &changes);
    store_end(c, true);
    struct sync_uuids revoked = {l->a, NULL, 0, 0};
    struct sync_outgoing out[PUSH_CHUNK];
    bool wanted[PUSH_CHUNK];
    for (size_t at = 0; rc == 0 && at < changes.n; at += PUSH_CHUNK) {
        size_t n = changes.n - at < PUSH_CHUNK ? changes.n - at : PUSH_CHUNK;
        struct arena *a = arena_new();
        size_t n_out = 0;
        rc = push_prepare(s, l, &ru, changes.v + at, n, a, out, &n_out, &revoked, r);
        if (rc == 0 && n_out > 0)
            rc = sync_client_offer(sv, a, out, n_out, wanted, r);
        for (size_t i = 0; rc == 0 && i < n_out; i++)
            if (!wanted[i])
                r->unchanged++;
        if (rc == 0 && n_out > 0)
            rc = sync_client_send(sv, a, out, wanted, n_out, SYNC_PARALLEL_DEFAULT, r);
        for (size_t i = 0; i < n_out; i++)
            free(out[i].json);
        arena_free(a);
    }
    if (rc == 0 && r->liaison_peer)
        rc = sync_client_remove(sv, l->a, revoked.v, revoked.n, r);
    if (rc == 0 && sv->push_sightings)
        rc = sync_sightings_push(s, l, &ru, o->full ? 0 : l->state->last_seq, r);
    /* the checkpoint moves only when everything went: failures are retried */
    if (rc == 0 && r->failed == 0)
        l->state->last_seq = seq_now;
    return rc;
}

/* ---- runs ---- */

void sync_job_name(char *out, int64_t server_id, bool push)
{
    snprintf(out, JOBS_NAME_MAX, "sync.%s.%lld", push ? "push" : "pull", (long long)server_id);
}

int sync_run_leased(struct store *s, int64_t server_id, bool push, const struct sync_opts *o,
                    struct sync_report *r)
{
    memset(r, 0, sizeof(*r));
    double t0 = now_mono();
    struct sync_link l;
    int rc = link_load(s, server_id, push, &l, r);
    l.self_url = o->self_url;
    if (rc == 0) {
        rc = push ? push_run(s, &l, o, r) : pull_run(s, &l, o, r);
        if (rc < 0 && r->error[0] == '\0')
            sync_report_error(r, "%s", err_str(rc));
        r->seconds = now_mono() - t0;
        link_save(s, &l, r, rc == 0);
    }
    arena_free(l.a);
    return rc;
}

/* Runs a pull or a push on link server_id on demand, under the job's lease:
 * one at a time per link and direction, across processes. */
static int sync_run(struct store *s, int64_t server_id, bool push, const struct sync_opts *o,
                    struct sync_report *r)
{
    memset(r, 0, sizeof(*r));
    char name[JOBS_NAME_MAX];
    sync_job_name(name, server_id, push);
    struct job_lease *lease;
    int rc = jobs_lease_take(s, name, true, &lease);
    if (rc == ERR_CONFLICT) {
        sync_report_error(r, "a %s with link %lld is running already", push ? "push" : "pull",
                          (long long)server_id);
        return ERR_CONFLICT;
    }
    if (rc < 0) {
        sync_report_error(r, "cannot take the %s job's lease: %s", push ? "push" : "pull",
                          err_str(rc));
        return rc;
    }
    rc = sync_run_leased(s, server_id, push, o, r);
    jobs_lease_release(lease, rc);
    return rc;
}

int sync_pull(struct store *s, int64_t server_id, const struct sync_opts *o, struct sync_report *r)
{
    return sync_run(s, server_id, false, o, r);
}

int sync_push(struct store *s, int64_t server_id, const struct sync_opts *o, struct sync_report *r)
{
    return sync_run(s, server_id, true, o, r);
}
