/*
 * json.h - the project's JSON reader and streaming writer (RFC 8259).
 *
 * Reader: json_parse() builds an immutable tree in a caller-supplied arena (no
 * malloc per node).  It accepts exactly RFC 8259 JSON text: any value at top
 * level, surrounding whitespace, no trailing commas, no comments, strings must
 * be valid UTF-8 (overlong forms, surrogates encoded in UTF-8 and code points
 * above U+10FFFF are rejected) and escapes are unescaped into UTF-8; a lone
 * surrogate escape (\uD800 not followed by \uDC00-\uDFFF, or a lone \uDC00)
 * is rejected as well, since it has no UTF-8 form (RFC 8259 section 8.2 leaves
 * it to the implementation; JSONTestSuite's i_string_*surrogate* cases).
 * \u0000 is kept (the length tells); see json_as_str().  Nesting deeper than
 * max_depth fails with ERR_TOOBIG.  Errors carry the 1-based line and column
 * (in bytes) of the offending byte in the struct diag.
 *
 * Objects keep every member in document order, duplicates included;
 * json_get() returns the LAST member of a name, as PHP's json_decode (and so
 * MISP) does.
 *
 * Writer: a struct json_writer appends to a struct buf and inserts commas
 * itself.  Errors are sticky (buf.err); check once at the end.  Strings are
 * escaped per RFC 8259 and emitted as UTF-8; invalid UTF-8 in a string given
 * to the writer is replaced by U+FFFD so the output is always valid JSON.
 *
 * Not in this module: anything MISP-specific (see misp_json.h).
 */
#ifndef LIAISON_JSON_H
#define LIAISON_JSON_H

#include "util/arena.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
};

struct json_member;

struct json_value {
    enum json_type type;
    /* JSON_STRING: bytes (without NUL); JSON_NUMBER: length of the literal text;
     * JSON_ARRAY: number of items; JSON_OBJECT: number of members. */
    size_t len;
    union {
        /* JSON_STRING: unescaped UTF-8, NUL-terminated (may contain \0 from \u0000).
         * JSON_NUMBER: the literal as written, NUL-terminated. */
        const char *str;
        struct json_value *items;    /* JSON_ARRAY: len contiguous values */
        struct json_member *members; /* JSON_OBJECT: len contiguous members */
    } u;
};

struct json_member {
    struct str key; /* unescaped, NUL-terminated (key.ptr[key.len] == '\0') */
    struct json_value value;
};

/*
 * Parses len bytes at text (need not be NUL-terminated).  On success *out
 * points to the root value, allocated in a (borrowed; the tree lives as long as
 * a).  Returns 0, ERR_INVAL (syntax or encoding, with line/col in d) or
 * ERR_TOOBIG (depth).
 *
 * Memory: one arena block of about len bytes for all string and number text,
 * plus 24 bytes per array item and 40 per object member; a temporary scratch
 * stack on the heap is freed before returning.  On failure *out is NULL and
 * what was allocated stays in a until a is freed.  d->field is "json".
 */
int json_parse(struct arena *a, const char *text, size_t len, unsigned max_depth,
               struct json_value **out, struct diag *d);

/* Returns the last member named key of obj, or NULL (also when obj is NULL or not an object). */
const struct json_value *json_get(const struct json_value *obj, const char *key);

/* Predicates for convenience; all accept NULL. */
static inline bool json_is(const struct json_value *v, enum json_type t)
{
    return v != NULL && v->type == t;
}

/*
 * Reads v as a 64-bit integer: a JSON number without fraction or exponent, or
 * a string holding one (MISP sends ids and timestamps as strings), or true/false
 * as 1/0.  Returns false if v is NULL, of another type, or out of range.
 * Strings follow parse_i64_all(): optional sign, decimal digits only, no
 * spaces ("+12" and "007" are accepted).  *out is only written on success.
 */
bool json_as_i64(const struct json_value *v, int64_t *out);

/*
 * Reads v as a boolean the way PHP/MISP clients send it: true/false, numbers 0/1,
 * strings "0"/"1"/"true"/"false".  Returns false if it is none of these.
 */
bool json_as_bool(const struct json_value *v, bool *out);

/*
 * Reads v as a string view; returns false if v is not a JSON string, or if it
 * holds U+0000 (\u0000): such a string cannot be used as a C string, and
 * callers copy the view into one (a name "a\u0000b" would silently become
 * "a").  Code that takes binary-safe text reads v->u.str and v->len itself and
 * refuses NUL with its own message (misp_json.c).
 */
bool json_as_str(const struct json_value *v, struct str *out);
/* True if v is a JSON string holding U+0000 (for a precise error message). */
bool json_str_has_nul(const struct json_value *v);

/* ---- writer ---- */

#define JSON_WRITER_MAX_DEPTH 256

struct json_writer {
    struct buf *out;                     /* borrowed */
    unsigned depth;                      /* current nesting */
    bool need_comma[JSON_WRITER_MAX_DEPTH]; /* per level: an element was written */
    bool after_key;                      /* a key was just written: no comma before value */
    bool pretty;                         /* newline+indent (2 spaces) between elements */
};

/*
 * Initialises w to append to out (borrowed; must outlive w).  Errors are
 * out->err: ERR_TOOBIG when out->max is reached or nesting reaches
 * JSON_WRITER_MAX_DEPTH, ERR_INVAL for an end without a begin.  Every write
 * is a no-op once out->err is set.
 */
void json_writer_init(struct json_writer *w, struct buf *out, bool pretty);
void json_write_object_begin(struct json_writer *w);
void json_write_object_end(struct json_writer *w);
void json_write_array_begin(struct json_writer *w);
void json_write_array_end(struct json_writer *w);
/* Writes an object member name; the next write is its value. */
void json_write_key(struct json_writer *w, const char *key);
void json_write_str(struct json_writer *w, const char *s, size_t len);
void json_write_cstr(struct json_writer *w, const char *s); /* NULL writes null */
void json_write_i64(struct json_writer *w, int64_t v);
void json_write_u64(struct json_writer *w, uint64_t v);
/* Writes v as a JSON string of its decimal digits (MISP emits ids as "12"). */
void json_write_i64_str(struct json_writer *w, int64_t v);
/* Shortest form that reads back as v (up to 17 digits); NaN and infinities write null. */
void json_write_double(struct json_writer *w, double v);
void json_write_bool(struct json_writer *w, bool v);
void json_write_null(struct json_writer *w);
/* Writes a parsed value (deep copy out to text). */
void json_write_value(struct json_writer *w, const struct json_value *v);
/* Appends already-serialised JSON text as one value (caller guarantees validity). */
void json_write_raw(struct json_writer *w, const char *json, size_t len);

/* Shorthands for a member: key then value. */
void json_write_kv_str(struct json_writer *w, const char *key, const char *s); /* NULL -> null */
void json_write_kv_i64(struct json_writer *w, const char *key, int64_t v);
void json_write_kv_i64_str(struct json_writer *w, const char *key, int64_t v);
void json_write_kv_bool(struct json_writer *w, const char *key, bool v);

#endif
