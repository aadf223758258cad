/*
 * test_misp_json.c - MISP core format codec (src/codec/misp_json.c).
 *
 * Most behaviour is pinned by golden files: every tests/data/NNN-name.in is
 * parsed, decoded with misp_event_decode() and encoded (pretty) with
 * misp_event_encode(); the result must equal NNN-name.ok byte for byte.  A
 * failure is written as one line "error: <field>: <message>".  With
 * UPDATE_GOLDEN=1 in the environment the .ok files are rewritten instead
 * (`make update-golden`); review the diff before committing.
 *
 * Tests run from the project root (scripts/run-unit); GOLDEN_DIR overrides
 * tests/data.  The remaining tests cover what golden files cannot hold
 * comfortably: limits with megabytes of input, the single-item decoders and
 * the writer's sticky error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/json.h"
#include "codec/misp_json.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/limits.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

#define OUT_MAX (64u * 1024 * 1024)

/* ---- helpers ---- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct buf b;
    buf_init(&b, OUT_MAX);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    assert_int_equal(b.err, 0);
    buf_putc(&b, '\0'); /* so an empty file still gets a buffer */
    char *p = buf_take(&b, len);
    (*len)--;
    return p;
}

static void write_file(const char *path, const char *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void append_error(struct buf *out, const struct diag *d)
{
    if (d->line > 0)
        buf_printf(out, "error: json: line %u column %u: %s\n", d->line, d->col, d->msg);
    else
        buf_printf(out, "error: %s: %s\n", d->field, d->msg);
}

/* Every "not given" value the encoder would write in a form the decoder
 * refuses ("-1", "0" for threat_level_id) is filled in. */
static bool event_complete(const struct event *e)
{
    if (e->distribution < 0 || e->analysis < 0 || e->threat_level_id < 1)
        return false;
    for (size_t i = 0; i < e->n_attrs; i++)
        if (e->attrs[i].distribution < 0)
            return false;
    for (size_t i = 0; i < e->n_objects; i++) {
        if (e->objects[i].distribution < 0)
            return false;
        for (size_t j = 0; j < e->objects[i].n_attrs; j++)
            if (e->objects[i].attrs[j].distribution < 0)
                return false;
    }
    return true;
}

/*
 * Parses, decodes and encodes text into out (golden form).  Returns the
 * decode result; *complete tells whether the event can round-trip.
 */
static int render(const char *text, size_t len, struct buf *out, bool *complete)
{
    struct arena *a = arena_new();
    struct json_value *root;
    struct event *e = NULL;
    struct diag d;
    diag_clear(&d);
    *complete = false;
    int rc = json_parse(a, text, len, LIMIT_JSON_DEPTH, &root, &d);
    if (rc == 0)
        rc = misp_event_decode(a, root, &e, &d);
    if (rc < 0) {
        assert_null(e);
        assert_true(d.msg[0] != '\0');
        append_error(out, &d);
    } else {
        struct json_writer w;
        json_writer_init(&w, out, true);
        misp_event_encode(&w, e);
        buf_putc(out, '\n');
        *complete = event_complete(e);
    }
    assert_int_equal(out->err, 0);
    arena_free(a);
    return rc;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int select_in(const struct dirent *de) { return has_suffix(de->d_name, ".in"); }

/* ---- golden files ---- */

static void test_misp_golden_files(void **state)
{
    (void)state;
    const char *dir = getenv("GOLDEN_DIR") ? getenv("GOLDEN_DIR") : "tests/data";
    bool update = getenv("UPDATE_GOLDEN") != NULL && strcmp(getenv("UPDATE_GOLDEN"), "1") == 0;
    struct dirent **names;
    int n = scandir(dir, &names, select_in, alphasort);
    assert_true(n >= 0);
    int failed = 0, round_tripped = 0, errors = 0;

    for (int i = 0; i < n; i++) {
        char in_path[4096], ok_path[4096];
        snprintf(in_path, sizeof(in_path), "%s/%s", dir, names[i]->d_name);
        snprintf(ok_path, sizeof(ok_path), "%.*s.ok", (int)(strlen(in_path) - 3), in_path);
        free(names[i]);

        size_t in_len;
        char *in = read_file(in_path, &in_len);
        assert_non_null(in);
        struct buf out;
        buf_init(&out, OUT_MAX);
        bool complete;
        int rc = render(in, in_len, &out, &complete);
        errors += rc < 0;

        if (update) {
            write_file(ok_path, out.ptr, out.len);
        } else {
            size_t ok_len;
            char *ok = read_file(ok_path, &ok_len);
            if (ok == NULL) {
                print_error("%s: missing (run make update-golden)\n", ok_path);
                failed++;
            } else if (ok_len != out.len || memcmp(ok, out.ptr, ok_len) != 0) {
                print_error("%s: output differs; got:\n%s\n", ok_path, buf_cstr(&out));
                failed++;
            }
            free(ok);
        }

        /* What we emit must decode back to the same document. */
        if (rc == 0 && complete) {
            struct buf again;
            buf_init(&again, OUT_MAX);
            bool complete2;
            int rc2 = render(out.ptr, out.len, &again, &complete2);
            if (rc2 != 0 || again.len != out.len || memcmp(again.ptr, out.ptr, out.len) != 0) {
                print_error("%s: does not round-trip; second pass:\n%s\n", in_path,
                            buf_cstr(&again));
                failed++;
            }
            round_tripped++;
            buf_free(&again);
        }
        buf_free(&out);
        free(in);
    }
    free(names);
    assert_int_equal(failed, 0);
    assert_true(n >= 15);
    assert_true(round_tripped >= 3);
    assert_true(errors >= 8);
}

/* ---- limits ---- */

/* Builds {"Attribute":[{},...n1],"Object":[{"Attribute":[{},...n2]}]}. */
static char *many_attributes(size_t n1, size_t n2, size_t *len)
{
    struct buf b;
    buf_init(&b, OUT_MAX);
    buf_puts(&b, "{\"Attribute\":[");
    for (size_t i = 0; i < n1; i++)
        buf_puts(&b, i ? ",{}" : "{}");
    buf_puts(&b, "],\"Object\":[{\"name\":\"x\",\"Attribute\":[");
    for (size_t i = 0; i < n2; i++)
        buf_puts(&b, i ? ",{}" : "{}");
    buf_puts(&b, "]}]}");
    assert_int_equal(b.err, 0);
    return buf_take(&b, len);
}

static void test_misp_attribute_limit_counts_object_attributes(void **state)
{
    (void)state;
    size_t half = LIMIT_ATTRIBUTES_PER_EVENT / 2;
    size_t len;
    char *text = many_attributes(half, LIMIT_ATTRIBUTES_PER_EVENT - half + 1, &len);
    struct arena *a = arena_new();
    struct json_value *root;
    struct event *e;
    struct diag d;
    assert_int_equal(json_parse(a, text, len, LIMIT_JSON_DEPTH, &root, &d), 0);
    assert_int_equal(misp_event_decode(a, root, &e, &d), ERR_TOOBIG);
    assert_string_equal(d.field, "Object.0.Attribute");
    assert_non_null(strstr(d.msg, "2000000"));
    arena_free(a);
    free(text);
}

static void test_misp_value_length_limit(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, OUT_MAX);
    for (int extra = 0; extra <= 1; extra++) {
        buf_reset(&b);
        buf_puts(&b, "{\"Event\":{\"Attribute\":[{\"type\":\"text\",\"value\":\"");
        for (size_t i = 0; i < LIMIT_VALUE_LEN + (size_t)extra; i++)
            buf_putc(&b, 'v');
        buf_puts(&b, "\"}]}}");
        assert_int_equal(b.err, 0);

        struct arena *a = arena_new();
        struct json_value *root;
        struct event *e = NULL;
        struct diag d;
        assert_int_equal(json_parse(a, b.ptr, b.len, LIMIT_JSON_DEPTH, &root, &d), 0);
        int rc = misp_event_decode(a, root, &e, &d);
        if (extra == 0) {
            assert_int_equal(rc, 0);
            assert_int_equal(strlen(e->attrs[0].value), LIMIT_VALUE_LEN);
        } else {
            assert_int_equal(rc, ERR_TOOBIG);
            assert_string_equal(d.field, "Event.Attribute.0.value");
        }
        arena_free(a);
    }
    buf_free(&b);
}

static void test_misp_tag_limit_exact_is_accepted(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, OUT_MAX);
    buf_puts(&b, "{\"info\":\"t\",\"Tag\":[");
    for (unsigned i = 0; i < LIMIT_TAGS_PER_ITEM; i++)
        buf_printf(&b, "%s{\"name\":\"t%u\"}", i ? "," : "", i);
    buf_puts(&b, "]}");
    struct arena *a = arena_new();
    struct json_value *root;
    struct event *e;
    assert_int_equal(json_parse(a, b.ptr, b.len, LIMIT_JSON_DEPTH, &root, NULL), 0);
    assert_int_equal(misp_event_decode(a, root, &e, NULL), 0);
    assert_int_equal(e->n_tags, LIMIT_TAGS_PER_ITEM);
    assert_string_equal(e->tags[LIMIT_TAGS_PER_ITEM - 1].tag.name, "t1023");
    arena_free(a);
    buf_free(&b);
}

