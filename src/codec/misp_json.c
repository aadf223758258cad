/*
 * misp_json.c - MISP core format (JSON) <-> model (model.h).
 *
 * Decoding walks the tree json_parse() built and copies what it knows into
 * model structs in the caller's arena.  It is deliberately lenient where MISP
 * and PyMISP are (numbers as strings, booleans as 0/1, null for "absent",
 * unknown members ignored) and strict where leniency would change meaning
 * (a fraction where an integer belongs, a malformed UUID, an embedded NUL).
 * It does not consult the type table or apply defaults: "not given" values
 * (see misp_json.h) reach the event service, which owns those rules, as it
 * owns normalising values and first_seen/last_seen (kept here as written).
 *
 * Encoding writes what MISP 2.4/2.5 returns from /events/view (Event.php
 * fetchEvent, then the JSON view): member order, ids/timestamps/enums as
 * strings, booleans as true/false, and the empty arrays MISP always sends
 * (ShadowAttribute, RelatedEvent, Galaxy, EventReport, CryptographicKey).
 * References: draft-dulaunoy-misp-core-format, the "MISP Core Format
 * Sample" in MISP's workflow documentation view (an /events/view answer of
 * MISP 2.4.17x), PyMISP pymisp/mispevent.py.
 *
 * Invariants:
 * - Every error names the offending member by its path in the document
 *   (prefix, then keys and array indexes joined by '.'), as the client wrote
 *   it: "Event.Attribute.3.value" for a wrapped event, "Attribute.3.value"
 *   for a bare one.  The path is formatted only when an error happens.
 * - Counts are checked against limits.h before anything is allocated for
 *   them, so an input cannot make the arena grow past what its own size and
 *   the limits allow.
 * - Strings stored in the model never contain NUL: one that does is refused,
 *   since C code would silently see a shorter value.
 */
#include "codec/misp_json.h"

#include "util/arena.h"
#include "util/err.h"
#include "util/limits.h"
#include "util/parse.h"
#include "util/str.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

/* Largest timestamp accepted: 9999-12-31T23:59:59Z, so that every stored
 * time can be formatted as a four-digit year by any later module. */
#define MISP_TS_MAX INT64_C(253402300799)

/* ------------------------------------------------------------------------ */
/* Decoder context and error paths                                          */
/* ------------------------------------------------------------------------ */

/* Deepest path below the prefix: Event.Object.N.Attribute.N.Tag.N plus the
 * optional "Attribute"/"Object" wrappers of the single-item decoders. */
#define DEC_MAX_SEGS 12

struct dec_seg {
    const char *key; /* NULL: an array index */
    size_t index;
};

struct dec {
    struct arena *a;    /* borrowed: everything decoded lives here */
    struct diag *d;     /* borrowed, may be NULL */
    const char *prefix; /* path of the root value given by the caller, may be "" */
    struct dec_seg seg[DEC_MAX_SEGS];
    unsigned n_seg;
    size_t n_attrs; /* attributes decoded so far in this document (limit) */
};

static void dec_init(struct dec *x, struct arena *a, struct diag *d, const char *prefix)
{
    memset(x, 0, sizeof(*x));
    x->a = a;
    x->d = d;
    x->prefix = prefix != NULL ? prefix : "";
}

static void dec_push_key(struct dec *x, const char *key)
{
    assert(x->n_seg < DEC_MAX_SEGS);
    x->seg[x->n_seg].key = key;
    x->seg[x->n_seg].index = 0;
    x->n_seg++;
}

static void dec_push_index(struct dec *x, size_t index)
{
    assert(x->n_seg < DEC_MAX_SEGS);
    x->seg[x->n_seg].key = NULL;
    x->seg[x->n_seg].index = index;
    x->n_seg++;
}

static void dec_pop(struct dec *x)
{
    assert(x->n_seg > 0);
    x->n_seg--;
}

/* Appends ".s" (or "s" at the start) to the path in f, truncating safely. */
static void path_append(char *f, size_t size, size_t *n, const char *s)
{
    if (*n >= size - 1)
        return;
    int r = snprintf(f + *n, size - *n, "%s%s", *n > 0 ? "." : "", s);
    if (r < 0)
        return;
    *n += (size_t)r;
    if (*n > size - 1)
        *n = size - 1;
}

/*
 * Records an error about member key of the current node (key NULL: about the
 * node itself) and returns code.
 */
