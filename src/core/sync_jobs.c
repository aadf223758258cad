/*
 * sync_jobs.c - sync's background jobs.  See sync_jobs.h.
 *
 * Each tick the plan reads the links: a pull link whose last pull is older
 * than its pull_interval gets a pull job; a push link gets a push job when
 * the change sequence moved since its last successful push (the push itself
 * offers only what is published and new for the peer, from the link's
 * checkpoint).  A failing job is retried with a growing pause by the
 * scheduler (jobs.h), so a dead peer costs one attempt now and then.  The
 * sequence each link last pushed is kept per link id, for as many links as
 * the store lists.
 */
#include "core/sync_jobs.h"

#include "core/indexer.h"
#include "core/model.h"
#include "core/svc.h"
#include "core/sync.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/log.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

struct pushed {
    int64_t server_id;
    int64_t seq; /* the change sequence at the last complete push */
};

struct sync_jobs {
    const char *self_url;
    pthread_mutex_t lock; /* pushed: written by the push jobs, read by the plan */
    struct pushed *pushed;
    size_t n_pushed, cap_pushed;
};

struct sync_job {
    struct sync_jobs *sj;
    int64_t server_id;
    int64_t seq; /* push: the change sequence when planned */
    char name[128];
};

static int64_t pushed_seq(struct sync_jobs *sj, int64_t server_id)
{
    int64_t seq = -1;
    pthread_mutex_lock(&sj->lock);
    for (size_t i = 0; i < sj->n_pushed; i++)
        if (sj->pushed[i].server_id == server_id)
            seq = sj->pushed[i].seq;
    pthread_mutex_unlock(&sj->lock);
    return seq;
}

static void pushed_set(struct sync_jobs *sj, int64_t server_id, int64_t seq)
{
    pthread_mutex_lock(&sj->lock);
    size_t i = 0;
    while (i < sj->n_pushed && sj->pushed[i].server_id != server_id)
        i++;
    if (i == sj->n_pushed) {
        if (sj->n_pushed == sj->cap_pushed) {
            sj->cap_pushed = sj->cap_pushed ? sj->cap_pushed * 2 : 8;
            sj->pushed = xreallocarray(sj->pushed, sj->cap_pushed, sizeof(*sj->pushed));
        }
        sj->pushed[sj->n_pushed++].server_id = server_id;
    }
    sj->pushed[i].seq = seq;
    pthread_mutex_unlock(&sj->lock);
}

/* Forgets links that are gone, so the table follows the store's links. */
static void pushed_follow(struct sync_jobs *sj, const struct server *links, size_t n)
{
    pthread_mutex_lock(&sj->lock);
    for (size_t i = 0; i < sj->n_pushed;) {
        bool live = false;
        for (size_t k = 0; k < n && !live; k++)
            live = links[k].id == sj->pushed[i].server_id;
        if (live)
            i++;
        else
            sj->pushed[i] = sj->pushed[--sj->n_pushed];
    }
    pthread_mutex_unlock(&sj->lock);
}

static void log_report(const char *what, const char *name, const struct sync_report *r)
{
    if (r->created || r->updated || r->removed || r->failed)
        log_info("sync: %s %s: %lld created, %lld updated, %lld removed, %lld failed", what, name,
                 (long long)r->created, (long long)r->updated, (long long)r->removed,
                 (long long)r->failed);
}

static int run_pull(struct svc *s, void *arg)
{
    struct sync_job *job = arg;
    struct sync_opts o = {.self_uuid = s->instance_uuid, .self_url = job->sj->self_url};
    struct sync_report r;
    int rc = sync_run_leased(s->store, job->server_id, false, &o, &r);
    if (rc == 0 && (r.created || r.updated || r.removed) && s->indexer != NULL)
        indexer_refresh(s->indexer);
    if (rc == 0)
        log_report("pulled from", job->name, &r);
    return rc;
}

static int run_push(struct svc *s, void *arg)
{
    struct sync_job *job = arg;
    struct sync_opts o = {.self_uuid = s->instance_uuid, .self_url = job->sj->self_url};
    struct sync_report r;
    int rc = sync_run_leased(s->store, job->server_id, true, &o, &r);
    if (rc == 0 && r.failed == 0)
        pushed_set(job->sj, job->server_id, job->seq);
    if (rc == 0)
        log_report("pushed to", job->name, &r);
    return rc;
}

static void due(struct jobs_plan *p, struct sync_jobs *sj, const struct server *sv, bool push,
                int64_t seq)
{
    struct sync_job *job = xcalloc(1, sizeof(*job));
    job->sj = sj;
    job->server_id = sv->id;
    job->seq = seq;
    snprintf(job->name, sizeof(job->name), "%s", sv->name ? sv->name : "");
    char name[JOBS_NAME_MAX];
    sync_job_name(name, sv->id, push);
    jobs_due(p, name, push ? run_push : run_pull, job, free);
}

static void plan(void *ctx, struct svc *s, struct jobs_plan *p)
{
    struct sync_jobs *sj = ctx;
    struct arena *a = arena_new();
    struct store_conn *c;
    struct server *links = NULL;
    size_t n = 0;
    int64_t seq = 0;
    if (store_begin_read(s->store, &c) < 0) {
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
        pushed_follow(sj, links, n);
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct server *sv = &links[i];
        if (sv->pull && sv->pull_interval > 0 && now - pulls[i]->last_run >= sv->pull_interval)
            due(p, sj, sv, false, seq);
        if (sv->push && seq != pushed_seq(sj, sv->id))
            due(p, sj, sv, true, seq);
    }
    arena_free(a);
}

struct sync_jobs *sync_jobs_new(const char *self_url)
{
    struct sync_jobs *sj = xcalloc(1, sizeof(*sj));
    sj->self_url = self_url;
    pthread_mutex_init(&sj->lock, NULL);
    return sj;
}

void sync_jobs_free(struct sync_jobs *sj)
{
    if (sj == NULL)
        return;
    pthread_mutex_destroy(&sj->lock);
    free(sj->pushed);
    free(sj);
}

struct job_source sync_jobs_source(struct sync_jobs *sj)
{
    return (struct job_source){.name = "sync", .plan = plan, .ctx = sj};
}
