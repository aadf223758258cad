/*
 * server.c - libmicrohttpd glue, routing, authentication and the access log.
 *
 * Request life: MHD calls handle() first when the headers are in, with no
 * data: we allocate the request and its arena and decide all that the headers
 * decide - framing, route, API key, declared length, the body memory budget
 * (admit()) - before a byte of the body is accepted.  Then MHD calls with
 * body chunks (appended to req->body within the route's limit and the
 * request's share of body_memory_max), then a last time with no data, when we
 * run the handler and queue the response.  Queuing on a later call, never on
 * the first, keeps keep-alive working (libmicrohttpd 0.9.75 answers
 * Connection: close otherwise; see ARCHITECTURE.md); only a refusal of a
 * request with a body is queued on the first call, on purpose, so that the
 * body is never read.  Everything a request allocates lives in its arena,
 * freed in completed().
 *
 * Connections are bounded in number (max_connections, max_connections_per_ip),
 * in idle time (idle_timeout, MHD's) and in the time to send request headers
 * (header_timeout, our watchdog).  docs/operations.md "Resource limits".
 */
#include "http/http.h"
#include "http/misp.h"

#include "core/auth.h"
#include "core/indexer.h"
#include "util/alloc.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/parse.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "util/banned.h"

/* The API surfaces, most specific first; the last owns every other path. */
static const struct http_surface *const surfaces[] = {&http_misp_surface};

const struct http_surface *http_surface_for(const char *path)
{
    size_t n = sizeof(surfaces) / sizeof(surfaces[0]);
    for (size_t i = 0; i + 1 < n; i++)
        if (surfaces[i]->owns != NULL && surfaces[i]->owns(path))
            return surfaces[i];
    return surfaces[n - 1];
}

/* Splits the URL path into segments and CakePHP named parameters. */
static int split_path(struct request *req)
{
    struct str rest = str_from_cstr(req->url);
    while (rest.len && rest.ptr[0] == '/') {
        rest.ptr++;
        rest.len--;
    }
    while (rest.len) {
        struct str s = str_split(&rest, '/');
        if (s.len == 0)
            continue;
        const char *colon = memchr(s.ptr, ':', s.len);
        if (colon && req->n_seg >= 2) {
            if (req->n_named == HTTP_MAX_NAMED)
                return ERR_TOOBIG;
            struct str key = {s.ptr, (size_t)(colon - s.ptr)};
            struct str value = {colon + 1, s.len - key.len - 1};
            req->named[req->n_named].key = key;
            req->named[req->n_named].value = value;
            req->n_named++;
            continue;
        }
        if (req->n_seg == HTTP_MAX_SEGMENTS)
            return ERR_TOOBIG;
        req->seg[req->n_seg++] = s;
    }
    if (req->n_seg) {
        struct str *last = &req->seg[req->n_seg - 1];
        if (last->len > 5 && memcmp(last->ptr + last->len - 5, ".json", 5) == 0)
            last->len -= 5;
    }
    if (req->surface->normalise != NULL)
        req->surface->normalise(req);
    return 0;
}

static int authenticate(struct request *req)
{
    struct MHD_Connection *conn = req->conn;
    const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (key == NULL || *key == '\0')
        return ERR_AUTH;
    int rc = auth_cache_verify(req->app->svc.auth_cache, req->app->svc.store, req->a,
                               str_from_cstr(key), &req->who);
    if (rc == 0)
        req->authenticated = true;
    return rc;
}

/*
 * What can be decided from the request line and headers alone: the route, the
 * caller's key, the method.  Returns 0 with *out set, or the error status
 * with its body written.  The server glue calls it as soon as the headers are
 * in, before it accepts a byte of the body (see handle()).
 */