/* ---- defaults and single-item decoders ---- */

static struct json_value *parse(struct arena *a, const char *text)
{
    struct json_value *root;
    struct diag d;
    int rc = json_parse(a, text, strlen(text), LIMIT_JSON_DEPTH, &root, &d);
    if (rc != 0)
        print_error("parse: %u:%u %s\n", d.line, d.col, d.msg);
    assert_int_equal(rc, 0);
    return root;
}

static void test_misp_event_not_given_values(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct event *e;
    assert_int_equal(
        misp_event_decode(a, parse(a, "{\"Attribute\":[{\"value\":\"x\"}]}"), &e, NULL), 0);
    assert_int_equal(e->id, 0);
    assert_string_equal(e->uuid, "");
    assert_null(e->info);
    assert_string_equal(e->date, "");
    assert_int_equal(e->distribution, -1);
    assert_int_equal(e->threat_level_id, 0);
    assert_int_equal(e->analysis, -1);
    assert_int_equal(e->sharing_group_id, 0);
    assert_int_equal(e->timestamp, 0);
    assert_false(e->published);
    assert_null(e->org);
    assert_null(e->orgc);
    assert_int_equal(e->n_attrs, 1);
    assert_int_equal(e->attrs[0].distribution, -1);
    assert_null(e->attrs[0].category);
    assert_false(e->attrs[0].category_given);
    assert_false(e->attrs[0].to_ids_given);
    assert_string_equal(e->attrs[0].value, "x");
    arena_free(a);
}

