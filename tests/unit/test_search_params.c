/*
 * test_search_params.c - restSearch parameters (src/codec/misp_search_params.c):
 * the filter forms MISP sends, times relative to the given "now", CSV columns,
 * and the bounds: one budget of values and bytes for the whole request
 * (nested lists included), the length of one value, NUL in strings, and
 * memory linear in the request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/json.h"
#include "codec/misp_search_params.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1700000000

static int decode(struct arena *a, const char *text, struct search_params *p, struct diag *d)
{
    struct json_value *root;
    struct diag pd;
    assert_int_equal(json_parse(a, text, strlen(text), LIMIT_JSON_DEPTH, &root, &pd), 0);
    diag_clear(d);
    return misp_search_params_decode(a, root, NOW, p, d);
}

/* {"<field>": [n strings "v00000"...]} or nested as `groups` lists of n. */
static char *values_body(const char *field, size_t groups, size_t n, size_t pad)
{
    struct buf b;
    buf_init(&b, 256u << 20);
    buf_printf(&b, "{\"%s\": [", field);
    for (size_t g = 0; g < groups; g++) {
        buf_puts(&b, g ? ",[" : "[");
        for (size_t i = 0; i < n; i++) {
            buf_printf(&b, "%s\"v%05zu", i ? "," : "", i);
            for (size_t k = 0; k < pad; k++)
                buf_putc(&b, 'x');
            buf_putc(&b, '"');
        }
        buf_putc(&b, ']');
    }
    buf_puts(&b, "]}");
    size_t len;
    return buf_take(&b, &len);
}

static void test_filter_forms_scalar_list_negation_and_boolean_parts(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct search_params p;
    struct diag d;
    assert_int_equal(decode(a,
                            "{\"request\": {\"value\": [\"a\", \"!b\", [\"c\", 7]], "
                            "\"type\": \"ip-dst\", \"tag\": \"t1\", \"tags\": "
                            "{\"OR\": [\"t2\"], \"AND\": \"t3\", \"NOT\": [\"t4\", \"t5\"]}, "
                            "\"eventinfo\": \"\", \"org\": true}}",
                            &p, &d),
                     0);
    assert_int_equal(p.q.value.n_any, 3);
    assert_string_equal(p.q.value.any[0], "a");
    assert_string_equal(p.q.value.any[1], "c");
    assert_string_equal(p.q.value.any[2], "7");
    assert_int_equal(p.q.value.n_none, 1);
    assert_string_equal(p.q.value.none[0], "b");
    assert_int_equal(p.q.type.n_any, 1);
    /* tag and tags fill one filter */
    assert_int_equal(p.q.tags.n_any, 2);
    assert_string_equal(p.q.tags.any[0], "t2");
    assert_string_equal(p.q.tags.any[1], "t1");
    assert_int_equal(p.q.tags.n_all, 1);
    assert_int_equal(p.q.tags.n_none, 2);
    assert_true(filter_empty(&p.q.info));
    assert_string_equal(p.q.org.any[0], "1");
    assert_int_equal(p.format, SEARCH_FORMAT_JSON);
    assert_int_equal(p.q.to_ids, TRI_ANY);
    assert_null(p.columns);
    arena_free(a);
}

static void test_times_are_relative_to_the_given_now(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct search_params p;
    struct diag d;
    assert_int_equal(decode(a,
                            "{\"timestamp\": \"7d\", \"publish_timestamp\": [\"2h\", 100], "
                            "\"from\": \"2026-01-02\", \"to\": 86400}",
                            &p, &d),
                     0);
    assert_int_equal(p.q.timestamp_min, NOW - 7 * 86400);
    assert_int_equal(p.q.publish_timestamp_min, NOW - 7200);
    assert_int_equal(p.q.publish_timestamp_max, 100);
    assert_string_equal(p.q.date_from, "2026-01-02");
    assert_string_equal(p.q.date_to, "1970-01-02");
    assert_false(p.q.match_nothing);
    assert_int_equal(decode(a, "{\"last\": \"7x\"}", &p, &d), 0);
    assert_true(p.q.match_nothing);
    assert_int_equal(decode(a, "{\"timestamp\": [1]}", &p, &d), ERR_INVAL);
    assert_string_equal(d.field, "timestamp");
    arena_free(a);
}

