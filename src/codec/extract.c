/*
 * extract.c - observable extraction and single-value classification.
 *
 * What is recognised and how values are cleaned is the contract in extract.h;
 * this file explains how the scanner stays linear and why spans never overlap.
 *
 * obs_extract() works in four levels, each a single left-to-right pass:
 *
 *   1. words    the input is cut at separators (whitespace, quotes, '<', '>',
 *               invalid UTF-8, Unicode spaces and quotation marks).  Each word
 *               is refanged into a fixed buffer (struct scan.w) with, for every
 *               cleaned byte, its offset in the input (scan.off), so that
 *               reported spans point at the raw text.  Words longer than the
 *               buffer are cut into chunks (find_cut).
 *   2. URLs     inside a chunk, a scheme at a word boundary starts a URL that
 *               takes the rest of the chunk up to a ','; the bytes before it
 *               go to level 3 first (order of appearance) and the URL's own
 *               bytes are never looked at again (no IP-inside-URL reports).
 *   3. pieces   the rest is cut at bytes that belong to no observable
 *               (anything but letters, digits and "._-+:/@%").  Inside, three
 *               kinds of run start at well-defined places:
 *                 - a run of hex digits, ':' and '.' at a word start: IPv6;
 *                 - a run of local-part characters followed by '@': e-mail,
 *                   whose domain run is then consumed (no domain report);
 *                 - a run of DNS characters [A-Za-z0-9._-]: level 4.
 *               Each run is measured once from its start (a position inside a
 *               run is never a run start), so the pass stays linear; the IPv6
 *               scan is also capped at 64 bytes.
 *   4. names    a DNS run is a domain, or else is split at '-' and '_' into
 *               atoms that may be an IPv4 address (then maybe "/len") or hold
 *               whole hex labels of hash length.
 *
 * Reports are produced in input order because every level hands a region to
 * the next one before it reports anything that follows it.
 *
 * obs_classify() runs the same shape checks on one whole token, so that a
 * value obs_extract() reports classifies to the same kind and text (the fuzz
 * target checks this).
 */
#include "codec/extract.h"

#include "codec/observable.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/banned.h"

/* Cleaned bytes per chunk of a word.  Twice OBS_VALUE_MAX so that a URL of
 * maximal length starting in the first half of a chunk fits. */
#define WORD_MAX 8192

/* ---------------------------------------------------------------------------
 * Character classes: one table lookup per test (the scanner tests every
 * byte several times; comparison chains were a third of its time).  Bytes
 * >= 0x80 are in no class.
 * ------------------------------------------------------------------------- */

enum {
    C_DIGIT = 1 << 0,
    C_ALPHA = 1 << 1,
    C_HEX = 1 << 2,   /* [0-9A-Fa-f] */
    C_DNS = 1 << 3,   /* characters of a host name: [A-Za-z0-9._-] */
    C_LOCAL = 1 << 4, /* of an e-mail local part (common subset of RFC 5322 atext): C_DNS and '+' */
    C_PIECE = 1 << 5, /* of any observable outside URLs: C_LOCAL and ":/@%" */
    C_HRUN = 1 << 6,  /* of an IPv6 address in text (IPv4 tail included): hex, ':', '.' */
    C_SEP = 1 << 7,   /* ASCII word separators; '\\' is decided by unit_at() */
};

#define CLS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define CLS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define CLS_HEX(c) (CLS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define CLS_DNS(c) (CLS_DIGIT(c) || CLS_ALPHA(c) || (c) == '.' || (c) == '-' || (c) == '_')
#define CLS_LOCAL(c) (CLS_DNS(c) || (c) == '+')
#define CLS_PIECE(c) (CLS_LOCAL(c) || (c) == ':' || (c) == '/' || (c) == '@' || (c) == '%')
#define CLS_HRUN(c) (CLS_HEX(c) || (c) == ':' || (c) == '.')
#define CLS_SEP(c)                                                                                 \
    ((c) <= 0x20 || (c) == 0x7f || (c) == '"' || (c) == '\'' || (c) == '<' || (c) == '>' ||       \
     (c) == '`' || (c) == '\\')
