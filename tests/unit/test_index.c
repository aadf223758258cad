/*
 * test_index.c - the in-memory indicator index: exact, network and subdomain
 * matches, composites, removal, growth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/index.h"

#include <stdio.h>
#include <string.h>

struct hits {
    int n;
    int64_t ids[16];
    enum index_match kinds[16];
};

static int collect(void *ctx, const struct index_hit *hit)
{
    struct hits *h = ctx;
    if (h->n < 16) {
        h->ids[h->n] = hit->attribute_id;
        h->kinds[h->n] = hit->kind;
    }
    h->n++;
    return 0;
}

static struct hits look(const struct index *ix, const char *q)
{
    struct hits h;
    memset(&h, 0, sizeof(h));
    size_t n = index_lookup(ix, str_from_cstr(q), collect, &h);
    assert_int_equal((int)n, h.n);
    return h;
}

static void test_exact_matches_normalise_the_query(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "sha256", "ab12", 1, 10);
    index_add(ix, "url", "http://evil.example/Path", 2, 10);
    index_add(ix, "email-src", "bad@evil.example", 3, 11);
    struct hits h = look(ix, "  AB12 ");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 1);
    assert_int_equal(h.kinds[0], INDEX_EXACT);
    assert_int_equal(look(ix, "HTTP://EVIL.example/Path").n, 1);
    assert_int_equal(look(ix, "http://evil.example/path").n, 0); /* the path keeps its case */
    assert_int_equal(look(ix, "Bad@Evil.Example").n, 1);
    assert_int_equal(look(ix, "nothing").n, 0);
    assert_int_equal(look(ix, "").n, 0);
    index_free(ix);
}

static void test_ip_matches_every_covering_network_longest_first(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "ip-dst", "10.1.2.3", 1, 1);
    index_add(ix, "ip-dst", "10.1.2.0/24", 2, 1);
    index_add(ix, "ip-src", "10.0.0.0/8", 3, 2);
    index_add(ix, "ip-dst", "192.168.0.0/16", 4, 2);
    index_add(ix, "ip-dst", "2001:db8::/32", 5, 3);
    struct hits h = look(ix, "10.1.2.3");
    assert_int_equal(h.n, 3);
    assert_int_equal(h.ids[0], 1);
    assert_int_equal(h.kinds[0], INDEX_EXACT);
    assert_int_equal(h.ids[1], 2); /* /24 before /8 */
    assert_int_equal(h.kinds[1], INDEX_NETWORK);
    assert_int_equal(h.ids[2], 3);
    h = look(ix, "10.9.9.9");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 3);
    assert_int_equal(look(ix, "11.0.0.1").n, 0);
    h = look(ix, "2001:DB8:0:0::1");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 5);
    assert_int_equal(look(ix, "2001:db9::1").n, 0);
    assert_int_equal(look(ix, "10.0.0.0/8").n, 1); /* the network itself, as text */
    index_free(ix);
}

static void test_host_names_match_stored_parent_domains_only(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "domain", "evil.example", 1, 1);
    index_add(ix, "filename", "report.pdf", 2, 1);
    struct hits h = look(ix, "WWW.a.Evil.Example");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 1);
    assert_int_equal(h.kinds[0], INDEX_SUBDOMAIN);
    assert_int_equal(look(ix, "evil.example").kinds[0], INDEX_EXACT);
    assert_int_equal(look(ix, "x.report.pdf").n, 0); /* a file name is no domain */
    assert_int_equal(look(ix, "notevil.example").n, 0);
    index_free(ix);
}

static void test_composites_are_indexed_under_each_part(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "ip-dst|port", "203.0.113.5|443", 1, 1);
    index_add(ix, "domain|ip", "c2.example|198.51.100.7", 2, 1);
    index_add(ix, "filename|sha256", "a.exe|ff00", 3, 2);
    assert_int_equal(look(ix, "203.0.113.5").ids[0], 1);
    assert_int_equal(look(ix, "203.0.113.5|443").ids[0], 1);
    assert_int_equal(look(ix, "198.51.100.7").ids[0], 2);
    struct hits h = look(ix, "www.c2.example");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.kinds[0], INDEX_SUBDOMAIN);
    assert_int_equal(look(ix, "FF00").ids[0], 3);
    index_free(ix);
}

static void test_remove_and_re_add(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "domain", "gone.example", 1, 1);
    index_add(ix, "domain", "gone.example", 2, 2);
    index_add(ix, "domain", "gone.example", 2, 2); /* twice: once */
    assert_int_equal(look(ix, "gone.example").n, 2);
    assert_int_equal(index_count(ix), 1);
    index_remove(ix, "domain", "gone.example", 1);
    assert_int_equal(look(ix, "gone.example").ids[0], 2);
    index_remove(ix, "domain", "gone.example", 2);
    index_remove(ix, "domain", "never.example", 9);
    assert_int_equal(look(ix, "gone.example").n, 0);
    assert_int_equal(look(ix, "a.gone.example").n, 0);
    assert_int_equal(index_count(ix), 0);
    index_add(ix, "ip-dst", "10.0.0.0/8", 3, 3);
    index_remove(ix, "ip-dst", "10.0.0.0/8", 3);
    assert_int_equal(look(ix, "10.1.1.1").n, 0);
    index_add(ix, "domain", "gone.example", 4, 4);
    assert_int_equal(look(ix, "gone.example").ids[0], 4);
    index_free(ix);
}

static void test_growth_keeps_every_value(void **state)
{
    (void)state;
    struct index *ix = index_new();
    char v[64];
    for (int i = 0; i < 100000; i++) {
        snprintf(v, sizeof(v), "host%d.example", i);
        index_add(ix, "domain", v, i + 1, i / 100);
        if (i % 1000 == 0)
            index_remove(ix, "domain", v, i + 1); /* tombstones across growth */
    }
    assert_int_equal(index_count(ix), 100000 - 100);
    for (int i = 0; i < 100000; i += 7) {
        snprintf(v, sizeof(v), "host%d.example", i);
        struct hits h = look(ix, v);
        if (i % 1000 == 0) {
            assert_int_equal(h.n, 0);
        } else {
            assert_int_equal(h.n, 1);
            assert_int_equal(h.ids[0], i + 1);
        }
    }
    assert_true(index_bytes(ix) > 100000 * 16);
    index_free(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_matches_normalise_the_query),
        cmocka_unit_test(test_ip_matches_every_covering_network_longest_first),
        cmocka_unit_test(test_host_names_match_stored_parent_domains_only),
        cmocka_unit_test(test_composites_are_indexed_under_each_part),
        cmocka_unit_test(test_remove_and_re_add),
        cmocka_unit_test(test_growth_keeps_every_value),
    };
    return cmocka_run_group_tests_name("index", tests, NULL, NULL);
}
