/*
 * observable.h - one parser and canonicaliser per observable kind: IPv4 and
 * IPv6 addresses, CIDR networks, DNS names (IDNA included), URL hosts, e-mail
 * domains, hex digests.
 *
 * Every place that reads observables calls these: core/types.c (attribute
 * values: validation and the canonical form stored), core/index.c (index keys
 * and look-up queries) and codec/extract.c (observables in free text).  Where
 * those callers apply different policies - how a CIDR prefix may be written,
 * whether a host name may hold UTF-8 - the policy is a parameter here, named
 * after its callers, so that the parsing itself exists once.
 *
 * Pure: no I/O, no allocation, no state; results go to caller buffers.  Safe
 * on any bytes: inputs are (pointer, length) and need not be NUL-terminated;
 * a NUL byte is never part of an observable.  It lives in codec/ because
 * extract.c, a codec, needs it and core/ may include codec/, not the reverse.
 *
 * Not here: refanging (each caller keeps its own list, see extract.h and
 * types.c), what a value's type is, storage.
 */
#ifndef LIAISON_OBSERVABLE_H
#define LIAISON_OBSERVABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBSERVABLE_IPV6_TEXT_MAX 45 /* longest text inet_pton(AF_INET6) takes */
#define OBSERVABLE_IP_TEXT_MAX 49   /* longest canonical address with "/len" */
#define OBSERVABLE_DNS_NAME_MAX 253
#define OBSERVABLE_DNS_LABEL_MAX 63

/* Why a value is not an observable of the kind asked for. */
enum observable_err {
    OBSERVABLE_OK = 0,
    OBSERVABLE_IPV4,              /* not an IPv4 address */
    OBSERVABLE_IPV4_LEADING_ZERO, /* an octet written with a leading zero ("010") */
    OBSERVABLE_IPV6,              /* not an IPv6 address */
    OBSERVABLE_PREFIX,            /* the "/len" is not a prefix length for the family */
    OBSERVABLE_DNS_EMPTY,         /* no name at all (nothing between the dots) */
    OBSERVABLE_DNS_NOT_UTF8,      /* not valid UTF-8 */
    OBSERVABLE_DNS_CODE_POINT,    /* a character that has no place in a host name */
    OBSERVABLE_DNS_TOO_LONG,      /* longer than 253 bytes */
    OBSERVABLE_DNS_EMPTY_LABEL,   /* two dots in a row, or a dot at an end */
    OBSERVABLE_DNS_BAD_CHAR,      /* a byte other than letters, digits, '-', '_' */
    OBSERVABLE_DNS_LABEL_TOO_LONG,
    OBSERVABLE_DNS_ONE_LABEL,     /* no dot: "localhost" */
    OBSERVABLE_DNS_TLD,           /* last label shorter than 2 bytes or holding '_' */
};

/* ---- text helpers ---- */

/* ASCII lower case of src[0..n) into dst (which may be src). */
void observable_lower(char *dst, const char *src, size_t n);
/* Whether s[0..n) is non-empty and all hexadecimal digits. */
bool observable_hex(const char *s, size_t n);
/*
 * Length of the well-formed UTF-8 sequence at s (n >= 1 bytes available) and
 * its code point in *cp; 0 if ill-formed (overlong, surrogate, > U+10FFFF,
 * truncated, stray continuation byte).
 */
size_t observable_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

/* ---- IP addresses and networks ---- */

/*
 * A strict dotted-quad IPv4 address filling s[0..n) exactly, as inet_pton and
 * PHP's filter_var take it: four decimal octets 0-255, no leading zeros ("010"
 * is octal to inet_aton and decimal to others, so it is refused rather than
 * guessed).  On success *out holds the address, first octet highest, and the
 * text is already canonical.  leading_zero (may be NULL) is set when that was
 * the reason for refusing.  Inline: the index calls it per query.
 */
static inline bool observable_ipv4_parse(const char *s, size_t n, uint32_t *out,
                                         bool *leading_zero)
{
    uint32_t a = 0;
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == start || v > 255 || (i < n && s[i] >= '0' && s[i] <= '9'))
            return false;
        if (s[start] == '0' && i - start > 1) {
            if (leading_zero != NULL)
                *leading_zero = true;
            return false;
        }
        a = a << 8 | v;
    }
    if (i != n)
        return false;
    *out = a;
    return true;
}

