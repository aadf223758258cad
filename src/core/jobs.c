/*
 * jobs.c - the background job scheduler and job leases.  See jobs.h.
 *
 * Threads: one scheduler thread plans (asks the sources, takes leases, queues
 * jobs); `workers` threads run queued jobs; one renewer thread per process
 * keeps the held leases alive while there are any.  The scheduler never runs
 * a job itself and never waits for one, so a slow peer delays nothing but its
 * own job.  Nothing here has a fixed size: the queue and the set of running
 * jobs grow with the sources' plans (bounded by the workers, since a job is
 * queued only when a worker is free).
 */
#include "core/jobs.h"

#include "core/svc.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/banned.h"

/* ---- leases ---- */

struct job_lease {
    struct store *store;
    char name[JOBS_NAME_MAX];
    struct job_lease *next; /* in the process's list of held leases */
};

/* The leases this process holds, for the renewer. */
static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t held_cond = PTHREAD_COND_INITIALIZER;
static struct job_lease *held;
static bool renewer_alive;

static char holder_token[64];
static pthread_once_t holder_once = PTHREAD_ONCE_INIT;

/* This process's holder token: host, pid and a random part, so that a
 * restarted process with the same pid is another holder. */
static void holder_init(void)
{
    char host[32] = "";
    gethostname(host, sizeof(host) - 1);
    snprintf(holder_token, sizeof(holder_token), "%.31s:%ld:%08x", host, (long)getpid(),
             (unsigned)randombytes_random());
}

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* Renews every held lease each JOBS_LEASE_TTL / 3 seconds; ends when none is
 * held (a later take starts another). */
static void *renewer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&held_lock);
    while (held != NULL) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += JOBS_LEASE_TTL / 3;
        pthread_cond_timedwait(&held_cond, &held_lock, &until);
        /* renew per store, each once (leases of one store share a holder) */
        for (struct job_lease *l = held; l != NULL; l = l->next) {
            bool seen = false;
            for (struct job_lease *k = held; k != l && !seen; k = k->next)
                seen = k->store == l->store;
            if (seen)
                continue;
            struct store_conn *c;
            if (store_begin_write(l->store, &c) < 0) {
                log_warnx("jobs: cannot renew leases (the store is busy or failing)");
                continue;
            }
            int rc = store_lease_renew(c, holder_token, now_s() + JOBS_LEASE_TTL);
            store_end(c, rc == 0);
        }
    }
    renewer_alive = false;
    pthread_mutex_unlock(&held_lock);
    return NULL;
}

/* Is holder a process of this host that is gone (crashed or killed)?  Its
 * leases are free at once rather than after JOBS_LEASE_TTL: a server
 * restarted after a crash resumes its links immediately. */
static bool holder_gone(const char *holder)
{
    const char *mine = strchr(holder_token, ':');
    const char *its = strchr(holder, ':');
    if (mine == NULL || its == NULL || its - holder != mine - holder_token ||
        memcmp(holder, holder_token, (size_t)(mine - holder_token)) != 0)
        return false; /* another host: only the expiry tells */
    char *end;
    long pid = strtol(its + 1, &end, 10);
    if (end == its + 1 || *end != ':' || pid <= 0 || strcmp(holder, holder_token) == 0)
        return false;
    return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

int jobs_lease_take(struct store *s, const char *name, bool on_demand, struct job_lease **out)
{
    *out = NULL;
    if (strlen(name) >= JOBS_NAME_MAX)
        return ERR_INVAL;
    pthread_once(&holder_once, holder_init);
    struct store_conn *c;
    int rc = store_begin_write(s, &c);
    if (rc < 0)
        return rc;
    bool taken = false;
    int64_t now = now_s();
    struct job_lease_row row;
    const char *dead = NULL;
    if (store_lease_get(c, name, &row) == 0 && row.holder[0] != '\0' && row.expires >= now &&
        holder_gone(row.holder))
        dead = row.holder;
    rc =
        store_lease_take(c, name, holder_token, now, now + JOBS_LEASE_TTL, on_demand, dead, &taken);
    if ((rc = store_end(c, rc == 0) < 0 ? ERR_DB : rc) < 0)
        return rc;
    if (taken && dead != NULL)
        log_info("jobs: job=%s taken over from %s (no longer running)", name, dead);
    if (!taken)
        return ERR_CONFLICT;
    struct job_lease *l = xcalloc(1, sizeof(*l));
    l->store = s;
    snprintf(l->name, sizeof(l->name), "%s", name);
    pthread_mutex_lock(&held_lock);
    l->next = held;
    held = l;
    if (!renewer_alive) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, renewer_main, NULL) == 0)
            renewer_alive = true;
        else
            log_warnx("jobs: cannot start the lease renewer; long runs may lose their lease");
        pthread_attr_destroy(&attr);
    }
    pthread_mutex_unlock(&held_lock);
    *out = l;
    return 0;
}

