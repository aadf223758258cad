/*
 * misp_search.c - restSearch for events and attributes and events/index:
 * MISP's filter parameters (decoded by codec/misp_search_params.c) run by the
 * store under the caller's acl filter, and written as JSON, CSV or text.
 *
 * Answers stream: rows are read page by page (keyset: "id > the last row
 * sent", a fresh read transaction and arena per page) and a page ends once
 * SEARCH_CHUNK bytes of answer are waiting, so that memory per request is
 * bounded by one page, not by the size of the answer.  The first page is read
 * before the status is chosen, so a bad query still gets its 4xx/5xx; a
 * storage failure later can only cut the connection (the client sees a
 * truncated body).  events/index carries an ETag, a hash of the complete
 * answer that peers poll with If-None-Match: an answer of one page goes out
 * whole with it; a larger one is read twice, first only to hash it (a 304
 * then costs no transfer), then streamed - memory stays one page either way.
 * Should rows change between the two reads, the ETag names the first read's
 * answer and the next poll simply transfers again.
 */
#include "http/misp.h"

#include "core/sync.h"

#include "codec/misp_json.h"
#include "codec/misp_search_params.h"
#include "core/indexer.h"
#include "util/limits.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

/* A page ends after this many bytes of answer or this many rows (the rows of
 * a terse format such as text weigh more in memory than in the answer), and
 * waits for the client to read it. */
#define SEARCH_CHUNK (1024u * 1024)
#define SEARCH_PAGE_ROWS 2000

/* ---- the stream ---- */

/* Event context for CSV includeContext, loaded once per event (cache of one). */
struct csv_event_ctx {
    int64_t id;
    struct event *e;
};

/*
 * One restSearch answer being produced.  The request arena holds this and
 * the query; rows, loaded events and everything derived from them live in
 * the page arena, freed when the page has been written.
 */
struct search_stream {
    struct request *req;
    struct search_params p;
    bool events; /* events/restSearch or events/index; else attributes */
    bool index;  /* events/index */
    bool peer;   /* a peer's sync user reads: the TLP cut applies */
    /* the page being read (NULL between pages) */
    struct store_conn *c;
    struct arena *page;
    /* keyset position: the last row read, and how many were read */
    int64_t after_id;
    int64_t rows;
    int page_rows;  /* rows read in this page */
    bool done;      /* every row has been read */
    struct http_pages pages; /* the rest of the answer, streamed */
    /* caches, valid within one page */
    struct csv_event_ctx ev;
    struct event *peer_event; /* for the TLP cut: the last event and object seen */
    struct object *peer_object;
};

/* What a row callback returns to end the page early (the store passes it on). */
#define PAGE_FULL 1

/* The row just read: remembered for the next page; PAGE_FULL once enough is waiting. */
static int row_done(struct search_stream *s, int64_t id)
{
    s->after_id = id;
    s->rows++;
    if (s->req->out.err)
        return ERR_TOOBIG;
    return s->req->out.len >= SEARCH_CHUNK || ++s->page_rows >= SEARCH_PAGE_ROWS ? PAGE_FULL : 0;
}

/* ---- attributes ---- */

/* May attribute at go to the peer reading (acl_sync_attribute_trim)?  Its
 * event (with tags) and object are loaded once for a run of its attributes. */
static int peer_admits(struct search_stream *s, struct attribute *at, bool *ok)
{
    struct acl_filter all;
    acl_filter_system(&all, true);
    int rc = 0;
    if (s->peer_event == NULL || s->peer_event->id != at->event_id)
        rc = store_event_load(s->c, s->page, at->event_id, NULL, &all, STORE_LOAD_TAGS,
                              &s->peer_event);
    if (rc == 0 && at->object_id > 0 &&
        (s->peer_object == NULL || s->peer_object->id != at->object_id))
        rc = store_object_get(s->c, s->page, at->object_id, NULL, &s->peer_object);
    if (rc < 0) {
        s->peer_event = NULL;
        s->peer_object = NULL;
        return rc;
    }
    *ok = acl_sync_attribute_trim(s->peer_event, at->object_id > 0 ? s->peer_object : NULL, at,
                                  DIST_COMMUNITY);
    return 0;
}

static void csv_field(struct buf *b, const char *s)
{
    buf_putc(b, '"');
    for (; s && *s; s++) {
        if (*s == '"')
            buf_putc(b, '"');
        buf_putc(b, *s);
    }
    buf_putc(b, '"');
}

static const char *tag_list(struct arena *a, const struct tag_ref *tags, size_t n)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(&b, ',');
        buf_puts(&b, tags[i].tag.name);
    }
    const char *s = arena_strdup(a, buf_cstr(&b));
    buf_free(&b);
    return s;
}

