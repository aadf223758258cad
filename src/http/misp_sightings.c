/*
 * misp_sightings.c - sightings (MISP's SightingsController): add, index,
 * listSightings, restSearch, delete, and the receiving side of a peer's push
 * (filterSightingUuidsForPush, bulkSaveSightings).
 *
 * Each handler decodes its parameters (codec/misp_sighting.c), makes one call
 * to the sighting service (core/sighting.h, which owns the transaction and
 * asks acl) and encodes the answer with the same codec.  restSearch streams,
 * a page of sightings at a time.
 */
#include "http/misp.h"

#include "codec/misp_sighting.h"
#include "core/sighting.h"

#include <string.h>
#include <time.h>

#include "util/banned.h"

/* Answers a failed service call on a sighting. */
static int sighting_fail(struct request *req, int rc, const struct diag *d)
{
    return http_save_failed(req, "Sighting", rc, d);
}

/* The path segment i, or NULL. */
static const char *seg(struct request *req, size_t i)
{
    return req->n_seg > i ? http_seg(req, i) : NULL;
}

/* ---- add ---- */

int misp_sightings_add(struct request *req)
{
    struct sighting_add in;
    struct diag d;
    diag_clear(&d);
    int rc = misp_sighting_add_decode(req->a, req->json, seg(req, 2), &in, &d);
    if (rc < 0 && d.field[0] == '\0')
        return http_error(req, 400, "The body must be a JSON object.", NULL);
    if (rc < 0)
        return sighting_fail(req, rc, &d);
    struct sighting_list added = {0};
    rc = sightings_add(&req->app->svc, &req->who, http_acl(req), req->a, &in, &added, &d);
    if (rc < 0)
        return sighting_fail(req, rc, &d);
    /* MISP answers with the last sighting it saved */
    misp_sighting_encode_wrapped(&req->w, &added.v[added.n - 1],
                                 MISP_SIGHTING_ATTRIBUTE_UUID | MISP_SIGHTING_ORG);
    return 200;
}

/* ---- reads ---- */

/* GET /sightings/index[/{event}]: the visible sightings of one event or of all,
 * as a flat list (MISP's attachToEvent rows). */
int misp_sightings_index(struct request *req)
{
    struct sighting_list l = {0};
    int rc = sightings_index(&req->app->svc, http_acl(req), req->a, seg(req, 2), &l);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid event.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_sighting_encode_index(&req->w, l.v, l.n);
    return 200;
}

/* POST /sightings/listSightings/{id}/{attribute|event}[/{org}], or the same as
 * body members id, context, org_id (PyMISP's sightings()): newest first, as
 * [{"Sighting": {...}, "Organisation": {...}}]. */
int misp_sightings_list(struct request *req)
{
    struct misp_sighting_list_params p;
    struct diag d;
    diag_clear(&d);
    int rc = misp_sighting_list_decode(req->a, req->json, seg(req, 2), seg(req, 3), seg(req, 4),
                                       &p, &d);
    if (rc < 0)
        return http_error(req, 400,
                          strcmp(d.field, "context") == 0 ? "Invalid context."
                          : strcmp(d.field, "id") == 0    ? "Invalid object."
                                                          : "Invalid organisation.",
                          &d);
    struct sighting_list l = {0};
    rc = sightings_of(&req->app->svc, http_acl(req), req->a, p.id, p.event,
                      p.by_org ? &p.org : NULL, &l);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid object.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_sighting_encode_list(&req->w, l.v, l.n);
    return 200;
}

/* ---- restSearch: streamed ---- */

/* Rows read per page (each page: its own read transaction and arena). */
#define SIGHTING_PAGE_ROWS 5000

/* A restSearch answer in progress: pages by sighting id (keyset), so memory
 * per request is one page whatever the answer. */
struct sighting_stream {
    struct request *req;
    struct sighting_cursor cur;
    unsigned members;
    struct http_pages pages; /* the rest of the answer, streamed */
};

/* Reads the next page into req->out (after the rows already written). */
static int sighting_page(struct sighting_stream *st)
{
    struct request *req = st->req;
    struct arena *page = arena_new();
    struct sighting_list l = {0};
    int rc = sightings_search_next(&req->app->svc, &st->cur, page, SIGHTING_PAGE_ROWS, &l);
    for (size_t i = 0; rc == 0 && i < l.n; i++)
        misp_sighting_encode_wrapped(&req->w, &l.v[i], st->members);
    arena_free(page);
    return rc;
}

/* http_pages callbacks. */
static int sighting_next_page(void *ctx, bool *done)
{
    struct sighting_stream *st = ctx;
    int rc = sighting_page(st);
    *done = st->cur.done;
    return rc;
}

static void sighting_closing(void *ctx)
{
    struct sighting_stream *st = ctx;
    misp_sighting_search_end(&st->req->w);
}

/* POST /sightings/restSearch[/{attribute|event}]:
 * {"response": [{"Sighting": {...}}, ...]}, oldest first (by id), streamed. */
