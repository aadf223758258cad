/*
 * http.h - the HTTP layer: server glue, request context, routing and the
 * helpers handlers use to answer.
 *
 * Handlers translate HTTP to a service call and back; they hold no business
 * rules.  A handler receives a struct request whose arena lives until the
 * response has been queued; it answers by writing JSON into req->out through
 * req->w (or setting another body) and returning a status.
 */
#ifndef LIAISON_HTTP_H
#define LIAISON_HTTP_H

#include "codec/json.h"
#include "core/acl.h"
#include "core/config.h"
#include "core/model.h"
#include "core/svc.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>

/* Process-lifetime context shared by all requests (read-only after start). */
struct auth_cache;

struct app {
    struct svc svc; /* what handlers pass to the services */
    char base_url[320];
    const char *key_path; /* admin.key, for the start-up hint; may be NULL */
    /* called once the server listens and base_url is final (may be NULL) */
    void (*on_listening)(struct app *app, void *ctx);
    void *on_listening_ctx;
};

enum http_method {
    HTTP_GET = 1 << 0,
    HTTP_POST = 1 << 1,
    HTTP_PUT = 1 << 2,
    HTTP_DELETE = 1 << 3,
    HTTP_HEAD = 1 << 4,
};

#define HTTP_MAX_SEGMENTS 16
#define HTTP_MAX_NAMED 16

struct request {
    struct app *app;
    struct arena *a;
    void *conn; /* struct MHD_Connection */
    enum http_method method;
    const char *url;                   /* path as received, without query */
    struct str seg[HTTP_MAX_SEGMENTS]; /* path segments, ".json" stripped from the last */
    size_t n_seg;
    struct {
        struct str key, value;
    } named[HTTP_MAX_NAMED]; /* CakePHP named parameters ("deleted[]:1") */
    size_t n_named;
    struct buf body;
    const struct json_value *json; /* parsed body, or NULL when empty */
    struct principal who;
    bool authenticated;
    struct acl_filter acl; /* see http_acl() */
    bool acl_ready;
    /* response */
    struct buf out;
    struct json_writer w;
    const char *content_type;
    /* A streamed body instead of out: called after the handler returned, as
     * the client reads, to fill dst (at most max bytes); returns the bytes
     * written, 0 at the end, or -1 to abort the connection. */
    long (*stream)(struct request *req, char *dst, size_t max);
    void *stream_ctx;
    void (*stream_free)(struct request *req); /* when the request ends, however */
    char etag[40];                            /* set by http_etag(): sent as ETag */
    int (*deferred)(struct request *req);     /* a ROUTE_SLOW handler, run off the MHD thread */
    char request_id[17];
    const struct http_surface *surface; /* set from the path before anything is answered */
};

/* Handler signature: returns an HTTP status; the body is in req->out. */
typedef int (*http_handler)(struct request *req);

/* Starts serving on cfg->listen; blocks until SIGINT/SIGTERM.  Returns 0 or error. */
int http_serve(struct app *app);

/* Dispatches a fully read request (used by http_serve and tests). */
int http_dispatch(struct request *req);
/* http_dispatch's answer for a slow route (ROUTE_SLOW): req->deferred is to be
 * run with http_run_handler, off the connection's thread. */
#define HTTP_DEFERRED 1
/* Runs a handler and, after a write, refreshes the index; returns its status. */
int http_run_handler(struct request *req, http_handler handler);

/* ---- helpers for handlers (http/respond.c) ---- */

/* Writes the surface's error body (MISP's {"name","message","url","errors"}
 * on the MISP API) and returns status. */
int http_error(struct request *req, int status, const char *message, const struct diag *d);
/* Maps an ERR_* code (with diag) to a MISP-style error answer. */
int http_fail(struct request *req, int code, const struct diag *d);
/*
 * Answers a failed save the way MISP's saveFailResponse does: 403 with
 * {"saved": false, "name": "<What> could not be saved.", ..., "errors": {field: [msg]}}
 * for invalid input or missing permission; 404 for an unknown target; 409 for
 * a uuid or name in use; 413 for a limit; 500 for storage failures.
 */