#define CLS(c)                                                                                     \
    ((c) >= 0x80 ? 0                                                                               \
                 : (CLS_DIGIT(c) ? C_DIGIT : 0) | (CLS_ALPHA(c) ? C_ALPHA : 0) |                   \
                       (CLS_HEX(c) ? C_HEX : 0) | (CLS_DNS(c) ? C_DNS : 0) |                       \
                       (CLS_LOCAL(c) ? C_LOCAL : 0) | (CLS_PIECE(c) ? C_PIECE : 0) |               \
                       (CLS_HRUN(c) ? C_HRUN : 0) | (CLS_SEP(c) ? C_SEP : 0))
#define CLS4(c) CLS(c), CLS((c) + 1), CLS((c) + 2), CLS((c) + 3)
#define CLS16(c) CLS4(c), CLS4((c) + 4), CLS4((c) + 8), CLS4((c) + 12)
#define CLS64(c) CLS16(c), CLS16((c) + 16), CLS16((c) + 32), CLS16((c) + 48)

static const unsigned char char_class[256] = {CLS64(0), CLS64(64), CLS64(128), CLS64(192)};

static inline bool is_digit(unsigned char c)
{
    return char_class[c] & C_DIGIT;
}

static inline bool is_alpha(unsigned char c)
{
    return char_class[c] & C_ALPHA;
}

static inline bool is_alnum(unsigned char c)
{
    return char_class[c] & (C_DIGIT | C_ALPHA);
}

static inline bool is_hex(unsigned char c)
{
    return char_class[c] & C_HEX;
}

static inline bool is_dns(unsigned char c)
{
    return char_class[c] & C_DNS;
}

static inline bool is_local(unsigned char c)
{
    return char_class[c] & C_LOCAL;
}

static inline bool is_piece(unsigned char c)
{
    return char_class[c] & C_PIECE;
}

static inline bool is_hrun(unsigned char c)
{
    return char_class[c] & C_HRUN;
}

static inline bool is_ascii_sep(unsigned char c)
{
    return char_class[c] & C_SEP;
}

static inline unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Unicode code points that end a word like ASCII space and quotes do: C1
 * controls, spaces, quotation marks, the ellipsis and CJK punctuation that
 * often follows a value written in CJK text. */
static bool is_unicode_sep(uint32_t cp)
{
    return cp <= 0xa0 || cp == 0xab || cp == 0xbb || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200b) || (cp >= 0x2018 && cp <= 0x201f) || cp == 0x2026 ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x2039 || cp == 0x203a ||
           cp == 0x205f || (cp >= 0x3000 && cp <= 0x3002) || cp == 0xfeff || cp == 0xff0c;
}

/*
 * The unit at t[r] (r < len): its length in bytes, and in *sep whether it
 * separates words.  A backslash separates, except in "\/" (a JSON-escaped
 * slash, refanged later); "\n", "\r" and "\t" are taken whole so that the
 * letter of a JSON escape does not stick to the next word ("\nhttp://...").
 */
static size_t unit_at(const unsigned char *t, size_t len, size_t r, bool *sep)
{
    unsigned char c = t[r];
    if (c < 0x80) {
        if (c == '\\' && r + 1 < len) {
            unsigned char d = t[r + 1];
            if (d == '/') {
                *sep = false;
                return 1;
            }
            if (d == 'n' || d == 'r' || d == 't') {
                *sep = true;
                return 2;
            }
        }
        *sep = is_ascii_sep(c);
        return 1;
    }
    uint32_t cp;
    size_t k = observable_utf8_seq(t + r, len - r, &cp);
    if (k == 0) {
        *sep = true;
        return 1;
    }
    *sep = is_unicode_sep(cp);
    return k;
}

/* ---------------------------------------------------------------------------
 * Refanging
 * ------------------------------------------------------------------------- */

struct defang {
    const char *from; /* lower case; matched case-insensitively */
    size_t from_len;
    const char *to; /* never empty, never longer than from */
    size_t to_len;
};

#define DEFANG(from, to) {from, sizeof(from) - 1, to, sizeof(to) - 1}

/* Every replacement is shorter than what it replaces, so a refanged value is
 * never longer than the raw one.  Every form ends in ']', ')', '}' or '/'
 * (refang_push relies on it). */
static const struct defang defangs[] = {
    DEFANG("[.]", "."),    DEFANG("(.)", "."),   DEFANG("{.}", "."),     DEFANG("[dot]", "."),
    DEFANG("(dot)", "."),  DEFANG("{dot}", "."), DEFANG("[@]", "@"),     DEFANG("(@)", "@"),
    DEFANG("{@}", "@"),    DEFANG("[at]", "@"),  DEFANG("(at)", "@"),    DEFANG("{at}", "@"),
    DEFANG("[:]", ":"),    DEFANG("[://]", "://"), DEFANG("\\/", "/"),
};

