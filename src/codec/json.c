/*
 * json.c - RFC 8259 reader and streaming writer (contract in json.h).
 *
 * This is the hot path of ingest, so the reader is built for throughput:
 *
 * - One pass, no recursion.  The grammar is driven by a small goto state
 *   machine (value / have_value / key / close) with an explicit stack of
 *   frames, so nesting costs heap, not C stack, and max_depth may be large.
 *
 * - Children of a container are first appended to a reusable scratch stack
 *   (struct parser.scratch) and copied into the arena in one piece when the
 *   container closes.  That keeps items and members contiguous, as json.h
 *   promises, with one arena allocation per container rather than per node.
 *
 * - All string and number text goes into ONE arena block, allocated up front.
 *   Invariant (why one block of len + STRING_SLACK bytes is enough): unescaping
 *   never lengthens text (an escape of n source bytes yields at most n bytes,
 *   a raw byte yields itself), the closing quote pays for a string's NUL, and
 *   the byte after a number pays for its NUL (only the document's very last
 *   token may have no such byte: that is the +1).  Hence the write cursor into
 *   the block never gets ahead of the read cursor into the text, and the bulk
 *   string loop may store a whole 16- or 8-byte chunk before it knows how much
 *   of it belongs to the string: the store stays within the block.
 *
 * - String bytes are scanned in bulk (SSE2 16 bytes at a time where the
 *   compiler offers it, otherwise SWAR 8 bytes at a time) for the only bytes
 *   that need attention: '"', '\\', control characters and bytes >= 0x80.
 *   Non-ASCII bytes leave the fast path for a scalar UTF-8 check (Unicode
 *   table 3-7, RFC 3629: no overlongs, no encoded surrogates, nothing above
 *   U+10FFFF).
 *
 * - Numbers are validated against the RFC 8259 grammar and kept as their
 *   literal text; converting is the caller's business (json_as_i64), so the
 *   reader never calls strtod.
 *
 * - Line and column are computed only when an error is reported, by counting
 *   newlines up to the offending byte.
 *
 * The writer tracks, per nesting level, whether a separator is due; its
 * output is staged in a small stack buffer and appended with buf_append, so
 * the buffer's maximum and sticky error apply.  Every public writer function
 * is a no-op once out->err is set.
 */
#include "codec/json.h"

#include "util/alloc.h"
#include "util/parse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && !defined(JSON_NO_SIMD)
#include <emmintrin.h>
#define JSON_USE_SSE2 1
#endif

#include "util/banned.h"

/* Extra bytes in the string block beyond the input length (see the invariant above). */
#define STRING_SLACK 32
/* Initial scratch and frame stacks live on the C stack; bigger documents move to the heap. */
#define SCRATCH_INLINE 4096
#define FRAMES_INLINE 32

/*
 * 1 for bytes that may be copied as they are inside a JSON string: printable
 * ASCII except '"' (0x22) and '\\' (0x5c).
 */
static const unsigned char str_plain[256] = {
    /* 0x00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x20 */ 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x30 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x40 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x50 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    /* 0x60 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x70 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x80-0xff: all 0 */
};

/* ---- shared helpers ---- */

#define SWAR_ONES 0x0101010101010101ULL
#define SWAR_HIGHS 0x8080808080808080ULL

/*
 * Returns a mask with the high bit set in the bytes of x that are '"', '\\',
 * below 0x20 or at least 0x80.  Borrows in the subtractions can only set bits
 * ABOVE a byte that really matches, so the lowest set bit is always exact
 * (which is all the callers use).
 */
static inline uint64_t swar_special(uint64_t x)
{
    uint64_t q = x ^ (SWAR_ONES * '"');
    uint64_t b = x ^ (SWAR_ONES * '\\');
    uint64_t zq = (q - SWAR_ONES) & ~q;
    uint64_t zb = (b - SWAR_ONES) & ~b;
    uint64_t lo = (x - SWAR_ONES * 0x20) | x;
    return (zq | zb | lo) & SWAR_HIGHS;
}

/*
 * Checks the UTF-8 sequence at s (avail >= 1 bytes, s[0] >= 0x80).  Returns
 * its length (2..4) if it is well-formed, else minus the length of its
 * maximal ill-formed subpart (at least 1), which is what the writer replaces
 * by one U+FFFD (Unicode 15, section 3.9, "U+FFFD Substitution of Maximal
 * Subparts").
 */
