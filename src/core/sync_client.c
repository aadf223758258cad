/*
 * sync_client.c - MISP's sync protocol as a client.  See sync_client.h.
 *
 * Pull (MISP Server::pull): getVersion; POST events/index {minimal,
 * published, the link's pull rules} with the last ETag; GET events/view/UUID/
 * deleted[]:0/deleted[]:1/excludeGalaxy:1 for the events wanted; POST
 * sightings/restSearch/event; from a Liaison peer, POST events/syncRevoked.
 * Push (MISP Server::push): POST events/filterEventIdsForPush; HEAD
 * events/view/UUID, then POST events/add or events/edit/UUID (metadata:1);
 * sightings/filterSightingUuidsForPush and bulkSaveSightings; to a Liaison
 * peer, POST events/syncRemove.
 */
#include "core/sync_client.h"

#include "codec/misp_json.h"
#include "core/peer.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

void sync_report_error(struct sync_report *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_warnx("sync: %s", msg);
    if (r->error[0] == '\0')
        snprintf(r->error, sizeof(r->error), "%s", msg);
}

int sync_client_hello(const struct server *sv, const char *self_uuid, bool push,
                      struct sync_report *r)
{
    struct peer_version v;
    enum peer_status st = peer_test(sv, self_uuid, &v);
    if (st != PEER_OK && (push || st != PEER_NOT_SYNC_USER)) {
        sync_report_error(r, "%s: %s", peer_status_name(st), v.message);
        return ERR_IO;
    }
    r->liaison_peer = v.liaison_sync >= 1;
    return 0;
}

/* ---- pull ---- */

/* Reads the peer's minimal index into out (uuids checked; bad items reported). */
static int read_index(struct arena *a, const struct buf *body, struct sync_index *out,
                      struct sync_report *r)
{
    struct arena *tmp = arena_new();
    struct misp_sync_index_item *v;
    size_t n;
    struct diag d;
    diag_clear(&d);
    int rc = misp_sync_index_decode(tmp, body->ptr, body->len, &v, &n, &d);
    if (rc < 0 && strcmp(d.field, "json") == 0)
        sync_report_error(r, "the peer's event index is not JSON (line %u, column %u: %s)", d.line,
                          d.col, d.msg);
    else if (rc < 0)
        sync_report_error(r, "the peer's event index is not a list of events");
    out->v = arena_calloc(a, rc == 0 && n ? n : 1, sizeof(*out->v));
    out->n = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        r->listed++;
        if (!v[i].valid) {
            r->failed++;
            sync_report_error(r, "the peer's event index item %zu has no valid uuid and timestamp",
                              i);
            continue;
        }
        struct sync_offer *x = &out->v[out->n++];
        memcpy(x->uuid, v[i].uuid, sizeof(x->uuid));
        x->timestamp = v[i].timestamp;
        x->sighting_timestamp = v[i].sighting_timestamp;
        x->wanted = true;
    }
    arena_free(tmp);
    return rc;
}

int sync_client_index(const struct server *sv, struct arena *a, const char *etag,
                      struct sync_index *out, struct sync_report *r)
{
    memset(out, 0, sizeof(*out));
    struct misp_sync_rules ru;
    misp_sync_rules_decode(a, sv->pull_rules, &ru);
    struct buf q;
    buf_init(&q, LIMIT_BODY_MAX);
    misp_sync_index_query_encode(&q, &ru);
    struct peer_reply reply;
    peer_reply_init(&reply, SYNC_INDEX_MAX);
    int rc = peer_request(sv, "POST", "/events/index", q.ptr, q.len, etag, &reply);
    buf_free(&q);
    if (rc < 0) {
        sync_report_error(r, "events/index: %s", reply.error);
    } else if (reply.status == 304) {
        r->not_modified = true;
    } else if (reply.status != 200) {
        sync_report_error(r, "events/index: the peer answered HTTP %ld", reply.status);
        rc = ERR_IO;
    }
    snprintf(out->etag, sizeof(out->etag), "%s", reply.etag);
    if (rc == 0 && !r->not_modified)
        rc = read_index(a, &reply.body, out, r);
    peer_reply_free(&reply);
    return rc;
}

