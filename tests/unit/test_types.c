/*
 * test_types.c - the attribute type table and value canonicalisation.
 *
 * The table tests compare every type, category, default and mapping with
 * MISP's describeTypes.json (tests/data/misp/describeTypes.json), in the
 * file's orders.  The value tests give, for each type with a rule, values
 * that must be accepted (with their canonical form) and values that must be
 * refused; MISP's own expectations (app/Test/AttributeValidationToolTest.php)
 * are among them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/types.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

struct ok_case {
    const char *type;
    const char *in;
    const char *want;
};

struct bad_case {
    const char *type;
    const char *in;
};

static const struct attr_type *type_named(const char *name)
{
    const struct attr_type *t = types_find(str_from_cstr(name));
    if (t == NULL)
        fail_msg("no type %s", name);
    return t;
}

static void check_ok(const struct ok_case *cases, size_t n)
{
    struct arena *a = arena_new();
    for (size_t i = 0; i < n; i++) {
        struct diag d;
        char *out = NULL;
        diag_clear(&d);
        int rc =
            types_canonicalise(type_named(cases[i].type), str_from_cstr(cases[i].in), a, &out, &d);
        if (rc != 0)
            fail_msg("%s \"%s\": refused (%s)", cases[i].type, cases[i].in, d.msg);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("%s \"%s\": got \"%s\", want \"%s\"", cases[i].type, cases[i].in, out,
                     cases[i].want);
        /* A canonical value is its own canonical form (stored values re-validate). */
        char *again = NULL;
        rc = types_canonicalise(type_named(cases[i].type), str_from_cstr(out), a, &again, &d);
        if (rc != 0 || strcmp(again, out) != 0)
            fail_msg("%s \"%s\": canonical form is not stable", cases[i].type, out);
    }
    arena_free(a);
}

static void check_bad(const struct bad_case *cases, size_t n)
{
    struct arena *a = arena_new();
    for (size_t i = 0; i < n; i++) {
        struct diag d;
        char *out = (char *)"unset";
        diag_clear(&d);
        int rc =
            types_canonicalise(type_named(cases[i].type), str_from_cstr(cases[i].in), a, &out, &d);
        if (rc != ERR_INVAL)
            fail_msg("%s \"%s\": accepted as \"%s\"", cases[i].type, cases[i].in,
                     out ? out : "(null)");
        assert_null(out);
        assert_string_equal(d.field, "value");
        if (d.msg[0] == '\0')
            fail_msg("%s \"%s\": refused without a message", cases[i].type, cases[i].in);
    }
    arena_free(a);
}

#define CHECK_OK(...)                                                                              \
    do {                                                                                           \
        static const struct ok_case cases_[] = {__VA_ARGS__};                                      \
        check_ok(cases_, sizeof(cases_) / sizeof(cases_[0]));                                      \
    } while (0)

#define CHECK_BAD(...)                                                                             \
    do {                                                                                           \
        static const struct bad_case cases_[] = {__VA_ARGS__};                                     \
        check_bad(cases_, sizeof(cases_) / sizeof(cases_[0]));                                     \
    } while (0)

/* ---------------------------------------------------------------------------
 * A small JSON reader for the reference file (objects keep document order)
 * ------------------------------------------------------------------------- */

enum jtype { J_STR, J_NUM, J_ARR, J_OBJ, J_LIT };

struct jval {
    enum jtype type;
    char *str;           /* J_STR, J_NUM, J_LIT: the text */
    size_t n;            /* J_ARR, J_OBJ: element count */
    char **keys;         /* J_OBJ */
    struct jval **items; /* J_ARR, J_OBJ */
};

struct jparser {
    const char *p;
    struct arena *a;
};

static void jspace(struct jparser *jp)
{
    while (*jp->p == ' ' || *jp->p == '\n' || *jp->p == '\r' || *jp->p == '\t')
        jp->p++;
}

static char *jstring(struct jparser *jp)
{
    assert_int_equal(*jp->p, '"');
    const char *start = ++jp->p;
    while (*jp->p != '"') {
        assert_true(*jp->p != '\0' && *jp->p != '\\'); /* the file has no escapes */
        jp->p++;
    }
    return arena_strndup(jp->a, start, (size_t)(jp->p++ - start));
}

static struct jval *jvalue(struct jparser *jp)
{
    struct jval *v = arena_calloc(jp->a, 1, sizeof(*v));
    jspace(jp);
    if (*jp->p == '"') {
        v->type = J_STR;
        v->str = jstring(jp);
    } else if (*jp->p == '[' || *jp->p == '{') {
        bool obj = *jp->p++ == '{';
        size_t cap = 256;
        v->type = obj ? J_OBJ : J_ARR;
        v->items = arena_calloc(jp->a, cap, sizeof(*v->items));
        v->keys = arena_calloc(jp->a, cap, sizeof(*v->keys));
        jspace(jp);
        while (*jp->p != (obj ? '}' : ']')) {
            assert_true(v->n < cap);
            if (obj) {
                jspace(jp);
                v->keys[v->n] = jstring(jp);
                jspace(jp);
                assert_int_equal(*jp->p++, ':');
            }
            v->items[v->n++] = jvalue(jp);
            jspace(jp);
            if (*jp->p == ',')
                jp->p++;
            jspace(jp);
        }
        jp->p++;
    } else {
        const char *start = jp->p;
        while (*jp->p && strchr(",]} \n\r\t", *jp->p) == NULL)
            jp->p++;
        assert_true(jp->p > start);
        v->type = (*start == '-' || (*start >= '0' && *start <= '9')) ? J_NUM : J_LIT;
        v->str = arena_strndup(jp->a, start, (size_t)(jp->p - start));
    }
    return v;
}

static struct jval *jget(const struct jval *obj, const char *key)
{
    assert_int_equal(obj->type, J_OBJ);
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    fail_msg("no member %s", key);
    return NULL;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 20, len = 0, r;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    while ((r = fread(buf + len, 1, cap - len, f)) > 0)
        len += r;
    fclose(f);
    assert_true(len < cap);
    buf[len] = '\0';
    return buf;
}

/* ---------------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------------- */

static void test_table_has_194_types_and_16_categories(void **state)
{
    (void)state;
    assert_int_equal(types_count(), 194);
    assert_int_equal(types_sane_defaults_count(), 194);
    assert_int_equal(types_category_count(), 16);
    assert_null(types_at(194));
    assert_null(types_sane_defaults_at(194));
    assert_null(types_category_at(16));
    assert_int_equal(types_category_type_count(16), 0);
    assert_null(types_category_type_at(0, 1000));
}

