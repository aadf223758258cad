/*
 * test_json.c - JSON reader and writer (codec/json.h).
 *
 * The conformance part runs every file of JSONTestSuite's test_parsing
 * directory (tests/data/json-test-suite): y_* must parse, n_* must be
 * rejected, i_* may go either way but must not crash.  Each file is handed to
 * the parser in a buffer of exactly its size, so ASan catches any read past
 * the end (the input need not be NUL-terminated).  Every accepted document is
 * also written back (compact and pretty) and re-parsed to the same tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/json.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/limits.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

/* ---- helpers ---- */

/* Reads path into a malloc'd buffer of exactly its size (not NUL-terminated). */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0, r;
    char *tmp = malloc(cap);
    while ((r = fread(tmp + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            tmp = realloc(tmp, cap);
        }
    }
    fclose(f);
    char *exact = malloc(n ? n : 1);
    memcpy(exact, tmp, n);
    free(tmp);
    *len = n;
    return exact;
}

static bool json_equal(const struct json_value *a, const struct json_value *b)
{
    if (a->type != b->type || a->len != b->len)
        return false;
    switch (a->type) {
    case JSON_NUMBER:
    case JSON_STRING:
        return memcmp(a->u.str, b->u.str, a->len) == 0 && a->u.str[a->len] == '\0' &&
               b->u.str[b->len] == '\0';
    case JSON_ARRAY:
        for (size_t i = 0; i < a->len; i++)
            if (!json_equal(&a->u.items[i], &b->u.items[i]))
                return false;
        return true;
    case JSON_OBJECT:
        for (size_t i = 0; i < a->len; i++) {
            const struct json_member *ma = &a->u.members[i], *mb = &b->u.members[i];
            if (ma->key.len != mb->key.len || memcmp(ma->key.ptr, mb->key.ptr, ma->key.len) != 0 ||
                ma->key.ptr[ma->key.len] != '\0' || !json_equal(&ma->value, &mb->value))
                return false;
        }
        return true;
    default:
        return true;
    }
}

/* Parses s (a C string) into *out; returns the error code. */
static int parse_cstr(struct arena *a, const char *s, struct json_value **out, struct diag *d)
{
    return json_parse(a, s, strlen(s), LIMIT_JSON_DEPTH, out, d);
}

/* Writes v (compact or pretty), parses the text again and checks the trees are equal. */
static bool round_trips(struct arena *a, const struct json_value *v, bool pretty)
{
    struct buf b;
    struct json_writer w;
    struct json_value *again = NULL;
    buf_init(&b, 64u << 20);
    json_writer_init(&w, &b, pretty);
    json_write_value(&w, v);
    bool ok = b.err == 0 && w.depth == 0 &&
              json_parse(a, b.ptr, b.len, LIMIT_JSON_DEPTH, &again, NULL) == 0 &&
              json_equal(v, again);
    buf_free(&b);
    return ok;
}

/* Appends name to the failure list (bounded; the message just needs to name the files). */
static void note_failure(char *list, size_t cap, const char *name, const char *why)
{
    size_t n = strlen(list);
    if (n + strlen(name) + strlen(why) + 8 < cap)
        snprintf(list + n, cap - n, "\n  %s (%s)", name, why);
}

/* ---- conformance: JSONTestSuite ---- */