static void test_paging_format_and_text_defaults(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct search_params p;
    struct diag d;
    assert_int_equal(
        decode(a, "{\"limit\": \"10\", \"page\": 3, \"returnFormat\": \"text\"}", &p, &d), 0);
    assert_int_equal(p.q.limit, 10);
    assert_int_equal(p.q.page, 3);
    assert_int_equal(p.format, SEARCH_FORMAT_TEXT);
    assert_int_equal(p.q.to_ids, TRI_YES);
    assert_int_equal(p.q.published, TRI_YES);
    assert_int_equal(decode(a, "{\"limit\": -1}", &p, &d), ERR_INVAL);
    assert_string_equal(d.field, "limit");
    assert_int_equal(decode(a, "{\"page\": 0}", &p, &d), ERR_INVAL);
    assert_string_equal(d.field, "page");
    assert_int_equal(decode(a, "{\"returnFormat\": \"xml\"}", &p, &d), ERR_INVAL);
    assert_string_equal(d.field, "returnFormat");
    assert_int_equal(decode(a, "[1]", &p, &d), ERR_INVAL);
    assert_int_equal(decode(a, "{\"deleted\": [0, 1]}", &p, &d), 0);
    assert_int_equal(p.q.deleted, 2);
    arena_free(a);
}

static void test_csv_columns_dedupe_cap_and_context(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct search_params p;
    struct diag d;
    assert_int_equal(decode(a, "{\"returnFormat\": \"csv\"}", &p, &d), 0);
    assert_int_equal(p.n_columns, 10);
    assert_string_equal(p.columns[0], "uuid");
    assert_int_equal(decode(a,
                            "{\"returnFormat\": \"csv\", \"includeContext\": 1, "
                            "\"requested_attributes\": [\"value\", \"event_info\", \"value\", "
                            "\"no_such_column\"]}",
                            &p, &d),
                     0);
    /* value, event_info, no_such_column, then the 8 other context columns */
    assert_int_equal(p.n_columns, 11);
    assert_string_equal(p.columns[0], "value");
    assert_string_equal(p.columns[1], "event_info");
    assert_string_equal(p.columns[2], "no_such_column");
    assert_string_equal(p.columns[3], "event_member_org");
    /* 2,000 columns (the 3.9 GiB request of issue 10) */
    struct buf b;
    buf_init(&b, 1 << 20);
    buf_puts(&b, "{\"returnFormat\": \"csv\", \"requested_attributes\": [");
    for (int i = 0; i < 2000; i++)
        buf_puts(&b, i ? ",\"value\"" : "\"value\"");
    buf_puts(&b, "]}");
    assert_int_equal(decode(a, buf_cstr(&b), &p, &d), ERR_INVAL);
    assert_string_equal(d.field, "requested_attributes");
    buf_free(&b);
    assert_int_equal(
        decode(a, "{\"returnFormat\": \"csv\", \"requested_attributes\": [1]}", &p, &d), ERR_INVAL);
    assert_string_equal(d.field, "requested_attributes");
    assert_int_equal(decode(a,
                            "{\"returnFormat\": \"csv\", \"requested_attributes\": "
                            "[\"value\\u0000x\"]}",
                            &p, &d),
                     ERR_INVAL);
    /* not CSV: the column list is not read */
    assert_int_equal(decode(a, "{\"requested_attributes\": [1]}", &p, &d), 0);
    assert_int_equal(decode(a, "{\"requested_attributes\": 1}", &p, &d), ERR_INVAL);
    arena_free(a);
}

