/*
 * test_sync_report.c - the sync report's JSON (codec/sync_report.c), byte for
 * byte: its members, `liaison sync --json` and the servers/pull|push answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/sync_report.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

static const struct sync_report report = {.listed = 5,
                                          .wanted = 3,
                                          .created = 2,
                                          .updated = 1,
                                          .unchanged = 2,
                                          .failed = 0,
                                          .attributes = 40,
                                          .removed = 1,
                                          .sightings = 7,
                                          .not_modified = false,
                                          .liaison_peer = true,
                                          .seconds = 1.5,
                                          .error = ""};

#define MEMBERS                                                                                    \
    "\"listed\":5,\"wanted\":3,\"created\":2,\"updated\":1,\"unchanged\":2,\"failed\":0,"          \
    "\"attributes\":40,\"removed\":1,\"sightings\":7,\"not_modified\":false,"                      \
    "\"liaison_peer\":true,\"seconds\":1.5,\"error\":\"\""

static void expect(void (*fn)(struct json_writer *w, const void *ctx), const void *ctx,
                   const char *want)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    struct json_writer w;
    json_writer_init(&w, &b, false);
    fn(&w, ctx);
    assert_false(b.err);
    assert_string_equal(buf_cstr(&b), want);
    buf_free(&b);
}

static void members(struct json_writer *w, const void *ctx)
{
    json_write_object_begin(w);
    sync_report_encode(w, ctx);
    json_write_object_end(w);
}

static void result(struct json_writer *w, const void *ctx)
{
    sync_result_encode(w, true, ctx);
}

static void pulled(struct json_writer *w, const void *ctx)
{
    sync_run_encode(w, false, true, 12, ctx);
}

static void pushed(struct json_writer *w, const void *ctx)
{
    sync_run_encode(w, true, true, 12, ctx);
}

static void failed(struct json_writer *w, const void *ctx)
{
    sync_run_encode(w, true, false, 3, ctx);
}

static void test_report_bytes(void **state)
{
    (void)state;
    expect(members, &report, "{" MEMBERS "}");
    expect(result, &report, "{\"success\":true," MEMBERS "}");
    expect(pulled, &report,
           "{\"success\":true,\"message\":\"Pull completed: 3 events pulled or updated, 0 "
           "failed.\",\"id\":\"12\"," MEMBERS "}");
    expect(pushed, &report,
           "{\"success\":true,\"message\":\"Push completed: 3 events pushed, 0 failed.\","
           "\"id\":\"12\"," MEMBERS "}");
    struct sync_report bad = {.error = "the peer answered HTTP 500 \"x\""};
    expect(failed, &bad,
           "{\"success\":false,\"message\":\"Push failed: the peer answered HTTP 500 \\\"x\\\"\","
           "\"id\":\"3\",\"listed\":0,\"wanted\":0,\"created\":0,\"updated\":0,\"unchanged\":0,"
           "\"failed\":0,\"attributes\":0,\"removed\":0,\"sightings\":0,\"not_modified\":false,"
           "\"liaison_peer\":false,\"seconds\":0,\"error\":\"the peer answered HTTP 500 "
           "\\\"x\\\"\"}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_bytes),
    };
    return cmocka_run_group_tests_name("sync_report", tests, NULL, NULL);
}
