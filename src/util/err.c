/*
 * err.c - error names, the code-to-HTTP-status table and struct diag.
 */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    int code;
    int http;
    const char *name;
} err_table[] = {
    {ERR_OK, 200, "ok"},
    {ERR_INVAL, 400, "invalid input"},
    {ERR_NOTFOUND, 404, "not found"},
    {ERR_TOOBIG, 413, "too large"},
    {ERR_AUTH, 403, "authentication failed"},
    {ERR_FORBIDDEN, 403, "forbidden"},
    {ERR_CONFLICT, 409, "conflict"},
    {ERR_DB, 500, "database error"},
    {ERR_IO, 500, "input/output error"},
    {ERR_UNSUPPORTED, 501, "not supported"},
    {ERR_STALE, 200, "not newer than the stored copy"},
    {ERR_UNAVAILABLE, 503,
     "service unavailable: the database cannot be reached or this node is read-only"},
};

const char *err_str(int code)
{
    for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
        if (err_table[i].code == code)
            return err_table[i].name;
    return "unknown error";
}

int err_http_status(int code)
{
    for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
        if (err_table[i].code == code)
            return err_table[i].http;
    return 500;
}

int diag_set(struct diag *d, int code, const char *field, const char *fmt, ...)
{
    if (d == NULL)
        return code;
    /* every field, so that a diag never carries stale or uninitialised bytes
     * into an answer; a position is set after this by those who have one */
    d->line = 0;
    d->col = 0;
    snprintf(d->field, sizeof(d->field), "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
    va_end(ap);
    return code;
}

void diag_clear(struct diag *d)
{
    if (d != NULL)
        memset(d, 0, sizeof(*d));
}
