/*
 * cmd_serve.c - `liaison serve` and `liaison init`.
 */
#include "cli/cli.h"

#include "core/auth.h"
#include "core/indexer.h"
#include "core/instance.h"
#include "core/sync_jobs.h"
#include "http/http.h"
#include "util/log.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

static void serve_help(void)
{
    printf("usage: liaison serve [options]\n"
           "\n"
           "Runs the HTTP server.  On first start it creates the database, the host\n"
           "organisation, an admin user and an API key written to admin.key beside the\n"
           "database (mode 0600, never overwritten).\n"
           "\n"
           "options (flag, environment variable, default):\n"
           "  --config FILE            read settings from FILE (lines 'name = value')\n");
    config_print_help(stdout);
}

/* Opens the store and runs first-start set-up; prints where the key is. */
static int open_instance(struct config *cfg, struct svc *s, struct instance *inst)
{
    if (cli_svc_open(cfg, s) != 0)
        return 1;
    struct diag d;
    diag_clear(&d);
    if (instance_init(s->store, cfg, inst, &d) < 0) {
        fprintf(stderr, "liaison: %s\n", d.msg);
        svc_close(s);
        return 1;
    }
    memcpy(s->instance_uuid, inst->uuid, sizeof(s->instance_uuid));
    if (inst->created)
        printf("Created the host organisation '%s' and admin user %s.\n"
               "The admin API key is in %s (mode 0600).\n",
               cfg->org_name, cfg->admin_email, inst->key_path);
    else
        printf("Database %s; admin API key file: %s\n", cfg->db, inst->key_path);
    fflush(stdout);
    return 0;
}

/*
 * A server parses and frees large request arenas all day: keep freed memory
 * in the heap instead of returning it to the kernel and faulting it in again
 * (measured in bench/json: page faults halve parse throughput otherwise).
 */
static void tune_malloc(void)
{
    mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
}

/* The background jobs start once the server listens: its base URL (which
 * sharing groups name servers by) is then known. */
struct background {
    struct sync_jobs *sync;
    struct jobs *jobs;
};

static void start_jobs(struct app *app, void *ctx)
{
    struct background *bg = ctx;
    bg->sync = sync_jobs_new(app->base_url);
    struct job_source src = sync_jobs_source(bg->sync);
    if (jobs_start(&app->svc, &src, 1, (unsigned)app->svc.cfg->job_workers, &bg->jobs) < 0)
        log_warnx("jobs: cannot start the scheduler; pulls and pushes run on demand only");
}

int cmd_serve(int argc, char **argv)
{
    if (cli_help_asked(argc, argv)) {
        serve_help();
        return 0;
    }
    tune_malloc();
    struct config cfg;
    if (cli_config(&cfg, &argc, argv) != 0)
        return 2;
    if (argc > 1) {
        fprintf(stderr, "liaison serve: unknown option '%s' (see liaison serve --help)\n", argv[1]);
        config_free(&cfg);
        return 2;
    }
    struct app app;
    memset(&app, 0, sizeof(app));
    struct instance inst;
    if (open_instance(&cfg, &app.svc, &inst) != 0) {
        config_free(&cfg);
        return 1;
    }
    struct diag d;
    diag_clear(&d);
    if (indexer_open(app.svc.store, &app.svc.indexer, &d) < 0) {
        fprintf(stderr, "liaison: %s\n", d.msg);
        svc_close(&app.svc);
        config_free(&cfg);
        return 1;
    }
    /* writes by other processes (liaison import) reach the index within a second */
    if (indexer_watch(app.svc.indexer, 1000) < 0)
        log_warnx("index: cannot start the watcher; only this server's writes are indexed");
    app.svc.auth_cache = auth_cache_new(cfg.auth_cache ? AUTH_CACHE_TTL : 0);
    app.key_path = inst.key_path;
    snprintf(app.base_url, sizeof(app.base_url), "%s", cfg.base_url);
    struct background bg = {0};
    /* a read-only node writes nothing: the read-write nodes run the jobs */
    if (cfg.sync_worker && !cfg.read_only) {
        app.on_listening = start_jobs;
        app.on_listening_ctx = &bg;
    }
    int rc = http_serve(&app);
    jobs_stop(bg.jobs);
    sync_jobs_free(bg.sync);
    auth_cache_free(app.svc.auth_cache);
    indexer_close(app.svc.indexer);
    svc_close(&app.svc);
    config_free(&cfg);
    return rc == 0 ? 0 : 1;
}

int cmd_init(int argc, char **argv)
{
    if (cli_help_asked(argc, argv)) {
        printf("usage: liaison init [options]\n"
               "\n"
               "Creates the database (--db), the host organisation, an admin user and an API\n"
               "key written to admin.key beside the database (mode 0600, never overwritten),\n"
               "then exits; on an existing database it changes nothing.  Takes the options\n"
               "of 'liaison serve --help'.\n");
        return 0;
    }
    struct config cfg;
    if (cli_config(&cfg, &argc, argv) != 0)
        return 2;
    if (argc > 1) {
        fprintf(stderr, "liaison init: unknown option '%s' (see liaison init --help)\n", argv[1]);
        config_free(&cfg);
        return 2;
    }
    struct svc s;
    struct instance inst;
    int rc = open_instance(&cfg, &s, &inst);
    if (rc == 0)
        svc_close(&s);
    config_free(&cfg);
    return rc;
}