static const char *csv_value(struct search_stream *s, const struct attribute *at, const char *col)
{
    struct arena *a = s->page;
    if (strcmp(col, "uuid") == 0)
        return at->uuid;
    if (strcmp(col, "id") == 0)
        return arena_printf(a, "%lld", (long long)at->id);
    if (strcmp(col, "event_id") == 0)
        return arena_printf(a, "%lld", (long long)at->event_id);
    if (strcmp(col, "category") == 0)
        return at->category;
    if (strcmp(col, "type") == 0)
        return at->type;
    if (strcmp(col, "value") == 0)
        return at->value;
    if (strcmp(col, "comment") == 0)
        return at->comment;
    if (strcmp(col, "to_ids") == 0)
        return at->to_ids ? "1" : "0";
    if (strcmp(col, "timestamp") == 0)
        return arena_printf(a, "%lld", (long long)at->timestamp);
    if (strcmp(col, "object_relation") == 0)
        return at->object_relation;
    if (strcmp(col, "attribute_tag") == 0)
        return tag_list(a, at->tags, at->n_tags);
    if (strcmp(col, "distribution") == 0)
        return arena_printf(a, "%d", at->distribution);
    if (strcmp(col, "deleted") == 0)
        return at->deleted ? "1" : "0";
    if (strcmp(col, "first_seen") == 0)
        return at->first_seen;
    if (strcmp(col, "last_seen") == 0)
        return at->last_seen;
    if (strncmp(col, "event_", 6) != 0)
        return "";
    struct csv_event_ctx *ev = &s->ev;
    if (ev->id != at->event_id) {
        ev->id = at->event_id;
        if (store_event_load(s->c, a, at->event_id, NULL, &s->p.q.acl, STORE_LOAD_TAGS, &ev->e) < 0)
            ev->e = NULL;
    }
    const struct event *e = ev->e;
    if (e == NULL)
        return "";
    if (strcmp(col, "event_info") == 0)
        return e->info;
    if (strcmp(col, "event_member_org") == 0)
        return e->org ? e->org->name : "";
    if (strcmp(col, "event_source_org") == 0)
        return e->orgc ? e->orgc->name : "";
    if (strcmp(col, "event_distribution") == 0)
        return arena_printf(a, "%d", e->distribution);
    if (strcmp(col, "event_threat_level_id") == 0)
        return arena_printf(a, "%d", e->threat_level_id);
    if (strcmp(col, "event_analysis") == 0)
        return arena_printf(a, "%d", e->analysis);
    if (strcmp(col, "event_date") == 0)
        return e->date;
    if (strcmp(col, "event_tag") == 0)
        return tag_list(a, e->tags, e->n_tags);
    if (strcmp(col, "event_timestamp") == 0)
        return arena_printf(a, "%lld", (long long)e->timestamp);
    if (strcmp(col, "event_uuid") == 0)
        return e->uuid;
    return "";
}

static int attr_emit(void *ctx, struct attribute *at, const char *event_uuid)
{
    struct search_stream *s = ctx;
    struct request *req = s->req;
    bool ok = true;
    int prc = s->peer ? peer_admits(s, at, &ok) : 0;
    if (prc < 0)
        return prc;
    if (!ok)
        return row_done(s, at->id); /* its TLP keeps it on this node */
    if (s->p.format == SEARCH_FORMAT_TEXT) {
        buf_puts(&req->out, at->value);
        buf_putc(&req->out, '\n');
    } else if (s->p.format == SEARCH_FORMAT_CSV) {
        for (size_t i = 0; i < s->p.n_columns; i++) {
            if (i)
                buf_putc(&req->out, ',');
            csv_field(&req->out, csv_value(s, at, s->p.columns[i]));
        }
        buf_putc(&req->out, '\n');
    } else {
        if (s->p.include_event_tags) {
            struct event *e;
            if (store_event_load(s->c, s->page, at->event_id, NULL, &s->p.q.acl, STORE_LOAD_TAGS,
                                 &e) == 0 &&
                e->n_tags) {
                struct tag_ref *all = arena_alloc(s->page, (at->n_tags + e->n_tags) * sizeof(*all));
                if (at->n_tags)
                    memcpy(all, at->tags, at->n_tags * sizeof(*all));
                memcpy(all + at->n_tags, e->tags, e->n_tags * sizeof(*all));
                at->tags = all;
                at->n_tags += e->n_tags;
            }
        }
        misp_attribute_encode(&req->w, at, event_uuid);
    }
    return row_done(s, at->id);
}

/* ---- events ---- */

static void event_index_encode(struct json_writer *w, const struct event *e, bool minimal)
{
    json_write_object_begin(w);
    if (minimal) {
        json_write_kv_i64_str(w, "id", e->id);
        json_write_kv_i64_str(w, "timestamp", e->timestamp);
        json_write_kv_i64_str(w, "sighting_timestamp", e->sighting_timestamp);
        json_write_kv_bool(w, "published", e->published);
        json_write_kv_str(w, "uuid", e->uuid);
        json_write_kv_str(w, "orgc_uuid", e->orgc ? e->orgc->uuid : "");
        json_write_object_end(w);
        return;
    }
    misp_event_encode_fields(w, e);
    json_write_object_end(w);
}