static void test_json_suite_y_parse_n_reject_i_no_crash(void **state)
{
    (void)state;
    const char *dir = "tests/data/json-test-suite/test_parsing";
    char path[2048];
    DIR *dh = opendir(dir);
    if (dh == NULL)
        fail_msg("cannot open %s (run from the project root)", dir);

    static char failures[16384];
    failures[0] = '\0';
    int n_files = 0, n_failed = 0, n_y = 0, n_n = 0;
    struct dirent *de;
    while ((de = readdir(dh)) != NULL) {
        const char *name = de->d_name;
        char kind = name[0];
        if (name[0] == '.' || (kind != 'y' && kind != 'n' && kind != 'i') || name[1] != '_')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        size_t len;
        char *text = read_file(path, &len);
        if (text == NULL) {
            note_failure(failures, sizeof(failures), name, "unreadable");
            n_failed++;
            continue;
        }
        struct arena *a = arena_new();
        struct json_value *v = NULL;
        struct diag d;
        diag_clear(&d);
        int rc = json_parse(a, text, len, LIMIT_JSON_DEPTH, &v, &d);
        n_files++;
        if (kind == 'y') {
            n_y++;
            if (rc != 0) {
                note_failure(failures, sizeof(failures), name, d.msg);
                n_failed++;
            } else if (!round_trips(a, v, false) || !round_trips(a, v, true)) {
                note_failure(failures, sizeof(failures), name, "round trip differs");
                n_failed++;
            }
        } else if (kind == 'n') {
            n_n++;
            if (rc == 0) {
                note_failure(failures, sizeof(failures), name, "accepted");
                n_failed++;
            } else if (d.line == 0 || d.col == 0 || strcmp(d.field, "json") != 0 ||
                       d.msg[0] == '\0') {
                note_failure(failures, sizeof(failures), name, "no position or message");
                n_failed++;
            }
        } else if (rc == 0 && !round_trips(a, v, false)) {
            /* i_*: either answer, but what we accept must write back. */
            note_failure(failures, sizeof(failures), name, "round trip differs");
            n_failed++;
        }
        arena_free(a);
        free(text);
    }
    closedir(dh);
    if (n_failed > 0)
        fail_msg("%d of %d JSONTestSuite files failed:%s", n_failed, n_files, failures);
    /* Guard against an empty or wrong directory passing silently. */
    assert_true(n_y >= 90);
    assert_true(n_n >= 180);
}

/* ---- reader ---- */

static void test_json_parse_tree_shape_and_literals(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct json_value *v;
    const char *text = " {\"a\": [1, -2.5e+3, true, false, null, \"x\"], \"b\": {}, \"c\": []}\r\n";
    assert_int_equal(parse_cstr(a, text, &v, NULL), 0);
    assert_int_equal(v->type, JSON_OBJECT);
    assert_int_equal(v->len, 3);
    const struct json_value *arr = json_get(v, "a");
    assert_true(json_is(arr, JSON_ARRAY));
    assert_int_equal(arr->len, 6);
    assert_int_equal(arr->u.items[0].type, JSON_NUMBER);
    assert_string_equal(arr->u.items[1].u.str, "-2.5e+3");
    assert_int_equal(arr->u.items[1].len, 7);
    assert_int_equal(arr->u.items[2].type, JSON_TRUE);
    assert_int_equal(arr->u.items[3].type, JSON_FALSE);
    assert_int_equal(arr->u.items[4].type, JSON_NULL);
    assert_string_equal(arr->u.items[5].u.str, "x");
    assert_true(json_is(json_get(v, "b"), JSON_OBJECT));
    assert_int_equal(json_get(v, "b")->len, 0);
    assert_int_equal(json_get(v, "c")->len, 0);
    assert_null(json_get(v, "missing"));
    assert_null(json_get(arr, "a"));
    assert_null(json_get(NULL, "a"));
    assert_false(json_is(NULL, JSON_NULL));

    /* Scalars at top level. */
    assert_int_equal(parse_cstr(a, "7", &v, NULL), 0);
    assert_string_equal(v->u.str, "7");
    assert_int_equal(parse_cstr(a, "\"\"", &v, NULL), 0);
    assert_int_equal(v->len, 0);
    assert_string_equal(v->u.str, "");
    arena_free(a);
}

static void test_json_parse_unescapes_to_utf8(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct json_value *v;
    assert_int_equal(parse_cstr(a, "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20AC\"", &v, NULL),
                     0);
    assert_string_equal(v->u.str, "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xe2\x82\xac");
    /* A surrogate pair combines. */
    assert_int_equal(parse_cstr(a, "\"\\ud83d\\ude00|\\uDBFF\\uDFFF\"", &v, NULL), 0);
    assert_string_equal(v->u.str, "\xf0\x9f\x98\x80|\xf4\x8f\xbf\xbf");
    /* \u0000 is kept: the length tells. */
    assert_int_equal(parse_cstr(a, "{\"k\\u0000\":\"x\\u0000y\"}", &v, NULL), 0);
    assert_int_equal(v->u.members[0].key.len, 2);
    assert_int_equal(v->u.members[0].value.len, 3);
    assert_memory_equal(v->u.members[0].value.u.str, "x\0y", 4);
    /* Raw UTF-8 passes through; long strings take the bulk path. */
    const char *longs = "\"0123456789abcdef0123456789abcdef\xe6\x97\xa5\xe6\x9c\xac"
                        "0123456789abcdef\\n0123456789abcdef\"";
    assert_int_equal(parse_cstr(a, longs, &v, NULL), 0);
    assert_string_equal(v->u.str, "0123456789abcdef0123456789abcdef\xe6\x97\xa5\xe6\x9c\xac"
                                  "0123456789abcdef\n0123456789abcdef");
    arena_free(a);
}

