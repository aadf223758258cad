/*
 * test_jobs.c - the job scheduler and job leases (core/jobs.c) on a real
 * SQLite file: a lease keeps a job to one runner, including a runner of
 * another process (another holder token); failures pause scheduled runs;
 * the scheduler runs due jobs in parallel up to its bound and never one job
 * twice at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/jobs.h"
#include "core/svc.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#define TMPDB_NAME "jobs"
#include "tmpdb.h"

static int64_t lease_now(void)
{
    return (int64_t)time(NULL);
}

static void test_jobs_lease_held_once_in_a_process(void **state)
{
    (void)state;
    struct store *s = open_store();
    struct job_lease *l1 = NULL, *l2 = NULL;
    assert_int_equal(jobs_lease_take(s, "t.one", false, &l1), 0);
    assert_non_null(l1);
    assert_int_equal(jobs_lease_take(s, "t.one", true, &l2), ERR_CONFLICT);
    assert_null(l2);
    /* another job is free */
    assert_int_equal(jobs_lease_take(s, "t.two", false, &l2), 0);
    jobs_lease_release(l2, 0);
    jobs_lease_release(l1, 0);
    assert_int_equal(jobs_lease_take(s, "t.one", false, &l1), 0);
    jobs_lease_release(l1, 0);
    store_close(s);
}

static void test_jobs_lease_keeps_other_process_out_until_it_runs_out(void **state)
{
    (void)state;
    struct store *s = open_store();
    struct job_lease *l = NULL;
    assert_int_equal(jobs_lease_take(s, "t.shared", false, &l), 0);
    /* another process (another holder) cannot take it ... */
    struct store_conn *c;
    bool taken = true;
    int64_t now = lease_now();
    assert_int_equal(store_begin_write(s, &c), 0);
    assert_int_equal(
        store_lease_take(c, "t.shared", "other:1:x", now, now + 90, true, NULL, &taken), 0);
    assert_false(taken);
    /* ... until the lease runs out (the holder died) */
    assert_int_equal(store_lease_take(c, "t.shared", "other:1:x", now + JOBS_LEASE_TTL + 5,
                                      now + 200, true, NULL, &taken),
                     0);
    assert_true(taken);
    assert_int_equal(store_end(c, true), 0);
    /* the first holder's release finds the job taken and changes nothing */
    jobs_lease_release(l, 0);
    struct job_lease_row row;
    assert_int_equal(store_begin_read(s, &c), 0);
    assert_int_equal(store_lease_get(c, "t.shared", &row), 0);
    assert_string_equal(row.holder, "other:1:x");
    assert_int_equal(store_end(c, true), 0);
    store_close(s);
}

static void test_jobs_lease_of_a_dead_process_on_this_host_is_taken_at_once(void **state)
{
    (void)state;
    struct store *s = open_store();
    /* a child that has exited: its pid runs nothing */
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(0);
    assert_int_equal(waitpid(child, NULL, 0), child);
    char host[32] = "", dead[64], alive[64];
    gethostname(host, sizeof(host) - 1);
    snprintf(dead, sizeof(dead), "%.31s:%ld:0badf00d", host, (long)child);
    snprintf(alive, sizeof(alive), "%.31s:%ld:0badf00d", host, (long)getppid());
    struct store_conn *c;
    bool taken = false;
    int64_t now = lease_now();
    assert_int_equal(store_begin_write(s, &c), 0);
    assert_int_equal(store_lease_take(c, "t.dead", dead, now, now + 90, true, NULL, &taken), 0);
    assert_true(taken);
    assert_int_equal(store_lease_take(c, "t.alive", alive, now, now + 90, true, NULL, &taken), 0);
    assert_true(taken);
    assert_int_equal(store_end(c, true), 0);
    struct job_lease *l = NULL;
    assert_int_equal(jobs_lease_take(s, "t.dead", false, &l), 0);
    jobs_lease_release(l, 0);
    /* a live process keeps its lease */
    assert_int_equal(jobs_lease_take(s, "t.alive", true, &l), ERR_CONFLICT);
    store_close(s);
}

static void test_jobs_failure_pauses_scheduled_runs_not_on_demand_ones(void **state)
{
    (void)state;
    struct store *s = open_store();
    struct job_lease *l = NULL;
    assert_int_equal(jobs_lease_take(s, "t.fail", false, &l), 0);
    int64_t before = lease_now();
    jobs_lease_release(l, ERR_IO);
    struct store_conn *c;
    struct job_lease_row row;
    assert_int_equal(store_begin_read(s, &c), 0);
    assert_int_equal(store_lease_get(c, "t.fail", &row), 0);
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(row.failures, 1);
    assert_int_equal(row.last_rc, ERR_IO);
    assert_string_equal(row.holder, "");
    assert_true(row.not_before >= before + JOBS_RETRY_MIN);
    /* the scheduler waits; an operator does not */
    assert_int_equal(jobs_lease_take(s, "t.fail", false, &l), ERR_CONFLICT);
    assert_int_equal(jobs_lease_take(s, "t.fail", true, &l), 0);
    jobs_lease_release(l, ERR_IO);
    assert_int_equal(store_begin_read(s, &c), 0);
    assert_int_equal(store_lease_get(c, "t.fail", &row), 0);
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(row.failures, 2);
    assert_true(row.not_before >= before + 2 * JOBS_RETRY_MIN);
    /* a success clears the pause */
    assert_int_equal(jobs_lease_take(s, "t.fail", true, &l), 0);
    jobs_lease_release(l, 0);
    assert_int_equal(store_begin_read(s, &c), 0);
    assert_int_equal(store_lease_get(c, "t.fail", &row), 0);
    assert_int_equal(store_end(c, true), 0);
    assert_int_equal(row.failures, 0);
    assert_int_equal(row.not_before, 0);
    store_close(s);
}