int64_t jobs_retry_pause(int64_t failures)
{
    if (failures <= 0)
        return 0;
    int64_t pause = JOBS_RETRY_MIN;
    for (int64_t i = 1; i < failures && pause < JOBS_RETRY_MAX; i++)
        pause *= 2;
    return pause < JOBS_RETRY_MAX ? pause : JOBS_RETRY_MAX;
}

void jobs_lease_release(struct job_lease *l, int rc)
{
    if (l == NULL)
        return;
    pthread_mutex_lock(&held_lock);
    for (struct job_lease **p = &held; *p != NULL; p = &(*p)->next)
        if (*p == l) {
            *p = l->next;
            break;
        }
    if (held == NULL)
        pthread_cond_signal(&held_cond); /* the renewer ends */
    pthread_mutex_unlock(&held_lock);

    bool ok = rc == 0 || rc == ERR_CONFLICT;
    struct store_conn *c;
    int src = store_begin_write(l->store, &c);
    if (src == 0) {
        struct job_lease_row row;
        int64_t now = now_s();
        src = store_lease_get(c, l->name, &row);
        int64_t failures = ok ? 0 : row.failures + 1;
        if (src == 0)
            src = store_lease_release(c, l->name, holder_token, now, rc, failures,
                                      ok ? 0 : now + jobs_retry_pause(failures));
        if (src == ERR_NOTFOUND)
            log_warnx("jobs: job=%s ran longer than its lease; another runner may have "
                      "taken it",
                      l->name);
        store_end(c, src == 0);
    }
    if (src < 0 && src != ERR_NOTFOUND)
        log_warnx("jobs: job=%s: cannot free its lease (%s); it runs out in %d s", l->name,
                  err_str(src), JOBS_LEASE_TTL);
    free(l);
}

/* ---- the scheduler ---- */

struct job {
    char name[JOBS_NAME_MAX];
    job_run_fn run;
    void *arg;
    void (*arg_free)(void *);
    struct job_lease *lease;
};

struct jobs_plan {
    struct job *v;
    size_t n, cap;
};

void jobs_due(struct jobs_plan *p, const char *name, job_run_fn run, void *arg,
              void (*arg_free)(void *))
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->v = xreallocarray(p->v, p->cap, sizeof(*p->v));
    }
    struct job *j = &p->v[p->n++];
    memset(j, 0, sizeof(*j));
    snprintf(j->name, sizeof(j->name), "%s", name);
    j->run = run;
    j->arg = arg;
    j->arg_free = arg_free;
}

static void job_drop(struct job *j)
{
    if (j->arg_free != NULL)
        j->arg_free(j->arg);
    j->arg = NULL;
}

struct jobs {
    struct svc *svc;
    struct job_source *sources;
    size_t n_sources;
    unsigned workers;
    pthread_t planner;
    pthread_t *pool;
    unsigned n_pool;
    pthread_mutex_t lock;
    pthread_cond_t wake;  /* the planner: a tick, jobs_wake, a job ended, stop */
    pthread_cond_t ready; /* the workers: a job queued, stop */
    bool stop, woken;
    struct jobs_plan queue;   /* taken, waiting for a worker (FIFO) */
    struct jobs_plan running; /* names of the jobs queued or running */
    /* names of the jobs that ended while the sources planned: a plan read
     * their state before they ended, so it must not start them again */
    struct jobs_plan ended;
    bool planning;
};

static bool plan_has(const struct jobs_plan *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].name, name) == 0)
            return true;
    return false;
}

static void running_remove(struct jobs *j, const char *name)
{
    for (size_t i = 0; i < j->running.n; i++)
        if (strcmp(j->running.v[i].name, name) == 0) {
            j->running.v[i] = j->running.v[--j->running.n];
            return;
        }
}

