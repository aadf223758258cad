/*
 * log.c - logfmt logging to stderr.
 *
 * Each line is written with one write() so concurrent threads do not
 * interleave.  Everything that is not a key or a number goes through
 * log_escape, so that no value can break out of its quotes or its line: the
 * access log prints URLs and sync prints peers' messages, both chosen by
 * outsiders (a percent-encoded `"` or newline in a URL once forged a whole
 * `level=fatal` line).
 */
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/banned.h"

static enum log_level log_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
    log_level = level;
}

bool log_level_parse(const char *name, enum log_level *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return true;
        }
    return false;
}

/* Length of the valid UTF-8 sequence at s (n bytes left) and its code point
 * in *cp; 0 when s does not start one (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        *cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        *cp = c & 0x0fu;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        *cp = c & 0x07u;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if (i > 1 && (s[i] < 0x80 || s[i] > 0xbf))
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3fu);
    }
    return len;
}

size_t log_escape(char *dst, size_t cap, const char *src, size_t len, size_t *used)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)src;
    size_t o = 0, i = 0;
    while (i < len) {
        char esc[8];
        size_t elen = 0, in = 1;
        unsigned char c = s[i];
        uint32_t cp = c;
        if (c >= 0x80) {
            in = utf8_seq(s + i, len - i, &cp);
            if (in == 0) { /* not UTF-8: show the byte */
                in = 1;
                esc[0] = '\\', esc[1] = 'x', esc[2] = hex[c >> 4], esc[3] = hex[c & 15];
                elen = 4;
            }
        }
        if (elen == 0) {
            if (c == '"' || c == '\\') {
                esc[0] = '\\', esc[1] = (char)c, elen = 2;
            } else if (c == '\n' || c == '\r' || c == '\t') {
                esc[0] = '\\', esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't', elen = 2;
            } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
                       cp == 0x2029) {
                /* control characters, NEL and the Unicode line separators:
                 * some viewers break lines on them */
                esc[0] = '\\', esc[1] = 'u';
                for (int k = 0; k < 4; k++)
                    esc[2 + k] = hex[(cp >> (12 - 4 * k)) & 15];
                elen = 6;
            } else {
                memcpy(esc, s + i, in), elen = in;
            }
        }
        if (o + elen > cap)
            break;
        memcpy(dst + o, esc, elen);
        o += elen;
        i += in;
    }
    if (used)
        *used = i;
    return o;
}

/* Appends raw text (a key, '=', a number, quotes) if it fits entirely in the
 * line, keeping room for the newline. */
static bool line_raw(struct log_line *l, const char *p, size_t n)
{
    if (l->len + n > sizeof(l->text) - 1)
        return false;
    memcpy(l->text + l->len, p, n);
    l->len += n;
    return true;
}

/* Appends ` key="escaped value"`; a value too
 * long for the line is cut, a field whose key does not fit is left out. */
static void line_quoted(struct log_line *l, const char *key, const char *v, size_t n)
{
    size_t mark = l->len;
    if (!line_raw(l, " ", 1) || !line_raw(l, key, strlen(key)) || !line_raw(l, "=", 1) ||
        l->len + 3 > sizeof(l->text)) { /* both quotes and the newline */
        l->len = mark;
        return;
    }
    l->text[l->len++] = '"';
    size_t room = sizeof(l->text) - 2 - l->len;
    l->len += log_escape(l->text + l->len, room, v, n, NULL);
    l->text[l->len++] = '"';
}

/* Starts a line with ts, level name and msg. */
static void line_start(struct log_line *l, const char *level, const char *msg)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    /* l is the caller's fresh line, written here first (cppcheck's ctu check
     * takes the write for a read) */
    // cppcheck-suppress ctuuninitvar
    int n = snprintf(l->text, sizeof(l->text), "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, level);
    l->len = n > 0 ? (size_t)n : 0;
    l->on = true;
    log_str(l, "msg", msg);
}

bool log_begin(struct log_line *l, enum log_level level, const char *msg)
{
    l->len = 0;
    l->on = false;
    if (log_level < level)
        return false;
    line_start(l, level_names[level], msg);
    return true;
}

void log_str(struct log_line *l, const char *key, const char *value)
{
    if (!l->on)
        return;
    if (value == NULL)
        value = "";
    line_quoted(l, key, value, strlen(value));
}

void log_int(struct log_line *l, const char *key, long long value)
{
    if (!l->on)
        return;
    char num[32];
    int n = snprintf(num, sizeof(num), "%lld", value);
    size_t mark = l->len;
    if (!line_raw(l, " ", 1) || !line_raw(l, key, strlen(key)) || !line_raw(l, "=", 1) ||
        !line_raw(l, num, (size_t)n))
        l->len = mark;
}

void log_end(struct log_line *l)
{
    if (!l->on)
        return;
    l->text[l->len++] = '\n';
    ssize_t w = write(STDERR_FILENO, l->text, l->len);
    (void)w;
    l->on = false;
}

__attribute__((format(printf, 2, 0))) static void log_emit(const char *level, const char *fmt,
                                                        va_list ap, const char *errtext)
{
    char msg[LOG_LINE_MAX];
    int m = vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = m < 0 ? 0 : (size_t)m >= sizeof(msg) ? sizeof(msg) - 1 : (size_t)m;
    msg[n] = '\0';
    if (errtext)
        snprintf(msg + n, sizeof(msg) - n, ": %s", errtext);
    struct log_line l;
    line_start(&l, level, msg);
    log_end(&l);
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
