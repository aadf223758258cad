/*
 * lookup.c - POST /lookup: "have we seen these?" for up to millions of values
 * in one request, answered as a stream.
 *
 * The body is a JSON array of strings (or {"values": [...]}) or, with any
 * non-JSON content type, one value per line.  The handler only checks the
 * body's shape; the answer is produced batch by batch (LOOKUP_BATCH values:
 * classify, index, one acl-filtered store read) as the client reads it, so
 * neither the matches nor the response are ever held whole:
 *
 *   {"results": [ {value, line, matches: [...]}, ... ],
 *    "stats": {"values", "matched", "matches", "invalid"},
 *    "invalid": [{"line", "value"}, ... the first 10]}
 *
 * A storage failure after the first byte cannot change the status any more:
 * the trailer then carries "error" and the stream ends there.
 */
#include "http/misp.h"

#include "codec/extract.h"
#include "codec/lookup_answer.h"
#include "core/lookup.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/log.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

#define INVALID_SHOWN 10

struct lookup_stream {
    struct request *req;
    struct acl_filter acl;
    /* input: text lines, or JSON items */
    const char *text;
    size_t len, pos;
    const struct json_value *items;
    size_t n_items;
    size_t line; /* of the next input item, 1-based */
    /* output: through req->out and req->w, drained as the client reads */
    size_t out_off;
    bool started, finished;
    struct lookup_stats stats; /* values, matched, matches, invalid */
    char bad_value[INVALID_SHOWN][104];
    struct lookup_invalid bad[INVALID_SHOWN];
    const char *error;
    struct lookup_session *session; /* freed when the request ends */
    bool tsv;                       /* tab-separated lines instead of JSON */
    bool trailer_done;
    /* the batch being answered */
    struct str *batch;
    size_t *batch_line;
};

/* Next raw input item; false at the end.  Non-string JSON items come back
 * with is_string false (invalid). */
static bool next_item(struct lookup_stream *ls, struct str *item, bool *is_string)
{
    *is_string = true;
    if (ls->items != NULL) {
        if (ls->line > ls->n_items)
            return false;
        const struct json_value *v = &ls->items[ls->line - 1];
        ls->line++;
        if (!json_as_str(v, item)) {
            *item = (struct str){"", 0};
            *is_string = false;
        }
        return true;
    }
    if (ls->pos >= ls->len)
        return false;
    const char *p = ls->text + ls->pos;
    const char *nl = memchr(p, '\n', ls->len - ls->pos);
    size_t n = nl ? (size_t)(nl - p) : ls->len - ls->pos;
    ls->pos += n + (nl != NULL);
    ls->line++;
    *item = (struct str){p, n};
    return true;
}

static void note_invalid(struct lookup_stream *ls, size_t line, struct str v)
{
    if (ls->stats.invalid < INVALID_SHOWN) {
        char *d = ls->bad_value[ls->stats.invalid];
        size_t n = v.len < 100 ? v.len : 100;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)v.ptr[i];
            d[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
        }
        d[n] = '\0';
        ls->bad[ls->stats.invalid] = (struct lookup_invalid){line, d};
    }
    ls->stats.invalid++;
}

static int on_result(void *ctx, size_t qi, const struct lookup_match *m, size_t n_m)
{
    struct lookup_stream *ls = ctx;
    if (ls->tsv)
        lookup_answer_tsv(&ls->req->out, ls->batch[qi], ls->batch_line[qi], m, n_m);
    else
        lookup_answer_result(&ls->req->w, ls->batch[qi], ls->batch_line[qi], m, n_m);
    ls->stats.matched++;
    ls->stats.matches += n_m;
    return ls->req->out.err ? ERR_TOOBIG : 0;
}

/* Reads, classifies and answers the next batch into ls->req->out. */
static void produce_batch(struct lookup_stream *ls)
{
    struct arena *a = arena_new();
    ls->batch = arena_alloc(a, LOOKUP_BATCH * sizeof(*ls->batch));
    ls->batch_line = arena_alloc(a, LOOKUP_BATCH * sizeof(*ls->batch_line));
    size_t n = 0;
    struct str item;
    bool is_string;
    while (n < LOOKUP_BATCH && next_item(ls, &item, &is_string)) {
        size_t line = ls->line - 1;
        if (is_string && item.len && item.ptr[item.len - 1] == '\r')
            item.len--;
        if (is_string && ls->items == NULL) {
            size_t i = 0;
            while (i < item.len && (item.ptr[i] == ' ' || item.ptr[i] == '\t'))
                i++;
            if (i == item.len)
                continue; /* blank lines are no values */
        }
        char clean[LIMIT_OBSERVABLE_LEN + 1];
        size_t clen = 0;
        if (!is_string || item.len > LIMIT_OBSERVABLE_LEN ||
            obs_classify(item.ptr, item.len, clean, sizeof(clean), &clen) == OBS_INVALID) {
            note_invalid(ls, line, item);
            continue;
        }
        ls->batch[n] = (struct str){arena_strndup(a, clean, clen), clen};
        ls->batch_line[n] = line;
        n++;
    }
    ls->stats.values += n;
    if (n == 0) {
        ls->finished = true;
    } else {
        if (ls->session == NULL)
            ls->session = lookup_session_new(&ls->req->app->svc, &ls->acl);
        int rc = lookup_values(ls->session, a, ls->batch, n, on_result, ls);
        if (rc < 0) {
            log_warnx("lookup %s: %s", ls->req->request_id, err_str(rc));
            ls->error = rc == ERR_TOOBIG ? "a result was too large to write"
                                         : "the database could not be read: the answer is "
                                           "incomplete";
            ls->finished = true;
        }
    }
    arena_free(a);
    ls->batch = NULL;
    ls->batch_line = NULL;
}

