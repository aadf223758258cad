/*
 * test_misp_admin.c - MISP's wire form of accounts and instance information
 * (src/codec/misp_admin.c): the exact bytes of each encoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/json.h"
#include "codec/misp_admin.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/version.h"

#include <string.h>

#include "util/banned.h"

struct out {
    struct buf b;
    struct json_writer w;
};

static struct json_writer *out_begin(struct out *o)
{
    buf_init(&o->b, 1u << 20);
    json_writer_init(&o->w, &o->b, false);
    return &o->w;
}

/* Checks what was written against want, then frees it. */
static void out_check(struct out *o, const char *want)
{
    assert_int_equal(o->b.err, 0);
    assert_string_equal(buf_cstr(&o->b), want);
    buf_free(&o->b);
}

#define ORG_JSON                                                                                   \
    "{\"id\":\"3\",\"name\":\"CIRCL\",\"uuid\":\"55f6ea5e-2c60-40e5-964f-47a8950d210f\","          \
    "\"description\":\"a \\\"CERT\\\"\",\"type\":null,\"nationality\":\"LU\",\"sector\":null,"     \
    "\"contacts\":null,\"local\":true,\"created_by\":\"1\","                                       \
    "\"date_created\":\"2023-11-14 22:13:20\",\"date_modified\":\"1970-01-01 00:00:00\","          \
    "\"restricted_to_domain\":[],\"landingpage\":null}"

static const struct org org = {.id = 3,
                               .uuid = "55f6ea5e-2c60-40e5-964f-47a8950d210f",
                               .name = "CIRCL",
                               .description = "a \"CERT\"",
                               .nationality = "LU",
                               .local = true,
                               .created_by = 1,
                               .date_created = 1700000000};

#define USER_JSON                                                                                  \
    "{\"id\":\"7\",\"org_id\":\"3\",\"server_id\":\"0\",\"email\":\"ann@circl.example\","          \
    "\"autoalert\":false,\"invited_by\":\"1\",\"gpgkey\":null,\"certif_public\":null,"             \
    "\"nids_sid\":\"0\",\"termsaccepted\":true,\"newsread\":\"0\",\"role_id\":\"4\","              \
    "\"change_pw\":false,\"contactalert\":false,\"disabled\":true,\"expiration\":null,"            \
    "\"current_login\":\"0\",\"last_login\":\"0\",\"force_logout\":false,"                         \
    "\"date_created\":\"1700000000\",\"date_modified\":\"1700000001\"}"

static const struct user user = {.id = 7,
                                 .email = "ann@circl.example",
                                 .org_id = 3,
                                 .role_id = 4,
                                 .disabled = true,
                                 .termsaccepted = true,
                                 .invited_by = 1,
                                 .date_created = 1700000000,
                                 .date_modified = 1700000001};

/* add, publish and auth: MISP's "publish" level */
#define ROLE_JSON                                                                                  \
    "{\"id\":\"4\",\"name\":\"Publisher\",\"perm_add\":true,\"perm_modify\":false,"                \
    "\"perm_modify_org\":false,\"perm_publish\":true,\"perm_delegate\":false,"                     \
    "\"perm_sync\":false,\"perm_admin\":false,\"perm_audit\":false,\"perm_auth\":true,"            \
    "\"perm_site_admin\":false,\"perm_regexp_access\":false,\"perm_tagger\":false,"                \
    "\"perm_template\":false,\"perm_sharing_group\":false,\"perm_tag_editor\":false,"              \
    "\"perm_sighting\":false,\"perm_object_template\":false,\"perm_publish_zmq\":false,"           \
    "\"perm_publish_kafka\":false,\"perm_decaying\":false,\"perm_galaxy_editor\":false,"           \
    "\"perm_warninglist\":false,\"perm_view_feed_correlations\":false,"                            \
    "\"perm_analyst_data\":false,\"perm_skip_otp\":false,\"perm_server_sign\":false,"              \
    "\"default_role\":false,\"restricted_to_site_admin\":false,\"memory_limit\":\"\","             \
    "\"max_execution_time\":\"\",\"enforce_rate_limit\":false,\"rate_limit_count\":\"0\","         \
    "\"permission\":\"3\",\"permission_description\":\"publish\"}"

static const struct role role = {.id = 4,
                                 .name = "Publisher",
                                 .perms = PERM_BIT(PERM_ADD) | PERM_BIT(PERM_PUBLISH) |
                                          PERM_BIT(PERM_AUTH)};

static void test_org(void **state)
{
    (void)state;
    struct out o;
    misp_org_encode(out_begin(&o), &org);
    out_check(&o, ORG_JSON);
    misp_org_encode_wrapped(out_begin(&o), &org);
    out_check(&o, "{\"Organisation\":" ORG_JSON "}");
    misp_orgs_encode(out_begin(&o), &org, 1);
    out_check(&o, "[{\"Organisation\":" ORG_JSON "}]");
    misp_orgs_encode(out_begin(&o), NULL, 0);
    out_check(&o, "[]");
}

static void test_user(void **state)
{
    (void)state;
    struct out o;
    misp_user_encode(out_begin(&o), &user);
    out_check(&o, USER_JSON);
    misp_user_encode_wrapped(out_begin(&o), &user);
    out_check(&o, "{\"User\":" USER_JSON "}");
    struct user two[2] = {user, user};
    two[1].nids_sid = "4000000";
    misp_users_encode(out_begin(&o), two, 2);
    assert_non_null(strstr(buf_cstr(&o.b), "},{\"User\":{\"id\":\"7\""));
    assert_non_null(strstr(buf_cstr(&o.b), "\"nids_sid\":\"4000000\""));
    assert_int_equal(strncmp(buf_cstr(&o.b), "[{\"User\":" USER_JSON "}", strlen(USER_JSON) + 10),
                     0);
    buf_free(&o.b);
}

