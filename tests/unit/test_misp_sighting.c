/*
 * test_misp_sighting.c - the sightings request codec
 * (src/codec/misp_sighting.c): add, listSightings, restSearch,
 * filterSightingUuidsForPush and bulkSaveSightings parameters as MISP and
 * PyMISP send them, the field each error names, and the exact bytes of every
 * answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/json.h"
#include "codec/misp_sighting.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/limits.h"

#include <stdio.h>
#include <string.h>

#define NOW 1700000000

static struct arena *A;

static int setup(void **state)
{
    (void)state;
    A = arena_new();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(A);
    return 0;
}

static const struct json_value *parse(const char *text)
{
    struct json_value *root;
    struct diag d;
    assert_int_equal(json_parse(A, text, strlen(text), LIMIT_JSON_DEPTH, &root, &d), 0);
    return root;
}

static void test_add_params(void **state)
{
    (void)state;
    struct sighting_add in;
    struct diag d;
    const struct json_value *body =
        parse("{\"request\":{\"Sighting\":{\"id\":\"12\",\"values\":[\"Evil.Example\",7],"
              "\"type\":\"1\",\"source\":\" \\tsensor \\n\",\"date\":\"2023-11-14\","
              "\"time\":\"22:13:20\"}}}");
    assert_int_equal(misp_sighting_add_decode(A, body, NULL, &in, &d), 0);
    assert_string_equal(in.attribute, "12");
    assert_int_equal(in.n_values, 2);
    assert_string_equal(in.values[0], "Evil.Example");
    assert_string_equal(in.values[1], "7");
    assert_int_equal(in.type, 1);
    assert_string_equal(in.source, "sensor");
    assert_int_equal(in.date_sighting, NOW);
    /* the path wins; uuid before id; nothing given */
    assert_int_equal(misp_sighting_add_decode(A, body, "9", &in, &d), 0);
    assert_string_equal(in.attribute, "9");
    assert_int_equal(misp_sighting_add_decode(A, parse("{\"id\":1,\"uuid\":\"u\"}"), NULL, &in, &d),
                     0);
    assert_string_equal(in.attribute, "u");
    assert_int_equal(misp_sighting_add_decode(A, NULL, NULL, &in, &d), 0);
    assert_null(in.attribute);
    assert_int_equal(in.type, -1);
    assert_null(in.source);
    assert_int_equal(in.date_sighting, 0);
    assert_int_equal(
        misp_sighting_add_decode(A, parse("{\"timestamp\":\"1700000000\"}"), NULL, &in, &d), 0);
    assert_int_equal(in.date_sighting, NOW);

    static const struct {
        const char *body, *field;
    } bad[] = {
        {"[1]", ""},
        {"{\"type\":3}", "type"},
        {"{\"type\":\"x\"}", "type"},
        {"{\"source\":7}", "source"},
        {"{\"source\":\"a\\u0000b\"}", "source"},
        {"{\"value\":[\"a\",{}]}", "value"},
        {"{\"value\":\"a\\u0000\"}", "value"},
        {"{\"date\":\"2026-02-31\",\"time\":\"00:00:00\"}", "date"},
        {"{\"timestamp\":\"yesterday\"}", "timestamp"},
        {"{\"timestamp\":0}", "timestamp"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        diag_clear(&d);
        assert_int_equal(misp_sighting_add_decode(A, parse(bad[i].body), NULL, &in, &d), ERR_INVAL);
        assert_string_equal(d.field, bad[i].field);
    }
}

static void test_list_params(void **state)
{
    (void)state;
    struct misp_sighting_list_params p;
    struct diag d;
    assert_int_equal(misp_sighting_list_decode(A, NULL, "5", NULL, NULL, &p, &d), 0);
    assert_string_equal(p.id, "5");
    assert_false(p.event);
    assert_false(p.by_org);
    assert_int_equal(
        misp_sighting_list_decode(A,
                                  parse("{\"request\":{\"id\":7,\"context\":\"event\",\"org_id\":"
                                        "\"B0000000-0000-4000-8000-000000000002\"}}"),
                                  "5", "attribute", "3", &p, &d),
        0);
    assert_string_equal(p.id, "7");
    assert_true(p.event);
    assert_true(p.by_org);
    assert_string_equal(p.org.uuid, "b0000000-0000-4000-8000-000000000002");
    assert_int_equal(misp_sighting_list_decode(A, NULL, "5", "event", "3", &p, &d), 0);
    assert_int_equal(p.org.id, 3);
    assert_int_equal(misp_sighting_list_decode(A, NULL, "5", "event", "0", &p, &d), 0);
    assert_false(p.by_org);
    assert_int_equal(misp_sighting_list_decode(A, NULL, "5", "object", NULL, &p, &d), ERR_INVAL);
    assert_string_equal(d.field, "context");
    assert_int_equal(misp_sighting_list_decode(A, parse("{\"id\":\"\"}"), "5", NULL, NULL, &p, &d),
                     ERR_INVAL);
    assert_string_equal(d.field, "id");
    assert_int_equal(misp_sighting_list_decode(A, NULL, "5", NULL, "!3", &p, &d), ERR_INVAL);
    assert_string_equal(d.field, "org_id");
    assert_int_equal(misp_sighting_list_decode(A, NULL, "5", NULL, "acme", &p, &d), ERR_INVAL);
    assert_string_equal(d.field, "org_id");
}

