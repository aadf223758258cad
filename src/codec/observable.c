/*
 * observable.c - one parser and canonicaliser per observable kind.  See
 * observable.h for the contract and for which caller uses which policy.
 */
#include "codec/observable.h"

#include <arpa/inet.h>
#include <string.h>

#include "util/banned.h"

/* ---- text helpers ---- */

static inline bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static inline bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_alnum(unsigned char c)
{
    return is_alpha(c) || is_digit(c);
}

static inline bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

void observable_lower(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = lower(src[i]);
}

bool observable_hex(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_hex((unsigned char)s[i]))
            return false;
    return true;
}

size_t observable_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t k;
    uint32_t v, min;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        k = 2, v = c & 0x1fu, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        k = 3, v = c & 0x0fu, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        k = 4, v = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3fu);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return k;
}

/* ---- IP addresses and networks ---- */

static size_t uint_format(unsigned v, char *out)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

size_t observable_ipv4_format(uint32_t a, char *out)
{
    size_t n = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        n += uint_format((a >> shift) & 255, out + n);
        if (shift)
            out[n++] = '.';
    }
    out[n] = '\0';
    return n;
}

bool observable_ipv6_parse(const char *s, size_t n, unsigned char out[16])
{
    char tmp[OBSERVABLE_IPV6_TEXT_MAX + 1];
    if (n == 0 || n > OBSERVABLE_IPV6_TEXT_MAX)
        return false;
    /* inet_pton takes nothing else; checking first also keeps a NUL inside
     * the view from ending the copy early */
    for (size_t i = 0; i < n; i++)
        if (!is_hex((unsigned char)s[i]) && s[i] != ':' && s[i] != '.')
            return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return inet_pton(AF_INET6, tmp, out) == 1;
}

size_t observable_ipv6_format(const unsigned char a[16], char *out)
{
    /* cannot fail: the buffer is INET6_ADDRSTRLEN and every address has a text */
    if (inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN) == NULL) {
        out[0] = '\0';
        return 0;
    }
    return strlen(out);
}

bool observable_prefix_parse(const char *s, size_t n, unsigned max,
                             enum observable_prefix_syntax syn, unsigned *len)
{
    if (n == 0 || (syn != OBSERVABLE_PREFIX_DIGITS && n > 3))
        return false;
    if (syn == OBSERVABLE_PREFIX_CANON && s[0] == '0' && n > 1)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i]))
            return false;
        if (v <= max) /* past max it stays past: no overflow on long runs */
            v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return false;
    *len = v;
    return true;
}

enum observable_err observable_addr_parse(const char *s, size_t n, struct observable_ip *ip)
{
    if (n > 0 && memchr(s, ':', n) != NULL) {
        if (!observable_ipv6_parse(s, n, ip->v6))
            return OBSERVABLE_IPV6;
        ip->family = 6;
        ip->prefix = 128;
    } else {
        bool leading_zero = false;
        if (!observable_ipv4_parse(s, n, &ip->v4, &leading_zero))
            return leading_zero ? OBSERVABLE_IPV4_LEADING_ZERO : OBSERVABLE_IPV4;
        ip->family = 4;
        ip->prefix = 32;
    }
    ip->has_prefix = false;
    return OBSERVABLE_OK;
}

enum observable_err observable_ip_parse(const char *s, size_t n, enum observable_prefix_syntax syn,
                                        struct observable_ip *ip)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    enum observable_err e = observable_addr_parse(s, alen, ip);
    if (e != OBSERVABLE_OK || slash == NULL)
        return e;
    unsigned len;
    if (!observable_prefix_parse(slash + 1, n - alen - 1, ip->prefix, syn, &len))
        return OBSERVABLE_PREFIX;
    ip->prefix = len;
    ip->has_prefix = true;
    return OBSERVABLE_OK;
}

size_t observable_ip_format(const struct observable_ip *ip, bool masked, char *out)
{
    size_t n;
    unsigned full = ip->family == 4 ? 32 : 128;
    bool mask = masked && ip->prefix < full;
    if (ip->family == 4) {
        uint32_t a = ip->v4;
        if (mask)
            a &= ip->prefix == 0 ? 0 : ~(uint32_t)0 << (32 - ip->prefix);
        n = observable_ipv4_format(a, out);
    } else {
        unsigned char m[16];
        for (unsigned i = 0; i < 16; i++) {
            unsigned bits = ip->prefix > i * 8 ? ip->prefix - i * 8 : 0;
            m[i] = !mask || bits >= 8 ? ip->v6[i] : (unsigned char)(ip->v6[i] & (0xff00 >> bits));
        }
        n = observable_ipv6_format(m, out);
    }
    if (ip->prefix < full) {
        out[n++] = '/';
        n += uint_format(ip->prefix, out + n);
        out[n] = '\0';
    }
    return n;
}

