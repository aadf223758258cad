/*
 * test_util.c - arena, buf, str and parse utilities, struct diag.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_arena_alignment_and_large_blocks(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    for (int i = 1; i < 2000; i++) {
        unsigned char *p = arena_alloc(a, (size_t)i * 7);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xab, (size_t)i * 7);
    }
    char *big = arena_alloc(a, 1 << 20);
    memset(big, 1, 1 << 20);
    char *s = arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    assert_string_equal(arena_printf(a, "%d-%s", 42, "x"), "42-x");
    assert_true(arena_size(a) >= (1u << 20));
    arena_free(a);
    arena_free(NULL);
}

static void test_buf_max_is_sticky(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    buf_puts(&b, "abcd");
    buf_printf(&b, "%d", 123);
    assert_string_equal(buf_cstr(&b), "abcd123");
    buf_puts(&b, "xy");
    assert_int_equal(b.err, ERR_TOOBIG);
    buf_putc(&b, 'z');
    assert_int_equal(b.len, 7);
    buf_reset(&b);
    assert_int_equal(b.err, 0);
    buf_putc(&b, 'q');
    assert_string_equal(buf_cstr(&b), "q");
    buf_free(&b);
}

static void test_buf_grows_past_initial_capacity(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 20);
    for (int i = 0; i < 10000; i++)
        buf_putc(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 10000);
    assert_int_equal(b.ptr[9999], 'a' + 9999 % 26);
    size_t len;
    char *p = buf_take(&b, &len);
    assert_int_equal(len, 10000);
    assert_int_equal(b.len, 0);
    free(p);
}

static void test_parse_ranges(void **state)
{
    (void)state;
    uint64_t u;
    int64_t i;
    assert_int_equal(parse_u64_all(STR_LIT("18446744073709551615"), 0, UINT64_MAX, &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(parse_u64_all(STR_LIT("18446744073709551616"), 0, UINT64_MAX, &u), ERR_INVAL);
    assert_int_equal(parse_u64_all(STR_LIT("12a"), 0, 100, &u), ERR_INVAL);
    assert_int_equal(parse_u64_all(STR_LIT(""), 0, 100, &u), ERR_INVAL);
    assert_int_equal(parse_u64_all(STR_LIT("101"), 0, 100, &u), ERR_INVAL);
    assert_int_equal(parse_i64_all(STR_LIT("-9223372036854775808"), INT64_MIN, 0, &i), 0);
    assert_true(i == INT64_MIN);
    assert_int_equal(parse_i64_all(STR_LIT("-5"), 0, 10, &i), ERR_INVAL);
    struct str cur = STR_LIT("42rest");
    assert_int_equal(parse_u64(&cur, 0, 100, &u), 0);
    assert_int_equal(u, 42);
    assert_true(str_eq_cstr(cur, "rest"));
}

/* Regression: "465643a3-..." (a uuid) used to leave 465643 in *out on failure,
 * and a caller then looked the uuid up as id 465643. */
static void test_parse_all_leaves_out_untouched_on_failure(void **state)
{
    (void)state;
    uint64_t u = 7;
    int64_t i = 7;
    assert_int_equal(parse_u64_all(STR_LIT("465643a3-b82b"), 0, UINT64_MAX, &u), ERR_INVAL);
    assert_int_equal(u, 7);
    assert_int_equal(parse_i64_all(STR_LIT("-12x"), INT64_MIN, INT64_MAX, &i), ERR_INVAL);
    assert_int_equal(i, 7);
}

static void test_str_split(void **state)
{
    (void)state;
    struct str s = STR_LIT("events/view/12");
    assert_true(str_eq_cstr(str_split(&s, '/'), "events"));
    assert_true(str_eq_cstr(str_split(&s, '/'), "view"));
    assert_true(str_eq_cstr(str_split(&s, '/'), "12"));
    assert_int_equal(s.len, 0);
}

static void test_diag_set_sets_every_field(void **state)
{
    (void)state;
    struct diag d;
    memset(&d, 0xa5, sizeof(d)); /* what an uninitialised or reused diag may hold */
    assert_int_equal(diag_set(&d, ERR_INVAL, "name", "name is %s", "required"), ERR_INVAL);
    assert_string_equal(d.field, "name");
    assert_string_equal(d.msg, "name is required");
    assert_int_equal(d.line, 0);
    assert_int_equal(d.col, 0);
    assert_int_equal(diag_set(&d, ERR_CONFLICT, NULL, "taken"), ERR_CONFLICT);
    assert_string_equal(d.field, "");
    assert_int_equal(diag_set(NULL, ERR_DB, "x", "y"), ERR_DB);
}

static void test_secret_buf_wipes_what_it_releases(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 4096);
    buf_set_secret(&b);
    buf_puts(&b, "Authorization: ");
    for (int i = 0; i < 40; i++) /* past the first 256 bytes: grows (copy, wipe, free) */
        buf_puts(&b, "0123456789");
    assert_int_equal(b.len, 415);
    assert_memory_equal(b.ptr + 15, "0123456789", 10);
    assert_memory_equal(b.ptr + 405, "0123456789", 10);
    size_t cap = b.cap;
    char *p = b.ptr;
    buf_reset(&b);
    assert_ptr_equal(b.ptr, p); /* the memory is kept, every byte of it zero */
    for (size_t i = 0; i < cap; i++)
        assert_int_equal(p[i], 0);
    buf_puts(&b, "k");
    buf_free(&b);
    assert_null(b.ptr);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 4096);
    assert_true(b.secret); /* a reused buffer stays secret */
    buf_init(&b, 16);
    assert_false(b.secret);
    buf_puts(&b, "plain");
    buf_reset(&b); /* not secret: only emptied */
    assert_string_equal(b.ptr + 1, "lain");
    buf_free(&b);
}