static void test_search_params(void **state)
{
    (void)state;
    struct misp_sighting_search p;
    struct diag d;
    assert_int_equal(misp_sighting_search_decode(A, NULL, NULL, NOW, &p, &d), 0);
    assert_int_equal(p.f.from, NOW - MISP_SIGHTING_DEFAULT_WINDOW);
    assert_int_equal(p.f.to, 0);
    assert_int_equal(p.members, MISP_SIGHTING_VALUE | MISP_SIGHTING_ORG);
    assert_false(p.f.with_deleted);
    const struct json_value *body =
        parse("{\"request\":{\"context\":\"event\",\"id\":[\"1\",2],\"uuid\":"
              "\"E0000000-0000-4000-8000-000000000001\",\"type\":[0,\"2\"],\"source\":"
              "[\"a\",\"b\\\"c\"],\"org_id\":[\"7\",\"!b0000000-0000-4000-8000-000000000002\"],"
              "\"from\":\"2023-11-14\",\"to\":\"2023-11-14\",\"last\":\"1d\",\"includeUuid\":"
              "true,\"includeDeleted\":1,\"returnFormat\":\"json\"}}");
    assert_int_equal(misp_sighting_search_decode(A, body, NULL, NOW, &p, &d), 0);
    assert_int_equal(p.f.context, SIGHTING_CONTEXT_EVENT);
    assert_int_equal(p.f.n_ids, 2);
    assert_int_equal(p.f.ids[1], 2);
    assert_int_equal(p.f.n_uuids, 1);
    assert_string_equal(p.f.uuids[0], "e0000000-0000-4000-8000-000000000001");
    assert_int_equal(p.f.n_types, 2);
    assert_int_equal(p.f.types[1], 2);
    assert_int_equal(p.f.n_sources, 2);
    assert_string_equal(p.f.sources[1], "b\"c");
    assert_int_equal(p.f.n_orgs, 2);
    assert_int_equal(p.f.orgs[0].id, 7);
    assert_false(p.f.orgs[0].negate);
    assert_true(p.f.orgs[1].negate);
    assert_string_equal(p.f.orgs[1].uuid, "b0000000-0000-4000-8000-000000000002");
    assert_int_equal(p.f.from, 1699920000); /* the day's start; "last" ignored */
    assert_int_equal(p.f.to, 1699920000 + 86399);
    assert_int_equal(p.members, MISP_SIGHTING_VALUE | MISP_SIGHTING_ORG |
                                    MISP_SIGHTING_ATTRIBUTE_UUID | MISP_SIGHTING_EVENT_UUID);
    assert_true(p.f.with_deleted); /* asked; the service decides */
    /* the path's context wins; without a context ids name nothing */
    assert_int_equal(misp_sighting_search_decode(A, body, "attribute", NOW, &p, &d), 0);
    assert_int_equal(p.f.context, SIGHTING_CONTEXT_ATTRIBUTE);
    assert_int_equal(
        misp_sighting_search_decode(A, parse("{\"id\":3,\"last\":\"2h\"}"), NULL, NOW, &p, &d), 0);
    assert_int_equal(p.f.context, SIGHTING_CONTEXT_NONE);
    assert_int_equal(p.f.n_ids, 0);
    assert_int_equal(p.f.from, NOW - 7200);

    static const struct {
        const char *body, *field;
        int rc;
    } bad[] = {
        {"[]", "", ERR_INVAL},
        {"{\"context\":\"object\"}", "context", ERR_INVAL},
        {"{\"context\":\"event\"}", "id", ERR_INVAL},
        {"{\"id\":0}", "id", ERR_INVAL},
        {"{\"uuid\":\"nope\"}", "uuid", ERR_INVAL},
        {"{\"type\":3}", "type", ERR_INVAL},
        {"{\"org_id\":\"acme\"}", "org_id", ERR_INVAL},
        {"{\"source\":[[1]]}", "source", ERR_INVAL},
        {"{\"from\":\"soon\"}", "from", ERR_INVAL},
        {"{\"returnFormat\":\"csv\"}", "returnFormat", ERR_INVAL},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        diag_clear(&d);
        assert_int_equal(misp_sighting_search_decode(A, parse(bad[i].body), NULL, NOW, &p, &d),
                         bad[i].rc);
        assert_string_equal(d.field, bad[i].field);
    }
    struct buf b;
    buf_init(&b, 1u << 24);
    buf_puts(&b, "{\"type\":[");
    for (unsigned i = 0; i <= LIMIT_FILTER_VALUES; i++)
        buf_puts(&b, i ? ",0" : "0");
    buf_puts(&b, "]}");
    assert_int_equal(misp_sighting_search_decode(A, parse(buf_cstr(&b)), NULL, NOW, &p, &d),
                     ERR_TOOBIG);
    assert_string_equal(d.field, "type");
    buf_free(&b);
}

