/*
 * indexer.c - the index's owner: start-up build, refresh from the change
 * feed, read lock.  See indexer.h.
 */
#include "core/indexer.h"

#include "core/types.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

/* Rows applied per write-lock hold during a refresh. */
#define CHUNK_ROWS 4096

/* Attributes index_add refused in one pass: counted and logged once per pass, so
 * that a full index (millions of refusals) cannot flood the log. */
struct refused {
    size_t n;
    int64_t first;
    int rc;
};

struct indexer {
    struct store *store;
    struct index *ix;
    pthread_rwlock_t lock;      /* the index: readers vs the applier */
    pthread_mutex_t refreshing; /* one refresh at a time; guards seq */
    int64_t seq;                /* last change applied */
    double build_seconds;
    struct refused build_refused;
    /* watcher */
    pthread_t thread;
    bool watching;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    bool stop;
    unsigned interval_ms;
};

/* A chunk of feed rows waiting for the write lock; strings live in text. */
struct pending {
    struct {
        int64_t attribute_id, event_id;
        size_t type_off, value_off; /* SIZE_MAX type_off: remove */
        unsigned flags;
    } rows[CHUNK_ROWS];
    size_t n;
    struct buf text;
    size_t applied;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned row_flags(const struct index_row *r)
{
    return r->no_correlate || !types_correlates(r->type, r->category) ? INDEX_NO_CORRELATE : 0;
}

static void refused_note(struct refused *f, int rc, int64_t attribute_id)
{
    if (rc == 0)
        return;
    if (f->n++ == 0) {
        f->first = attribute_id;
        f->rc = rc;
    }
}

static void refused_log(const struct refused *f)
{
    if (f->n == 0)
        return;
    log_warnx("index: %zu attributes not indexed (%s), the first %lld; look-ups and "
              "correlation miss them until the index has room",
              f->n, f->rc == ERR_TOOBIG ? "the index is at capacity" : "id beyond its range",
              (long long)f->first);
}

static int build_row(void *ctx, const struct index_row *r)
{
    struct indexer *x = ctx;
    if (r->type == NULL || !r->live)
        index_remove(x->ix, r->attribute_id);
    else
        refused_note(
            &x->build_refused,
            index_add(x->ix, r->type, r->value, r->attribute_id, r->event_id, row_flags(r)),
            r->attribute_id);
    return 0;
}

static void pending_apply(struct indexer *x, struct pending *p)
{
    if (p->n == 0)
        return;
    struct refused refused = {0};
    pthread_rwlock_wrlock(&x->lock);
    for (size_t i = 0; i < p->n; i++) {
        struct index_row r = {.attribute_id = p->rows[i].attribute_id,
                              .event_id = p->rows[i].event_id,
                              .live = p->rows[i].type_off != SIZE_MAX};
        if (r.live) {
            r.type = p->text.ptr + p->rows[i].type_off;
            r.value = p->text.ptr + p->rows[i].value_off;
            refused_note(
                &refused,
                index_add(x->ix, r.type, r.value, r.attribute_id, r.event_id, p->rows[i].flags),
                r.attribute_id);
        } else {
            index_remove(x->ix, r.attribute_id);
        }
    }
    pthread_rwlock_unlock(&x->lock);
    refused_log(&refused);
    p->applied += p->n;
    p->n = 0;
    buf_reset(&p->text);
}

static int refresh_row(void *ctx, const struct index_row *r)
{
    struct indexer *x = ((void **)ctx)[0];
    struct pending *p = ((void **)ctx)[1];
    size_t i = p->n;
    p->rows[i].attribute_id = r->attribute_id;
    p->rows[i].event_id = r->event_id;
    p->rows[i].type_off = SIZE_MAX;
    if (r->type != NULL && r->live) {
        p->rows[i].flags = row_flags(r);
        p->rows[i].type_off = p->text.len;
        buf_append(&p->text, r->type, strlen(r->type) + 1);
        p->rows[i].value_off = p->text.len;
        buf_append(&p->text, r->value, strlen(r->value) + 1);
        if (p->text.err)
            return ERR_TOOBIG;
    }
    if (++p->n == CHUNK_ROWS)
        pending_apply(x, p);
    return 0;
}

int indexer_refresh(struct indexer *x)
{
    pthread_mutex_lock(&x->refreshing);
    struct store_conn *c;
    int rc = store_begin_read(x->store, &c);
    if (rc < 0) {
        pthread_mutex_unlock(&x->refreshing);
        return rc;
    }
    int64_t seq;
    rc = store_change_seq(c, &seq);
    if (rc == 0 && seq != x->seq) {
        struct pending *p = xcalloc(1, sizeof(*p));
        buf_init(&p->text, LIMIT_RESPONSE_MAX);
        void *ctx[2] = {x, p};
        rc = store_index_feed(c, x->seq, refresh_row, ctx);
        if (rc == 0) {
            pending_apply(x, p);
            log_debug("index: %zu changes applied (seq %lld -> %lld)", p->applied,
                      (long long)x->seq, (long long)seq);
            x->seq = seq;
        }
        buf_free(&p->text);
        free(p);
    }
    store_end(c, true);
    pthread_mutex_unlock(&x->refreshing);
    return rc;
}

int indexer_open(struct store *s, struct indexer **out, struct diag *d)
{
    struct indexer *x = xcalloc(1, sizeof(*x));
    x->store = s;
    x->ix = index_new();
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&x->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    pthread_mutex_init(&x->refreshing, NULL);
    pthread_mutex_init(&x->stop_lock, NULL);
    pthread_cond_init(&x->stop_cond, NULL);

    double t0 = now_seconds();
    struct store_conn *c;
    int rc = store_begin_read(s, &c);
    if (rc == 0) {
        rc = store_change_seq(c, &x->seq);
        if (rc == 0)
            rc = store_index_feed(c, 0, build_row, x);
        store_end(c, true);
    }
    if (rc < 0) {
        diag_set(d, rc, "index", "cannot read the attributes to index");
        indexer_close(x);
        return rc;
    }
    x->build_seconds = now_seconds() - t0;
    refused_log(&x->build_refused);
    log_info("index: %zu attributes, %zu values, %zu MiB, built in %.2f s", index_attributes(x->ix),
             index_count(x->ix), index_bytes(x->ix) >> 20, x->build_seconds);
    *out = x;
    return 0;
}

/* Slice of a wait for another node's commit (store_wait_change): how long a
 * stop may wait for the watcher. */
#define WATCH_SLICE_MS 200

static bool stopping(struct indexer *x)
{
    pthread_mutex_lock(&x->stop_lock);
    bool stop = x->stop;
    pthread_mutex_unlock(&x->stop_lock);
    return stop;
}

/* The watcher on a store that tells of other connections' commits
 * (PostgreSQL's LISTEN/NOTIFY): refreshes as soon as one commits, and every
 * interval anyway (a notification lost with a broken connection). */
static void watch_notified(struct indexer *x)
{
    double last = now_seconds();
    while (!stopping(x)) {
        int rc = store_wait_change(x->store, WATCH_SLICE_MS);
        if (stopping(x))
            break;
        if (rc != 1 && now_seconds() - last < x->interval_ms / 1000.0)
            continue;
        last = now_seconds();
        rc = indexer_refresh(x);
        if (rc < 0)
            log_warnx("index: refresh failed (%s); retrying", err_str(rc));
    }
}

static void *watch_main(void *arg)
{
    struct indexer *x = arg;
    if (store_wait_change(x->store, 0) != ERR_UNSUPPORTED) {
        watch_notified(x);
        return NULL;
    }
    pthread_mutex_lock(&x->stop_lock);
    while (!x->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += x->interval_ms / 1000;
        ts.tv_nsec += (long)(x->interval_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&x->stop_cond, &x->stop_lock, &ts);
        if (x->stop)
            break;
        pthread_mutex_unlock(&x->stop_lock);
        int rc = indexer_refresh(x);
        if (rc < 0)
            log_warnx("index: refresh failed (%s); retrying", err_str(rc));
        pthread_mutex_lock(&x->stop_lock);
    }
    pthread_mutex_unlock(&x->stop_lock);
    return NULL;
}

int indexer_watch(struct indexer *x, unsigned interval_ms)
{
    x->interval_ms = interval_ms ? interval_ms : 1000;
    if (pthread_create(&x->thread, NULL, watch_main, x) != 0)
        return ERR_IO;
    x->watching = true;
    return 0;
}

void indexer_close(struct indexer *x)
{
    if (x == NULL)
        return;
    if (x->watching) {
        pthread_mutex_lock(&x->stop_lock);
        x->stop = true;
        pthread_cond_signal(&x->stop_cond);
        pthread_mutex_unlock(&x->stop_lock);
        pthread_join(x->thread, NULL);
    }
    index_free(x->ix);
    pthread_rwlock_destroy(&x->lock);
    pthread_mutex_destroy(&x->refreshing);
    pthread_mutex_destroy(&x->stop_lock);
    pthread_cond_destroy(&x->stop_cond);
    free(x);
}

void indexer_stats(struct indexer *x, struct indexer_stats *out)
{
    pthread_mutex_lock(&x->refreshing);
    pthread_rwlock_rdlock(&x->lock);
    out->values = index_count(x->ix);
    out->attributes = index_attributes(x->ix);
    out->bytes = index_bytes(x->ix);
    out->seq = x->seq;
    out->build_seconds = x->build_seconds;
    pthread_rwlock_unlock(&x->lock);
    pthread_mutex_unlock(&x->refreshing);
}

const struct index *indexer_read_begin(struct indexer *x)
{
    pthread_rwlock_rdlock(&x->lock);
    return x->ix;
}

void indexer_read_end(struct indexer *x)
{
    pthread_rwlock_unlock(&x->lock);
}
