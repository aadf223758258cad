/*
 * types.h - the MISP attribute type table: categories, defaults, validation
 * and canonicalisation of values.
 *
 * The table holds every type and category of MISP's describeTypes (194 types,
 * 16 categories) in MISP's order, with each type's default category and to_ids
 * default, and the category -> types mapping.  It is plain data: the HTTP layer
 * renders describeTypes.json from it.
 *
 * Values: types_canonicalise() validates a value for its type and returns the
 * canonical form stored and compared (for example lower-case hashes and domains,
 * compressed IPv6, "ip|port" composites).  Types without a specific rule accept
 * any non-empty text after trimming surrounding white space.
 *
 * Not here: visibility, storage, JSON.
 */
#ifndef LIAISON_TYPES_H
#define LIAISON_TYPES_H

#include "util/arena.h"
#include "util/err.h"
#include "util/str.h"

#include <stdbool.h>
#include <stddef.h>

struct attr_type {
    const char *name;             /* "ip-dst" */
    const char *default_category; /* "Network activity" */
    bool to_ids;                  /* default to_ids */
};

/*
 * Everything below returns pointers to static, immutable data: never free it,
 * and it may be shared between threads without locks.
 */

/* Number of types, and the i-th in MISP's describeTypes "types" order (NULL if
 * i >= types_count()). */
size_t types_count(void);
const struct attr_type *types_at(size_t i);

/* Types in the order of describeTypes "sane_defaults" keys, which MISP keeps
 * separately from "types" (today the two orders are the same); NULL if out of
 * range. */
size_t types_sane_defaults_count(void);
const struct attr_type *types_sane_defaults_at(size_t i);

/* Returns the type named name (exact, case-sensitive; name need not be
 * NUL-terminated), or NULL.  A binary search over a static index. */
const struct attr_type *types_find(struct str name);

/* Number of categories, and the i-th in describeTypes "categories" order (NULL
 * if out of range). */
size_t types_category_count(void);
const char *types_category_at(size_t i);
/* Returns the canonical category name equal to name, or NULL if unknown. */
const char *types_category_find(struct str name);
/* Types allowed in category i, in describeTypes "category_type_mappings" order
 * (0 and NULL when an index is out of range). */
size_t types_category_type_count(size_t category_index);
const char *types_category_type_at(size_t category_index, size_t i);
/* Returns true if type may be used with category (the category -> types
 * mapping); false for unknown names or NULL. */
bool types_category_allows(const char *category, const char *type);

/* Does an attribute of this type and category correlate?  No for MISP's
 * non-correlating types (comment, text, other, hex, port, counter, ...) and the
 * "Antivirus detection" category; such values are still looked up. */
bool types_correlates(const char *type, const char *category);

/*
 * Validates value for type t and returns its canonical form in *out: a
 * NUL-terminated string allocated in a (owned by the arena).  value is
 * borrowed and need not be NUL-terminated.  The steps follow MISP's
 * Attribute::beforeValidateMassage and AttributeValidationTool: surrounding
 * white space is trimmed (PHP trim: space, \t, \n, \r, \v), defanged network
 * values are refanged ("hxxp://evil[.]com"), then the type's rule rewrites
 * and checks the value (lower-case hashes, compressed IPv6, "ip|port", ...).
 * Types without a specific rule accept any non-empty text.
 *
 * On failure returns ERR_INVAL, sets *out to NULL and fills d (which may be
 * NULL) with field "value" and a message saying what is wrong and what was
 * expected ("not a valid sha256: expected 64 hexadecimal characters").  Values
 * that are empty after trimming, contain a NUL byte, consist of control
 * characters only or are longer than LIMIT_VALUE_LEN fail for every type.  If
 * t is not a type of the table (by address or by name) the field is "type".
 */
int types_canonicalise(const struct attr_type *t, struct str value, struct arena *a, char **out,
                       struct diag *d);

#endif