/* A lone surrogate has no UTF-8 form: refused with its position, never
 * replaced by U+FFFD (which would store something the client did not send). */
static void test_json_parse_rejects_lone_surrogates(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"\\ud800\"",         /* high surrogate at the end */
        "\"x\\ud800y\"",       /* high surrogate, then a letter */
        "\"\\ud800\\u0041\"", /* high surrogate, then a non-surrogate escape */
        "\"\\ud800\\ud800\"", /* two high surrogates */
        "\"\\udc00\"",         /* low surrogate alone */
        "\"\\udfff\\ud800\"", /* pair in the wrong order */
        "{\"\\ud800\":1}",     /* in a key */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct arena *a = arena_new();
        struct json_value *v;
        struct diag d;
        assert_int_equal(parse_cstr(a, bad[i], &v, &d), ERR_INVAL);
        assert_non_null(strstr(d.msg, "surrogate"));
        assert_true(d.line == 1 && d.col > 1);
        arena_free(a);
    }
}

/* json_as_str gives views used as C strings: one holding \u0000 is refused. */
static void test_json_as_str_refuses_embedded_nul(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct json_value *v;
    assert_int_equal(parse_cstr(a, "{\"a\":\"victim\\u0000:suffix\",\"b\":\"ok\"}", &v, NULL), 0);
    struct str s;
    assert_false(json_as_str(json_get(v, "a"), &s));
    assert_true(json_str_has_nul(json_get(v, "a")));
    assert_true(json_as_str(json_get(v, "b"), &s) && str_eq_cstr(s, "ok"));
    assert_false(json_str_has_nul(json_get(v, "b")));
    assert_false(json_str_has_nul(NULL));
    arena_free(a);
}

static void test_json_parse_rejects_bad_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"\xc0\xaf\"",             /* overlong '/' */
        "\"\xe0\x80\xaf\"",         /* overlong, 3 bytes */
        "\"\xed\xa0\x80\"",         /* encoded surrogate U+D800 */
        "\"\xf4\x90\x80\x80\"",     /* above U+10FFFF */
        "\"\xf8\x88\x80\x80\x80\"", /* 5-byte form */
        "\"\x80\"",                 /* lone continuation */
        "\"\xe2\x82\"",             /* truncated, then the quote */
        "\"abcdefghijklmnopqrstuvwxyz\xff\"",
    };
    struct arena *a = arena_new();
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct json_value *v;
        struct diag d;
        diag_clear(&d);
        assert_int_equal(parse_cstr(a, bad[i], &v, &d), ERR_INVAL);
        assert_non_null(strstr(d.msg, "UTF-8"));
        assert_null(v);
    }
    arena_free(a);
}