static void test_push_bodies(void **state)
{
    (void)state;
    char(*uuids)[UUID_STR_LEN + 1];
    size_t n;
    struct diag d;
    assert_int_equal(misp_sighting_uuids_decode(
                         A, parse("[\"AA000000-0000-4000-8000-000000000001\"]"), &uuids, &n, &d),
                     0);
    assert_int_equal(n, 1);
    assert_string_equal(uuids[0], "aa000000-0000-4000-8000-000000000001");
    assert_int_equal(misp_sighting_uuids_decode(A, parse("{}"), &uuids, &n, &d), ERR_INVAL);
    assert_string_equal(d.field, "");
    assert_int_equal(misp_sighting_uuids_decode(
                         A, parse("[\"aa000000-0000-4000-8000-000000000001\",3]"), &uuids, &n, &d),
                     ERR_INVAL);
    assert_string_equal(d.field, "1");

    struct sighting *in;
    assert_int_equal(
        misp_sighting_push_decode(
            A,
            parse("{\"Sighting\":[{\"attribute_uuid\":\"d0000000-0000-4000-8000-000000000001\","
                  "\"type\":\"1\"}]}"),
            &in, &n, &d),
        0);
    assert_int_equal(n, 1);
    assert_int_equal(in[0].type, 1);
    assert_int_equal(misp_sighting_push_decode(A, parse("{}"), &in, &n, &d), ERR_INVAL);
    assert_string_equal(d.field, "");
    assert_int_equal(misp_sighting_push_decode(A, parse("[{},1]"), &in, &n, &d), ERR_INVAL);
    assert_true(d.field[0] != '\0'); /* an item names itself */
}

/* Two sightings as the store reads them: one with its organisation. */
static void two(struct sighting s[2], struct org *o)
{
    memset(s, 0, 2 * sizeof(*s));
    memset(o, 0, sizeof(*o));
    o->id = 3;
    o->name = "Reader";
    memcpy(o->uuid, "b0000000-0000-4000-8000-000000000002", UUID_STR_LEN + 1);
    o->local = true;
    s[0] = (struct sighting){.id = 1,
                             .attribute_id = 4,
                             .event_id = 2,
                             .org_id = 3,
                             .type = 1,
                             .source = "a\"b",
                             .date_sighting = NOW,
                             .org = o,
                             .value = "x"};
    memcpy(s[0].uuid, "aa000000-0000-4000-8000-000000000001", UUID_STR_LEN + 1);
    memcpy(s[0].attribute_uuid, "d0000000-0000-4000-8000-000000000001", UUID_STR_LEN + 1);
    memcpy(s[0].event_uuid, "e0000000-0000-4000-8000-000000000001", UUID_STR_LEN + 1);
    s[1] = (struct sighting){.id = 2,
                             .attribute_id = 4,
                             .event_id = 2,
                             .source = "",
                             .date_sighting = 5,
                             .deleted = true};
    memcpy(s[1].uuid, "aa000000-0000-4000-8000-000000000002", UUID_STR_LEN + 1);
    memcpy(s[1].attribute_uuid, "d0000000-0000-4000-8000-000000000001", UUID_STR_LEN + 1);
}

#define S0                                                                                         \
    "\"id\":\"1\",\"attribute_id\":\"4\",\"event_id\":\"2\",\"org_id\":\"3\",\"date_sighting\":"   \
    "\"1700000000\",\"uuid\":\"aa000000-0000-4000-8000-000000000001\",\"source\":\"a\\\"b\","      \
    "\"type\":\"1\""
#define S1                                                                                         \
    "\"id\":\"2\",\"attribute_id\":\"4\",\"event_id\":\"2\",\"org_id\":\"0\",\"date_sighting\":"   \
    "\"5\",\"uuid\":\"aa000000-0000-4000-8000-000000000002\",\"source\":\"\",\"type\":\"0\""