static void test_table_follows_describe_types_orders(void **state)
{
    (void)state;
    assert_string_equal(types_at(0)->name, "md5");
    assert_string_equal(types_at(8)->name, "ip-src");
    assert_string_equal(types_at(9)->name, "ip-dst");
    assert_string_equal(types_at(193)->name, "onion-address");
    /* "sane_defaults" has its own order (today the same as "types"). */
    assert_string_equal(types_sane_defaults_at(0)->name, "md5");
    assert_string_equal(types_sane_defaults_at(193)->name, "onion-address");
    assert_string_equal(types_category_at(0), "Internal reference");
    assert_string_equal(types_category_at(3), "Payload delivery");
    assert_string_equal(types_category_at(12), "Support Tool");
    assert_string_equal(types_category_at(15), "Other");
    assert_int_equal(types_category_type_count(8), 4); /* Payload type */
    assert_string_equal(types_category_type_at(8, 0), "comment");
    assert_string_equal(types_category_type_at(8, 3), "anonymised");
}

static void test_defaults_match_misp(void **state)
{
    (void)state;
    static const struct {
        const char *type, *category;
        bool to_ids;
    } want[] = {
        {"md5", "Payload delivery", true},
        {"ip-dst", "Network activity", true},
        {"domain", "Network activity", true},
        {"email-src", "Payload delivery", true},
        {"comment", "Other", false},
        {"text", "Other", false},
        {"vulnerability", "External analysis", false},
        {"AS", "Network activity", false},
        {"named pipe", "Artifacts dropped", false},
        {"btc", "Financial fraud", true},
        {"malware-sample", "Payload delivery", true},
        {"onion-address", "Network activity", true},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct attr_type *t = type_named(want[i].type);
        assert_string_equal(t->default_category, want[i].category);
        assert_int_equal(t->to_ids, want[i].to_ids);
    }
}

static void test_find_returns_every_type_and_refuses_near_misses(void **state)
{
    (void)state;
    for (size_t i = 0; i < types_count(); i++) {
        const struct attr_type *t = types_at(i);
        assert_ptr_equal(types_find(str_from_cstr(t->name)), t);
        assert_non_null(types_category_find(str_from_cstr(t->default_category)));
    }
    static const char *const misses[] = {"",   "MD5", "ip-dst ",    "ip",       "ip-dstx",
                                         "as", "zzz", "named_pipe", "filename|"};
    for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++)
        assert_null(types_find(str_from_cstr(misses[i])));
    /* A view that is not NUL-terminated. */
    assert_ptr_equal(types_find((struct str){"sha256xyz", 6}), type_named("sha256"));
    assert_null(types_find((struct str){NULL, 0}));
}

static void test_category_find_returns_canonical_name(void **state)
{
    (void)state;
    for (size_t i = 0; i < types_category_count(); i++) {
        const char *c = types_category_at(i);
        char copy[64];
        snprintf(copy, sizeof(copy), "%s", c);
        assert_ptr_equal(types_category_find(str_from_cstr(copy)), c);
    }
    assert_null(types_category_find(STR_LIT("network activity")));
    assert_null(types_category_find(STR_LIT("Support tool")));
    assert_null(types_category_find(STR_LIT("")));
}

static void test_category_allows_follows_mapping(void **state)
{
    (void)state;
    assert_true(types_category_allows("Network activity", "ip-dst"));
    assert_true(types_category_allows("Payload delivery", "md5"));
    assert_true(types_category_allows("Payload type", "anonymised"));
    assert_true(types_category_allows("Other", "hex"));
    assert_true(types_category_allows("Other", "uuid"));
    assert_true(types_category_allows("Person", "passport-number"));
    assert_false(types_category_allows("Payload type", "ip-dst"));
    assert_false(types_category_allows("Person", "md5"));
    assert_false(types_category_allows("Financial fraud", "domain"));
    assert_false(types_category_allows("network activity", "ip-dst"));
    assert_false(types_category_allows("Network activity", "no-such-type"));
    assert_false(types_category_allows(NULL, "ip-dst"));
    assert_false(types_category_allows("Network activity", NULL));
    /* Every listed pair is allowed. */
    for (size_t c = 0; c < types_category_count(); c++)
        for (size_t i = 0; i < types_category_type_count(c); i++)
            assert_true(types_category_allows(types_category_at(c), types_category_type_at(c, i)));
}

static void test_table_matches_describe_types_json(void **state)
{
    (void)state;
    const char *path = "tests/data/misp/describeTypes.json";
    char *text = read_file(path);
    if (text == NULL)
        fail_msg("cannot read %s (run from the project root)", path);
    struct arena *a = arena_new();
    struct jparser jp = {text, a};
    struct jval *result = jget(jvalue(&jp), "result");

    struct jval *list = jget(result, "types");
    assert_int_equal(list->n, types_count());
    for (size_t i = 0; i < list->n; i++)
        assert_string_equal(list->items[i]->str, types_at(i)->name);

    struct jval *sane = jget(result, "sane_defaults");
    assert_int_equal(sane->n, types_sane_defaults_count());
    for (size_t i = 0; i < sane->n; i++) {
        const struct attr_type *t = types_sane_defaults_at(i);
        assert_string_equal(sane->keys[i], t->name);
        assert_string_equal(jget(sane->items[i], "default_category")->str, t->default_category);
        assert_string_equal(jget(sane->items[i], "to_ids")->str, t->to_ids ? "1" : "0");
    }

    list = jget(result, "categories");
    assert_int_equal(list->n, types_category_count());
    for (size_t i = 0; i < list->n; i++)
        assert_string_equal(list->items[i]->str, types_category_at(i));

    struct jval *map = jget(result, "category_type_mappings");
    assert_int_equal(map->n, types_category_count());
    for (size_t c = 0; c < map->n; c++) {
        assert_string_equal(map->keys[c], types_category_at(c));
        assert_int_equal(map->items[c]->n, types_category_type_count(c));
        for (size_t i = 0; i < map->items[c]->n; i++)
            assert_string_equal(map->items[c]->items[i]->str, types_category_type_at(c, i));
    }
    arena_free(a);
    free(text);
}

/* ---------------------------------------------------------------------------
 * Values: common rules
 * ------------------------------------------------------------------------- */