static int request_admit(struct request *req, const struct http_route **out)
{
    *out = NULL;
    req->surface = http_surface_for(req->url);
    json_writer_init(&req->w, &req->out, false);
    if (split_path(req) < 0)
        return http_error(req, 404, "Too many path segments.", NULL);
    const struct http_route *match = NULL;
    bool method_mismatch = false;
    for (size_t i = 0; i < req->surface->n_routes; i++) {
        const struct http_route *r = &req->surface->routes[i];
        if (req->n_seg < 1 || !str_eq_cstr(req->seg[0], r->controller))
            continue;
        if (r->action != NULL ? req->n_seg < 2 || !str_eq_cstr(req->seg[1], r->action)
                              : req->n_seg != 1)
            continue;
        if (!(r->methods & req->method)) {
            method_mismatch = true;
            continue;
        }
        match = r;
        break;
    }
    if (match == NULL && !method_mismatch)
        return http_error(req, 404, "Could not find the requested resource.", NULL);
    if (!(match && (match->flags & HTTP_ROUTE_PUBLIC))) {
        int rc = authenticate(req);
        if (rc == ERR_AUTH)
            return http_error(req, 403,
                              "Authentication failed. Please make sure you pass the API key of an "
                              "API enabled user along in the Authorization header.",
                              NULL);
        if (rc < 0)
            return http_fail(req, rc, NULL);
    }
    if (match == NULL)
        return http_error(req, 405, "This action does not accept this HTTP method.", NULL);
    *out = match;
    return 0;
}

/* Runs an admitted request whose body has been read. */
static int request_run(struct request *req, const struct http_route *match)
{
    json_writer_init(&req->w, &req->out, false);
    if (req->body.len && !(match->flags & HTTP_ROUTE_RAW_BODY)) {
        const char *ct = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Type");
        if (!req->surface->body_is_json(ct, &req->body))
            return http_error(req, 415,
                              "The request body must be JSON (Content-Type: "
                              "application/json).",
                              NULL);
        struct json_value *root;
        struct diag d;
        diag_clear(&d);
        int rc = json_parse(req->a, req->body.ptr, req->body.len, LIMIT_JSON_DEPTH, &root, &d);
        if (rc < 0) {
            char msg[400];
            snprintf(msg, sizeof(msg), "Malformed JSON at line %u, column %u: %s", d.line, d.col,
                     d.msg);
            return http_error(req, rc == ERR_TOOBIG ? 413 : 400, msg, &d);
        }
        req->json = root;
    }
    if (match->flags & HTTP_ROUTE_SLOW) {
        req->deferred = match->handler;
        return HTTP_DEFERRED;
    }
    return http_run_handler(req, match->handler);
}

int http_dispatch(struct request *req)
{
    const struct http_route *match;
    int status = request_admit(req, &match);
    return status ? status : request_run(req, match);
}

int http_run_handler(struct request *req, http_handler handler)
{
    int status = handler(req);
    /* read-your-writes: what this request committed is in the index before
     * the client hears back (cheap when nothing changed) */
    if ((req->method & (HTTP_POST | HTTP_PUT | HTTP_DELETE)) && status < 400 &&
        req->app->svc.indexer != NULL && indexer_refresh(req->app->svc.indexer) < 0)
        log_warnx("index: refresh after request %s failed", req->request_id);
    return status;
}

/* ---- libmicrohttpd glue ---- */

static unsigned long long request_counter;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct conn_state {
    struct request req;
    uint64_t t0;
    const char *method;             /* as received (arena), for the access log */
    const struct http_route *route; /* set once admitted */
    int early_status;               /* refused on its headers: the answer to queue */
    bool has_body;                  /* Content-Length > 0 or Transfer-Encoding */
    bool too_big;
    const char *limit_name; /* the setting too_big refers to */
    bool over_budget;       /* body_memory_max was reached while reading */
    bool close;             /* answer with Connection: close */
    unsigned retry_after;   /* seconds, sent with a 503 */
    size_t reserved;        /* bytes of body_memory_max this request holds */
    bool deferred;          /* a slow handler runs on its own thread */
    int deferred_status;    /* its status once done */
    bool deferred_done;
};

/* ---- memory for request bodies, all connections together ----
 *
 * A body is read whole into memory before its handler runs, so the sum of
 * the buffers is bounded (body_memory_max): a request holds the capacity of
 * its buffer, reserved before it is allocated - all of a declared
 * Content-Length at once, a chunked body as it grows.  A request that does
 * not fit is answered 503 with Retry-After, at once when its length is
 * declared.
 */
static size_t body_bytes; /* reserved now (atomic) */

