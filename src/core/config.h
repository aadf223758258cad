/*
 * config.h - the configuration table: one entry per setting with its type,
 * bounds, default, environment variable and help.  The table drives the
 * config-file parser, the environment, command-line overrides, `--help` and
 * `liaison config show` (redis config.c style).
 *
 * Precedence, lowest first: default, config file (--config FILE, lines
 * `name = value`, `#` comments), LIAISON_* environment, command-line flags.
 */
#ifndef LIAISON_CONFIG_H
#define LIAISON_CONFIG_H

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct config {
    char *listen;                  /* host:port */
    char *db;                      /* sqlite path or URL, or a PostgreSQL connection string */
    char *admin_key_file;          /* "": the default for the database (instance.c) */
    bool read_only;                /* a read-only node: no writes, no jobs, no migrations */
    int64_t threads;               /* HTTP worker threads */
    int64_t max_body;              /* bytes */
    int64_t lookup_max_body;       /* bytes, for POST /lookup */
    int64_t correlation_threshold; /* events per value before it over-correlates */
    char *log_level;
    bool unpublished_private;
    bool sync_worker;
    int64_t job_workers;
    char *base_url;    /* public URL; empty: http://<listen> */
    char *org_name;    /* host organisation created on first start */
    char *admin_email; /* first admin user */
    /* resource limits of the HTTP server (docs/operations.md) */
    int64_t body_memory_max;        /* bytes of request bodies in memory, all connections */
    int64_t response_memory_max;    /* bytes of built answers waiting to be sent, all connections */
    int64_t max_connections;        /* connections at once */
    int64_t max_connections_per_ip; /* connections at once from one address; 0: no limit */
    int64_t header_timeout;         /* seconds to send a request's headers */
    int64_t idle_timeout;           /* seconds without traffic before a connection is closed */
    bool auth_cache;                /* false: every request verifies its key against the store */
};

/* Fills c with defaults (owned strings: free with config_free). */
void config_init(struct config *c);
void config_free(struct config *c);

/* Reads a true/false word (true, false, 1, 0, yes, no) into *v; false if s is none. */
bool config_parse_bool(const char *s, bool *v);
/* Whether name is a true/false setting (a command-line flag may then stand alone). */
bool config_is_bool(const char *name);
/* Sets name to value (string form) with bounds checks; ERR_INVAL/ERR_NOTFOUND in d. */
int config_set(struct config *c, const char *name, const char *value, struct diag *d);
/* Parses config text (lines `name = value`, `#` comments, optional double
 * quotes around a value); errors say "NAME:LINE:COL: what" and set d->line/col.
 * name names the text in messages (a file path). */
int config_parse_text(struct config *c, const char *text, size_t len, const char *name,
                      struct diag *d);
/* Reads a config file (at most 1 MiB) and parses it. */
int config_load_file(struct config *c, const char *path, struct diag *d);
/* Applies LIAISON_* environment variables. */
int config_load_env(struct config *c, struct diag *d);

/* Writes one line per setting: flag, env var, default and help (for --help). */
void config_print_help(FILE *f);
/* Writes `name = value` for every setting (config show). */
void config_print(FILE *f, const struct config *c);

#endif
