/*
 * test_lookup_answer.c - the look-up answer codec (src/codec/lookup_answer.c):
 * the exact bytes of the JSON document (POST /lookup's and the CLI's) and of
 * the tab-separated lines, escaping and field cleaning included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/json.h"
#include "codec/lookup_answer.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/limits.h"

#include <string.h>

/* One attribute with a tag in an event with a tag, both with awkward text. */
struct fixture {
    struct org orgc;
    struct tag_ref at_tags[1], ev_tags[2];
    struct attribute at;
    struct event e;
    struct lookup_match m[2];
};

static void fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->orgc.name = "CERT \"X\"";
    f->at_tags[0].tag.name = "tlp:green";
    f->ev_tags[0].tag.name = "kill\tchain";
    f->ev_tags[1].tag.name = "misp:x";
    f->at.id = 42;
    memcpy(f->at.uuid, "d0000000-0000-4000-8000-000000000001", UUID_STR_LEN + 1);
    f->at.type = "domain";
    f->at.category = "Network activity";
    f->at.value = "evil.example";
    f->at.to_ids = true;
    f->at.tags = f->at_tags;
    f->at.n_tags = 1;
    f->e.id = 7;
    memcpy(f->e.uuid, "e0000000-0000-4000-8000-000000000001", UUID_STR_LEN + 1);
    f->e.info = "line\none";
    f->e.orgc = &f->orgc;
    f->e.tags = f->ev_tags;
    f->e.n_tags = 2;
    f->m[0] = (struct lookup_match){"subdomain", "evil.example", &f->at, &f->e};
    f->m[1] = (struct lookup_match){"exact", "www.evil.example", &f->at, &f->e};
}

static void test_json_document_bytes(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    struct buf b;
    buf_init(&b, 1 << 20);
    struct json_writer w;
    json_writer_init(&w, &b, false);
    lookup_answer_begin(&w);
    lookup_answer_result(&w, str_from_cstr("www.evil.example"), 3, f.m, 1);
    f.e.orgc = NULL; /* no creator org: "" */
    f.at.n_tags = 0;
    f.e.n_tags = 0;
    lookup_answer_result(&w, str_from_cstr("a\"b"), 9, &f.m[1], 1);
    struct lookup_stats st = {5, 2, 2, 1};
    struct lookup_invalid bad[] = {{4, "not one"}};
    lookup_answer_end(&w, &st, bad, 1, "the store could not be read");
    assert_int_equal(b.err, 0);
    assert_string_equal(
        buf_cstr(&b),
        "{\"results\":["
        "{\"value\":\"www.evil.example\",\"line\":3,\"matches\":[{\"kind\":\"subdomain\","
        "\"indexed\":\"evil.example\",\"attribute_id\":\"42\",\"attribute_uuid\":"
        "\"d0000000-0000-4000-8000-000000000001\",\"type\":\"domain\",\"category\":"
        "\"Network activity\",\"value\":\"evil.example\",\"to_ids\":true,\"event_id\":\"7\","
        "\"event_uuid\":\"e0000000-0000-4000-8000-000000000001\",\"event_info\":\"line\\none\","
        "\"org\":\"CERT \\\"X\\\"\",\"tags\":[\"tlp:green\",\"kill\\tchain\",\"misp:x\"]}]},"
        "{\"value\":\"a\\\"b\",\"line\":9,\"matches\":[{\"kind\":\"exact\","
        "\"indexed\":\"www.evil.example\",\"attribute_id\":\"42\",\"attribute_uuid\":"
        "\"d0000000-0000-4000-8000-000000000001\",\"type\":\"domain\",\"category\":"
        "\"Network activity\",\"value\":\"evil.example\",\"to_ids\":true,\"event_id\":\"7\","
        "\"event_uuid\":\"e0000000-0000-4000-8000-000000000001\",\"event_info\":\"line\\none\","
        "\"org\":\"\",\"tags\":[]}]}],"
        "\"stats\":{\"values\":5,\"matched\":2,\"matches\":2,\"invalid\":1},"
        "\"invalid\":[{\"line\":4,\"value\":\"not one\"}],"
        "\"error\":\"the store could not be read\"}\n");
    buf_free(&b);
}