static void test_misp_attribute_decode_wrapped_with_prefix(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct attribute at;
    struct diag d;
    struct json_value *v = parse(
        a, "{\"Attribute\":{\"type\":\"ip-dst\",\"value\":\"10.0.0.1\",\"to_ids\":\"0\","
           "\"category\":\"Network activity\",\"uuid\":\"5A3C2FDA-78F4-44B7-8366-46DA02DE0B81\"}}");
    assert_int_equal(misp_attribute_decode(a, v, "Attribute.2", &at, &d), 0);
    assert_string_equal(at.type, "ip-dst");
    assert_string_equal(at.uuid, "5a3c2fda-78f4-44b7-8366-46da02de0b81");
    assert_true(at.to_ids_given);
    assert_false(at.to_ids);
    assert_true(at.category_given);

    v = parse(a, "{\"Attribute\":{\"type\":\"ip-dst\",\"value\":{}}}");
    assert_int_equal(misp_attribute_decode(a, v, "Attribute.2", &at, &d), ERR_INVAL);
    assert_string_equal(d.field, "Attribute.2.Attribute.value");

    v = parse(a, "{\"type\":\"ip-dst\",\"value\":[]}");
    assert_int_equal(misp_attribute_decode(a, v, NULL, &at, &d), ERR_INVAL);
    assert_string_equal(d.field, "value");
    assert_string_equal(d.msg, "must be a string or a number");

    v = parse(a, "[1]");
    assert_int_equal(misp_attribute_decode(a, v, "Attribute.0", &at, &d), ERR_INVAL);
    assert_string_equal(d.field, "Attribute.0");
    arena_free(a);
}

static void test_misp_object_decode_with_references(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct object o;
    struct diag d;
    struct json_value *v = parse(
        a, "{\"Object\":{\"name\":\"file\",\"meta-category\":\"file\",\"template_version\":7,"
           "\"distribution\":\"5\",\"Attribute\":[{\"object_relation\":\"md5\",\"value\":\"x\"}],"
           "\"ObjectReference\":[{\"referenced_uuid\":\"59c1133c-9adc-4d06-a34b-0f7ca07724d1\","
           "\"relationship_type\":\"drops\",\"referenced_type\":1}]}}");
    assert_int_equal(misp_object_decode(a, v, "", &o, &d), 0);
    assert_string_equal(o.meta_category, "file");
    assert_string_equal(o.template_version, "7");
    assert_int_equal(o.distribution, DIST_INHERIT);
    assert_int_equal(o.n_attrs, 1);
    assert_string_equal(o.attrs[0].object_relation, "md5");
    assert_int_equal(o.n_refs, 1);
    assert_string_equal(o.refs[0].referenced_type, "Object");

    v = parse(a, "{\"name\":\"file\",\"ObjectReference\":[{\"referenced_type\":\"2\"}]}");
    assert_int_equal(misp_object_decode(a, v, "Object.4", &o, &d), ERR_INVAL);
    assert_string_equal(d.field, "Object.4.ObjectReference.0.referenced_type");
    arena_free(a);
}

