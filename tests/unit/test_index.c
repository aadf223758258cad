/*
 * test_index.c - the in-memory indicator index: exact, network and subdomain
 * matches, normalisation, composites, removal by id, edits, correlation, batched
 * look-ups, the IPv4 network accelerator against brute force, growth, a full key
 * pool or postings array refusing the add (ERR_TOOBIG) instead of aborting;
 * postings of other owners (a directory organisation's networks and domains)
 * beside attributes' without attribute look-ups seeing them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HITS 64

struct hits {
    int n;
    int64_t ids[MAX_HITS];
    int64_t events[MAX_HITS];
    enum index_match kinds[MAX_HITS];
    char indexed[MAX_HITS][64];
    uint32_t postings[MAX_HITS];
    size_t qi[MAX_HITS];
    enum index_owner_kind owners[MAX_HITS];
};

static void record(struct hits *h, const struct index_hit *hit, size_t qi)
{
    if (h->n < MAX_HITS) {
        h->ids[h->n] = hit->attribute_id;
        h->events[h->n] = hit->event_id;
        h->kinds[h->n] = hit->kind;
        h->postings[h->n] = hit->postings;
        h->qi[h->n] = qi;
        h->owners[h->n] = hit->owner;
        size_t n = hit->indexed.len < 63 ? hit->indexed.len : 63;
        memcpy(h->indexed[h->n], hit->indexed.ptr, n);
        h->indexed[h->n][n] = '\0';
    }
    h->n++;
}

static int collect(void *ctx, const struct index_hit *hit)
{
    record(ctx, hit, 0);
    return 0;
}

static int collect_batch(void *ctx, size_t qi, const struct index_hit *hit)
{
    record(ctx, hit, qi);
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

static struct hits look_exact(const struct index *ix, const char *q)
{
    struct hits h;
    memset(&h, 0, sizeof(h));
    size_t n = index_lookup_exact(ix, str_from_cstr(q), collect, &h);
    assert_int_equal((int)n, h.n);
    return h;
}

static struct hits look_owners(const struct index *ix, const char *q, unsigned kinds, bool exact)
{
    struct hits h;
    memset(&h, 0, sizeof(h));
    size_t n = index_lookup_owners(ix, str_from_cstr(q), kinds, exact, collect, &h);
    assert_int_equal((int)n, h.n);
    return h;
}

static struct hits correlate(const struct index *ix, int64_t id, size_t max_events)
{
    struct hits h;
    memset(&h, 0, sizeof(h));
    size_t n = index_correlate(ix, id, max_events, collect, &h);
    assert_int_equal((int)n, h.n);
    return h;
}

static void test_exact_matches_normalise_the_query(void **state)
{
    (void)state;
    struct index *ix = index_new();
    assert_int_equal(0, index_add(ix, "sha256", "ab12", 1, 10, 0));
    index_add(ix, "url", "http://evil.example/Path", 2, 10, 0);
    index_add(ix, "email-src", "bad@evil.example", 3, 11, 0);
    struct hits h = look(ix, "  AB12 ");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 1);
    assert_int_equal(h.events[0], 10);
    assert_int_equal(h.kinds[0], INDEX_EXACT);
    assert_string_equal(h.indexed[0], "ab12");
    assert_int_equal(h.postings[0], 1);
    assert_int_equal(look(ix, "HTTP://EVIL.example/Path").n, 1);
    assert_int_equal(look(ix, "http://evil.example/path").n, 0); /* the path keeps its case */
    assert_int_equal(look(ix, "Bad@Evil.Example").n, 1);
    assert_int_equal(look(ix, "x.bad@evil.example").n, 0);
    assert_int_equal(look(ix, "nothing").n, 0);
    assert_int_equal(look(ix, "").n, 0);
    assert_int_equal(look(ix, " \t\n").n, 0);
    struct str nul = {"ab12\0", 5};
    struct hits none;
    memset(&none, 0, sizeof(none));
    assert_int_equal(index_lookup(ix, nul, collect, &none), 0);
    index_free(ix);
}

static void test_ip_queries_take_inet_ntop_form(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "ip-dst", "2001:db8::1", 1, 1, 0);
    index_add(ix, "ip-dst", "::ffff:192.0.2.1", 2, 1, 0);
    index_add(ix, "ip-src", "192.0.2.7", 3, 1, 0);
    assert_int_equal(look(ix, "2001:DB8:0:0:0:0:0:1").ids[0], 1);
    assert_int_equal(look(ix, " 2001:0db8::0001 ").ids[0], 1);
    assert_int_equal(look(ix, "::FFFF:c000:0201").ids[0], 2);
    assert_int_equal(look(ix, "192.0.2.7").ids[0], 3);
    assert_int_equal(look(ix, "192.0.2.7/32").ids[0], 3);
    assert_int_equal(look(ix, "192.0.2.07").n, 0); /* not an address: as text */
    assert_int_equal(look(ix, "192.0.2.256").n, 0);
    index_free(ix);
}