static void test_cli_document_and_passed_on_matches(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct buf b;
    buf_init(&b, 1 << 20);
    struct json_writer w;
    json_writer_init(&w, &b, false);
    const char *server = "[{\"kind\":\"exact\",\"x\":[1,2]}]";
    struct json_value *ms;
    struct diag d;
    assert_int_equal(json_parse(a, server, strlen(server), LIMIT_JSON_DEPTH, &ms, &d), 0);
    lookup_answer_begin(&w);
    lookup_answer_result_json(&w, str_from_cstr("1.2.3.4"), 12, ms);
    lookup_answer_result_json(&w, str_from_cstr("x"), 0, NULL);
    struct lookup_stats st = {2, 2, 1, 0};
    lookup_answer_end(&w, &st, NULL, 0, NULL); /* the CLI's: no "invalid" member */
    assert_string_equal(buf_cstr(&b),
                        "{\"results\":[{\"value\":\"1.2.3.4\",\"line\":12,\"matches\":"
                        "[{\"kind\":\"exact\",\"x\":[1,2]}]},"
                        "{\"value\":\"x\",\"line\":0,\"matches\":[]}],"
                        "\"stats\":{\"values\":2,\"matched\":2,\"matches\":1,\"invalid\":0}}\n");
    buf_reset(&b);
    json_writer_init(&w, &b, false);
    lookup_answer_begin(&w);
    lookup_answer_end(&w, &(struct lookup_stats){0}, NULL, 0, NULL);
    assert_string_equal(buf_cstr(&b), "{\"results\":[],\"stats\":{\"values\":0,\"matched\":0,"
                                      "\"matches\":0,\"invalid\":0}}\n");
    buf_reset(&b);
    json_writer_init(&w, &b, false);
    struct lookup_invalid none[1] = {{0, NULL}};
    lookup_answer_begin(&w);
    lookup_answer_end(&w, &(struct lookup_stats){0}, none, 0, NULL); /* the server's: [] */
    assert_string_equal(buf_cstr(&b), "{\"results\":[],\"stats\":{\"values\":0,\"matched\":0,"
                                      "\"matches\":0,\"invalid\":0},\"invalid\":[]}\n");
    buf_free(&b);
    arena_free(a);
}

static void test_tsv_lines_and_trailer_bytes(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    struct buf b;
    buf_init(&b, 1 << 20);
    lookup_answer_tsv(&b, str_from_cstr("www.evil.example"), 3, f.m, 2);
    f.e.info = NULL; /* a missing field is empty */
    f.at.n_tags = 0;
    f.e.n_tags = 0;
    lookup_answer_tsv(&b, (struct str){"a\tb\r", 4}, 8, f.m, 1);
    lookup_answer_tsv(&b, str_from_cstr("none"), 9, f.m, 0);
    struct lookup_stats st = {4, 2, 3, 2};
    struct lookup_invalid bad[] = {{5, "x y"}, {6, "??"}};
    lookup_answer_tsv_end(&b, &st, bad, 2, "a result was too large to write");
    assert_int_equal(b.err, 0);
    assert_string_equal(
        buf_cstr(&b),
        "3\twww.evil.example\tsubdomain\tevil.example\tdomain\te0000000-0000-4000-8000-"
        "000000000001\tline one\ttlp:green,kill chain,misp:x\n"
        "3\twww.evil.example\texact\twww.evil.example\tdomain\te0000000-0000-4000-8000-"
        "000000000001\tline one\ttlp:green,kill chain,misp:x\n"
        "8\ta b \tsubdomain\tevil.example\tdomain\te0000000-0000-4000-8000-000000000001\t\t\n"
        "# stats values=4 matched=2 matches=3 invalid=2\n"
        "# invalid line=5 value=x y\n"
        "# invalid line=6 value=??\n"
        "# error a result was too large to write\n");
    buf_reset(&b);
    lookup_answer_tsv_end(&b, &(struct lookup_stats){1, 0, 0, 0}, NULL, 0, NULL);
    assert_string_equal(buf_cstr(&b), "# stats values=1 matched=0 matches=0 invalid=0\n");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_document_bytes),
        cmocka_unit_test(test_cli_document_and_passed_on_matches),
        cmocka_unit_test(test_tsv_lines_and_trailer_bytes),
    };
    return cmocka_run_group_tests_name("lookup_answer", tests, NULL, NULL);
}
