/*
 * test_observable.c - the observable normaliser (codec/observable.h), kind by
 * kind: IPv4, IPv6, prefix lengths in each caller's syntax, addresses and
 * networks (masked and as given), DNS names, IDNA, domains, URL hosts, e-mail
 * domains, hex digests, UTF-8.  Outputs are compared byte for byte; hostile
 * inputs (NUL bytes, overlong UTF-8, oversized names and prefixes) included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/observable.h"

#include <stdbool.h>
#include <string.h>

#include "util/banned.h"

/* ---- helpers ---- */

static enum observable_err ip(const char *s, enum observable_prefix_syntax syn, bool masked,
                              char out[OBSERVABLE_IP_TEXT_MAX + 1])
{
    struct observable_ip a;
    out[0] = '\0';
    enum observable_err e = observable_ip_parse(s, strlen(s), syn, &a);
    if (e == OBSERVABLE_OK) {
        size_t n = observable_ip_format(&a, masked, out);
        assert_int_equal(n, strlen(out));
    }
    return e;
}

static const char *ip_text(const char *s, bool masked)
{
    static char out[OBSERVABLE_IP_TEXT_MAX + 1];
    assert_int_equal(ip(s, OBSERVABLE_PREFIX_DIGITS, masked, out), OBSERVABLE_OK);
    return out;
}

static enum observable_err dns(const char *s)
{
    return observable_dns_check(s, strlen(s), 0, NULL);
}

static enum observable_err domain(const char *s, char out[300])
{
    size_t len = 99;
    uint32_t cp = 0;
    enum observable_err e = observable_domain(s, strlen(s), out, &len, &cp);
    if (e == OBSERVABLE_OK)
        assert_int_equal(len, strlen(out));
    else
        assert_int_equal(len, 0);
    return e;
}

static const char *domain_text(const char *s)
{
    static char out[300];
    assert_int_equal(domain(s, out), OBSERVABLE_OK);
    return out;
}

static bool prefix(const char *s, unsigned max, enum observable_prefix_syntax syn, unsigned *len)
{
    return observable_prefix_parse(s, strlen(s), max, syn, len);
}

/* ---- IPv4 and IPv6 ---- */

