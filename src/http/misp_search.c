/*
 * misp_search.c - restSearch for events and attributes and events/index:
 * MISP's filter parameters (decoded by codec/misp_search_params.c) run by the
 * search service (core/search.c) and written as JSON, CSV (codec/misp_csv.c)
 * or text (codec/text_list.c).
 *
 * Answers stream: the service hands rows over page by page (a fresh read
 * transaction and arena per page) and a page ends once SEARCH_CHUNK bytes of
 * answer are waiting, so that memory per request is bounded by one page, not
 * by the size of the answer.  The first page is read before the status is
 * chosen, so a bad query still gets its 4xx/5xx; a storage failure later can
 * only cut the connection (the client sees a truncated body).  events/index
 * carries an ETag, a hash of the complete answer that peers poll with
 * If-None-Match: an answer of one page goes out whole with it; a larger one
 * is read twice, first only to hash it (a 304 then costs no transfer), then
 * streamed - memory stays one page either way.  Should rows change between
 * the two reads, the ETag names the first read's answer and the next poll
 * simply transfers again.
 */
#include "http/misp.h"

#include "codec/misp_answer.h"

#include "codec/misp_csv.h"
#include "codec/misp_json.h"
#include "codec/misp_search_params.h"
#include "codec/text_list.h"
#include "core/search.h"

#include <time.h>

#include "util/banned.h"

/* A page ends after this many bytes of answer (or SEARCH_PAGE_ROWS rows) and
 * waits for the client to read it. */
#define SEARCH_CHUNK (1024u * 1024)

/* One restSearch answer being produced (in the request arena). */
struct search_stream {
    struct request *req;
    struct search_params p;
    enum search_kind kind;
    struct search *x;
    struct http_pages pages; /* the rest of the answer, streamed */
};

/* After a row was written: an error, or SEARCH_PAGE_FULL once enough waits. */
static int written(struct request *req)
{
    if (req->out.err)
        return ERR_TOOBIG;
    return req->out.len >= SEARCH_CHUNK ? SEARCH_PAGE_FULL : 0;
}

static int attr_emit(void *ctx, struct attribute *at, const char *event_uuid, const struct event *e)
{
    struct search_stream *s = ctx;
    struct request *req = s->req;
    if (s->p.format == SEARCH_FORMAT_TEXT)
        text_list_line(&req->out, at->value);
    else if (s->p.format == SEARCH_FORMAT_CSV)
        misp_csv_row(&req->out, s->p.columns, s->p.n_columns, at, e);
    else
        misp_attribute_encode(&req->w, at, event_uuid);
    return written(req);
}

static int event_emit(void *ctx, struct event *e)
{
    struct search_stream *s = ctx;
    if (s->kind == SEARCH_EVENT_INDEX)
        misp_answer_event_index_entry(&s->req->w, e, s->p.minimal);
    else
        misp_event_encode(&s->req->w, e);
    return written(s->req);
}

/* The JSON envelope of the rows, for each kind of search. */
static enum misp_answer_list list_kind(const struct search_stream *s)
{
    return s->kind == SEARCH_EVENTS       ? MISP_LIST_EVENTS
           : s->kind == SEARCH_ATTRIBUTES ? MISP_LIST_ATTRIBUTES
                                          : MISP_LIST_ARRAY;
}

/* Writes what precedes the rows (the CSV header, the JSON envelope). */
static void write_opening(struct search_stream *s)
{
    struct request *req = s->req;
    if (s->kind == SEARCH_ATTRIBUTES && s->p.format == SEARCH_FORMAT_CSV) {
        if (!s->p.headerless)
            misp_csv_header(&req->out, s->p.columns, s->p.n_columns);
    } else if (s->kind != SEARCH_ATTRIBUTES || s->p.format == SEARCH_FORMAT_JSON) {
        misp_answer_list_open(&req->w, list_kind(s));
    }
}

/* Writes what follows the rows. */
static void write_closing(struct search_stream *s)
{
    if (s->kind != SEARCH_ATTRIBUTES || s->p.format == SEARCH_FORMAT_JSON)
        misp_answer_list_close(&s->req->w, list_kind(s));
}

/* http_pages callbacks. */
static int search_next_page(void *ctx, bool *done)
{
    struct search_stream *s = ctx;
    return search_page(s->x, done);
}

static void search_closing(void *ctx)
{
    write_closing(ctx);
}

/* Decodes the request's parameters and opens the search; an error answer
 * otherwise (*out stays NULL). */