/* ---- DNS names ---- */

enum observable_err observable_dns_check(const char *s, size_t n, unsigned flags,
                                         struct observable_dns *info)
{
    if (n > OBSERVABLE_DNS_NAME_MAX)
        return OBSERVABLE_DNS_TOO_LONG;
    size_t labels = 0, len = 0, start = 0;
    bool underscore = false, alpha = true, hashy = false;
    for (size_t i = 0;; i++) {
        if (i == n || s[i] == '.') {
            if (len == 0)
                return OBSERVABLE_DNS_EMPTY_LABEL;
            labels++;
            hashy = hashy || observable_hash_kind(s + start, len) != OBSERVABLE_HASH_NONE;
            if (i == n)
                break;
            start = i + 1;
            len = 0;
            underscore = false;
            alpha = true;
            continue;
        }
        unsigned char ch = (unsigned char)s[i];
        if (!is_alnum(ch) && ch != '-' && ch != '_' &&
            !(ch >= 0x80 && (flags & OBSERVABLE_DNS_UTF8)))
            return OBSERVABLE_DNS_BAD_CHAR;
        if (++len > OBSERVABLE_DNS_LABEL_MAX)
            return OBSERVABLE_DNS_LABEL_TOO_LONG;
        underscore = underscore || ch == '_';
        alpha = alpha && is_alpha(ch);
    }
    if (labels < 2)
        return OBSERVABLE_DNS_ONE_LABEL;
    if (info != NULL)
        *info = (struct observable_dns){start, alpha, hashy};
    if (len < 2 || underscore)
        return OBSERVABLE_DNS_TLD;
    return OBSERVABLE_OK;
}

/*
 * The part of the UTS #46 mapping that PHP's idn_to_ascii() (transitional
 * processing, MISP's call) applies to characters people actually put in
 * domain names: lower case for Latin-1, Latin Extended-A and Additional,
 * Greek, Cyrillic and Armenian; the transitional mappings of sharp s, final
 * sigma and the zero-width joiners.  Writes the mapping to out (0 to 2 code
 * points) and returns its length, or -1 for characters we refuse rather than
 * map wrongly: punctuation, symbols, combining marks (which need NFC
 * normalisation), full-width forms, the ideographic full stops UTS #46 treats
 * as dots, private use.  Scripts without case pass through unchanged.
 */
static int idna_map(uint32_t cp, uint32_t out[2])
{
    out[0] = cp;
    if (cp < 0x80)
        out[0] = cp >= 'A' && cp <= 'Z' ? cp + 0x20 : cp;
    else if (cp < 0xc0 || cp == 0xd7 || cp == 0xf7)
        return -1; /* C1 controls, no-break space, symbols */
    else if (cp <= 0xde)
        out[0] = cp + 0x20;
    else if (cp == 0xdf || cp == 0x1e9e) {
        out[0] = out[1] = 's';
        return 2;
    } else if (cp < 0x100)
        ; /* lower-case Latin-1 */
    else if (cp == 0x130 || cp == 0x149)
        return -1; /* map to two characters with a combining mark */
    else if ((cp < 0x138 && cp % 2 == 0) || (cp >= 0x139 && cp <= 0x148 && cp % 2 == 1) ||
             (cp >= 0x14a && cp <= 0x177 && cp % 2 == 0) ||
             (cp >= 0x179 && cp <= 0x17e && cp % 2 == 1))
        out[0] = cp + 1;
    else if (cp == 0x178)
        out[0] = 0xff;
    else if (cp == 0x17f)
        out[0] = 's';
    else if (cp >= 0x300 && cp <= 0x36f)
        return -1;
    else if (cp == 0x386)
        out[0] = 0x3ac;
    else if (cp >= 0x388 && cp <= 0x38a)
        out[0] = cp + 0x25;
    else if (cp == 0x38c)
        out[0] = 0x3cc;
    else if (cp == 0x38e || cp == 0x38f)
        out[0] = cp + 0x3f;
    else if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2)
        out[0] = cp + 0x20;
    else if (cp == 0x3c2)
        out[0] = 0x3c3;
    else if (cp >= 0x400 && cp <= 0x40f)
        out[0] = cp + 0x50;
    else if (cp >= 0x410 && cp <= 0x42f)
        out[0] = cp + 0x20;
    else if (((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48a && cp <= 0x4bf) ||
              (cp >= 0x4d0 && cp <= 0x52f)) &&
             cp % 2 == 0)
        out[0] = cp + 1;
    else if (cp == 0x4c0)
        out[0] = 0x4cf;
    else if (cp >= 0x4c1 && cp <= 0x4ce && cp % 2 == 1)
        out[0] = cp + 1;
    else if (cp >= 0x531 && cp <= 0x556)
        out[0] = cp + 0x30;
    else if (((cp >= 0x1e00 && cp <= 0x1e95) || (cp >= 0x1ea0 && cp <= 0x1eff)) && cp % 2 == 0)
        out[0] = cp + 1;
    else if (cp == 0x200c || cp == 0x200d)
        return 0;
    else if ((cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) ||
             (cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xfe00 && cp <= 0xffff) || (cp >= 0xf0000))
        return -1;
    return 1;
}