static void test_ipv4_is_strict_dotted_quad(void **state)
{
    (void)state;
    uint32_t a = 0;
    bool zero = false;
    char out[16];
    assert_true(observable_ipv4_parse("192.0.2.1", 9, &a, &zero));
    assert_int_equal(a, 0xc0000201);
    assert_int_equal(observable_ipv4_format(a, out), 9);
    assert_string_equal(out, "192.0.2.1");
    assert_int_equal(observable_ipv4_format(0, out), 7);
    assert_string_equal(out, "0.0.0.0");
    assert_int_equal(observable_ipv4_format(UINT32_MAX, out), 15);
    assert_string_equal(out, "255.255.255.255");
    assert_false(observable_ipv4_parse("010.0.0.1", 9, &a, &zero));
    assert_true(zero);
    zero = false;
    static const char *const bad[] = {"256.0.0.1", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1.2.3.4 ",
                                      "1.2.3.-4", "1..2.3", "1.2.3.1000", "", "a.b.c.d"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(observable_ipv4_parse(bad[i], strlen(bad[i]), &a, &zero));
    assert_false(zero);
    assert_false(observable_ipv4_parse("1.2.3.4\0", 8, &a, NULL)); /* a NUL is no digit */
    assert_true(observable_ipv4_parse("1.2.3.4\0", 7, &a, NULL));  /* the view ends before */
}

static void test_ipv6_takes_inet_pton_forms_and_writes_rfc5952(void **state)
{
    (void)state;
    unsigned char a[16];
    char out[46];
    assert_true(observable_ipv6_parse("2001:DB8:0:0:0:0:0:1", 20, a));
    assert_int_equal(observable_ipv6_format(a, out), 11);
    assert_string_equal(out, "2001:db8::1");
    assert_true(observable_ipv6_parse("::ffff:192.0.2.1", 16, a));
    observable_ipv6_format(a, out);
    assert_string_equal(out, "::ffff:192.0.2.1");
    assert_true(observable_ipv6_parse("0:0:1:0:0:0:0:0", 15, a));
    observable_ipv6_format(a, out);
    assert_string_equal(out, "0:0:1::"); /* the longest zero run */
    assert_true(observable_ipv6_parse("::", 2, a));
    static const char *const bad[] = {"fe80::1%eth0", "1:2", ":::", "2001:db8::g", "[::1]",
                                      "::1 ", "", "1.2.3.4", "2001:db8:0:0:0:0:0:0:1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(observable_ipv6_parse(bad[i], strlen(bad[i]), a));
    assert_false(observable_ipv6_parse("::1\0zz", 6, a)); /* inet_pton never sees "::1" */
    char long46[47];
    memset(long46, '0', 46);
    memcpy(long46, "::", 2);
    long46[46] = '\0';
    assert_false(observable_ipv6_parse(long46, 46, a));
    /* the longest text inet_pton takes: 45 bytes */
    const char *max = "0000:0000:0000:0000:0000:ffff:255.255.255.255";
    assert_int_equal(strlen(max), OBSERVABLE_IPV6_TEXT_MAX);
    assert_true(observable_ipv6_parse(max, strlen(max), a));
}

/* ---- prefixes, addresses and networks ---- */

static void test_prefix_syntax_is_each_callers(void **state)
{
    (void)state;
    unsigned len = 99;
    assert_true(prefix("8", 32, OBSERVABLE_PREFIX_CANON, &len));
    assert_int_equal(len, 8);
    assert_true(prefix("0", 32, OBSERVABLE_PREFIX_CANON, &len));
    assert_int_equal(len, 0);
    assert_true(prefix("128", 128, OBSERVABLE_PREFIX_CANON, &len));
    assert_false(prefix("129", 128, OBSERVABLE_PREFIX_DIGITS, &len));
    assert_false(prefix("33", 32, OBSERVABLE_PREFIX_SHORT, &len));
    /* leading zeros: types.c and index.c take them, extract.c does not */
    assert_false(prefix("08", 32, OBSERVABLE_PREFIX_CANON, &len));
    assert_true(prefix("08", 32, OBSERVABLE_PREFIX_SHORT, &len));
    assert_int_equal(len, 8);
    assert_true(prefix("008", 32, OBSERVABLE_PREFIX_SHORT, &len));
    /* four digits and more: types.c only */
    assert_false(prefix("0008", 32, OBSERVABLE_PREFIX_SHORT, &len));
    len = 99;
    assert_true(prefix("0008", 32, OBSERVABLE_PREFIX_DIGITS, &len));
    assert_int_equal(len, 8);
    assert_true(prefix("00000000000000000000000000000032", 32, OBSERVABLE_PREFIX_DIGITS, &len));
    assert_int_equal(len, 32);
    /* no overflow on a long run */
    assert_false(prefix("99999999999999999999999999999999", 128, OBSERVABLE_PREFIX_DIGITS, &len));
    assert_false(prefix("4294967304", 32, OBSERVABLE_PREFIX_DIGITS, &len)); /* 2^32 + 8 */
    static const char *const bad[] = {"", "+8", "-1", "8 ", " 8", "8a", "0x8"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        for (int syn = OBSERVABLE_PREFIX_DIGITS; syn <= OBSERVABLE_PREFIX_CANON; syn++)
            assert_false(prefix(bad[i], 32, (enum observable_prefix_syntax)syn, &len));
    assert_false(observable_prefix_parse("8\0", 2, 32, OBSERVABLE_PREFIX_DIGITS, &len));
}

static void test_addresses_and_networks(void **state)
{
    (void)state;
    char out[OBSERVABLE_IP_TEXT_MAX + 1];
    /* types.c keeps host bits, index.c masks them; a full prefix is one host */
    assert_string_equal(ip_text("10.1.2.3/8", false), "10.1.2.3/8");
    assert_string_equal(ip_text("10.1.2.3/8", true), "10.0.0.0/8");
    assert_string_equal(ip_text("10.1.2.3/0", true), "0.0.0.0/0");
    assert_string_equal(ip_text("192.0.2.1/32", true), "192.0.2.1");
    assert_string_equal(ip_text("192.0.2.1", true), "192.0.2.1");
    assert_string_equal(ip_text("2001:DB8::1/64", false), "2001:db8::1/64");
    assert_string_equal(ip_text("2001:DB8::1/64", true), "2001:db8::/64");
    assert_string_equal(ip_text("2001:db8:ffff::1/36", true), "2001:db8:f000::/36");
    assert_string_equal(ip_text("2001:db8::1/128", true), "2001:db8::1");
    assert_string_equal(ip_text("::/0", true), "::/0");
    assert_string_equal(ip_text("10.0.0.0/0008", true), "10.0.0.0/8");
    const char *longest = "0000:0000:0000:0000:0000:ffff:255.255.255.255/127";
    assert_string_equal(ip_text(longest, false), "::ffff:255.255.255.255/127");

    struct observable_ip a;
    assert_int_equal(observable_ip_parse("1.2.3.4/33", 10, OBSERVABLE_PREFIX_DIGITS, &a),
                     OBSERVABLE_PREFIX);
    assert_int_equal(a.family, 4);
    assert_int_equal(observable_ip_parse("::1/129", 7, OBSERVABLE_PREFIX_DIGITS, &a),
                     OBSERVABLE_PREFIX);
    assert_int_equal(a.family, 6);
    assert_int_equal(ip("1.2.3.4/8/9", OBSERVABLE_PREFIX_DIGITS, true, out), OBSERVABLE_PREFIX);
    assert_int_equal(ip("1.2.3.4/", OBSERVABLE_PREFIX_DIGITS, true, out), OBSERVABLE_PREFIX);
    assert_int_equal(ip("10.0.0.0/08", OBSERVABLE_PREFIX_CANON, true, out), OBSERVABLE_PREFIX);
    assert_int_equal(ip("x/8", OBSERVABLE_PREFIX_DIGITS, true, out), OBSERVABLE_IPV4);
    assert_int_equal(ip("/8", OBSERVABLE_PREFIX_DIGITS, true, out), OBSERVABLE_IPV4);
    assert_int_equal(ip("", OBSERVABLE_PREFIX_DIGITS, true, out), OBSERVABLE_IPV4);
    assert_int_equal(ip("01.2.3.4", OBSERVABLE_PREFIX_DIGITS, true, out),
                     OBSERVABLE_IPV4_LEADING_ZERO);
    assert_int_equal(ip("zz::1/8", OBSERVABLE_PREFIX_DIGITS, true, out), OBSERVABLE_IPV6);
    assert_int_equal(ip("1.2.3.4:80", OBSERVABLE_PREFIX_DIGITS, true, out), OBSERVABLE_IPV6);
    /* an address alone: a prefix is not part of it */
    assert_int_equal(observable_addr_parse("1.2.3.4/8", 9, &a), OBSERVABLE_IPV4);
    assert_int_equal(observable_addr_parse("::1", 3, &a), OBSERVABLE_OK);
    assert_int_equal(a.family, 6);
    assert_int_equal(a.prefix, 128);
    assert_false(a.has_prefix);
}

/* ---- DNS names, IDNA, domains ---- */

static void test_dns_check_reports_the_first_fault(void **state)
{
    (void)state;
    struct observable_dns info;
    assert_int_equal(dns("example.com"), OBSERVABLE_OK);
    assert_int_equal(dns("a-b_c.Example.COM"), OBSERVABLE_OK); /* case is the caller's */
    assert_int_equal(dns("x.c0"), OBSERVABLE_OK);
    assert_int_equal(dns("com"), OBSERVABLE_DNS_ONE_LABEL);
    assert_int_equal(dns("example.c"), OBSERVABLE_DNS_TLD);
    assert_int_equal(dns("example.c_m"), OBSERVABLE_DNS_TLD);
    assert_int_equal(dns("a..example"), OBSERVABLE_DNS_EMPTY_LABEL);
    assert_int_equal(dns("example.com."), OBSERVABLE_DNS_EMPTY_LABEL);
    assert_int_equal(dns(""), OBSERVABLE_DNS_EMPTY_LABEL);
    assert_int_equal(dns("ex ample.com"), OBSERVABLE_DNS_BAD_CHAR);
    assert_int_equal(dns("b\xc3\xbc"
                         "cher.de"),
                     OBSERVABLE_DNS_BAD_CHAR);
    assert_int_equal(observable_dns_check("b\xc3\xbc"
                                          "cher.de",
                                          10, OBSERVABLE_DNS_UTF8, NULL),
                     OBSERVABLE_OK);
    assert_int_equal(observable_dns_check("a\0b.com", 7, 0, NULL), OBSERVABLE_DNS_BAD_CHAR);
    char name[300];
    memset(name, 'a', 64);
    memcpy(name + 64, ".com", 5);
    assert_int_equal(dns(name), OBSERVABLE_DNS_LABEL_TOO_LONG);
    for (int i = 0; i < 254; i += 2)
        memcpy(name + i, "a.", 2);
    memcpy(name + 252, "aa", 3); /* 254 bytes */
    assert_int_equal(dns(name), OBSERVABLE_DNS_TOO_LONG);
    name[253] = '\0'; /* 253, the last label "aaa" */
    name[251] = 'a';
    assert_int_equal(dns(name), OBSERVABLE_OK);

    const char *h = "d41d8cd98f00b204e9800998ecf8427e.evil.example";
    assert_int_equal(observable_dns_check(h, strlen(h), 0, &info), OBSERVABLE_OK);
    assert_true(info.hash_label);
    assert_true(info.tld_alpha);
    assert_int_equal(info.tld, strlen(h) - 7);
    assert_int_equal(observable_dns_check("a.b.c0", 6, 0, &info), OBSERVABLE_OK);
    assert_false(info.hash_label);
    assert_false(info.tld_alpha);
    assert_int_equal(info.tld, 4);
}

static void test_idna_gives_xn_forms_and_refuses_what_it_cannot_map(void **state)
{
    (void)state;
    char out[OBSERVABLE_DNS_NAME_MAX + 1];
    size_t len = 0;
    uint32_t cp = 0;
    const char *in = "b\xc3\xbc"
                     "cher.de";
    assert_int_equal(observable_idna_to_ascii(in, strlen(in), out, &len, &cp), OBSERVABLE_OK);
    assert_string_equal(out, "xn--bcher-kva.de");
    assert_int_equal(len, 16);
    in = "M\xc3\x9cNCHEN.DE"; /* every letter is mapped to lower case */
    assert_int_equal(observable_idna_to_ascii(in, strlen(in), out, &len, &cp), OBSERVABLE_OK);
    assert_string_equal(out, "xn--mnchen-3ya.de");
    in = "stra\xc3\x9f"
         "e.de"; /* sharp s: transitional mapping */
    assert_int_equal(observable_idna_to_ascii(in, strlen(in), out, &len, &cp), OBSERVABLE_OK);
    assert_string_equal(out, "strasse.de");
    in = "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84"; /* пример.рф */
    assert_int_equal(observable_idna_to_ascii(in, strlen(in), out, &len, &cp), OBSERVABLE_OK);
    assert_string_equal(out, "xn--e1afmkfd.xn--p1ai");
    in = "a\xe2\x98\x83.com"; /* U+2603 SNOWMAN */
    assert_int_equal(observable_idna_to_ascii(in, strlen(in), out, &len, &cp),
                     OBSERVABLE_DNS_CODE_POINT);
    assert_int_equal(cp, 0x2603);
    static const char *const not_utf8[] = {"\xff.com", "\xc0\x80.com", "\xed\xa0\x80.com",
                                           "\xf4\x90\x80\x80.com", "\xc3"};
    for (size_t i = 0; i < sizeof(not_utf8) / sizeof(not_utf8[0]); i++)
        assert_int_equal(
            observable_idna_to_ascii(not_utf8[i], strlen(not_utf8[i]), out, &len, &cp),
            OBSERVABLE_DNS_NOT_UTF8);
    assert_int_equal(observable_idna_to_ascii("\xc3\xbc\0", 3, out, &len, &cp),
                     OBSERVABLE_DNS_NOT_UTF8);
    /* 64 e-acutes are too many for a label; so is the Punycode of 50 Greek and
     * Cyrillic letters (45 take 61 bytes with "xn--", 50 more than 63) */
    char big[600];
    size_t n = 0;
    for (int i = 0; i < 64; i++, n += 2)
        memcpy(big + n, "\xc3\xa9", 2);
    memcpy(big + n, ".com", 4);
    n += 4;
    assert_int_equal(observable_idna_to_ascii(big, n, out, &len, &cp),
                     OBSERVABLE_DNS_LABEL_TOO_LONG);
    n = 0;
    for (int i = 0; i < 50; i++, n += 2) {
        big[n] = (char)(i % 2 ? 0xd0 : 0xce);
        big[n + 1] = (char)(0xb1 + (i / 2) % 15);
    }
    memcpy(big + n, ".com", 4);
    n += 4;
    assert_int_equal(observable_idna_to_ascii(big, n, out, &len, &cp),
                     OBSERVABLE_DNS_LABEL_TOO_LONG);
    /* 150 labels "xn--9ca." make a name longer than 253 */
    n = 0;
    for (int i = 0; i < 150; i++, n += 3)
        memcpy(big + n, "\xc3\xa9.", 3);
    memcpy(big + n, "com", 3);
    n += 3;
    assert_int_equal(observable_idna_to_ascii(big, n, out, &len, &cp), OBSERVABLE_DNS_TOO_LONG);
}

static void test_domain_is_lower_case_without_surrounding_dots(void **state)
{
    (void)state;
    char out[300];
    assert_string_equal(domain_text("..Example.COM.."), "example.com");
    assert_string_equal(domain_text("WWW.Evil_Host.example"), "www.evil_host.example");
    assert_string_equal(domain_text("B\xc3\x9c"
                                    "CHER.DE."),
                        "xn--bcher-kva.de");
    assert_int_equal(domain("...", out), OBSERVABLE_DNS_EMPTY);
    assert_int_equal(domain("", out), OBSERVABLE_DNS_EMPTY);
    assert_int_equal(domain("localhost", out), OBSERVABLE_DNS_ONE_LABEL);
    assert_int_equal(domain("a..b.com", out), OBSERVABLE_DNS_EMPTY_LABEL);
    assert_int_equal(domain("evil.example/x", out), OBSERVABLE_DNS_BAD_CHAR);
    assert_int_equal(domain("a\xe2\x98\x83.com", out), OBSERVABLE_DNS_CODE_POINT);
    /* in place */
    char v[] = ".Mixed.Case.ORG.";
    size_t len = 0;
    uint32_t cp = 0;
    assert_int_equal(observable_domain(v, strlen(v), v, &len, &cp), OBSERVABLE_OK);
    assert_string_equal(v, "mixed.case.org");
    assert_int_equal(len, 14);
    /* a long ASCII value: refused, the output buffer (n + 1) is enough */
    char big[1001];
    memset(big, 'a', 1000);
    big[1000] = '\0';
    big[500] = '.';
    char big_out[1001];
    assert_int_equal(observable_domain(big, 1000, big_out, &len, &cp), OBSERVABLE_DNS_TOO_LONG);
}

/* ---- URLs, e-mail, hashes, text ---- */

static void test_url_host_is_lower_cased_and_nothing_else(void **state)
{
    (void)state;
    char u[] = "User:Pass@Host.EXAMPLE:8080/Path?Q=A#F";
    assert_int_equal(observable_url_host_lower(u, strlen(u)), 27);
    assert_string_equal(u, "User:Pass@host.example:8080/Path?Q=A#F");
    char v6[] = "[2001:DB8::A]:80?X=Y";
    assert_int_equal(observable_url_host_lower(v6, strlen(v6)), 16);
    assert_string_equal(v6, "[2001:db8::a]:80?X=Y");
    char two[] = "a@B@C.Example#Frag";
    observable_url_host_lower(two, strlen(two));
    assert_string_equal(two, "a@B@c.example#Frag"); /* the last '@' ends the userinfo */
    char none[] = "/Path";
    assert_int_equal(observable_url_host_lower(none, strlen(none)), 0);
    assert_string_equal(none, "/Path");
    char nul[] = "AB\0CD/E";
    assert_int_equal(observable_url_host_lower(nul, 7), 5);
    assert_memory_equal(nul, "ab\0cd/E", 7);
}

static void test_email_domain_takes_names_and_address_literals(void **state)
{
    (void)state;
    static const char *const ok[] = {"example.com", "mail.example.c", "a.b_c",
                                     "b\xc3\xbc"
                                     "cher.de",
                                     "[192.0.2.1]", "[IPv6:2001:db8::1]", "[ipv6:::1]"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        assert_true(observable_email_domain(ok[i], strlen(ok[i])));
    static const char *const bad[] = {"",
                                      "localhost",
                                      "a..b",
                                      ".example.com",
                                      "ex ample.com",
                                      "[2001:db8::1]",
                                      "[IPv6:192.0.2.1]",
                                      "[192.0.2.1",
                                      "[]",
                                      "[IPv6:]",
                                      "[010.0.0.1]"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(observable_email_domain(bad[i], strlen(bad[i])));
}

static void test_hashes_by_length(void **state)
{
    (void)state;
    static const size_t lens[] = {32, 40, 56, 64, 96, 128};
    char hex[129];
    memset(hex, 'A', sizeof(hex));
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        assert_int_equal(observable_hash_of_len(lens[i]), OBSERVABLE_MD5 + (int)i);
        assert_int_equal(observable_hash_kind(hex, lens[i]), OBSERVABLE_MD5 + (int)i);
    }
    assert_int_equal(observable_hash_of_len(62), OBSERVABLE_HASH_NONE); /* jarm: types.c's */
    assert_int_equal(observable_hash_kind(hex, 33), OBSERVABLE_HASH_NONE);
    hex[5] = 'g';
    assert_int_equal(observable_hash_kind(hex, 32), OBSERVABLE_HASH_NONE);
    hex[5] = '\0';
    assert_int_equal(observable_hash_kind(hex, 32), OBSERVABLE_HASH_NONE);
    char d[] = "D41D8CD98F00B204E9800998ECF8427E";
    assert_true(observable_hex_digest(d, 32, 32));
    assert_string_equal(d, "d41d8cd98f00b204e9800998ecf8427e");
    assert_false(observable_hex_digest(d, 32, 40));
    char z[] = "XYZ";
    assert_false(observable_hex_digest(z, 3, 3));
    assert_string_equal(z, "xyz");
    assert_false(observable_hex("", 0));
}

static void test_text_helpers(void **state)
{
    (void)state;
    char s[] = "MiXeD-09_\xc3\x89";
    observable_lower(s, s, strlen(s));
    assert_string_equal(s, "mixed-09_\xc3\x89"); /* ASCII only */
    uint32_t cp = 0;
    assert_int_equal(observable_utf8_seq((const unsigned char *)"\xc3\xa9", 2, &cp), 2);
    assert_int_equal(cp, 0xe9);
    assert_int_equal(observable_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1f600);
    assert_int_equal(observable_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 3, &cp), 0);
    assert_int_equal(observable_utf8_seq((const unsigned char *)"\xe0\x80\x80", 3, &cp), 0);
    assert_int_equal(observable_utf8_seq((const unsigned char *)"\x80", 1, &cp), 0);
    assert_int_equal(observable_utf8_seq((const unsigned char *)"\xf5\x80\x80\x80", 4, &cp), 0);
    assert_int_equal(observable_utf8_seq((const unsigned char *)"\0", 1, &cp), 1);
    assert_int_equal(cp, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_is_strict_dotted_quad),
        cmocka_unit_test(test_ipv6_takes_inet_pton_forms_and_writes_rfc5952),
        cmocka_unit_test(test_prefix_syntax_is_each_callers),
        cmocka_unit_test(test_addresses_and_networks),
        cmocka_unit_test(test_dns_check_reports_the_first_fault),
        cmocka_unit_test(test_idna_gives_xn_forms_and_refuses_what_it_cannot_map),
        cmocka_unit_test(test_domain_is_lower_case_without_surrounding_dots),
        cmocka_unit_test(test_url_host_is_lower_cased_and_nothing_else),
        cmocka_unit_test(test_email_domain_takes_names_and_address_literals),
        cmocka_unit_test(test_hashes_by_length),
        cmocka_unit_test(test_text_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