static void test_role(void **state)
{
    (void)state;
    struct out o;
    misp_role_encode(out_begin(&o), &role);
    out_check(&o, ROLE_JSON);
    misp_roles_encode(out_begin(&o), &role, 1);
    out_check(&o, "[{\"Role\":" ROLE_JSON "}]");
    /* the legacy level follows the strongest of publish, modify_org, add */
    struct role r = {.id = 6, .name = "Read Only", .perms = PERM_BIT(PERM_AUTH)};
    misp_role_encode_wrapped(out_begin(&o), &r);
    assert_non_null(strstr(buf_cstr(&o.b), "\"permission\":\"0\","
                                           "\"permission_description\":\"read_only\"}}"));
    buf_free(&o.b);
    r.perms = PERM_BIT(PERM_ADD) | PERM_BIT(PERM_MODIFY_ORG);
    misp_role_encode(out_begin(&o), &r);
    assert_non_null(strstr(buf_cstr(&o.b), "\"permission\":\"2\","
                                           "\"permission_description\":\"manage_own\"}"));
    buf_free(&o.b);
    r.perms = PERM_BIT(PERM_ADD);
    misp_role_encode(out_begin(&o), &r);
    assert_non_null(strstr(buf_cstr(&o.b), "\"permission\":\"1\","
                                           "\"permission_description\":\"create\"}"));
    buf_free(&o.b);
}

static void test_auth_key(void **state)
{
    (void)state;
    struct auth_key k = {.id = 12,
                         .uuid = "0b8e4b2c-1111-4222-8333-444455556666",
                         .user_id = 7,
                         .key_start = "AbCd",
                         .key_end = "wXyZ",
                         .created = 1700000000};
    struct out o;
    misp_auth_key_encode(out_begin(&o), &k, NULL);
    out_check(&o, "{\"AuthKey\":{\"id\":\"12\",\"uuid\":\"0b8e4b2c-1111-4222-8333-444455556666\","
                  "\"authkey_start\":\"AbCd\",\"authkey_end\":\"wXyZ\",\"created\":\"1700000000\","
                  "\"expiration\":\"0\",\"read_only\":false,\"user_id\":\"7\",\"comment\":null,"
                  "\"allowed_ips\":null}}");
    k.comment = "ci";
    k.expiration = 1800000000;
    misp_auth_key_encode(out_begin(&o), &k, "AbCd0000000000000000000000000000000wXyZ");
    out_check(&o, "{\"AuthKey\":{\"id\":\"12\",\"uuid\":\"0b8e4b2c-1111-4222-8333-444455556666\","
                  "\"authkey_start\":\"AbCd\",\"authkey_end\":\"wXyZ\",\"created\":\"1700000000\","
                  "\"expiration\":\"1800000000\",\"read_only\":false,\"user_id\":\"7\","
                  "\"comment\":\"ci\",\"allowed_ips\":null,"
                  "\"authkey_raw\":\"AbCd0000000000000000000000000000000wXyZ\"}}");
}

static void test_user_me(void **state)
{
    (void)state;
    struct out o;
    misp_user_me_encode(out_begin(&o), &user, &role, &org);
    out_check(&o, "{\"User\":" USER_JSON ",\"Role\":" ROLE_JSON
                  ",\"UserSetting\":[],\"Organisation\":" ORG_JSON "}");
}

static void test_versions(void **state)
{
    (void)state;
    struct out o;
    struct role r = {.perms = PERM_BIT(PERM_SYNC) | PERM_BIT(PERM_GALAXY_EDITOR)};
    misp_version_encode(out_begin(&o), &r, "55f6ea5e-2c60-40e5-964f-47a8950d210f", 1);
    out_check(&o, "{\"version\":\"" MISP_COMPAT_VERSION
                  "\",\"pymisp_recommended_version\":\"" MISP_COMPAT_VERSION
                  "\",\"perm_sync\":true,\"perm_sighting\":false,"
                  "\"perm_galaxy_editor\":true,\"request_encoding\":[],"
                  "\"filter_sightings\":true,"
                  "\"uuid\":\"55f6ea5e-2c60-40e5-964f-47a8950d210f\","
                  "\"liaison_version\":\"" LIAISON_VERSION "\",\"liaison_sync\":1}");
    misp_pymisp_version_encode(out_begin(&o));
    out_check(&o, "{\"version\":\"2.5.1\"}");
}

/* describeTypes is long and follows the type table; its shape and a few
 * members of MISP's answer here (test_server.py compares it with MISP's). */
static void test_describe_types(void **state)
{
    (void)state;
    struct out o;
    misp_describe_types_encode(out_begin(&o));
    const char *s = buf_cstr(&o.b);
    assert_int_equal(strncmp(s, "{\"result\":{\"sane_defaults\":{", 28), 0);
    assert_non_null(strstr(s, "\"md5\":{\"default_category\":\"Payload delivery\",\"to_ids\":1}"));
    assert_non_null(strstr(s, "},\"types\":[\"md5\","));
    assert_non_null(strstr(s, "],\"categories\":[\"Internal reference\","));
    assert_non_null(strstr(s, "\"category_type_mappings\":{\"Internal reference\":[\"text\","));
    assert_string_equal(s + strlen(s) - 4, "]}}}");
    struct arena *a = arena_new();
    struct json_value *root;
    assert_int_equal(json_parse(a, s, strlen(s), 8, &root, NULL), 0);
    arena_free(a);
    buf_free(&o.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_org),
        cmocka_unit_test(test_user),
        cmocka_unit_test(test_role),
        cmocka_unit_test(test_auth_key),
        cmocka_unit_test(test_user_me),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_describe_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
