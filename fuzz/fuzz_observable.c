/*
 * fuzz_observable.c - libFuzzer target for the observable normaliser
 * (codec/observable.c).
 *
 * Input: any bytes, given whole to every parser.  Besides "no crash, no
 * sanitizer report", it checks and aborts when one fails:
 * - a parsed address or network, written out (masked or not), parses again to
 *   the same family and prefix and writes the same bytes (canonical text is a
 *   fixpoint), masked text stays masked;
 * - the prefix syntaxes nest: what extract.c's takes, index.c's takes, and
 *   what index.c's takes, types.c's takes, with the same value;
 * - a canonical domain is lower-case ASCII, passes the DNS check and is its
 *   own canonical form; IDNA output is ASCII of at most 253 bytes;
 * - lower-casing a URL's host changes only ASCII capitals after the last '@'
 *   before the path, and doing it twice changes nothing more;
 * - a hash kind means the length and the digits.
 *
 * Built by `make fuzz` with -fsanitize=fuzzer, and by `make test-fuzz-replay`
 * with fuzz/replay.c as a plain program over fuzz/corpus/fuzz_observable/.
 */
#include "codec/observable.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_observable: %s\n", what);
        abort();
    }
}

static void check_ip(const char *s, size_t n)
{
    static const enum observable_prefix_syntax syns[] = {
        OBSERVABLE_PREFIX_CANON, OBSERVABLE_PREFIX_SHORT, OBSERVABLE_PREFIX_DIGITS};
    enum observable_err prev = OBSERVABLE_OK;
    struct observable_ip first = {0};
    for (size_t k = 0; k < 3; k++) {
        struct observable_ip ip;
        enum observable_err e = observable_ip_parse(s, n, syns[k], &ip);
        if (k > 0 && prev == OBSERVABLE_OK)
            check(e == OBSERVABLE_OK && ip.prefix == first.prefix, "prefix syntaxes do not nest");
        if (e == OBSERVABLE_OK && (k == 0 || prev != OBSERVABLE_OK))
            first = ip;
        prev = e;
        if (e != OBSERVABLE_OK)
            continue;
        for (int masked = 0; masked < 2; masked++) {
            char out[OBSERVABLE_IP_TEXT_MAX + 1], again[OBSERVABLE_IP_TEXT_MAX + 1];
            size_t len = observable_ip_format(&ip, masked, out);
            check(len > 0 && len <= OBSERVABLE_IP_TEXT_MAX && len == strlen(out),
                  "address text length");
            struct observable_ip re;
            check(observable_ip_parse(out, len, OBSERVABLE_PREFIX_CANON, &re) == OBSERVABLE_OK,
                  "canonical address text does not parse");
            check(re.family == ip.family && re.prefix == ip.prefix, "address changed on re-parse");
            size_t len2 = observable_ip_format(&re, masked, again);
            check(len2 == len && memcmp(out, again, len) == 0, "address text is not a fixpoint");
            if (masked) {
                observable_ip_format(&re, false, again);
                check(strcmp(out, again) == 0, "masked text is not masked");
            }
        }
    }
}

static void check_domain(const char *s, size_t n)
{
    char *out = malloc((n > OBSERVABLE_DNS_NAME_MAX ? n : OBSERVABLE_DNS_NAME_MAX) + 1);
    size_t len = 0;
    uint32_t cp = 0;
    if (observable_domain(s, n, out, &len, &cp) == OBSERVABLE_OK) {
        check(len <= OBSERVABLE_DNS_NAME_MAX && len == strlen(out), "domain length");
        for (size_t i = 0; i < len; i++)
            check((unsigned char)out[i] < 0x80 && !(out[i] >= 'A' && out[i] <= 'Z'),
                  "domain not lower-case ASCII");
        check(observable_dns_check(out, len, 0, NULL) == OBSERVABLE_OK, "domain fails the check");
        char again[OBSERVABLE_DNS_NAME_MAX + 1];
        size_t len2 = 0;
        check(observable_domain(out, len, again, &len2, &cp) == OBSERVABLE_OK && len2 == len &&
                  memcmp(out, again, len) == 0,
              "domain is not its own canonical form");
    }
    char idn[OBSERVABLE_DNS_NAME_MAX + 1];
    if (observable_idna_to_ascii(s, n, idn, &len, &cp) == OBSERVABLE_OK) {
        check(len <= OBSERVABLE_DNS_NAME_MAX && len == strlen(idn), "IDNA length");
        for (size_t i = 0; i < len; i++)
            check((unsigned char)idn[i] < 0x80, "IDNA output not ASCII");
    }
    struct observable_dns info;
    for (unsigned flags = 0; flags < 2; flags++) {
        enum observable_err e = observable_dns_check(s, n, flags, &info);
        if (e == OBSERVABLE_OK || e == OBSERVABLE_DNS_TLD)
            check(n <= OBSERVABLE_DNS_NAME_MAX && info.tld > 0 && info.tld < n &&
                      s[info.tld - 1] == '.',
                  "DNS check info");
    }
    (void)observable_email_domain(s, n);
    free(out);
}

static void check_url(const char *s, size_t n)
{
    char *u = malloc(n + 1);
    memcpy(u, s, n);
    size_t end = observable_url_host_lower(u, n);
    check(end <= n, "authority past the end");
    size_t host = 0;
    for (size_t i = 0; i < end; i++)
        if (s[i] == '@')
            host = i + 1;
    for (size_t i = 0; i < n; i++) {
        bool capital = s[i] >= 'A' && s[i] <= 'Z';
        char want = i >= host && i < end && capital ? (char)(s[i] + 32) : s[i];
        check(u[i] == want, "URL bytes changed outside the host");
    }
    check(observable_url_host_lower(u, n) == end, "authority moved");
    free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    const char *s = (const char *)data;
    check_ip(s, size);
    check_domain(s, size);
    check_url(s, size);
    enum observable_hash h = observable_hash_kind(s, size);
    check(h == OBSERVABLE_HASH_NONE ||
              (observable_hash_of_len(size) == h && observable_hex(s, size)),
          "hash kind");
    uint32_t cp;
    size_t k = size ? observable_utf8_seq(data, size, &cp) : 0;
    check(k <= 4 && k <= size && (k == 0 || cp <= 0x10ffff), "UTF-8 sequence");
    return 0;
}
