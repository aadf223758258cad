/*
 * log.c - logfmt logging to stderr.
 *
 * Each line is written with one write() so concurrent threads do not interleave.
 */
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level log_level = LOG_LEVEL_INFO;

void log_set_level(enum log_level level)
{
    log_level = level;
}

bool log_level_parse(const char *name, enum log_level *out)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (enum log_level)i;
            return true;
        }
    return false;
}

__attribute__((format(printf, 2, 0))) static void log_emit(const char *level, const char *fmt,
                                                        va_list ap, const char *errtext)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s msg=\"",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, level);
    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    if (m > 0)
        n = (size_t)n + (size_t)m >= sizeof(line) - 64 ? (int)sizeof(line) - 64 : n + m;
    if (errtext)
        n += snprintf(line + n, sizeof(line) - (size_t)n, ": %s", errtext);
    if ((size_t)n >= sizeof(line) - 2)
        n = (int)sizeof(line) - 3;
    line[n++] = '"';
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}

#define LOG_BODY(lvl, name, err)                                                                   \
    do {                                                                                           \
        if (log_level < (lvl))                                                                     \
            return;                                                                                \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_emit(name, fmt, ap, err);                                                              \
        va_end(ap);                                                                                \
    } while (0)

void log_warn(const char *fmt, ...)
{
    const char *e = strerror(errno);
    LOG_BODY(LOG_LEVEL_WARN, "warn", e);
}

void log_warnx(const char *fmt, ...)
{
    LOG_BODY(LOG_LEVEL_WARN, "warn", NULL);
}

void log_info(const char *fmt, ...)
{
    LOG_BODY(LOG_LEVEL_INFO, "info", NULL);
}

void log_debug(const char *fmt, ...)
{
    LOG_BODY(LOG_LEVEL_DEBUG, "debug", NULL);
}

void fatal(const char *fmt, ...)
{
    const char *e = strerror(errno);
    va_list ap;
    va_start(ap, fmt);
    log_emit("fatal", fmt, ap, e);
    va_end(ap);
    exit(1);
}

void fatalx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_emit("fatal", fmt, ap, NULL);
    va_end(ap);
    exit(1);
}