/* Replaces defanged forms that end dst[0..*n) until none does (see refang_push). */
static void refang_tail(unsigned char *dst, size_t *n)
{
    while (*n > 0) {
        unsigned char last = dst[*n - 1];
        const struct defang *d = NULL;
        if (last != ']' && last != ')' && last != '}' && last != '/')
            return;
        for (size_t i = 0; i < sizeof defangs / sizeof defangs[0] && d == NULL; i++) {
            size_t m = defangs[i].from_len, j = 0;
            if (m > *n)
                continue;
            while (j < m && lower(dst[*n - m + j]) == (unsigned char)defangs[i].from[j])
                j++;
            if (j == m)
                d = &defangs[i];
        }
        if (d == NULL)
            return;
        size_t start = *n - d->from_len;
        memcpy(dst + start, d->to, d->to_len);
        *n = start + d->to_len;
    }
}

/*
 * Appends c to the refanged text dst[0..*n), off[i] being the input offset of
 * dst[i] (off may be NULL), then replaces a defanged form that now ends dst,
 * as long as there is one.  Every form ends in ']', ')', '}' or '/' and is
 * replaced as soon as its last byte arrives, so dst never holds one: cleaned
 * text refangs to itself ("evi[[:]]om" gives "evi:om" at once, not
 * "evi[:]om"), which keeps obs_classify() of an extracted value stable.
 * Byte i of a replacement keeps the offset of byte i of the form (forms are
 * never shorter), so offsets stay strictly increasing.
 */
static inline void refang_push(unsigned char *dst, uint32_t *off, size_t *n, unsigned char c,
                               uint32_t o)
{
    dst[*n] = c;
    if (off != NULL)
        off[*n] = o;
    (*n)++;
    if (c == ']' || c == ')' || c == '}' || c == '/')
        refang_tail(dst, n);
}

/* ---------------------------------------------------------------------------
 * Shape checks, shared by both entry points
 * ------------------------------------------------------------------------- */

/* The hash kind of a hex word of hexlen digits, or OBS_INVALID. */
static enum obs_kind hash_kind(size_t hexlen)
{
    enum observable_hash h = observable_hash_of_len(hexlen);
    if (h == OBSERVABLE_HASH_NONE)
        return OBS_INVALID;
    return (enum obs_kind)(OBS_MD5 + (h - OBSERVABLE_MD5));
}

static bool all_hex(const unsigned char *s, size_t n)
{
    return observable_hex((const char *)s, n);
}

static bool ipv4_ok(const unsigned char *s, size_t n)
{
    uint32_t a;
    return observable_ipv4_parse((const char *)s, n, &a, NULL);
}

static bool ipv6_ok(const unsigned char *s, size_t n)
{
    unsigned char addr[16];
    return observable_ipv6_parse((const char *)s, n, addr);
}

/* If s (n bytes) starts with "/len", len 0..max without leading zeros,
 * returns the bytes taken (slash included); otherwise 0. */
static size_t prefix_len(const unsigned char *s, size_t n, unsigned max)
{
    size_t i = 1;
    unsigned len;
    if (n < 2 || s[0] != '/')
        return 0;
    while (i < n && is_digit(s[i]) && i < 5) /* four digits are already too many */
        i++;
    return observable_prefix_parse((const char *)s + 1, i - 1, max, OBSERVABLE_PREFIX_CANON, &len)
               ? i
               : 0;
}

/*
 * A DNS-shaped name (observable_dns_check) whose last label is letters only.
 * *hash_label (if not NULL) tells whether some label is a hex run of a hash
 * length.
 */
static bool domain_ok(const unsigned char *s, size_t n, bool *hash_label)
{
    struct observable_dns info;
    if (observable_dns_check((const char *)s, n, 0, &info) != OBSERVABLE_OK || !info.tld_alpha)
        return false;
    if (hash_label != NULL)
        *hash_label = info.hash_label;
    return true;
}

static bool local_ok(const unsigned char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_local(s[i]))
            return false;
    return true;
}

