/*
 * peer.c - requests to sync peers with libcurl.  See peer.h.
 */
#include "core/peer.h"

#include "codec/json.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/buf.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/banned.h"

/* A getVersion answer is small: anything larger is not one. */
#define PEER_VERSION_MAX (64 * 1024)

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
    struct buf *b = ctx;
    buf_append(b, p, size * n);
    return b->err ? 0 : size * n;
}

const char *peer_status_name(enum peer_status s)
{
    switch (s) {
    case PEER_OK:
        return "OK";
    case PEER_UNREACHABLE:
        return "Server unreachable";
    case PEER_UNEXPECTED:
        return "Unexpected error";
    case PEER_AUTH_FAILED:
        return "Authentication failed";
    case PEER_NOT_SYNC_USER:
        return "Remote user is not a sync user";
    case PEER_SELF:
        return "Syncing to self";
    }
    return "Unexpected error";
}

static void copy_str(const struct json_value *v, char *dst, size_t cap)
{
    struct str s;
    if (json_as_str(v, &s))
        snprintf(dst, cap, "%.*s", (int)s.len, s.ptr);
}

static enum peer_status classify(const struct buf *body, long status, const char *self_uuid,
                                 struct peer_version *out)
{
    if (status == 401 || status == 403) {
        snprintf(out->message, sizeof(out->message), "the peer refused the key (HTTP %ld)",
                 status);
        return PEER_AUTH_FAILED;
    }
    if (status != 200) {
        snprintf(out->message, sizeof(out->message), "the peer answered HTTP %ld", status);
        return PEER_UNEXPECTED;
    }
    struct arena *a = arena_new();
    struct json_value *root;
    struct diag d;
    diag_clear(&d);
    enum peer_status st = PEER_UNEXPECTED;
    bool b;
    if (json_parse(a, body->ptr ? body->ptr : "", body->len, 16, &root, &d) < 0 ||
        root->type != JSON_OBJECT || json_get(root, "version") == NULL) {
        snprintf(out->message, sizeof(out->message), "the answer is not a getVersion document");
    } else {
        copy_str(json_get(root, "version"), out->version, sizeof(out->version));
        copy_str(json_get(root, "uuid"), out->uuid, sizeof(out->uuid));
        out->perm_sync = json_as_bool(json_get(root, "perm_sync"), &b) && b;
        out->perm_sighting = json_as_bool(json_get(root, "perm_sighting"), &b) && b;
        if (!json_as_i64(json_get(root, "liaison_sync"), &out->liaison_sync))
            out->liaison_sync = 0;
        if (self_uuid != NULL && strcmp(out->uuid, self_uuid) == 0) {
            st = PEER_SELF;
            snprintf(out->message, sizeof(out->message), "the link points at this node");
        } else if (!out->perm_sync) {
            st = PEER_NOT_SYNC_USER;
            snprintf(out->message, sizeof(out->message),
                     "the key's user on the peer has no perm_sync");
        } else {
            st = PEER_OK;
        }
    }
    arena_free(a);
    return st;
}

/* ---- requests ---- */

int peer_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : ERR_IO;
}

static size_t header_line(char *p, size_t size, size_t n, void *ctx)
{
    struct peer_reply *r = ctx;
    size_t len = size * n;
    static const char name[] = "etag:";
    if (len > sizeof(name) && strncasecmp(p, name, sizeof(name) - 1) == 0) {
        const char *v = p + sizeof(name) - 1;
        const char *end = p + len;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
            end--;
        snprintf(r->etag, sizeof(r->etag), "%.*s", (int)(end - v), v);
    }
    return len;
}

/* Frees a header list from handle_for, wiping each line first: one carries the
 * link's key to the peer. */
static void headers_free(struct curl_slist *hdr)
{
    for (struct curl_slist *l = hdr; l != NULL; l = l->next)
        wipe(l->data, strlen(l->data));
    curl_slist_free_all(hdr);
}

/* A handle set up for one request to the link; *hdr to free with headers_free
 * after it ran. */
static CURL *handle_for(const struct server *sv, const char *method, const char *path,
                        const char *body, size_t body_len, const char *if_none_match,
                        struct peer_reply *r, struct curl_slist **hdr)
{
    CURL *h = curl_easy_init();
    if (h == NULL)
        return NULL;
    char url[2600], line[200];
    snprintf(url, sizeof(url), "%s%s", sv->url, path);
    snprintf(line, sizeof(line), "Authorization: %s", sv->authkey);
    *hdr = curl_slist_append(NULL, line);
    wipe(line, sizeof(line));
    *hdr = curl_slist_append(*hdr, "Accept: application/json");
    *hdr = curl_slist_append(*hdr, "Content-Type: application/json");
    *hdr = curl_slist_append(*hdr, "Expect:");
    /* beyond MISP: tells a Liaison peer the sender speaks its extensions */
    *hdr = curl_slist_append(*hdr, "X-Liaison-Sync: 1");
    if (if_none_match != NULL && *if_none_match != '\0') {
        snprintf(line, sizeof(line), "If-None-Match: %s", if_none_match);
        *hdr = curl_slist_append(*hdr, line);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_line);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, sv->timeout > 0 ? (long)sv->timeout : 60L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, sv->self_signed ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, sv->self_signed ? 0L : 2L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    if (sv->cert_file != NULL && *sv->cert_file != '\0')
        curl_easy_setopt(h, CURLOPT_CAINFO, sv->cert_file);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
    }
    return h;
}