static bool body_budget_take(size_t n, size_t max)
{
    size_t cur = __atomic_load_n(&body_bytes, __ATOMIC_RELAXED);
    do {
        if (n > max || cur > max - n)
            return false;
    } while (!__atomic_compare_exchange_n(&body_bytes, &cur, cur + n, true, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    return true;
}

/* Drops the body read so far and gives its reservation back. */
static void body_drop(struct conn_state *st)
{
    buf_free(&st->req.body);
    if (st->reserved)
        __atomic_sub_fetch(&body_bytes, st->reserved, __ATOMIC_RELAXED);
    st->reserved = 0;
}

/* Appends a chunk of the body, growing the buffer only within the request's
 * reservation (taking more from the budget for a chunked body).  Past the
 * request's limit sets too_big, past the budget over_budget; either drops
 * the body and discards what follows. */
static void body_append(struct conn_state *st, const char *data, size_t n)
{
    struct buf *b = &st->req.body;
    if (st->too_big || st->over_budget)
        return;
    if (n > b->max - b->len) {
        st->too_big = true;
        body_drop(st);
        return;
    }
    size_t need = b->len + n + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 16 * 1024;
        while (cap < need)
            cap *= 2; /* need <= max + 1 <= LIMIT_BODY_MAX + 1: no overflow */
        if (cap > b->max + 1)
            cap = b->max + 1;
        if (cap > st->reserved) {
            if (!body_budget_take(cap - st->reserved,
                                  (size_t)st->req.app->svc.cfg->body_memory_max)) {
                st->over_budget = true;
                body_drop(st);
                return;
            }
            st->reserved = cap;
        }
        b->ptr = xrealloc(b->ptr, cap);
        b->cap = cap;
    }
    buf_append(b, data, n); /* within cap: no allocation */
}

/* ---- the header deadline (slowloris) ----
 *
 * libmicrohttpd has one time-out, on inactivity (idle_timeout), which a client
 * sending a header line every few seconds resets forever.  So every
 * connection also carries a deadline by which its next request's headers must
 * be complete: header_timeout seconds after it opened or after its previous
 * request ended (so it bounds an idle kept-alive connection too).  The deadline
 * is cleared when the headers are in (the first call of handle()).  A watchdog
 * thread shuts down the socket of a connection past its deadline;
 * libmicrohttpd then reads end-of-file and closes it.
 *
 * A deadline that passes while the socket holds bytes not yet read is met:
 * the client sent its request in time and the connection's thread is busy
 * with another one (a kept-alive connection's next request arriving just
 * before its deadline would otherwise be closed unanswered - seen as a rare
 * "connection closed without response" under load).  It gets one more
 * header_timeout to be read; a slow sender of headers gains nothing, since
 * what it sent is read as it arrives and the grace is given once per request.
 *
 * The descriptor is never a reused one: MHD notifies a close (and we unlink
 * the watch, under the lock the watchdog holds) before it closes the socket.
 */
struct conn_watch {
    struct conn_watch *prev, *next;
    int fd;
    uint64_t deadline; /* CLOCK_MONOTONIC ms; 0: none (a request is in) - atomic */
    uint64_t graced;   /* the deadline the watchdog last extended to (watchdog only) */
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC; signals stop */
    struct conn_watch *head;
    uint64_t header_ms;
    bool stop;
} watch = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void watch_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                         enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci == NULL)
            return;
        struct conn_watch *w = xcalloc(1, sizeof(*w));
        w->fd = ci->connect_fd;
        w->deadline = now_ms() + watch.header_ms;
        pthread_mutex_lock(&watch.lock);
        w->next = watch.head;
        if (watch.head)
            watch.head->prev = w;
        watch.head = w;
        pthread_mutex_unlock(&watch.lock);
        *socket_context = w;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context != NULL) {
        struct conn_watch *w = *socket_context;
        pthread_mutex_lock(&watch.lock);
        if (w->prev)
            w->prev->next = w->next;
        else
            watch.head = w->next;
        if (w->next)
            w->next->prev = w->prev;
        pthread_mutex_unlock(&watch.lock);
        free(w);
        *socket_context = NULL;
    }
}

/* Sets the connection's header deadline (0: none). */
static void watch_set(struct MHD_Connection *conn, uint64_t deadline)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn_watch *w = ci ? ci->socket_context : NULL;
    if (w != NULL)
        __atomic_store_n(&w->deadline, deadline, __ATOMIC_RELAXED);
}

