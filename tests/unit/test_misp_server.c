/*
 * test_misp_server.c - sync links and the sync endpoints' lists in MISP's
 * JSON (codec/misp_server.c): the encoders byte for byte, the decoders'
 * fields, presence bits and errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/misp_server.h"
#include "util/buf.h"
#include "util/limits.h"

#include <stdio.h>
#include <string.h>

static struct json_value *parse(struct arena *a, const char *text)
{
    struct json_value *v;
    struct diag d;
    assert_int_equal(json_parse(a, text, strlen(text), LIMIT_JSON_DEPTH, &v, &d), 0);
    return v;
}

static void writer(struct buf *b, struct json_writer *w)
{
    buf_init(b, 1 << 16);
    json_writer_init(w, b, false);
}

static void test_server_bytes(void **state)
{
    (void)state;
    struct server sv = {.id = 3,
                        .name = "peer",
                        .url = "https://peer.example",
                        .authkey = "abcdEFGHijklmnopqrstuvwxyz0123456789ABCD",
                        .org_id = 1,
                        .remote_org_id = 2,
                        .push = true,
                        .pull = false,
                        .push_sightings = true,
                        .self_signed = false,
                        .cert_file = NULL,
                        .push_rules = "{\"tags\":{}}",
                        .pull_rules = NULL,
                        .timeout = 60,
                        .pull_interval = 600,
                        .created = 1700000000,
                        .modified = 1700000001};
    struct org host = {.id = 1, .name = "Host", .uuid = "a0000000-0000-4000-8000-000000000001"};
    struct sync_state pull = {.last_run = 10,
                              .last_success = 9,
                              .last_error = "boom",
                              .events = 1,
                              .attributes = 2,
                              .failures = 3,
                              .total_events = 4,
                              .last_timestamp = 5};
    struct sync_state push = {.last_error = ""};
    struct buf b;
    struct json_writer w;
    writer(&b, &w);
    misp_server_encode(&w, &sv, &host, NULL, &pull, &push);
    assert_string_equal(
        buf_cstr(&b),
        "{\"Server\":{\"id\":\"3\",\"name\":\"peer\",\"url\":\"https://peer.example\","
        "\"authkey\":\"abcd************************************\",\"org_id\":\"1\","
        "\"remote_org_id\":\"2\",\"push\":true,\"pull\":false,\"push_sightings\":true,"
        "\"self_signed\":false,\"cert_file\":null,\"push_rules\":\"{\\\"tags\\\":{}}\","
        "\"pull_rules\":\"\",\"timeout\":60,\"pull_interval\":600,\"created\":\"1700000000\","
        "\"modified\":\"1700000001\"},"
        "\"Organisation\":{\"id\":\"1\",\"name\":\"Host\","
        "\"uuid\":\"a0000000-0000-4000-8000-000000000001\"},"
        "\"RemoteOrg\":{\"id\":\"0\",\"name\":\"\",\"uuid\":\"\"},"
        "\"sync\":{\"pull\":{\"last_run\":10,\"last_success\":9,\"last_error\":\"boom\","
        "\"events\":1,\"attributes\":2,\"failures\":3,\"total_events\":4,\"last_timestamp\":5},"
        "\"push\":{\"last_run\":0,\"last_success\":0,\"last_error\":\"\",\"events\":0,"
        "\"attributes\":0,\"failures\":0,\"total_events\":0,\"last_timestamp\":0}}}");
    buf_free(&b);
}

static void test_small_answers_bytes(void **state)
{
    (void)state;
    struct buf b;
    struct json_writer w;
    writer(&b, &w);
    struct misp_connection_test ok = {.status = 1,
                                      .message = "OK",
                                      .version = "2.4.190",
                                      .uuid = "u",
                                      .perm_sync = true,
                                      .perm_sighting = false};
    misp_connection_test_encode(&w, &ok);
    assert_string_equal(buf_cstr(&b), "{\"status\":1,\"message\":\"OK\",\"version\":\"2.4.190\","
                                      "\"uuid\":\"u\",\"perm_sync\":true,"
                                      "\"perm_sighting\":false}");
    buf_free(&b);
    writer(&b, &w);
    struct misp_connection_test down = {
        .status = 2, .message = "Server unreachable", .version = "", .error = "refused"};
    misp_connection_test_encode(&w, &down);
    assert_string_equal(buf_cstr(&b), "{\"status\":2,\"message\":\"Server unreachable\","
                                      "\"error\":\"refused\"}");
    buf_free(&b);

    writer(&b, &w);
    char uuids[3][UUID_STR_LEN + 1] = {"e0000000-0000-4000-8000-000000000001",
                                       "e0000000-0000-4000-8000-000000000002",
                                       "e0000000-0000-4000-8000-000000000003"};
    bool pick[3] = {true, false, true};
    misp_uuid_list_encode(&w, uuids, pick, 3);
    assert_string_equal(buf_cstr(&b), "[\"e0000000-0000-4000-8000-000000000001\","
                                      "\"e0000000-0000-4000-8000-000000000003\"]");
    buf_free(&b);
    writer(&b, &w);
    misp_sync_removed_encode(&w, 4);
    assert_string_equal(buf_cstr(&b), "{\"removed\":4}");
    buf_free(&b);
}

static void test_server_decode(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct link_change in;
    struct diag d = {0};
    assert_int_equal(
        misp_server_decode(a,
                           parse(a, "{\"url\":\"https://p.example\",\"push\":true,\"pull\":null,"
                                    "\"push_rules\":\"{\\\"orgs\\\":{}}\",\"pull_rules\":{\"a\":1},"
                                    "\"timeout\":\"30\",\"RemoteOrg\":{\"uuid\":\"U\"}}"),
                           &in, &d),
        0);
    assert_int_equal(in.set, LINK_SET_URL | LINK_SET_PUSH | LINK_SET_PUSH_RULES |
                                 LINK_SET_PULL_RULES | LINK_SET_TIMEOUT);
    assert_string_equal(in.sv.url, "https://p.example");
    assert_true(in.sv.push);
    assert_string_equal(in.sv.push_rules, "{\"orgs\":{}}");
    assert_string_equal(in.sv.pull_rules, "{\"a\":1}");
    assert_int_equal(in.sv.timeout, 30);
    assert_string_equal(in.remote_org_uuid, "U");
    assert_null(in.remote_org_name);
    assert_int_equal(in.remote_org_id, 0);

    /* remote_org_id wins over RemoteOrg, which is then not read */
    assert_int_equal(
        misp_server_decode(a, parse(a, "{\"remote_org_id\":\"5\",\"RemoteOrg\":7}"), &in, &d), 0);
    assert_int_equal(in.remote_org_id, 5);
    assert_int_equal(in.set, 0);

    static const struct {
        const char *body, *field;
    } bad[] = {
        {"[]", ""},
        {"{\"url\":1}", "url"},
        {"{\"name\":\"a\\u0000b\"}", "name"},
        {"{\"push\":\"maybe\"}", "push"},
        {"{\"push_rules\":\"[1]\"}", "push_rules"},
        {"{\"pull_rules\":3}", "pull_rules"},
        {"{\"pull_interval\":\"soon\"}", "pull_interval"},
        {"{\"remote_org_id\":0}", "remote_org_id"},
        {"{\"RemoteOrg\":{\"name\":\"x\"}}", "RemoteOrg.uuid"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        diag_clear(&d);
        assert_int_equal(misp_server_decode(a, parse(a, bad[i].body), &in, &d), ERR_INVAL);
        assert_string_equal(d.field, bad[i].field);
    }
    arena_free(a);
}