static void *worker_main(void *arg)
{
    struct jobs *j = arg;
    pthread_mutex_lock(&j->lock);
    for (;;) {
        while (!j->stop && j->queue.n == 0)
            pthread_cond_wait(&j->ready, &j->lock);
        if (j->queue.n == 0) /* stopping, nothing left */
            break;
        struct job job = j->queue.v[0];
        memmove(j->queue.v, j->queue.v + 1, (j->queue.n - 1) * sizeof(*j->queue.v));
        j->queue.n--;
        pthread_mutex_unlock(&j->lock);

        int rc = job.run(j->svc, job.arg);
        if (rc < 0 && rc != ERR_CONFLICT)
            log_warnx("jobs: job=%s failed: %s", job.name, err_str(rc));
        jobs_lease_release(job.lease, rc);
        job_drop(&job);

        pthread_mutex_lock(&j->lock);
        running_remove(j, job.name);
        if (j->planning)
            jobs_due(&j->ended, job.name, NULL, NULL, NULL);
        pthread_cond_signal(&j->wake);
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

/* Asks every source for its due jobs and queues those it may run now. */
static void plan_once(struct jobs *j)
{
    struct jobs_plan plan = {0};
    pthread_mutex_lock(&j->lock);
    j->planning = true;
    j->ended.n = 0;
    pthread_mutex_unlock(&j->lock);
    for (size_t i = 0; i < j->n_sources; i++)
        j->sources[i].plan(j->sources[i].ctx, j->svc, &plan);
    for (size_t i = 0; i < plan.n; i++) {
        struct job *job = &plan.v[i];
        pthread_mutex_lock(&j->lock);
        bool skip = j->stop || plan_has(&j->running, job->name) || plan_has(&j->ended, job->name) ||
                    j->running.n >= j->workers;
        pthread_mutex_unlock(&j->lock);
        if (skip || jobs_lease_take(j->svc->store, job->name, false, &job->lease) < 0) {
            job_drop(job);
            continue;
        }
        pthread_mutex_lock(&j->lock);
        jobs_due(&j->running, job->name, NULL, NULL, NULL);
        jobs_due(&j->queue, job->name, job->run, job->arg, job->arg_free);
        j->queue.v[j->queue.n - 1].lease = job->lease;
        pthread_cond_signal(&j->ready);
        pthread_mutex_unlock(&j->lock);
    }
    pthread_mutex_lock(&j->lock);
    j->planning = false;
    pthread_mutex_unlock(&j->lock);
    free(plan.v);
}

static void *planner_main(void *arg)
{
    struct jobs *j = arg;
    for (;;) {
        plan_once(j);
        pthread_mutex_lock(&j->lock);
        if (!j->stop && !j->woken) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&j->wake, &j->lock, &until);
        }
        j->woken = false;
        bool stop = j->stop;
        pthread_mutex_unlock(&j->lock);
        if (stop)
            break;
    }
    return NULL;
}

int jobs_start(struct svc *s, const struct job_source *sources, size_t n, unsigned workers,
               struct jobs **out)
{
    if (workers < 1 || workers > JOBS_WORKERS_MAX)
        return ERR_INVAL;
    struct jobs *j = xcalloc(1, sizeof(*j));
    j->svc = s;
    j->workers = workers;
    j->sources = xcalloc(n ? n : 1, sizeof(*j->sources));
    memcpy(j->sources, sources, n * sizeof(*sources));
    j->n_sources = n;
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->wake, NULL);
    pthread_cond_init(&j->ready, NULL);
    j->pool = xcalloc(workers, sizeof(*j->pool));
    for (; j->n_pool < workers; j->n_pool++)
        if (pthread_create(&j->pool[j->n_pool], NULL, worker_main, j) != 0)
            break;
    if (j->n_pool == 0 || pthread_create(&j->planner, NULL, planner_main, j) != 0) {
        pthread_mutex_lock(&j->lock);
        j->stop = true;
        pthread_cond_broadcast(&j->ready);
        pthread_mutex_unlock(&j->lock);
        for (unsigned i = 0; i < j->n_pool; i++)
            pthread_join(j->pool[i], NULL);
        pthread_mutex_destroy(&j->lock);
        pthread_cond_destroy(&j->wake);
        pthread_cond_destroy(&j->ready);
        free(j->pool);
        free(j->sources);
        free(j);
        return ERR_IO;
    }
    if (j->n_pool < workers)
        log_warnx("jobs: started %u of %u workers", j->n_pool, workers);
    *out = j;
    return 0;
}

void jobs_wake(struct jobs *j)
{
    if (j == NULL)
        return;
    pthread_mutex_lock(&j->lock);
    j->woken = true;
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->lock);
}

void jobs_stop(struct jobs *j)
{
    if (j == NULL)
        return;
    pthread_mutex_lock(&j->lock);
    j->stop = true;
    pthread_cond_signal(&j->wake);
    pthread_cond_broadcast(&j->ready);
    pthread_mutex_unlock(&j->lock);
    pthread_join(j->planner, NULL);
    for (unsigned i = 0; i < j->n_pool; i++)
        pthread_join(j->pool[i], NULL);
    pthread_mutex_destroy(&j->lock);
    pthread_cond_destroy(&j->wake);
    pthread_cond_destroy(&j->ready);
    free(j->queue.v);
    free(j->running.v);
    free(j->ended.v);
    free(j->pool);
    free(j->sources);
    free(j);
}