static void *watch_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&watch.lock);
    while (!watch.stop) {
        uint64_t now = now_ms();
        for (struct conn_watch *w = watch.head; w != NULL; w = w->next) {
            uint64_t d = __atomic_load_n(&w->deadline, __ATOMIC_RELAXED);
            if (d == 0 || now < d)
                continue;
            /* the exchanges fail if the headers came in meanwhile */
            int pending = 0;
            if (d != w->graced && ioctl(w->fd, FIONREAD, &pending) == 0 && pending > 0) {
                uint64_t later = now + watch.header_ms;
                if (__atomic_compare_exchange_n(&w->deadline, &d, later, false, __ATOMIC_RELAXED,
                                                __ATOMIC_RELAXED))
                    w->graced = later;
                continue;
            }
            if (__atomic_compare_exchange_n(&w->deadline, &d, 0, false, __ATOMIC_RELAXED,
                                            __ATOMIC_RELAXED)) {
                shutdown(w->fd, SHUT_RDWR);
                log_debug("http: closed a connection without complete request headers after "
                          "%llu ms",
                          (unsigned long long)watch.header_ms);
            }
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 250 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&watch.cond, &watch.lock, &ts);
    }
    pthread_mutex_unlock(&watch.lock);
    return NULL;
}

static void watch_stop(pthread_t watchdog)
{
    pthread_mutex_lock(&watch.lock);
    watch.stop = true;
    pthread_cond_signal(&watch.cond);
    pthread_mutex_unlock(&watch.lock);
    pthread_join(watchdog, NULL);
    pthread_cond_destroy(&watch.cond);
}

/* ---- request framing (RFC 9112 section 6) ----
 *
 * libmicrohttpd 0.9.75 takes the first of several Content-Length headers and
 * lets Transfer-Encoding: chunked override a Content-Length; it refuses a
 * malformed or list-valued first Content-Length itself.  A proxy in front
 * that reads the other header would see another request boundary (request
 * smuggling), so such a request is refused with 400 and the connection
 * closed, as RFC 9112 6.3 requires.
 */
struct framing {
    unsigned n_length, n_encoding;
    uint64_t length;
    bool length_conflict; /* differing or malformed Content-Length values */
    bool chunked_last;    /* the (single) Transfer-Encoding ends with chunked */
    bool other_coding;    /* a coding other than chunked */
};

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    struct framing *f = cls;
    struct str v = str_from_cstr(value ? value : "");
    while (v.len && (v.ptr[0] == ' ' || v.ptr[0] == '\t'))
        v.ptr++, v.len--;
    while (v.len && (v.ptr[v.len - 1] == ' ' || v.ptr[v.len - 1] == '\t'))
        v.len--;
    if (strcasecmp(key, "Content-Length") == 0) {
        uint64_t n;
        if (parse_u64_all(v, 0, UINT64_MAX, &n) < 0 || (f->n_length && n != f->length))
            f->length_conflict = true;
        f->length = n;
        f->n_length++;
    } else if (strcasecmp(key, "Transfer-Encoding") == 0) {
        f->n_encoding++;
        /* a comma-separated list of codings; chunked must be the last one */
        f->chunked_last = false;
        while (v.len) {
            struct str c = str_split(&v, ',');
            while (c.len && (c.ptr[0] == ' ' || c.ptr[0] == '\t'))
                c.ptr++, c.len--;
            while (c.len && (c.ptr[c.len - 1] == ' ' || c.ptr[c.len - 1] == '\t'))
                c.len--;
            f->chunked_last = c.len == 7 && strncasecmp(c.ptr, "chunked", 7) == 0;
            if (!f->chunked_last)
                f->other_coding = true;
        }
    }
    return MHD_YES;
}

/* Refuses a request whose body boundary is ambiguous: 400 (or 501 for an
 * unsupported coding before chunked) with Connection: close; 0 if sound. */