static void test_every_type_refuses_empty_nul_and_control_only_values(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    for (size_t i = 0; i < types_count(); i++) {
        const struct attr_type *t = types_at(i);
        static const struct str bad[] = {
            {"", 0}, {" \t\r\n ", 5}, {"a\0b", 3}, {"\0", 1}, {"\x01\x02", 2},
        };
        for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
            struct diag d;
            char *out = NULL;
            diag_clear(&d);
            if (types_canonicalise(t, bad[j], a, &out, &d) != ERR_INVAL)
                fail_msg("%s accepted bad value %zu", t->name, j);
            assert_string_equal(d.field, "value");
        }
        /* Whatever the rule, no crash and either a value or a message. */
        static const char *const probes[] = {
            "x", "example.com",   "192.0.2.1|80",         "a|b", "ß.example", "\xff\xfe", "a\nb",
            "0", "CVE-2020-1234", "https://example.com/", "[.]", "|",         "::",       "h[tt]p",
        };
        for (size_t j = 0; j < sizeof(probes) / sizeof(probes[0]); j++) {
            struct diag d;
            char *out = NULL;
            diag_clear(&d);
            int rc = types_canonicalise(t, str_from_cstr(probes[j]), a, &out, &d);
            assert_true(rc == 0 ? out != NULL : (rc == ERR_INVAL && d.msg[0] != '\0'));
        }
    }
    arena_free(a);
}

static void test_free_text_types_trim_and_keep_lines(void **state)
{
    (void)state;
    CHECK_OK(
        {"text", "  some text \n", "some text"},
        {"text", "line one\nline two", "line one\nline two"},
        {"comment", "\tSeen in the wild.", "Seen in the wild."},
        {"comment", "multi\nline\ncomment", "multi\nline\ncomment"},
        {"other", "anything at all: |x|", "anything at all: |x|"},
        {"other", "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9"},
        {"mutex", "Global\\MsWinZonesCacheCounterMutexA", "Global\\MsWinZonesCacheCounterMutexA"},
        {"mutex", " _AVIRA_2109 ", "_AVIRA_2109"},
        {"yara", "rule demo {\n  condition:\n    true\n}\n",
         "rule demo {\n  condition:\n    true\n}"},
        {"yara", "rule a { strings: $s = \"x\" condition: $s }",
         "rule a { strings: $s = \"x\" condition: $s }"},
        {"snort", "alert tcp any any -> any 80 (msg:\"demo\"; content:\"GET\"; sid:1000001;)",
         "alert tcp any any -> any 80 (msg:\"demo\"; content:\"GET\"; sid:1000001;)"},
        {"snort", "alert ip any any -> 192.0.2.1 any (sid:1;)\r\n",
         "alert ip any any -> 192.0.2.1 any (sid:1;)"},
        {"sigma", "title: Demo\nlogsource:\n  product: windows\n",
         "title: Demo\nlogsource:\n  product: windows"},
        {"sigma", "detection: {condition: selection}", "detection: {condition: selection}"});
    CHECK_BAD({"text", ""}, {"text", "   "}, {"comment", "\n\n"}, {"comment", "\x1b"},
              {"other", "\t"}, {"other", "\x7f"}, {"mutex", " "}, {"mutex", "\x01"},
              {"yara", "\r\n"}, {"yara", "\x02\x03"}, {"snort", ""}, {"snort", "\x0b"},
              {"sigma", " \t "}, {"sigma", "\x1f"});
}

/* Regression (fuzz_types): refanging was case-sensitive and single-pass, so
 * "(dOt)" and "[[.]]" canonicalised differently the second time. */
