/*
 * migrate.h - copying a whole node from one database to another (`liaison
 * migrate --from liaison.db --to postgresql://...`), either way between the
 * backends.
 *
 * Everything is copied - settings (the instance uuid, the host organisation),
 * organisations, roles, users, API keys (their hashes: the same keys work),
 * events with their objects, attributes, references, tags and sightings,
 * sharing groups, sync links and their checkpoints - with the same ids, in one
 * write transaction on the destination: a failed copy leaves it as it was.
 * The source is read in one snapshot; it is opened like any database (pending
 * migrations of its schema are applied first).  The destination must hold no
 * node yet (no host organisation, no organisation).  Job leases are not
 * copied: the destination's scheduler starts afresh.
 */
#ifndef LIAISON_MIGRATE_H
#define LIAISON_MIGRATE_H

#include "util/err.h"

#include <stdint.h>

/* Called after each table with its name and the rows copied. */
typedef void (*migrate_progress_fn)(void *ctx, const char *table, int64_t rows);

int node_migrate(const char *from, const char *to, migrate_progress_fn progress, void *ctx,
                 struct diag *d);

#endif