static int framing_check(struct conn_state *st, struct MHD_Connection *conn, const char *version)
{
    struct request *req = &st->req;
    struct framing f = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, framing_header, &f);
    st->has_body = f.n_encoding > 0 || f.length > 0;
    const char *msg = NULL;
    int status = 400;
    if (f.length_conflict)
        msg = "Conflicting Content-Length headers: send exactly one.";
    else if (f.n_length && f.n_encoding)
        msg = "Content-Length and Transfer-Encoding together: send only one of them.";
    else if (f.n_encoding > 1 || (f.n_encoding && !f.chunked_last))
        msg = "Transfer-Encoding must be chunked (sent once, chunked last).";
    else if (f.n_encoding && strcmp(version, MHD_HTTP_VERSION_1_0) == 0)
        msg = "Transfer-Encoding is not allowed in an HTTP/1.0 request.";
    else if (f.other_coding) {
        msg = "Only the chunked transfer coding is supported.";
        status = 501;
    }
    if (msg == NULL)
        return 0;
    st->close = true;
    return http_error(req, status, msg, NULL);
}

static int too_big(struct conn_state *st)
{
    char msg[96];
    snprintf(msg, sizeof(msg), "The request body is larger than %s.", st->limit_name);
    return http_error(&st->req, 413, msg, NULL);
}

/*
 * Everything decided before the body is read: framing, method, URL length,
 * route and API key (request_admit), the declared length against the route's
 * limit, and the body's reservation.  Returns 0 (admitted) or the status of
 * the refusal, its body written.
 */
static int admit(struct conn_state *st, struct MHD_Connection *conn, const char *version)
{
    struct request *req = &st->req;
    const struct config *cfg = req->app->svc.cfg;
    json_writer_init(&req->w, &req->out, false);
    int status = framing_check(st, conn, version);
    if (status)
        return status;
    if (req->method == 0)
        return http_error(req, 405, "Unsupported HTTP method.", NULL);
    if (strlen(req->url) > LIMIT_URL_LEN)
        return http_error(req, 414, "The URL is too long.", NULL);
    status = request_admit(req, &st->route);
    if (status)
        return status;
    /* POST /lookup takes millions of values in one body: its own limit; and
     * a body that could never fit in the memory budget is too big, not 503 */
    bool lookup = strcmp(st->route->controller, "lookup") == 0;
    uint64_t limit = (uint64_t)(lookup ? cfg->lookup_max_body : cfg->max_body);
    st->limit_name = lookup ? "lookup_max_body" : "max_body";
    if (limit > (uint64_t)cfg->body_memory_max - 1) {
        limit = (uint64_t)cfg->body_memory_max - 1;
        st->limit_name = "body_memory_max";
    }
    const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    uint64_t declared;
    if (length == NULL || parse_u64_all(str_from_cstr(length), 0, UINT64_MAX, &declared) < 0) {
        buf_init(&req->body, (size_t)limit); /* chunked, or no body */
        return 0;
    }
    if (declared > limit) {
        st->too_big = true;
        return too_big(st);
    }
    buf_init(&req->body, (size_t)declared);
    if (declared == 0)
        return 0;
    if (!body_budget_take((size_t)declared + 1, (size_t)cfg->body_memory_max)) {
        st->retry_after = 5;
        return http_error(req, 503,
                          "The server holds too many request bodies (body_memory_max): try again "
                          "later.",
                          NULL);
    }
    st->reserved = (size_t)declared + 1;
    return 0;
}

/* Slow handlers running now (see HTTP_ROUTE_SLOW); the server waits for them on
 * shutdown, as their connections are suspended. */
static pthread_mutex_t slow_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slow_cond = PTHREAD_COND_INITIALIZER;
static unsigned slow_running;
#define SLOW_MAX 16

static void *slow_main(void *arg)
{
    struct conn_state *st = arg;
    struct request *req = &st->req;
    int status = http_run_handler(req, req->deferred);
    pthread_mutex_lock(&slow_lock);
    st->deferred_status = status;
    st->deferred_done = true;
    pthread_mutex_unlock(&slow_lock);
    MHD_resume_connection(req->conn);
    pthread_mutex_lock(&slow_lock);
    slow_running--;
    pthread_cond_broadcast(&slow_cond);
    pthread_mutex_unlock(&slow_lock);
    return NULL;
}

/* Suspends the connection and runs the slow handler on its own thread; false
 * when too many run already. */