static void test_ip_matches_every_covering_network_longest_first(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "ip-dst", "10.1.2.3", 1, 1, 0);
    index_add(ix, "ip-dst", "10.1.2.0/24", 2, 1, 0);
    index_add(ix, "ip-src", "10.0.0.0/8", 3, 2, 0);
    index_add(ix, "ip-dst", "192.168.0.0/16", 4, 2, 0);
    index_add(ix, "ip-dst", "2001:db8::/32", 5, 3, 0);
    index_add(ix, "ip-dst", "0.0.0.0/0", 6, 3, 0);
    struct hits h = look(ix, "10.1.2.3");
    assert_int_equal(h.n, 4);
    assert_int_equal(h.ids[0], 1);
    assert_int_equal(h.kinds[0], INDEX_EXACT);
    assert_int_equal(h.ids[1], 2); /* /24 before /8 */
    assert_int_equal(h.kinds[1], INDEX_NETWORK);
    assert_string_equal(h.indexed[1], "10.1.2.0/24");
    assert_int_equal(h.ids[2], 3);
    assert_string_equal(h.indexed[2], "10.0.0.0/8");
    assert_int_equal(h.ids[3], 6);
    h = look(ix, "10.9.9.9");
    assert_int_equal(h.n, 2);
    assert_int_equal(h.ids[0], 3);
    assert_int_equal(look(ix, "11.0.0.1").n, 1); /* 0.0.0.0/0 only */
    h = look(ix, "2001:DB8:0:0::1");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 5);
    assert_string_equal(h.indexed[0], "2001:db8::/32");
    assert_int_equal(look(ix, "2001:db9::1").n, 0);
    h = look(ix, "10.0.0.0/8"); /* the network itself, as text: exact only */
    assert_int_equal(h.n, 1);
    assert_int_equal(h.kinds[0], INDEX_EXACT);
    assert_int_equal(look(ix, "10.0.0.0/08").n, 1);
    assert_int_equal(look_exact(ix, "10.1.2.3").n, 1);
    index_free(ix);
}

static void test_networks_are_keyed_by_their_masked_prefix(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "ip-dst", "10.1.2.3/8", 1, 1, 0);
    index_add(ix, "ip-dst", "2001:db8::1/32", 2, 1, 0);
    index_add(ix, "ip-dst", "192.0.2.9/32", 3, 1, 0); /* a host, as types keeps it */
    index_add(ix, "ip-dst", "2001:db8::9/128", 4, 1, 0);
    struct hits h = look(ix, "10.200.0.1");
    assert_int_equal(h.n, 1);
    assert_string_equal(h.indexed[0], "10.0.0.0/8");
    assert_int_equal(look(ix, "10.9.9.9/8").ids[0], 1);
    assert_int_equal(look(ix, "2001:db8:ffff::").ids[0], 2);
    h = look(ix, "192.0.2.9");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.kinds[0], INDEX_EXACT); /* a /32 equals the address */
    assert_string_equal(h.indexed[0], "192.0.2.9");
    assert_int_equal(look(ix, "192.0.2.8").n, 0);
    h = look(ix, "2001:db8::9");
    assert_int_equal(h.n, 2); /* the /128 exactly, then the /32 */
    assert_int_equal(h.ids[0], 4);
    assert_int_equal(h.kinds[0], INDEX_EXACT);
    assert_int_equal(h.ids[1], 2);
    index_remove(ix, 1);
    assert_int_equal(look(ix, "10.200.0.1").n, 0);
    index_remove(ix, 4);
    assert_int_equal(look(ix, "2001:db8::9").n, 1);
    index_free(ix);
}

static void test_host_names_match_stored_parent_domains_only(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "domain", "evil.example", 1, 1, 0);
    index_add(ix, "hostname", "a.evil.example", 3, 2, 0);
    index_add(ix, "filename", "report.pdf", 2, 1, 0);
    struct hits h = look(ix, "WWW.a.Evil.Example");
    assert_int_equal(h.n, 2);
    assert_int_equal(h.ids[0], 3); /* nearest parent first */
    assert_int_equal(h.kinds[0], INDEX_SUBDOMAIN);
    assert_string_equal(h.indexed[0], "a.evil.example");
    assert_int_equal(h.ids[1], 1);
    assert_int_equal(look(ix, "evil.example").kinds[0], INDEX_EXACT);
    assert_int_equal(look(ix, "x.report.pdf").n, 0); /* a file name is no domain */
    assert_int_equal(look(ix, "notevil.example").n, 0);
    assert_int_equal(look(ix, "evil.example.").n, 0);
    assert_int_equal(look(ix, "http://www.evil.example/").n, 0); /* a URL is no host name */
    assert_int_equal(look_exact(ix, "www.evil.example").n, 0);
    /* the same text as a domain and as something else: only the domain posting */
    index_add(ix, "filename", "evil.example", 4, 3, 0);
    h = look(ix, "b.evil.example");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 1);
    assert_int_equal(h.postings[0], 2);
    assert_int_equal(look(ix, "www.example").n, 0);
    index_add(ix, "hostname", "intranet", 5, 3, 0); /* a single label is a parent too */
    assert_int_equal(look(ix, "www.intranet").ids[0], 5);
    assert_int_equal(look(ix, "www.intranet").kinds[0], INDEX_SUBDOMAIN);
    index_free(ix);
}

