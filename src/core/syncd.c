/*
 * syncd.c - the background sync worker.  See syncd.h.
 *
 * Once a second it looks at the links: a pull link whose last pull is older
 * than its pull_interval is pulled; a push link is pushed to when the change
 * sequence moved since its last push attempt (the push itself offers only
 * what is published and new for the peer, from the link's checkpoint).  A
 * failing link is retried with a growing pause (up to 10 minutes), so a dead
 * peer costs one attempt now and then.  Each link's clock (those pauses, the
 * last push) is carried from tick to tick by server id, for as many links as
 * the store lists; a deleted link's clock goes with it.
 */
#include "core/syncd.h"

#include "core/indexer.h"
#include "core/model.h"
#include "core/sync.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/log.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

#define RETRY_MAX 600

struct link_clock {
    int64_t server_id;
    int64_t pushed_seq;  /* the change sequence at the last push attempt */
    int64_t retry_at[2]; /* pull, push: not before this time after a failure */
    int64_t backoff[2];
};

struct sync_worker {
    struct store *store;
    struct indexer *ix;
    char self_uuid[UUID_STR_LEN + 1];
    const char *self_url;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    struct link_clock *clocks; /* owned; used by the worker thread only */
    size_t n_clocks;
};

static int clock_cmp(const void *a, const void *b)
{
    const struct link_clock *x = a, *y = b;
    return x->server_id < y->server_id ? -1 : x->server_id > y->server_id;
}

/* Replaces the clocks by one per link, in the links' order: a link's earlier
 * clock is carried over, a new link starts at zero. */
static void clocks_follow(struct sync_worker *w, const struct server *links, size_t n)
{
    if (w->n_clocks > 1)
        qsort(w->clocks, w->n_clocks, sizeof(*w->clocks), clock_cmp);
    struct link_clock *next = xcalloc(n ? n : 1, sizeof(*next));
    for (size_t i = 0; i < n; i++) {
        struct link_clock key = {.server_id = links[i].id};
        const struct link_clock *old =
            w->n_clocks ? bsearch(&key, w->clocks, w->n_clocks, sizeof(key), clock_cmp) : NULL;
        next[i] = old ? *old : key;
    }
    free(w->clocks);
    w->clocks = next;
    w->n_clocks = n;
}

static bool stopping(struct sync_worker *w)
{
    pthread_mutex_lock(&w->lock);
    bool stop = w->stop;
    pthread_mutex_unlock(&w->lock);
    return stop;
}

/* Notes how a run went: a failure pauses the link and direction. */
static void note(struct link_clock *lc, int dir, int rc, int64_t now)
{
    if (rc == 0 || rc == ERR_CONFLICT) { /* conflict: a run on demand is under way */
        lc->backoff[dir] = 0;
        lc->retry_at[dir] = 0;
        return;
    }
    lc->backoff[dir] = lc->backoff[dir] ? lc->backoff[dir] * 2 : 10;
    if (lc->backoff[dir] > RETRY_MAX)
        lc->backoff[dir] = RETRY_MAX;
    lc->retry_at[dir] = now + lc->backoff[dir];
}

static void tick(struct sync_worker *w)
{
    struct arena *a = arena_new();
    struct store_conn *c;
    struct server *links = NULL;
    size_t n = 0;
    int64_t seq = 0;
    if (store_begin_read(w->store, &c) < 0) {
        arena_free(a);
        return;
    }
    int rc = store_server_list(c, a, &links, &n);
    if (rc == 0)
        rc = store_change_seq(c, &seq);
    struct sync_state **pulls = arena_calloc(a, n ? n : 1, sizeof(struct sync_state *));
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = store_sync_state_get(c, a, links[i].id, false, &pulls[i]);
    store_end(c, true);
    if (rc == 0)
        clocks_follow(w, links, n);
    for (size_t i = 0; rc == 0 && i < n && !stopping(w); i++) {
        struct server *sv = &links[i];
        struct link_clock *lc = &w->clocks[i];
        int64_t now = (int64_t)time(NULL);
        struct sync_opts o = {.self_uuid = w->self_uuid, .self_url = w->self_url};
        struct sync_report r;
        if (sv->pull && sv->pull_interval > 0 && now >= lc->retry_at[0] &&
            now - pulls[i]->last_run >= sv->pull_interval) {
            int prc = sync_pull(w->store, sv->id, &o, &r);
            note(lc, 0, prc, now);
            if (prc == 0 && (r.created || r.updated || r.removed) && w->ix != NULL)
                indexer_refresh(w->ix);
            if (prc == 0 && (r.created || r.updated || r.removed || r.failed))
                log_info("sync: pulled from %s: %lld created, %lld updated, %lld removed, "
                         "%lld failed",
                         sv->name, (long long)r.created, (long long)r.updated, (long long)r.removed,
                         (long long)r.failed);
        }
        if (sv->push && seq != lc->pushed_seq && now >= lc->retry_at[1]) {
            int prc = sync_push(w->store, sv->id, &o, &r);
            note(lc, 1, prc, now);
            if (prc == 0 && r.failed == 0)
                lc->pushed_seq = seq;
            if (prc == 0 && (r.created || r.updated || r.removed || r.failed))
                log_info("sync: pushed to %s: %lld created, %lld updated, %lld removed, "
                         "%lld failed",
                         sv->name, (long long)r.created, (long long)r.updated, (long long)r.removed,
                         (long long)r.failed);
        }
    }
    arena_free(a);
}

static void *worker_main(void *arg)
{
    struct sync_worker *w = arg;
    for (;;) {
        tick(w);
        pthread_mutex_lock(&w->lock);
        if (!w->stop) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&w->wake, &w->lock, &until);
        }
        bool stop = w->stop;
        pthread_mutex_unlock(&w->lock);
        if (stop)
            break;
    }
    return NULL;
}

int sync_worker_start(struct store *s, struct indexer *ix, const char *self_uuid,
                      const char *self_url, struct sync_worker **out)
{
    struct sync_worker *w = xcalloc(1, sizeof(*w));
    w->store = s;
    w->ix = ix;
    w->self_url = self_url;
    snprintf(w->self_uuid, sizeof(w->self_uuid), "%s", self_uuid ? self_uuid : "");
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        free(w);
        return ERR_IO;
    }
    *out = w;
    return 0;
}

void sync_worker_stop(struct sync_worker *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w->clocks);
    free(w);
}
