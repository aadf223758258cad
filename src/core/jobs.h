/*
 * jobs.h - one scheduler for the server's background work, and the lease
 * that keeps each job to one runner at a time.
 *
 * A job is a named unit of work ("sync.pull.3": pull from link 3) that a
 * source declares due: sync today; feeds, the mailer, retention and
 * escalation next.  The scheduler asks each source once a second (or when
 * woken) which jobs are due and runs them on a bounded pool of threads, each
 * under a lease in the database (the store's job_leases), so that two
 * processes sharing one database never run the same job at once.  A failed
 * run is retried after a pause that starts at JOBS_RETRY_MIN seconds and
 * doubles up to JOBS_RETRY_MAX, whichever process retries it.  On-demand runs
 * (the API's servers/pull, `liaison sync`) take the same lease with
 * jobs_lease_take, so they never overlap a scheduled run either.
 *
 * A held lease is renewed every JOBS_LEASE_TTL / 3 seconds by a thread of the
 * holding process; a process that dies leaves its leases to run out after
 * JOBS_LEASE_TTL seconds, then another process may take the jobs.
 */
#ifndef LIAISON_JOBS_H
#define LIAISON_JOBS_H

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JOBS_LEASE_TTL 90
#define JOBS_RETRY_MIN 10
#define JOBS_RETRY_MAX 600
#define JOBS_NAME_MAX 64 /* bytes of a job name, NUL included */

struct svc;
struct store;
struct jobs;
struct jobs_plan;
struct job_lease;

/* Runs one job; returns 0 or an ERR_* code (a failure sets the retry pause;
 * ERR_CONFLICT, "already running on demand", counts as success). */
typedef int (*job_run_fn)(struct svc *s, void *arg);

/*
 * Adds job name (copied; at most JOBS_NAME_MAX - 1 bytes) to the plan: the
 * scheduler runs run(s, arg) unless the job runs already, its retry pause has
 * not passed, all workers are busy or another process holds its lease; then
 * arg is freed with arg_free (may be NULL) whether the job ran or not.
 */
void jobs_due(struct jobs_plan *p, const char *name, job_run_fn run, void *arg,
              void (*arg_free)(void *));

/* A source of jobs.  plan() runs on the scheduler's thread, once per tick. */
struct job_source {
    const char *name; /* for the log */
    void (*plan)(void *ctx, struct svc *s, struct jobs_plan *p);
    void *ctx;
};

/*
 * Starts the scheduler over sources[0..n) (copied; their ctx must outlive it)
 * with up to `workers` jobs running at once (1..JOBS_WORKERS_MAX).  s is
 * borrowed and must outlive the scheduler.  Returns owned *out (stop with
 * jobs_stop).
 */
#define JOBS_WORKERS_MAX 64
int jobs_start(struct svc *s, const struct job_source *sources, size_t n, unsigned workers,
               struct jobs **out);
/* Plans now rather than at the next tick (after a change that makes work). */
void jobs_wake(struct jobs *j);
/* Stops planning, waits for the runs in progress and frees j.  NULL ok. */
void jobs_stop(struct jobs *j);

/*
 * Takes job name's lease in s for this process.  on_demand ignores the retry
 * pause (an operator asked).  ERR_CONFLICT when a run (here or in another
 * process) holds it; ERR_DB on a storage failure.  Returns owned *out
 * (release with jobs_lease_release).
 */
int jobs_lease_take(struct store *s, const char *name, bool on_demand, struct job_lease **out);
/* Frees the lease, recording the run's result (see job_run_fn).  NULL ok. */
void jobs_lease_release(struct job_lease *l, int rc);

/* The retry pause after `failures` failed runs in a row (0: none). */
int64_t jobs_retry_pause(int64_t failures);

#endif