static int dec_fail(struct dec *x, int code, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int dec_fail(struct dec *x, int code, const char *key, const char *fmt, ...)
{
    char field[sizeof(((struct diag *)NULL)->field)];
    char msg[sizeof(((struct diag *)NULL)->msg)];
    size_t n = 0;

    field[0] = '\0';
    if (x->prefix[0] != '\0')
        path_append(field, sizeof(field), &n, x->prefix);
    for (unsigned i = 0; i < x->n_seg; i++) {
        if (x->seg[i].key != NULL) {
            path_append(field, sizeof(field), &n, x->seg[i].key);
        } else {
            char num[24];
            snprintf(num, sizeof(num), "%zu", x->seg[i].index);
            path_append(field, sizeof(field), &n, num);
        }
    }
    if (key != NULL)
        path_append(field, sizeof(field), &n, key);

    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return diag_set(x->d, code, field, "%s", msg);
}

/* ------------------------------------------------------------------------ */
/* Scalar readers: absent and null leave *out untouched                    */
/* ------------------------------------------------------------------------ */

/* Returns member key of obj, or NULL when it is absent or JSON null (MISP and
 * PyMISP send null for "no value": object_relation, first_seen, ...). */
static const struct json_value *member(const struct json_value *obj, const char *key)
{
    const struct json_value *v = json_get(obj, key);
    return v == NULL || v->type == JSON_NULL ? NULL : v;
}

static int check_text(struct dec *x, const char *key, const char *s, size_t len)
{
    if (len > LIMIT_VALUE_LEN)
        return dec_fail(x, ERR_TOOBIG, key, "longer than %u bytes", LIMIT_VALUE_LEN);
    if (memchr(s, '\0', len) != NULL)
        return dec_fail(x, ERR_INVAL, key, "must not contain NUL characters");
    return 0;
}

/* A string member, copied into the arena. */
static int read_str(struct dec *x, const struct json_value *obj, const char *key, char **out)
{
    const struct json_value *v = member(obj, key);
    if (v == NULL)
        return 0;
    if (v->type != JSON_STRING)
        return dec_fail(x, ERR_INVAL, key, "must be a string");
    int rc = check_text(x, key, v->u.str, v->len);
    if (rc < 0)
        return rc;
    *out = arena_strndup(x->a, v->u.str, v->len);
    return 0;
}

/*
 * A string member that MISP also takes as a number (attribute value,
 * template_version): the number is kept as the literal the client wrote,
 * which is lossless where PHP would have gone through a float.
 */
static int read_text(struct dec *x, const struct json_value *obj, const char *key, char **out)
{
    const struct json_value *v = member(obj, key);
    if (v == NULL)
        return 0;
    if (v->type != JSON_STRING && v->type != JSON_NUMBER)
        return dec_fail(x, ERR_INVAL, key, "must be a string or a number");
    int rc = check_text(x, key, v->u.str, v->len);
    if (rc < 0)
        return rc;
    *out = arena_strndup(x->a, v->u.str, v->len);
    return 0;
}

/*
 * An integer member in [min, max]: a JSON number without fraction or
 * exponent, or a string of one (MISP sends "12").  "" counts as not given,
 * as PHP's empty() does for the numeric columns.  Parsed here rather than by
 * json_as_i64() so that exactly these forms are accepted.
 */
static int read_i64(struct dec *x, const struct json_value *obj, const char *key, int64_t min,
                    int64_t max, int64_t *out)
{
    const struct json_value *v = member(obj, key);
    if (v == NULL)
        return 0;
    if (v->type != JSON_NUMBER && v->type != JSON_STRING)
        return dec_fail(x, ERR_INVAL, key, "must be an integer");
    if (v->type == JSON_STRING && v->len == 0)
        return 0;
    int64_t n;
    if (parse_i64_all((struct str){v->u.str, v->len}, INT64_MIN, INT64_MAX, &n) < 0)
        return dec_fail(x, ERR_INVAL, key, "must be an integer");
    if (n < min || n > max) {
        if (min == 0 && max == INT64_MAX)
            return dec_fail(x, ERR_INVAL, key, "must not be negative");
        return dec_fail(x, ERR_INVAL, key, "must be between %lld and %lld", (long long)min,
                        (long long)max);
    }
    *out = n;
    return 0;
}

static int read_int(struct dec *x, const struct json_value *obj, const char *key, int min, int max,
                    int *out)
{
    int64_t n = *out;
    int rc = read_i64(x, obj, key, min, max, &n);
    if (rc == 0)
        *out = (int)n;
    return rc;
}

/* An id (non-negative). */
static int read_id(struct dec *x, const struct json_value *obj, const char *key, int64_t *out)
{
    return read_i64(x, obj, key, 0, INT64_MAX, out);
}

/* A Unix timestamp in seconds. */
static int read_ts(struct dec *x, const struct json_value *obj, const char *key, int64_t *out)
{
    return read_i64(x, obj, key, 0, MISP_TS_MAX, out);
}

/*
 * A boolean member: true/false, 0/1, "0"/"1", "true"/"false" (PHP clients
 * and MISP's own older output send all of these).  *given, if not NULL, is
 * set when a value was present.
 */
static int read_bool(struct dec *x, const struct json_value *obj, const char *key, bool *out,
                     bool *given)
{
    const struct json_value *v = member(obj, key);
    if (v == NULL)
        return 0;
    bool b;
    struct str s;
    switch (v->type) {
    case JSON_TRUE:
        b = true;
        break;
    case JSON_FALSE:
        b = false;
        break;
    case JSON_NUMBER:
    case JSON_STRING:
        s = (struct str){v->u.str, v->len};
        if (v->type == JSON_STRING && s.len == 0)
            return 0;
        if (str_eq_cstr(s, "1") || (v->type == JSON_STRING && str_eq_cstr(s, "true")))
            b = true;
        else if (str_eq_cstr(s, "0") || (v->type == JSON_STRING && str_eq_cstr(s, "false")))
            b = false;
        else
            return dec_fail(x, ERR_INVAL, key, "must be a boolean (true, false, 0 or 1)");
        break;
    case JSON_NULL:
    case JSON_ARRAY:
    case JSON_OBJECT:
    default:
        return dec_fail(x, ERR_INVAL, key, "must be a boolean (true, false, 0 or 1)");
    }
    *out = b;
    if (given != NULL)
        *given = true;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* True if s is 8-4-4-4-12 hex digits (RFC 4122 text form, any case). */
static bool uuid_valid(const char *s, size_t len)
{
    if (len != UUID_STR_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (hexval(s[i]) < 0) {
            return false;
        }
    }
    return true;
}

static void uuid_copy_lower(char out[UUID_STR_LEN + 1], const char *s)
{
    for (size_t i = 0; i < UUID_STR_LEN; i++)
        out[i] = s[i] >= 'A' && s[i] <= 'F' ? (char)(s[i] - 'A' + 'a') : s[i];
    out[UUID_STR_LEN] = '\0';
}

/* A UUID member, stored lower-case; "" counts as not given. */
static int read_uuid(struct dec *x, const struct json_value *obj, const char *key,
                     char out[UUID_STR_LEN + 1])
{
    const struct json_value *v = member(obj, key);
    if (v == NULL)
        return 0;
    if (v->type != JSON_STRING)
        return dec_fail(x, ERR_INVAL, key, "must be a string");
    if (v->len == 0)
        return 0;
    if (!uuid_valid(v->u.str, v->len))
        return dec_fail(x, ERR_INVAL, key, "must be a UUID (8-4-4-4-12 hexadecimal digits)");
    uuid_copy_lower(out, v->u.str);
    return 0;
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int64_t y, int64_t m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Reads exactly n (at most 4) decimal digits at s into *out. */
static bool digits(const char *s, size_t n, int64_t *out)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Parses "YYYY-MM-DD" (a real calendar date, years 0001-9999). */
static bool date_parse(const char *s, size_t len, int64_t *y, int64_t *m, int64_t *d)
{
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return false;
    if (!digits(s, 4, y) || !digits(s + 5, 2, m) || !digits(s + 8, 2, d))
        return false;
    return *y >= 1 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= days_in_month(*y, *m);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The event date member: "YYYY-MM-DD", "" for not given. */
static int read_date(struct dec *x, const struct json_value *obj, const char *key, char out[11])
{
    const struct json_value *v = member(obj, key);
    if (v == NULL)
        return 0;
    if (v->type != JSON_STRING)
        return dec_fail(x, ERR_INVAL, key, "must be a string");
    if (v->len == 0)
        return 0;
    int64_t y, m, d;
    if (!date_parse(v->u.str, v->len, &y, &m, &d))
        return dec_fail(x, ERR_INVAL, key, "must be a date (YYYY-MM-DD)");
    memcpy(out, v->u.str, 10);
    out[10] = '\0';
    return 0;
}

/*
 * An organisation's date_created/date_modified: MISP sends them as
 * "YYYY-MM-DD HH:MM:SS" (UTC); Unix seconds are accepted too.
 */
static int read_datetime(struct dec *x, const struct json_value *obj, const char *key, int64_t *out)
{
    const struct json_value *v = member(obj, key);
    if (v == NULL)
        return 0;
    if (v->type == JSON_NUMBER)
        return read_ts(x, obj, key, out);
    if (v->type != JSON_STRING)
        return dec_fail(x, ERR_INVAL, key, "must be a string");
    const char *s = v->u.str;
    int64_t y, mo, d, h, mi, sec;
    if (strspn(s, "0123456789") == v->len)
        return read_ts(x, obj, key, out); /* "" or Unix seconds as a string */
    if (v->len != 19 || !date_parse(s, 10, &y, &mo, &d) || (s[10] != ' ' && s[10] != 'T') ||
        s[13] != ':' || s[16] != ':' || !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
        !digits(s + 17, 2, &sec) || h > 23 || mi > 59 || sec > 59)
        return dec_fail(x, ERR_INVAL, key, "must be \"YYYY-MM-DD HH:MM:SS\" or Unix seconds");
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    if (t < 0)
        return dec_fail(x, ERR_INVAL, key, "must not be before 1970");
    *out = t;
    return 0;
}

/* An array member; *arr is NULL when absent or null. */
static int read_array(struct dec *x, const struct json_value *obj, const char *key,
                      const struct json_value **arr)
{
    const struct json_value *v = member(obj, key);
    *arr = NULL;
    if (v == NULL)
        return 0;
    if (v->type != JSON_ARRAY)
        return dec_fail(x, ERR_INVAL, key, "must be an array");
    *arr = v;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Structured members                                                       */
/* ------------------------------------------------------------------------ */

static int dec_tag(struct dec *x, const struct json_value *v, struct tag_ref *t)
{
    int rc;
    if (v->type != JSON_OBJECT)
        return dec_fail(x, ERR_INVAL, NULL, "must be an object with a \"name\"");
    const struct json_value *name = member(v, "name");
    if (name == NULL || (name->type == JSON_STRING && name->len == 0))
        return dec_fail(x, ERR_INVAL, "name", "is required");
    int64_t numerical = INT64_MIN;
    if ((rc = read_str(x, v, "name", &t->tag.name)) < 0 ||
        (rc = read_id(x, v, "id", &t->tag.id)) < 0 ||
        (rc = read_str(x, v, "colour", &t->tag.colour)) < 0 ||
        (rc = read_bool(x, v, "exportable", &t->tag.exportable, NULL)) < 0 ||
        (rc = read_bool(x, v, "hide_tag", &t->tag.hide_tag, NULL)) < 0 ||
        (rc = read_bool(x, v, "is_galaxy", &t->tag.is_galaxy, NULL)) < 0 ||
        (rc = read_bool(x, v, "is_custom_galaxy", &t->tag.is_custom_galaxy, NULL)) < 0 ||
        (rc = read_bool(x, v, "local_only", &t->tag.local_only, NULL)) < 0 ||
        (rc = read_id(x, v, "org_id", &t->tag.org_id)) < 0 ||
        (rc = read_id(x, v, "user_id", &t->tag.user_id)) < 0 ||
        (rc = read_i64(x, v, "numerical_value", INT64_MIN + 1, INT64_MAX, &numerical)) < 0 ||
        (rc = read_bool(x, v, "local", &t->local, NULL)) < 0)
        return rc;
    if (numerical != INT64_MIN) {
        t->tag.numerical_value = numerical;
        t->tag.has_numerical_value = true;
    }
    return 0;
}

/* The "Tag" list of an event or attribute. */
static int dec_tags(struct dec *x, const struct json_value *obj, struct tag_ref **out,
                    size_t *n_out)
{
    const struct json_value *arr;
    int rc = read_array(x, obj, "Tag", &arr);
    if (rc < 0 || arr == NULL || arr->len == 0)
        return rc;
    if (arr->len > LIMIT_TAGS_PER_ITEM)
        return dec_fail(x, ERR_TOOBIG, "Tag", "more than %u tags", LIMIT_TAGS_PER_ITEM);
    struct tag_ref *tags = arena_calloc(x->a, arr->len, sizeof(*tags));
    dec_push_key(x, "Tag");
    for (size_t i = 0; i < arr->len; i++) {
        dec_push_index(x, i);
        rc = dec_tag(x, &arr->u.items[i], &tags[i]);
        dec_pop(x);
        if (rc < 0)
            break;
    }
    dec_pop(x);
    if (rc < 0)
        return rc;
    *out = tags;
    *n_out = arr->len;
    return 0;
}

/* Org or Orgc; *out stays NULL when absent or null. */
static int dec_org(struct dec *x, const struct json_value *obj, const char *key, struct org **out)
{
    const struct json_value *v = member(obj, key);
    if (v == NULL)
        return 0;
    if (v->type != JSON_OBJECT)
        return dec_fail(x, ERR_INVAL, key, "must be an object");
    struct org *o = arena_calloc(x->a, 1, sizeof(*o));
    int rc;
    dec_push_key(x, key);
    if ((rc = read_id(x, v, "id", &o->id)) < 0 || (rc = read_uuid(x, v, "uuid", o->uuid)) < 0 ||
        (rc = read_str(x, v, "name", &o->name)) < 0 ||
        (rc = read_str(x, v, "description", &o->description)) < 0 ||
        (rc = read_str(x, v, "type", &o->type)) < 0 ||
        (rc = read_str(x, v, "nationality", &o->nationality)) < 0 ||
        (rc = read_str(x, v, "sector", &o->sector)) < 0 ||
        (rc = read_str(x, v, "contacts", &o->contacts)) < 0 ||
        (rc = read_bool(x, v, "local", &o->local, NULL)) < 0 ||
        (rc = read_id(x, v, "created_by", &o->created_by)) < 0 ||
        (rc = read_datetime(x, v, "date_created", &o->date_created)) < 0 ||
        (rc = read_datetime(x, v, "date_modified", &o->date_modified)) < 0) {
        dec_pop(x);
        return rc;
    }
    dec_pop(x);
    *out = o;
    return 0;
}

/* A SharingGroup member (sync): uuid, name, releasability, description, the
 * creator Organisation, the SharingGroupOrg members' Organisation and the
 * SharingGroupServer entries' Server url and all_orgs.  The sender's ids mean
 * nothing here and are dropped. */
static int dec_sharing_group(struct dec *x, const struct json_value *obj,
                             struct sharing_group **out)
{
    const struct json_value *v = member(obj, "SharingGroup");
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    if (v->type != JSON_OBJECT)
        return dec_fail(x, ERR_INVAL, "SharingGroup", "must be an object");
    struct sharing_group *g = arena_calloc(x->a, 1, sizeof(*g));
    int rc;
    dec_push_key(x, "SharingGroup");
    const struct json_value *arr = NULL;
    if ((rc = read_uuid(x, v, "uuid", g->uuid)) < 0 || (rc = read_str(x, v, "name", &g->name)) < 0 ||
        (rc = read_str(x, v, "releasability", &g->releasability)) < 0 ||
        (rc = read_str(x, v, "description", &g->description)) < 0 ||
        (rc = read_bool(x, v, "roaming", &g->roaming, NULL)) < 0 ||
        (rc = dec_org(x, v, "Organisation", &g->org)) < 0 ||
        (rc = read_array(x, v, "SharingGroupOrg", &arr)) < 0) {
        dec_pop(x);
        return rc;
    }
    g->active = true;
    size_t n = arr ? arr->len : 0;
    if (n > LIMIT_ATTRIBUTES_PER_EVENT) {
        dec_pop(x);
        return dec_fail(x, ERR_TOOBIG, "SharingGroupOrg", "too many members");
    }
    g->orgs = arena_calloc(x->a, n ? n : 1, sizeof(*g->orgs));
    dec_push_key(x, "SharingGroupOrg");
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct json_value *m = &arr->u.items[i];
        dec_push_index(x, i);
        if (m->type != JSON_OBJECT)
            rc = dec_fail(x, ERR_INVAL, NULL, "must be an object");
        else if ((rc = read_bool(x, m, "extend", &g->orgs[i].extend, NULL)) == 0)
            rc = dec_org(x, m, "Organisation", &g->orgs[i].org);
        dec_pop(x);
        if (rc == 0 && g->orgs[i].org != NULL)
            g->n_orgs++;
        else if (rc == 0)
            memset(&g->orgs[i], 0, sizeof(g->orgs[i]));
    }
    dec_pop(x);
    const struct json_value *srv = NULL;
    if (rc == 0)
        rc = read_array(x, v, "SharingGroupServer", &srv);
    size_t ns = srv ? srv->len : 0;
    if (rc == 0 && ns > LIMIT_ATTRIBUTES_PER_EVENT)
        rc = dec_fail(x, ERR_TOOBIG, "SharingGroupServer", "too many servers");
    struct sharing_group_server *servers =
        arena_calloc(x->a, ns ? ns : 1, sizeof(*servers));
    dec_push_key(x, "SharingGroupServer");
    for (size_t i = 0; i < ns && rc == 0; i++) {
        const struct json_value *m = &srv->u.items[i];
        const struct json_value *server = json_get(m, "Server");
        char *url = NULL;
        dec_push_index(x, i);
        if (m->type != JSON_OBJECT)
            rc = dec_fail(x, ERR_INVAL, NULL, "must be an object");
        else if ((rc = read_bool(x, m, "all_orgs", &servers[g->n_servers].all_orgs, NULL)) ==
                     0 &&
                 json_is(server, JSON_OBJECT))
            rc = read_str(x, server, "url", &url);
        dec_pop(x);
        if (rc == 0 && url != NULL && *url != '\0')
            servers[g->n_servers++].url = url;
    }
    g->servers = servers;
    dec_pop(x);
    dec_pop(x);
    if (rc < 0)
        return rc;
    *out = g;
    return 0;
}

/* Decodes the members of one attribute object v (already unwrapped). */
static int dec_attribute(struct dec *x, const struct json_value *v, struct attribute *at)
{
    int rc;
    memset(at, 0, sizeof(*at));
    at->distribution = -1;
    if (v->type != JSON_OBJECT)
        return dec_fail(x, ERR_INVAL, NULL, "must be an object");
    if ((rc = read_id(x, v, "id", &at->id)) < 0 || (rc = read_uuid(x, v, "uuid", at->uuid)) < 0 ||
        (rc = read_id(x, v, "event_id", &at->event_id)) < 0 ||
        (rc = read_id(x, v, "object_id", &at->object_id)) < 0 ||
        (rc = read_str(x, v, "object_relation", &at->object_relation)) < 0 ||
        (rc = read_str(x, v, "type", &at->type)) < 0 ||
        (rc = read_str(x, v, "category", &at->category)) < 0 ||
        (rc = read_text(x, v, "value", &at->value)) < 0 ||
        (rc = read_str(x, v, "comment", &at->comment)) < 0 ||
        (rc = read_bool(x, v, "to_ids", &at->to_ids, &at->to_ids_given)) < 0 ||
        (rc = read_int(x, v, "distribution", DIST_ORG, DIST_INHERIT, &at->distribution)) < 0 ||
        (rc = read_id(x, v, "sharing_group_id", &at->sharing_group_id)) < 0 ||
        (rc = read_ts(x, v, "timestamp", &at->timestamp)) < 0 ||
        (rc = read_bool(x, v, "deleted", &at->deleted, NULL)) < 0 ||
        (rc = read_bool(x, v, "disable_correlation", &at->disable_correlation, NULL)) < 0 ||
        (rc = read_str(x, v, "first_seen", &at->first_seen)) < 0 ||
        (rc = read_str(x, v, "last_seen", &at->last_seen)) < 0 ||
        (rc = dec_sharing_group(x, v, &at->sharing_group)) < 0 ||
        (rc = dec_tags(x, v, &at->tags, &at->n_tags)) < 0)
        return rc;
    /* An empty category is what form posts send for "pick the default". */
    if (at->category != NULL && at->category[0] == '\0')
        at->category = NULL;
    at->category_given = at->category != NULL;
    return 0;
}

/* Decodes the "Attribute" list of obj into *out (counted against the event). */
static int dec_attributes(struct dec *x, const struct json_value *obj, struct attribute **out,
                          size_t *n_out)
{
    const struct json_value *arr;
    int rc = read_array(x, obj, "Attribute", &arr);
    if (rc < 0 || arr == NULL || arr->len == 0)
        return rc;
    if (arr->len > LIMIT_ATTRIBUTES_PER_EVENT - x->n_attrs)
        return dec_fail(x, ERR_TOOBIG, "Attribute", "more than %u attributes in one event",
                        LIMIT_ATTRIBUTES_PER_EVENT);
    x->n_attrs += arr->len;
    struct attribute *attrs = arena_calloc(x->a, arr->len, sizeof(*attrs));
    dec_push_key(x, "Attribute");
    for (size_t i = 0; i < arr->len; i++) {
        dec_push_index(x, i);
        rc = dec_attribute(x, &arr->u.items[i], &attrs[i]);
        dec_pop(x);
        if (rc < 0)
            break;
    }
    dec_pop(x);
    if (rc < 0)
        return rc;
    *out = attrs;
    *n_out = arr->len;
    return 0;
}

static int dec_reference(struct dec *x, const struct json_value *v, struct object_reference *r)
{
    int rc;
    if (v->type != JSON_OBJECT)
        return dec_fail(x, ERR_INVAL, NULL, "must be an object");
    /* PyMISP sends object_uuid, MISP's own output source_uuid; either names
     * the object that holds the reference. */
    if ((rc = read_id(x, v, "id", &r->id)) < 0 || (rc = read_uuid(x, v, "uuid", r->uuid)) < 0 ||
        (rc = read_ts(x, v, "timestamp", &r->timestamp)) < 0 ||
        (rc = read_id(x, v, "object_id", &r->object_id)) < 0 ||
        (rc = read_uuid(x, v, "source_uuid", r->object_uuid)) < 0 ||
        (rc = read_uuid(x, v, "object_uuid", r->object_uuid)) < 0 ||
        (rc = read_uuid(x, v, "referenced_uuid", r->referenced_uuid)) < 0 ||
        (rc = read_str(x, v, "relationship_type", &r->relationship_type)) < 0 ||
        (rc = read_str(x, v, "comment", &r->comment)) < 0 ||
        (rc = read_bool(x, v, "deleted", &r->deleted, NULL)) < 0)
        return rc;

    /* MISP: referenced_type 0 = Attribute, 1 = Object. */
    const struct json_value *t = member(v, "referenced_type");
    if (t != NULL) {
        if (t->type != JSON_NUMBER && t->type != JSON_STRING)
            return dec_fail(x, ERR_INVAL, "referenced_type", "must be 0 or 1");
        struct str s = {t->u.str, t->len};
        if (str_eq_cstr(s, "0") || (t->type == JSON_STRING && str_eq_cstr(s, "Attribute")))
            r->referenced_type = arena_strdup(x->a, "Attribute");
        else if (str_eq_cstr(s, "1") || (t->type == JSON_STRING && str_eq_cstr(s, "Object")))
            r->referenced_type = arena_strdup(x->a, "Object");
        else if (!(t->type == JSON_STRING && s.len == 0))
            return dec_fail(x, ERR_INVAL, "referenced_type", "must be 0 or 1");
    }
    return 0;
}

/* Decodes the members of one MISP object v (already unwrapped). */
static int dec_object(struct dec *x, const struct json_value *v, struct object *o)
{
    int rc;
    memset(o, 0, sizeof(*o));
    o->distribution = -1;
    if (v->type != JSON_OBJECT)
        return dec_fail(x, ERR_INVAL, NULL, "must be an object");
    /* MISP writes "meta-category"; accept the C-friendly spelling too. */
    if ((rc = read_id(x, v, "id", &o->id)) < 0 || (rc = read_uuid(x, v, "uuid", o->uuid)) < 0 ||
        (rc = read_id(x, v, "event_id", &o->event_id)) < 0 ||
        (rc = read_str(x, v, "name", &o->name)) < 0 ||
        (rc = read_str(x, v, "meta_category", &o->meta_category)) < 0 ||
        (rc = read_str(x, v, "meta-category", &o->meta_category)) < 0 ||
        (rc = read_str(x, v, "description", &o->description)) < 0 ||
        (rc = read_str(x, v, "template_uuid", &o->template_uuid)) < 0 ||
        (rc = read_text(x, v, "template_version", &o->template_version)) < 0 ||
        (rc = read_str(x, v, "comment", &o->comment)) < 0 ||
        (rc = read_int(x, v, "distribution", DIST_ORG, DIST_INHERIT, &o->distribution)) < 0 ||
        (rc = read_id(x, v, "sharing_group_id", &o->sharing_group_id)) < 0 ||
        (rc = read_ts(x, v, "timestamp", &o->timestamp)) < 0 ||
        (rc = read_bool(x, v, "deleted", &o->deleted, NULL)) < 0 ||
        (rc = read_str(x, v, "first_seen", &o->first_seen)) < 0 ||
        (rc = read_str(x, v, "last_seen", &o->last_seen)) < 0 ||
        (rc = dec_sharing_group(x, v, &o->sharing_group)) < 0 ||
        (rc = dec_attributes(x, v, &o->attrs, &o->n_attrs)) < 0)
        return rc;

    const struct json_value *arr;
    if ((rc = read_array(x, v, "ObjectReference", &arr)) < 0)
        return rc;
    if (arr == NULL || arr->len == 0)
        return 0;
    if (arr->len > LIMIT_ATTRIBUTES_PER_EVENT)
        return dec_fail(x, ERR_TOOBIG, "ObjectReference", "more than %u references",
                        LIMIT_ATTRIBUTES_PER_EVENT);
    o->refs = arena_calloc(x->a, arr->len, sizeof(*o->refs));
    o->n_refs = arr->len;
    dec_push_key(x, "ObjectReference");
    for (size_t i = 0; i < arr->len; i++) {
        dec_push_index(x, i);
        rc = dec_reference(x, &arr->u.items[i], &o->refs[i]);
        dec_pop(x);
        if (rc < 0)
            break;
    }
    dec_pop(x);
    return rc;
}

static int dec_objects(struct dec *x, const struct json_value *obj, struct event *e)
{
    const struct json_value *arr;
    int rc = read_array(x, obj, "Object", &arr);
    if (rc < 0 || arr == NULL || arr->len == 0)
        return rc;
    if (arr->len > LIMIT_ATTRIBUTES_PER_EVENT)
        return dec_fail(x, ERR_TOOBIG, "Object", "more than %u objects in one event",
                        LIMIT_ATTRIBUTES_PER_EVENT);
    e->objects = arena_calloc(x->a, arr->len, sizeof(*e->objects));
    e->n_objects = arr->len;
    dec_push_key(x, "Object");
    for (size_t i = 0; i < arr->len; i++) {
        dec_push_index(x, i);
        rc = dec_object(x, &arr->u.items[i], &e->objects[i]);
        dec_pop(x);
        if (rc < 0)
            break;
    }
    dec_pop(x);
    return rc;
}

/*
 * extends_uuid: MISP accepts the UUID of the extended event or its local id
 * (digits), which the event service resolves; "" means none.
 */
static int read_extends(struct dec *x, const struct json_value *obj, char **out)
{
    const struct json_value *v = member(obj, "extends_uuid");
    if (v == NULL)
        return 0;
    if (v->type != JSON_STRING)
        return dec_fail(x, ERR_INVAL, "extends_uuid", "must be a string");
    if (v->len == 0)
        return 0;
    if (uuid_valid(v->u.str, v->len)) {
        char u[UUID_STR_LEN + 1];
        uuid_copy_lower(u, v->u.str);
        *out = arena_strdup(x->a, u);
        return 0;
    }
    uint64_t id;
    if (v->len <= 20 && parse_u64_all((struct str){v->u.str, v->len}, 1, INT64_MAX, &id) == 0) {
        *out = arena_strndup(x->a, v->u.str, v->len);
        return 0;
    }
    return dec_fail(x, ERR_INVAL, "extends_uuid", "must be an event UUID or id");
}

static int dec_event(struct dec *x, const struct json_value *v, struct event *e)
{
    int rc;
    if (v->type != JSON_OBJECT)
        return dec_fail(x, ERR_INVAL, NULL, "must be an object");
    if ((rc = read_id(x, v, "id", &e->id)) < 0 || (rc = read_uuid(x, v, "uuid", e->uuid)) < 0 ||
        (rc = read_str(x, v, "info", &e->info)) < 0 ||
        (rc = read_date(x, v, "date", e->date)) < 0 ||
        (rc = read_int(x, v, "threat_level_id", THREAT_HIGH, THREAT_UNDEFINED,
                       &e->threat_level_id)) < 0 ||
        (rc = read_int(x, v, "analysis", ANALYSIS_INITIAL, ANALYSIS_COMPLETE, &e->analysis)) < 0 ||
        (rc = read_int(x, v, "distribution", DIST_ORG, DIST_SHARING_GROUP, &e->distribution)) < 0 ||
        (rc = read_id(x, v, "sharing_group_id", &e->sharing_group_id)) < 0 ||
        (rc = read_bool(x, v, "published", &e->published, NULL)) < 0 ||
        (rc = read_ts(x, v, "timestamp", &e->timestamp)) < 0 ||
        (rc = read_ts(x, v, "publish_timestamp", &e->publish_timestamp)) < 0 ||
        (rc = read_ts(x, v, "sighting_timestamp", &e->sighting_timestamp)) < 0 ||
        (rc = read_id(x, v, "org_id", &e->org_id)) < 0 ||
        (rc = read_id(x, v, "orgc_id", &e->orgc_id)) < 0 ||
        (rc = read_bool(x, v, "locked", &e->locked, NULL)) < 0 ||
        (rc = read_bool(x, v, "disable_correlation", &e->disable_correlation, NULL)) < 0 ||
        (rc = read_bool(x, v, "proposal_email_lock", &e->proposal_email_lock, NULL)) < 0 ||
        (rc = read_extends(x, v, &e->extends_uuid)) < 0 ||
        (rc = read_id(x, v, "attribute_count", &e->attribute_count)) < 0 ||
        (rc = dec_org(x, v, "Org", &e->org)) < 0 || (rc = dec_org(x, v, "Orgc", &e->orgc)) < 0 ||
        (rc = dec_sharing_group(x, v, &e->sharing_group)) < 0)
        return rc;

    /* Some producers (feeds generated by scripts) name the creator by
     * orgc_uuid only; treat it as Orgc {"uuid": ...} when Orgc is absent. */
    if (e->orgc == NULL && member(v, "orgc_uuid") != NULL) {
        struct org *o = arena_calloc(x->a, 1, sizeof(*o));
        if ((rc = read_uuid(x, v, "orgc_uuid", o->uuid)) < 0)
            return rc;
        if (o->uuid[0] != '\0')
            e->orgc = o;
    }

    if ((rc = dec_attributes(x, v, &e->attrs, &e->n_attrs)) < 0 ||
        (rc = dec_objects(x, v, e)) < 0 || (rc = dec_tags(x, v, &e->tags, &e->n_tags)) < 0)
        return rc;
    return 0;
}

/*
 * If v is {"<name>": {...}} (MISP's wrapped form), returns the inner object
 * and pushes name on the path; otherwise returns v.  A bare item never has a
 * member named like its own wrapper, so the test is unambiguous.
 */
static const struct json_value *unwrap(struct dec *x, const struct json_value *v, const char *name)
{
    const struct json_value *inner = json_get(v, name);
    if (inner == NULL || inner->type != JSON_OBJECT)
        return v;
    dec_push_key(x, name);
    return inner;
}

int misp_event_decode(struct arena *a, const struct json_value *root, struct event **out,
                      struct diag *d)
{
    struct dec x;
    dec_init(&x, a, d, "");
    *out = NULL;
    if (root == NULL || root->type != JSON_OBJECT)
        return diag_set(d, ERR_INVAL, "Event", "the document must be a JSON object");
    const struct json_value *ev = json_get(root, "Event");
    if (ev != NULL && ev->type != JSON_OBJECT)
        return diag_set(d, ERR_INVAL, "Event", "must be an object");
    const struct json_value *v = unwrap(&x, root, "Event");

    struct event *e = arena_calloc(a, 1, sizeof(*e));
    e->distribution = -1;
    e->analysis = -1;
    int rc = dec_event(&x, v, e);
    if (rc < 0)
        return rc;
    *out = e;
    return 0;
}

int misp_attribute_decode(struct arena *a, const struct json_value *v, const char *prefix,
                          struct attribute *out, struct diag *d)
{
    struct dec x;
    dec_init(&x, a, d, prefix);
    memset(out, 0, sizeof(*out));
    out->distribution = -1;
    if (v == NULL || v->type != JSON_OBJECT)
        return dec_fail(&x, ERR_INVAL, NULL, "must be an object");
    v = unwrap(&x, v, "Attribute");
    return dec_attribute(&x, v, out);
}

int misp_object_decode(struct arena *a, const struct json_value *v, const char *prefix,
                       struct object *out, struct diag *d)
{
    struct dec x;
    dec_init(&x, a, d, prefix);
    memset(out, 0, sizeof(*out));
    out->distribution = -1;
    if (v == NULL || v->type != JSON_OBJECT)
        return dec_fail(&x, ERR_INVAL, NULL, "must be an object");
    v = unwrap(&x, v, "Object");
    return dec_object(&x, v, out);
}

/* ------------------------------------------------------------------------ */
/* Encoder                                                                  */
/* ------------------------------------------------------------------------ */

/* MISP never emits null for these text columns: a missing one is "". */
static void kv_text(struct json_writer *w, const char *key, const char *s)
{
    json_write_kv_str(w, key, s != NULL ? s : "");
}

/* ...and emits null for these (nullable columns: object_relation, first_seen). */
static void kv_nullable(struct json_writer *w, const char *key, const char *s)
{
    json_write_kv_str(w, key, s);
}

static void write_empty_array(struct json_writer *w, const char *key)
{
    json_write_key(w, key);
    json_write_array_begin(w);
    json_write_array_end(w);
}

void misp_org_encode_short(struct json_writer *w, const struct org *o)
{
    json_write_object_begin(w);
    if (o != NULL) {
        json_write_kv_i64_str(w, "id", o->id);
        kv_text(w, "name", o->name);
        kv_text(w, "uuid", o->uuid);
        json_write_kv_bool(w, "local", o->local);
    }
    json_write_object_end(w);
}

void misp_sharing_group_orgs_encode(struct json_writer *w, const struct sharing_group *g)
{
    json_write_key(w, "SharingGroupOrg");
    json_write_array_begin(w);
    for (size_t i = 0; i < g->n_orgs; i++) {
        json_write_object_begin(w);
        json_write_kv_i64_str(w, "sharing_group_id", g->id);
        json_write_kv_i64_str(w, "org_id", g->orgs[i].org_id);
        json_write_kv_bool(w, "extend", g->orgs[i].extend);
        json_write_key(w, "Organisation");
        misp_org_encode_short(w, g->orgs[i].org);
        json_write_object_end(w);
    }
    json_write_array_end(w);
}

void misp_tag_encode(struct json_writer *w, const struct tag_ref *t)
{
    const struct tag *tag = &t->tag;
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", tag->id);
    kv_text(w, "name", tag->name);
    kv_text(w, "colour", tag->colour);
    json_write_kv_bool(w, "exportable", tag->exportable);
    json_write_kv_i64_str(w, "user_id", tag->user_id);
    json_write_kv_bool(w, "hide_tag", tag->hide_tag);
    json_write_key(w, "numerical_value");
    if (tag->has_numerical_value)
        json_write_i64_str(w, tag->numerical_value);
    else
        json_write_null(w);
    json_write_kv_bool(w, "is_galaxy", tag->is_galaxy);
    json_write_kv_bool(w, "is_custom_galaxy", tag->is_custom_galaxy);
    json_write_kv_bool(w, "local_only", tag->local_only);
    /* MISP computes this one in PHP and emits it as the integer 0 or 1. */
    json_write_kv_i64(w, "local", t->local ? 1 : 0);
    json_write_object_end(w);
}

static void write_tags(struct json_writer *w, const struct tag_ref *tags, size_t n)
{
    if (n == 0)
        return; /* MISP leaves "Tag" out when there are none */
    json_write_key(w, "Tag");
    json_write_array_begin(w);
    for (size_t i = 0; i < n; i++)
        misp_tag_encode(w, &tags[i]);
    json_write_array_end(w);
}

/* Writes the "Sighting" list of attribute at from its event's sightings (sorted
 * by attribute id), if it has any: MISP's event view puts them there. */
static void write_attribute_sightings(struct json_writer *w, const struct attribute *at,
                                      const struct event *e)
{
    if (e == NULL || e->n_sightings == 0)
        return;
    size_t lo = 0, hi = e->n_sightings;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->sightings[mid].attribute_id < at->id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == e->n_sightings || e->sightings[lo].attribute_id != at->id)
        return;
    json_write_key(w, "Sighting");
    json_write_array_begin(w);
    for (; lo < e->n_sightings && e->sightings[lo].attribute_id == at->id; lo++)
        misp_sighting_encode(w, &e->sightings[lo],
                             MISP_SIGHTING_ATTRIBUTE_UUID | MISP_SIGHTING_ORG);
    json_write_array_end(w);
}

/* MISP's SharingGroup member of an event, object or attribute in distribution
 * 4, as sync sends it: the group and its member organisations by uuid and name
 * (the receiving node keeps it only if it is a member). */
static void write_sharing_group(struct json_writer *w, const struct sharing_group *g)
{
    if (g == NULL)
        return;
    json_write_key(w, "SharingGroup");
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", g->id);
    kv_text(w, "uuid", g->uuid);
    kv_text(w, "name", g->name);
    kv_text(w, "releasability", g->releasability);
    kv_text(w, "description", g->description);
    json_write_kv_i64_str(w, "org_id", g->org_id);
    json_write_kv_bool(w, "active", g->active);
    json_write_kv_bool(w, "local", g->local);
    json_write_kv_bool(w, "roaming", g->roaming);
    json_write_key(w, "Organisation");
    misp_org_encode_short(w, g->org);
    misp_sharing_group_orgs_encode(w, g);
    json_write_key(w, "SharingGroupServer");
    json_write_array_begin(w);
    for (size_t i = 0; i < g->n_servers; i++) {
        if (g->servers[i].url == NULL)
            continue; /* a server this node cannot name */
        json_write_object_begin(w);
        json_write_kv_bool(w, "all_orgs", g->servers[i].all_orgs);
        json_write_key(w, "Server");
        json_write_object_begin(w);
        kv_text(w, "url", g->servers[i].url);
        json_write_object_end(w);
        json_write_object_end(w);
    }
    json_write_array_end(w);
    json_write_object_end(w);
}

/* One attribute; with_sightings_of (may be NULL) is the event whose sightings
 * list holds the attribute's. */
static void attribute_encode(struct json_writer *w, const struct attribute *at,
                             const char *event_uuid, const struct event *with_sightings_of)
{
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", at->id);
    kv_text(w, "type", at->type);
    kv_text(w, "category", at->category);
    json_write_kv_bool(w, "to_ids", at->to_ids);
    kv_text(w, "uuid", at->uuid);
    json_write_kv_i64_str(w, "event_id", at->event_id);
    if (event_uuid != NULL)
        json_write_kv_str(w, "event_uuid", event_uuid);
    json_write_kv_i64_str(w, "distribution", at->distribution);
    json_write_kv_i64_str(w, "timestamp", at->timestamp);
    kv_text(w, "comment", at->comment);
    json_write_kv_i64_str(w, "sharing_group_id", at->sharing_group_id);
    write_sharing_group(w, at->sharing_group);
    json_write_kv_bool(w, "deleted", at->deleted);
    json_write_kv_bool(w, "disable_correlation", at->disable_correlation);
    json_write_kv_i64_str(w, "object_id", at->object_id);
    kv_nullable(w, "object_relation", at->object_relation);
    kv_nullable(w, "first_seen", at->first_seen);
    kv_nullable(w, "last_seen", at->last_seen);
    kv_text(w, "value", at->value);
    write_tags(w, at->tags, at->n_tags);
    write_attribute_sightings(w, at, with_sightings_of);
    if (at->over_correlation)
        json_write_kv_bool(w, "over_correlation", true);
    if (at->n_related) {
        json_write_key(w, "RelatedAttribute");
        json_write_array_begin(w);
        for (size_t i = 0; i < at->n_related; i++) {
            const struct related_attribute *r = &at->related[i];
            json_write_object_begin(w);
            json_write_kv_i64_str(w, "id", r->event_id);
            json_write_kv_i64_str(w, "org_id", r->org_id);
            kv_text(w, "info", r->info);
            kv_text(w, "value", r->value);
            json_write_kv_i64_str(w, "attribute_id", r->attribute_id);
            json_write_object_end(w);
        }
        json_write_array_end(w);
    }
    json_write_object_end(w);
}

void misp_attribute_encode(struct json_writer *w, const struct attribute *at,
                           const char *event_uuid)
{
    attribute_encode(w, at, event_uuid, NULL);
}

static void write_reference(struct json_writer *w, const struct object *o,
                            const struct object_reference *r)
{
    /* Order of MISP's event view; referenced_id is not in the model and is
     * left out (PyMISP and MISP's sync resolve references by UUID). */
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", r->id);
    kv_text(w, "uuid", r->uuid);
    json_write_kv_i64_str(w, "timestamp", r->timestamp);
    json_write_kv_i64_str(w, "object_id", r->object_id);
    kv_text(w, "referenced_uuid", r->referenced_uuid);
    if (r->referenced_type != NULL && strcmp(r->referenced_type, "Attribute") == 0)
        json_write_kv_str(w, "referenced_type", "0");
    else if (r->referenced_type != NULL && strcmp(r->referenced_type, "Object") == 0)
        json_write_kv_str(w, "referenced_type", "1");
    kv_text(w, "relationship_type", r->relationship_type);
    kv_text(w, "comment", r->comment);
    json_write_kv_bool(w, "deleted", r->deleted);
    json_write_kv_i64_str(w, "event_id", o->event_id);
    kv_text(w, "source_uuid", r->object_uuid);
    json_write_object_end(w);
}

static void object_encode(struct json_writer *w, const struct object *o,
                          const struct event *with_sightings_of)
{
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", o->id);
    kv_text(w, "name", o->name);
    kv_text(w, "meta-category", o->meta_category);
    kv_text(w, "description", o->description);
    kv_nullable(w, "template_uuid", o->template_uuid);
    kv_nullable(w, "template_version", o->template_version);
    json_write_kv_i64_str(w, "event_id", o->event_id);
    kv_text(w, "uuid", o->uuid);
    json_write_kv_i64_str(w, "timestamp", o->timestamp);
    json_write_kv_i64_str(w, "distribution", o->distribution);
    json_write_kv_i64_str(w, "sharing_group_id", o->sharing_group_id);
    write_sharing_group(w, o->sharing_group);
    kv_text(w, "comment", o->comment);
    json_write_kv_bool(w, "deleted", o->deleted);
    kv_nullable(w, "first_seen", o->first_seen);
    kv_nullable(w, "last_seen", o->last_seen);
    json_write_key(w, "ObjectReference");
    json_write_array_begin(w);
    for (size_t i = 0; i < o->n_refs; i++)
        write_reference(w, o, &o->refs[i]);
    json_write_array_end(w);
    json_write_key(w, "Attribute");
    json_write_array_begin(w);
    for (size_t i = 0; i < o->n_attrs; i++)
        attribute_encode(w, &o->attrs[i], NULL, with_sightings_of);
    json_write_array_end(w);
    json_write_object_end(w);
}

void misp_object_encode(struct json_writer *w, const struct object *o)
{
    object_encode(w, o, NULL);
}

/* "Org" and "Orgc" of an event, when loaded. */
static void write_event_orgs(struct json_writer *w, const struct event *e)
{
    if (e->org != NULL) {
        json_write_key(w, "Org");
        misp_org_encode_short(w, e->org);
    }
    if (e->orgc != NULL) {
        json_write_key(w, "Orgc");
        misp_org_encode_short(w, e->orgc);
    }
}

/* One RelatedEvent entry: the fields MISP's fetchEvent selects for it. */
static void write_related_event(struct json_writer *w, const struct event *e)
{
    json_write_object_begin(w);
    json_write_key(w, "Event");
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", e->id);
    json_write_kv_str(w, "date", e->date);
    json_write_kv_i64_str(w, "threat_level_id", e->threat_level_id);
    kv_text(w, "info", e->info);
    json_write_kv_bool(w, "published", e->published);
    kv_text(w, "uuid", e->uuid);
    json_write_kv_i64_str(w, "analysis", e->analysis);
    json_write_kv_i64_str(w, "timestamp", e->timestamp);
    json_write_kv_i64_str(w, "distribution", e->distribution);
    json_write_kv_i64_str(w, "org_id", e->org_id);
    json_write_kv_i64_str(w, "orgc_id", e->orgc_id);
    write_event_orgs(w, e);
    json_write_object_end(w);
    json_write_object_end(w);
}

void misp_event_encode_fields(struct json_writer *w, const struct event *e)
{
    json_write_kv_i64_str(w, "id", e->id);
    json_write_kv_i64_str(w, "orgc_id", e->orgc_id);
    json_write_kv_i64_str(w, "org_id", e->org_id);
    json_write_kv_str(w, "date", e->date);
    json_write_kv_i64_str(w, "threat_level_id", e->threat_level_id);
    kv_text(w, "info", e->info);
    json_write_kv_bool(w, "published", e->published);
    kv_text(w, "uuid", e->uuid);
    json_write_kv_i64_str(w, "attribute_count", e->attribute_count);
    json_write_kv_i64_str(w, "analysis", e->analysis);
    json_write_kv_i64_str(w, "timestamp", e->timestamp);
    json_write_kv_i64_str(w, "distribution", e->distribution);
    json_write_kv_bool(w, "proposal_email_lock", e->proposal_email_lock);
    json_write_kv_bool(w, "locked", e->locked);
    json_write_kv_i64_str(w, "publish_timestamp", e->publish_timestamp);
    json_write_kv_i64_str(w, "sharing_group_id", e->sharing_group_id);
    write_sharing_group(w, e->sharing_group);
    json_write_kv_bool(w, "disable_correlation", e->disable_correlation);
    kv_text(w, "extends_uuid", e->extends_uuid);
    write_event_orgs(w, e);
    json_write_key(w, "Attribute");
    json_write_array_begin(w);
    for (size_t i = 0; i < e->n_attrs; i++)
        attribute_encode(w, &e->attrs[i], NULL, e);
    json_write_array_end(w);
    write_empty_array(w, "ShadowAttribute");
    json_write_key(w, "RelatedEvent");
    json_write_array_begin(w);
    for (size_t i = 0; i < e->n_related; i++)
        write_related_event(w, e->related[i]);
    json_write_array_end(w);
    write_empty_array(w, "Galaxy");
    json_write_key(w, "Object");
    json_write_array_begin(w);
    for (size_t i = 0; i < e->n_objects; i++)
        object_encode(w, &e->objects[i], e);
    json_write_array_end(w);
    write_empty_array(w, "EventReport");
    write_empty_array(w, "CryptographicKey");
    write_tags(w, e->tags, e->n_tags);
}

void misp_event_encode(struct json_writer *w, const struct event *e)
{
    json_write_object_begin(w);
    json_write_key(w, "Event");
    json_write_object_begin(w);
    misp_event_encode_fields(w, e);
    json_write_object_end(w);
    json_write_object_end(w);
}

/* ------------------------------------------------------------------------ */
/* Sightings                                                                */
/* ------------------------------------------------------------------------ */

void misp_sighting_encode(struct json_writer *w, const struct sighting *s, unsigned members)
{
    json_write_object_begin(w);
    json_write_kv_i64_str(w, "id", s->id);
    json_write_kv_i64_str(w, "attribute_id", s->attribute_id);
    json_write_kv_i64_str(w, "event_id", s->event_id);
    json_write_kv_i64_str(w, "org_id", s->org_id);
    json_write_kv_i64_str(w, "date_sighting", s->date_sighting);
    kv_text(w, "uuid", s->uuid);
    kv_text(w, "source", s->source);
    json_write_kv_i64_str(w, "type", s->type);
    if (members & MISP_SIGHTING_VALUE)
        kv_text(w, "value", s->value);
    if (members & MISP_SIGHTING_ATTRIBUTE_UUID)
        kv_text(w, "attribute_uuid", s->attribute_uuid);
    if (members & MISP_SIGHTING_EVENT_UUID)
        kv_text(w, "event_uuid", s->event_uuid);
    if (members & MISP_SIGHTING_DELETED)
        json_write_kv_bool(w, "deleted", s->deleted);
    if ((members & MISP_SIGHTING_ORG) && s->org != NULL) {
        json_write_key(w, "Organisation");
        json_write_object_begin(w);
        json_write_kv_i64_str(w, "id", s->org->id);
        kv_text(w, "uuid", s->org->uuid);
        kv_text(w, "name", s->org->name);
        json_write_object_end(w);
    }
    json_write_object_end(w);
}

int misp_sighting_decode(struct arena *a, const struct json_value *v, const char *prefix,
                         struct sighting *out, struct diag *d)
{
    struct dec x;
    dec_init(&x, a, d, prefix);
    memset(out, 0, sizeof(*out));
    out->type = -1;
    out->org_id = -1;
    if (v == NULL || v->type != JSON_OBJECT)
        return dec_fail(&x, ERR_INVAL, NULL, "must be an object");
    v = unwrap(&x, v, "Sighting");
    if (v->type != JSON_OBJECT)
        return dec_fail(&x, ERR_INVAL, NULL, "must be an object");
    int rc;
    if ((rc = read_uuid(&x, v, "uuid", out->uuid)) < 0 ||
        (rc = read_uuid(&x, v, "attribute_uuid", out->attribute_uuid)) < 0 ||
        (rc = read_int(&x, v, "type", SIGHTING_SEEN, SIGHTING_EXPIRATION, &out->type)) < 0 ||
        (rc = read_str(&x, v, "source", &out->source)) < 0 ||
        (rc = read_ts(&x, v, "date_sighting", &out->date_sighting)) < 0 ||
        (rc = read_id(&x, v, "org_id", &out->org_id)) < 0 ||
        (rc = read_bool(&x, v, "deleted", &out->deleted, NULL)) < 0 ||
        (rc = dec_org(&x, v, "Organisation", &out->org)) < 0)
        return rc;
    if (out->org != NULL)
        out->org->id = 0;
    return 0;
}
