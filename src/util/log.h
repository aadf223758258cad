/*
 * log.h - logfmt lines to stderr (OpenBSD log.c style).
 *
 * log_warn appends strerror(errno); log_warnx does not.  fatal/fatalx are for
 * start-up only: they log and exit(1).  Codecs, store and index never log: they
 * return errors and the caller decides.  Never log request bodies or keys.
 */
#ifndef LIAISON_LOG_H
#define LIAISON_LOG_H

#include <stdbool.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_set_level(enum log_level level);
/* Parses "error", "warn", "info" or "debug"; returns false if unknown. */
bool log_level_parse(const char *name, enum log_level *out);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