struct fetch {
    const struct sync_offer *v;
    struct sync_report *r;
    sync_event_fn got;
    void *ctx;
};

static int on_event(void *ctx, size_t i, struct peer_reply *reply)
{
    struct fetch *f = ctx;
    const char *uuid = f->v[i].uuid;
    if (reply->status != 200) {
        f->r->failed++;
        if (reply->status == 0)
            sync_report_error(f->r, "event %s: %s", uuid, reply->error);
        else
            sync_report_error(f->r, "event %s: the peer answered HTTP %ld", uuid, reply->status);
        return 0;
    }
    struct arena *a = arena_new();
    struct event *e = NULL;
    struct diag d;
    diag_clear(&d);
    int rc = misp_sync_event_decode(a, reply->body.ptr, reply->body.len, &e, &d);
    if (rc == 0 && (e == NULL || strcmp(e->uuid, uuid) != 0))
        rc = diag_set(&d, ERR_INVAL, "Event.uuid", "the peer sent event %s for %s",
                      e ? e->uuid : "(none)", uuid);
    if (rc != 0 || e == NULL) {
        arena_free(a);
        f->r->failed++;
        sync_report_error(f->r, "event %s: %s%s%s", uuid, d.field[0] ? d.field : "",
                          d.field[0] ? ": " : "", d.msg[0] ? d.msg : err_str(rc));
        return 0;
    }
    return f->got(f->ctx, a, e);
}

int sync_client_events(const struct server *sv, struct arena *a, const struct sync_offer *v,
                       size_t n, unsigned parallel, struct sync_report *r, sync_event_fn got,
                       void *ctx)
{
    struct peer_call *calls = calloc(n ? n : 1, sizeof(*calls));
    if (calls == NULL)
        return ERR_IO;
    for (size_t i = 0; i < n; i++) {
        calls[i].method = "GET";
        calls[i].path = arena_printf(a,
                                     "/events/view/%s/deleted[]:0/deleted[]:1/excludeGalaxy:1/"
                                     "includeEventCorrelations:0",
                                     v[i].uuid);
    }
    struct fetch f = {v, r, got, ctx};
    int rc = peer_call_many(sv, calls, n, parallel, SYNC_EVENT_MAX, on_event, &f);
    free(calls);
    return rc;
}

/* POST path with body uuids[0..n) (ERR_TOOBIG over max, not sent). */
static int post_uuids(const struct server *sv, const char *path, char (*uuids)[UUID_STR_LEN + 1],
                      size_t n, size_t max, struct peer_reply *reply)
{
    struct buf q;
    buf_init(&q, max);
    misp_sync_uuids_encode(&q, uuids, n);
    int rc = q.err ? ERR_TOOBIG : peer_request(sv, "POST", path, q.ptr, q.len, NULL, reply);
    buf_free(&q);
    return rc;
}

int sync_client_revoked(const struct server *sv, struct arena *a, char (*uuids)[UUID_STR_LEN + 1],
                        size_t n, char (**out)[UUID_STR_LEN + 1], size_t *n_out,
                        struct sync_report *r)
{
    *out = NULL;
    *n_out = 0;
    struct peer_reply reply;
    peer_reply_init(&reply, SYNC_INDEX_MAX);
    int rc = post_uuids(sv, "/events/syncRevoked", uuids, n, SYNC_INDEX_MAX, &reply);
    struct diag d;
    diag_clear(&d);
    if (rc == 0 && reply.status != 200) {
        sync_report_error(r, "events/syncRevoked: the peer answered HTTP %ld", reply.status);
        rc = ERR_IO;
    } else if (rc < 0) {
        sync_report_error(r, "events/syncRevoked: %s", reply.error[0] ? reply.error : err_str(rc));
    } else if (misp_sync_uuids_decode(a, reply.body.ptr, reply.body.len, out, n_out, &d) < 0) {
        sync_report_error(r, "events/syncRevoked: the answer is not a list of uuids");
        rc = ERR_INVAL;
    }
    peer_reply_free(&reply);
    return rc;
}

