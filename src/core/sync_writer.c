/*
 * sync_writer.c - a pull's events written in batches by a thread of their
 * own.  See sync_writer.h.
 *
 * The fetching thread (peer_call_many's callbacks) fills a batch and hands it
 * to the writer through a one-batch hand-over, so that fetching goes on while
 * a batch is written.
 */
#include "core/sync_writer.h"

#include "core/event.h"
#include "core/sync_client.h"
#include "core/sync_rules.h"
#include "store/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

/* A batch is written in one transaction when it holds this many events or
 * attributes, whichever comes first. */
#define BATCH_EVENTS 64
#define BATCH_ATTRIBUTES 32768

struct received {
    struct arena *a;
    struct event *e;
    int rc; /* event_receive's answer */
    enum receive_result res;
    struct diag d;
};

struct batch {
    struct received items[BATCH_EVENTS];
    size_t n, attrs;
};

struct sync_writer {
    struct store *s;
    const struct sync_link *l;
    bool exact;
    struct batch *filling; /* the fetching side's */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct batch *queued;  /* handed to the writer, or NULL */
    bool done;             /* no more batches will come */
    int write_rc;          /* the writer's first fatal error */
    struct sync_report wr; /* the writer's counts, merged at the end */
    int64_t newest;        /* the newest event timestamp saved */
};

static void batch_free(struct batch *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->n; i++)
        arena_free(b->items[i].a);
    free(b);
}

static bool is_fatal(int rc)
{
    return rc == ERR_DB || rc == ERR_IO;
}

/* Writes b's events in transaction c; each with its own savepoint when
 * `guarded`, so that a bad one is undone alone.  Returns a fatal error, or
 * ERR_INVAL (unguarded) when some event was refused. */
static int write_events(struct sync_writer *p, struct store_conn *c, struct batch *b, bool guarded)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        struct received *x = &b->items[i];
        diag_clear(&x->d);
        x->res = RECEIVE_NOT_NEWER;
        if (guarded && (rc = store_savepoint(c)) < 0)
            break;
        bool keep = true;
        struct sync_receiver rcv = {&p->l->actor.org, p->l->self_url};
        x->rc = sync_capture_sharing_groups(c, x->a, &rcv, x->e, &keep, &x->d);
        if (x->rc == 0 && keep)
            x->rc = event_receive(c, x->a, &p->l->actor, x->e, p->exact, &x->res, &x->d);
        if (x->rc == 0 && (x->res == RECEIVE_CREATED || x->res == RECEIVE_UPDATED))
            x->rc = store_event_origin_set(c, x->e->id, p->l->sv->id);
        if (guarded && (rc = store_savepoint_end(c, x->rc == 0)) < 0)
            break;
        if (is_fatal(x->rc))
            rc = x->rc;
        else if (x->rc < 0 && !guarded)
            rc = ERR_INVAL;
    }
    return rc;
}

/* Writes a batch in one transaction.  Almost always every event is fine and
 * the batch goes in without savepoints (each one costs a statement journal
 * of every page it touches); when one is refused the transaction is undone
 * and the batch written again, one savepoint per event. */
static int write_batch(struct sync_writer *p, struct batch *b)
{
    struct store_conn *c;
    int rc = store_begin_write(p->s, &c);
    if (rc < 0)
        return rc;
    rc = write_events(p, c, b, false);
    if (rc == ERR_INVAL) {
        store_end(c, false);
        if ((rc = store_begin_write(p->s, &c)) < 0)
            return rc;
        rc = write_events(p, c, b, true);
    }
    rc = store_end(c, rc == 0) < 0 && rc == 0 ? ERR_DB : rc;
    if (rc < 0)
        return rc;
    struct sync_report *w = &p->wr;
    for (size_t i = 0; i < b->n; i++) {
        struct received *x = &b->items[i];
        if (x->rc < 0) {
            w->failed++;
            sync_report_error(w, "event %s: %s%s%s", x->e->uuid, x->d.field,
                              x->d.field[0] ? ": " : "", x->d.msg[0] ? x->d.msg : err_str(x->rc));
            continue;
        }
        if (x->res == RECEIVE_CREATED)
            w->created++;
        else if (x->res == RECEIVE_UPDATED)
            w->updated++;
        else
            w->unchanged++;
        if (x->res == RECEIVE_CREATED || x->res == RECEIVE_UPDATED)
            w->attributes += (int64_t)sync_event_attrs(x->e);
        if (x->e->timestamp > p->newest)
            p->newest = x->e->timestamp;
    }
    return 0;
}

static void *writer_main(void *arg)
{
    struct sync_writer *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (p->queued == NULL && !p->done)
            pthread_cond_wait(&p->cond, &p->lock);
        struct batch *b = p->queued;
        p->queued = NULL;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        if (b == NULL)
            break;
        int rc = write_batch(p, b);
        batch_free(b);
        if (rc < 0) {
            pthread_mutex_lock(&p->lock);
            p->write_rc = rc;
            pthread_cond_broadcast(&p->cond);
            pthread_mutex_unlock(&p->lock);
            break;
        }
    }
    return NULL;
}

/* Hands the filling batch to the writer (waiting while it has one queued);
 * returns the writer's fatal error, if any. */
static int hand_over(struct sync_writer *p)
{
    if (p->filling == NULL || p->filling->n == 0)
        return 0;
    pthread_mutex_lock(&p->lock);
    while (p->queued != NULL && p->write_rc == 0)
        pthread_cond_wait(&p->cond, &p->lock);
    int rc = p->write_rc;
    if (rc == 0) {
        p->queued = p->filling;
        p->filling = NULL;
        pthread_cond_broadcast(&p->cond);
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int sync_writer_start(struct store *s, const struct sync_link *l, bool exact,
                      struct sync_writer **out)
{
    struct sync_writer *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return ERR_IO;
    p->s = s;
    p->l = l;
    p->exact = exact;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    if (pthread_create(&p->thread, NULL, writer_main, p) != 0) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->cond);
        free(p);
        return ERR_IO;
    }
    *out = p;
    return 0;
}

int sync_writer_add(struct sync_writer *p, struct arena *ea, struct event *e)
{
    if (p->filling == NULL && (p->filling = calloc(1, sizeof(*p->filling))) == NULL) {
        arena_free(ea);
        return ERR_IO;
    }
    struct batch *b = p->filling;
    b->items[b->n].a = ea;
    b->items[b->n].e = e;
    b->n++;
    b->attrs += sync_event_attrs(e);
    if (b->n == BATCH_EVENTS || b->attrs >= BATCH_ATTRIBUTES)
        return hand_over(p);
    return 0;
}

int sync_writer_finish(struct sync_writer *p, bool flush, struct sync_report *r, int64_t *newest)
{
    int rc = flush ? hand_over(p) : 0;
    pthread_mutex_lock(&p->lock);
    p->done = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    if (rc == 0)
        rc = p->write_rc;
    batch_free(p->filling);
    batch_free(p->queued);
    r->created += p->wr.created;
    r->updated += p->wr.updated;
    r->unchanged += p->wr.unchanged;
    r->failed += p->wr.failed;
    r->attributes += p->wr.attributes;
    if (r->error[0] == '\0')
        memcpy(r->error, p->wr.error, sizeof(r->error));
    *newest = p->newest;
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    free(p);
    return rc;
}