static void test_misp_decode_accepts_null_diag(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct event *e = (struct event *)1;
    assert_int_equal(misp_event_decode(a, parse(a, "{\"info\":5}"), &e, NULL), ERR_INVAL);
    assert_null(e);
    assert_int_equal(misp_event_decode(a, NULL, &e, NULL), ERR_INVAL);
    arena_free(a);
}

static void test_misp_org_long_form_dates(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct event *e;
    struct diag d;
    /* MISP writes organisation dates as "Y-m-d H:i:s" in UTC. */
    const char *doc =
        "{\"Org\":{\"uuid\":\"5cd00da5-2a9c-4b6a-a6c5-2f3bac110002\",\"name\":\"CERT-XX\","
        "\"date_created\":\"2019-05-06 10:14:21\",\"date_modified\":\"1557137661\","
        "\"created_by\":\"1\",\"sector\":\"Government\",\"local\":\"1\"},"
        "\"Orgc\":{\"uuid\":\"5cd00da5-2a9c-4b6a-a6c5-2f3bac110002\","
        "\"date_created\":\"2000-02-29T00:00:00\",\"date_modified\":\"\"}}";
    assert_int_equal(misp_event_decode(a, parse(a, doc), &e, &d), 0);
    assert_int_equal(e->org->date_created, 1557137661);
    assert_int_equal(e->org->date_modified, 1557137661);
    assert_int_equal(e->org->created_by, 1);
    assert_string_equal(e->org->sector, "Government");
    assert_true(e->org->local);
    assert_int_equal(e->orgc->date_created, 951782400);
    assert_int_equal(e->orgc->date_modified, 0);

    doc = "{\"Org\":{\"date_created\":\"2019-05-06 24:00:00\"}}";
    assert_int_equal(misp_event_decode(a, parse(a, doc), &e, &d), ERR_INVAL);
    assert_string_equal(d.field, "Org.date_created");
    doc = "{\"Org\":{\"date_created\":\"1969-12-31 23:59:59\"}}";
    assert_int_equal(misp_event_decode(a, parse(a, doc), &e, &d), ERR_INVAL);
    arena_free(a);
}

/* ---- encoder ---- */

static void test_misp_encode_overflow_is_sticky(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct event *e;
    assert_int_equal(
        misp_event_decode(
            a,
            parse(a, "{\"info\":\"a long enough info field\",\"Attribute\":[{\"value\":\"1\"}]}"),
            &e, NULL),
        0);
    struct buf b;
    buf_init(&b, 100);
    struct json_writer w;
    json_writer_init(&w, &b, false);
    misp_event_encode(&w, e);
    assert_int_equal(b.err, ERR_TOOBIG);
    assert_true(b.len <= 100);
    buf_free(&b);
    arena_free(a);
}