/* If s starts with a recognised scheme and "://", returns that length. */
static size_t scheme_len(const unsigned char *s, size_t n)
{
    static const char *const schemes[] = {"http://", "https://", "hxxp://", "hxxps://", "ftp://"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t m = strlen(schemes[i]), j = 0;
        if (m > n)
            continue;
        while (j < m && lower(s[j]) == (unsigned char)schemes[i][j])
            j++;
        if (j == m)
            return m;
    }
    return 0;
}

/* The first byte of a URL's authority: a host name or address, an IPv6
 * literal, or (userinfo and IDN hosts) anything non-ASCII. */
static bool url_host_start_ok(unsigned char c)
{
    return is_alnum(c) || c == '[' || c == '_' || c >= 0x80;
}

/*
 * Writes the cleaned form of a value of kind k (n <= OBS_VALUE_MAX bytes at s)
 * to dst, NUL-terminated; returns its length (always n).  URLs: "hxxp" becomes
 * "http", scheme and host lower case, the rest as written; every other kind
 * lower case.
 */
static size_t clean_value(enum obs_kind k, const unsigned char *s, size_t n, char *dst)
{
    if (k != OBS_URL) {
        observable_lower(dst, (const char *)s, n);
        dst[n] = '\0';
        return n;
    }
    size_t sl = scheme_len(s, n);
    memcpy(dst, s, n);
    observable_lower(dst, dst, sl);
    observable_url_host_lower(dst + sl, n - sl);
    if (sl > 2 && n > 2 && dst[1] == 'x') /* hxxp, hxxps */
        dst[1] = dst[2] = 't';
    dst[n] = '\0';
    return n;
}

/* ---------------------------------------------------------------------------
 * obs_extract
 * ------------------------------------------------------------------------- */

struct scan {
    int (*fn)(void *ctx, const struct observable *o);
    void *ctx;
    size_t count;
    bool stop;
    bool has_at;                  /* the chunk may hold an '@' (else skip e-mail checks) */
    size_t base;                  /* input offset of the chunk */
    size_t n;                     /* cleaned bytes in w */
    unsigned char w[WORD_MAX];    /* the chunk, refanged */
    uint32_t off[WORD_MAX + 1];   /* off[i]: input offset of w[i] - base; off[n]: chunk end */
    char val[OBS_VALUE_MAX + 1];  /* the value being reported */
};

static void report(struct scan *sc, enum obs_kind k, size_t a, size_t b)
{
    if (sc->stop || b - a > OBS_VALUE_MAX)
        return;
    struct observable o = {
        .kind = k,
        .text = sc->val,
        .len = clean_value(k, sc->w + a, b - a, sc->val),
        .offset = sc->base + sc->off[a],
        .raw_len = (size_t)(sc->off[b] - sc->off[a]),
    };
    sc->count++;
    if (sc->fn(sc->ctx, &o) != 0)
        sc->stop = true;
}

/*
 * Whether the name w[p..q) touches a letter of an alphabetic script (a
 * two-byte UTF-8 sequence: Latin, Greek, Cyrillic, ...).  Such a name is part
 * of an internationalised one ("bücher.de"); reporting the ASCII tail
 * ("cher.de") would be wrong, so it is skipped.  CJK text, in three-byte
 * sequences, sits next to names without spaces and does not glue.
 */
static bool glued(const unsigned char *w, size_t n, size_t p, size_t q)
{
    if (q < n && w[q] >= 0xc2 && w[q] <= 0xdf)
        return true;
    return p >= 2 && w[p - 1] >= 0x80 && w[p - 1] <= 0xbf && w[p - 2] >= 0xc2 && w[p - 2] <= 0xdf;
}

/*
 * IPv6 (or IPv6 CIDR) from w[p], p the start of a run of hex digits, ':' and
 * '.'; the region ends at b.  Returns the end of what was reported, or 0.
 */
static size_t scan_ipv6(struct scan *sc, size_t p, size_t b)
{
    const unsigned char *w = sc->w;
    size_t e = p;
    while (e < b && is_hrun(w[e]) && e - p <= 64)
        e++;
    if (e - p > 64 || (e < b && (is_alnum(w[e]) || w[e] == '_')))
        return 0;
    size_t v = e; /* less a full stop or a ':' that ends a sentence or a log field */
    while (v > p && w[v - 1] == '.')
        v--;
    if (v - p >= 2 && w[v - 1] == ':' && w[v - 2] != ':')
        v--;
    bool digit = false; /* "::" alone is an address, but in text it is punctuation */
    for (size_t i = p; i < v && !digit; i++)
        digit = is_hex(w[i]);
    if (!digit || !ipv6_ok(w + p, v - p))
        return 0;
    if (v == e && e < b) {
        size_t k = prefix_len(w + e, b - e, 128);
        if (k > 0 && !(e + k < b && is_alnum(w[e + k]))) {
            report(sc, OBS_CIDR, p, e + k);
            return e + k;
        }
    }
    report(sc, OBS_IPV6, p, v);
    return v;
}