static int event_emit(void *ctx, struct event *e)
{
    struct search_stream *s = ctx;
    struct request *req = s->req;
    if (s->index) {
        if (s->peer && !acl_sync_trim(e, DIST_COMMUNITY))
            return row_done(s, e->id); /* its TLP keeps it on this node */
        event_index_encode(&req->w, e, s->p.minimal);
        return row_done(s, e->id);
    }
    struct event *full;
    int rc = store_event_load(s->c, s->page, e->id, NULL, &s->p.q.acl,
                              STORE_LOAD_CHILDREN | STORE_LOAD_TAGS, &full);
    if (rc < 0)
        return rc;
    if (s->peer && !acl_sync_trim(full, DIST_COMMUNITY))
        return row_done(s, e->id);
    if (s->peer && (rc = sync_attach_sharing_groups(s->c, s->page, req->app->base_url, full)) < 0)
        return rc;
    misp_event_encode(&req->w, full);
    return row_done(s, e->id);
}

/* ---- pages ---- */

/*
 * Reads the next page of rows into req->out.  The client's limit and page
 * apply to the first read (LIMIT/OFFSET); later reads go on after the last
 * row read, with what is left of the limit.
 */
static int read_page(struct search_stream *s)
{
    struct query q = s->p.q;
    if (s->rows > 0) {
        q.after_id = s->after_id;
        if (q.limit > 0) {
            q.limit -= s->rows;
            q.page = 1;
            if (q.limit <= 0) {
                s->done = true;
                return 0;
            }
        }
    }
    int rc = store_begin_read(s->req->app->svc.store, &s->c);
    if (rc < 0)
        return rc;
    s->page = arena_new();
    s->page_rows = 0;
    if (s->events)
        rc = store_event_search(s->c, s->page, &q, event_emit, s);
    else
        rc = store_attribute_search(s->c, s->page, &q, true, attr_emit, s);
    store_end(s->c, true);
    s->c = NULL;
    arena_free(s->page);
    s->page = NULL;
    memset(&s->ev, 0, sizeof(s->ev));
    s->peer_event = NULL;
    s->peer_object = NULL;
    if (rc < 0)
        return rc;
    if (rc != PAGE_FULL)
        s->done = true;
    return 0;
}

/* Writes what precedes the rows (the CSV header, the JSON envelope). */
static void write_opening(struct search_stream *s)
{
    struct request *req = s->req;
    if (s->events) {
        if (!s->index) {
            json_write_object_begin(&req->w);
            json_write_key(&req->w, "response");
        }
        json_write_array_begin(&req->w);
    } else if (s->p.format == SEARCH_FORMAT_CSV) {
        if (!s->p.headerless) {
            for (size_t i = 0; i < s->p.n_columns; i++) {
                if (i)
                    buf_putc(&req->out, ',');
                buf_puts(&req->out, s->p.columns[i]);
            }
            buf_putc(&req->out, '\n');
        }
    } else if (s->p.format == SEARCH_FORMAT_JSON) {
        json_write_object_begin(&req->w);
        json_write_key(&req->w, "response");
        json_write_object_begin(&req->w);
        json_write_key(&req->w, "Attribute");
        json_write_array_begin(&req->w);
    }
}

/* Writes what follows the rows. */
static void write_closing(struct search_stream *s)
{
    struct request *req = s->req;
    if (s->events) {
        json_write_array_end(&req->w);
        if (!s->index)
            json_write_object_end(&req->w);
    } else if (s->p.format == SEARCH_FORMAT_JSON) {
        json_write_array_end(&req->w);
        json_write_object_end(&req->w);
        json_write_object_end(&req->w);
    }
}

/* http_pages callbacks. */
static int search_next_page(void *ctx, bool *done)
{
    struct search_stream *s = ctx;
    int rc = read_page(s);
    *done = s->done;
    return rc;
}

static void search_closing(void *ctx)
{
    write_closing(ctx);
}

/* Appends an exact hit's attribute id to the JSON id list in ctx. */
static int on_exact(void *ctx, const struct index_hit *hit)
{
    struct buf *b = ctx;
    if (b->len > 1)
        buf_putc(b, ',');
    buf_printf(b, "%lld", (long long)hit->attribute_id);
    return 0;
}

/*
 * restSearch by value through the index: exact values (no '%') become the ids
 * of the live attributes holding them, as a whole value or a composite part;
 * the store applies every other filter and acl to those rows.  Wildcards,
 * AND lists and searches for deleted attributes stay with the store.
 */