static void test_misp_encode_built_model(void **state)
{
    (void)state;
    struct org org = {.id = 3, .uuid = "55f6ea5e-2c60-40e5-964f-47a8950d210f", .local = true};
    struct tag_ref tags[1] = {{.tag = {.id = 9,
                                       .name = "tlp:green",
                                       .colour = "#339900",
                                       .exportable = true,
                                       .numerical_value = -5,
                                       .has_numerical_value = true},
                               .local = true}};
    struct attribute at = {.id = 12,
                           .type = "domain",
                           .value = "example.org",
                           .distribution = 5,
                           .tags = tags,
                           .n_tags = 1};
    struct buf b;
    buf_init(&b, 1 << 20);
    struct json_writer w;
    json_writer_init(&w, &b, false);
    misp_attribute_encode(&w, &at, "b9557473-bb46-4c65-b69e-974b3c93c1f4");
    assert_int_equal(b.err, 0);
    assert_string_equal(
        buf_cstr(&b),
        "{\"id\":\"12\",\"type\":\"domain\",\"category\":\"\",\"to_ids\":false,\"uuid\":\"\","
        "\"event_id\":\"0\",\"event_uuid\":\"b9557473-bb46-4c65-b69e-974b3c93c1f4\","
        "\"distribution\":\"5\",\"timestamp\":\"0\",\"comment\":\"\",\"sharing_group_id\":\"0\","
        "\"deleted\":false,\"disable_correlation\":false,\"object_id\":\"0\","
        "\"object_relation\":null,\"first_seen\":null,\"last_seen\":null,"
        "\"value\":\"example.org\",\"Tag\":[{\"id\":\"9\",\"name\":\"tlp:green\","
        "\"colour\":\"#339900\",\"exportable\":true,\"user_id\":\"0\",\"hide_tag\":false,"
        "\"numerical_value\":\"-5\",\"is_galaxy\":false,\"is_custom_galaxy\":false,"
        "\"local_only\":false,\"local\":1}]}");

    buf_reset(&b);
    json_writer_init(&w, &b, false);
    org.name = "CIRCL";
    misp_org_encode_short(&w, &org);
    assert_string_equal(buf_cstr(&b), "{\"id\":\"3\",\"name\":\"CIRCL\","
                                      "\"uuid\":\"55f6ea5e-2c60-40e5-964f-47a8950d210f\","
                                      "\"local\":true}");
    buf_free(&b);
}

/* ---- sightings ---- */

static void test_misp_sighting_decode_sync_shape(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct sighting s;
    struct diag d;
    diag_clear(&d);
    const char *text =
        "{\"Sighting\": {\"id\": \"12\", \"uuid\": \"5A0B2C3D-1111-4111-8111-111111111111\","
        " \"attribute_id\": \"3\", \"event_id\": \"4\", \"attribute_uuid\":"
        " \"6b0b2c3d-2222-4222-8222-222222222222\", \"type\": \"2\", \"source\": \"sensor\","
        " \"date_sighting\": \"1700000000\", \"org_id\": \"0\", \"Organisation\": {\"id\": \"9\","
        " \"uuid\": \"7c0b2c3d-3333-4333-8333-333333333333\", \"name\": \"CERT-X\"}}}";
    assert_int_equal(misp_sighting_decode(a, parse(a, text), "0", &s, &d), 0);
    assert_string_equal(s.uuid, "5a0b2c3d-1111-4111-8111-111111111111");
    assert_string_equal(s.attribute_uuid, "6b0b2c3d-2222-4222-8222-222222222222");
    assert_int_equal(s.type, 2);
    assert_string_equal(s.source, "sensor");
    assert_int_equal(s.date_sighting, 1700000000);
    assert_int_equal(s.org_id, 0);
    assert_int_equal(s.id, 0);           /* the sender's ids mean nothing here */
    assert_int_equal(s.attribute_id, 0);
    assert_int_equal(s.org->id, 0);
    assert_string_equal(s.org->name, "CERT-X");

    assert_int_equal(misp_sighting_decode(a, parse(a, "{}"), "0", &s, &d), 0);
    assert_int_equal(s.type, -1); /* not given */
    assert_int_equal(s.org_id, -1);
    assert_null(s.source);
    assert_null(s.org);

    assert_int_equal(misp_sighting_decode(a, parse(a, "{\"type\": 3}"), "4", &s, &d), ERR_INVAL);
    assert_string_equal(d.field, "4.type");
    assert_int_equal(misp_sighting_decode(a, parse(a, "{\"Sighting\": {\"uuid\": \"x\"}}"), "5",
                                          &s, &d),
                     ERR_INVAL);
    assert_string_equal(d.field, "5.Sighting.uuid");
    assert_int_equal(misp_sighting_decode(a, parse(a, "[1]"), "6", &s, &d), ERR_INVAL);
    assert_string_equal(d.field, "6");
    arena_free(a);
}