static void test_json_error_reports_line_and_column(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct json_value *v;
    struct diag d;

    diag_clear(&d);
    assert_int_equal(parse_cstr(a, "{\n  \"a\": 1,\n  \"b\": tru\n}", &v, &d), ERR_INVAL);
    assert_string_equal(d.field, "json");
    assert_int_equal(d.line, 3);
    assert_int_equal(d.col, 8);
    assert_non_null(strstr(d.msg, "invalid literal"));

    diag_clear(&d);
    assert_int_equal(parse_cstr(a, "[1,\n2,]", &v, &d), ERR_INVAL);
    assert_int_equal(d.line, 2);
    assert_int_equal(d.col, 3);

    diag_clear(&d);
    assert_int_equal(parse_cstr(a, "{\"a\" 1}", &v, &d), ERR_INVAL);
    assert_int_equal(d.line, 1);
    assert_int_equal(d.col, 6);
    assert_non_null(strstr(d.msg, "':'"));

    /* End of input: the column just past the last byte. */
    diag_clear(&d);
    assert_int_equal(parse_cstr(a, "[\"abc", &v, &d), ERR_INVAL);
    assert_int_equal(d.line, 1);
    assert_int_equal(d.col, 6);
    assert_non_null(strstr(d.msg, "unterminated string"));

    diag_clear(&d);
    assert_int_equal(parse_cstr(a, "\"a\tb\"", &v, &d), ERR_INVAL);
    assert_int_equal(d.col, 3);
    assert_non_null(strstr(d.msg, "control character"));

    diag_clear(&d);
    assert_int_equal(parse_cstr(a, "{} x", &v, &d), ERR_INVAL);
    assert_int_equal(d.col, 4);

    diag_clear(&d);
    assert_int_equal(json_parse(a, "", 0, 8, &v, &d), ERR_INVAL);
    assert_int_equal(d.line, 1);
    assert_int_equal(d.col, 1);

    /* A NULL diag is allowed. */
    assert_int_equal(parse_cstr(a, "[01]", &v, NULL), ERR_INVAL);
    arena_free(a);
}

static void test_json_depth_limit_is_toobig(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct json_value *v;
    struct diag d;
    assert_int_equal(json_parse(a, "[[{\"a\":[]}]]", 12, 4, &v, NULL), 0);
    diag_clear(&d);
    assert_int_equal(json_parse(a, "[[{\"a\":[]}]]", 12, 3, &v, &d), ERR_TOOBIG);
    assert_int_equal(d.col, 8);
    assert_int_equal(json_parse(a, "1", 1, 0, &v, NULL), 0);
    assert_int_equal(json_parse(a, "[]", 2, 0, &v, NULL), ERR_TOOBIG);

    /* Deep nesting costs no C stack in the reader; the writer stops at its own limit. */
    enum { DEEP = 100000 };
    char *deep = malloc(2 * DEEP);
    memset(deep, '[', DEEP);
    memset(deep + DEEP, ']', DEEP);
    assert_int_equal(json_parse(a, deep, 2 * DEEP, LIMIT_JSON_DEPTH, &v, NULL), ERR_TOOBIG);
    assert_int_equal(json_parse(a, deep, 2 * DEEP, DEEP, &v, NULL), 0);
    assert_int_equal(json_parse(a, deep, 2 * DEEP - 1, DEEP, &v, NULL), ERR_INVAL);
    assert_int_equal(json_parse(a, deep, 2 * DEEP, DEEP, &v, NULL), 0);
    struct buf b;
    struct json_writer w;
    buf_init(&b, 1 << 20);
    json_writer_init(&w, &b, false);
    json_write_value(&w, v);
    assert_int_equal(b.err, ERR_TOOBIG);
    buf_free(&b);
    free(deep);
    arena_free(a);
}

static void test_json_duplicate_keys_kept_last_wins(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct json_value *v;
    assert_int_equal(parse_cstr(a, "{\"a\":1,\"b\":2,\"a\":3}", &v, NULL), 0);
    assert_int_equal(v->len, 3);
    assert_string_equal(v->u.members[0].key.ptr, "a");
    assert_string_equal(v->u.members[2].key.ptr, "a");
    assert_string_equal(json_get(v, "a")->u.str, "3");
    assert_string_equal(json_get(v, "b")->u.str, "2");
    arena_free(a);
}

static void test_json_large_array_children_contiguous(void **state)
{
    (void)state;
    /* Enough members and items to leave the inline scratch and frame stacks. */
    struct buf b;
    buf_init(&b, 1 << 24);
    buf_puts(&b, "[");
    for (int i = 0; i < 20000; i++)
        buf_printf(&b, "%s{\"id\":\"%d\",\"n\":[%d,[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                       "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
                   i ? "," : "", i, i);
    buf_puts(&b, "]");
    assert_int_equal(b.err, 0);
    struct arena *a = arena_new();
    struct json_value *v;
    assert_int_equal(json_parse(a, b.ptr, b.len, LIMIT_JSON_DEPTH, &v, NULL), 0);
    assert_int_equal(v->len, 20000);
    for (int i = 0; i < 20000; i++) {
        int64_t id, n;
        assert_true(json_as_i64(json_get(&v->u.items[i], "id"), &id));
        assert_true(json_as_i64(&json_get(&v->u.items[i], "n")->u.items[0], &n));
        assert_true(id == i && n == i);
    }
    assert_true(round_trips(a, v, false));
    arena_free(a);
    buf_free(&b);
}

