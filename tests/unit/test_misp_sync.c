/*
 * test_misp_sync.c - MISP's sync protocol as a client speaks it
 * (codec/misp_sync.c): the request bodies byte for byte, and the answers
 * read back, leniently where a run goes on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/json.h"
#include "codec/misp_json.h"
#include "codec/misp_sync.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

#define U1 "11111111-1111-4111-8111-111111111111"
#define U2 "22222222-2222-4222-8222-222222222222"

static void assert_body(struct buf *b, const char *want)
{
    assert_int_equal(b->err, 0);
    assert_string_equal(buf_cstr(b), want);
    buf_free(b);
}

static void test_rules_read_text_and_ids(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct misp_sync_rules ru;
    misp_sync_rules_decode(a,
                           "{\"tags\":{\"OR\":[\"tlp:green\",\"\",{}],\"NOT\":\"x\"},"
                           "\"orgs\":{\"OR\":[\"12\",7,true],\"NOT\":[\"CERT-X\"]}}",
                           &ru);
    assert_int_equal(ru.tags_or.n, 3);
    assert_string_equal(ru.tags_or.v[0].text, "tlp:green");
    assert_null(ru.tags_or.v[1].text);
    assert_null(ru.tags_or.v[2].text);
    assert_false(ru.tags_or.v[2].has_id);
    assert_int_equal(ru.tags_not.n, 0); /* not a list */
    assert_int_equal(ru.orgs_or.n, 3);
    assert_string_equal(ru.orgs_or.v[0].text, "12");
    assert_true(ru.orgs_or.v[0].has_id);
    assert_int_equal(ru.orgs_or.v[0].id, 12);
    assert_null(ru.orgs_or.v[1].text);
    assert_int_equal(ru.orgs_or.v[1].id, 7);
    assert_int_equal(ru.orgs_or.v[2].id, 1);
    assert_string_equal(ru.orgs_not.v[0].text, "CERT-X");
    misp_sync_rules_decode(a, "[1]", &ru);
    assert_int_equal(ru.tags_or.n + ru.orgs_or.n, 0);
    misp_sync_rules_decode(a, NULL, &ru);
    assert_int_equal(ru.tags_not.n + ru.orgs_not.n, 0);
    arena_free(a);
}

static void test_index_query_bytes(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct misp_sync_rules ru;
    struct buf b;
    misp_sync_rules_decode(a, "", &ru);
    buf_init(&b, 1 << 16);
    misp_sync_index_query_encode(&b, &ru);
    assert_body(&b, "{\"minimal\":1,\"published\":1}");
    misp_sync_rules_decode(a,
                           "{\"tags\":{\"OR\":[\"a\",\"b\\\"q\",3],\"NOT\":[\"c\"]},"
                           "\"orgs\":{\"OR\":[{},\"\"],\"NOT\":[\"X\"]}}",
                           &ru);
    misp_sync_index_query_encode(&b, &ru);
    assert_body(&b, "{\"minimal\":1,\"published\":1,\"tag\":[\"a\",\"b\\\"q\",\"!c\"],"
                    "\"org\":[\"!X\"]}");
    arena_free(a);
}

static void test_request_bytes(void **state)
{
    (void)state;
    char uuids[2][UUID_STR_LEN + 1] = {U1, U2};
    int64_t stamps[2] = {1700000000, 5};
    struct buf b;
    buf_init(&b, 1 << 16);
    misp_sync_uuids_encode(&b, uuids, 2);
    assert_body(&b, "[\"" U1 "\",\"" U2 "\"]");
    misp_sync_uuids_encode(&b, uuids, 0);
    assert_body(&b, "[]");
    misp_sync_sighting_query_encode(&b, uuids, 1, false);
    assert_body(&b,
                "{\"returnFormat\":\"json\",\"includeUuid\":1,\"from\":1,\"uuid\":[\"" U1 "\"]}");
    misp_sync_sighting_query_encode(&b, uuids, 2, true);
    assert_body(&b, "{\"returnFormat\":\"json\",\"includeUuid\":1,\"from\":1,"
                    "\"includeDeleted\":1,\"uuid\":[\"" U1 "\",\"" U2 "\"]}");
    misp_sync_offers_encode(&b, uuids, stamps, 2);
    assert_body(&b, "[{\"Event\":{\"uuid\":\"" U1 "\",\"timestamp\":\"1700000000\"}},"
                    "{\"Event\":{\"uuid\":\"" U2 "\",\"timestamp\":\"5\"}}]");
    /* a body over the buffer's maximum is an error, not a cut list */
    buf_init(&b, 16);
    misp_sync_uuids_encode(&b, uuids, 2);
    assert_int_equal(b.err, ERR_TOOBIG);
    buf_free(&b);
}