/* Writes "a.b.c.d" and a NUL to out (16 bytes); returns the length. */
size_t observable_ipv4_format(uint32_t a, char *out);

/* An IPv6 address in any form inet_pton takes (at most 45 bytes of hex digits,
 * ':' and '.'), filling s[0..n) exactly. */
bool observable_ipv6_parse(const char *s, size_t n, unsigned char out[16]);
/* Writes the RFC 5952 text (lower case, longest zero run compressed, as
 * inet_ntop and PHP write it) and a NUL to out (46 bytes); returns the length. */
size_t observable_ipv6_format(const unsigned char a[16], char *out);

/*
 * How a prefix length after '/' may be written.  The callers disagree, and each
 * keeps its rule (the index misses a query "/0008" that types stores as "/8"):
 *   OBSERVABLE_PREFIX_DIGITS  any run of digits, leading zeros too (types.c: an
 *                             attribute value "10.0.0.0/0008" is stored "/8");
 *   OBSERVABLE_PREFIX_SHORT   1-3 digits, leading zeros too (index.c: keys and
 *                             queries);
 *   OBSERVABLE_PREFIX_CANON   1-3 digits, no leading zero (extract.c: "/08" in
 *                             text is no prefix).
 */
enum observable_prefix_syntax {
    OBSERVABLE_PREFIX_DIGITS,
    OBSERVABLE_PREFIX_SHORT,
    OBSERVABLE_PREFIX_CANON,
};

/* The prefix length s[0..n) (the text after '/'), 0..max, written as syn allows. */
bool observable_prefix_parse(const char *s, size_t n, unsigned max,
                             enum observable_prefix_syntax syn, unsigned *len);

struct observable_ip {
    unsigned family;      /* 4 or 6 */
    unsigned prefix;      /* 0..32 or 0..128; the full length when none is written */
    bool has_prefix;      /* a "/len" was written (perhaps the full length) */
    uint32_t v4;          /* family 4 */
    unsigned char v6[16]; /* family 6 */
};

/*
 * An address alone filling s[0..n): IPv6 when it holds a ':', IPv4 otherwise
 * (so the error names the family the writer meant).  Returns OBSERVABLE_OK,
 * OBSERVABLE_IPV6, OBSERVABLE_IPV4_LEADING_ZERO or OBSERVABLE_IPV4.
 */
enum observable_err observable_addr_parse(const char *s, size_t n, struct observable_ip *ip);
/*
 * An address with an optional "/len" filling s[0..n), split at the first '/':
 * the address as observable_addr_parse, then OBSERVABLE_PREFIX (ip->family set)
 * if the prefix is not written as syn allows or is too long for the family.
 * Host bits may be set ("10.1.2.3/8"): observable_ip_format decides.
 */
enum observable_err observable_ip_parse(const char *s, size_t n, enum observable_prefix_syntax syn,
                                        struct observable_ip *ip);
/*
 * The canonical text of ip and a NUL into out (OBSERVABLE_IP_TEXT_MAX + 1
 * bytes): the address in inet_ntop form, then "/len" unless the prefix is the
 * full length (a /32 or /128 is one host).  masked: host bits cleared, as the
 * index keys networks ("10.0.0.0/8"); else kept, as types.c stores the value
 * written ("10.1.2.3/8", as MISP does).  Returns the length.
 */
size_t observable_ip_format(const struct observable_ip *ip, bool masked, char *out);

/* ---- DNS names ---- */

/* Flag for observable_dns_check: bytes >= 0x80 count as label characters
 * (types.c's e-mail domains, which may be internationalised). */
enum { OBSERVABLE_DNS_UTF8 = 1 };

struct observable_dns {
    size_t tld;      /* offset of the last label */
    bool tld_alpha;  /* the last label is ASCII letters only (extract.c wants it) */
    bool hash_label; /* some label is a hex run of a hash's length */
};

