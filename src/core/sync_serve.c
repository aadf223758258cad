/*
 * sync_serve.c - the receiving side of a peer's sync.  See sync_serve.h.
 */
#include "core/sync_serve.h"

#include "store/store.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

struct offer {
    const char *uuid;
    int64_t timestamp;
    size_t pos; /* in the request */
};

struct offers {
    struct offer *v; /* sorted by uuid, then position */
    size_t n;
    bool *wanted; /* by position */
};

static int cmp_offer(const void *a, const void *b)
{
    const struct offer *x = a, *y = b;
    int c = strcmp(x->uuid, y->uuid);
    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* A local copy that is as new, or that was created here (not locked: not a
 * synced copy), is not taken from a peer. */
static int on_stamp(void *ctx, const char *uuid, int64_t timestamp, bool locked)
{
    struct offers *o = ctx;
    size_t lo = 0, hi = o->n;
    while (lo < hi) { /* the first offer of uuid */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(o->v[mid].uuid, uuid) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < o->n && strcmp(o->v[i].uuid, uuid) == 0; i++)
        if (!locked || timestamp >= o->v[i].timestamp)
            o->wanted[o->v[i].pos] = false;
    return 0;
}

int sync_serve_wanted(struct svc *s, const struct principal *who, char (*uuids)[UUID_STR_LEN + 1],
                      const int64_t *timestamps, size_t n, bool *wanted)
{
    if (!acl_can_sync(who))
        return ERR_FORBIDDEN;
    struct offers o = {xcalloc(n ? n : 1, sizeof(struct offer)), n, wanted};
    const char **list = xcalloc(n ? n : 1, sizeof(*list));
    for (size_t i = 0; i < n; i++) {
        o.v[i] = (struct offer){uuids[i], timestamps[i], i};
        wanted[i] = true;
        list[i] = uuids[i];
    }
    qsort(o.v, n, sizeof(*o.v), cmp_offer);
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc == 0) {
        rc = store_event_stamps(c, (struct str_set){list, n}, on_stamp, &o);
        store_end(c, true);
    }
    free(list);
    free(o.v);
    return rc;
}

int sync_serve_revoked(struct svc *s, const struct principal *who, struct arena *a,
                       char (*uuids)[UUID_STR_LEN + 1], size_t n, bool *revoked)
{
    if (!acl_can_sync(who))
        return ERR_FORBIDDEN;
    struct acl_filter f;
    (void)acl_filter_load(s->store, a, who, &s->policy, &f); /* fails closed */
    bool peer = acl_is_sync_peer(who);
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct arena *ea = arena_new();
        struct event *e;
        int lrc = store_event_load(c, ea, 0, uuids[i], &f, STORE_LOAD_TAGS, &e);
        revoked[i] = lrc == ERR_NOTFOUND || (lrc == 0 && peer && !acl_sync_trim(e, DIST_COMMUNITY));
        if (lrc < 0 && lrc != ERR_NOTFOUND)
            rc = lrc;
        arena_free(ea);
    }
    store_end(c, true);
    return rc;
}

int sync_serve_remove(struct svc *s, const struct principal *who, struct arena *a,
                      char (*uuids)[UUID_STR_LEN + 1], size_t n, int64_t *removed)
{
    *removed = 0;
    if (!acl_can_sync(who))
        return ERR_FORBIDDEN;
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    struct acl_filter all;
    acl_filter_system(&all, false);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct event *e;
        int lrc = store_event_load(c, a, 0, uuids[i], &all, 0, &e);
        if (lrc == ERR_NOTFOUND || (lrc == 0 && !acl_can_peer_remove_event(who, e)))
            continue;
        if ((rc = lrc) == 0 && (rc = store_event_purge(c, e->id)) == 0)
            (*removed)++;
    }
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
    return rc;
}