static void test_sightings_and_event_bytes(void **state)
{
    (void)state;
    struct org org = {.id = 3, .name = "CERT-A", .uuid = U2};
    struct sighting v[2];
    memset(v, 0, sizeof(v));
    v[0].id = 9;
    snprintf(v[0].uuid, sizeof(v[0].uuid), U1);
    snprintf(v[0].attribute_uuid, sizeof(v[0].attribute_uuid), U2);
    v[0].org_id = 3;
    v[0].org = &org;
    v[0].source = "ids";
    v[0].date_sighting = 1700000000;
    v[0].deleted = true;
    v[1] = v[0];
    bool pick[2] = {true, false};
    struct buf b;
    buf_init(&b, 1 << 16);
    misp_sync_sightings_encode(
        &b, v, pick, 2, MISP_SIGHTING_ATTRIBUTE_UUID | MISP_SIGHTING_ORG | MISP_SIGHTING_DELETED);
    assert_body(&b, "[{\"id\":\"9\",\"attribute_id\":\"0\",\"event_id\":\"0\",\"org_id\":\"3\","
                    "\"date_sighting\":\"1700000000\",\"uuid\":\"" U1 "\",\"source\":\"ids\","
                    "\"type\":\"0\",\"attribute_uuid\":\"" U2 "\",\"deleted\":true,"
                    "\"Organisation\":{\"id\":\"3\",\"uuid\":\"" U2 "\",\"name\":\"CERT-A\"}}]");
    pick[0] = false;
    misp_sync_sightings_encode(&b, v, pick, 2, 0);
    assert_body(&b, "[]");

    /* an event is MISP's {"Event": {...}}, as misp_event_encode writes it */
    struct event e;
    memset(&e, 0, sizeof(e));
    snprintf(e.uuid, sizeof(e.uuid), U1);
    e.info = "phishing";
    e.distribution = DIST_COMMUNITY;
    e.timestamp = 1700000000;
    struct buf want;
    buf_init(&want, 1 << 16);
    struct json_writer w;
    json_writer_init(&w, &want, false);
    misp_event_encode(&w, &e);
    misp_sync_event_encode(&b, &e);
    assert_body(&b, buf_cstr(&want));
    buf_free(&want);
}

static void test_index_answer(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct misp_sync_index_item *v;
    size_t n;
    struct diag d;
    diag_clear(&d);
    const char *text = "[{\"Event\":{\"uuid\":\"" U1 "\",\"timestamp\":\"17\","
                       "\"sighting_timestamp\":\"20\"}},"
                       "{\"uuid\":\"nope\",\"timestamp\":1},"
                       "{\"uuid\":\"22222222-2222-4222-8222-22222222222A\",\"timestamp\":5},"
                       "{\"uuid\":\"" U1 "\",\"timestamp\":0}]";
    assert_int_equal(misp_sync_index_decode(a, text, strlen(text), &v, &n, &d), 0);
    assert_int_equal(n, 4);
    assert_true(v[0].valid);
    assert_string_equal(v[0].uuid, U1);
    assert_int_equal(v[0].timestamp, 17);
    assert_int_equal(v[0].sighting_timestamp, 20);
    assert_false(v[1].valid);
    assert_true(v[2].valid); /* canonical: lower case */
    assert_string_equal(v[2].uuid, "22222222-2222-4222-8222-22222222222a");
    assert_int_equal(v[2].sighting_timestamp, 0);
    assert_false(v[3].valid);

    /* an old MISP answers one event bare */
    text = "{\"uuid\":\"" U2 "\",\"timestamp\":3}";
    assert_int_equal(misp_sync_index_decode(a, text, strlen(text), &v, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].uuid, U2);

    assert_int_equal(misp_sync_index_decode(a, "[1,", 3, &v, &n, &d), ERR_INVAL);
    assert_string_equal(d.field, "json");
    assert_int_equal(d.line, 1);
    assert_true(d.msg[0] != '\0');
    assert_int_equal(misp_sync_index_decode(a, "{\"a\":1}", 7, &v, &n, &d), ERR_INVAL);
    assert_string_equal(d.field, "");
    assert_int_equal(misp_sync_index_decode(a, NULL, 0, &v, &n, &d), ERR_INVAL);
    arena_free(a);
}