/* RFC 3492 Punycode parameters. */
enum {
    PUNY_BASE = 36,
    PUNY_TMIN = 1,
    PUNY_TMAX = 26,
    PUNY_SKEW = 38,
    PUNY_DAMP = 700,
    PUNY_INITIAL_BIAS = 72,
    PUNY_INITIAL_N = 128,
};

static uint32_t puny_adapt(uint32_t delta, uint32_t numpoints, bool first)
{
    delta = first ? delta / PUNY_DAMP : delta / 2;
    delta += delta / numpoints;
    uint32_t k = 0;
    while (delta > ((PUNY_BASE - PUNY_TMIN) * PUNY_TMAX) / 2) {
        delta /= PUNY_BASE - PUNY_TMIN;
        k += PUNY_BASE;
    }
    return k + (PUNY_BASE - PUNY_TMIN + 1) * delta / (delta + PUNY_SKEW);
}

static char puny_digit(uint32_t d)
{
    return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

/* Encodes cp[0..n) as Punycode (RFC 3492 section 6.3) into out, at most cap
 * bytes; returns the length, or -1 if it does not fit. */
static int puny_encode(const uint32_t *cp, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (cp[i] < 0x80) {
            if (len >= cap)
                return -1;
            out[len++] = (char)cp[i];
        }
    }
    size_t basic = len, handled = len;
    if (basic > 0) {
        if (len >= cap)
            return -1;
        out[len++] = '-';
    }
    uint32_t next = PUNY_INITIAL_N, delta = 0, bias = PUNY_INITIAL_BIAS;
    while (handled < n) {
        uint32_t m = UINT32_MAX;
        for (size_t i = 0; i < n; i++)
            if (cp[i] >= next && cp[i] < m)
                m = cp[i];
        uint64_t step = (uint64_t)(m - next) * (handled + 1);
        if (step > UINT32_MAX - delta)
            return -1;
        delta += (uint32_t)step;
        next = m;
        for (size_t i = 0; i < n; i++) {
            if (cp[i] < next && ++delta == 0)
                return -1;
            if (cp[i] != next)
                continue;
            uint32_t q = delta;
            for (uint32_t k = PUNY_BASE;; k += PUNY_BASE) {
                uint32_t t = k <= bias ? PUNY_TMIN : k >= bias + PUNY_TMAX ? PUNY_TMAX : k - bias;
                if (q < t)
                    break;
                if (len >= cap)
                    return -1;
                out[len++] = puny_digit(t + (q - t) % (PUNY_BASE - t));
                q = (q - t) / (PUNY_BASE - t);
            }
            if (len >= cap)
                return -1;
            out[len++] = puny_digit(q);
            bias = puny_adapt(delta, (uint32_t)handled + 1, handled == basic);
            delta = 0;
            handled++;
        }
        delta++;
        next++;
    }
    return (int)len;
}

