/*
 * test_misp_envelope.c - MISP's error and "saved" bodies
 * (src/codec/misp_envelope.c), byte for byte: which statuses carry
 * saved/success, the errors object with field, line and column, the plain
 * message form, and the saved answer with and without an id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/misp_envelope.h"
#include "util/buf.h"

#include <string.h>

static void expect(struct buf *b, const char *want)
{
    assert_int_equal(b->len, strlen(want));
    assert_memory_equal(b->ptr, want, b->len);
    buf_free(b);
}

static void test_envelope_error_names_the_field_with_its_position(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 16);
    struct json_writer w;
    json_writer_init(&w, &b, false);
    struct diag d;
    diag_set(&d, ERR_INVAL, "Event.info", "must be a \"string\"");
    d.line = 3;
    d.col = 14;
    misp_envelope_error(&w, 400, "Bad", "/events/add", &d);
    expect(&b, "{\"saved\":false,\"success\":false,\"name\":\"Bad\",\"message\":\"Bad\","
               "\"url\":\"/events/add\",\"errors\":{\"Event.info\":[\"must be a \\\"string\\\"\"],"
               "\"line\":3,\"column\":14}}");
}

static void test_envelope_error_without_detail_repeats_the_message(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 16);
    struct json_writer w;
    json_writer_init(&w, &b, false);
    misp_envelope_error(&w, 404, "Invalid event.", "/events/view/9", NULL);
    /* 404 carries no saved/success */
    expect(&b, "{\"name\":\"Invalid event.\",\"message\":\"Invalid event.\","
               "\"url\":\"/events/view/9\",\"errors\":\"Invalid event.\"}");
}

static void test_envelope_error_field_defaults_to_request(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 16);
    struct json_writer w;
    json_writer_init(&w, &b, false);
    struct diag d;
    diag_set(&d, ERR_FORBIDDEN, NULL, "no");
    misp_envelope_error(&w, 403, "Denied", "/x", &d);
    expect(&b, "{\"saved\":false,\"success\":false,\"name\":\"Denied\",\"message\":\"Denied\","
               "\"url\":\"/x\",\"errors\":{\"request\":[\"no\"]}}");
}

static void test_envelope_saved_with_and_without_id(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 16);
    struct json_writer w;
    json_writer_init(&w, &b, false);
    misp_envelope_saved(&w, "Event deleted.", "/events/delete/7", 7);
    expect(&b, "{\"saved\":true,\"success\":true,\"name\":\"Event deleted.\","
               "\"message\":\"Event deleted.\",\"url\":\"/events/delete/7\",\"id\":\"7\"}");
    buf_init(&b, 1 << 16);
    json_writer_init(&w, &b, false);
    misp_envelope_saved(&w, "Done", "/y", 0);
    expect(&b, "{\"saved\":true,\"success\":true,\"name\":\"Done\",\"message\":\"Done\","
               "\"url\":\"/y\"}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope_error_names_the_field_with_its_position),
        cmocka_unit_test(test_envelope_error_without_detail_repeats_the_message),
        cmocka_unit_test(test_envelope_error_field_defaults_to_request),
        cmocka_unit_test(test_envelope_saved_with_and_without_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
