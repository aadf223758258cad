/*
 * test_misp_sharing.c - sharing groups in MISP's JSON (codec/misp_sharing.c),
 * byte for byte: a group as view/add/edit answer it, and the index.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/misp_sharing.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

static struct org creator = {
    .id = 1, .uuid = "a0000000-0000-4000-8000-000000000001", .name = "Org A", .local = true};
static struct org member = {
    .id = 2, .uuid = "b0000000-0000-4000-8000-000000000002", .name = "Org \"B\"", .local = false};
static struct sharing_group_org orgs[] = {{.org_id = 1, .extend = true, .org = &creator},
                                          {.org_id = 2, .extend = false, .org = &member}};
static struct sharing_group_server servers[] = {{.server_id = 0, .all_orgs = false},
                                                {.server_id = 4, .all_orgs = true}};
static struct sharing_group group = {.id = 7,
                                     .uuid = "c0000000-0000-4000-8000-000000000003",
                                     .name = "Group",
                                     .releasability = "CERTs",
                                     .description = "",
                                     .org_id = 1,
                                     .active = true,
                                     .local = true,
                                     .roaming = false,
                                     .created = 1700000000,
                                     .modified = 1700000060,
                                     .org = &creator,
                                     .orgs = orgs,
                                     .n_orgs = 2,
                                     .servers = servers,
                                     .n_servers = 2};

#define MEMBERS                                                                                    \
    "\"SharingGroup\":{\"id\":\"7\",\"uuid\":\"c0000000-0000-4000-8000-000000000003\","            \
    "\"name\":\"Group\",\"releasability\":\"CERTs\",\"description\":\"\","                         \
    "\"organisation_uuid\":\"a0000000-0000-4000-8000-000000000001\",\"org_id\":\"1\","             \
    "\"sync_user_id\":\"0\",\"active\":true,\"created\":\"2023-11-14 22:13:20\","                  \
    "\"modified\":\"2023-11-14 22:14:20\",\"local\":true,\"roaming\":false},"                      \
    "\"Organisation\":{\"id\":\"1\",\"name\":\"Org A\","                                           \
    "\"uuid\":\"a0000000-0000-4000-8000-000000000001\",\"local\":true},"                           \
    "\"SharingGroupOrg\":[{\"sharing_group_id\":\"7\",\"org_id\":\"1\",\"extend\":true,"           \
    "\"Organisation\":{\"id\":\"1\",\"name\":\"Org A\","                                           \
    "\"uuid\":\"a0000000-0000-4000-8000-000000000001\",\"local\":true}},"                          \
    "{\"sharing_group_id\":\"7\",\"org_id\":\"2\",\"extend\":false,"                               \
    "\"Organisation\":{\"id\":\"2\",\"name\":\"Org \\\"B\\\"\","                                   \
    "\"uuid\":\"b0000000-0000-4000-8000-000000000002\",\"local\":false}}],"                        \
    "\"SharingGroupServer\":[{\"sharing_group_id\":\"7\",\"server_id\":\"0\","                     \
    "\"all_orgs\":false,\"Server\":{\"id\":\"0\",\"name\":\"Local instance\","                     \
    "\"url\":\"https://node.example\"}},"                                                          \
    "{\"sharing_group_id\":\"7\",\"server_id\":\"4\",\"all_orgs\":true,\"Server\":{}}]"

static void test_view_bytes(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 16);
    struct json_writer w;
    json_writer_init(&w, &b, false);
    misp_sharing_group_encode(&w, &group, "https://node.example");
    assert_string_equal(buf_cstr(&b), "{" MEMBERS "}");
    buf_free(&b);
}

static void test_index_bytes(void **state)
{
    (void)state;
    struct sharing_group two[2] = {group, group};
    two[1].org = NULL; /* its creator is gone */
    two[1].n_orgs = 0;
    two[1].n_servers = 0;
    bool editable[2] = {true, false};
    struct buf b;
    buf_init(&b, 1 << 16);
    struct json_writer w;
    json_writer_init(&w, &b, false);
    misp_sharing_group_index_encode(&w, two, editable, 2, "https://node.example");
    const char *gone =
        "{\"SharingGroup\":{\"id\":\"7\",\"uuid\":\"c0000000-0000-4000-8000-000000000003\","
        "\"name\":\"Group\",\"releasability\":\"CERTs\",\"description\":\"\","
        "\"organisation_uuid\":\"\",\"org_id\":\"1\",\"sync_user_id\":\"0\",\"active\":true,"
        "\"created\":\"2023-11-14 22:13:20\",\"modified\":\"2023-11-14 22:14:20\","
        "\"local\":true,\"roaming\":false},\"Organisation\":{},\"SharingGroupOrg\":[],"
        "\"SharingGroupServer\":[],\"editable\":false,\"deletable\":false}";
    char want[8192];
    snprintf(want, sizeof(want), "{\"response\":[{%s,\"editable\":true,\"deletable\":true},%s]}",
             MEMBERS, gone);
    assert_string_equal(buf_cstr(&b), want);
    buf_reset(&b);
    json_writer_init(&w, &b, false);
    misp_sharing_group_index_encode(&w, two, editable, 0, "");
    assert_string_equal(buf_cstr(&b), "{\"response\":[]}");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_bytes),
        cmocka_unit_test(test_index_bytes),
    };
    return cmocka_run_group_tests_name("misp_sharing", tests, NULL, NULL);
}