static int value_via_index(struct request *req, struct query *q)
{
    struct indexer *x = req->app->svc.indexer;
    if (x == NULL || q->value.n_any == 0 || q->value.n_all || q->deleted != 0)
        return 0;
    for (size_t i = 0; i < q->value.n_any; i++)
        if (strchr(q->value.any[i], '%') != NULL)
            return 0;
    struct buf b;
    buf_init(&b, LIMIT_RESPONSE_MAX);
    buf_putc(&b, '[');
    const struct index *ix = indexer_read_begin(x);
    for (size_t i = 0; i < q->value.n_any; i++)
        index_lookup_exact(ix, str_from_cstr(q->value.any[i]), on_exact, &b);
    indexer_read_end(x);
    buf_putc(&b, ']');
    int rc = 0;
    if (b.err) {
        rc = ERR_TOOBIG;
    } else {
        q->attribute_ids = arena_strndup(req->a, b.ptr, b.len);
        q->value.any = NULL;
        q->value.n_any = 0;
    }
    buf_free(&b);
    return rc;
}

/* Decodes the request's parameters into a new stream; an error answer otherwise. */
static int search_begin(struct request *req, struct search_stream **out)
{
    struct search_stream *s = arena_calloc(req->a, 1, sizeof(*s));
    s->req = req;
    struct diag d;
    diag_clear(&d);
    int rc = misp_search_params_decode(req->a, req->json, (int64_t)time(NULL), &s->p, &d);
    if (rc == 0) {
        s->p.q.acl = *http_acl(req);
        rc = value_via_index(req, &s->p.q);
    }
    if (rc < 0)
        return http_fail(req, rc, &d);
    s->peer = acl_is_sync_peer(&req->who);
    *out = s;
    return 0;
}

/* Back to before the first row: nothing read, nothing written. */
static void search_rewind(struct search_stream *s)
{
    struct request *req = s->req;
    s->after_id = 0;
    s->rows = 0;
    s->done = false;
    buf_reset(&req->out);
    json_writer_init(&req->w, &req->out, false);
    write_opening(s);
}

/*
 * events/index larger than a page: reads the rest, hashing each page and
 * keeping none, for the ETag; then rewinds and reads the first page again to
 * stream it.  Returns 304 (req->out empty) when the client holds the ETag,
 * 0 to stream, or an error.
 */
static int index_etag(struct search_stream *s)
{
    struct request *req = s->req;
    struct http_etag_state st;
    http_etag_begin(&st);
    int rc = 0;
    while (rc == 0 && !s->done) {
        http_etag_add(&st, req->out.ptr ? req->out.ptr : "", req->out.len);
        buf_reset(&req->out);
        rc = read_page(s);
    }
    if (rc < 0)
        return rc;
    write_closing(s);
    if (req->out.err)
        return ERR_TOOBIG;
    http_etag_add(&st, req->out.ptr ? req->out.ptr : "", req->out.len);
    if (http_etag_end(req, &st, 200) == 304)
        return 304;
    search_rewind(s);
    return read_page(s);
}

/*
 * Writes the opening and reads the first page: errors still choose the
 * status.  Then either the answer is complete (a small one goes out whole) or
 * the rest streams (events/index after index_etag).
 */
static int search_answer(struct search_stream *s)
{
    struct request *req = s->req;
    write_opening(s);
    int rc = read_page(s);
    if (rc == 0 && s->index && !s->done && (rc = index_etag(s)) == 304)
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
    if (s->done) {
        write_closing(s);
        return s->index ? http_etag(req, 200) : 200;
    }
    s->pages = (struct http_pages){.page = search_next_page, .closing = search_closing, .ctx = s,
                                   .what = "restSearch"};
    http_stream_pages(req, &s->pages);
    return 200;
}

int misp_attributes_rest_search(struct request *req)
{
    struct search_stream *s = NULL;
    int rc = search_begin(req, &s);
    if (s == NULL)
        return rc;
    if (s->p.format == SEARCH_FORMAT_CSV)
        req->content_type = "text/csv; charset=utf-8";
    else if (s->p.format == SEARCH_FORMAT_TEXT)
        req->content_type = "text/plain; charset=utf-8";
    return search_answer(s);
}

static int events_search(struct request *req, bool index)
{
    struct search_stream *s = NULL;
    int rc = search_begin(req, &s);
    if (s == NULL)
        return rc;
    if (!index && s->p.format != SEARCH_FORMAT_JSON) {
        /* MISP's events restSearch csv/text export attributes of matching events */
        return misp_attributes_rest_search(req);
    }
    s->events = true;
    s->index = index;
    return search_answer(s);
}

int misp_events_rest_search(struct request *req)
{
    return events_search(req, false);
}

int misp_events_index(struct request *req)
{
    return events_search(req, true);
}