/* Issue 10: [[10,000],[10,000]] peaked at 2.2 GB; the cap is for the request. */
static void test_value_budget_is_per_request_nested_lists_included(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct search_params p;
    struct diag d;
    char *text = values_body("value", 2, LIMIT_FILTER_VALUES, 0);
    assert_int_equal(decode(a, text, &p, &d), ERR_TOOBIG);
    assert_string_equal(d.field, "value");
    free(text);
    arena_free(a);

    /* spread over two filters */
    a = arena_new();
    struct buf b;
    buf_init(&b, 16u << 20);
    buf_puts(&b, "{\"value\": [");
    for (unsigned i = 0; i < LIMIT_FILTER_VALUES / 2 + 1; i++)
        buf_printf(&b, "%s\"%u\"", i ? "," : "", i);
    buf_puts(&b, "], \"tags\": [");
    for (unsigned i = 0; i < LIMIT_FILTER_VALUES / 2; i++)
        buf_printf(&b, "%s\"%u\"", i ? "," : "", i);
    buf_puts(&b, "]}");
    assert_int_equal(decode(a, buf_cstr(&b), &p, &d), ERR_TOOBIG);
    assert_string_equal(d.field, "tags");
    buf_free(&b);
    arena_free(a);
}

/* Exactly the budget passes, in memory linear in it (the old list_push copied
 * the list for every value: ~400 MB for 10,000). */
static void test_full_budget_decodes_in_linear_memory(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct search_params p;
    struct diag d;
    char *text = values_body("value", 4, LIMIT_FILTER_VALUES / 4, 0);
    struct json_value *root;
    assert_int_equal(json_parse(a, text, strlen(text), LIMIT_JSON_DEPTH, &root, &d), 0);
    size_t before = arena_size(a);
    assert_int_equal(misp_search_params_decode(a, root, NOW, &p, &d), 0);
    assert_int_equal(p.q.value.n_any, LIMIT_FILTER_VALUES);
    assert_string_equal(p.q.value.any[LIMIT_FILTER_VALUES - 1], "v02499");
    assert_true(arena_size(a) - before < 2u * 1024 * 1024);
    free(text);
    arena_free(a);
}

static void test_bytes_length_and_nul_are_refused_naming_the_filter(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct search_params p;
    struct diag d;
    /* 9,500 values of 120 bytes: under the count, over LIMIT_FILTER_BYTES */
    char *text = values_body("uuid", 1, 9500, 114);
    assert_int_equal(decode(a, text, &p, &d), ERR_TOOBIG);
    assert_string_equal(d.field, "uuid");
    free(text);

    /* one LIKE pattern longer than SQLite takes (50,000 bytes) */
    struct buf b;
    buf_init(&b, 1 << 20);
    buf_puts(&b, "{\"eventinfo\": \"%");
    for (int i = 0; i < 60000; i++)
        buf_putc(&b, 'a');
    buf_puts(&b, "%\"}");
    assert_int_equal(decode(a, buf_cstr(&b), &p, &d), ERR_INVAL);
    assert_string_equal(d.field, "eventinfo");
    buf_free(&b);

    static const char *const nul[][2] = {
        {"{\"value\": \"1.2.3.4\\u0000%\"}", "value"},
        {"{\"tags\": {\"NOT\": [\"a\\u0000b\"]}}", "tags"},
        {"{\"from\": \"2026-01-01\\u0000x\"}", "from"},
        {"{\"timestamp\": [\"1\\u0000\", 2]}", "timestamp"},
        {"{\"returnFormat\": \"csv\\u0000\"}", "returnFormat"},
    };
    for (size_t i = 0; i < sizeof(nul) / sizeof(nul[0]); i++) {
        assert_int_equal(decode(a, nul[i][0], &p, &d), ERR_INVAL);
        assert_string_equal(d.field, nul[i][1]);
    }
    assert_int_equal(decode(a, "{\"value\": {\"OR\": [{\"x\": 1}]}}", &p, &d), ERR_INVAL);
    assert_string_equal(d.field, "value");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_forms_scalar_list_negation_and_boolean_parts),
        cmocka_unit_test(test_times_are_relative_to_the_given_now),
        cmocka_unit_test(test_paging_format_and_text_defaults),
        cmocka_unit_test(test_csv_columns_dedupe_cap_and_context),
        cmocka_unit_test(test_value_budget_is_per_request_nested_lists_included),
        cmocka_unit_test(test_full_budget_decodes_in_linear_memory),
        cmocka_unit_test(test_bytes_length_and_nul_are_refused_naming_the_filter),
    };
    return cmocka_run_group_tests_name("search_params", tests, NULL, NULL);
}