static void test_jobs_retry_pause_doubles_up_to_the_maximum(void **state)
{
    (void)state;
    assert_int_equal(jobs_retry_pause(0), 0);
    assert_int_equal(jobs_retry_pause(1), JOBS_RETRY_MIN);
    assert_int_equal(jobs_retry_pause(2), 2 * JOBS_RETRY_MIN);
    assert_int_equal(jobs_retry_pause(3), 4 * JOBS_RETRY_MIN);
    assert_int_equal(jobs_retry_pause(40), JOBS_RETRY_MAX);
    assert_int_equal(jobs_retry_pause(INT64_MAX), JOBS_RETRY_MAX);
}

/* ---- the scheduler ---- */

struct counter {
    pthread_mutex_t lock;
    int running, max_running, done;
    int same_running, same_max; /* the job planned every tick */
    int planned;
    int total, total_max; /* jobs of either kind running */
    bool short_done[6];
};

struct short_job {
    struct counter *k;
    int i;
};

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static int run_counted(struct svc *s, void *arg)
{
    (void)s;
    struct short_job *sj = arg;
    struct counter *k = sj->k;
    pthread_mutex_lock(&k->lock);
    if (++k->running > k->max_running)
        k->max_running = k->running;
    if (++k->total > k->total_max)
        k->total_max = k->total;
    pthread_mutex_unlock(&k->lock);
    sleep_ms(300);
    pthread_mutex_lock(&k->lock);
    k->running--;
    k->total--;
    k->done++;
    k->short_done[sj->i] = true;
    pthread_mutex_unlock(&k->lock);
    return 0;
}

static int run_same(struct svc *s, void *arg)
{
    (void)s;
    struct counter *k = arg;
    pthread_mutex_lock(&k->lock);
    if (++k->same_running > k->same_max)
        k->same_max = k->same_running;
    if (++k->total > k->total_max)
        k->total_max = k->total;
    pthread_mutex_unlock(&k->lock);
    sleep_ms(1500);
    pthread_mutex_lock(&k->lock);
    k->same_running--;
    k->total--;
    pthread_mutex_unlock(&k->lock);
    return 0;
}

/* Plans the "same" job and the six short jobs that have not run yet on
 * every tick (a source declares what is due; the scheduler drops what it
 * cannot start now, freeing its argument). */
static void plan_test(void *ctx, struct svc *s, struct jobs_plan *p)
{
    (void)s;
    struct counter *k = ctx;
    pthread_mutex_lock(&k->lock);
    k->planned++;
    bool done[6];
    memcpy(done, k->short_done, sizeof(done));
    pthread_mutex_unlock(&k->lock);
    for (int i = 0; i < 6; i++) {
        if (done[i])
            continue;
        char name[32];
        snprintf(name, sizeof(name), "t.short.%d", i);
        struct short_job *sj = malloc(sizeof(*sj));
        sj->k = k;
        sj->i = i;
        jobs_due(p, name, run_counted, sj, free);
    }
    jobs_due(p, "t.same", run_same, k, NULL);
}

static void test_jobs_scheduler_bounds_parallel_runs_and_never_doubles_a_job(void **state)
{
    (void)state;
    struct svc s;
    memset(&s, 0, sizeof(s));
    s.store = open_store();
    struct counter k;
    memset(&k, 0, sizeof(k));
    pthread_mutex_init(&k.lock, NULL);
    struct job_source src = {.name = "test", .plan = plan_test, .ctx = &k};
    struct jobs *j = NULL;
    assert_int_equal(jobs_start(&s, &src, 1, 3, &j), 0);
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&k.lock);
        int done = k.done;
        pthread_mutex_unlock(&k.lock);
        if (done == 6)
            break;
        sleep_ms(100);
    }
    sleep_ms(1200); /* a few more ticks while "t.same" runs */
    jobs_stop(j);
    /* each of the six ran once (re-planned until then, never doubled), never
     * more than three jobs at once in all */
    assert_int_equal(k.done, 6);
    assert_true(k.max_running >= 2); /* they did run side by side */
    assert_int_equal(k.total_max, 3);
    /* the job planned on every tick never ran twice at once */
    assert_int_equal(k.same_max, 1);
    assert_true(k.planned >= 3);
    pthread_mutex_destroy(&k.lock);
    store_close(s.store);
}

static void test_jobs_start_refuses_a_bad_bound(void **state)
{
    (void)state;
    struct svc s;
    memset(&s, 0, sizeof(s));
    struct jobs *j = NULL;
    assert_int_equal(jobs_start(&s, NULL, 0, 0, &j), ERR_INVAL);
    assert_int_equal(jobs_start(&s, NULL, 0, JOBS_WORKERS_MAX + 1, &j), ERR_INVAL);
    assert_null(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_jobs_lease_held_once_in_a_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jobs_lease_keeps_other_process_out_until_it_runs_out,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_jobs_lease_of_a_dead_process_on_this_host_is_taken_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jobs_failure_pauses_scheduled_runs_not_on_demand_ones,
                                        setup, teardown),
        cmocka_unit_test(test_jobs_retry_pause_doubles_up_to_the_maximum),
        cmocka_unit_test_setup_teardown(
            test_jobs_scheduler_bounds_parallel_runs_and_never_doubles_a_job, setup, teardown),
        cmocka_unit_test(test_jobs_start_refuses_a_bad_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