static void test_json_as_conversions(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct json_value *v;
    const char *text = "{\"n\":12,\"s\":\"12\",\"neg\":\"-7\",\"big\":9223372036854775807,"
                       "\"over\":9223372036854775808,\"sover\":\"-9223372036854775809\","
                       "\"frac\":1.5,\"exp\":1e3,\"t\":true,\"f\":false,\"null\":null,"
                       "\"empty\":\"\",\"word\":\"12a\",\"one\":1,\"zero\":0,\"two\":2,"
                       "\"s1\":\"1\",\"s0\":\"0\",\"strue\":\"true\",\"sfalse\":\"false\","
                       "\"syes\":\"yes\",\"arr\":[]}";
    assert_int_equal(parse_cstr(a, text, &v, NULL), 0);

    int64_t i = 42;
    assert_true(json_as_i64(json_get(v, "n"), &i));
    assert_true(i == 12);
    assert_true(json_as_i64(json_get(v, "s"), &i));
    assert_true(i == 12);
    assert_true(json_as_i64(json_get(v, "neg"), &i));
    assert_true(i == -7);
    assert_true(json_as_i64(json_get(v, "big"), &i));
    assert_true(i == INT64_MAX);
    assert_true(json_as_i64(json_get(v, "t"), &i));
    assert_true(i == 1);
    assert_true(json_as_i64(json_get(v, "f"), &i));
    assert_true(i == 0);
    i = 42;
    assert_false(json_as_i64(json_get(v, "over"), &i));
    assert_false(json_as_i64(json_get(v, "sover"), &i));
    assert_false(json_as_i64(json_get(v, "frac"), &i));
    assert_false(json_as_i64(json_get(v, "exp"), &i));
    assert_false(json_as_i64(json_get(v, "null"), &i));
    assert_false(json_as_i64(json_get(v, "empty"), &i));
    assert_false(json_as_i64(json_get(v, "word"), &i));
    assert_false(json_as_i64(json_get(v, "arr"), &i));
    assert_false(json_as_i64(json_get(v, "missing"), &i));
    assert_true(i == 42); /* untouched on failure */

    bool b = false;
    assert_true(json_as_bool(json_get(v, "t"), &b) && b);
    assert_true(json_as_bool(json_get(v, "f"), &b) && !b);
    assert_true(json_as_bool(json_get(v, "one"), &b) && b);
    assert_true(json_as_bool(json_get(v, "zero"), &b) && !b);
    assert_true(json_as_bool(json_get(v, "s1"), &b) && b);
    assert_true(json_as_bool(json_get(v, "s0"), &b) && !b);
    assert_true(json_as_bool(json_get(v, "strue"), &b) && b);
    assert_true(json_as_bool(json_get(v, "sfalse"), &b) && !b);
    assert_false(json_as_bool(json_get(v, "two"), &b));
    assert_false(json_as_bool(json_get(v, "syes"), &b));
    assert_false(json_as_bool(json_get(v, "null"), &b));
    assert_false(json_as_bool(json_get(v, "frac"), &b));
    assert_false(json_as_bool(NULL, &b));

    struct str s;
    assert_true(json_as_str(json_get(v, "s"), &s));
    assert_true(str_eq_cstr(s, "12"));
    assert_true(json_as_str(json_get(v, "empty"), &s) && s.len == 0);
    assert_false(json_as_str(json_get(v, "n"), &s));
    assert_false(json_as_str(NULL, &s));
    arena_free(a);
}

/* ---- writer ---- */