static int utf8_check(const unsigned char *s, size_t avail)
{
    unsigned c = s[0];
    unsigned lo = 0x80, hi = 0xbf;
    int n;
    if (c < 0xc2)
        return -1;
    if (c < 0xe0) {
        n = 2;
    } else if (c < 0xf0) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        else if (c == 0xed)
            hi = 0x9f; /* UTF-16 surrogates */
    } else if (c < 0xf5) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return -1;
    }
    if (avail < 2 || s[1] < lo || s[1] > hi)
        return -1;
    for (int i = 2; i < n; i++)
        if ((size_t)i >= avail || (s[i] & 0xc0) != 0x80)
            return -i;
    return n;
}

/* Writes code point cp (<= 0x10ffff, not a surrogate) as UTF-8 at d; returns the byte count. */
static inline size_t utf8_put(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xc0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xe0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        d[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    d[0] = (char)(0xf0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    d[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* ---- reader ---- */

struct frame {
    size_t base;    /* scratch offset of this container's first child */
    struct str key; /* object: name of the member whose value is being read */
    bool object;
};

struct parser {
    const char *text;
    const char *end;
    struct arena *a;
    char *sb; /* next free byte of the string block */

    unsigned char *scratch; /* children of open containers (json_value or json_member) */
    size_t scratch_len, scratch_cap;
    bool scratch_heap;

    struct frame *frames; /* open containers, innermost last */
    size_t depth, frames_cap;
    bool frames_heap;

    /* First error: code, where, and what. */
    int err;
    const char *err_pos;
    char err_msg[128];
};

__attribute__((format(printf, 4, 5))) static void fail(struct parser *ps, const char *pos,
                                                        int code, const char *fmt, ...)
{
    va_list ap;
    ps->err = code;
    ps->err_pos = pos;
    va_start(ap, fmt);
    vsnprintf(ps->err_msg, sizeof(ps->err_msg), fmt, ap);
    va_end(ap);
}

/* Reports "unexpected ..." for the byte at p (or the end of input). */
static void fail_unexpected(struct parser *ps, const char *p, const char *expected)
{
    if (p >= ps->end)
        fail(ps, p, ERR_INVAL, "unexpected end of input, expected %s", expected);
    else if ((unsigned char)*p >= 0x21 && (unsigned char)*p < 0x7f)
        fail(ps, p, ERR_INVAL, "unexpected character '%c', expected %s", *p, expected);
    else
        fail(ps, p, ERR_INVAL, "unexpected byte 0x%02x, expected %s", (unsigned char)*p,
             expected);
}

static void scratch_grow(struct parser *ps, size_t n)
{
    size_t cap = ps->scratch_cap * 2;
    if (cap - ps->scratch_len < n)
        cap = ps->scratch_len + n;
    if (ps->scratch_heap) {
        ps->scratch = xrealloc(ps->scratch, cap);
    } else {
        unsigned char *p = xmalloc(cap);
        memcpy(p, ps->scratch, ps->scratch_len);
        ps->scratch = p;
        ps->scratch_heap = true;
    }
    ps->scratch_cap = cap;
}

static inline void scratch_push(struct parser *ps, const void *p, size_t n)
{
    if (ps->scratch_cap - ps->scratch_len < n)
        scratch_grow(ps, n);
    memcpy(ps->scratch + ps->scratch_len, p, n);
    ps->scratch_len += n;
}

/* Opens a container; returns its frame (valid until the next push). */
static struct frame *frame_push(struct parser *ps, bool object)
{
    if (ps->depth == ps->frames_cap) {
        size_t cap = ps->frames_cap * 2;
        if (ps->frames_heap) {
            ps->frames = xreallocarray(ps->frames, cap, sizeof(*ps->frames));
        } else {
            struct frame *f = xreallocarray(NULL, cap, sizeof(*f));
            memcpy(f, ps->frames, ps->depth * sizeof(*f));
            ps->frames = f;
            ps->frames_heap = true;
        }
        ps->frames_cap = cap;
    }
    struct frame *f = &ps->frames[ps->depth++];
    f->base = ps->scratch_len;
    f->object = object;
    return f;
}

static inline const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

static inline int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Returns the value of the 4 hex digits at p (which has at least 4 bytes), or -1. */
static inline int32_t hex4(const char *p)
{
    int a = hex_digit((unsigned char)p[0]), b = hex_digit((unsigned char)p[1]);
    int c = hex_digit((unsigned char)p[2]), d = hex_digit((unsigned char)p[3]);
    if ((a | b | c | d) < 0)
        return -1;
    return (a << 12) | (b << 8) | (c << 4) | d;
}

/*
 * Unescapes the escape sequence at p (p[0] == '\\') to *dp.  Returns the byte
 * after it, or NULL with the error recorded.  Surrogate pairs combine; a lone
 * surrogate is an error (json.h): it has no UTF-8 form, and replacing it would
 * store something other than what the client sent.
 */
static const char *parse_escape(struct parser *ps, const char *p, char **dp)
{
    const char *end = ps->end;
    char *d = *dp;
    if (end - p < 2) {
        fail(ps, end, ERR_INVAL, "unterminated string");
        return NULL;
    }
    switch (p[1]) {
    case '"':
        *d++ = '"';
        break;
    case '\\':
        *d++ = '\\';
        break;
    case '/':
        *d++ = '/';
        break;
    case 'b':
        *d++ = '\b';
        break;
    case 'f':
        *d++ = '\f';
        break;
    case 'n':
        *d++ = '\n';
        break;
    case 'r':
        *d++ = '\r';
        break;
    case 't':
        *d++ = '\t';
        break;
    case 'u': {
        int32_t cp = end - p >= 6 ? hex4(p + 2) : -1;
        if (cp < 0) {
            fail(ps, p, ERR_INVAL, "invalid \\u escape in string");
            return NULL;
        }
        if (cp >= 0xd800 && cp <= 0xdbff) {
            int32_t lo = -1;
            if (end - p >= 12 && p[6] == '\\' && p[7] == 'u')
                lo = hex4(p + 8);
            if (lo < 0xdc00 || lo > 0xdfff) {
                fail(ps, p, ERR_INVAL, "lone surrogate \\u%.4s in string (not valid UTF-16)",
                     p + 2);
                return NULL;
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            p += 6;
        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            fail(ps, p, ERR_INVAL, "lone surrogate \\u%.4s in string (not valid UTF-16)", p + 2);
            return NULL;
        }
        d += utf8_put(d, (uint32_t)cp);
        *dp = d;
        return p + 6;
    }
    default:
        fail(ps, p, ERR_INVAL, "invalid escape in string");
        return NULL;
    }
    *dp = d;
    return p + 2;
}

/*
 * Reads a string whose opening quote precedes p.  Stores the unescaped,
 * NUL-terminated bytes in the string block and the view in *out; returns the
 * byte after the closing quote, or NULL with the error recorded.
 */
static const char *parse_string(struct parser *ps, const char *p, struct str *out)
{
    const char *end = ps->end;
    char *start = ps->sb;
    char *d = start;
#ifdef JSON_USE_SSE2
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
#endif

    for (;;) {
#ifdef JSON_USE_SSE2
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            _mm_storeu_si128((__m128i *)(void *)d, v);
            /* The signed compare with 0x20 catches control bytes and bytes >= 0x80 at once. */
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                                  _mm_cmpeq_epi8(v, bslash)),
                                     _mm_cmplt_epi8(v, space));
            unsigned bits = (unsigned)_mm_movemask_epi8(m);
            if (bits != 0) {
                unsigned k = (unsigned)__builtin_ctz(bits);
                p += k;
                d += k;
                goto special;
            }
            p += 16;
            d += 16;
        }
#else
        while (end - p >= 8) {
            uint64_t x;
            memcpy(&x, p, 8);
            memcpy(d, &x, 8);
            uint64_t bits = swar_special(x);
            if (bits != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                unsigned k = (unsigned)__builtin_ctzll(bits) / 8;
                p += k;
                d += k;
                goto special;
#else
                break; /* the byte loop below finds it */
#endif
            }
            p += 8;
            d += 8;
        }
#endif
        while (p < end && str_plain[(unsigned char)*p])
            *d++ = *p++;
        if (p == end) {
            fail(ps, end, ERR_INVAL, "unterminated string");
            return NULL;
        }
    special: {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            *d = '\0';
            out->ptr = start;
            out->len = (size_t)(d - start);
            ps->sb = d + 1;
            return p + 1;
        }
        if (c == '\\') {
            p = parse_escape(ps, p, &d);
            if (p == NULL)
                return NULL;
            continue;
        }
        if (c < 0x20) {
            fail(ps, p, ERR_INVAL, "control character 0x%02x in string (must be escaped)", c);
            return NULL;
        }
        int n = utf8_check((const unsigned char *)p, (size_t)(end - p));
        if (n < 0) {
            fail(ps, p, ERR_INVAL, "invalid UTF-8 in string");
            return NULL;
        }
        memcpy(d, p, (size_t)n);
        d += n;
        p += n;
    }
    }
}

/*
 * Reads a number at p (RFC 8259 section 6:
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?) into *v as literal text.
 * Returns the byte after it, or NULL with the error recorded.  What follows
 * the number is the state machine's business ("01" fails there).
 */
static const char *parse_number(struct parser *ps, const char *p, struct json_value *v)
{
    const char *end = ps->end;
    const char *start = p;
#define IS_DIGIT(q) ((q) < end && (unsigned char)(*(q) - '0') < 10)
    if (*p == '-')
        p++;
    if (p < end && *p == '0') {
        p++;
    } else if (IS_DIGIT(p)) {
        while (IS_DIGIT(p))
            p++;
    } else {
        fail_unexpected(ps, p, "a digit");
        return NULL;
    }
    if (p < end && *p == '.') {
        p++;
        if (!IS_DIGIT(p)) {
            fail_unexpected(ps, p, "a digit after '.'");
            return NULL;
        }
        while (IS_DIGIT(p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!IS_DIGIT(p)) {
            fail_unexpected(ps, p, "a digit in the exponent");
            return NULL;
        }
        while (IS_DIGIT(p))
            p++;
    }
#undef IS_DIGIT
    size_t n = (size_t)(p - start);
    memcpy(ps->sb, start, n);
    ps->sb[n] = '\0';
    v->type = JSON_NUMBER;
    v->len = n;
    v->u.str = ps->sb;
    ps->sb += n + 1;
    return p;
}

/* Fills d with the parser's error, computing the 1-based line and byte column. */
static int report(const struct parser *ps, struct diag *d)
{
    if (d == NULL)
        return ps->err;
    unsigned line = 1;
    const char *line_start = ps->text;
    const char *p = ps->text;
    const char *nl;
    while (p < ps->err_pos && (nl = memchr(p, '\n', (size_t)(ps->err_pos - p))) != NULL) {
        line++;
        p = nl + 1;
        line_start = p;
    }
    diag_set(d, ps->err, "json", "%s", ps->err_msg);
    d->line = line;
    d->col = (unsigned)(ps->err_pos - line_start) + 1;
    return ps->err;
}

int json_parse(struct arena *a, const char *text, size_t len, unsigned max_depth,
               struct json_value **out, struct diag *d)
{
    _Alignas(16) unsigned char scratch_inline[SCRATCH_INLINE];
    struct frame frames_inline[FRAMES_INLINE];
    struct parser ps = {
        .text = text,
        .end = text + len,
        .a = a,
        .scratch = scratch_inline,
        .scratch_cap = sizeof(scratch_inline),
        .frames = frames_inline,
        .frames_cap = FRAMES_INLINE,
    };
    const char *p = text;
    const char *end = ps.end;
    struct frame *f = NULL; /* innermost open container; NULL at top level */
    struct json_value v;
    struct str s;

    *out = NULL;
    if (len == 0) {
        fail(&ps, p, ERR_INVAL, "empty input");
        goto out;
    }
    if (len > SIZE_MAX - STRING_SLACK) {
        fail(&ps, p, ERR_TOOBIG, "input too large");
        goto out;
    }
    ps.sb = arena_alloc(a, len + STRING_SLACK);

    /*
     * The state machine.  "value" reads one value into v (or opens a
     * container); "have_value" stores v into the innermost container and reads
     * the separator after it; "close" turns the innermost container's children
     * into v; "key" reads a member name and its colon.
     */
value:
    p = skip_ws(p, end);
    if (p == end) {
        fail_unexpected(&ps, p, "a value");
        goto out;
    }
    switch (*p) {
    case '"':
        p = parse_string(&ps, p + 1, &s);
        if (p == NULL)
            goto out;
        v.type = JSON_STRING;
        v.len = s.len;
        v.u.str = s.ptr;
        break;
    case '{':
    case '[':
        if (ps.depth >= max_depth) {
            fail(&ps, p, ERR_TOOBIG, "nesting deeper than %u", max_depth);
            goto out;
        }
        f = frame_push(&ps, *p == '{');
        p = skip_ws(p + 1, end);
        if (p < end && *p == (f->object ? '}' : ']')) {
            p++;
            goto close;
        }
        if (f->object)
            goto key;
        goto value;
    case 't':
        if (end - p < 4 || memcmp(p, "true", 4) != 0)
            goto bad_literal;
        v.type = JSON_TRUE;
        v.len = 0;
        v.u.str = NULL;
        p += 4;
        break;
    case 'f':
        if (end - p < 5 || memcmp(p, "false", 5) != 0)
            goto bad_literal;
        v.type = JSON_FALSE;
        v.len = 0;
        v.u.str = NULL;
        p += 5;
        break;
    case 'n':
        if (end - p < 4 || memcmp(p, "null", 4) != 0)
            goto bad_literal;
        v.type = JSON_NULL;
        v.len = 0;
        v.u.str = NULL;
        p += 4;
        break;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        p = parse_number(&ps, p, &v);
        if (p == NULL)
            goto out;
        break;
    default:
        fail_unexpected(&ps, p, "a value");
        goto out;
    bad_literal:
        fail(&ps, p, ERR_INVAL, "invalid literal, expected true, false or null");
        goto out;
    }

have_value:
    if (f == NULL)
        goto done;
    if (f->object) {
        struct json_member m = {f->key, v};
        scratch_push(&ps, &m, sizeof(m));
    } else {
        scratch_push(&ps, &v, sizeof(v));
    }
    p = skip_ws(p, end);
    if (p < end && *p == ',') {
        p++;
        if (f->object)
            goto key;
        goto value;
    }
    if (p < end && *p == (f->object ? '}' : ']')) {
        p++;
        goto close;
    }
    fail_unexpected(&ps, p, f->object ? "',' or '}'" : "',' or ']'");
    goto out;

close: {
    size_t bytes = ps.scratch_len - f->base;
    void *children = NULL;
    if (bytes > 0) {
        children = arena_alloc(a, bytes);
        memcpy(children, ps.scratch + f->base, bytes);
    }
    if (f->object) {
        v.type = JSON_OBJECT;
        v.len = bytes / sizeof(struct json_member);
        v.u.members = children;
    } else {
        v.type = JSON_ARRAY;
        v.len = bytes / sizeof(struct json_value);
        v.u.items = children;
    }
    ps.scratch_len = f->base;
    ps.depth--;
    f = ps.depth > 0 ? &ps.frames[ps.depth - 1] : NULL;
    goto have_value;
}

key:
    p = skip_ws(p, end);
    if (p == end || *p != '"') {
        fail_unexpected(&ps, p, "a string (object member name)");
        goto out;
    }
    p = parse_string(&ps, p + 1, &f->key);
    if (p == NULL)
        goto out;
    p = skip_ws(p, end);
    if (p == end || *p != ':') {
        fail_unexpected(&ps, p, "':' after object member name");
        goto out;
    }
    p++;
    goto value;

done:
    p = skip_ws(p, end);
    if (p != end) {
        fail_unexpected(&ps, p, "end of input after the value");
        goto out;
    }
    *out = arena_alloc(a, sizeof(**out));
    **out = v;

out:
    if (ps.scratch_heap)
        free(ps.scratch);
    if (ps.frames_heap)
        free(ps.frames);
    if (ps.err != 0)
        return report(&ps, d);
    return 0;
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
    if (obj == NULL || obj->type != JSON_OBJECT || key == NULL)
        return NULL;
    size_t n = strlen(key);
    /* Backwards: the last member of a name wins (json.h). */
    for (size_t i = obj->len; i-- > 0;) {
        const struct json_member *m = &obj->u.members[i];
        if (m->key.len == n && memcmp(m->key.ptr, key, n) == 0)
            return &m->value;
    }
    return NULL;
}

bool json_as_i64(const struct json_value *v, int64_t *out)
{
    int64_t n;
    if (v == NULL)
        return false;
    switch (v->type) {
    case JSON_TRUE:
        *out = 1;
        return true;
    case JSON_FALSE:
        *out = 0;
        return true;
    case JSON_NUMBER:
        /* Only integers: "1.0" and "1e3" are not ids. */
        if (memchr(v->u.str, '.', v->len) || memchr(v->u.str, 'e', v->len) ||
            memchr(v->u.str, 'E', v->len))
            return false;
        __attribute__((fallthrough));
    case JSON_STRING:
        /* Into a local: parse_i64_all may store a prefix's value before failing. */
        if (parse_i64_all((struct str){v->u.str, v->len}, INT64_MIN, INT64_MAX, &n) != 0)
            return false;
        *out = n;
        return true;
    default:
        return false;
    }
}

bool json_as_bool(const struct json_value *v, bool *out)
{
    int64_t n;
    if (v == NULL)
        return false;
    switch (v->type) {
    case JSON_TRUE:
        *out = true;
        return true;
    case JSON_FALSE:
        *out = false;
        return true;
    case JSON_NUMBER:
        if (!json_as_i64(v, &n) || (n != 0 && n != 1))
            return false;
        *out = n == 1;
        return true;
    case JSON_STRING: {
        struct str s = {v->u.str, v->len};
        if (str_eq_cstr(s, "1") || str_eq_cstr(s, "true")) {
            *out = true;
            return true;
        }
        if (str_eq_cstr(s, "0") || str_eq_cstr(s, "false")) {
            *out = false;
            return true;
        }
        return false;
    }
    default:
        return false;
    }
}

bool json_str_has_nul(const struct json_value *v)
{
    return v != NULL && v->type == JSON_STRING && memchr(v->u.str, '\0', v->len) != NULL;
}

bool json_as_str(const struct json_value *v, struct str *out)
{
    if (v == NULL || v->type != JSON_STRING || json_str_has_nul(v))
        return false;
    out->ptr = v->u.str;
    out->len = v->len;
    return true;
}

/* ---- writer ---- */

/*
 * Output is gathered in a small stack buffer (a stage) and handed to buf_append
 * when it fills or the public call returns, so that a member such as
 * ,"type":"ip-dst" costs one buf_append rather than six buf_putc/buf_append
 * calls; json_write_value carries one stage through the whole tree.  The
 * buffer's maximum and sticky error still apply at every flush.
 */
#define STAGE_SIZE 512

struct stage {
    struct buf *b;
    size_t n;
    char tmp[STAGE_SIZE];
};

static void stage_init(struct stage *st, struct buf *b)
{
    st->b = b;
    st->n = 0; /* tmp stays uninitialised: only [0, n) is ever read */
}

static void stage_flush(struct stage *st)
{
    if (st->n > 0) {
        buf_append(st->b, st->tmp, st->n);
        st->n = 0;
    }
}

static inline void stage_put(struct stage *st, const void *p, size_t n)
{
    if (n > STAGE_SIZE - st->n) {
        stage_flush(st);
        if (n > STAGE_SIZE) {
            buf_append(st->b, p, n);
            return;
        }
    }
    memcpy(st->tmp + st->n, p, n);
    st->n += n;
}

static inline void stage_putc(struct stage *st, char c)
{
    if (st->n == STAGE_SIZE)
        stage_flush(st);
    st->tmp[st->n++] = c;
}

static const char indent_spaces[] = "                                                                ";

static void put_newline_indent(struct stage *st, unsigned level)
{
    size_t n = (size_t)level * 2;
    stage_putc(st, '\n');
    while (n > 0) {
        size_t k = n < sizeof(indent_spaces) - 1 ? n : sizeof(indent_spaces) - 1;
        stage_put(st, indent_spaces, k);
        n -= k;
    }
}

/* Emits what must precede a value or key at the current level: comma, newline, indent. */
static void put_sep(struct json_writer *w, struct stage *st)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    unsigned level = w->depth;
    if (w->need_comma[level])
        stage_putc(st, ',');
    if (w->pretty && level > 0)
        put_newline_indent(st, level);
    w->need_comma[level] = true;
}

/* Appends s as a quoted JSON string: escapes per RFC 8259, U+FFFD for invalid UTF-8. */
static void put_escaped(struct stage *st, const char *str, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)str;
    const unsigned char *end = p + len;
    const unsigned char *run = p; /* start of bytes not yet staged */

    stage_putc(st, '"');
    for (;;) {
        uint64_t x;
        while (end - p >= 8) {
            memcpy(&x, p, 8);
            if (swar_special(x) != 0)
                break;
            p += 8;
        }
        while (p < end && str_plain[*p])
            p++;
        if (p == end)
            break;
        unsigned c = *p;
        if (c >= 0x80) {
            int n = utf8_check(p, (size_t)(end - p));
            if (n > 0) {
                p += n;
                continue;
            }
            stage_put(st, run, (size_t)(p - run));
            stage_put(st, "\xef\xbf\xbd", 3);
            p += -n;
            run = p;
            continue;
        }
        stage_put(st, run, (size_t)(p - run));
        char e[6] = {'\\', 0, '0', '0', 0, 0};
        size_t en = 2;
        switch (c) {
        case '"':
            e[1] = '"';
            break;
        case '\\':
            e[1] = '\\';
            break;
        case '\b':
            e[1] = 'b';
            break;
        case '\f':
            e[1] = 'f';
            break;
        case '\n':
            e[1] = 'n';
            break;
        case '\r':
            e[1] = 'r';
            break;
        case '\t':
            e[1] = 't';
            break;
        default:
            e[1] = 'u';
            e[4] = hex[c >> 4];
            e[5] = hex[c & 15];
            en = 6;
            break;
        }
        stage_put(st, e, en);
        p++;
        run = p;
    }
    stage_put(st, run, (size_t)(p - run));
    stage_putc(st, '"');
}

