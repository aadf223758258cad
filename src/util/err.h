/*
 * err.h - the one error space of Liaison.
 *
 * Functions that can fail return 0 on success or one of the negative ERR_*
 * codes below.  User-facing detail (which field, which line and column) travels
 * beside the code in an optional struct diag; a NULL diag is always allowed.
 * err_http_status() is the single table that maps codes to HTTP statuses.
 */
#ifndef LIAISON_ERR_H
#define LIAISON_ERR_H

#include <stddef.h>

enum {
    ERR_OK = 0,
    ERR_INVAL = -1,        /* malformed or invalid input */
    ERR_NOTFOUND = -2,     /* no such object, or not visible to the caller */
    ERR_TOOBIG = -3,       /* an input-driven limit was exceeded */
    ERR_AUTH = -4,         /* missing or wrong credentials */
    ERR_FORBIDDEN = -5,    /* authenticated but not allowed */
    ERR_CONFLICT = -6,     /* uniqueness or state conflict */
    ERR_DB = -7,           /* storage failure */
    ERR_IO = -8,           /* operating system or network failure */
    ERR_UNSUPPORTED = -9,  /* valid request for something not offered */
    ERR_STALE = -10,       /* update older than the stored copy: ignored */
    ERR_UNAVAILABLE = -11, /* the database cannot be reached now, or this node is read-only */
};

/* Returns a static, human-readable name for an ERR_* code. */
const char *err_str(int code);

/* Returns the HTTP status that answers a request failing with code. */
int err_http_status(int code);

/*
 * Detail for the user about a failure.  field names the offending input field
 * ("Attribute.3.value", "--listen"); line and col are 1-based positions in a
 * text input, 0 when not applicable.
 */
struct diag {
    char field[96];
    char msg[256];
    unsigned line;
    unsigned col;
};

/*
 * Records a failure in d (which may be NULL) and returns code, for `return
 * diag_set(...)`.  Sets every field: field and msg as given, line and col to 0
 * (a caller with a position sets them afterwards), so d need not be cleared
 * first.  A diag that may reach an answer without diag_set is declared
 * `struct diag d = {0};` (or diag_clear'ed).
 */
int diag_set(struct diag *d, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Clears d (which may be NULL). */
void diag_clear(struct diag *d);

#endif