static void test_json_writer_escapes(void **state)
{
    (void)state;
    struct buf b;
    struct json_writer w;
    buf_init(&b, 1 << 16);
    json_writer_init(&w, &b, false);
    json_write_array_begin(&w);
    json_write_str(&w, "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f", 14);
    json_write_str(&w, "nul\0x", 5);
    json_write_cstr(&w, "\xc3\xa9\xf0\x9f\x98\x80");
    json_write_cstr(&w, NULL);
    json_write_array_end(&w);
    assert_int_equal(b.err, 0);
    assert_string_equal(buf_cstr(&b), "[\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\","
                                      "\"nul\\u0000x\",\"\xc3\xa9\xf0\x9f\x98\x80\",null]");

    /* What the writer escapes, the reader restores. */
    struct arena *a = arena_new();
    struct json_value *v;
    assert_int_equal(json_parse(a, b.ptr, b.len, 8, &v, NULL), 0);
    assert_int_equal(v->u.items[0].len, 14);
    assert_memory_equal(v->u.items[0].u.str, "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f", 14);
    assert_memory_equal(v->u.items[1].u.str, "nul\0x", 5);
    arena_free(a);
    buf_free(&b);
}

static void test_json_writer_replaces_invalid_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"a\xff" "b", "\"a\xef\xbf\xbd" "b\""},
        {"\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""},                  /* overlong */
        {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},  /* surrogate */
        {"x\xf0\x9f\x98", "\"x\xef\xbf\xbd\""},                          /* truncated: one */
        {"\xe2\x82" "A", "\"\xef\xbf\xbd" "A\""},                        /* maximal subpart */
        {"\x80\xbf", "\"\xef\xbf\xbd\xef\xbf\xbd\""},
        {"\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""},                  /* U+10FFFF is fine */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b;
        struct json_writer w;
        buf_init(&b, 256);
        json_writer_init(&w, &b, false);
        json_write_cstr(&w, cases[i].in);
        assert_int_equal(b.err, 0);
        assert_string_equal(buf_cstr(&b), cases[i].out);
        /* The output is always valid JSON. */
        struct arena *a = arena_new();
        struct json_value *v;
        assert_int_equal(json_parse(a, b.ptr, b.len, 8, &v, NULL), 0);
        arena_free(a);
        buf_free(&b);
    }
}

static void test_json_writer_pretty(void **state)
{
    (void)state;
    struct buf b;
    struct json_writer w;
    buf_init(&b, 1 << 16);
    json_writer_init(&w, &b, true);
    json_write_object_begin(&w);
    json_write_kv_str(&w, "name", "tlp:green");
    json_write_kv_i64(&w, "n", -5);
    json_write_key(&w, "list");
    json_write_array_begin(&w);
    json_write_i64(&w, 1);
    json_write_object_begin(&w);
    json_write_object_end(&w);
    json_write_array_begin(&w);
    json_write_array_end(&w);
    json_write_array_end(&w);
    json_write_kv_bool(&w, "ok", true);
    json_write_object_end(&w);
    assert_int_equal(b.err, 0);
    assert_string_equal(buf_cstr(&b), "{\n"
                                      "  \"name\": \"tlp:green\",\n"
                                      "  \"n\": -5,\n"
                                      "  \"list\": [\n"
                                      "    1,\n"
                                      "    {},\n"
                                      "    []\n"
                                      "  ],\n"
                                      "  \"ok\": true\n"
                                      "}");
    buf_free(&b);
}

static void test_json_writer_numbers_and_members(void **state)
{
    (void)state;
    struct buf b;
    struct json_writer w;
    buf_init(&b, 1 << 16);
    json_writer_init(&w, &b, false);
    json_write_object_begin(&w);
    json_write_kv_i64(&w, "min", INT64_MIN);
    json_write_kv_i64(&w, "max", INT64_MAX);
    json_write_key(&w, "u");
    json_write_u64(&w, UINT64_MAX);
    json_write_kv_i64_str(&w, "id", 12);
    json_write_kv_i64_str(&w, "neg", -3);
    json_write_kv_str(&w, "none", NULL);
    json_write_kv_bool(&w, "f", false);
    json_write_key(&w, "d");
    json_write_double(&w, 0.1);
    json_write_key(&w, "big");
    json_write_double(&w, 1e300);
    json_write_key(&w, "nan");
    json_write_double(&w, NAN);
    json_write_key(&w, "raw");
    json_write_raw(&w, "[1,2]", 5);
    json_write_key(&w, "null");
    json_write_null(&w);
    json_write_object_end(&w);
    assert_int_equal(b.err, 0);
    assert_string_equal(buf_cstr(&b),
                        "{\"min\":-9223372036854775808,\"max\":9223372036854775807,"
                        "\"u\":18446744073709551615,\"id\":\"12\",\"neg\":\"-3\",\"none\":null,"
                        "\"f\":false,\"d\":0.1,\"big\":1e+300,\"nan\":null,\"raw\":[1,2],"
                        "\"null\":null}");
    buf_free(&b);
}