int sync_client_sightings(const struct server *sv, struct arena *a, char (*uuids)[UUID_STR_LEN + 1],
                          size_t n, struct sync_report *r, struct sighting **v,
                          const char ***event_of, size_t *n_out)
{
    *n_out = 0;
    struct buf q;
    buf_init(&q, LIMIT_BODY_MAX);
    misp_sync_sighting_query_encode(&q, uuids, n, r->liaison_peer);
    struct peer_reply reply;
    peer_reply_init(&reply, SYNC_INDEX_MAX);
    int rc = peer_request(sv, "POST", "/sightings/restSearch/event", q.ptr, q.len, NULL, &reply);
    buf_free(&q);
    struct misp_sync_sighting *items = NULL;
    size_t n_items = 0;
    struct diag d;
    diag_clear(&d);
    if (rc < 0) {
        sync_report_error(r, "sightings/restSearch: %s", reply.error);
    } else if (reply.status != 200) {
        sync_report_error(r, "sightings/restSearch: the peer answered HTTP %ld", reply.status);
        rc = ERR_IO;
    } else if (misp_sync_sightings_decode(a, reply.body.ptr, reply.body.len, &items, &n_items, &d) <
               0) {
        sync_report_error(r, "sightings/restSearch: the answer is not {\"response\": [...]}");
        rc = ERR_INVAL;
    }
    peer_reply_free(&reply);
    *v = arena_alloc(a, (n_items ? n_items : 1) * sizeof(**v));
    *event_of = arena_alloc(a, (n_items ? n_items : 1) * sizeof(**event_of));
    for (size_t i = 0; rc == 0 && i < n_items; i++) {
        if (items[i].error != NULL) {
            r->failed++;
            sync_report_error(r, "sightings: item %zu: %s", i, items[i].error);
            continue;
        }
        (*v)[*n_out] = items[i].s;
        (*event_of)[(*n_out)++] = items[i].event_uuid;
    }
    return rc;
}

/* ---- push ---- */

int sync_client_encode(const struct event *e, size_t attrs, struct sync_outgoing *o)
{
    struct buf doc;
    buf_init(&doc, SYNC_EVENT_MAX);
    misp_sync_event_encode(&doc, e);
    if (doc.err) {
        buf_free(&doc);
        return ERR_TOOBIG;
    }
    snprintf(o->uuid, sizeof(o->uuid), "%s", e->uuid);
    o->timestamp = e->timestamp;
    o->json = buf_take(&doc, &o->len);
    o->attrs = attrs;
    return 0;
}