enum observable_err observable_idna_to_ascii(const char *s, size_t n, char *out, size_t *out_len,
                                             uint32_t *cp)
{
    size_t len = 0;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    /* Longer results than a DNS name can hold are refused on the way, which
     * bounds the work and the output. */
    while (p < end) {
        uint32_t cps[OBSERVABLE_DNS_LABEL_MAX + 2];
        size_t k = 0;
        bool ascii = true;
        while (p < end && *p != '.') {
            uint32_t c;
            size_t step = observable_utf8_seq(p, (size_t)(end - p), &c);
            if (step == 0 || c == 0)
                return OBSERVABLE_DNS_NOT_UTF8;
            p += step;
            uint32_t mapped[2];
            int m = idna_map(c, mapped);
            if (m < 0) {
                *cp = c;
                return OBSERVABLE_DNS_CODE_POINT;
            }
            if (k + (size_t)m > OBSERVABLE_DNS_LABEL_MAX)
                return OBSERVABLE_DNS_LABEL_TOO_LONG;
            for (int i = 0; i < m; i++) {
                cps[k++] = mapped[i];
                ascii = ascii && mapped[i] < 0x80;
            }
        }
        char label[OBSERVABLE_DNS_LABEL_MAX + 1];
        int llen;
        if (ascii) {
            for (size_t i = 0; i < k; i++)
                label[i] = (char)cps[i];
            llen = (int)k;
        } else {
            memcpy(label, "xn--", 4);
            llen = puny_encode(cps, k, label + 4, OBSERVABLE_DNS_LABEL_MAX - 4);
            if (llen < 0)
                return OBSERVABLE_DNS_LABEL_TOO_LONG;
            llen += 4;
        }
        bool dot = p < end;
        if (len + (size_t)llen + dot > OBSERVABLE_DNS_NAME_MAX)
            return OBSERVABLE_DNS_TOO_LONG;
        memcpy(out + len, label, (size_t)llen);
        len += (size_t)llen;
        if (dot) {
            out[len++] = '.';
            p++;
        }
    }
    out[len] = '\0';
    *out_len = len;
    return OBSERVABLE_OK;
}

enum observable_err observable_domain(const char *s, size_t n, char *out, size_t *out_len,
                                      uint32_t *cp)
{
    while (n > 0 && s[0] == '.') {
        s++;
        n--;
    }
    while (n > 0 && s[n - 1] == '.')
        n--;
    *out_len = 0;
    out[0] = '\0';
    if (n == 0)
        return OBSERVABLE_DNS_EMPTY;
    bool ascii = true;
    for (size_t i = 0; i < n && ascii; i++)
        ascii = (unsigned char)s[i] < 0x80;
    size_t len = n;
    if (ascii) {
        memmove(out, s, n);
        out[n] = '\0';
    } else {
        char idn[OBSERVABLE_DNS_NAME_MAX + 1];
        enum observable_err e = observable_idna_to_ascii(s, n, idn, &len, cp);
        if (e != OBSERVABLE_OK)
            return e;
        memcpy(out, idn, len + 1);
    }
    observable_lower(out, out, len);
    enum observable_err e = observable_dns_check(out, len, 0, NULL);
    if (e == OBSERVABLE_OK)
        *out_len = len;
    return e;
}

/* ---- URLs and e-mail addresses ---- */

size_t observable_url_host_lower(char *s, size_t n)
{
    size_t end = 0, host = 0;
    for (; end < n && s[end] != '/' && s[end] != '?' && s[end] != '#'; end++)
        if (s[end] == '@')
            host = end + 1;
    observable_lower(s + host, s + host, end - host);
    return end;
}

bool observable_email_domain(const char *s, size_t n)
{
    if (n > 0 && s[0] == '[') {
        struct observable_ip ip;
        if (n < 3 || s[n - 1] != ']')
            return false;
        const char *a = s + 1;
        size_t alen = n - 2;
        if (alen >= 5 && (a[0] | 0x20) == 'i' && (a[1] | 0x20) == 'p' && (a[2] | 0x20) == 'v' &&
            a[3] == '6' && a[4] == ':') {
            a += 5;
            alen -= 5;
            return memchr(a, ':', alen) && observable_addr_parse(a, alen, &ip) == OBSERVABLE_OK &&
                   ip.family == 6;
        }
        return !memchr(a, ':', alen) && observable_addr_parse(a, alen, &ip) == OBSERVABLE_OK &&
               ip.family == 4;
    }
    enum observable_err e = observable_dns_check(s, n, OBSERVABLE_DNS_UTF8, NULL);
    return e == OBSERVABLE_OK || e == OBSERVABLE_DNS_TLD;
}

/* ---- hashes ---- */

enum observable_hash observable_hash_of_len(size_t n)
{
    switch (n) {
    case 32:
        return OBSERVABLE_MD5;
    case 40:
        return OBSERVABLE_SHA1;
    case 56:
        return OBSERVABLE_SHA224;
    case 64:
        return OBSERVABLE_SHA256;
    case 96:
        return OBSERVABLE_SHA384;
    case 128:
        return OBSERVABLE_SHA512;
    default:
        return OBSERVABLE_HASH_NONE;
    }
}

enum observable_hash observable_hash_kind(const char *s, size_t n)
{
    enum observable_hash h = observable_hash_of_len(n);
    return h != OBSERVABLE_HASH_NONE && observable_hex(s, n) ? h : OBSERVABLE_HASH_NONE;
}

bool observable_hex_digest(char *s, size_t n, size_t want)
{
    observable_lower(s, s, n);
    return n == want && observable_hex(s, n);
}
