/*
 * misp_sync.c - sync links to remote servers (MISP's servers/add, edit,
 * delete, index, testConnection, pull and push), and the receiving side of a
 * peer's sync: filterEventIdsForPush and the Liaison-only syncRevoked and
 * syncRemove.
 *
 * Each handler decodes (codec/misp_server.h), calls one service - the links
 * service (core/links.h) or the receiving side's (core/sync_serve.h), which
 * ask acl.c - and encodes the answer.
 */
#include "http/misp.h"

#include "codec/misp_answer.h"

#include "codec/misp_server.h"
#include "codec/sync_report.h"
#include "core/links.h"
#include "core/sync_serve.h"

#include <string.h>

#include "util/banned.h"

static void link_answer(struct request *req, const struct link *l)
{
    misp_server_encode(&req->w, &l->sv, l->org, l->remote, l->pull, l->push);
}

static int save(struct request *req, bool adding)
{
    struct diag d = {0};
    struct link_change in;
    int rc = misp_server_decode(req->a, http_body_unwrap(req, "Server"), &in, &d);
    if (rc != 0 && d.field[0] == '\0')
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    if (rc != 0)
        return http_save_failed(req, "Server", rc, &d);
    struct link *l = NULL;
    rc = adding ? links_add(&req->app->svc, &req->who, req->a, &in, &l, &d)
                : links_edit(&req->app->svc, &req->who, req->a, http_seg_id(req, 2), &in, &l, &d);
    if (rc == ERR_FORBIDDEN)
        return http_error(req, 403, "Only site administrators may manage sync links.", NULL);
    if (rc == ERR_NOTFOUND && d.field[0] == '\0')
        return http_error(req, 404, "Invalid server.", NULL);
    if (rc != 0 || l == NULL)
        return http_save_failed(req, "Server", rc != 0 ? rc : ERR_DB, &d);
    link_answer(req, l);
    return 200;
}

int misp_servers_add(struct request *req)
{
    return save(req, true);
}

int misp_servers_edit(struct request *req)
{
    return save(req, false);
}

int misp_servers_delete(struct request *req)
{
    int64_t id = http_seg_id(req, 2);
    int rc = links_delete(&req->app->svc, &req->who, id);
    if (rc == ERR_FORBIDDEN)
        return http_error(req, 403, "Only site administrators may manage sync links.", NULL);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid server.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    return http_saved(req, "Server deleted.", id);
}