static void reply_finish(struct peer_reply *r, CURL *h, CURLcode cc)
{
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    if (cc == CURLE_OK)
        return;
    if (cc == CURLE_WRITE_ERROR && r->body.err)
        snprintf(r->error, sizeof(r->error), "the answer is larger than %zu bytes", r->body.max);
    else
        snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(cc));
    r->status = 0;
}

void peer_reply_init(struct peer_reply *r, size_t max_body)
{
    memset(r, 0, sizeof(*r));
    buf_init(&r->body, max_body);
}

void peer_reply_free(struct peer_reply *r)
{
    buf_free(&r->body);
}

int peer_request(const struct server *sv, const char *method, const char *path,
                 const char *body, size_t body_len, const char *if_none_match,
                 struct peer_reply *r)
{
    struct curl_slist *hdr = NULL;
    CURL *h = handle_for(sv, method, path, body, body_len, if_none_match, r, &hdr);
    if (h == NULL) {
        snprintf(r->error, sizeof(r->error), "cannot start an HTTP client");
        return ERR_IO;
    }
    reply_finish(r, h, curl_easy_perform(h));
    headers_free(hdr);
    curl_easy_cleanup(h);
    return r->status == 0 ? ERR_IO : 0;
}

int peer_call_many(const struct server *sv, const struct peer_call *calls, size_t n,
                   unsigned parallel, size_t max_body,
                   int (*done)(void *ctx, size_t i, struct peer_reply *r), void *ctx)
{
    if (parallel == 0)
        parallel = 1;
    CURLM *m = curl_multi_init();
    if (m == NULL)
        return ERR_IO;
    struct slot {
        CURL *h;
        struct curl_slist *hdr;
        struct peer_reply r;
        size_t i;
    } *slots = calloc(parallel, sizeof(*slots));
    if (slots == NULL) {
        curl_multi_cleanup(m);
        return ERR_IO;
    }
    size_t next = 0, running = 0;
    int rc = 0;
    while (rc == 0 && (next < n || running > 0)) {
        for (unsigned k = 0; k < parallel && next < n; k++) {
            if (slots[k].h != NULL)
                continue;
            peer_reply_init(&slots[k].r, max_body);
            slots[k].i = next;
            const struct peer_call *call = &calls[next];
            slots[k].h = handle_for(sv, call->method, call->path, call->body, call->len, NULL,
                                    &slots[k].r, &slots[k].hdr);
            if (slots[k].h == NULL) {
                rc = ERR_IO;
                break;
            }
            curl_easy_setopt(slots[k].h, CURLOPT_PRIVATE, &slots[k]);
            curl_multi_add_handle(m, slots[k].h);
            next++;
            running++;
        }
        int still;
        if (curl_multi_perform(m, &still) != CURLM_OK) {
            rc = ERR_IO;
            break;
        }
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct slot *sl;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&sl);
            reply_finish(&sl->r, sl->h, msg->data.result);
            curl_multi_remove_handle(m, sl->h);
            curl_easy_cleanup(sl->h);
            headers_free(sl->hdr);
            sl->h = NULL;
            sl->hdr = NULL;
            running--;
            if (rc == 0)
                rc = done(ctx, sl->i, &sl->r);
            peer_reply_free(&sl->r);
        }
        if (rc == 0 && running > 0 && curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)
            rc = ERR_IO;
    }
    for (unsigned k = 0; k < parallel; k++) {
        if (slots[k].h == NULL)
            continue;
        curl_multi_remove_handle(m, slots[k].h);
        curl_easy_cleanup(slots[k].h);
        headers_free(slots[k].hdr);
        peer_reply_free(&slots[k].r);
    }
    free(slots);
    curl_multi_cleanup(m);
    return rc;
}

enum peer_status peer_test(const struct server *sv, const char *self_uuid,
                           struct peer_version *out)
{
    memset(out, 0, sizeof(*out));
    struct peer_reply r;
    peer_reply_init(&r, PEER_VERSION_MAX);
    enum peer_status st;
    if (peer_request(sv, "GET", "/servers/getVersion", NULL, 0, NULL, &r) < 0) {
        snprintf(out->message, sizeof(out->message), "%s", r.error);
        st = r.body.err ? PEER_UNEXPECTED : PEER_UNREACHABLE;
    } else {
        st = classify(&r.body, r.status, self_uuid, out);
    }
    peer_reply_free(&r);
    return st;
}