static void test_misp_sighting_encode_members(void **state)
{
    (void)state;
    struct org o = {.id = 3, .uuid = "7c0b2c3d-3333-4333-8333-333333333333", .name = "CERT-X"};
    struct sighting s = {.id = 1, .attribute_id = 2, .event_id = 4, .org_id = 3, .type = 1,
                         .source = "s", .date_sighting = 1700000000, .value = "1.2.3.4",
                         .uuid = "5a0b2c3d-1111-4111-8111-111111111111",
                         .attribute_uuid = "6b0b2c3d-2222-4222-8222-222222222222",
                         .event_uuid = "8d0b2c3d-4444-4444-8444-444444444444", .org = &o};
    struct buf out;
    buf_init(&out, OUT_MAX);
    struct json_writer w;
    json_writer_init(&w, &out, false);
    misp_sighting_encode(&w, &s, 0);
    assert_string_equal(buf_cstr(&out),
                        "{\"id\":\"1\",\"attribute_id\":\"2\",\"event_id\":\"4\",\"org_id\":\"3\","
                        "\"date_sighting\":\"1700000000\",\"uuid\":"
                        "\"5a0b2c3d-1111-4111-8111-111111111111\",\"source\":\"s\",\"type\":\"1\"}");
    buf_reset(&out);
    json_writer_init(&w, &out, false);
    misp_sighting_encode(&w, &s,
                         MISP_SIGHTING_VALUE | MISP_SIGHTING_ATTRIBUTE_UUID |
                             MISP_SIGHTING_EVENT_UUID | MISP_SIGHTING_ORG);
    const char *tail = ",\"value\":\"1.2.3.4\",\"attribute_uuid\":"
                       "\"6b0b2c3d-2222-4222-8222-222222222222\",\"event_uuid\":"
                       "\"8d0b2c3d-4444-4444-8444-444444444444\",\"Organisation\":{\"id\":\"3\","
                       "\"uuid\":\"7c0b2c3d-3333-4333-8333-333333333333\",\"name\":\"CERT-X\"}}";
    assert_non_null(strstr(buf_cstr(&out), tail));
    buf_free(&out);
}

/* The event view puts each attribute's sightings under it, none elsewhere. */
static void test_misp_event_encode_sightings_under_their_attribute(void **state)
{
    (void)state;
    struct attribute attrs[2] = {{.id = 10, .type = "text", .value = "a", .distribution = 5},
                                 {.id = 11, .type = "text", .value = "b", .distribution = 5}};
    struct attribute in_object = {.id = 12, .type = "text", .value = "c", .distribution = 5};
    struct object obj = {.id = 1, .name = "o", .attrs = &in_object, .n_attrs = 1};
    struct sighting sightings[3] = {{.id = 1, .attribute_id = 10, .source = "x"},
                                    {.id = 2, .attribute_id = 10, .source = "y"},
                                    {.id = 3, .attribute_id = 12, .source = "z"}};
    struct event e = {.id = 1, .info = "e", .attrs = attrs, .n_attrs = 2, .objects = &obj,
                      .n_objects = 1, .sightings = sightings, .n_sightings = 3};
    struct buf out;
    buf_init(&out, OUT_MAX);
    struct json_writer w;
    json_writer_init(&w, &out, false);
    misp_event_encode(&w, &e);
    struct arena *a = arena_new();
    const struct json_value *ev = json_get(parse(a, buf_cstr(&out)), "Event");
    const struct json_value *list = json_get(ev, "Attribute");
    const struct json_value *first = json_get(&list->u.items[0], "Sighting");
    assert_non_null(first);
    assert_int_equal(first->len, 2);
    assert_null(json_get(&list->u.items[1], "Sighting"));
    const struct json_value *o = &json_get(ev, "Object")->u.items[0];
    const struct json_value *third = json_get(&json_get(o, "Attribute")->u.items[0], "Sighting");
    assert_int_equal(third->len, 1);
    assert_null(json_get(ev, "Sighting"));
    buf_free(&out);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_misp_golden_files),
        cmocka_unit_test(test_misp_attribute_limit_counts_object_attributes),
        cmocka_unit_test(test_misp_value_length_limit),
        cmocka_unit_test(test_misp_tag_limit_exact_is_accepted),
        cmocka_unit_test(test_misp_event_not_given_values),
        cmocka_unit_test(test_misp_attribute_decode_wrapped_with_prefix),
        cmocka_unit_test(test_misp_object_decode_with_references),
        cmocka_unit_test(test_misp_decode_accepts_null_diag),
        cmocka_unit_test(test_misp_org_long_form_dates),
        cmocka_unit_test(test_misp_encode_overflow_is_sticky),
        cmocka_unit_test(test_misp_encode_built_model),
        cmocka_unit_test(test_misp_sighting_decode_sync_shape),
        cmocka_unit_test(test_misp_sighting_encode_members),
        cmocka_unit_test(test_misp_event_encode_sightings_under_their_attribute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