int misp_servers_index(struct request *req)
{
    struct link *v;
    size_t n;
    int rc = links_list(&req->app->svc, &req->who, req->a, &v, &n);
    if (rc == ERR_FORBIDDEN)
        return http_error(req, 403, "Only site administrators may list sync links.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_answer_list_open(&req->w, MISP_LIST_ARRAY);
    for (size_t i = 0; i < n; i++)
        link_answer(req, &v[i]);
    misp_answer_list_close(&req->w, MISP_LIST_ARRAY);
    return 200;
}

/* MISP's servers/testConnection: can we reach the peer, does the key work,
 * is its user a sync user? */
int misp_servers_test_connection(struct request *req)
{
    enum peer_status st;
    struct peer_version v;
    int rc = links_test(&req->app->svc, &req->who, http_seg_id(req, 2), &st, &v);
    if (rc == ERR_FORBIDDEN)
        return http_error(req, 403, "Only site administrators may manage sync links.", NULL);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid server.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct misp_connection_test t = {.status = (int)st,
                                     .message = peer_status_name(st),
                                     .version = v.version,
                                     .uuid = v.uuid,
                                     .perm_sync = v.perm_sync,
                                     .perm_sighting = v.perm_sighting,
                                     .error = st != PEER_OK ? v.message : NULL};
    misp_connection_test_encode(&req->w, &t);
    return 200;
}

/* GET /servers/pull/{id}[/full] and /servers/push/{id}[/full] (MISP's
 * technique segment: "full" looks at everything again; anything else is
 * incremental).  The run happens in this request; the answer reports it. */
static int run_sync(struct request *req, bool push)
{
    int64_t id = http_seg_id(req, 2);
    const char *technique = http_seg(req, 3);
    struct sync_opts o = {.full = technique != NULL && strcmp(technique, "full") == 0,
                          .self_url = req->app->base_url};
    struct sync_report r;
    struct diag d = {0};
    int rc = links_sync(&req->app->svc, &req->who, id, push, &o, &r, &d);
    if (rc == ERR_FORBIDDEN && d.msg[0] != '\0')
        return http_error(req, 403, "Only site administrators may start a sync.", NULL);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid server.", NULL);
    int status = rc == 0 ? 200 : rc == ERR_FORBIDDEN ? 403 : rc == ERR_CONFLICT ? 409 : 502;
    sync_run_encode(&req->w, push, rc == 0, id, &r);
    return status;
}

int misp_servers_pull(struct request *req)
{
    return run_sync(req, false);
}

int misp_servers_push(struct request *req)
{
    return run_sync(req, true);
}

/* ---- the receiving side of a peer's sync ---- */

/* MISP's events/filterEventIdsForPush: of the offered [{"Event": {uuid,
 * timestamp}}], the uuids this node wants.  Sync users and site admins. */
int misp_events_filter_for_push(struct request *req)
{
    struct diag d = {0};
    char(*uuids)[UUID_STR_LEN + 1] = NULL;
    int64_t *stamps = NULL;
    size_t n = 0;
    bool *wanted = NULL;
    int rc = misp_push_offers_decode(req->a, req->json, &uuids, &stamps, &n, &d);
    if (rc == 0) {
        wanted = arena_calloc(req->a, n ? n : 1, sizeof(*wanted));
        rc = sync_serve_wanted(&req->app->svc, &req->who, uuids, stamps, n, wanted);
    }
    if (rc == ERR_FORBIDDEN)
        return http_error(req, 403, "Only sync users may push events.", NULL);
    if (rc == ERR_INVAL && d.field[0] == '\0')
        return http_error(req, 400,
                          "The body must be a JSON array of {\"Event\": {uuid, "
                          "timestamp}}.",
                          NULL);
    if (rc == ERR_INVAL)
        return http_error(req, 400, "Invalid event list.", &d);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_uuid_list_encode(&req->w, uuids, wanted, n);
    return 200;
}

/* The Liaison-only sync endpoints' body: a list of event uuids.  Answers 400
 * when it is not one. */
static int uuid_list_error(struct request *req, const struct diag *d)
{
    if (d->field[0] == '\0')
        return http_error(req, 400, "The body must be a JSON array of event uuids.", NULL);
    return http_error(req, 400, "Invalid uuid list.", d);
}

/* Beyond MISP, for Liaison peers: of the given event uuids (copies the caller
 * took from here), those it may no longer see, so that it removes its copies. */
int misp_events_sync_revoked(struct request *req)
{
    struct diag d = {0};
    char(*uuids)[UUID_STR_LEN + 1] = NULL;
    size_t n = 0;
    bool *revoked = NULL;
    int rc = misp_uuid_list_decode(req->a, req->json, &uuids, &n, &d);
    if (rc == 0) {
        revoked = arena_calloc(req->a, n ? n : 1, sizeof(*revoked));
        rc = sync_serve_revoked(&req->app->svc, &req->who, req->a, uuids, n, revoked);
    }
    if (rc == ERR_FORBIDDEN)
        return http_error(req, 403, "Only sync users may ask this.", NULL);
    if (rc == ERR_INVAL)
        return uuid_list_error(req, &d);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_uuid_list_encode(&req->w, uuids, revoked, n);
    return 200;
}

/* Beyond MISP, for Liaison peers pushing here: the copies of the given events
 * this caller's organisation pushed here are removed. */
int misp_events_sync_remove(struct request *req)
{
    struct diag d = {0};
    char(*uuids)[UUID_STR_LEN + 1] = NULL;
    size_t n = 0;
    int64_t removed = 0;
    int rc = misp_uuid_list_decode(req->a, req->json, &uuids, &n, &d);
    if (rc == 0)
        rc = sync_serve_remove(&req->app->svc, &req->who, req->a, uuids, n, &removed);
    if (rc == ERR_FORBIDDEN)
        return http_error(req, 403, "Only sync users may ask this.", NULL);
    if (rc == ERR_INVAL)
        return uuid_list_error(req, &d);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_sync_removed_encode(&req->w, removed);
    return 200;
}