static void test_list_answers(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct diag d;
    diag_clear(&d);
    char(*u)[UUID_STR_LEN + 1];
    size_t n;
    const char *text = "[\"" U1 "\",7,\"x\",\"22222222-2222-4222-8222-22222222222A\"]";
    assert_int_equal(misp_sync_uuids_decode(a, text, strlen(text), &u, &n, &d), 0);
    assert_int_equal(n, 2);
    assert_string_equal(u[0], U1);
    assert_string_equal(u[1], "22222222-2222-4222-8222-22222222222a");
    assert_int_equal(misp_sync_uuids_decode(a, "{}", 2, &u, &n, &d), ERR_INVAL);
    assert_int_equal(misp_sync_uuids_decode(a, "[[[[[1]]]]]", 11, &u, &n, &d), ERR_INVAL);

    struct str *s;
    text = "[\"A-b\",null,\"a\\u0000b\",\"\"]";
    assert_int_equal(misp_sync_strings_decode(a, text, strlen(text), &s, &n, &d), 0);
    assert_int_equal(n, 2); /* as sent, not canonicalised; NUL refused */
    assert_true(str_eq_cstr(s[0], "A-b"));
    assert_int_equal(s[1].len, 0);
    assert_int_equal(misp_sync_strings_decode(a, "", 0, &s, &n, &d), ERR_INVAL);

    int64_t removed = -1;
    assert_int_equal(misp_sync_removed_decode(a, "{\"removed\":\"4\"}", 15, &removed, &d), 0);
    assert_int_equal(removed, 4);
    removed = -1;
    assert_int_equal(misp_sync_removed_decode(a, "{\"saved\":1}", 11, &removed, &d), ERR_INVAL);
    assert_int_equal(removed, -1);
    arena_free(a);
}

static void test_sightings_and_event_answers(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct diag d;
    diag_clear(&d);
    struct misp_sync_sighting *v;
    size_t n;
    const char *text = "{\"response\":[{\"Sighting\":{\"uuid\":\"" U1 "\",\"event_uuid\":\"" U2
                       "\",\"attribute_uuid\":\"" U2 "\",\"type\":\"0\","
                       "\"date_sighting\":\"1700000000\"}},"
                       "{\"uuid\":\"" U2 "\"},"
                       "{\"event_uuid\":\"" U2 "\",\"type\":\"x\"}]}";
    assert_int_equal(misp_sync_sightings_decode(a, text, strlen(text), &v, &n, &d), 0);
    assert_int_equal(n, 3);
    assert_null(v[0].error);
    assert_string_equal(v[0].event_uuid, U2);
    assert_string_equal(v[0].s.uuid, U1);
    assert_int_equal(v[0].s.date_sighting, 1700000000);
    assert_string_equal(v[1].error, "no event_uuid");
    assert_non_null(v[2].error);
    assert_null(v[2].event_uuid);
    assert_int_equal(misp_sync_sightings_decode(a, "[]", 2, &v, &n, &d), ERR_INVAL);

    struct event *e;
    text = "{\"Event\":{\"uuid\":\"" U1 "\",\"info\":\"x\",\"timestamp\":\"9\"}}";
    assert_int_equal(misp_sync_event_decode(a, text, strlen(text), &e, &d), 0);
    assert_non_null(e);
    assert_string_equal(e->uuid, U1);
    assert_int_equal(e->timestamp, 9);
    assert_int_equal(misp_sync_event_decode(a, "{", 1, &e, &d), ERR_INVAL);
    assert_string_equal(d.field, "json");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_read_text_and_ids),
        cmocka_unit_test(test_index_query_bytes),
        cmocka_unit_test(test_request_bytes),
        cmocka_unit_test(test_sightings_and_event_bytes),
        cmocka_unit_test(test_index_answer),
        cmocka_unit_test(test_list_answers),
        cmocka_unit_test(test_sightings_and_event_answers),
    };
    return cmocka_run_group_tests_name("misp_sync", tests, NULL, NULL);
}
