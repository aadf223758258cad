/*
 * test_extract.c - observable extraction and line classification (codec/extract.h).
 *
 * Extraction results are compared as one string "kind:value kind:value ..."
 * so that a failure shows everything found.  Every input is copied into a
 * heap buffer of exactly its length first, so ASan catches a read past the
 * end (the scanner must not rely on a NUL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/extract.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

/* ---- helpers ---- */

struct found {
    char joined[16384]; /* "kind:value kind:value" */
    size_t count;
    size_t stop_after; /* 0: never stop */
    size_t offset[64];
    size_t raw_len[64];
    const char *input;
    size_t input_len;
};

static int collect(void *ctx, const struct observable *o)
{
    struct found *f = ctx;
    size_t used = strlen(f->joined);
    assert_true(o->kind != OBS_INVALID && o->kind != OBS_OTHER);
    assert_int_equal(strlen(o->text), o->len);
    assert_true(o->len <= OBS_VALUE_MAX);
    assert_true(o->offset + o->raw_len <= f->input_len);
    assert_true(o->raw_len >= o->len);
    if (f->count < 64) {
        f->offset[f->count] = o->offset;
        f->raw_len[f->count] = o->raw_len;
    }
    snprintf(f->joined + used, sizeof f->joined - used, "%s%s:%s", used ? " " : "",
             obs_kind_name(o->kind), o->text);
    f->count++;
    return f->stop_after != 0 && f->count >= f->stop_after;
}

/* Extracts from s (copied to an exact-size buffer) into f; returns f->joined. */
static const char *extract_into(struct found *f, const char *s, size_t len)
{
    char *copy = malloc(len ? len : 1);
    memcpy(copy, s, len);
    size_t stop_after = f->stop_after;
    memset(f, 0, sizeof *f);
    f->stop_after = stop_after;
    f->input = copy;
    f->input_len = len;
    size_t n = obs_extract(copy, len, collect, f);
    assert_int_equal(n, f->count);
    free(copy);
    f->input = NULL;
    return f->joined;
}

static const char *extract(const char *s)
{
    static struct found f;
    f.stop_after = 0;
    return extract_into(&f, s, strlen(s));
}

#define assert_extracts(input, expected) assert_string_equal(extract(input), expected)

/* Classifies s (exact-size copy); returns the kind, value in out. */
static enum obs_kind classify(const char *s, char *out, size_t cap)
{
    size_t len = strlen(s), n = 12345;
    char *copy = malloc(len ? len : 1);
    memcpy(copy, s, len);
    enum obs_kind k = obs_classify(copy, len, out, cap, &n);
    free(copy);
    if (cap > 0)
        assert_int_equal(strlen(out), n);
    if (k == OBS_INVALID)
        assert_int_equal(n, 0);
    return k;
}

static void assert_classifies(const char *s, enum obs_kind kind, const char *value)
{
    char out[OBS_VALUE_MAX + 1];
    enum obs_kind k = classify(s, out, sizeof out);
    if (k != kind)
        fail_msg("classify \"%s\": %s, expected %s", s, obs_kind_name(k), obs_kind_name(kind));
    assert_string_equal(out, value);
}

/* ---- obs_extract ---- */