static void put_begin(struct json_writer *w, struct stage *st, char open)
{
    put_sep(w, st);
    stage_putc(st, open);
    if (w->depth + 1 >= JSON_WRITER_MAX_DEPTH) {
        stage_flush(st);
        w->out->err = ERR_TOOBIG;
        return;
    }
    w->depth++;
    w->need_comma[w->depth] = false;
}

static void put_end(struct json_writer *w, struct stage *st, char close)
{
    if (w->depth == 0) {
        /* More ends than begins: a programmer error, but make it visible in the result. */
        stage_flush(st);
        w->out->err = ERR_INVAL;
        return;
    }
    bool had_children = w->need_comma[w->depth];
    w->depth--;
    if (w->pretty && had_children)
        put_newline_indent(st, w->depth);
    stage_putc(st, close);
}

static void put_key(struct json_writer *w, struct stage *st, const char *key, size_t len)
{
    put_sep(w, st);
    put_escaped(st, key, len);
    if (w->pretty)
        stage_put(st, ": ", 2);
    else
        stage_putc(st, ':');
    w->after_key = true;
}

/* Stages a value that is already JSON text (literals, numbers, raw). */
static void put_raw(struct json_writer *w, struct stage *st, const char *json, size_t len)
{
    put_sep(w, st);
    stage_put(st, json, len);
}