static void test_composites_are_indexed_under_each_part(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "ip-dst|port", "203.0.113.5|443", 1, 1, 0);
    index_add(ix, "domain|ip", "c2.example|198.51.100.7", 2, 1, 0);
    index_add(ix, "filename|sha256", "a.exe|ff00", 3, 2, 0);
    index_add(ix, "filename|md5", "same|same", 4, 2, 0);
    index_add(ix, "url", "http://x.example/a|b", 5, 2, 0); /* '|' in a non-composite */
    assert_int_equal(look(ix, "203.0.113.5").ids[0], 1);
    assert_int_equal(look(ix, "203.0.113.5|443").ids[0], 1);
    assert_int_equal(look(ix, "198.51.100.7").ids[0], 2);
    struct hits h = look(ix, "www.c2.example");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.kinds[0], INDEX_SUBDOMAIN);
    assert_int_equal(look(ix, "www.c2.example|198.51.100.7").n, 0);
    assert_int_equal(look(ix, "FF00").ids[0], 3);
    assert_int_equal(look(ix, "same").n, 1); /* one posting for both parts */
    assert_int_equal(look(ix, "http://x.example/a").n, 0);
    assert_int_equal(index_count(ix), 3 + 3 + 3 + 2 + 1);
    index_remove(ix, 4);
    index_remove(ix, 2);
    assert_int_equal(look(ix, "same").n, 0);
    assert_int_equal(look(ix, "www.c2.example").n, 0);
    assert_int_equal(look(ix, "198.51.100.7").n, 0);
    assert_int_equal(index_count(ix), 3 + 3 + 1);
    index_free(ix);
}

static void test_remove_by_id_and_re_add(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "domain", "gone.example", 1, 1, 0);
    index_add(ix, "domain", "gone.example", 2, 2, 0);
    index_add(ix, "domain", "gone.example", 2, 2, 0); /* twice: once */
    assert_int_equal(look(ix, "gone.example").n, 2);
    assert_int_equal(look(ix, "gone.example").postings[0], 2);
    assert_int_equal(index_count(ix), 1);
    assert_int_equal(index_attributes(ix), 2);
    assert_true(index_contains(ix, 1));
    index_remove(ix, 1);
    assert_false(index_contains(ix, 1));
    assert_int_equal(look(ix, "gone.example").ids[0], 2);
    index_remove(ix, 2);
    index_remove(ix, 9);
    index_remove(ix, -1);
    assert_int_equal(look(ix, "gone.example").n, 0);
    assert_int_equal(look(ix, "a.gone.example").n, 0);
    assert_int_equal(index_count(ix), 0);
    assert_int_equal(index_attributes(ix), 0);
    index_add(ix, "ip-dst", "10.0.0.0/8", 3, 3, 0);
    index_remove(ix, 3);
    assert_int_equal(look(ix, "10.1.1.1").n, 0);
    index_add(ix, "ip-dst", "10.0.0.0/8", 3, 3, 0);
    assert_int_equal(look(ix, "10.1.1.1").n, 1);
    index_add(ix, "domain", "gone.example", 4, 4, 0);
    assert_int_equal(look(ix, "gone.example").ids[0], 4);
    index_free(ix);
}

static void test_re_add_is_an_edit(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "domain", "old.example", 7, 1, 0);
    index_add(ix, "domain|ip", "new.example|192.0.2.1", 7, 2, 0);
    assert_int_equal(look(ix, "old.example").n, 0);
    assert_int_equal(look(ix, "x.old.example").n, 0);
    struct hits h = look(ix, "192.0.2.1");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.events[0], 2);
    assert_int_equal(index_attributes(ix), 1);
    assert_int_equal(index_count(ix), 3);
    index_add(ix, "ip-dst", "192.0.2.0/24", 7, 2, 0);
    assert_int_equal(look(ix, "192.0.2.1").kinds[0], INDEX_NETWORK);
    assert_int_equal(index_count(ix), 1);
    index_free(ix);
}

static void test_ids_outside_the_width_are_refused(void **state)
{
    (void)state;
    struct index *ix = index_new();
    assert_int_equal(ERR_INVAL, index_add(ix, "domain", "a.example", 0, 1, 0));
    assert_int_equal(ERR_INVAL, index_add(ix, "domain", "a.example", -5, 1, 0));
    assert_int_equal(ERR_INVAL,
                     index_add(ix, "domain", "a.example", (int64_t)UINT32_MAX + 1, 1, 0));
    assert_int_equal(ERR_INVAL, index_add(ix, "domain", "a.example", 1, -1, 0));
    assert_int_equal(ERR_INVAL,
                     index_add(ix, "domain", "a.example", 1, (int64_t)INDEX_EVENT_MAX + 1, 0));
    assert_int_equal(index_count(ix), 0);
    assert_int_equal(index_attributes(ix), 0);
    assert_int_equal(0, index_add(ix, "domain", "a.example", UINT32_MAX, INDEX_EVENT_MAX, 0));
    struct hits h = look(ix, "a.example");
    assert_int_equal(h.ids[0], (int64_t)UINT32_MAX);
    assert_int_equal(h.events[0], (int64_t)INDEX_EVENT_MAX);
    assert_false(index_contains(ix, 0));
    /* too long to index, but held (so it can be removed) */
    char *big = malloc(INDEX_KEY_MAX + 2);
    memset(big, 'a', INDEX_KEY_MAX + 1);
    big[INDEX_KEY_MAX + 1] = '\0';
    assert_int_equal(0, index_add(ix, "text", big, 2, 1, 0));
    assert_true(index_contains(ix, 2));
    assert_int_equal(look(ix, big).n, 0);
    big[INDEX_KEY_MAX] = '\0';
    assert_int_equal(0, index_add(ix, "text", big, 3, 1, 0));
    assert_int_equal(look(ix, big).n, 1);
    index_remove(ix, 2);
    index_remove(ix, 3);
    assert_int_equal(index_attributes(ix), 1);
    free(big);
    index_free(ix);
}

