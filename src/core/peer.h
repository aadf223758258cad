/*
 * peer.h - talking to a sync peer (a Liaison node or a MISP server) over its
 * MISP API, with the link's key, TLS settings and time-out.
 */
#ifndef LIAISON_PEER_H
#define LIAISON_PEER_H

#include "core/model.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

/* MISP's testConnection status codes (the ones that apply here). */
enum peer_status {
    PEER_OK = 1,
    PEER_UNREACHABLE = 2,
    PEER_UNEXPECTED = 3, /* an answer that is not a MISP getVersion */
    PEER_AUTH_FAILED = 4,
    PEER_NOT_SYNC_USER = 7,
    PEER_SELF = 8, /* the link points back at this node */
};

struct peer_version {
    char version[32];
    char uuid[64];
    bool perm_sync;
    bool perm_sighting;
    int64_t liaison_sync; /* a Liaison peer's sync extension level; 0: MISP */
    char message[256]; /* what went wrong, for status != PEER_OK */
};

/* Asks the peer's GET /servers/getVersion with the link's key and classifies
 * the answer; self_uuid is this node's, to recognise a link to itself. */
enum peer_status peer_test(const struct server *sv, const char *self_uuid,
                           struct peer_version *out);

/* ---- requests ---- */

/* Initialises the HTTP client library once, before any thread starts
 * (libcurl's global state); 0 or ERR_IO. */
int peer_global_init(void);

/* An answer from the peer: status 0 when none came (error says why). */
struct peer_reply {
    long status;
    struct buf body; /* at most the max_body given to peer_reply_init */
    char etag[80];
    char error[256];
};

void peer_reply_init(struct peer_reply *r, size_t max_body);
void peer_reply_free(struct peer_reply *r);

/* One request (method "GET", "HEAD" or "POST" with body) to the link's URL +
 * path, with its key; ERR_IO when no answer came (r->error). */
int peer_request(const struct server *sv, const char *method, const char *path,
                 const char *body, size_t body_len, const char *if_none_match,
                 struct peer_reply *r);

/* One of several requests (peer_call_many); body is for POST only. */
struct peer_call {
    const char *method; /* "GET", "HEAD" or "POST" */
    const char *path;
    const char *body;
    size_t len;
};

/* Runs calls[0..n) with at most `parallel` in flight; done() runs in this
 * thread for each as it completes (in any order) and stops the lot by
 * returning non-zero, which is then returned. */
int peer_call_many(const struct server *sv, const struct peer_call *calls, size_t n,
                   unsigned parallel, size_t max_body,
                   int (*done)(void *ctx, size_t i, struct peer_reply *r), void *ctx);

/* MISP's message for a status ("OK", "Server unreachable", ...). */
const char *peer_status_name(enum peer_status s);

#endif