static void test_json_round_trip_misp_like(void **state)
{
    (void)state;
    const char *text =
        "{\"Event\":{\"id\":\"12\",\"info\":\"Phishing \\u2014 \\\"urgent\\\"\\n\","
        "\"Attribute\":[{\"type\":\"url\",\"value\":\"http://ex.com/a?b=c\\/d\","
        "\"to_ids\":true,\"comment\":\"caf\xc3\xa9 \\t tab\",\"first_seen\":null},"
        "{\"type\":\"ip-dst\",\"value\":\"10.0.0.1\",\"Tag\":[{\"name\":\"tlp:green\"}]}],"
        "\"n\":[0,-0.5,1E+2,123456789012345678901234567890]}}";
    struct arena *a = arena_new();
    struct json_value *v;
    assert_int_equal(parse_cstr(a, text, &v, NULL), 0);
    assert_true(round_trips(a, v, false));
    assert_true(round_trips(a, v, true));

    /* Numbers are written exactly as read. */
    struct buf b;
    struct json_writer w;
    buf_init(&b, 1 << 16);
    json_writer_init(&w, &b, false);
    json_write_value(&w, json_get(json_get(v, "Event"), "n"));
    assert_string_equal(buf_cstr(&b), "[0,-0.5,1E+2,123456789012345678901234567890]");
    buf_free(&b);
    arena_free(a);
}

static void test_json_writer_buffer_max_is_sticky(void **state)
{
    (void)state;
    struct buf b;
    struct json_writer w;
    buf_init(&b, 16);
    json_writer_init(&w, &b, false);
    json_write_object_begin(&w);
    json_write_kv_str(&w, "key", "a value that does not fit");
    assert_int_equal(b.err, ERR_TOOBIG);
    size_t len = b.len;
    assert_true(len <= 16);
    /* Everything after the first failure is a no-op. */
    json_write_kv_i64(&w, "k", 1);
    json_write_cstr(&w, "x");
    json_write_object_end(&w);
    assert_int_equal(b.err, ERR_TOOBIG);
    assert_int_equal(b.len, len);
    buf_free(&b);

    /* Unbalanced end is reported, not ignored. */
    buf_init(&b, 16);
    json_writer_init(&w, &b, false);
    json_write_array_end(&w);
    assert_int_equal(b.err, ERR_INVAL);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_suite_y_parse_n_reject_i_no_crash),
        cmocka_unit_test(test_json_parse_tree_shape_and_literals),
        cmocka_unit_test(test_json_parse_unescapes_to_utf8),
        cmocka_unit_test(test_json_parse_rejects_bad_utf8),
        cmocka_unit_test(test_json_parse_rejects_lone_surrogates),
        cmocka_unit_test(test_json_as_str_refuses_embedded_nul),
        cmocka_unit_test(test_json_error_reports_line_and_column),
        cmocka_unit_test(test_json_depth_limit_is_toobig),
        cmocka_unit_test(test_json_duplicate_keys_kept_last_wins),
        cmocka_unit_test(test_json_large_array_children_contiguous),
        cmocka_unit_test(test_json_as_conversions),
        cmocka_unit_test(test_json_writer_escapes),
        cmocka_unit_test(test_json_writer_replaces_invalid_utf8),
        cmocka_unit_test(test_json_writer_pretty),
        cmocka_unit_test(test_json_writer_numbers_and_members),
        cmocka_unit_test(test_json_round_trip_misp_like),
        cmocka_unit_test(test_json_writer_buffer_max_is_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