static void write_trailer(struct lookup_stream *ls)
{
    ls->trailer_done = true;
    size_t shown = ls->stats.invalid < INVALID_SHOWN ? ls->stats.invalid : INVALID_SHOWN;
    if (ls->tsv)
        lookup_answer_tsv_end(&ls->req->out, &ls->stats, ls->bad, shown, ls->error);
    else
        lookup_answer_end(&ls->req->w, &ls->stats, ls->bad, shown, ls->error);
}

static long lookup_stream_read(struct request *req, char *dst, size_t max)
{
    struct lookup_stream *ls = req->stream_ctx;
    while (ls->out_off == ls->req->out.len) {
        if (ls->started && ls->finished && (ls->tsv ? ls->trailer_done : ls->req->w.depth == 0))
            return 0; /* trailer sent */
        buf_reset(&ls->req->out);
        ls->out_off = 0;
        if (!ls->started) {
            if (!ls->tsv)
                lookup_answer_begin(&ls->req->w);
            ls->started = true;
        } else if (!ls->finished) {
            produce_batch(ls);
            if (ls->finished || (ls->pos >= ls->len && ls->items == NULL) ||
                (ls->items != NULL && ls->line > ls->n_items)) {
                ls->finished = true;
                write_trailer(ls);
            }
        } else {
            write_trailer(ls);
        }
        if (ls->req->out.err)
            return -1;
    }
    size_t n = ls->req->out.len - ls->out_off;
    if (n > max)
        n = max;
    memcpy(dst, ls->req->out.ptr + ls->out_off, n);
    ls->out_off += n;
    return (long)n;
}

static void lookup_stream_free(struct request *req)
{
    struct lookup_stream *ls = req->stream_ctx;
    lookup_session_free(ls->session);
    ls->session = NULL;
}

static bool content_is_json(struct request *req)
{
    const char *ct = http_header(req, "Content-Type");
    if (ct != NULL &&
        (strncasecmp(ct, "application/json", 16) == 0 || strncasecmp(ct, "text/json", 9) == 0))
        return true;
    if (ct != NULL && *ct != '\0')
        return false; /* text/plain and friends: lines */
    for (size_t i = 0; i < req->body.len; i++) {
        char c = req->body.ptr[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return c == '[' || c == '{';
    }
    return false;
}

int lookup_post(struct request *req)
{
    if (req->app->svc.indexer == NULL)
        return http_error(req, 503, "The indicator index is not available.", NULL);
    if (req->body.len == 0)
        return http_error(req, 400,
                          "The request body is empty: send a JSON array of values or one value "
                          "per line (Content-Type: text/plain).",
                          NULL);
    struct lookup_stream *ls = arena_calloc(req->a, 1, sizeof(*ls));
    ls->req = req;
    ls->line = 1;
    struct diag d;
    diag_clear(&d);
    if (content_is_json(req)) {
        const struct json_value *root;
        int rc = json_parse(req->a, req->body.ptr, req->body.len, LIMIT_JSON_DEPTH,
                            (struct json_value **)&root, &d);
        if (rc < 0) {
            char msg[400];
            snprintf(msg, sizeof(msg), "Malformed JSON at line %u, column %u: %s", d.line, d.col,
                     d.msg);
            return http_error(req, rc == ERR_TOOBIG ? 413 : 400, msg, &d);
        }
        if (root->type == JSON_OBJECT)
            root = json_get(root, "values");
        if (root == NULL || root->type != JSON_ARRAY) {
            diag_set(&d, ERR_INVAL, "values",
                     "expected a JSON array of values, or {\"values\": [...]}");
            return http_error(req, 400, "The body must be a JSON array of values.", &d);
        }
        ls->items = root->u.items;
        ls->n_items = root->len;
    } else {
        ls->text = req->body.ptr;
        ls->len = req->body.len;
    }
    /* ?format=tsv (or Accept: text/tab-separated-values): lines like liaison lookup's */
    const char *fmt = http_query_arg(req, "format");
    const char *accept = http_header(req, "Accept");
    if (fmt != NULL && strcmp(fmt, "tsv") != 0 && strcmp(fmt, "json") != 0) {
        diag_set(&d, ERR_INVAL, "format", "expected json or tsv");
        return http_error(req, 400, "Unknown format: use json or tsv.", &d);
    }
    ls->tsv = (fmt != NULL && strcmp(fmt, "tsv") == 0) ||
              (fmt == NULL && accept != NULL && strstr(accept, "text/tab-separated-values"));
    /* the answer streams: once it has begun its status is 200, so a store that
     * cannot be read must be found out now (503), not in the first batch */
    int ready = lookup_ready(&req->app->svc);
    if (ready < 0)
        return http_fail(req, ready, NULL);
    ls->acl = *http_acl(req);
    req->stream = lookup_stream_read;
    req->stream_ctx = ls;
    req->stream_free = lookup_stream_free;
    req->content_type = ls->tsv ? "text/tab-separated-values; charset=utf-8" : "application/json";
    return 200;
}
