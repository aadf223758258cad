/*
 * respond.c - answer helpers shared by handlers: errors in the surface's own
 * body, MISP's save answers, request parameters, body unwrapping, ETags and
 * the pager of streamed answers.
 */
#include "http/http.h"

#include "codec/misp_envelope.h"

#include "util/log.h"

#include "util/parse.h"

#include <sodium.h>

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

int http_error(struct request *req, int status, const char *message, const struct diag *d)
{
    if (req->surface == NULL)
        req->surface = http_surface_for(req->url);
    buf_reset(&req->out);
    json_writer_init(&req->w, &req->out, false);
    return req->surface->error(req, status, message, d);
}

int http_fail(struct request *req, int code, const struct diag *d)
{
    int status = err_http_status(code);
    char message[400];
    if (d && d->msg[0])
        snprintf(message, sizeof(message), "%s%s%s", d->field[0] ? d->field : "",
                 d->field[0] ? ": " : "", d->msg);
    else if (code == ERR_NOTFOUND)
        snprintf(message, sizeof(message), "Invalid %s.",
                 req->n_seg ? http_seg(req, 0) : "request");
    else
        snprintf(message, sizeof(message), "%s", err_str(code));
    return http_error(req, status, message, d);
}

int http_saved(struct request *req, const char *message, int64_t id)
{
    misp_envelope_saved(&req->w, message, req->url, id);
    return 200;
}

const char *http_query_arg(struct request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_named(struct request *req, const char *name)
{
    for (size_t i = req->n_named; i-- > 0;)
        if (str_eq_cstr(req->named[i].key, name))
            return arena_strndup(req->a, req->named[i].value.ptr, req->named[i].value.len);
    return NULL;
}

const char *http_seg(struct request *req, size_t i)
{
    if (i >= req->n_seg)
        return "";
    return arena_strndup(req->a, req->seg[i].ptr, req->seg[i].len);
}

const struct json_value *http_body_unwrap(struct request *req, const char *key)
{
    const struct json_value *inner = json_get(req->json, key);
    if (inner && inner->type == JSON_OBJECT)
        return inner;
    return req->json;
}

int http_save_failed(struct request *req, const char *what, int code, const struct diag *d)
{
    char msg[128];
    switch (code) {
    case ERR_NOTFOUND:
        if (d == NULL || d->msg[0] == '\0') {
            snprintf(msg, sizeof(msg), "Invalid %s.", what);
            return http_error(req, 404, msg, NULL);
        }
        snprintf(msg, sizeof(msg), "%s could not be saved.", what);
        return http_error(req, 404, msg, d);
    case ERR_INVAL:
    case ERR_FORBIDDEN:
    case ERR_STALE:
        snprintf(msg, sizeof(msg), "%s could not be saved.", what);
        return http_error(req, 403, msg, d);
    case ERR_CONFLICT:
        snprintf(msg, sizeof(msg), "%s could not be saved.", what);
        return http_error(req, 409, msg, d);
    case ERR_TOOBIG:
        snprintf(msg, sizeof(msg), "%s could not be saved: too large.", what);
        return http_error(req, 413, msg, d);
    default:
        return http_fail(req, code, d);
    }
}

const struct acl_filter *http_acl(struct request *req)
{
    if (!req->acl_ready) {
        /* on a storage failure the filter shows no sharing group: fails closed */
        acl_filter_load(req->app->svc.store, req->a, &req->who, &req->app->svc.policy, &req->acl);
        req->who.sharing_groups = req->acl.sharing_groups;
        req->acl_ready = true;
    }
    return &req->acl;
}

int64_t http_seg_id(struct request *req, size_t i)
{
    uint64_t v;
    if (i >= req->n_seg || parse_u64_all(req->seg[i], 1, INT64_MAX, &v) < 0)
        return 0;
    return (int64_t)v;
}

int http_opt_str(struct request *req, const struct json_value *obj, const char *key, char **dst,
                 struct diag *d)
{
    const struct json_value *v = json_get(obj, key);
    if (v == NULL || v->type == JSON_NULL)
        return 0;
    if (v->type != JSON_STRING)
        return diag_set(d, ERR_INVAL, key, "%s must be a string", key);
    /* a C string would end at the first \u0000: refuse rather than truncate */
    if (json_str_has_nul(v))
        return diag_set(d, ERR_INVAL, key, "%s must not contain NUL characters", key);
    *dst = arena_strndup(req->a, v->u.str, v->len);
    return 0;
}

void http_etag_begin(struct http_etag_state *st)
{
    crypto_generichash_init(&st->h, NULL, 0, 16);
}

void http_etag_add(struct http_etag_state *st, const void *p, size_t n)
{
    crypto_generichash_update(&st->h, (const unsigned char *)p, n);
}

int http_etag_end(struct request *req, struct http_etag_state *st, int status)
{
    unsigned char h[16];
    crypto_generichash_final(&st->h, h, sizeof(h));
    char *p = req->etag;
    *p++ = '"';
    for (size_t i = 0; i < sizeof(h); i++) {
        static const char hex[] = "0123456789abcdef";
        *p++ = hex[h[i] >> 4];
        *p++ = hex[h[i] & 15];
    }
    *p++ = '"';
    *p = '\0';
    const char *inm = http_header(req, "If-None-Match");
    if (inm != NULL && (strstr(inm, req->etag) != NULL || strcmp(inm, "*") == 0)) {
        buf_reset(&req->out);
        return 304;
    }
    return status;
}

int http_etag(struct request *req, int status)
{
    if (status != 200 || req->out.err)
        return status;
    struct http_etag_state st;
    http_etag_begin(&st);
    http_etag_add(&st, req->out.ptr ? req->out.ptr : "", req->out.len);
    return http_etag_end(req, &st, status);
}

/* req->stream for http_stream_pages: hands out req->out, asking for the next
 * page once the client has read it all. */
static long pages_read(struct request *req, char *dst, size_t max)
{
    struct http_pages *pg = req->stream_ctx;
    while (pg->out_off == req->out.len) {
        if (pg->closed)
            return 0;
        buf_reset(&req->out);
        pg->out_off = 0;
        if (!pg->done) {
            int rc = pg->page(pg->ctx, &pg->done);
            if (rc < 0) {
                /* the status is sent: cutting the connection is all that is left */
                log_warnx("%s %s: %s after the first page: connection closed", pg->what,
                          req->request_id, err_str(rc));
                return -1;
            }
        }
        if (pg->done) {
            pg->closing(pg->ctx);
            pg->closed = true;
        }
        if (req->out.err)
            return -1;
    }
    size_t n = req->out.len - pg->out_off;
    if (n > max)
        n = max;
    memcpy(dst, req->out.ptr + pg->out_off, n);
    pg->out_off += n;
    return (long)n;
}

void http_stream_pages(struct request *req, struct http_pages *pg)
{
    pg->done = pg->closed = false;
    pg->out_off = 0;
    req->stream = pages_read;
    req->stream_ctx = pg;
}