int sync_client_offer(const struct server *sv, struct arena *a, const struct sync_outgoing *out,
                      size_t n, bool *wanted, struct sync_report *r)
{
    char(*uuids)[UUID_STR_LEN + 1] = arena_alloc(a, (n ? n : 1) * sizeof(*uuids));
    int64_t *stamps = arena_alloc(a, (n ? n : 1) * sizeof(*stamps));
    for (size_t i = 0; i < n; i++) {
        memcpy(uuids[i], out[i].uuid, sizeof(uuids[i]));
        stamps[i] = out[i].timestamp;
    }
    struct buf q;
    buf_init(&q, LIMIT_BODY_MAX);
    misp_sync_offers_encode(&q, uuids, stamps, n);
    struct peer_reply reply;
    peer_reply_init(&reply, SYNC_INDEX_MAX);
    int rc = peer_request(sv, "POST", "/events/filterEventIdsForPush", q.ptr, q.len, NULL, &reply);
    buf_free(&q);
    char(*want)[UUID_STR_LEN + 1] = NULL;
    size_t n_want = 0;
    struct diag d;
    diag_clear(&d);
    if (rc < 0) {
        sync_report_error(r, "events/filterEventIdsForPush: %s", reply.error);
    } else if (reply.status != 200) {
        sync_report_error(r, "events/filterEventIdsForPush: the peer answered HTTP %ld",
                          reply.status);
        rc = ERR_IO;
    } else if (misp_sync_uuids_decode(a, reply.body.ptr, reply.body.len, &want, &n_want, &d) < 0) {
        sync_report_error(r, "events/filterEventIdsForPush: the answer is not a list of uuids");
        rc = ERR_INVAL;
    }
    peer_reply_free(&reply);
    for (size_t i = 0; i < n; i++)
        wanted[i] = false;
    for (size_t k = 0; rc == 0 && k < n_want; k++)
        for (size_t i = 0; i < n; i++)
            if (strcmp(out[i].uuid, want[k]) == 0)
                wanted[i] = true;
    return rc;
}

/* Sending the wanted events of a chunk: HEAD events/view for each tells add
 * from edit (MISP's push), then events/add or events/edit. */
struct push_round {
    const struct sync_outgoing *out;
    size_t *pick; /* the wanted indexes into out */
    bool *exists;
    struct sync_report *r;
};

static int on_head(void *ctx, size_t i, struct peer_reply *reply)
{
    struct push_round *pr = ctx;
    pr->exists[i] = reply->status == 200;
    return 0;
}

static int on_sent(void *ctx, size_t i, struct peer_reply *reply)
{
    struct push_round *pr = ctx;
    const struct sync_outgoing *o = &pr->out[pr->pick[i]];
    struct sync_report *r = pr->r;
    if (reply->status == 200) {
        if (pr->exists[i])
            r->updated++;
        else
            r->created++;
        r->attributes += (int64_t)o->attrs;
    } else if (reply->status == 403 && reply->body.ptr != NULL &&
               strstr(reply->body.ptr, "not newer") != NULL) {
        r->unchanged++;
    } else {
        r->failed++;
        if (reply->status == 0)
            sync_report_error(r, "event %s: %s", o->uuid, reply->error);
        else
            sync_report_error(r, "event %s: the peer answered HTTP %ld: %.200s", o->uuid,
                              reply->status, reply->body.ptr ? reply->body.ptr : "");
    }
    return 0;
}

int sync_client_send(const struct server *sv, struct arena *a, const struct sync_outgoing *out,
                     const bool *wanted, size_t n, unsigned parallel, struct sync_report *r)
{
    struct push_round pr = {.out = out, .r = r};
    pr.pick = arena_alloc(a, (n ? n : 1) * sizeof(*pr.pick));
    pr.exists = arena_calloc(a, n ? n : 1, sizeof(*pr.exists));
    struct peer_call *calls = arena_calloc(a, n ? n : 1, sizeof(*calls));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (wanted[i])
            pr.pick[k++] = i;
    r->wanted += (int64_t)k;
    for (size_t i = 0; i < k; i++) {
        calls[i].method = "HEAD";
        calls[i].path = arena_printf(a, "/events/view/%.36s", out[pr.pick[i]].uuid);
    }
    int rc = peer_call_many(sv, calls, k, parallel, 4096, on_head, &pr);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        const struct sync_outgoing *o = &out[pr.pick[i]];
        calls[i].method = "POST";
        calls[i].path = pr.exists[i] ? arena_printf(a, "/events/edit/%.36s/metadata:1", o->uuid)
                                     : "/events/add/metadata:1";
        calls[i].body = o->json;
        calls[i].len = o->len;
    }
    if (rc == 0)
        rc = peer_call_many(sv, calls, k, parallel, 1 << 20, on_sent, &pr);
    return rc;
}