static void test_refang_is_case_insensitive_and_reaches_a_fixed_point(void **state)
{
    (void)state;
    static const struct ok_case cases[] = {
        {"domain", "evil(DOT)example", "evil.example"},
        {"domain", "a[[.]]b.example", "a.b.example"},
        {"url", "HXXP://evil[Dot]example/Path", "http://evil.example/Path"},
        {"email-src", "user[AT]example.org", "user@example.org"},
    };
    check_ok(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_error_message_says_what_was_expected(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct diag d;
    char *out;
    diag_clear(&d);
    assert_int_equal(types_canonicalise(type_named("sha256"), STR_LIT("abc"), a, &out, &d),
                     ERR_INVAL);
    assert_string_equal(d.field, "value");
    assert_string_equal(d.msg, "not a valid sha256: expected 64 hexadecimal characters");
    assert_int_equal(types_canonicalise(type_named("port"), STR_LIT("0"), a, &out, &d), ERR_INVAL);
    assert_string_equal(d.msg, "not a valid port: expected a number from 1 to 65535");
    arena_free(a);
}

static void test_type_not_from_table_is_found_by_name(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct attr_type copy = *type_named("md5");
    struct attr_type unknown = {"no-such-type", "Other", false};
    struct diag d;
    char *out;
    diag_clear(&d);
    assert_int_equal(
        types_canonicalise(&copy, STR_LIT("900150983CD24FB0D6963F7D28E17F72"), a, &out, &d), 0);
    assert_string_equal(out, "900150983cd24fb0d6963f7d28e17f72");
    assert_int_equal(types_canonicalise(&unknown, STR_LIT("x"), a, &out, NULL), ERR_INVAL);
    assert_int_equal(types_canonicalise(NULL, STR_LIT("x"), a, &out, &d), ERR_INVAL);
    assert_string_equal(d.field, "type");
    arena_free(a);
}

/* ---------------------------------------------------------------------------
 * Values: network
 * ------------------------------------------------------------------------- */

static void test_ip_is_canonicalised_and_keeps_cidr(void **state)
{
    (void)state;
    CHECK_OK({"ip-dst", "192.0.2.1", "192.0.2.1"}, {"ip-dst", "  10.0.0.0/8\n", "10.0.0.0/8"},
             {"ip-dst", "10.1.2.3/8", "10.1.2.3/8"}, /* host bits set: kept, as MISP does */
             {"ip-dst", "127.0.0.1/32", "127.0.0.1"}, {"ip-dst", "127.0.0.1/31", "127.0.0.1/31"},
             {"ip-dst", "0.0.0.0/0", "0.0.0.0/0"}, {"ip-dst", "192.0.2[.]1", "192.0.2.1"},
             {"ip-dst", "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
             {"ip-dst", "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
             {"ip-dst", "2001:db8::/032", "2001:db8::/32"}, {"ip-dst", "::1/128", "::1"},
             {"ip-dst", "::ffff:192.0.2.1", "::ffff:192.0.2.1"},
             {"ip-src", "1234:0fd2:5621:0001:0089:0000:0000:4500", "1234:fd2:5621:1:89::4500"},
             {"ip-src", "198.51.100.7", "198.51.100.7"}, {"ip-src", "fe80::1/64", "fe80::1/64"});
    CHECK_BAD({"ip-dst", "127"}, {"ip-dst", "127.0.0."}, {"ip-dst", "127.0.0.1/"},
              {"ip-dst", "127.0.0.1/32/1"}, {"ip-dst", "127.0.0.1/128"}, {"ip-dst", "::1/257"},
              {"ip-dst", "::1/128/1"}, {"ip-dst", "256.1.1.1"}, {"ip-dst", "010.0.0.1"},
              {"ip-dst", "1.2.3.4.5"}, {"ip-dst", "fe80::1%eth0"}, {"ip-dst", "10.0.0.0/-1"},
              {"ip-dst", "10.0.0.0/ 8"}, {"ip-src", "example.com"}, {"ip-src", "1.2.3.4 5"},
              {"ip-src", "2001:db8:::1"}, {"ip-src", "12345::"});
}

static void test_ip_port_accepts_misp_notations(void **state)
{
    (void)state;
    CHECK_OK({"ip-dst|port", "192.0.2.1|443", "192.0.2.1|443"},
             {"ip-dst|port", "192.0.2.1:8080", "192.0.2.1|8080"},
             {"ip-dst|port", "[2001:DB8::1]:443", "2001:db8::1|443"},
             {"ip-dst|port", "2001:db8::1|0080", "2001:db8::1|80"},
             {"ip-dst|port", "1234:0fd2:5621:0001:0089:0000:0000:4500/128|80",
              "1234:fd2:5621:1:89::4500|80"},
             {"ip-dst|port", "2001:db8::1 port 22", "2001:db8::1|22"},
             {"ip-dst|port", "2001:db8::1.53", "2001:db8::1|53"},
             {"ip-dst|port", "2001:db8::1#53", "2001:db8::1|53"},
             {"ip-dst|port", "2001:db8::1p53", "2001:db8::1|53"},
             {"ip-dst|port", "2001:db8::1:80", "2001:db8::1|80"},
             {"ip-dst|port", "::ffff:192.0.2.1|80", "::ffff:192.0.2.1|80"},
             {"ip-src|port", "198.51.100.7|65535", "198.51.100.7|65535"},
             {"ip-src|port", "198.51.100.7/32:1", "198.51.100.7|1"});
    CHECK_BAD({"ip-dst|port", "192.0.2.1"}, {"ip-dst|port", "192.0.2.1|0"},
              {"ip-dst|port", "192.0.2.1|65536"}, {"ip-dst|port", "192.0.2.1|http"},
              {"ip-dst|port", "10.0.0.0/8|80"}, {"ip-dst|port", "192.0.2.1|80|90"},
              {"ip-dst|port", "[2001:db8::1]80"}, {"ip-dst|port", "example.com|80"},
              {"ip-src|port", "1234:0fd2:5621:0001:0089:0000:0000:4500/127|80"},
              {"ip-src|port", "192.0.2.1:"}, {"ip-src|port", "|80"});
}

static void test_domain_is_lower_case_punycode_without_trailing_dot(void **state)
{
    (void)state;
    CHECK_OK({"domain", "Example.COM.", "example.com"}, {"domain", "example.com", "example.com"},
             {"domain", ".example.com", "example.com"},
             {"domain", "_dmarc.example.com", "_dmarc.example.com"},
             {"domain", "evil[.]example[dot]com", "evil.example.com"},
             {"domain", "h\xc3\xa1\xc4\x8dky\xc4\x8d\xc3\xa1rky.cz", "xn--hkyrky-ptac70bc.cz"},
             {"domain", "H\xc3\x81\xc4\x8cKY\xc4\x8c\xc3\x81RKY.CZ", "xn--hkyrky-ptac70bc.cz"},
             {"domain", "xn--e1afmkfd.xn--p1ai", "xn--e1afmkfd.xn--p1ai"},
             {"domain", "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x9c\xd0\x95\xd0\xa0.\xd0\xa0\xd0\xa4",
              "xn--e1afmkfd.xn--p1ai"},
             {"domain",
              "stra\xc3\x9f"
              "e.de",
              "strasse.de"},
             {"domain", "\xce\xb5\xce\xbb\xce\xbb\xce\xb7\xce\xbd\xce\xb9\xce\xba\xce\xac.gr",
              "xn--hxargifdar.gr"},
             {"domain", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.jp", "xn--wgv71a119e.jp"},
             {"domain", "ti\xe1\xba\xbfngvi\xe1\xbb\x87t.vn", "xn--tingvit-5t4cyc.vn"},
             {"domain",
              "b\xc3\xbc"
              "cher-\xc3\xbc.example",
              "xn--bcher--3yaf.example"},
             {"hostname", "WWW.Example.com", "www.example.com"},
             {"hostname", "mail.example.co.uk.", "mail.example.co.uk"},
             {"hostname", "m\xc3\xbcnchen.de", "xn--mnchen-3ya.de"});
    CHECK_BAD({"domain", "localhost"}, {"domain", "example..com"}, {"domain", "exa mple.com"},
              {"domain", "example.c"}, {"domain", "ex_ample.co_m"}, {"domain", "..."},
              {"domain", "example.com/path"}, {"domain", "http://example.com"},
              {"domain", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com"},
              {"domain", "a\xcc\x81.com"},                        /* combining accent: not NFC */
              {"domain", "\xe4\xbe\x8b\xe3\x80\x82\xe6\xb5\x8b"}, /* ideographic full stop */
              {"domain", "\xff.com"}, {"domain", "\xc0\xae.com"}, /* invalid, overlong UTF-8 */
              {"hostname", "www example.com"}, {"hostname", "example"},
              {"hostname", "www.example.com:80"});
}

static void test_domain_names_longer_than_dns_allows_are_refused(void **state)
{
    (void)state;
    char name[300], label[64];
    memset(label, 'a', 63);
    label[63] = '\0';
    snprintf(name, sizeof(name), "%s.%s.%s.%s.com", label, label, label, label);
    CHECK_OK({"domain", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com"});
    struct arena *a = arena_new();
    struct diag d;
    char *out;
    assert_int_equal(types_canonicalise(type_named("domain"), str_from_cstr(name), a, &out, &d),
                     ERR_INVAL); /* 259 characters */
    /* CJK labels: 8 spaced code points encode to 24 characters, 20 to 60,
     * which with "xn--" exceeds the 63 a label may have. */
    char idn[128];
    for (int n = 8; n <= 20; n += 12) {
        size_t len = 0;
        for (int i = 0; i < n; i++) {
            unsigned cp = 0x4e00 + (unsigned)i * 1000;
            idn[len++] = (char)(0xe0 | cp >> 12);
            idn[len++] = (char)(0x80 | (cp >> 6 & 0x3f));
            idn[len++] = (char)(0x80 | (cp & 0x3f));
        }
        memcpy(idn + len, ".cn", 4);
        diag_clear(&d);
        int rc = types_canonicalise(type_named("domain"), str_from_cstr(idn), a, &out, &d);
        if (n == 8) {
            assert_int_equal(rc, 0);
            assert_string_equal(out, "xn--4gq08gz5dk4e41fp1g9rhumi.cn");
        } else {
            assert_int_equal(rc, ERR_INVAL);
            assert_string_equal(d.msg, "not a valid domain: a label is longer than 63 characters");
        }
    }
    arena_free(a);
}

static void test_domain_ip_canonicalises_both_parts(void **state)
{
    (void)state;
    CHECK_OK({"domain|ip", "EXAMPLE.COM|127.0.0.1", "example.com|127.0.0.1"},
             {"domain|ip", "example.com|1234:0fd2:5621:0001:0089:0000:0000:4500/128",
              "example.com|1234:fd2:5621:1:89::4500"},
             {"domain|ip", "h\xc3\xa1\xc4\x8dky\xc4\x8d\xc3\xa1rky.cz|127.0.0.1",
              "xn--hkyrky-ptac70bc.cz|127.0.0.1"},
             {"domain|ip", "evil[.]example.com.|192.0.2[.]1", "evil.example.com|192.0.2.1"});
    CHECK_BAD({"domain|ip", "example.com|127"}, {"domain|ip", "example.com|1"},
              {"domain|ip", "example.com"}, {"domain|ip", "example.com|10.0.0.0/8"},
              {"domain|ip", "example.com|1.2.3.4|5.6.7.8"}, {"domain|ip", "localhost|127.0.0.1"},
              {"domain|ip", "|127.0.0.1"});
}

static void test_hostname_port_accepts_colon_or_bar(void **state)
{
    (void)state;
    CHECK_OK({"hostname|port", "WWW.Example.com:443", "www.example.com|443"},
             {"hostname|port", "mail.example.com|25", "mail.example.com|25"});
    CHECK_BAD({"hostname|port", "www.example.com"}, {"hostname|port", "www.example.com|0"},
              {"hostname|port", "www.example.com:80:81"});
}

static void test_url_lower_cases_scheme_and_host_and_keeps_path(void **state)
{
    (void)state;
    CHECK_OK(
        {"url", "HTTPS://WWW.Example.COM/Path?Q=A#Frag", "https://www.example.com/Path?Q=A#Frag"},
        {"url", "hxxp://evil[.]example[.]com/Payload.exe", "http://evil.example.com/Payload.exe"},
        {"url", "[hxxp://]example.com/x", "http://example.com/x"},
        {"url", "https[:]//example.com/", "https://example.com/"},
        {"url", "Example.com/Login.php", "example.com/Login.php"},
        {"url", "evil.Example.com:8080/a", "evil.example.com:8080/a"},
        {"url", "http://user:Pass@Example.COM:8080/X", "http://user:Pass@example.com:8080/X"},
        {"url", "http://[2001:DB8::1]/x", "http://[2001:db8::1]/x"},
        {"url", "192.0.2.1/gate.php", "192.0.2.1/gate.php"},
        {"url", "www.example.com", "www.example.com"},
        {"url", "file:///C:/Users/Public/x.exe", "file:///C:/Users/Public/x.exe"},
        {"url", "MAILTO:Someone@Example.com", "mailto:Someone@Example.com"},
        {"url", "http://example.com/a b", "http://example.com/a b"});
    CHECK_BAD({"url", "not a url"}, {"url", "/just/a/path"}, {"url", "http://"},
              {"url", "http:// example.com/"}, {"url", "http://example.com:port/"},
              {"url", "http://example.com:70000/"}, {"url", "http://exa mple.com/"},
              {"url", "http://example.com/\nx"}, {"url", "user@example.com/x"},
              {"url", "localhost/path"}, {"url", "http://[2001:db8::1/x"}, {"url", "mailto:"});
}

static void test_uri_allows_relative_references(void **state)
{
    (void)state;
    CHECK_OK({"uri", "/admin/Login.php?x=1", "/admin/Login.php?x=1"},
             {"uri", "HTTP://Example.com/A", "http://example.com/A"},
             {"uri", "index.PHP", "index.PHP"});
    CHECK_BAD({"uri", "/a\nb"}, {"uri", "   "}, {"uri", "http://"}, {"uri", "/a\tb"});
}

static void test_link_requires_an_absolute_url(void **state)
{
    (void)state;
    CHECK_OK({"link", "https://www.Example.com/report.html", "https://www.example.com/report.html"},
             {"link", "HTTP://Example.org", "http://example.org"},
             {"link", "hxxps://example.com/x", "https://example.com/x"});
    CHECK_BAD({"link", "www.example.com/report"}, {"link", "https://example.com/a b"},
              {"link", "https:example.com"}, {"link", "https://ex\xc3\xa4mple.com"},
              {"link", "/relative"});
}

static void test_email_is_lower_cased_and_needs_a_domain(void **state)
{
    (void)state;
    CHECK_OK({"email", "John.Doe@Example.COM", "john.doe@example.com"},
             {"email", "user[at]example[.]com", "user@example.com"},
             {"email", "user@[192.0.2.1]", "user@[192.0.2.1]"},
             {"email", "user+tag@mail.example.co.uk", "user+tag@mail.example.co.uk"},
             {"email-src", "Phisher@Evil.Example", "phisher@evil.example"},
             {"email-src", "a@b.cd", "a@b.cd"},
             {"email-dst", "Victim@Example.org", "victim@example.org"},
             {"email-dst", "  ceo[@]example.org ", "ceo@example.org"});
    CHECK_BAD({"email", "user"}, {"email", "@example.com"}, {"email", "user@example"},
              {"email", "us er@example.com"}, {"email", "user@exa mple.com"},
              {"email", "user@example..com"}, {"email-src", "user@"},
              {"email-src", "user@[192.0.2.256]"}, {"email-dst", "no-at-sign.example.com"},
              {"email-dst", "a\nb@example.com"});
}

static void test_email_subject_is_single_line(void **state)
{
    (void)state;
    CHECK_OK(
        {"email-subject", "Invoice #123 \xe2\x80\x93 urgent", "Invoice #123 \xe2\x80\x93 urgent"},
        {"email-subject", "  RE: hello  ", "RE: hello"});
    CHECK_BAD({"email-subject", "line1\nline2"}, {"email-subject", "   "});
}

static void test_mac_address_is_lower_case_colon_form(void **state)
{
    (void)state;
    CHECK_OK({"mac-address", "00:1A:2B:3C:4D:5E", "00:1a:2b:3c:4d:5e"},
             {"mac-address", "001a.2b3c.4d5e", "00:1a:2b:3c:4d:5e"},
             {"mac-address", "00-1A-2B-3C-4D-5E", "00:1a:2b:3c:4d:5e"},
             {"mac-eui-64", "00:1A:2B:FF:FE:3C:4D:5E", "00:1a:2b:ff:fe:3c:4d:5e"});
    CHECK_BAD({"mac-address", "00:1a:2b:3c:4d"}, {"mac-address", "00:1a:2b:3c:4d:5e:6f"},
              {"mac-address", "00:1a:2b:3c:4d:5g"}, {"mac-eui-64", "00:1a:2b:3c:4d:5e"});
}

static void test_port_is_a_number_from_1_to_65535(void **state)
{
    (void)state;
    CHECK_OK({"port", "443", "443"}, {"port", "0080", "80"}, {"port", "65535", "65535"});
    CHECK_BAD({"port", "0"}, {"port", "65536"}, {"port", "-1"}, {"port", "http"}, {"port", "8o"});
}

static void test_as_number_is_stored_bare_as_misp_does(void **state)
{
    (void)state;
    CHECK_OK({"AS", "AS1234", "1234"}, {"AS", "as64496", "64496"}, {"AS", "1234", "1234"},
             {"AS", "1.10", "65546"}, {"AS", "0", "0"}, {"AS", "4294967295", "4294967295"},
             {"AS", "AS0001234", "1234"});
    CHECK_BAD({"AS", "AS"}, {"AS", "4294967296"}, {"AS", "1.2.3.4"}, {"AS", "AS 1234"},
              {"AS", "ASN1234"}, {"AS", "1.65536"});
}

static void test_http_method_is_upper_case_known_method(void **state)
{
    (void)state;
    CHECK_OK({"http-method", "get", "GET"}, {"http-method", "PROPFIND", "PROPFIND"},
             {"http-method", "version-control", "VERSION-CONTROL"});
    CHECK_BAD({"http-method", "GETX"}, {"http-method", "FETCH"},
              {"http-method", "GET /index.html"});
}

static void test_user_agent_is_single_line(void **state)
{
    (void)state;
    CHECK_OK({"user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
              "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"},
             {"user-agent", " curl/8.0.1 ", "curl/8.0.1"});
    CHECK_BAD({"user-agent", "Mozilla/5.0\nX-Injected: 1"}, {"user-agent", " "});
}

/* ---------------------------------------------------------------------------
 * Values: files and hashes
 * ------------------------------------------------------------------------- */

static void test_hashes_are_lower_case_hex_of_their_length(void **state)
{
    (void)state;
    CHECK_OK({"md5", "900150983CD24FB0D6963F7D28E17F72", "900150983cd24fb0d6963f7d28e17f72"},
             {"md5", " d41d8cd98f00b204e9800998ecf8427e ", "d41d8cd98f00b204e9800998ecf8427e"},
             {"sha1", "A9993E364706816ABA3E25717850C26C9CD0D89D",
              "a9993e364706816aba3e25717850c26c9cd0d89d"},
             {"sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
              "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
             {"sha224", "23097D223405D8228642A477BDA255B32AADBCE4BDA0B3F7E36C9DA7",
              "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
             {"sha224", "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f",
              "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f"},
             {"sha256", "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
             {"sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
             {"sha384",
              "CB00753F45A35E8BB5A03D699AC65007272C32AB0EDED1631A8B605A43FF5BED8086072BA1E7CC2358BA"
              "ECA134C825A7",
              "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358ba"
              "eca134c825a7"},
             {"sha384",
              "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51a"
              "d2f14898b95b",
              "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51a"
              "d2f14898b95b"},
             {"sha512",
              "DDAF35A193617ABACC417349AE20413112E6FA4E89A97EA20A9EEEE64B55D39A2192992A274FC1A836BA"
              "3C23A3FEEBBD454D4423643CE80E2A9AC94FA54CA49F",
              "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba"
              "3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
             {"sha512",
              "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff83"
              "18d2877eec2f63b931bd47417a81a538327af927da3e",
              "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff83"
              "18d2877eec2f63b931bd47417a81a538327af927da3e"},
             {"imphash", "F34D5F2D4577ED6D9CEEC516C1F5A744", "f34d5f2d4577ed6d9ceec516c1f5a744"},
             {"imphash", "0cc175b9c0f1b6a831c399e269772661", "0cc175b9c0f1b6a831c399e269772661"},
             {"x509-fingerprint-sha1",
              "A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D",
              "a9993e364706816aba3e25717850c26c9cd0d89d"},
             {"dom-hash", "0cc175b9c0f1b6a831c399e269772661", "0cc175b9c0f1b6a831c399e269772661"});
    CHECK_BAD({"md5", "900150983cd24fb0d6963f7d28e17f7"},
              {"md5", "900150983cd24fb0d6963f7d28e17f722"},
              {"md5", "g00150983cd24fb0d6963f7d28e17f72"},
              {"md5", "a9993e364706816aba3e25717850c26c9cd0d89d"},
              {"sha1", "a9993e364706816aba3e25717850c26c9cd0d89"},
              {"sha1", "a9993e364706816aba3e25717850c26c9cd0d89d 00"},
              {"sha224", "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da"},
              {"sha224", "0x097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
              {"sha256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a"},
              {"sha256", "ba7816bf-8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
              {"sha384", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"},
              {"sha384", "900150983cd24fb0d6963f7d28e17f72"},
              {"sha512", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
              {"sha512", "zz"}, {"imphash", "f34d5f2d4577ed6d9ceec516c1f5a74"},
              {"imphash", "f34d5f2d4577ed6d9ceec516c1f5a74x"});
}

static void test_fuzzy_hashes_follow_their_formats(void **state)
{
    (void)state;
    CHECK_OK({"ssdeep",
              "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/"
              "wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO",
              "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/"
              "wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO"},
             {"ssdeep",
              "6144:3wSQSlrBHFjOvwYAU/Fsgi/2WDg5+YaNk5xcHrYw+Zg+XrZsGEREYRGAFU25ttR/:ctM7E0L4q",
              "6144:3wSQSlrBHFjOvwYAU/Fsgi/2WDg5+YaNk5xcHrYw+Zg+XrZsGEREYRGAFU25ttR/:ctM7E0L4q"},
             {"ssdeep", "3::", "3::"},
             {"tlsh", "T1FDD4E000B6A1C034F1F612F849B6A3A4B53F7EA1677481CF12D916EA4A79AF1ED31317",
              "t1fdd4e000b6a1c034f1f612f849b6a3a4b53f7ea1677481cf12d916ea4a79af1ed31317"},
             {"tlsh", "b2317c38fac0333c8ff7d3ff31fcf3b7fb3f9a3ef3bf3c880cfc43ebf97f3cc73fbfc",
              "b2317c38fac0333c8ff7d3ff31fcf3b7fb3f9a3ef3bf3c880cfc43ebf97f3cc73fbfc"},
             {"impfuzzy", "48:ihs4oV+7Ey2d5OXj:ihT3ZrXj", "48:ihs4oV+7Ey2d5OXj:ihT3ZrXj"},
             {"cdhash", "A9993E364706816ABA3E25717850C26C9CD0D89D",
              "a9993e364706816aba3e25717850c26c9cd0d89d"});
    CHECK_BAD(
        {"ssdeep", "96:abc"}, {"ssdeep", "abc:def:ghi"}, {"ssdeep", "96:ab c:de"},
        {"ssdeep",
         "768:+OFu8Q3w6QzfR5Jni6SQD7qSFDs6P93/q0XIc/UB5EPABWX\n\n:RFu8QAFzffJui79f13/AnB5EPAkX"},
        {"tlsh", "t1xyz"}, {"tlsh", "abc123"},
        {"tlsh", "g2317c38fac0333c8ff7d3ff31fcf3b7fb3f9a3ef3bf3c880cfc43ebf97f3cc73fbfc"},
        {"impfuzzy", "ihs4oV+7Ey2d5OXj:ihT3ZrXj:x"}, {"cdhash", "a9993e36"});
}

static void test_filename_is_a_single_line(void **state)
{
    (void)state;
    CHECK_OK({"filename", "Invoice.PDF.exe", "Invoice.PDF.exe"},
             {"filename", "  setup.msi ", "setup.msi"},
             {"filename", "C:\\Users\\Public\\a b|c.txt", "C:\\Users\\Public\\a b|c.txt"},
             {"attachment", "report.pdf", "report.pdf"},
             {"attachment", " screenshot.png ", "screenshot.png"});
    CHECK_BAD({"filename", "cmd.exe\ncmd.com"}, {"filename", ""}, {"attachment", "a\nb"},
              {"attachment", " "});
}

static void test_filename_hash_lower_cases_only_the_hash(void **state)
{
    (void)state;
    CHECK_OK({"filename|md5", "CMD.EXE|0CC175B9C0F1B6A831C399E269772661",
              "CMD.EXE|0cc175b9c0f1b6a831c399e269772661"},
             {"filename|md5", "cmd.com|0cc175b9c0f1b6a831c399e269772661",
              "cmd.com|0cc175b9c0f1b6a831c399e269772661"},
             {"filename|sha1", "Setup.exe|A9993E364706816ABA3E25717850C26C9CD0D89D",
              "Setup.exe|a9993e364706816aba3e25717850c26c9cd0d89d"},
             {"filename|sha1", "a b.dll|da39a3ee5e6b4b0d3255bfef95601890afd80709",
              "a b.dll|da39a3ee5e6b4b0d3255bfef95601890afd80709"},
             {"filename|sha256",
              "Doc.DOCM|BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
              "Doc.DOCM|ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
             {"filename|sha256",
              "x|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
              "x|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
             {"filename|ssdeep",
              "ahoj.txt|96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/"
              "wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO",
              "ahoj.txt|96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/"
              "wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO"},
             {"filename|tlsh",
              "cmd.exe|T1FDD4E000B6A1C034F1F612F849B6A3A4B53F7EA1677481CF12D916EA4A79AF1ED31317",
              "cmd.exe|t1fdd4e000b6a1c034f1f612f849b6a3a4b53f7ea1677481cf12d916ea4a79af1ed31317"},
             {"malware-sample", "Evil.EXE|0CC175B9C0F1B6A831C399E269772661",
              "Evil.EXE|0cc175b9c0f1b6a831c399e269772661"},
             {"malware-sample", "sample.bin|d41d8cd98f00b204e9800998ecf8427e",
              "sample.bin|d41d8cd98f00b204e9800998ecf8427e"});
    CHECK_BAD(
        {"filename|md5", "cmd.exe|86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"},
        {"filename|md5", "cmd.exe\ncmd.com|0cc175b9c0f1b6a831c399e269772661"},
        {"filename|md5", "|0cc175b9c0f1b6a831c399e269772661"},
        {"filename|md5", "a|b|0cc175b9c0f1b6a831c399e269772661"}, {"filename|md5", "cmd.exe"},
        {"filename|sha1", "cmd.exe|0cc175b9c0f1b6a831c399e269772661"},
        {"filename|sha1", "cmd.exe|"},
        {"filename|sha256", "cmd.exe|a9993e364706816aba3e25717850c26c9cd0d89d"},
        {"filename|sha256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"malware-sample", "evil.exe"}, {"malware-sample", "evil.exe|xyz"},
        {"malware-sample", "|0cc175b9c0f1b6a831c399e269772661"});
}

/* ---------------------------------------------------------------------------
 * Values: registry, identifiers, money
 * ------------------------------------------------------------------------- */

static void test_regkey_is_single_line_and_regkey_value_has_one_bar(void **state)
{
    (void)state;
    CHECK_OK(
        {"regkey", "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
         "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"},
        {"regkey", " HKCU\\Software\\Evil ", "HKCU\\Software\\Evil"},
        {"regkey|value", "HKCU\\Software\\Run|C:\\evil.exe", "HKCU\\Software\\Run|C:\\evil.exe"},
        {"regkey|value", "HKLM\\X|", "HKLM\\X|"});
    CHECK_BAD({"regkey", "a\nb"}, {"regkey", ""}, {"regkey|value", "HKLM\\Run"},
              {"regkey|value", "a|b|c"}, {"regkey|value", "|value"},
              {"regkey|value", "HKLM\\Run|a\nb"});
}

static void test_vulnerability_and_weakness_are_upper_case_ids(void **state)
{
    (void)state;
    CHECK_OK({"vulnerability", "cve-2021-44228", "CVE-2021-44228"},
             {"vulnerability",
              "CVE\xe2\x80\x93"
              "2014\xe2\x80\x93"
              "0160",
              "CVE-2014-0160"},
             {"vulnerability", "CVE-2023-1234567", "CVE-2023-1234567"},
             {"weakness", "cwe-79", "CWE-79"},
             {"weakness",
              "CWE\xe2\x80\x93"
              "787",
              "CWE-787"});
    CHECK_BAD({"vulnerability", "CVE-2021-123"}, {"vulnerability", "CVE-21-44228"},
              {"vulnerability", "Log4Shell"},
              {"vulnerability", "CVE-2021-44228 "
                                "and more"},
              {"weakness", "CWE-"}, {"weakness", "CWE79"}, {"weakness", "79"});
}

static void test_btc_accepts_base58_and_bech32(void **state)
{
    (void)state;
    CHECK_OK({"btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"},
             {"btc", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"},
             {"btc", "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ",
              "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"},
             {"btc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
              "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"});
    CHECK_BAD({"btc", "0BoatSLRHtKNngkdXEeobR76b53LETtpyT"}, {"btc", "1Boat"},
              {"btc", "bc1QAR0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}, {"btc", "bc1qb"},
              {"btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyTxyz"},
              {"btc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdo"});
}

static void test_misp_number_like_types_are_normalised(void **state)
{
    (void)state;
    CHECK_OK({"iban", "de89 3704 0044 0532 0130 00", "DE89370400440532013000"},
             {"cc-number", "4111-1111-1111-1111", "4111111111111111"},
             {"phone-number", "0044 (0)20 7946 0000", "+442079460000"},
             {"phone-number", "+1 555 0100", "+15550100"}, {"phone-number", "0 044 1", "+441"},
             {"float", "0", "0.0"}, {"float", "-0.00", "0.0"}, {"float", "1.5e3", "1.5e3"},
             {"hex", "deadBEEF", "DEADBEEF"}, {"size-in-bytes", "1024", "1024"},
             {"boolean", "TRUE", "1"}, {"boolean", "false", "0"}, {"boolean", "0", "0"},
             {"integer", "-12", "-12"}, {"anonymised", "ABC", "abc"},
             {"ssh-fingerprint", "7b:e5:6f:a7:f4:f9:81:62:5c:e3:1f:bf:8b:57:6c:5a",
              "7b:e5:6f:a7:f4:f9:81:62:5c:e3:1f:bf:8b:57:6c:5a"},
             {"ssh-fingerprint", "SHA256:mVPwvezndPv/ARoIadVY98vAC0g+P/5633yTC4d/wXE",
              "SHA256:mVPwvezndPv/ARoIadVY98vAC0g+P/5633yTC4d/wXE"},
             {"windows-service-name", "EvilSvc", "EvilSvc"},
             {"x509-fingerprint-md5", "7B:E5:6F:A7:F4:F9:81:62:5C:E3:1F:BF:8B:57:6C:5A",
              "7be56fa7f4f981625ce31fbf8b576c5a"},
             {"eppn", "User@Example.org", "User@Example.org"},
             {"jabber-id", "user@example.org/Resource", "user@example.org/Resource"});
    CHECK_BAD({"iban", "--"}, {"phone-number", "+"}, {"phone-number", "12+34"}, {"float", "1.2.3"},
              {"float", "e5"}, {"hex", "xyz"}, {"size-in-bytes", "-1"}, {"integer", "1.5"},
              {"ssh-fingerprint", "SHA256:short"}, {"windows-service-name", "a/b"},
              {"eppn", "user"}, {"jabber-id", "us er@x.y"}, {"dash", "X-1"},
              {"bank-account-nr", "DE89"});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_has_194_types_and_16_categories),
        cmocka_unit_test(test_table_follows_describe_types_orders),
        cmocka_unit_test(test_defaults_match_misp),
        cmocka_unit_test(test_find_returns_every_type_and_refuses_near_misses),
        cmocka_unit_test(test_category_find_returns_canonical_name),
        cmocka_unit_test(test_category_allows_follows_mapping),
        cmocka_unit_test(test_table_matches_describe_types_json),
        cmocka_unit_test(test_every_type_refuses_empty_nul_and_control_only_values),
        cmocka_unit_test(test_free_text_types_trim_and_keep_lines),
        cmocka_unit_test(test_refang_is_case_insensitive_and_reaches_a_fixed_point),
        cmocka_unit_test(test_error_message_says_what_was_expected),
        cmocka_unit_test(test_type_not_from_table_is_found_by_name),
        cmocka_unit_test(test_ip_is_canonicalised_and_keeps_cidr),
        cmocka_unit_test(test_ip_port_accepts_misp_notations),
        cmocka_unit_test(test_domain_is_lower_case_punycode_without_trailing_dot),
        cmocka_unit_test(test_domain_names_longer_than_dns_allows_are_refused),
        cmocka_unit_test(test_domain_ip_canonicalises_both_parts),
        cmocka_unit_test(test_hostname_port_accepts_colon_or_bar),
        cmocka_unit_test(test_url_lower_cases_scheme_and_host_and_keeps_path),
        cmocka_unit_test(test_uri_allows_relative_references),
        cmocka_unit_test(test_link_requires_an_absolute_url),
        cmocka_unit_test(test_email_is_lower_cased_and_needs_a_domain),
        cmocka_unit_test(test_email_subject_is_single_line),
        cmocka_unit_test(test_mac_address_is_lower_case_colon_form),
        cmocka_unit_test(test_port_is_a_number_from_1_to_65535),
        cmocka_unit_test(test_as_number_is_stored_bare_as_misp_does),
        cmocka_unit_test(test_http_method_is_upper_case_known_method),
        cmocka_unit_test(test_user_agent_is_single_line),
        cmocka_unit_test(test_hashes_are_lower_case_hex_of_their_length),
        cmocka_unit_test(test_fuzzy_hashes_follow_their_formats),
        cmocka_unit_test(test_filename_is_a_single_line),
        cmocka_unit_test(test_filename_hash_lower_cases_only_the_hash),
        cmocka_unit_test(test_regkey_is_single_line_and_regkey_value_has_one_bar),
        cmocka_unit_test(test_vulnerability_and_weakness_are_upper_case_ids),
        cmocka_unit_test(test_btc_accepts_base58_and_bech32),
        cmocka_unit_test(test_misp_number_like_types_are_normalised),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
