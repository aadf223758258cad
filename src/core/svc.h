/*
 * svc.h - the context every service call receives.
 *
 * A service (orgs, users, keys, sharing groups, links, events, search,
 * sightings, look-ups, ...) is the only code that opens a store transaction
 * and the only caller of the store; it asks acl.c for every decision.  The
 * HTTP handlers and the CLI subcommands call the same services with a struct
 * svc, so a rule exists once.
 *
 * Process lifetime: filled at start-up (svc_open, then the server adds the
 * index and the key cache) and read-only afterwards, shared by all threads.
 */
#ifndef LIAISON_SVC_H
#define LIAISON_SVC_H

#include "core/acl.h"
#include "core/config.h"
#include "core/model.h"
#include "util/err.h"

struct store;
struct indexer;
struct auth_cache;

struct svc {
    struct store *store;
    struct indexer *indexer;       /* the indicator index; NULL where a command needs none */
    struct auth_cache *auth_cache; /* verified keys; NULL: every check reads the store */
    const struct config *cfg;      /* borrowed; outlives the svc */
    struct acl_policy policy;
    char instance_uuid[UUID_STR_LEN + 1]; /* "" until instance_init ran */
};

/*
 * Opens the store named by cfg->db (a "sqlite:" URL or a path; the file's
 * directory is created, mode 0750) with a reader pool sized for cfg->threads,
 * and fills s from cfg.  cfg is borrowed and must outlive s.  On failure d
 * names the cause and s holds nothing to close.
 */
int svc_open(struct svc *s, const struct config *cfg, struct diag *d);
/* Closes the store (the index and key cache belong to whoever set them). */
void svc_close(struct svc *s);
/* Creates the folder path is in (one level, mode 0750) unless it exists; d
 * names field. */
int svc_parent_dir_make(const char *path, const char *field, struct diag *d);
/* Creates the folder of the SQLite file url names (nothing for PostgreSQL). */
int svc_db_dir_make(const char *url, struct diag *d);
/* The SQLite file cfg->db names; NULL for a PostgreSQL database. */
const char *svc_db_file(const struct config *cfg);

#endif