static bool slow_start(struct conn_state *st, struct MHD_Connection *conn)
{
    pthread_mutex_lock(&slow_lock);
    bool ok = slow_running < SLOW_MAX;
    if (ok)
        slow_running++;
    pthread_mutex_unlock(&slow_lock);
    if (!ok)
        return false;
    st->deferred = true;
    MHD_suspend_connection(conn);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, slow_main, st) != 0) {
        pthread_attr_destroy(&attr);
        /* run it here after all */
        st->deferred_status = http_run_handler(&st->req, st->req.deferred);
        st->deferred_done = true;
        MHD_resume_connection(conn);
        pthread_mutex_lock(&slow_lock);
        slow_running--;
        pthread_mutex_unlock(&slow_lock);
        return true;
    }
    pthread_attr_destroy(&attr);
    return true;
}

static void slow_wait_all(void)
{
    pthread_mutex_lock(&slow_lock);
    if (slow_running > 0)
        log_info("waiting for %u running sync request(s) to finish", slow_running);
    while (slow_running > 0)
        pthread_cond_wait(&slow_cond, &slow_lock);
    pthread_mutex_unlock(&slow_lock);
}

static enum http_method method_of(const char *m)
{
    if (strcmp(m, "GET") == 0)
        return HTTP_GET;
    if (strcmp(m, "POST") == 0)
        return HTTP_POST;
    if (strcmp(m, "PUT") == 0)
        return HTTP_PUT;
    if (strcmp(m, "DELETE") == 0)
        return HTTP_DELETE;
    if (strcmp(m, "HEAD") == 0)
        return HTTP_HEAD;
    return 0;
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct request *req = cls;
    long n = req->stream(req, buf, max);
    if (n == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (n < 0)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    return (ssize_t)n;
}

/* ---- memory for built answers, all connections together ----
 *
 * An answer built whole (all but the streamed ones) stays in memory until the
 * client has read it, so slow readers could pin many: their sum is bounded
 * (response_memory_max).  An answer that does not fit gets 503 with
 * Retry-After, one larger than the whole budget 500 naming it; answers up to
 * ANSWER_SMALL (error bodies among them) are counted but always sent.  An
 * answer holding a secret (buf_set_secret on req->out, e.g. a new API key)
 * is wiped when libmicrohttpd is done with it.
 */
#define ANSWER_SMALL (64u * 1024)

static size_t answer_bytes; /* held now (atomic) */

struct held_answer {
    char *ptr;
    size_t len;
    bool secret;
};

static void held_answer_free(void *cls)
{
    struct held_answer *h = cls;
    if (h->secret)
        sodium_memzero(h->ptr, h->len);
    free(h->ptr);
    __atomic_sub_fetch(&answer_bytes, h->len, __ATOMIC_RELAXED);
    free(h);
}

/* The built answer in req->out as a libmicrohttpd response, within the
 * budget; else the 503 or 500 that replaces it (status updated). */
static struct MHD_Response *held_answer(struct conn_state *st, int *status, size_t *len)
{
    struct request *req = &st->req;
    size_t max = (size_t)req->app->svc.cfg->response_memory_max;
    struct held_answer *h = xmalloc(sizeof(*h));
    h->secret = req->out.secret;
    h->ptr = buf_take(&req->out, &h->len);
    size_t cur = __atomic_add_fetch(&answer_bytes, h->len, __ATOMIC_RELAXED);
    if (h->len > ANSWER_SMALL && cur > max) {
        __atomic_sub_fetch(&answer_bytes, h->len, __ATOMIC_RELAXED);
        if (h->secret)
            sodium_memzero(h->ptr, h->len);
        free(h->ptr);
        bool never = h->len > max;
        log_warnx("answer of %zu bytes refused: response_memory_max (%zu) %s", h->len, max,
                  never ? "is smaller" : "is in use");
        *status = http_error(req, never ? 500 : 503,
                             never ? "The answer is larger than the server's response_memory_max."
                                   : "The server holds too many answers in memory "
                                     "(response_memory_max): try again shortly.",
                             NULL);
        if (!never)
            st->retry_after = 5;
        h->secret = req->out.secret;
        h->ptr = buf_take(&req->out, &h->len);
        __atomic_add_fetch(&answer_bytes, h->len, __ATOMIC_RELAXED);
    }
    *len = h->len;
    return MHD_create_response_from_buffer_with_free_callback_cls(h->len, h->ptr, held_answer_free,
                                                                  h);
}

static enum MHD_Result queue(struct conn_state *st, struct MHD_Connection *conn, int status)
{
    struct request *req = &st->req;
    size_t len = 0;
    if (req->out.err) {
        buf_reset(&req->out);
        req->out.err = 0;
        json_writer_init(&req->w, &req->out, false);
        status = http_error(req, 500, "The response was too large to build.", NULL);
    }
    struct MHD_Response *resp;
    if (req->stream != NULL && status < 300) {
        /* the request (and its arena) lives until completed(), after the last read */
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_reader, req,
                                                 NULL);
    } else {
        resp = held_answer(st, &status, &len);
    }
    MHD_add_response_header(resp, "Content-Type",
                            req->content_type ? req->content_type : "application/json");
    MHD_add_response_header(resp, "X-Request-Id", req->request_id);
    if (req->etag[0])
        MHD_add_response_header(resp, "ETag", req->etag);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (st->retry_after) {
        char secs[16];
        snprintf(secs, sizeof(secs), "%u", st->retry_after);
        MHD_add_response_header(resp, "Retry-After", secs);
    }
    if (st->close)
        MHD_add_response_header(resp, "Connection", "close");
    enum MHD_Result r = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    /* keys outside the message; the URL and method are the client's: escaped */
    struct log_line l;
    if (log_begin(&l, LOG_LEVEL_INFO, "access")) {
        log_str(&l, "id", req->request_id);
        log_str(&l, "method", st->method);
        log_str(&l, "path", req->url);
        log_int(&l, "status", status);
        log_int(&l, "bytes", (long long)len);
        log_int(&l, "ms", (long long)(now_ms() - st->t0));
        log_int(&l, "org", (long long)(req->authenticated ? req->who.org.id : 0));
        log_end(&l);
    }
    return r;
}

