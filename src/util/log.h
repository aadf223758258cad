/*
 * log.h - logfmt lines to stderr (OpenBSD log.c style).
 *
 * Every line is `ts=... level=... msg="..."`, optionally followed by more
 * key=value fields (log_begin/log_str/log_int/log_end).  Whatever a caller
 * formats into msg, and every string field, is escaped (log_escape): a value
 * can never end its quotes, start a new line or forge a key, so user-controlled
 * text (a URL, a peer's error message, a name) is safe to log.  Still, put
 * such values in their own fields rather than inside msg, so that tools can
 * read them.
 *
 * log_warn appends strerror(errno); log_warnx does not.  fatal/fatalx are for
 * start-up only: they log and exit(1).  Codecs, store and index never log: they
 * return errors and the caller decides.  Never log request bodies or keys.
 */
#ifndef LIAISON_LOG_H
#define LIAISON_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Longest line written, newline included; longer values are cut (never in
 * the middle of an escape or a UTF-8 character). */
#define LOG_LINE_MAX 4096

void log_set_level(enum log_level level);
/* Parses "error", "warn", "info" or "debug"; returns false if unknown. */
bool log_level_parse(const char *name, enum log_level *out);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Escapes src[0..len) for the inside of a double-quoted logfmt value: `"` and
 * `\` get a backslash; \n \r \t are written as such; other control characters
 * (C0, DEL, C1) and U+2028/U+2029 as \u00XX / \u2028; bytes that are not valid
 * UTF-8 as \xNN.  Writes at most cap bytes to dst (no NUL), never a partial
 * escape or character; returns the bytes written.  *used (may be NULL)
 * receives the input bytes consumed, len unless the output was cut.
 */
size_t log_escape(char *dst, size_t cap, const char *src, size_t len, size_t *used);

/*
 * A line with fields after msg, for a log entry that carries request data:
 *
 *     struct log_line l;
 *     if (log_begin(&l, LOG_LEVEL_INFO, "access")) {
 *         log_str(&l, "path", url);
 *         log_int(&l, "status", 200);
 *         log_end(&l);
 *     }
 *
 * log_begin returns false (and the others do nothing) when the level is
 * filtered out.  Keys are the caller's literals ([a-z_]); string values are
 * always quoted and escaped; NULL is written as "".  log_end writes the line.
 */
struct log_line {
    char text[LOG_LINE_MAX];
    size_t len;
    bool on;
};

bool log_begin(struct log_line *l, enum log_level level, const char *msg);
void log_str(struct log_line *l, const char *key, const char *value);
void log_int(struct log_line *l, const char *key, long long value);
void log_end(struct log_line *l);

#endif