int misp_sightings_rest_search(struct request *req)
{
    struct misp_sighting_search p;
    struct diag d;
    diag_clear(&d);
    int rc = misp_sighting_search_decode(req->a, req->json, seg(req, 2), (int64_t)time(NULL), &p,
                                         &d);
    if (rc < 0 && d.field[0] == '\0')
        return http_error(req, 400, "restSearch parameters must be a JSON object.", NULL);
    if (rc < 0 && strcmp(d.field, "context") == 0)
        return http_error(req, 400, "Invalid context.", &d);
    if (rc < 0)
        return http_error(req, rc == ERR_TOOBIG ? 413 : 400, "Invalid restSearch parameter.", &d);
    struct sighting_stream *st = arena_calloc(req->a, 1, sizeof(*st));
    st->req = req;
    if ((rc = sightings_search_begin(&req->app->svc, &req->who, http_acl(req), req->a, &p.f,
                                     &st->cur)) < 0)
        return http_fail(req, rc, NULL);
    st->members = p.members | (st->cur.with_deleted ? MISP_SIGHTING_DELETED : 0);
    misp_sighting_search_begin(&req->w);
    /* the first page chooses the status; a small answer goes out whole */
    if ((rc = sighting_page(st)) < 0) {
        buf_reset(&req->out);
        return http_fail(req, rc, NULL);
    }
    if (st->cur.done) {
        sighting_closing(st);
        return 200;
    }
    st->pages = (struct http_pages){.page = sighting_next_page, .closing = sighting_closing,
                                    .ctx = st, .what = "sightings/restSearch"};
    http_stream_pages(req, &st->pages);
    return 200;
}

/* ---- delete ---- */

/* POST /sightings/delete/{id|uuid}: tombstones the sighting. */
int misp_sightings_delete(struct request *req)
{
    struct diag d;
    diag_clear(&d);
    struct sighting *s = NULL;
    int rc =
        sightings_delete(&req->app->svc, &req->who, http_acl(req), req->a, seg(req, 2), &s, &d);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid sighting.", NULL);
    if (rc < 0)
        return sighting_fail(req, rc, &d);
    return http_saved(req, "Sighting successfully deleted.", s->id);
}

/* ---- the receiving side of a push ---- */

static int sync_only(struct request *req)
{
    return http_error(req, 403, "Only sync users and site admins may push sightings.", NULL);
}

/*
 * POST /sightings/filterSightingUuidsForPush/{event}: of the sighting uuids
 * offered (a JSON list), the ones this event already has here, live or
 * deleted, in the order asked.  As in MISP, the answer is what exists: the
 * pushing side sends the rest (MISP's Sighting::pushSightings takes
 * array_diff of its list and this answer).
 */
int misp_sightings_filter_for_push(struct request *req)
{
    if (!sightings_may_push(&req->who))
        return sync_only(req);
    char (*uuids)[UUID_STR_LEN + 1];
    size_t n;
    struct diag d;
    diag_clear(&d);
    int rc = misp_sighting_uuids_decode(req->a, req->json, &uuids, &n, &d);
    if (rc == ERR_TOOBIG)
        return http_error(req, 413, "Too many sighting uuids in one request.", NULL);
    if (rc < 0 && d.field[0] == '\0')
        return http_error(req, 400, "The body must be a JSON list of sighting uuids.", NULL);
    if (rc < 0)
        return http_error(req, 400, "Invalid sighting uuid list.", &d);
    bool *known = arena_calloc(req->a, n + 1, sizeof(*known));
    rc = sightings_known(&req->app->svc, &req->who, http_acl(req), req->a, seg(req, 2),
                         (const char(*)[UUID_STR_LEN + 1])uuids, n, known);
    if (rc == ERR_FORBIDDEN)
        return sync_only(req);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Event not found.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_sighting_encode_known(&req->w, (const char(*)[UUID_STR_LEN + 1])uuids, known, n);
    return 200;
}

/*
 * POST /sightings/bulkSaveSightings/{event}: sightings pushed by a peer, a
 * list (or {"Sighting": [...]}) in MISP's sync shape; one transaction.
 */
int misp_sightings_bulk_save(struct request *req)
{
    if (!sightings_may_push(&req->who))
        return sync_only(req);
    struct sighting *in;
    size_t n;
    struct diag d;
    diag_clear(&d);
    int rc = misp_sighting_push_decode(req->a, req->json, &in, &n, &d);
    if (rc < 0 && d.field[0] == '\0')
        return rc == ERR_TOOBIG
                   ? http_error(req, 413, "Too many sightings in one request.", NULL)
                   : http_error(req, 400, "The body must be a JSON list of sightings.", NULL);
    if (rc < 0)
        return http_error(req, rc == ERR_TOOBIG ? 413 : 400, "Invalid sightings.", &d);
    struct sighting_bulk_result res;
    rc = sightings_bulk_save(&req->app->svc, &req->who, http_acl(req), req->a, seg(req, 2), in, n,
                             &res, &d);
    if (rc == ERR_FORBIDDEN)
        return sync_only(req);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Event not found or not accessible by this user.", NULL);
    if (rc == ERR_INVAL)
        return http_error(req, 400, "Invalid sightings.", &d);
    if (rc < 0)
        return http_fail(req, rc, &d);
    misp_sighting_encode_bulk_result(&req->w, req->url, &res);
    return 200;
}