static void test_extract_every_kind(void **state)
{
    (void)state;
    assert_extracts("1.2.3.4", "ip:1.2.3.4");
    assert_extracts("2001:DB8::1", "ipv6:2001:db8::1");
    assert_extracts("10.0.0.0/8 2001:db8::/32", "cidr:10.0.0.0/8 cidr:2001:db8::/32");
    assert_extracts("Evil.Example.COM", "domain:evil.example.com");
    assert_extracts("https://Evil.Example/Path?Q=1#F", "url:https://evil.example/Path?Q=1#F");
    assert_extracts("ftp://files.example/x", "url:ftp://files.example/x");
    assert_extracts("Alice.Smith+tag@Example.ORG", "email:alice.smith+tag@example.org");
    assert_extracts("D41D8CD98F00B204E9800998ECF8427E", "md5:d41d8cd98f00b204e9800998ecf8427e");
    assert_extracts("da39a3ee5e6b4b0d3255bfef95601890afd80709",
                    "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709");
    assert_extracts("d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f",
                    "sha224:d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f");
    assert_extracts("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_extracts("38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65f"
                    "bd51ad2f14898b95b",
                    "sha384:38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebf"
                    "e76f65fbd51ad2f14898b95b");
    assert_extracts("cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0"
                    "ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
                    "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c"
                    "5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
}

static void test_extract_defanged_forms(void **state)
{
    (void)state;
    assert_extracts("hxxp://evil[.]example/a", "url:http://evil.example/a");
    assert_extracts("HXXPS[:]//evil(.)example", "url:https://evil.example");
    assert_extracts("hxxps[://]evil{.}example/x", "url:https://evil.example/x");
    assert_extracts("evil[dot]example[.]com", "domain:evil.example.com");
    assert_extracts("evil(DOT)example", "domain:evil.example");
    assert_extracts("1[.]2[.]3[.]4 5.6.7(.)8", "ip:1.2.3.4 ip:5.6.7.8");
    assert_extracts("bob[@]evil.example carol[AT]evil[.]example dan(at)x.example",
                    "email:bob@evil.example email:carol@evil.example email:dan@x.example");
    /* JSON-escaped slashes (PHP/MISP output). */
    assert_extracts("{\"u\":\"http:\\/\\/evil.example\\/a\\/b\"}", "url:http://evil.example/a/b");
    /* Nested forms are refanged until none is left, so a cleaned value
     * classifies to itself (fuzz finding: "evi[[:]]om" gave "evi[:]om"). */
    assert_extracts("hxxp://evi[[:]]om/", "url:http://evi:om/");
    assert_extracts("x[[.]]example [[[.]]]y.example", "domain:x.example domain:y.example");
    assert_extracts("http://[[@]][:]//x.example/", "domain:x.example");
    /* Not refanged: spelled out with spaces. */
    assert_extracts("evil dot example", "");
}

static void test_extract_boundaries(void **state)
{
    (void)state;
    /* Start and end of input, and sentence punctuation. */
    assert_extracts("1.2.3.4.", "ip:1.2.3.4");
    assert_extracts("Visit evil.example.", "domain:evil.example");
    assert_extracts("(evil.example), [1.2.3.4]; {5.6.7.8}!", "domain:evil.example ip:1.2.3.4 ip:5.6.7.8");
    /* Quotes and angle brackets end a URL. */
    assert_extracts("\"http://a.example/x\"", "url:http://a.example/x");
    assert_extracts("'http://a.example/x'", "url:http://a.example/x");
    assert_extracts("<http://a.example/x>", "url:http://a.example/x");
    assert_extracts("`http://a.example/x`", "url:http://a.example/x");
    /* Trailing punctuation and unbalanced closing brackets are trimmed. */
    assert_extracts("see http://a.example/x.", "url:http://a.example/x");
    assert_extracts("(see http://a.example/x)", "url:http://a.example/x");
    assert_extracts("[http://a.example/x?y=1]:", "url:http://a.example/x?y=1");
    assert_extracts("(http://en.example/wiki/A_(b)).", "url:http://en.example/wiki/A_(b)");
    /* Markdown link, key=value, port. */
    assert_extracts("[x](https://a.example/p)", "url:https://a.example/p");
    assert_extracts("src=1.2.3.4:52211 dst=evil.example:443",
                    "ip:1.2.3.4 domain:evil.example");
    /* A scheme glued to a word is not a URL start; the host is still a domain. */
    assert_extracts("xhttp://a.example", "domain:a.example");
    /* No host: not a URL. */
    assert_extracts("http:// http:///x", "");
    /* JSON escapes do not glue to the next word. */
    assert_extracts("\"a\\nhttp://b.example\\t1.2.3.4\"", "url:http://b.example ip:1.2.3.4");
}

static void test_extract_nginx_access_log_line(void **state)
{
    (void)state;
    assert_extracts(
        "203.0.113.9 - - [10/Oct/2023:13:55:36 +0000] \"GET /wp-login.php?u=admin HTTP/1.1\" 200 612 "
        "\"http://evil.example/ref?a=1&b=2\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\"",
        "ip:203.0.113.9 domain:wp-login.php url:http://evil.example/ref?a=1&b=2");
}

static void test_extract_syslog_sshd_line(void **state)
{
    (void)state;
    assert_extracts("Oct 10 13:55:36 bastion sshd[1234]: Failed password for invalid user admin "
                    "from 198.51.100.7 port 52211 ssh2",
                    "ip:198.51.100.7");
    assert_extracts("Oct 10 13:55:37 bastion sshd[1234]: Accepted publickey for root from "
                    "2001:db8:0:1::15 port 40022 ssh2: RSA SHA256:AbCdEf",
                    "ipv6:2001:db8:0:1::15");
}

static void test_extract_suricata_eve_line(void **state)
{
    (void)state;
    assert_extracts(
        "{\"timestamp\":\"2023-10-10T13:55:36.123456+0000\",\"flow_id\":1234567,\"event_type\":"
        "\"alert\",\"src_ip\":\"198.51.100.7\",\"src_port\":52211,\"dest_ip\":\"2001:db8::1\","
        "\"dest_port\":80,\"proto\":\"TCP\",\"http\":{\"hostname\":\"evil.example\",\"url\":"
        "\"/gate.php\",\"http_user_agent\":\"curl/7.88.1\"},\"fileinfo\":{\"sha256\":"
        "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"},\"alert\":"
        "{\"signature\":\"ET MALWARE Test\"}}",
        "ip:198.51.100.7 ipv6:2001:db8::1 domain:evil.example domain:gate.php "
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_extract_email_headers(void **state)
{
    (void)state;
    assert_extracts("Received: from mail.evil.example (mail.evil.example [192.0.2.5])\r\n"
                    "\tby mx.example.org (Postfix) with ESMTPS id 4F3A2;\r\n"
                    "\tTue, 10 Oct 2023 13:55:36 +0200 (CEST)",
                    "domain:mail.evil.example domain:mail.evil.example ip:192.0.2.5 "
                    "domain:mx.example.org");
    assert_extracts("From: \"Bad Guy\" <Bad.Guy@Evil.Example>\r\nReply-To: x@y.example\r\n"
                    "Return-Path: <bounce+123@mailer.example>",
                    "email:bad.guy@evil.example email:x@y.example email:bounce+123@mailer.example");
    assert_extracts("mailto:abuse@isp.example", "email:abuse@isp.example");
}

static void test_extract_csv_row(void **state)
{
    (void)state;
    assert_extracts("2023-10-10,198.51.100.7,evil.example,http://evil.example/a?b=c,"
                    "D41D8CD98F00B204E9800998ECF8427E,10.0.0.0/8,x@evil.example\r\n",
                    "ip:198.51.100.7 domain:evil.example url:http://evil.example/a?b=c "
                    "md5:d41d8cd98f00b204e9800998ecf8427e cidr:10.0.0.0/8 email:x@evil.example");
    /* Semicolons and quoted fields. */
    assert_extracts("\"1.2.3.4\";\"evil.example\";\"http://a.example/x,y\"",
                    "ip:1.2.3.4 domain:evil.example url:http://a.example/x");
}

static void test_extract_non_matches(void **state)
{
    (void)state;
    assert_extracts("version 1.2.3 and 1.2.3.4.5 and v1.2.3.4", "");
    assert_extracts("256.1.1.1 1.2.3.256 01.2.3.4 1.02.3.4 1.2.3.4444", "");
    assert_extracts("1.2.3.4/33", "ip:1.2.3.4");
    assert_extracts("1.2.3.4/024", "ip:1.2.3.4");
    /* Hex of the wrong length, or not a whole word. */
    assert_extracts("d41d8cd98f00b204e9800998ecf8427 d41d8cd98f00b204e9800998ecf8427e0", "");
    assert_extracts("xd41d8cd98f00b204e9800998ecf8427e", "");
    /* Times, MAC addresses, C++ scopes, ratios. */
    assert_extracts("12:34:56 00:11:22:33:44:55 std::string a::b::c 3.14 1.5GB", "");
    /* Dotted names without an alphabetic last label, empty labels. */
    assert_extracts("a.b1 example.c a..example .x", "");
    /* '@' without a valid domain. */
    assert_extracts("@handle user@localhost", "");
}

static void test_extract_file_names_are_domains(void **state)
{
    (void)state;
    /* Documented: no TLD list, so file names look like domains. */
    assert_extracts("report.pdf", "domain:report.pdf");
    /* A file named by its hash gives the hash, not a domain. */
    assert_extracts("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.exe",
                    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_extracts("md5_d41d8cd98f00b204e9800998ecf8427e sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
                    "md5:d41d8cd98f00b204e9800998ecf8427e "
                    "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void test_extract_no_overlapping_reports(void **state)
{
    (void)state;
    assert_extracts("http://1.2.3.4:8080/a", "url:http://1.2.3.4:8080/a");
    assert_extracts("http://[2001:db8::1]/x", "url:http://[2001:db8::1]/x");
    assert_extracts("https://user@evil.example/", "url:https://user@evil.example/");
    assert_extracts("mallory@evil.example", "email:mallory@evil.example");
    assert_extracts("1.2.3.4-1.2.3.9", "ip:1.2.3.4 ip:1.2.3.9");
    assert_extracts("10.0.0.1.nip.io", "domain:10.0.0.1.nip.io");
}

static void test_extract_ipv6_forms(void **state)
{
    (void)state;
    assert_extracts("::1 [::1]:8080 fe80::1%eth0", "ipv6:::1 ipv6:::1 ipv6:fe80::1");
    assert_extracts("::ffff:192.0.2.1", "ipv6:::ffff:192.0.2.1");
    assert_extracts("src:2001:db8::1 ip=2001:db8::2.", "ipv6:2001:db8::1 ipv6:2001:db8::2");
    assert_extracts("2001:db8::1: refused", "ipv6:2001:db8::1");
    /* A prefix out of range leaves the address, as for IPv4 ("1.2.3.4/33"). */
    assert_extracts("2001:db8::/129", "ipv6:2001:db8::");
    assert_extracts("2001:db8::1/64x", "ipv6:2001:db8::1");
    assert_extracts("1:2:3:4:5:6:7:8:9 2001:db8::1g", "");
    assert_extracts("a :: b [::] ::/0", "");
}

static void test_extract_offsets_point_at_raw_text(void **state)
{
    (void)state;
    struct found f = {0};
    const char *s = "at 1.2.3.4 and evil[.]example and \"hxxp://x[.]example/\"";
    extract_into(&f, s, strlen(s));
    assert_int_equal(f.count, 3);
    assert_int_equal(f.offset[0], 3);
    assert_int_equal(f.raw_len[0], 7);
    assert_int_equal(f.offset[1], 15);
    assert_int_equal(f.raw_len[1], strlen("evil[.]example"));
    assert_int_equal(f.offset[2], 35);
    assert_int_equal(f.raw_len[2], strlen("hxxp://x[.]example/"));
    assert_string_equal(f.joined, "ip:1.2.3.4 domain:evil.example url:http://x.example/");

    /* A value ending inside a multi-byte replacement ("[://]" -> "://") still
     * spans at least as many raw bytes as it has (fuzz finding). */
    s = "1:[://]";
    extract_into(&f, s, strlen(s));
    assert_string_equal(f.joined, "ipv6:1::");
    assert_int_equal(f.offset[0], 0);
    assert_int_equal(f.raw_len[0], 3);
}

static void test_extract_callback_stops_scan(void **state)
{
    (void)state;
    struct found f = {0};
    f.stop_after = 2;
    const char *s = "1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4";
    extract_into(&f, s, strlen(s));
    assert_int_equal(f.count, 2);
    assert_string_equal(f.joined, "ip:1.1.1.1 ip:2.2.2.2");
    assert_int_equal(obs_extract("", 0, collect, &f), 0);
}

static void test_extract_unicode_text(void **state)
{
    (void)state;
    /* NBSP, curly quotes, ellipsis and CJK punctuation separate words. */
    assert_extracts("see\xc2\xa0" "evil.example\xe2\x80\xa6", "domain:evil.example");
    assert_extracts("\xe2\x80\x9c" "1.2.3.4\xe2\x80\x9d", "ip:1.2.3.4");
    assert_extracts("\xe5\x9c\xb0\xe5\x9d\x80" "1.2.3.4\xe3\x80\x82", "ip:1.2.3.4");
    /* An internationalised name is not cut to its ASCII tail. */
    assert_extracts("b\xc3\xbc" "cher.de xn--bcher-kva.de", "domain:xn--bcher-kva.de");
    /* Invalid UTF-8 separates like a space. */
    assert_extracts("\xff" "1.2.3.4\xc0\xaf" "evil.example\x80", "ip:1.2.3.4 domain:evil.example");
}

static void test_extract_binary_input_stays_in_bounds(void **state)
{
    (void)state;
    struct found f = {0};
    unsigned char buf[65536];
    uint32_t x = 2463534242u;
    for (int round = 0; round < 20; round++) {
        for (size_t i = 0; i < sizeof buf; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            /* Mostly observable characters, to reach deep into the scanner. */
            static const char alphabet[] = "0123456789abcdef.:/@-_[]() ,\"hxtpw";
            buf[i] = round % 2 ? (unsigned char)x : (unsigned char)alphabet[x % (sizeof alphabet - 1)];
        }
        extract_into(&f, (const char *)buf, sizeof buf); /* collect() checks every span */
    }
}

static void test_extract_long_words(void **state)
{
    (void)state;
    struct found f = {0};
    /* A 20 KiB CSV line without spaces: cut at commas, nothing lost. */
    size_t n = 0;
    static char line[32768];
    for (int i = 0; n < 20000; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, "10.0.%d.%d,", (i / 250) % 250, i % 250 + 1);
    extract_into(&f, line, n);
    size_t fields = 0;
    for (size_t i = 0; i < n; i++)
        fields += line[i] == ',';
    assert_int_equal(f.count, fields);

    /* A URL over OBS_VALUE_MAX is skipped with its contents, the next word is found. */
    memcpy(line, "http://a.example/", 17);
    memset(line + 17, 'a', 5000);
    memcpy(line + 5017, "1.2.3.4 5.6.7.8", 15);
    extract_into(&f, line, 5032);
    assert_string_equal(f.joined, "ip:5.6.7.8");

    /* 100 KiB of one hex run: no hash, no crash. */
    static char hex[100000];
    memset(hex, 'a', sizeof hex);
    extract_into(&f, hex, sizeof hex);
    assert_int_equal(f.count, 0);
}

/* ---- obs_classify ---- */

static void test_classify_every_kind(void **state)
{
    (void)state;
    assert_classifies("1.2.3.4", OBS_IPV4, "1.2.3.4");
    assert_classifies("2001:DB8::1", OBS_IPV6, "2001:db8::1");
    assert_classifies("10.0.0.0/8", OBS_CIDR, "10.0.0.0/8");
    assert_classifies("2001:db8::/32", OBS_CIDR, "2001:db8::/32");
    assert_classifies("Evil.Example.", OBS_DOMAIN, "evil.example");
    assert_classifies("hxxps://EVIL.example/A?b", OBS_URL, "https://evil.example/A?b");
    assert_classifies("Bob@Evil.Example", OBS_EMAIL, "bob@evil.example");
    assert_classifies("D41D8CD98F00B204E9800998ECF8427E", OBS_MD5, "d41d8cd98f00b204e9800998ecf8427e");
    assert_classifies("da39a3ee5e6b4b0d3255bfef95601890afd80709", OBS_SHA1,
                      "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    assert_classifies("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      OBS_SHA256,
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_classifies("report.pdf", OBS_DOMAIN, "report.pdf");
}

static void test_classify_trims_and_refangs(void **state)
{
    (void)state;
    assert_classifies("  1.2.3.4\r", OBS_IPV4, "1.2.3.4");
    assert_classifies("\t1[.]2[.]3[.]4 \r", OBS_IPV4, "1.2.3.4");
    assert_classifies("evil[dot]example", OBS_DOMAIN, "evil.example");
    assert_classifies("hxxp[:]//evil[.]example", OBS_URL, "http://evil.example");
    assert_classifies("bob[at]evil[.]example", OBS_EMAIL, "bob@evil.example");
}

static void test_classify_other_keeps_value_as_written(void **state)
{
    (void)state;
    assert_classifies("1.2.3", OBS_OTHER, "1.2.3");
    assert_classifies("1.2.3.4:80", OBS_OTHER, "1.2.3.4:80");
    assert_classifies("1.2.3.4/33", OBS_OTHER, "1.2.3.4/33");
    assert_classifies("256.1.1.1", OBS_OTHER, "256.1.1.1");
    assert_classifies("foo[.]bar1", OBS_OTHER, "foo[.]bar1");
    assert_classifies("http://", OBS_OTHER, "http://");
    assert_classifies("C:\\Windows\\evil.exe", OBS_OTHER, "C:\\Windows\\evil.exe");
    assert_classifies("b\xc3\xbc" "cher.de", OBS_OTHER, "b\xc3\xbc" "cher.de");
    assert_classifies("a@b@c.example", OBS_OTHER, "a@b@c.example");
}

static void test_classify_rejects_invalid_lines(void **state)
{
    (void)state;
    char out[OBS_VALUE_MAX + 1], small[8];
    assert_int_equal(classify("", out, sizeof out), OBS_INVALID);
    assert_int_equal(classify(" \t\r", out, sizeof out), OBS_INVALID);
    assert_int_equal(classify("1.2.3.4 evil.example", out, sizeof out), OBS_INVALID);
    assert_int_equal(classify("a\tb", out, sizeof out), OBS_INVALID);
    assert_int_equal(classify("a\x01" "b", out, sizeof out), OBS_INVALID);
    assert_int_equal(classify("a\x7f", out, sizeof out), OBS_INVALID);
    assert_int_equal(classify("caf\xc3", out, sizeof out), OBS_INVALID);
    assert_int_equal(classify("\xc0\xaf", out, sizeof out), OBS_INVALID);
    assert_int_equal(classify("\xed\xa0\x80", out, sizeof out), OBS_INVALID); /* surrogate */
    /* Does not fit the caller's buffer. */
    assert_int_equal(classify("evil.example", small, sizeof small), OBS_INVALID);
    assert_string_equal(small, "");
    assert_int_equal(classify("1.2.3.4", small, sizeof small), OBS_IPV4);

    /* Embedded NUL (len counts it) and over-long lines. */
    size_t n;
    assert_int_equal(obs_classify("a\0b", 3, out, sizeof out, &n), OBS_INVALID);
    char *big = malloc(OBS_VALUE_MAX + 1);
    memset(big, 'a', OBS_VALUE_MAX + 1);
    assert_int_equal(obs_classify(big, OBS_VALUE_MAX + 1, out, sizeof out, &n), OBS_INVALID);
    assert_int_equal(obs_classify(big, OBS_VALUE_MAX, out, sizeof out, &n), OBS_OTHER);
    assert_int_equal(n, OBS_VALUE_MAX);
    free(big);
    assert_int_equal(obs_classify("x", 1, out, sizeof out, NULL), OBS_OTHER);
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(obs_kind_name(OBS_INVALID), "invalid");
    assert_string_equal(obs_kind_name(OBS_IPV4), "ip");
    assert_string_equal(obs_kind_name(OBS_IPV6), "ipv6");
    assert_string_equal(obs_kind_name(OBS_CIDR), "cidr");
    assert_string_equal(obs_kind_name(OBS_DOMAIN), "domain");
    assert_string_equal(obs_kind_name(OBS_URL), "url");
    assert_string_equal(obs_kind_name(OBS_EMAIL), "email");
    assert_string_equal(obs_kind_name(OBS_MD5), "md5");
    assert_string_equal(obs_kind_name(OBS_SHA1), "sha1");
    assert_string_equal(obs_kind_name(OBS_SHA224), "sha224");
    assert_string_equal(obs_kind_name(OBS_SHA256), "sha256");
    assert_string_equal(obs_kind_name(OBS_SHA384), "sha384");
    assert_string_equal(obs_kind_name(OBS_SHA512), "sha512");
    assert_string_equal(obs_kind_name(OBS_OTHER), "other");
    assert_string_equal(obs_kind_name((enum obs_kind)99), "invalid");
}

/* Every value extracted from text classifies as the same kind and value. */
static int check_classify(void *ctx, const struct observable *o)
{
    char out[OBS_VALUE_MAX + 1];
    size_t n;
    (*(int *)ctx)++;
    assert_int_equal(obs_classify(o->text, o->len, out, sizeof out, &n), o->kind);
    assert_string_equal(out, o->text);
    return 0;
}

static void test_classify_agrees_with_extract(void **state)
{
    (void)state;
    const char *s = "hxxp://A.example/x 1.2.3.4 10.0.0.0/8 2001:DB8::/48 ::1 Evil.Example "
                    "A+b@C.example D41D8CD98F00B204E9800998ECF8427E report.pdf "
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.bin";
    int seen = 0;
    assert_int_equal(obs_extract(s, strlen(s), check_classify, &seen), 10);
    assert_int_equal(seen, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_every_kind),
        cmocka_unit_test(test_extract_defanged_forms),
        cmocka_unit_test(test_extract_boundaries),
        cmocka_unit_test(test_extract_nginx_access_log_line),
        cmocka_unit_test(test_extract_syslog_sshd_line),
        cmocka_unit_test(test_extract_suricata_eve_line),
        cmocka_unit_test(test_extract_email_headers),
        cmocka_unit_test(test_extract_csv_row),
        cmocka_unit_test(test_extract_non_matches),
        cmocka_unit_test(test_extract_file_names_are_domains),
        cmocka_unit_test(test_extract_no_overlapping_reports),
        cmocka_unit_test(test_extract_ipv6_forms),
        cmocka_unit_test(test_extract_offsets_point_at_raw_text),
        cmocka_unit_test(test_extract_callback_stops_scan),
        cmocka_unit_test(test_extract_unicode_text),
        cmocka_unit_test(test_extract_binary_input_stays_in_bounds),
        cmocka_unit_test(test_extract_long_words),
        cmocka_unit_test(test_classify_every_kind),
        cmocka_unit_test(test_classify_trims_and_refangs),
        cmocka_unit_test(test_classify_other_keeps_value_as_written),
        cmocka_unit_test(test_classify_rejects_invalid_lines),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_classify_agrees_with_extract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