/* Escapes s whole into a NUL-terminated static buffer. */
static const char *escaped(const char *s, size_t len)
{
    static char out[512];
    size_t used;
    size_t n = log_escape(out, sizeof(out) - 1, s, len, &used);
    assert_int_equal(used, len);
    out[n] = '\0';
    return out;
}

static void test_log_escape_quotes_controls_and_bad_utf8(void **state)
{
    (void)state;
    assert_string_equal(escaped("plain /path?x=1", 15), "plain /path?x=1");
    assert_string_equal(escaped("a\"b\\c", 5), "a\\\"b\\\\c");
    assert_string_equal(escaped("x\ny\rz\t", 6), "x\\ny\\rz\\t");
    assert_string_equal(escaped("\x01\x1b[31m\x7f", 7), "\\u0001\\u001b[31m\\u007f");
    assert_string_equal(escaped("nul\0x", 5), "nul\\u0000x");
    /* valid UTF-8 stays readable; NEL, C1 controls and line separators do not pass */
    assert_string_equal(escaped("caf\xc3\xa9", 5), "caf\xc3\xa9");
    assert_string_equal(escaped("\xc2\x85\xe2\x80\xa8\xe2\x80\xa9", 8),
                        "\\u0085\\u2028\\u2029");
    /* invalid: stray continuation, overlong, surrogate, truncated sequence */
    assert_string_equal(escaped("\x80\xc0\xaf\xed\xa0\x80\xe2\x80", 8),
                        "\\x80\\xc0\\xaf\\xed\\xa0\\x80\\xe2\\x80");
}

static void test_log_escape_never_cuts_an_escape(void **state)
{
    (void)state;
    char out[8];
    size_t used;
    /* "ab" fits, the 2-byte escape of the quote does not fit in the last byte */
    size_t n = log_escape(out, 3, "ab\"c", 4, &used);
    assert_int_equal(n, 2);
    assert_int_equal(used, 2);
    assert_memory_equal(out, "ab", 2);
    n = log_escape(out, 5, "\xc3\xa9\xc3\xa9\xc3\xa9", 6, &used);
    assert_int_equal(n, 4);
    assert_int_equal(used, 4);
}

/* Runs fn with stderr redirected to a temporary file; returns what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
    static char text[2 * LOG_LINE_MAX];
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(tmp), STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(text, 1, sizeof(text) - 1, tmp);
    text[n] = '\0';
    fclose(tmp);
    return text;
}

static const char forged[] = "/x\" level=fatal msg=\"a\nts=2026-01-01T00:00:00.000Z level=fatal "
                             "msg=\"forged\\";

static void log_forged_fields(void)
{
    struct log_line l;
    if (log_begin(&l, LOG_LEVEL_INFO, "access")) {
        log_str(&l, "path", forged);
        log_int(&l, "status", 404);
        log_end(&l);
    }
}

static void log_forged_message(void)
{
    log_info("sync: peer said %s", forged);
}

static void log_long_value(void)
{
    static char v[3 * LOG_LINE_MAX];
    memset(v, '"', sizeof(v) - 1);
    struct log_line l;
    log_begin(&l, LOG_LEVEL_INFO, "access");
    log_str(&l, "path", v);
    log_int(&l, "status", 200);
    log_end(&l);
}

/* One line per entry, whatever the values hold (the access log once let a
 * URL with %22%0A forge a level=fatal line). */
static void test_log_lines_cannot_be_forged(void **state)
{
    (void)state;
    log_set_level(LOG_LEVEL_INFO);
    const char *t = capture_stderr(log_forged_fields);
    assert_int_equal(strchr(t, '\n') - t + 1, (long)strlen(t)); /* exactly one line */
    assert_non_null(strstr(t, " level=info msg=\"access\" path=\"/x\\\" level=fatal msg=\\\"a\\n"
                              "ts=2026-01-01T00:00:00.000Z level=fatal msg=\\\"forged\\\\\" "
                              "status=404\n"));
    t = capture_stderr(log_forged_message);
    assert_int_equal(strchr(t, '\n') - t + 1, (long)strlen(t));
    assert_non_null(strstr(t, " level=info msg=\"sync: peer said /x\\\" level=fatal msg=\\\"a\\nts="));
    assert_non_null(strstr(t, "msg=\\\"forged\\\\\"\n"));
    /* a value longer than a line is cut whole escapes at a time and closed */
    t = capture_stderr(log_long_value);
    size_t n = strlen(t);
    assert_true(n <= LOG_LINE_MAX);
    assert_int_equal(strchr(t, '\n') - t + 1, (long)n);
    assert_memory_equal(t + n - 4, "\\\"\"\n", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_alignment_and_large_blocks),
        cmocka_unit_test(test_buf_max_is_sticky),
        cmocka_unit_test(test_buf_grows_past_initial_capacity),
        cmocka_unit_test(test_parse_ranges),
        cmocka_unit_test(test_parse_all_leaves_out_untouched_on_failure),
        cmocka_unit_test(test_str_split),
        cmocka_unit_test(test_diag_set_sets_every_field),
        cmocka_unit_test(test_secret_buf_wipes_what_it_releases),
        cmocka_unit_test(test_log_escape_quotes_controls_and_bad_utf8),
        cmocka_unit_test(test_log_escape_never_cuts_an_escape),
        cmocka_unit_test(test_log_lines_cannot_be_forged),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
