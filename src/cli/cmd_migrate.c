/*
 * cmd_migrate.c - `liaison migrate --from DB --to DB`: copy a whole node to
 * another database (core/migrate.h), e.g. from SQLite to PostgreSQL.
 */
#include "cli/cli.h"

#include "core/migrate.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

static void migrate_usage(FILE *f)
{
    fprintf(f, "usage: liaison migrate --from DB --to DB\n"
               "\n"
               "Copies a whole node - settings, organisations, users, API keys, events,\n"
               "sightings, sharing groups, sync links - from one database to another, with\n"
               "the same ids, in one transaction.  DB is a SQLite file or a PostgreSQL\n"
               "connection string (postgresql://... or 'host=... dbname=...'), either way.\n"
               "The destination must be empty (it is created if it does not exist); stop\n"
               "the servers writing to the source first.  See docs/postgresql.md.\n");
}

static void progress(void *ctx, const char *table, int64_t rows)
{
    (void)ctx;
    printf("  %-22s %lld rows\n", table, (long long)rows);
    fflush(stdout);
}

int cmd_migrate(int argc, char **argv)
{
    if (cli_help_asked(argc, argv)) {
        migrate_usage(stdout);
        return 0;
    }
    const char *from = NULL, *to = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
            from = argv[++i];
        } else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
            to = argv[++i];
        } else {
            fprintf(stderr, "liaison migrate: unexpected argument '%s'\n\n", argv[i]);
            migrate_usage(stderr);
            return 2;
        }
    }
    if (from == NULL || to == NULL) {
        fprintf(stderr, "liaison migrate: --from and --to are both needed\n\n");
        migrate_usage(stderr);
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    printf("copying %s to %s\n", from, to);
    struct diag d;
    diag_clear(&d);
    if (node_migrate(from, to, progress, NULL, &d) < 0) {
        fprintf(stderr, "liaison migrate: --%s: %s\n", d.field[0] ? d.field : "to", d.msg);
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("done in %.1f s\n",
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}