/*
 * MHD calls handle() first when the request's headers are in, then once per
 * body chunk, then with no data once the body is complete.  Everything that
 * can be decided from the headers - framing, route, API key, declared length,
 * the memory budget - is decided on the first call, before a byte of the body
 * is accepted (and before MHD answers Expect: 100-continue).  A refusal of a
 * request that carries a body is queued at once: MHD then skips the body and
 * closes the connection.  A refusal of a bodiless request waits for the next
 * call, so that the connection stays alive.
 */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    struct app *app = cls;
    struct conn_state *st = *con_cls;
    if (st == NULL) {
        watch_set(conn, 0); /* the headers are in */
        st = xcalloc(1, sizeof(*st));
        st->t0 = now_ms();
        st->req.app = app;
        st->req.a = arena_new();
        st->req.conn = conn;
        st->req.url = arena_strdup(st->req.a, url);
        st->req.method = method_of(method);
        st->method = arena_strdup(st->req.a, method);
        buf_init(&st->req.body, 0);
        buf_init(&st->req.out, LIMIT_RESPONSE_MAX);
        snprintf(st->req.request_id, sizeof(st->req.request_id), "%016llx",
                 __atomic_add_fetch(&request_counter, 1, __ATOMIC_RELAXED));
        *con_cls = st;
        int status = admit(st, conn, version);
        if (status == 0)
            return MHD_YES;
        if (st->has_body || st->close) {
            st->close = true;
            return queue(st, conn, status);
        }
        st->early_status = status;
        return MHD_YES;
    }
    if (*upload_data_size) {
        body_append(st, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct request *req = &st->req;
    if (st->deferred) {
        pthread_mutex_lock(&slow_lock);
        bool done = st->deferred_done;
        pthread_mutex_unlock(&slow_lock);
        return done ? queue(st, conn, st->deferred_status) : MHD_YES;
    }
    int status;
    if (st->early_status)
        status = st->early_status;
    else if (st->too_big)
        status = too_big(st);
    else if (st->over_budget) {
        st->retry_after = 5;
        status = http_error(req, 503,
                            "The server holds too many request bodies (body_memory_max): try "
                            "again later.",
                            NULL);
    } else
        status = request_run(req, st->route);
    if (status == HTTP_DEFERRED) {
        if (slow_start(st, conn))
            return MHD_YES;
        st->retry_after = 5;
        status = http_error(req, 503, "Too many sync runs in progress: try again later.", NULL);
    }
    return queue(st, conn, status);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct app *app = cls;
    (void)toe;
    /* the next request's headers are due within header_timeout */
    watch_set(conn, now_ms() + (uint64_t)app->svc.cfg->header_timeout * 1000);
    struct conn_state *st = *con_cls;
    if (st == NULL)
        return;
    if (st->req.stream_free != NULL)
        st->req.stream_free(&st->req);
    body_drop(st);
    buf_free(&st->req.out);
    arena_free(st->req.a);
    free(st);
    *con_cls = NULL;
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
    const char *colon = strrchr(listen, ':');
    if (colon == NULL)
        return ERR_INVAL;
    char host[256];
    size_t hlen = (size_t)(colon - listen);
    if (hlen >= sizeof(host))
        return ERR_INVAL;
    memcpy(host, listen, hlen);
    host[hlen] = '\0';
    uint64_t port;
    if (parse_u64_all(str_from_cstr(colon + 1), 0, 65535, &port) < 0)
        return ERR_INVAL;
    memset(ss, 0, sizeof(*ss));
    char *h = host;
    if (h[0] == '[' && hlen >= 2 && h[hlen - 1] == ']') {
        h[hlen - 1] = '\0';
        h++;
    }
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (*h == '\0' || strcmp(h, "*") == 0) {
        in4->sin_family = AF_INET;
        in4->sin_addr.s_addr = htonl(INADDR_ANY);
        in4->sin_port = htons((uint16_t)port);
        *len = sizeof(*in4);
    } else if (inet_pton(AF_INET, strcmp(h, "localhost") == 0 ? "127.0.0.1" : h, &in4->sin_addr) ==
               1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        *len = sizeof(*in4);
    } else if (inet_pton(AF_INET6, h, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*in6);
    } else {
        return ERR_INVAL;
    }
    return 0;
}

int http_serve(struct app *app)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    if (parse_listen(app->svc.cfg->listen, &ss, &sslen) < 0) {
        log_warnx("invalid listen address '%s' (expected host:port)", app->svc.cfg->listen);
        return ERR_INVAL;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    const struct config *cfg = app->svc.cfg;
    watch.header_ms = (uint64_t)cfg->header_timeout * 1000;
    watch.stop = false;
    pthread_condattr_t cattr;
    pthread_condattr_init(&cattr);
    pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
    pthread_cond_init(&watch.cond, &cattr);
    pthread_condattr_destroy(&cattr);
    pthread_t watchdog;
    if (pthread_create(&watchdog, NULL, watch_main, NULL) != 0) {
        log_warnx("cannot start the connection watchdog thread");
        pthread_cond_destroy(&watch.cond);
        return ERR_IO;
    }
    /* idle_timeout: MHD's inactivity time-out (a stalled upload or download);
     * header_timeout: the watchdog above */
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, app, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads, MHD_OPTION_NOTIFY_COMPLETED, completed,
        app, MHD_OPTION_NOTIFY_CONNECTION, watch_notify, app, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)cfg->idle_timeout, MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->max_connections_per_ip,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (d == NULL) {
        log_warnx("cannot listen on %s (address in use or not permitted?)", app->svc.cfg->listen);
        watch_stop(watchdog);
        return ERR_IO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : 0;
    char host[256];
    snprintf(host, sizeof(host), "%s", app->svc.cfg->listen);
    char *colon = strrchr(host, ':');
    if (colon)
        *colon = '\0';
    if (app->base_url[0] == '\0')
        snprintf(app->base_url, sizeof(app->base_url), "http://%s:%u", host, port);
    log_info("listening on http://%s:%u threads=%lld", host, port,
             (long long)app->svc.cfg->threads);
    fprintf(stdout, "Liaison is serving on http://%s:%u\n", host, port);
    if (app->key_path)
        fprintf(stdout,
                "Try: curl -H \"Authorization: $(cat %s)\" -H 'Accept: application/json' "
                "http://%s:%u/servers/getVersion\n",
                app->key_path, host, port);
    fflush(stdout);
    if (app->on_listening != NULL)
        app->on_listening(app, app->on_listening_ctx);
    int sig;
    sigwait(&set, &sig);
    log_info("signal %d: shutting down", sig);
    slow_wait_all(); /* their connections are suspended: MHD must not stop under them */
    MHD_stop_daemon(d);
    watch_stop(watchdog);
    return 0;
}