/*
 * E-mail address: local part w[p..at), '@', domain run from at+1 (region end
 * b).  Returns the end of the domain run if an address was reported, else 0.
 */
static size_t scan_email(struct scan *sc, size_t p, size_t at, size_t b)
{
    const unsigned char *w = sc->w;
    size_t de = at + 1;
    while (de < b && is_dns(w[de]))
        de++;
    size_t dv = de;
    while (dv > at + 1 && (w[dv - 1] == '.' || w[dv - 1] == '-'))
        dv--;
    while (p < at && w[p] == '.')
        p++;
    if (!local_ok(w + p, at - p) || !domain_ok(w + at + 1, dv - at - 1, NULL) ||
        glued(w, sc->n, at + 1, de))
        return 0;
    report(sc, OBS_EMAIL, p, dv);
    return de;
}

/* Hashes among the '.'-separated labels of the atom w[a..e). */
static void scan_hash_labels(struct scan *sc, size_t a, size_t e)
{
    const unsigned char *w = sc->w;
    while (a < e && !sc->stop) {
        size_t j = a;
        while (j < e && w[j] != '.')
            j++;
        enum obs_kind k = hash_kind(j - a);
        if (k != OBS_INVALID && all_hex(w + a, j - a))
            report(sc, k, a, j);
        a = j + 1;
    }
}

/*
 * A run w[p..q) of DNS characters in a region ending at b: a domain, or IPv4
 * addresses (maybe with "/len" after the run) and hashes in its atoms.
 * Returns where scanning continues (q, or past a CIDR prefix).
 */
static size_t scan_dns_run(struct scan *sc, size_t p, size_t q, size_t b)
{
    const unsigned char *w = sc->w;
    size_t s = p, e = q;
    bool hash_label = false;

    while (s < e && (w[s] == '.' || w[s] == '-'))
        s++;
    while (e > s && (w[e - 1] == '.' || w[e - 1] == '-'))
        e--;
    if (s == e)
        return q;
    if (domain_ok(w + s, e - s, &hash_label) && !hash_label) {
        if (!glued(w, sc->n, p, q))
            report(sc, OBS_DOMAIN, s, e);
        return q;
    }
    /* Atoms: split at '-' and '_' (ranges "1.2.3.4-1.2.3.9", "md5_<hex>"). */
    for (size_t i = s; i < e && !sc->stop;) {
        size_t j = i;
        while (j < e && w[j] != '-' && w[j] != '_')
            j++;
        size_t as = i, ae = j;
        while (as < ae && w[as] == '.')
            as++;
        while (ae > as && w[ae - 1] == '.')
            ae--;
        if (ipv4_ok(w + as, ae - as)) {
            size_t k = ae == q && q < b ? prefix_len(w + q, b - q, 32) : 0;
            if (k > 0 && !(q + k < b && is_alnum(w[q + k]))) {
                report(sc, OBS_CIDR, as, q + k);
                return q + k;
            }
            report(sc, OBS_IPV4, as, ae);
        } else if (ae - as >= 32) {
            scan_hash_labels(sc, as, ae);
        }
        i = j + 1;
    }
    return q;
}

/* Observables other than URLs in w[a..b). */
static void scan_pieces(struct scan *sc, size_t a, size_t b)
{
    const unsigned char *w = sc->w;
    size_t p = a;
    size_t key_end = SIZE_MAX; /* end of the last DNS run that cannot be part of an IPv6 */
    while (p < b && !sc->stop) {
        unsigned char c = w[p];
        unsigned char prev = p > 0 ? w[p - 1] : ' ';
        if (!is_piece(c)) {
            p++;
            continue;
        }
        /* IPv6 at a word start, or after "key:" ("src:2001:db8::1"). */
        if (is_hrun(c) && ((!is_hrun(prev) && !is_alnum(prev) && prev != '_' && prev != '-') ||
                           (prev == ':' && p - 1 == key_end && c != ':'))) {
            size_t e = scan_ipv6(sc, p, b);
            if (e > 0) {
                p = e;
                continue;
            }
        }
        if (!is_dns(c)) {
            p++;
            continue;
        }
        /* E-mail at the start of a run of local-part characters followed by '@'. */
        if (sc->has_at && !is_local(prev)) {
            size_t at = p;
            while (at < b && is_local(w[at]))
                at++;
            if (at < b && w[at] == '@') {
                size_t e = scan_email(sc, p, at, b);
                if (e > 0) {
                    p = e;
                    continue;
                }
            }
        }
        size_t q = p;
        bool key = false;
        for (; q < b && is_dns(w[q]); q++)
            key = key || !is_hrun(w[q]);
        if (key)
            key_end = q;
        p = scan_dns_run(sc, p, q, b);
    }
}