static void test_correlate_reports_other_events_only(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "ip-dst", "192.0.2.1", 1, 10, 0);
    index_add(ix, "ip-src", "192.0.2.1", 2, 10, 0);                  /* same event */
    index_add(ix, "ip-dst", "192.0.2.1", 3, 11, 0);                  /* correlates */
    index_add(ix, "ip-dst", "192.0.2.1", 4, 12, INDEX_NO_CORRELATE); /* excluded */
    index_add(ix, "domain|ip", "a.example|192.0.2.1", 5, 13, 0);     /* on the part */
    index_add(ix, "domain", "a.example", 6, 14, 0);
    index_add(ix, "ip-dst", "192.0.2.0/24", 7, 15, 0); /* a network is not the same key */
    struct hits h = correlate(ix, 1, 100);
    assert_int_equal(h.n, 2);
    assert_int_equal(h.ids[0], 3);
    assert_int_equal(h.events[0], 11);
    assert_int_equal(h.kinds[0], INDEX_EXACT);
    assert_string_equal(h.indexed[0], "192.0.2.1");
    assert_int_equal(h.ids[1], 5);
    h = correlate(ix, 5, 100); /* its parts: the domain, then the address */
    assert_int_equal(h.n, 4);
    assert_int_equal(h.ids[0], 6);
    assert_string_equal(h.indexed[0], "a.example");
    assert_int_equal(h.ids[1], 1);
    assert_int_equal(h.ids[2], 2);
    assert_int_equal(h.ids[3], 3);
    index_add(ix, "ip-dst", "192.0.2.1", 5, 13, 0); /* edit: now no domain */
    h = correlate(ix, 6, 100);
    assert_int_equal(h.n, 0);
    assert_int_equal(correlate(ix, 4, 100).n, 0); /* flagged itself */
    assert_int_equal(correlate(ix, 99, 100).n, 0);
    index_free(ix);
}

static void test_correlate_over_max_events_reports_the_key_once(void **state)
{
    (void)state;
    struct index *ix = index_new();
    for (int i = 1; i <= 40; i++)
        index_add(ix, "domain", "popular.example", i, i % 20, 0); /* 20 events */
    index_add(ix, "domain", "rare.example", 100, 3, 0);
    index_add(ix, "domain", "rare.example", 101, 4, 0);
    struct hits h = correlate(ix, 1, 20); /* exactly 20 events: not over */
    assert_int_equal(h.n, 40 - 2);       /* all but the two in its own event */
    h = correlate(ix, 1, 19);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 0);
    assert_int_equal(h.events[0], 0);
    assert_string_equal(h.indexed[0], "popular.example");
    assert_int_equal(h.postings[0], 40);
    h = correlate(ix, 1, 100); /* more postings than max_events needed to count */
    assert_int_equal(h.n, 38);
    h = correlate(ix, 100, 1);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 0); /* two events > 1 */
    h = correlate(ix, 100, 2);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 101);
    for (int i = 1; i <= 3000; i++) /* a big distinct-event count (heap set) */
        index_add(ix, "domain", "huge.example", 1000 + i, i, 0);
    assert_int_equal(correlate(ix, 1001, 2999).ids[0], 0);
    assert_int_equal(correlate(ix, 1001, 3000).n, 2999);
    index_free(ix);
}

static const char *const mixed_queries[] = {
    "10.1.2.3",       "10.9.9.9",     " evil.example", "www.evil.example", "a.b.c.evil.example",
    "AB12",           "nothing",      "",              "2001:db8::5",      "2001:db9::5",
    "192.168.44.1",   "10.0.0.0/8",   "http://EVIL.example/Path",          "bad@evil.example",
    "c2.example",     "x.c2.example", "198.51.100.7",  "1.2.3.4",          "notevil.example",
};