/*
 * Checks the DNS name s[0..n) as written (no case folding, no trailing-dot
 * removal): at most 253 bytes, labels of 1 to 63 letters, digits, '-' or '_'
 * (real malware domains use underscores), at least two labels, and a last
 * label of two or more bytes without '_'.  Errors are reported in that order.
 * info (may be NULL) is filled on success and on OBSERVABLE_DNS_TLD.
 */
enum observable_err observable_dns_check(const char *s, size_t n, unsigned flags,
                                         struct observable_dns *info);

/*
 * IDNA ToASCII of the name s[0..n) (UTF-8): each label holding non-ASCII
 * characters becomes "xn--" and its Punycode (RFC 3492), after the part of the
 * UTS #46 mapping that PHP's idn_to_ascii() applies (MISP's call) to the
 * characters people put in host names: lower case for Latin, Greek, Cyrillic
 * and Armenian, the transitional mappings of sharp s, final sigma and the
 * zero-width joiners.  Characters it would map wrongly (punctuation, symbols,
 * combining marks, full-width forms, private use) are refused with
 * OBSERVABLE_DNS_CODE_POINT and the character in *cp; ASCII letters are
 * lower-cased too.  Writes at most 253 bytes and a NUL to out (254 bytes); *out_len gets
 * the length.  Errors: OBSERVABLE_DNS_NOT_UTF8, _CODE_POINT, _LABEL_TOO_LONG,
 * _TOO_LONG.
 */
enum observable_err observable_idna_to_ascii(const char *s, size_t n, char *out, size_t *out_len,
                                             uint32_t *cp);

/*
 * A domain or host name, canonical: surrounding dots removed ("example.com." is
 * the same name), internationalised labels in xn-- form, lower case, then
 * observable_dns_check.  Writes the name and a NUL to out (at least
 * max(n, 253) + 1 bytes; out may be s) and its length to *out_len; *cp as in
 * observable_idna_to_ascii.  OBSERVABLE_DNS_EMPTY when only dots were given.
 * The type table's rule for domain and hostname values.
 */
enum observable_err observable_domain(const char *s, size_t n, char *out, size_t *out_len,
                                      uint32_t *cp);

/* ---- URLs and e-mail addresses ---- */

/*
 * Lower-cases, in place, the host of the URL authority at s (up to the first
 * '/', '?' or '#', or n): the bytes after its last '@' (userinfo keeps its
 * case), the port's digits and an IPv6 literal's brackets included.  Scheme
 * and host are case-insensitive (RFC 3986 6.2.2.1), path, query and fragment
 * are not.  Returns the authority's length.
 */
size_t observable_url_host_lower(char *s, size_t n);

/*
 * The domain of an e-mail address, s[0..n): an address literal ("[192.0.2.1]",
 * "[IPv6:2001:db8::1]") or a name of at least two labels as
 * observable_dns_check with OBSERVABLE_DNS_UTF8, any last label (the type
 * table's rule; extract.c's scanner wants a DNS name with a letters-only last
 * label).
 */
bool observable_email_domain(const char *s, size_t n);

/* ---- hashes ---- */

enum observable_hash {
    OBSERVABLE_HASH_NONE = 0,
    OBSERVABLE_MD5,    /* 32 hexadecimal digits */
    OBSERVABLE_SHA1,   /* 40 */
    OBSERVABLE_SHA224, /* 56 */
    OBSERVABLE_SHA256, /* 64 */
    OBSERVABLE_SHA384, /* 96 */
    OBSERVABLE_SHA512, /* 128 */
};

/* The hash whose hex digest has n digits, or OBSERVABLE_HASH_NONE. */
enum observable_hash observable_hash_of_len(size_t n);
/* The hash s[0..n) is by its length, if it is all hex digits. */
enum observable_hash observable_hash_kind(const char *s, size_t n);
/*
 * A hex digest of want digits, canonical: lower-cased in place in s[0..n);
 * true if it is exactly want hex digits.  (The type table knows which types are
 * digests of which length, jarm's 62 and git's 40 included.)
 */
bool observable_hex_digest(char *s, size_t n, size_t want);

#endif
