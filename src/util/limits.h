/*
 * limits.h - every input-driven size in one place.
 *
 * Exceeding one of these is a typed error (ERR_TOOBIG -> 413, or ERR_INVAL ->
 * 422/400 for counts), never a crash or an allocation failure.  Values that an
 * administrator may change are defaults of configuration entries.
 */
#ifndef LIAISON_LIMITS_H
#define LIAISON_LIMITS_H

/* Default maximum HTTP request body (configurable: max_body). */
#define LIMIT_BODY_DEFAULT (50u * 1024 * 1024)
/* Hard ceiling for max_body. */
#define LIMIT_BODY_MAX (1024u * 1024 * 1024)
/* Hard ceiling for body_memory_max, the bytes of request bodies held in memory
 * at once by all connections together (default 1 GiB: one largest look-up). */
#define LIMIT_BODY_MEMORY_MAX (1024ll * 1024 * 1024 * 1024)
/* Maximum nesting depth of a JSON document. */
#define LIMIT_JSON_DEPTH 128
/* Longest observable a look-up takes (a longer line is reported invalid). */
#define LIMIT_OBSERVABLE_LEN 4096
/* Maximum length of one attribute value, in bytes (MISP stores values in TEXT). */
#define LIMIT_VALUE_LEN (1024u * 1024)
/* Maximum attributes in one event on add/edit. */
#define LIMIT_ATTRIBUTES_PER_EVENT 2000000u
/* Maximum tags attached to one event or attribute. */
#define LIMIT_TAGS_PER_ITEM 1024u
/* Maximum size of a response built in memory. */
#define LIMIT_RESPONSE_MAX (2048u * 1024 * 1024)
/* Maximum restSearch page size ("limit"). */
#define LIMIT_SEARCH_PAGE 1000000u
/* Maximum values in all the filters of one restSearch request together,
 * nested lists and OR/AND/NOT parts included. */
#define LIMIT_FILTER_VALUES 10000u
/* Maximum bytes of all restSearch filter values of one request together. */
#define LIMIT_FILTER_BYTES (1024u * 1024)
/* Longest single restSearch filter value or pattern, in bytes (SQLite refuses
 * LIKE patterns over 50,000 bytes; exact values longer than this are text
 * blobs nobody searches for by value). */
#define LIMIT_FILTER_VALUE_LEN 16384u
/* Maximum CSV columns a restSearch may ask for (requested_attributes); there
 * are fewer distinct column names. */
#define LIMIT_CSV_COLUMNS 64u
/* Longest CSV column name accepted in requested_attributes. */
#define LIMIT_CSV_COLUMN_NAME 64u
/* Maximum URL length accepted. */
#define LIMIT_URL_LEN 8192u

/* Maximum sightings (or sighting uuids) in one sync request: MISP pushes
 * them in batches of 250,000. */
#define LIMIT_SIGHTINGS_PER_REQUEST 250000u

#endif