static void test_batch_reports_what_single_look_ups_do(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "ip-dst", "10.1.2.3", 1, 1, 0);
    index_add(ix, "ip-dst", "10.1.2.0/24", 2, 1, 0);
    index_add(ix, "ip-src", "10.0.0.0/8", 3, 2, 0);
    index_add(ix, "ip-dst", "192.168.0.0/16", 4, 2, 0);
    index_add(ix, "ip-dst", "2001:db8::/32", 5, 3, 0);
    index_add(ix, "domain", "evil.example", 6, 3, 0);
    index_add(ix, "domain", "c.evil.example", 7, 3, 0);
    index_add(ix, "sha256", "ab12", 8, 4, 0);
    index_add(ix, "url", "http://evil.example/Path", 9, 4, 0);
    index_add(ix, "email-src", "bad@evil.example", 10, 4, 0);
    index_add(ix, "domain|ip", "c2.example|198.51.100.7", 11, 5, 0);
    enum { N = 3 * (int)(sizeof(mixed_queries) / sizeof(mixed_queries[0])) };
    struct str qs[N];
    char *longq = malloc(1000);
    memset(longq, 'x', 999);
    memcpy(longq + 990, ".evil.example", 9); /* longer than a batch buffer */
    longq[999] = '\0';
    index_add(ix, "text", longq, 12, 5, 0);
    struct hits single;
    memset(&single, 0, sizeof(single));
    for (int i = 0; i < N; i++) {
        qs[i] = i == N - 1 ? str_from_cstr(longq)
                           : str_from_cstr(mixed_queries[i % (N / 3)]);
        struct hits one;
        memset(&one, 0, sizeof(one));
        index_lookup(ix, qs[i], collect, &one);
        for (int k = 0; k < one.n && single.n < MAX_HITS; k++) {
            one.qi[k] = (size_t)i;
            single.ids[single.n] = one.ids[k];
            single.kinds[single.n] = one.kinds[k];
            single.qi[single.n] = one.qi[k];
            single.n++;
        }
    }
    struct hits batch;
    memset(&batch, 0, sizeof(batch));
    size_t n = index_lookup_batch(ix, qs, N, collect_batch, &batch);
    assert_int_equal((int)n, batch.n);
    assert_true(single.n > 10 && single.n < MAX_HITS);
    assert_int_equal(batch.n, single.n);
    for (int k = 0; k < batch.n; k++) {
        assert_int_equal(batch.ids[k], single.ids[k]);
        assert_int_equal(batch.kinds[k], single.kinds[k]);
        assert_int_equal(batch.qi[k], single.qi[k]);
    }
    free(longq);
    index_free(ix);
}

/* ---- the network accelerator against brute force ---- */

struct prefix {
    uint32_t start;
    unsigned len;
    bool live;
};

static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

static unsigned random_len(void)
{
    static const unsigned lens[] = {8, 12, 15, 16, 16, 18, 20, 22, 23, 24, 24, 24, 24, 25, 28, 30, 31};
    return lens[rnd() % (sizeof(lens) / sizeof(lens[0]))];
}

static uint32_t mask(unsigned len)
{
    return len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
}

#define NET_HITS_MAX 4096 /* the /8s collect hundreds of attributes each */

struct net_hits {
    int n;
    int64_t ids[NET_HITS_MAX];
    unsigned lens[NET_HITS_MAX];
    bool sorted;
};

