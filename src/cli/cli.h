/*
 * cli.h - shared pieces of the command-line subcommands.
 */
#ifndef LIAISON_CLI_H
#define LIAISON_CLI_H

#include "core/config.h"
#include "store/store.h"

/*
 * Loads the configuration from defaults, --config FILE, the environment and
 * --name value / --name=value flags in argv (consumed flags are removed; the
 * remaining arguments are compacted into argv and *argc updated).  Prints a
 * message naming the flag or file position and returns non-zero on error.
 */
int cli_config(struct config *cfg, int *argc, char **argv);

/* Opens the store named by cfg->db, creating its directory; prints errors. */
int cli_store_open(const struct config *cfg, struct store **out);

int cmd_serve(int argc, char **argv);
int cmd_org(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_lookup(int argc, char **argv);
int cmd_peer(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_init(int argc, char **argv);

#endif
