/*
 * test_misp_answer.c - MISP's answer shapes (src/codec/misp_answer.c), byte
 * for byte: the minimal events/index entry a peer compares, the envelopes of
 * the three streamed lists, a saved event's warnings, tags under "Tag".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/misp_answer.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

static struct buf b;
static struct json_writer w;

static void start(void)
{
    buf_init(&b, 1 << 16);
    json_writer_init(&w, &b, false);
}

static void expect(const char *want)
{
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.ptr, want, b.len);
    buf_free(&b);
}

static void test_answer_minimal_index_entry(void **state)
{
    (void)state;
    struct org orgc = {.id = 2};
    snprintf(orgc.uuid, sizeof(orgc.uuid), "11111111-1111-4111-8111-111111111111");
    struct event e = {.id = 7,
                      .timestamp = 1700000000,
                      .sighting_timestamp = 5,
                      .published = true,
                      .orgc = &orgc};
    snprintf(e.uuid, sizeof(e.uuid), "22222222-2222-4222-8222-222222222222");
    start();
    misp_answer_event_index_entry(&w, &e, true);
    expect("{\"id\":\"7\",\"timestamp\":\"1700000000\",\"sighting_timestamp\":\"5\","
           "\"published\":true,\"uuid\":\"22222222-2222-4222-8222-222222222222\","
           "\"orgc_uuid\":\"11111111-1111-4111-8111-111111111111\"}");
}

static void test_answer_list_envelopes(void **state)
{
    (void)state;
    start();
    misp_answer_list_open(&w, MISP_LIST_ARRAY);
    misp_answer_list_close(&w, MISP_LIST_ARRAY);
    expect("[]");
    start();
    misp_answer_list_open(&w, MISP_LIST_EVENTS);
    misp_answer_list_close(&w, MISP_LIST_EVENTS);
    expect("{\"response\":[]}");
    start();
    misp_answer_list_open(&w, MISP_LIST_ATTRIBUTES);
    misp_answer_list_close(&w, MISP_LIST_ATTRIBUTES);
    expect("{\"response\":{\"Attribute\":[]}}");
}

static void test_answer_tags_under_their_name(void **state)
{
    (void)state;
    struct tag t[2];
    memset(t, 0, sizeof(t));
    t[0].id = 3;
    t[0].name = "tlp:green";
    t[0].colour = "#33FF00";
    t[0].exportable = true;
    t[1].id = 4;
    t[1].name = "x";
    start();
    misp_answer_tags(&w, t, 2);
    assert_true(b.len > 0);
    assert_memory_equal(b.ptr, "{\"Tag\":[{", 9);
    assert_non_null(memmem(b.ptr, b.len, "\"name\":\"tlp:green\"", 18));
    assert_non_null(memmem(b.ptr, b.len, "\"name\":\"x\"", 10));
    assert_memory_equal(b.ptr + b.len - 3, "}]}", 3);
    buf_free(&b);
}

static void test_answer_saved_event_warnings_only_when_any(void **state)
{
    (void)state;
    struct event e;
    memset(&e, 0, sizeof(e));
    e.info = "x";
    start();
    misp_answer_saved_event(&w, &e, NULL, 0);
    assert_null(memmem(b.ptr, b.len, "warnings", 8));
    assert_memory_equal(b.ptr, "{\"Event\":{", 10);
    buf_free(&b);
    const char *warn[] = {"tlp:red allows at most distribution 0"};
    start();
    misp_answer_saved_event(&w, &e, warn, 1);
    const char *tail = "},\"warnings\":[\"tlp:red allows at most distribution 0\"]}";
    assert_true(b.len > strlen(tail));
    assert_memory_equal(b.ptr + b.len - strlen(tail), tail, strlen(tail));
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer_minimal_index_entry),
        cmocka_unit_test(test_answer_list_envelopes),
        cmocka_unit_test(test_answer_tags_under_their_name),
        cmocka_unit_test(test_answer_saved_event_warnings_only_when_any),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