static int collect_net(void *ctx, const struct index_hit *hit)
{
    struct net_hits *h = ctx;
    assert_int_equal(hit->kind, INDEX_NETWORK);
    const char *slash = memchr(hit->indexed.ptr, '/', hit->indexed.len);
    assert_non_null(slash);
    unsigned len = (unsigned)atoi(slash + 1);
    if (h->n > 0 && len > h->lens[h->n - 1]) /* equal: one key, several attributes */
        h->sorted = false;
    assert_true(h->n < NET_HITS_MAX);
    h->ids[h->n] = hit->attribute_id;
    h->lens[h->n++] = len;
    return 0;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void check_queries(const struct index *ix, const struct prefix *p, int n, int queries)
{
    for (int q = 0; q < queries; q++) {
        uint32_t addr;
        const struct prefix *near = &p[rnd() % (uint32_t)n];
        if (q % 4 == 0)
            addr = rnd() << 1 ^ rnd();
        else
            addr = near->start + (rnd() & ~mask(near->len));
        char text[16];
        snprintf(text, sizeof(text), "%u.%u.%u.%u", addr >> 24, addr >> 16 & 255, addr >> 8 & 255,
                 addr & 255);
        static struct net_hits got;
        got.n = 0;
        got.sorted = true;
        index_lookup(ix, str_from_cstr(text), collect_net, &got);
        assert_true(got.sorted);
        static int64_t want[NET_HITS_MAX];
        int nw = 0;
        for (int i = 0; i < n; i++)
            if (p[i].live && (addr & mask(p[i].len)) == p[i].start) {
                assert_true(nw < NET_HITS_MAX);
                want[nw++] = i + 1;
            }
        assert_int_equal(got.n, nw);
        qsort(got.ids, (size_t)got.n, sizeof(int64_t), cmp_id);
        qsort(want, (size_t)nw, sizeof(int64_t), cmp_id);
        for (int i = 0; i < nw; i++)
            assert_int_equal(got.ids[i], want[i]);
    }
}

static void test_network_accelerator_matches_brute_force(void **state)
{
    (void)state;
    enum { N = 12000 };
    struct prefix *p = calloc(N, sizeof(*p));
    struct index *ix = index_new();
    char v[32];
    for (int i = 0; i < N; i++) {
        unsigned len = random_len();
        /* cluster into a few /8s so prefixes nest and share intervals */
        uint32_t a = (uint32_t)(10 + rnd() % 4) << 24 | (rnd() & 0xffffff);
        p[i] = (struct prefix){a & mask(len), len, true};
        snprintf(v, sizeof(v), "%u.%u.%u.%u/%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255,
                 len);
        assert_int_equal(0, index_add(ix, "ip-dst", v, i + 1, i % 50, 0));
        if (i > 0 && i % 7 == 0) { /* interleaved removals and re-adds */
            int r = (int)(rnd() % (uint32_t)i);
            if (p[r].live) {
                index_remove(ix, r + 1);
                p[r].live = false;
            } else {
                uint32_t s = p[r].start;
                snprintf(v, sizeof(v), "%u.%u.%u.%u/%u", s >> 24, s >> 16 & 255, s >> 8 & 255,
                         s & 255, p[r].len);
                index_add(ix, "ip-dst", v, r + 1, 1, 0);
                p[r].live = true;
            }
        }
        if (i % 1500 == 1499)
            check_queries(ix, p, i + 1, 300);
    }
    for (int i = 0; i < N; i += 3) { /* many removals after the last build */
        index_remove(ix, i + 1);
        p[i].live = false;
    }
    check_queries(ix, p, N, 2000);
    index_free(ix);
    free(p);
}

static void test_growth_keeps_every_value(void **state)
{
    (void)state;
    struct index *ix = index_new();
    char v[80];
    for (int i = 0; i < 100000; i++) {
        snprintf(v, sizeof(v), "host%d.example", i);
        index_add(ix, "domain", v, i + 1, i / 100, 0);
        if (i % 1000 == 0)
            index_remove(ix, i + 1); /* emptied keys across growth */
        if (i % 10 == 0) {
            snprintf(v, sizeof(v), "10.%d.%d.0/24", i / 256 % 256, i % 256);
            index_add(ix, "ip-dst", v, 1000000 + i, 1, 0);
        }
    }
    assert_int_equal(index_count(ix), 100000 - 100 + 10000);
    assert_int_equal(index_attributes(ix), 100000 - 100 + 10000);
    for (int i = 0; i < 100000; i += 7) {
        snprintf(v, sizeof(v), "host%d.example", i);
        struct hits h = look(ix, v);
        if (i % 1000 == 0) {
            assert_int_equal(h.n, 0);
        } else {
            assert_int_equal(h.n, 1);
            assert_int_equal(h.ids[0], i + 1);
        }
        snprintf(v, sizeof(v), "www.host%d.example", i);
        assert_int_equal(look(ix, v).n, i % 1000 == 0 ? 0 : 1);
        if (i % 10 == 0) {
            snprintf(v, sizeof(v), "10.%d.%d.77", i / 256 % 256, i % 256);
            assert_int_equal(look(ix, v).ids[0], 1000000 + i);
        }
    }
    assert_true(index_bytes(ix) > 110000 * 24);
    assert_true(index_bytes(ix) < 110000 * 400);
    index_free(ix);
    ix = index_new();
    index_reserve(ix, 50000);
    size_t reserved = index_bytes(ix);
    for (int i = 0; i < 50000; i++) {
        snprintf(v, sizeof(v), "%064x", i);
        index_add(ix, "sha256", v, i + 1, 1, 0);
    }
    assert_int_equal(index_count(ix), 50000);
    snprintf(v, sizeof(v), "%064X", 4242);
    assert_int_equal(look(ix, v).ids[0], 4243);
    assert_true(index_bytes(ix) >= reserved);
    index_free(ix);
}

/* The key pool is 2 MiB chunks of keys, each a 16-bit length and the text. */
#define POOL_CHUNK_BYTES ((size_t)2 << 20)

static void test_full_key_pool_refuses_the_add_and_keeps_serving(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_set_capacity(ix, POOL_CHUNK_BYTES, (size_t)1 << 32);
    char v[80];
    /* one key of 56 bytes, then 64-byte keys: 58 + n * 66 leaves 10 bytes */
    memset(v, 'p', 56);
    v[56] = '\0';
    assert_int_equal(0, index_add(ix, "text", v, 1, 1, 0));
    int added = 1, i;
    for (i = 2; i < 100000; i++) {
        snprintf(v, sizeof(v), "%064x", i);
        int rc = index_add(ix, "sha256", v, i, 1, 0);
        if (rc == ERR_TOOBIG)
            break;
        assert_int_equal(rc, 0);
        added++;
    }
    assert_int_equal(added, 1 + (POOL_CHUNK_BYTES - 58) / 66);
    assert_false(index_contains(ix, i));
    assert_int_equal(look(ix, v).n, 0);
    assert_int_equal(index_count(ix), added);
    assert_int_equal(index_attributes(ix), added);
    /* what is held still answers, and a value already held takes a new attribute */
    snprintf(v, sizeof(v), "%064x", 4242);
    assert_int_equal(look(ix, v).ids[0], 4242);
    assert_int_equal(0, index_add(ix, "sha256", v, 200000, 2, 0));
    assert_int_equal(look(ix, v).n, 2);
    /* a composite whose whole value fits (9 of the 10 bytes left) but whose
     * parts do not is taken back whole: nothing of it is held */
    assert_int_equal(ERR_TOOBIG, index_add(ix, "filename|sha256", "abc|def", 200001, 3, 0));
    assert_false(index_contains(ix, 200001));
    assert_int_equal(look(ix, "abc|def").n, 0);
    assert_int_equal(index_count(ix), added);
    /* an edit to a value that no longer fits drops the old value */
    assert_int_equal(ERR_TOOBIG, index_add(ix, "sha256", "0123456789abcdef", 4242, 1, 0));
    assert_false(index_contains(ix, 4242));
    assert_int_equal(look(ix, v).n, 1);
    index_free(ix);
}

static void test_full_postings_refuse_the_add_and_keep_serving(void **state)
{
    (void)state;
    struct index *ix = index_new();
    /* blocks of 2, 4, 8, 16, 32 take 62 entries; the next block (64) does not fit */
    index_set_capacity(ix, POOL_CHUNK_BYTES, 64);
    for (int i = 1; i <= 32; i++)
        assert_int_equal(0, index_add(ix, "domain", "evil.example", i, i, 0));
    assert_int_equal(ERR_TOOBIG, index_add(ix, "domain", "evil.example", 33, 33, 0));
    assert_false(index_contains(ix, 33));
    assert_int_equal(index_attributes(ix), 32);
    assert_int_equal(look(ix, "www.evil.example").n, 32);
    /* a new key holds its one posting inline: still taken */
    assert_int_equal(0, index_add(ix, "domain", "other.example", 34, 1, 0));
    assert_int_equal(look(ix, "other.example").n, 1);
    /* room freed under the key is room again */
    index_remove(ix, 1);
    assert_int_equal(0, index_add(ix, "domain", "evil.example", 33, 33, 0));
    struct hits h = look(ix, "evil.example");
    assert_int_equal(h.n, 32);
    assert_int_equal(h.ids[31], 33);
    index_free(ix);
}

#define ORGS (1u << INDEX_OWNER_ORG_NETWORK | 1u << INDEX_OWNER_ORG_DOMAIN)
#define ALL (ORGS | 1u << INDEX_OWNER_ATTRIBUTE)

static void test_other_owners_share_keys_but_not_attribute_look_ups(void **state)
{
    (void)state;
    struct index *ix = index_new();
    struct index_owner net = {INDEX_OWNER_ORG_NETWORK, 7, 70};
    struct index_owner dom = {INDEX_OWNER_ORG_DOMAIN, 7, 71};
    assert_int_equal(0, index_add(ix, "ip-dst", "10.0.0.0/8", 1, 5, 0));
    assert_int_equal(0, index_add(ix, "domain", "evil.example", 2, 5, 0));
    assert_int_equal(0, index_put(ix, &net, "ip-src", "10.1.2.3/8", 0));
    assert_int_equal(0, index_put(ix, &dom, "domain", "evil.example", 0));
    assert_int_equal(index_attributes(ix), 2);
    assert_int_equal(index_owners(ix), 2);
    assert_int_equal(index_count(ix), 2); /* the keys are shared */
    assert_true(index_holds(ix, INDEX_OWNER_ORG_NETWORK, 7));
    assert_false(index_holds(ix, INDEX_OWNER_ORG_NETWORK, 8));
    assert_true(index_holds(ix, INDEX_OWNER_ATTRIBUTE, 1));

    /* attribute look-ups: as if the directory were not there */
    struct hits h = look(ix, "10.9.9.9");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 1);
    assert_int_equal(h.owners[0], INDEX_OWNER_ATTRIBUTE);
    assert_int_equal(h.postings[0], 1);
    h = look(ix, "www.evil.example");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 2);
    assert_int_equal(h.postings[0], 1);
    assert_int_equal(look_exact(ix, "evil.example").n, 1);

    /* owner look-ups: network (masked key), parent domain, each naming its owner */
    h = look_owners(ix, "10.9.9.9", ORGS, false);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.owners[0], INDEX_OWNER_ORG_NETWORK);
    assert_int_equal(h.ids[0], 7);
    assert_int_equal(h.events[0], 70);
    assert_int_equal(h.kinds[0], INDEX_NETWORK);
    assert_string_equal(h.indexed[0], "10.0.0.0/8");
    assert_int_equal(h.postings[0], 1);
    h = look_owners(ix, "WWW.Evil.Example", 1u << INDEX_OWNER_ORG_DOMAIN, false);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.owners[0], INDEX_OWNER_ORG_DOMAIN);
    assert_int_equal(h.ids[0], 7);
    assert_int_equal(h.events[0], 71);
    assert_int_equal(h.kinds[0], INDEX_SUBDOMAIN);
    assert_int_equal(look_owners(ix, "www.evil.example", ORGS, true).n, 0);
    h = look_owners(ix, "evil.example", ALL, true);
    assert_int_equal(h.n, 2); /* in the order added */
    assert_int_equal(h.owners[0], INDEX_OWNER_ATTRIBUTE);
    assert_int_equal(h.owners[1], INDEX_OWNER_ORG_DOMAIN);
    assert_int_equal(h.postings[0], 2);
    assert_int_equal(look_owners(ix, "evil.example", 0, true).n, 0);

    /* the same id under another kind is another owner; a put replaces */
    struct index_owner other = {INDEX_OWNER_ORG_NETWORK, 8, 80};
    assert_int_equal(0, index_put(ix, &other, "ip-src", "10.1.0.0/16", 0));
    assert_int_equal(0, index_put(ix, &net, "ip-src", "192.0.2.0/24", 0));
    assert_int_equal(index_owners(ix), 3);
    h = look_owners(ix, "10.1.9.9", ORGS, false);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 8);
    assert_int_equal(look_owners(ix, "192.0.2.1", ORGS, false).ids[0], 7);

    index_drop(ix, INDEX_OWNER_ORG_NETWORK, 7);
    index_drop(ix, INDEX_OWNER_ORG_NETWORK, 99); /* unknown: ignored */
    assert_false(index_holds(ix, INDEX_OWNER_ORG_NETWORK, 7));
    assert_int_equal(look_owners(ix, "192.0.2.1", ALL, false).n, 0);
    assert_int_equal(look_owners(ix, "10.1.9.9", ORGS, false).n, 1);
    assert_int_equal(index_owners(ix), 2);
    index_drop(ix, INDEX_OWNER_ATTRIBUTE, 1);
    assert_false(index_contains(ix, 1));
    assert_int_equal(look(ix, "10.9.9.9").n, 0);
    index_free(ix);
}