static void test_list_decoders(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct diag d = {0};
    char(*uuids)[UUID_STR_LEN + 1];
    int64_t *stamps;
    size_t n;
    assert_int_equal(
        misp_push_offers_decode(a,
                                parse(a, "[{\"Event\":{\"uuid\":\"E0000000-0000-4000-8000-"
                                         "000000000001\",\"timestamp\":\"17\"}},"
                                         "{\"uuid\":\"e0000000-0000-4000-8000-000000000002\","
                                         "\"timestamp\":18}]"),
                                &uuids, &stamps, &n, &d),
        0);
    assert_int_equal(n, 2);
    assert_string_equal(uuids[0], "e0000000-0000-4000-8000-000000000001");
    assert_int_equal(stamps[0], 17);
    assert_string_equal(uuids[1], "e0000000-0000-4000-8000-000000000002");
    assert_int_equal(stamps[1], 18);
    assert_int_equal(misp_push_offers_decode(a, parse(a, "{}"), &uuids, &stamps, &n, &d),
                     ERR_INVAL);
    assert_string_equal(d.field, "");
    assert_int_equal(misp_push_offers_decode(
                         a,
                         parse(a, "[{\"Event\":{\"uuid\":\"e0000000-0000-4000-8000-000000000001\","
                                  "\"timestamp\":1}},{\"Event\":{\"uuid\":\"x\"}}]"),
                         &uuids, &stamps, &n, &d),
                     ERR_INVAL);
    assert_string_equal(d.field, "1.Event.uuid");
    assert_int_equal(misp_push_offers_decode(
                         a, parse(a, "[{\"uuid\":\"e0000000-0000-4000-8000-000000000001\"}]"),
                         &uuids, &stamps, &n, &d),
                     ERR_INVAL);
    assert_string_equal(d.field, "0.Event.timestamp");

    assert_int_equal(misp_uuid_list_decode(a, parse(a, "[]"), &uuids, &n, &d), 0);
    assert_int_equal(n, 0);
    assert_int_equal(misp_uuid_list_decode(
                         a, parse(a, "[\"E0000000-0000-4000-8000-000000000001\"]"), &uuids, &n, &d),
                     0);
    assert_int_equal(n, 1);
    assert_string_equal(uuids[0], "e0000000-0000-4000-8000-000000000001");
    assert_int_equal(misp_uuid_list_decode(a, parse(a, "\"x\""), &uuids, &n, &d), ERR_INVAL);
    assert_string_equal(d.field, "");
    assert_int_equal(misp_uuid_list_decode(a,
                                           parse(a, "[\"e0000000-0000-4000-8000-000000000001\",2]"),
                                           &uuids, &n, &d),
                     ERR_INVAL);
    assert_string_equal(d.field, "1");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_bytes),
        cmocka_unit_test(test_small_answers_bytes),
        cmocka_unit_test(test_server_decode),
        cmocka_unit_test(test_list_decoders),
    };
    return cmocka_run_group_tests_name("misp_server", tests, NULL, NULL);
}
