/*
 * test_misp_csv.c - the CSV encoder (src/codec/misp_csv.c): the header line,
 * quoting (every field quoted, '"' doubled), tags joined by ',', numbers,
 * the event context columns (event_id is the attribute's own), unknown
 * columns and a missing event, byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/misp_csv.h"

#include <string.h>

static struct tag_ref tag(const char *name)
{
    struct tag_ref t;
    memset(&t, 0, sizeof(t));
    t.tag.name = (char *)name;
    return t;
}

static void test_header(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 16);
    const char *cols[] = {"uuid", "value", "event_info"};
    misp_csv_header(&b, cols, 3);
    assert_string_equal(buf_cstr(&b), "uuid,value,event_info\n");
    buf_reset(&b);
    misp_csv_header(&b, cols, 0);
    assert_string_equal(buf_cstr(&b), "\n");
    buf_free(&b);
}

static void test_needs_event(void **state)
{
    (void)state;
    const char *own[] = {"uuid", "event_id", "value"};
    const char *ctx[] = {"value", "event_uuid"};
    const char *unknown[] = {"event_whatever"};
    assert_false(misp_csv_needs_event(own, 3));
    assert_true(misp_csv_needs_event(ctx, 2));
    assert_true(misp_csv_needs_event(unknown, 1));
    assert_false(misp_csv_needs_event(NULL, 0));
}

static void test_attribute_row(void **state)
{
    (void)state;
    struct tag_ref tags[] = {tag("tlp:green"), tag("say \"hi\"")};
    struct attribute at = {.id = 7, .event_id = 3, .category = "Network activity",
                           .type = "domain", .value = "evil.example",
                           .comment = "a \"quoted\", comma", .to_ids = true,
                           .timestamp = 1700000000, .distribution = 5, .tags = tags,
                           .n_tags = 2};
    memcpy(at.uuid, "d0000000-0000-4000-8000-000000000001", UUID_STR_LEN + 1);
    const char *cols[] = {"uuid",      "id",           "event_id",       "category",
                          "type",      "value",        "comment",        "to_ids",
                          "timestamp", "object_relation", "attribute_tag", "distribution",
                          "deleted",   "first_seen",   "last_seen",      "nonsense"};
    struct buf b;
    buf_init(&b, 1 << 16);
    misp_csv_row(&b, cols, sizeof(cols) / sizeof(cols[0]), &at, NULL);
    assert_string_equal(buf_cstr(&b),
                        "\"d0000000-0000-4000-8000-000000000001\",\"7\",\"3\","
                        "\"Network activity\",\"domain\",\"evil.example\","
                        "\"a \"\"quoted\"\", comma\",\"1\",\"1700000000\",\"\","
                        "\"tlp:green,say \"\"hi\"\"\",\"5\",\"0\",\"\",\"\",\"\"\n");
    buf_free(&b);
}

static void test_event_context(void **state)
{
    (void)state;
    struct org owner = {.name = "Owner"}, creator = {.name = "Creator \"C\""};
    struct tag_ref tags[] = {tag("a"), tag("b")};
    struct event e = {.info = "Phishing wave", .date = "2026-01-02", .threat_level_id = 2,
                      .analysis = 1, .distribution = 3, .timestamp = 1700000001,
                      .org = &owner, .orgc = &creator, .tags = tags, .n_tags = 2};
    memcpy(e.uuid, "e0000000-0000-4000-8000-000000000001", UUID_STR_LEN + 1);
    struct attribute at = {.id = 1, .event_id = 9, .value = "x"};
    const char *cols[] = {"value",          "event_info",         "event_member_org",
                          "event_source_org", "event_distribution", "event_threat_level_id",
                          "event_analysis", "event_date",         "event_tag",
                          "event_timestamp", "event_uuid",        "event_id",
                          "event_unknown"};
    size_t n = sizeof(cols) / sizeof(cols[0]);
    struct buf b;
    buf_init(&b, 1 << 16);
    misp_csv_row(&b, cols, n, &at, &e);
    assert_string_equal(buf_cstr(&b),
                        "\"x\",\"Phishing wave\",\"Owner\",\"Creator \"\"C\"\"\",\"3\",\"2\","
                        "\"1\",\"2026-01-02\",\"a,b\",\"1700000001\","
                        "\"e0000000-0000-4000-8000-000000000001\",\"9\",\"\"\n");
    /* no event (it could not be read): its columns are empty */
    buf_reset(&b);
    misp_csv_row(&b, cols, n, &at, NULL);
    assert_string_equal(buf_cstr(&b),
                        "\"x\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"9\",\"\"\n");
    /* an event without organisations loaded */
    e.org = e.orgc = NULL;
    buf_reset(&b);
    const char *orgs[] = {"event_member_org", "event_source_org"};
    misp_csv_row(&b, orgs, 2, &at, &e);
    assert_string_equal(buf_cstr(&b), "\"\",\"\"\n");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_needs_event),
        cmocka_unit_test(test_attribute_row),
        cmocka_unit_test(test_event_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