static void test_other_owners_never_correlate(void **state)
{
    (void)state;
    struct index *ix = index_new();
    index_add(ix, "domain", "shared.example", 1, 1, 0);
    index_add(ix, "domain", "shared.example", 2, 2, 0);
    for (int64_t i = 1; i <= 5; i++) {
        struct index_owner o = {INDEX_OWNER_ORG_DOMAIN, i, 100 + i};
        assert_int_equal(0, index_put(ix, &o, "domain", "shared.example", 0));
    }
    struct hits h = correlate(ix, 1, 10);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 2);
    assert_int_equal(h.postings[0], 2); /* attributes only */
    /* the over-max check counts attributes' events only: 2 events, not 7 */
    h = correlate(ix, 1, 1);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 0);
    assert_int_equal(h.postings[0], 2);
    h = correlate(ix, 1, 2);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 2);
    index_free(ix);
}

static void test_put_checks_its_owner(void **state)
{
    (void)state;
    struct index *ix = index_new();
    struct index_owner attr = {INDEX_OWNER_ATTRIBUTE, 3, 4};
    struct index_owner bad_attr = {INDEX_OWNER_ATTRIBUTE, 0, 4};
    struct index_owner bad_kind = {INDEX_OWNER_KINDS, 1, 1};
    struct index_owner big = {INDEX_OWNER_ORG_DOMAIN, INT64_MAX, INT64_MIN};
    assert_int_equal(0, index_put(ix, &attr, "domain", "a.example", 0));
    assert_int_equal(ERR_INVAL, index_put(ix, &bad_attr, "domain", "a.example", 0));
    assert_int_equal(ERR_INVAL, index_put(ix, &bad_kind, "domain", "a.example", 0));
    assert_int_equal(0, index_put(ix, &big, "domain", "a.example", 0));
    struct hits h = look(ix, "a.example");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], 3);
    assert_int_equal(h.events[0], 4);
    h = look_owners(ix, "a.example", ORGS, true);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.ids[0], INT64_MAX);
    assert_int_equal(h.events[0], INT64_MIN);
    /* many owners: the map grows, records are reused after a drop */
    for (int64_t i = 1; i <= 3000; i++) {
        struct index_owner o = {INDEX_OWNER_ORG_NETWORK, i, i};
        char v[32];
        snprintf(v, sizeof(v), "10.%d.%d.0/24", (int)(i >> 8), (int)(i & 255));
        assert_int_equal(0, index_put(ix, &o, "ip-src", v, 0));
        if (i % 3 == 0)
            index_drop(ix, INDEX_OWNER_ORG_NETWORK, i - 1);
    }
    assert_int_equal(index_owners(ix), 1 + 3000 - 1000);
    for (int64_t i = 1; i <= 3000; i++) {
        char q[32];
        snprintf(q, sizeof(q), "10.%d.%d.9", (int)(i >> 8), (int)(i & 255));
        h = look_owners(ix, q, ORGS, false);
        assert_int_equal(h.n, i % 3 == 2 ? 0 : 1);
        if (h.n)
            assert_int_equal(h.ids[0], i);
    }
    index_free(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_matches_normalise_the_query),
        cmocka_unit_test(test_ip_queries_take_inet_ntop_form),
        cmocka_unit_test(test_ip_matches_every_covering_network_longest_first),
        cmocka_unit_test(test_networks_are_keyed_by_their_masked_prefix),
        cmocka_unit_test(test_host_names_match_stored_parent_domains_only),
        cmocka_unit_test(test_composites_are_indexed_under_each_part),
        cmocka_unit_test(test_remove_by_id_and_re_add),
        cmocka_unit_test(test_re_add_is_an_edit),
        cmocka_unit_test(test_ids_outside_the_width_are_refused),
        cmocka_unit_test(test_correlate_reports_other_events_only),
        cmocka_unit_test(test_correlate_over_max_events_reports_the_key_once),
        cmocka_unit_test(test_batch_reports_what_single_look_ups_do),
        cmocka_unit_test(test_network_accelerator_matches_brute_force),
        cmocka_unit_test(test_growth_keeps_every_value),
        cmocka_unit_test(test_full_key_pool_refuses_the_add_and_keeps_serving),
        cmocka_unit_test(test_full_postings_refuse_the_add_and_keep_serving),
        cmocka_unit_test(test_other_owners_share_keys_but_not_attribute_look_ups),
        cmocka_unit_test(test_other_owners_never_correlate),
        cmocka_unit_test(test_put_checks_its_owner),
    };
    return cmocka_run_group_tests_name("index", tests, NULL, NULL);
}