static int search_begin(struct request *req, enum search_kind kind, struct search_stream **out)
{
    struct search_stream *s = arena_calloc(req->a, 1, sizeof(*s));
    s->req = req;
    s->kind = kind;
    struct diag d;
    diag_clear(&d);
    int rc = misp_search_params_decode(req->a, req->json, (int64_t)time(NULL), &s->p, &d);
    /* MISP's events restSearch csv/text export attributes of matching events */
    if (rc == 0 && kind == SEARCH_EVENTS && s->p.format != SEARCH_FORMAT_JSON)
        s->kind = kind = SEARCH_ATTRIBUTES;
    if (rc == 0) {
        struct search_request rq = {
            .kind = kind,
            .q = s->p.q,
            .event_tags = s->p.format == SEARCH_FORMAT_JSON && s->p.include_event_tags,
            .event_context = s->p.format == SEARCH_FORMAT_CSV &&
                             misp_csv_needs_event(s->p.columns, s->p.n_columns),
            .self_url = req->app->base_url,
        };
        struct search_rows rows = {.attribute = attr_emit, .event = event_emit, .ctx = s};
        rc = search_open(&req->app->svc, &req->who, req->a, &rq, &rows, &s->x, &d);
    }
    if (rc < 0)
        return http_fail(req, rc, &d);
    *out = s;
    return 0;
}

/*
 * events/index larger than a page: reads the rest, hashing each page and
 * keeping none, for the ETag; then rewinds and reads the first page again to
 * stream it.  Returns 304 (req->out empty) when the client holds the ETag,
 * 0 to stream, or an error.
 */
static int index_etag(struct search_stream *s, bool *done)
{
    struct request *req = s->req;
    struct http_etag_state st;
    http_etag_begin(&st);
    int rc = 0;
    while (rc == 0 && !*done) {
        http_etag_add(&st, req->out.ptr ? req->out.ptr : "", req->out.len);
        buf_reset(&req->out);
        rc = search_page(s->x, done);
    }
    if (rc < 0)
        return rc;
    write_closing(s);
    if (req->out.err)
        return ERR_TOOBIG;
    http_etag_add(&st, req->out.ptr ? req->out.ptr : "", req->out.len);
    if (http_etag_end(req, &st, 200) == 304)
        return 304;
    /* back to before the first row: nothing read, nothing written */
    search_rewind(s->x);
    buf_reset(&req->out);
    json_writer_init(&req->w, &req->out, false);
    write_opening(s);
    return search_page(s->x, done);
}

/*
 * Writes the opening and reads the first page: errors still choose the
 * status.  Then either the answer is complete (a small one goes out whole) or
 * the rest streams (events/index after index_etag).
 */
static int search_answer(struct search_stream *s)
{
    struct request *req = s->req;
    bool index = s->kind == SEARCH_EVENT_INDEX;
    bool done = false;
    write_opening(s);
    int rc = search_page(s->x, &done);
    if (rc == 0 && index && !done && (rc = index_etag(s, &done)) == 304)
        return 304;
    if (rc < 0) {
        buf_reset(&req->out);
        req->content_type = NULL;
        struct diag d;
        diag_clear(&d);
        if (rc == ERR_TOOBIG)
            diag_set(&d, rc, "request",
                     "the search is too large for the store: use fewer filter values");
        return http_fail(req, rc, d.msg[0] ? &d : NULL);
    }
    if (done) {
        write_closing(s);
        return index ? http_etag(req, 200) : 200;
    }
    s->pages = (struct http_pages){
        .page = search_next_page, .closing = search_closing, .ctx = s, .what = "restSearch"};
    http_stream_pages(req, &s->pages);
    return 200;
}

static int rest_search(struct request *req, enum search_kind kind)
{
    struct search_stream *s = NULL;
    int rc = search_begin(req, kind, &s);
    if (s == NULL)
        return rc;
    if (s->p.format == SEARCH_FORMAT_CSV && s->kind == SEARCH_ATTRIBUTES)
        req->content_type = "text/csv; charset=utf-8";
    else if (s->p.format == SEARCH_FORMAT_TEXT && s->kind == SEARCH_ATTRIBUTES)
        req->content_type = "text/plain; charset=utf-8";
    return search_answer(s);
}

int misp_attributes_rest_search(struct request *req)
{
    return rest_search(req, SEARCH_ATTRIBUTES);
}

int misp_events_rest_search(struct request *req)
{
    return rest_search(req, SEARCH_EVENTS);
}

int misp_events_index(struct request *req)
{
    return rest_search(req, SEARCH_EVENT_INDEX);
}