void json_writer_init(struct json_writer *w, struct buf *out, bool pretty)
{
    w->out = out;
    w->depth = 0;
    w->need_comma[0] = false;
    w->after_key = false;
    w->pretty = pretty;
}

void json_write_object_begin(struct json_writer *w)
{
    struct stage st;
    if (w->out->err)
        return;
    stage_init(&st, w->out);
    put_begin(w, &st, '{');
    stage_flush(&st);
}

void json_write_object_end(struct json_writer *w)
{
    struct stage st;
    if (w->out->err)
        return;
    stage_init(&st, w->out);
    put_end(w, &st, '}');
    stage_flush(&st);
}

void json_write_array_begin(struct json_writer *w)
{
    struct stage st;
    if (w->out->err)
        return;
    stage_init(&st, w->out);
    put_begin(w, &st, '[');
    stage_flush(&st);
}

void json_write_array_end(struct json_writer *w)
{
    struct stage st;
    if (w->out->err)
        return;
    stage_init(&st, w->out);
    put_end(w, &st, ']');
    stage_flush(&st);
}

void json_write_key(struct json_writer *w, const char *key)
{
    struct stage st;
    if (w->out->err)
        return;
    stage_init(&st, w->out);
    put_key(w, &st, key, strlen(key));
    stage_flush(&st);
}