/*
 * End of the URL whose scheme (sl bytes) starts at w[a]: the first ',' or
 * the chunk end, less trailing punctuation and closing brackets that have no
 * opening one in the URL ("(see http://x/a_(b))." keeps one ')').
 */
static size_t url_end(const unsigned char *w, size_t a, size_t sl, size_t n)
{
    size_t e = a + sl;
    long paren = 0, bracket = 0, brace = 0;
    for (; e < n && w[e] != ','; e++) {
        paren += (w[e] == '(') - (w[e] == ')');
        bracket += (w[e] == '[') - (w[e] == ']');
        brace += (w[e] == '{') - (w[e] == '}');
    }
    while (e > a + sl + 1) {
        unsigned char c = w[e - 1];
        if (c == ')' && paren < 0)
            paren++;
        else if (c == ']' && bracket < 0)
            bracket++;
        else if (c == '}' && brace < 0)
            brace++;
        else if (c != '.' && c != ':' && c != ';' && c != '!' && c != '?')
            break;
        e--;
    }
    return e;
}

static void scan_chunk(struct scan *sc)
{
    const unsigned char *w = sc->w;
    size_t n = sc->n, st = 0, j = 0;
    while (j < n && !sc->stop) {
        unsigned char c = lower(w[j]);
        if ((c == 'h' || c == 'f') && (j == 0 || !is_alnum(w[j - 1]))) {
            size_t sl = scheme_len(w + j, n - j);
            if (sl > 0 && j + sl < n && url_host_start_ok(w[j + sl])) {
                scan_pieces(sc, st, j);
                size_t e = url_end(w, j, sl, n);
                report(sc, OBS_URL, j, e); /* skipped if longer than OBS_VALUE_MAX */
                st = j = e;
                continue;
            }
        }
        j++;
    }
    scan_pieces(sc, st, n);
}

/*
 * Where to cut a full chunk of a longer word: after the last ',' in its
 * second half, else after the last other byte that no observable holds, else
 * at the end.
 */
static size_t find_cut(const unsigned char *w, size_t n)
{
    for (size_t i = n; i > n / 2; i--)
        if (w[i - 1] == ',')
            return i;
    for (size_t i = n; i > n / 2; i--)
        if (w[i - 1] < 0x80 && !is_piece(w[i - 1]))
            return i;
    return n;
}

size_t obs_extract(const char *text, size_t len,
                   int (*fn)(void *ctx, const struct observable *o), void *ctx)
{
    struct scan sc;
    const unsigned char *t = (const unsigned char *)text;
    size_t r = 0;

    if (text == NULL || fn == NULL)
        return 0;
    sc.fn = fn;
    sc.ctx = ctx;
    sc.count = 0;
    sc.stop = false;
    while (r < len && !sc.stop) {
        bool sep = false;
        size_t k = 0;
        sc.base = r;
        sc.n = 0;
        sc.has_at = false;
        /* Refang the word (or as much as fits) into sc.w. */
        while (r < len) {
            k = unit_at(t, len, r, &sep);
            if (sep || sc.n + 4 > WORD_MAX)
                break;
            /* '@' itself, or the end of a form that may become one ("[at]"). */
            sc.has_at = sc.has_at || t[r] == '@' || t[r] == ']' || t[r] == ')' || t[r] == '}';
            for (size_t i = 0; i < k; i++, r++)
                refang_push(sc.w, sc.off, &sc.n, t[r], (uint32_t)(r - sc.base));
        }
        if (sc.n == 0) {
            r += k; /* a separator */
            continue;
        }
        if (!sep && r < len) {
            /* The word goes on: cut where no observable is likely to be split. */
            size_t cut = find_cut(sc.w, sc.n);
            if (cut < sc.n) {
                r = sc.base + sc.off[cut];
                sc.n = cut;
            }
        }
        sc.off[sc.n] = (uint32_t)(r - sc.base);
        scan_chunk(&sc);
    }
    return sc.count;
}