int http_save_failed(struct request *req, const char *what, int code, const struct diag *d);
/* Writes {"saved":true,"success":true,"name":…,"message":…,"url":…,"id":…}. */
int http_saved(struct request *req, const char *message, int64_t id);
/* The caller's read restriction (acl_filter_load), computed on first use. */
const struct acl_filter *http_acl(struct request *req);
/* Returns the query-string argument name, or NULL. */
const char *http_query_arg(struct request *req, const char *name);
/* A request header, or NULL. */
const char *http_header(struct request *req, const char *name);
/* Returns the named parameter (last occurrence) or NULL; value is NUL-terminated. */
const char *http_named(struct request *req, const char *name);
/* Copies an optional string member of obj into *dst (request arena); absent or
 * null leaves *dst as it was; another type, or a string holding \u0000 (which
 * a C string would silently cut), is an error naming key. */
int http_opt_str(struct request *req, const struct json_value *obj, const char *key, char **dst,
                 struct diag *d);
/* Tags the answer in req->out with an ETag (a hash of its bytes) and returns
 * status, or 304 with an empty body when the client's If-None-Match holds it:
 * a peer polling events/index pays for the answer only when it changed. */
int http_etag(struct request *req, int status);
/* The same over an answer produced in parts (one that streams): begin, add
 * each part's bytes, then end sets req->etag and answers 304 (req->out
 * emptied) or status as http_etag does. */
struct http_etag_state {
    crypto_generichash_state h;
};
void http_etag_begin(struct http_etag_state *st);
void http_etag_add(struct http_etag_state *st, const void *p, size_t n);
int http_etag_end(struct request *req, struct http_etag_state *st, int status);

/*
 * An answer that streams page by page (restSearch, sightings): the handler
 * writes the opening and the first page into req->out itself (so that errors
 * still choose the status), then hands on to http_stream_pages, which sends
 * req->out as the client reads and calls page() for the next one into the
 * emptied req->out (setting *done after the last row; an error cuts the
 * connection, the status being sent), then closing() for the trailing bytes.
 * pg and ctx must live as long as the request (its arena).
 */
struct http_pages {
    int (*page)(void *ctx, bool *done);
    void (*closing)(void *ctx);
    void *ctx;
    const char *what; /* for the log line of a failed page */
    /* the pager's own */
    bool done, closed;
    size_t out_off;
};
void http_stream_pages(struct request *req, struct http_pages *pg);
/* Reads path segment i as a positive id; 0 if absent or malformed. */
int64_t http_seg_id(struct request *req, size_t i);
/* Returns segment i as a NUL-terminated string in the request arena ("" if absent). */
const char *http_seg(struct request *req, size_t i);
/* The JSON body unwrapped from {"Key": {...}} if wrapped, else the body itself. */
const struct json_value *http_body_unwrap(struct request *req, const char *key);

/* ---- API surfaces ---- */

/* What a route asks of the server glue. */
enum http_route_flags {
    HTTP_ROUTE_PUBLIC = 1 << 0,   /* no authentication */
    HTTP_ROUTE_RAW_BODY = 1 << 1, /* the handler reads the body itself (any content type) */
    /* the handler may take long (it talks to peers): it runs on its own thread
     * while the connection is suspended, so that the worker thread's other
     * connections go on being served */
    HTTP_ROUTE_SLOW = 1 << 2,
};

#define HTTP_GET_HEAD (HTTP_GET | HTTP_HEAD)

/* One route: path segments 0 and 1 ("controller/action", MISP's shape). */
struct http_route {
    unsigned methods;
    const char *controller;
    const char *action; /* NULL: the controller alone (its index) */
    http_handler handler;
    unsigned flags;
};

/*
 * An API surface (MISP's REST API today; TAXII and the web console next):
 * the paths it owns, its route table, its error body and what request bodies
 * it decodes.  The server glue picks the first surface that owns a path and
 * does the rest through it, so each surface answers in its own format.
 */
struct http_surface {
    const char *name;
    /* Does the surface own this path?  NULL: every path (the last surface). */
    bool (*owns)(const char *path);
    /* Rewrites the split path before routing (aliases, prefixes); may be NULL. */
    void (*normalise)(struct request *req);
    const struct http_route *routes;
    size_t n_routes;
    /* Writes the surface's error body into req->out (emptied, req->w ready)
     * and returns status. */
    int (*error)(struct request *req, int status, const char *message, const struct diag *d);
    /* May a body with this Content-Type (NULL: none) be decoded as JSON?
     * false: 415. */
    bool (*body_is_json)(const char *content_type, const struct buf *body);
};

/* The surface that owns path (never NULL: the MISP API takes the rest). */
const struct http_surface *http_surface_for(const char *path);

#endif