void json_write_str(struct json_writer *w, const char *s, size_t len)
{
    struct stage st;
    if (w->out->err)
        return;
    stage_init(&st, w->out);
    put_sep(w, &st);
    put_escaped(&st, s, len);
    stage_flush(&st);
}

void json_write_cstr(struct json_writer *w, const char *s)
{
    if (s == NULL)
        json_write_null(w);
    else
        json_write_str(w, s, strlen(s));
}

void json_write_raw(struct json_writer *w, const char *json, size_t len)
{
    struct stage st;
    if (w->out->err)
        return;
    stage_init(&st, w->out);
    put_raw(w, &st, json, len);
    stage_flush(&st);
}

/* Formats v in decimal just before e; returns the first digit. */
static char *u64_dec(char *e, uint64_t v)
{
    do {
        *--e = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return e;
}

static void write_int(struct json_writer *w, bool negative, uint64_t magnitude, bool quoted)
{
    char tmp[24];
    char *e = tmp + sizeof(tmp);
    if (quoted)
        *--e = '"';
    char *s = u64_dec(e, magnitude);
    if (negative)
        *--s = '-';
    if (quoted)
        *--s = '"';
    json_write_raw(w, s, (size_t)(tmp + sizeof(tmp) - s));
}

void json_write_i64(struct json_writer *w, int64_t v)
{
    write_int(w, v < 0, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, false);
}

void json_write_u64(struct json_writer *w, uint64_t v)
{
    write_int(w, false, v, false);
}

void json_write_i64_str(struct json_writer *w, int64_t v)
{
    write_int(w, v < 0, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, true);
}

void json_write_double(struct json_writer *w, double v)
{
    char tmp[40];
    if (!isfinite(v)) {
        /* JSON has no NaN or infinity. */
        json_write_null(w);
        return;
    }
    /* Shortest of %.15g..%.17g that reads back as the same double. */
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    /* Under a locale with a decimal comma, printf writes "0,5": JSON wants a point. */
    for (int i = 0; i < n; i++)
        if (tmp[i] == ',')
            tmp[i] = '.';
    json_write_raw(w, tmp, (size_t)n);
}

void json_write_bool(struct json_writer *w, bool v)
{
    if (v)
        json_write_raw(w, "true", 4);
    else
        json_write_raw(w, "false", 5);
}

void json_write_null(struct json_writer *w)
{
    json_write_raw(w, "null", 4);
}

/*
 * Recursion is bounded: put_begin sets ERR_TOOBIG at JSON_WRITER_MAX_DEPTH and
 * the loops stop on any error.
 */
static void put_value(struct json_writer *w, struct stage *st, const struct json_value *v)
{
    if (v == NULL) {
        put_raw(w, st, "null", 4);
        return;
    }
    switch (v->type) {
    case JSON_NULL:
        put_raw(w, st, "null", 4);
        break;
    case JSON_FALSE:
        put_raw(w, st, "false", 5);
        break;
    case JSON_TRUE:
        put_raw(w, st, "true", 4);
        break;
    case JSON_NUMBER:
        put_raw(w, st, v->u.str, v->len);
        break;
    case JSON_STRING:
        put_sep(w, st);
        put_escaped(st, v->u.str, v->len);
        break;
    case JSON_ARRAY:
        put_begin(w, st, '[');
        for (size_t i = 0; i < v->len && !w->out->err; i++)
            put_value(w, st, &v->u.items[i]);
        if (!w->out->err)
            put_end(w, st, ']');
        break;
    case JSON_OBJECT:
        put_begin(w, st, '{');
        for (size_t i = 0; i < v->len && !w->out->err; i++) {
            put_key(w, st, v->u.members[i].key.ptr, v->u.members[i].key.len);
            put_value(w, st, &v->u.members[i].value);
        }
        if (!w->out->err)
            put_end(w, st, '}');
        break;
    }
}

void json_write_value(struct json_writer *w, const struct json_value *v)
{
    struct stage st;
    if (w->out->err)
        return;
    stage_init(&st, w->out);
    put_value(w, &st, v);
    stage_flush(&st);
}

void json_write_kv_str(struct json_writer *w, const char *key, const char *s)
{
    json_write_key(w, key);
    json_write_cstr(w, s);
}

void json_write_kv_i64(struct json_writer *w, const char *key, int64_t v)
{
    json_write_key(w, key);
    json_write_i64(w, v);
}

void json_write_kv_i64_str(struct json_writer *w, const char *key, int64_t v)
{
    json_write_key(w, key);
    json_write_i64_str(w, v);
}

void json_write_kv_bool(struct json_writer *w, const char *key, bool v)
{
    json_write_key(w, key);
    json_write_bool(w, v);
}