#define AU "\"attribute_uuid\":\"d0000000-0000-4000-8000-000000000001\""
#define ORG                                                                                        \
    "\"Organisation\":{\"id\":\"3\",\"uuid\":\"b0000000-0000-4000-8000-000000000002\",\"name\":"   \
    "\"Reader\"}"

static void test_answers_bytes(void **state)
{
    (void)state;
    struct sighting s[2];
    struct org o;
    two(s, &o);
    struct buf b;
    buf_init(&b, 1 << 20);
    struct json_writer w;

    json_writer_init(&w, &b, false);
    misp_sighting_encode_wrapped(&w, &s[0], MISP_SIGHTING_ATTRIBUTE_UUID | MISP_SIGHTING_ORG);
    assert_string_equal(buf_cstr(&b), "{\"Sighting\":{" S0 "," AU "," ORG "}}");

    buf_reset(&b);
    json_writer_init(&w, &b, false);
    misp_sighting_encode_index(&w, s, 2);
    assert_string_equal(buf_cstr(&b), "[{" S0 "," AU "," ORG "},{" S1 "," AU "}]");

    buf_reset(&b);
    json_writer_init(&w, &b, false);
    misp_sighting_encode_list(&w, s, 2);
    assert_string_equal(buf_cstr(&b),
                        "[{\"Sighting\":{" S0 "," AU "},\"Organisation\":{\"id\":\"3\",\"name\":"
                        "\"Reader\",\"uuid\":\"b0000000-0000-4000-8000-000000000002\",\"local\":"
                        "true}},{\"Sighting\":{" S1 "," AU "}}]");

    buf_reset(&b);
    json_writer_init(&w, &b, false);
    misp_sighting_search_begin(&w);
    misp_sighting_encode_wrapped(&w, &s[0], MISP_SIGHTING_VALUE | MISP_SIGHTING_EVENT_UUID);
    misp_sighting_encode_wrapped(&w, &s[1], MISP_SIGHTING_DELETED);
    misp_sighting_search_end(&w);
    assert_string_equal(buf_cstr(&b),
                        "{\"response\":[{\"Sighting\":{" S0 ",\"value\":\"x\",\"event_uuid\":"
                        "\"e0000000-0000-4000-8000-000000000001\"}},{\"Sighting\":{" S1
                        ",\"deleted\":true}}]}");

    buf_reset(&b);
    json_writer_init(&w, &b, false);
    char uuids[3][UUID_STR_LEN + 1] = {"aa000000-0000-4000-8000-000000000001",
                                       "aa000000-0000-4000-8000-000000000009",
                                       "aa000000-0000-4000-8000-000000000002"};
    bool known[3] = {true, false, true};
    misp_sighting_encode_known(&w, (const char(*)[UUID_STR_LEN + 1]) uuids, known, 3);
    assert_string_equal(buf_cstr(&b), "[\"aa000000-0000-4000-8000-000000000001\","
                                      "\"aa000000-0000-4000-8000-000000000002\"]");

    buf_reset(&b);
    json_writer_init(&w, &b, false);
    struct sighting_skip skipped = {&s[1], "no such attribute"};
    struct sighting_bulk_result res = {
        .saved = 2, .duplicates = 1, .removed = 0, .skipped = &skipped, .n_skipped = 1};
    misp_sighting_encode_bulk_result(&w, "/sightings/bulkSaveSightings/1", &res);
    assert_string_equal(buf_cstr(&b),
                        "{\"saved\":true,\"success\":\"2 sightings added.\",\"message\":"
                        "\"2 sightings added.\",\"url\":\"/sightings/bulkSaveSightings/1\","
                        "\"added\":2,\"duplicates\":1,\"removed\":0,\"skipped\":[{\"uuid\":"
                        "\"aa000000-0000-4000-8000-000000000002\"," AU
                        ",\"reason\":\"no such attribute\"}]}");
    buf_reset(&b);
    json_writer_init(&w, &b, false);
    struct sighting_bulk_result none = {0};
    misp_sighting_encode_bulk_result(&w, "/u", &none);
    assert_string_equal(buf_cstr(&b),
                        "{\"saved\":false,\"success\":\"No sightings added.\",\"message\":"
                        "\"No sightings added.\",\"url\":\"/u\",\"added\":0,\"duplicates\":0,"
                        "\"removed\":0,\"skipped\":[]}");
    assert_int_equal(b.err, 0);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_push_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answers_bytes, setup, teardown),
    };
    return cmocka_run_group_tests_name("misp_sighting", tests, NULL, NULL);
}