int sync_client_remove(const struct server *sv, struct arena *a, char (*uuids)[UUID_STR_LEN + 1],
                       size_t n, struct sync_report *r)
{
    if (n == 0)
        return 0;
    struct peer_reply reply;
    peer_reply_init(&reply, 1 << 20);
    int rc = post_uuids(sv, "/events/syncRemove", uuids, n, SYNC_INDEX_MAX, &reply);
    struct diag d;
    diag_clear(&d);
    int64_t removed = 0;
    if (rc < 0) {
        sync_report_error(r, "events/syncRemove: %s", reply.error[0] ? reply.error : err_str(rc));
    } else if (reply.status != 200) {
        sync_report_error(r, "events/syncRemove: the peer answered HTTP %ld", reply.status);
        rc = ERR_IO;
    } else if (misp_sync_removed_decode(a, reply.body.ptr, reply.body.len, &removed, &d) == 0) {
        r->removed += removed;
    }
    peer_reply_free(&reply);
    return rc;
}

int sync_client_push_sightings(const struct server *sv, struct arena *a, const char *event_uuid,
                               const struct sighting *v, size_t n, struct sync_report *r)
{
    char(*uuids)[UUID_STR_LEN + 1] = arena_alloc(a, (n ? n : 1) * sizeof(*uuids));
    for (size_t i = 0; i < n; i++)
        snprintf(uuids[i], sizeof(uuids[i]), "%s", v[i].uuid);
    char path[128];
    snprintf(path, sizeof(path), "/sightings/filterSightingUuidsForPush/%.36s", event_uuid);
    struct peer_reply reply;
    peer_reply_init(&reply, SYNC_INDEX_MAX);
    int rc = post_uuids(sv, path, uuids, n, SYNC_INDEX_MAX, &reply);
    struct str *known = NULL;
    size_t n_known = 0;
    struct diag d;
    diag_clear(&d);
    if (rc == 0 &&
        (reply.status != 200 ||
         misp_sync_strings_decode(a, reply.body.ptr, reply.body.len, &known, &n_known, &d) < 0))
        rc = ERR_IO;
    if (rc < 0)
        sync_report_error(r, "sightings of event %s: filterSightingUuidsForPush: %s", event_uuid,
                          reply.error[0] ? reply.error : "unexpected answer");
    peer_reply_free(&reply);
    if (rc < 0)
        return rc;
    bool *pick = arena_calloc(a, n ? n : 1, sizeof(*pick));
    size_t sent = 0;
    for (size_t i = 0; i < n; i++) {
        bool has = false;
        for (size_t k = 0; k < n_known && !has; k++)
            has = str_eq_cstr(known[k], v[i].uuid);
        pick[i] = v[i].deleted ? r->liaison_peer && has : !has;
        sent += pick[i];
    }
    if (sent == 0)
        return 0;
    struct buf q;
    buf_init(&q, SYNC_INDEX_MAX);
    misp_sync_sightings_encode(&q, v, pick, n,
                               MISP_SIGHTING_ATTRIBUTE_UUID | MISP_SIGHTING_ORG |
                                   (r->liaison_peer ? MISP_SIGHTING_DELETED : 0));
    snprintf(path, sizeof(path), "/sightings/bulkSaveSightings/%.36s", event_uuid);
    peer_reply_init(&reply, 1 << 20);
    rc = q.err ? ERR_TOOBIG : peer_request(sv, "POST", path, q.ptr, q.len, NULL, &reply);
    if (rc == 0 && reply.status == 200)
        r->sightings += (int64_t)sent;
    else
        sync_report_error(r, "sightings of event %s: bulkSaveSightings: %s", event_uuid,
                          rc < 0 ? reply.error : "the peer refused them");
    if (rc == 0 && reply.status != 200)
        rc = ERR_IO;
    peer_reply_free(&reply);
    buf_free(&q);
    return rc;
}