/* ---------------------------------------------------------------------------
 * obs_classify
 * ------------------------------------------------------------------------- */

static bool is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The kind of the whole refanged token s (n bytes); *vlen is the length of
 * its value (a domain's trailing root dot is dropped). */
static enum obs_kind classify_token(const unsigned char *s, size_t n, size_t *vlen)
{
    size_t sl = scheme_len(s, n), slash = n, at = n;

    *vlen = n;
    if (sl > 0)
        return sl < n && url_host_start_ok(s[sl]) ? OBS_URL : OBS_OTHER;
    if (ipv4_ok(s, n))
        return OBS_IPV4;
    if (ipv6_ok(s, n))
        return OBS_IPV6;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '/')
            slash = i;
        else if (s[i] == '@')
            at = i;
    }
    if (slash < n && ((ipv4_ok(s, slash) && prefix_len(s + slash, n - slash, 32) == n - slash) ||
                      (ipv6_ok(s, slash) && prefix_len(s + slash, n - slash, 128) == n - slash)))
        return OBS_CIDR;
    if (hash_kind(n) != OBS_INVALID && all_hex(s, n))
        return hash_kind(n);
    if (at < n)
        return local_ok(s, at) && domain_ok(s + at + 1, n - at - 1, NULL) ? OBS_EMAIL : OBS_OTHER;
    size_t dn = n > 1 && s[n - 1] == '.' ? n - 1 : n;
    if (domain_ok(s, dn, NULL)) {
        *vlen = dn;
        return OBS_DOMAIN;
    }
    return OBS_OTHER;
}

enum obs_kind obs_classify(const char *line, size_t len, char *out, size_t cap, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)line;
    unsigned char tok[OBS_VALUE_MAX];
    char val[OBS_VALUE_MAX + 1];
    size_t a = 0, b = len, n = 0, vlen;

    if (out_len != NULL)
        *out_len = 0;
    if (out != NULL && cap > 0)
        out[0] = '\0';
    if (line == NULL || out == NULL)
        return OBS_INVALID;
    while (a < b && is_space(s[a]))
        a++;
    while (b > a && is_space(s[b - 1]))
        b--;
    if (a == b || b - a > OBS_VALUE_MAX)
        return OBS_INVALID;
    for (size_t i = a; i < b;) {
        uint32_t cp;
        if (s[i] <= 0x20 || s[i] == 0x7f)
            return OBS_INVALID; /* inner whitespace or a control byte */
        size_t k = observable_utf8_seq(s + i, b - i, &cp);
        if (k == 0)
            return OBS_INVALID;
        i += k;
    }
    /* Refanging only shrinks: n <= b - a <= OBS_VALUE_MAX. */
    for (size_t i = a; i < b; i++)
        refang_push(tok, NULL, &n, s[i], 0);
    if (n == 0)
        return OBS_INVALID; /* not reached; tells the compiler tok is set */
    enum obs_kind k = classify_token(tok, n, &vlen);
    if (k == OBS_OTHER) {
        vlen = b - a;
        memcpy(val, s + a, vlen);
        val[vlen] = '\0';
    } else {
        clean_value(k, tok, vlen, val);
    }
    if (vlen >= cap)
        return OBS_INVALID;
    memcpy(out, val, vlen + 1);
    if (out_len != NULL)
        *out_len = vlen;
    return k;
}

const char *obs_kind_name(enum obs_kind k)
{
    switch (k) {
    case OBS_IPV4:
        return "ip";
    case OBS_IPV6:
        return "ipv6";
    case OBS_CIDR:
        return "cidr";
    case OBS_DOMAIN:
        return "domain";
    case OBS_URL:
        return "url";
    case OBS_EMAIL:
        return "email";
    case OBS_MD5:
        return "md5";
    case OBS_SHA1:
        return "sha1";
    case OBS_SHA224:
        return "sha224";
    case OBS_SHA256:
        return "sha256";
    case OBS_SHA384:
        return "sha384";
    case OBS_SHA512:
        return "sha512";
    case OBS_OTHER:
        return "other";
    case OBS_INVALID:
        break;
    }
    return "invalid";
}
