/*
 * cli.h - shared pieces of the command-line subcommands.
 */
#ifndef LIAISON_CLI_H
#define LIAISON_CLI_H

#include "core/config.h"
#include "core/svc.h"

#include <stdbool.h>

/*
 * Loads the configuration from defaults, --config FILE, the environment and
 * --name value / --name=value flags in argv (consumed flags are removed; the
 * remaining arguments are compacted into argv and *argc updated).  Prints a
 * message naming the flag or file position and returns non-zero on error.
 */
int cli_config(struct config *cfg, int *argc, char **argv);

/* Whether a subcommand's argv (argv[0] its name) asks for help: -h or --help
 * anywhere.  Subcommands answer it first, before reading or creating anything. */
bool cli_help_asked(int argc, char **argv);

/*
 * Checks a subcommand's arguments, after cli_config took the configuration
 * flags, against the options it accepts: valued ones (each takes the next
 * argument) and flags, both NULL-terminated lists or NULL.  Any other argument
 * starting with '-' (other than "-" alone) is refused: prints "liaison CMD:
 * unknown option" naming it and returns 2 (the usage-error status); else 0.
 */
int cli_check_opts(const char *cmd, int argc, char **argv, const char *const *valued,
                   const char *const *flags);

/* Opens the services on the store named by cfg->db (svc_open), creating its
 * directory; prints errors.  Close with svc_close. */
int cli_svc_open(const struct config *cfg, struct svc *out);

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
int cmd_migrate(int argc, char **argv);

#endif
