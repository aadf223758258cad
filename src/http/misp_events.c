/*
 * misp_events.c - events, attributes, objects and tags (MISP's EventsController,
 * AttributesController, ObjectsController and TagsController write and view
 * actions).  Each handler decodes, calls the event service inside one store
 * transaction, and encodes; the rules live in core/event.c and core/acl.c.
 */
#include "http/misp.h"

#include "codec/misp_json.h"
#include "core/correlation.h"
#include "core/event.h"
#include "core/sighting.h"
#include "core/sync.h"
#include "core/uuid.h"
#include "util/log.h"
#include "util/parse.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

/* Answers a failed service call; ERR_STALE becomes MISP's 403 "not newer". */
static int service_fail(struct request *req, int rc, const struct diag *d, const char *what)
{
    if (rc == ERR_STALE) {
        char msg[200];
        snprintf(msg, sizeof(msg), "%s could not be saved: %s in the request not newer than "
                                   "the local copy.", what, what);
        return http_error(req, 403, msg, d);
    }
    return http_save_failed(req, what, rc, d);
}

static void acl_for(struct request *req, struct acl_filter *acl)
{
    *acl = *http_acl(req);
}

/* Is v a request for soft-deleted items: true, 1, "1", or a list holding 1? */
static bool wants_deleted(const struct json_value *v)
{
    bool b;
    if (json_is(v, JSON_ARRAY)) {
        for (size_t i = 0; i < v->len; i++)
            if (json_as_bool(&v->u.items[i], &b) && b)
                return true;
        return false;
    }
    return json_as_bool(v, &b) && b;
}

/* Load flags from MISP's named parameters (deleted:1, or deleted[]:1 with or
 * without deleted[]:0), the query string or, as PyMISP's get_event(deleted=...)
 * sends it, a POST body {"deleted": ...}: soft-deleted children are shown beside
 * the live ones, as MISP's EventsController::view does. */
static unsigned view_flags(struct request *req)
{
    unsigned flags = STORE_LOAD_CHILDREN | STORE_LOAD_TAGS;
    const char *q = http_query_arg(req, "deleted");
    bool deleted = (q && strcmp(q, "1") == 0) || wants_deleted(json_get(req->json, "deleted"));
    for (size_t i = 0; i < req->n_named; i++)
        if (str_has_prefix(req->named[i].key, "deleted") &&
            str_eq_cstr(req->named[i].value, "1"))
            deleted = true;
    if (deleted)
        flags |= STORE_LOAD_DELETED;
    return flags;
}

/* A MISP view option given as a named parameter ("includeEventCorrelations:0"),
 * a query argument or a key of the JSON body; def when absent. */
static bool view_option(struct request *req, const char *name, bool def)
{
    const char *v = http_named(req, name);
    if (v == NULL)
        v = http_query_arg(req, name);
    if (v != NULL)
        return strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
    bool b;
    return json_as_bool(json_get(req->json, name), &b) ? b : def;
}

/* Adds a warning when an item's distribution is wider than its TLP allows. */
static void tlp_check(struct json_writer *w, bool *opened, enum tlp_level level, int dist,
                      const char *what, const char *uuid)
{
    if (acl_tlp_allows(level, dist))
        return;
    if (!*opened) {
        json_write_key(w, "warnings");
        json_write_array_begin(w);
        *opened = true;
    }
    char msg[256];
    snprintf(msg, sizeof(msg),
             "%s %s: distribution %d is wider than %s allows; exports, feeds and sync will "
             "not share it further than the TLP permits",
             what, uuid, dist, acl_tlp_name(level));
    json_write_cstr(w, msg);
}

/*
 * Writes {"Event": {...}} for a saved event and, beyond MISP, "warnings" when a
 * distribution is wider than the TLP tags allow (acl.h: TLP is a policy).  The
 * write is accepted either way.
 */
static void event_saved_answer(struct request *req, const struct event *e)
{
    struct json_writer *w = &req->w;
    json_write_object_begin(w);
    json_write_key(w, "Event");
    json_write_object_begin(w);
    misp_event_encode_fields(w, e);
    json_write_object_end(w);
    bool opened = false;
    enum tlp_level level = acl_tlp_level(e->tags, e->n_tags);
    tlp_check(w, &opened, level, e->distribution, "Event", e->uuid);
    for (size_t i = 0; i < e->n_attrs; i++) {
        const struct attribute *at = &e->attrs[i];
        tlp_check(w, &opened, acl_tlp_stricter(level, acl_tlp_level(at->tags, at->n_tags)),
                  at->distribution, "Attribute", at->uuid);
    }
    for (size_t j = 0; j < e->n_objects; j++) {
        const struct object *o = &e->objects[j];
        tlp_check(w, &opened, level, o->distribution, "Object", o->uuid);
        for (size_t i = 0; i < o->n_attrs; i++) {
            const struct attribute *at = &o->attrs[i];
            tlp_check(w, &opened, acl_tlp_stricter(level, acl_tlp_level(at->tags, at->n_tags)),
                      at->distribution, "Attribute", at->uuid);
        }
    }
    if (opened)
        json_write_array_end(w);
    json_write_object_end(w);
}

/* Commits the write transaction c, then answers with the event as stored, read
 * through a reader so that the writer is free while the answer is built. */
static int commit_and_answer(struct request *req, struct store_conn *c, int64_t id)
{
    int rc = store_end(c, true);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct acl_filter acl;
    acl_for(req, &acl);
    if ((rc = store_begin_read(req->app->svc.store, &c)) < 0)
        return http_fail(req, rc, NULL);
    struct event *e;
    rc = store_event_load(c, req->a, id, NULL, &acl, STORE_LOAD_CHILDREN | STORE_LOAD_TAGS, &e);
    store_end(c, true);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    event_saved_answer(req, e);
    return 200;
}

/* ---- the receiving side of a push ---- */

/* A push (MISP's sync): events/add or events/edit from a peer's sync user,
 * carrying the event's uuid and timestamp. */
static bool is_push(struct request *req, const struct event *in)
{
    return acl_is_sync_peer(&req->who) && in->uuid[0] != '\0' && in->timestamp > 0;
}

/* Saves a pushed event as a synced copy (event_receive): locked, owned by the
 * sync user's organisation, only over an older synced copy.  A Liaison peer
 * (X-Liaison-Sync) sends the whole truth: what it no longer carries goes. */
static int receive_push(struct request *req, struct event *in)
{
    struct diag d;
    diag_clear(&d);
    (void)http_acl(req); /* the sharing groups the caller may use */
    const char *hdr = http_header(req, "X-Liaison-Sync");
    bool exact = hdr != NULL && strcmp(hdr, "1") == 0;
    struct store_conn *c;
    int rc = store_begin_write(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    enum receive_result res = RECEIVE_NOT_NEWER;
    bool keep = true;
    struct sync_receiver rcv = {&req->who.org, req->app->base_url};
    rc = sync_capture_sharing_groups(c, req->a, &rcv, in, &keep, &d);
    if (rc == 0 && !keep) {
        store_end(c, false);
        return http_error(req, 403, "Event could not be saved: its sharing group does not "
                                    "include your organisation.", NULL);
    }
    /* the groups were checked and captured above: distribution 4 now names
     * one the sender's organisation is in, which the receiving side may use */
    struct principal actor = req->who;
    actor.role.perms |= PERM_BIT(PERM_SITE_ADMIN);
    if (rc == 0)
        rc = event_receive(c, req->a, &actor, in, exact, &res, &d);
    if (rc == 0 && (res == RECEIVE_CREATED || res == RECEIVE_UPDATED))
        return commit_and_answer(req, c, in->id);
    store_end(c, false);
    if (rc < 0)
        return service_fail(req, rc, &d, "Event");
    if (res == RECEIVE_NOT_NEWER)
        return service_fail(req, ERR_STALE, &d, "Event");
    return http_error(req, 403,
                      res == RECEIVE_LOCAL
                          ? "Event could not be saved: an event created on this instance is "
                            "never overwritten by a peer."
                          : "Event could not be saved: it was deleted on this instance.",
                      NULL);
}

int misp_events_add(struct request *req)
{
    if (req->json == NULL)
        return http_error(req, 400, "The request body is empty: send an event as JSON.", NULL);
    struct event *e;
    struct diag d;
    diag_clear(&d);
    int rc = misp_event_decode(req->a, req->json, &e, &d);
    if (rc < 0)
        return service_fail(req, rc, &d, "Event");
    if (is_push(req, e))
        return receive_push(req, e);
    (void)http_acl(req); /* the sharing groups the caller may use */
    struct store_conn *c;
    if ((rc = store_begin_write(req->app->svc.store, &c)) < 0)
        return http_fail(req, rc, NULL);
    rc = event_create(c, req->a, &req->who, e, &d);
    struct org *orgc = NULL;
    if (rc == 0)
        rc = store_org_get(c, req->a, e->orgc_id, NULL, NULL, &orgc);
    if (rc < 0) {
        store_end(c, false);
        return service_fail(req, rc, &d, "Event");
    }
    if ((rc = store_end(c, true)) < 0)
        return http_fail(req, rc, NULL);
    /* The created event is answered from memory: event_create filled in every id,
     * default and canonical value, so reloading it would only repeat the work
     * (tests/api/test_events.py checks the answer equals a later view). */
    e->org = &req->who.org;
    e->orgc = orgc;
    e->attribute_count = (int64_t)e->n_attrs;
    for (size_t i = 0; i < e->n_objects; i++)
        e->attribute_count += (int64_t)e->objects[i].n_attrs;
    /* RelatedEvent stays empty here: computing it made bulk ingest of
     * overlapping feeds 17 times slower (bench/ingest); a view has it */
    event_saved_answer(req, e);
    return 200;
}

int misp_events_view(struct request *req)
{
    struct acl_filter acl;
    acl_for(req, &acl);
    struct store_conn *c;
    int rc = store_begin_read(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct event *e;
    rc = event_find(c, req->a, &acl, http_seg(req, 2), view_flags(req), &e);
    /* MISP: RelatedEvent unless includeEventCorrelations is 0; per-attribute
     * RelatedAttribute with includeGranularCorrelations */
    bool granular = view_option(req, "includeGranularCorrelations", false);
    bool peer = acl_is_sync_peer(&req->who);
    if (rc == 0 && peer && !acl_sync_trim(e, DIST_COMMUNITY))
        rc = ERR_NOTFOUND; /* its TLP keeps it on this node */
    if (rc == 0 && peer)
        rc = sync_attach_sharing_groups(c, req->a, req->app->base_url, e); /* MISP's sync */
    if (rc == 0 && !peer && req->app->svc.indexer != NULL &&
        (view_option(req, "includeEventCorrelations", true) || granular))
        rc = correlate_event(req->app->svc.indexer, c, req->a, &acl, e,
                             (size_t)req->app->svc.cfg->correlation_threshold, granular);
    if (rc == 0) /* each attribute's "Sighting" list, as MISP's view */
        rc = sighting_attach_to_event(c, req->a, &acl, e);
    store_end(c, true);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid event.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_event_encode(&req->w, e);
    return 200;
}

/* Opens a write transaction and loads the event named by path segment `seg`. */
static int begin_event_write(struct request *req, size_t seg, unsigned flags,
                             struct store_conn **c, struct event **e)
{
    struct acl_filter acl;
    acl_for(req, &acl);
    int rc = store_begin_write(req->app->svc.store, c);
    if (rc < 0)
        return rc;
    rc = event_find(*c, req->a, &acl, http_seg(req, seg), flags, e);
    if (rc < 0) {
        store_end(*c, false);
        *c = NULL;
    }
    return rc;
}

int misp_events_edit(struct request *req)
{
    if (req->json == NULL)
        return http_error(req, 400, "The request body is empty: send the event as JSON.", NULL);
    struct event *in;
    struct diag d;
    diag_clear(&d);
    int rc = misp_event_decode(req->a, req->json, &in, &d);
    if (rc < 0)
        return service_fail(req, rc, &d, "Event");
    const char *ref = http_seg(req, 2);
    if (in->uuid[0] == '\0' && ref != NULL)
        uuid_canonical(str_from_cstr(ref), in->uuid);
    if (is_push(req, in)) {
        char path_uuid[UUID_STR_LEN + 1];
        if (ref != NULL && uuid_canonical(str_from_cstr(ref), path_uuid) &&
            strcmp(path_uuid, in->uuid) != 0)
            return http_error(req, 400, "The event's uuid differs from the one in the path.",
                              NULL);
        return receive_push(req, in);
    }
    struct store_conn *c;
    struct event *e;
    if ((rc = begin_event_write(req, 2, STORE_LOAD_CHILDREN | STORE_LOAD_DELETED, &c, &e)) < 0)
        return service_fail(req, rc, NULL, "Event");
    rc = event_update(c, req->a, &req->who, e, in, &d);
    if (rc < 0) {
        store_end(c, false);
        return service_fail(req, rc, &d, "Event");
    }
    return commit_and_answer(req, c, e->id);
}

int misp_events_delete(struct request *req)
{
    struct store_conn *c;
    struct event *e;
    struct diag d;
    diag_clear(&d);
    int rc = begin_event_write(req, 2, 0, &c, &e);
    if (rc < 0)
        return service_fail(req, rc, NULL, "event");
    rc = event_delete(c, &req->who, e, &d);
    store_end(c, rc == 0);
    if (rc < 0)
        return service_fail(req, rc, &d, "Event");
    return http_saved(req, "Event deleted.", e->id);
}

static int publish_common(struct request *req, bool publish)
{
    struct store_conn *c;
    struct event *e;
    struct diag d;
    diag_clear(&d);
    int rc = begin_event_write(req, 2, 0, &c, &e);
    if (rc < 0)
        return service_fail(req, rc, NULL, "event");
    rc = event_publish(c, &req->who, e, publish, &d);
    store_end(c, rc == 0);
    if (rc < 0)
        return service_fail(req, rc, &d, "Event");
    return http_saved(req, publish ? "Event published without alerts" : "Event unpublished.",
                      e->id);
}

int misp_events_publish(struct request *req)
{
    return publish_common(req, true);
}

int misp_events_unpublish(struct request *req)
{
    return publish_common(req, false);
}

/* ---- attributes ---- */

/* Finds an attribute by id or uuid (segment seg) visible to the caller and loads its
 * event, in a write (or read) transaction. */
static int begin_attribute(struct request *req, size_t seg, bool write, struct store_conn **c,
                           struct event **e, struct attribute **at)
{
    (void)http_acl(req); /* before taking a connection: it reads through its own */
    int rc = write ? store_begin_write(req->app->svc.store, c) : store_begin_read(req->app->svc.store, c);
    if (rc < 0)
        return rc;
    const char *ref = http_seg(req, seg);
    uint64_t id = 0;
    char uuid[UUID_STR_LEN + 1] = "";
    if (parse_u64_all(str_from_cstr(ref), 1, INT64_MAX, &id) < 0 &&
        !uuid_canonical(str_from_cstr(ref), uuid))
        rc = ERR_NOTFOUND;
    if (rc == 0)
        rc = store_attribute_get(*c, req->a, (int64_t)id, uuid, at);
    struct acl_filter acl;
    acl_for(req, &acl);
    if (rc == 0)
        rc = store_event_load(*c, req->a, (*at)->event_id, NULL, &acl,
                              STORE_LOAD_CHILDREN | STORE_LOAD_TAGS | STORE_LOAD_DELETED, e);
    if (rc == 0) {
        /* the attribute itself must be visible to the caller too */
        bool seen = false;
        for (size_t i = 0; i < (*e)->n_attrs && !seen; i++)
            seen = (*e)->attrs[i].id == (*at)->id;
        for (size_t j = 0; j < (*e)->n_objects && !seen; j++)
            for (size_t i = 0; i < (*e)->objects[j].n_attrs && !seen; i++)
                seen = (*e)->objects[j].attrs[i].id == (*at)->id;
        if (!seen)
            rc = ERR_NOTFOUND;
    }
    if (rc < 0) {
        store_end(*c, false);
        *c = NULL;
    }
    return rc;
}

static void attribute_answer(struct request *req, const struct attribute *at)
{
    json_write_object_begin(&req->w);
    json_write_key(&req->w, "Attribute");
    misp_attribute_encode(&req->w, at, NULL);
    json_write_object_end(&req->w);
}

int misp_attributes_add(struct request *req)
{
    if (req->json == NULL)
        return http_error(req, 400, "The request body is empty: send an attribute as JSON.", NULL);
    struct store_conn *c;
    struct event *e;
    struct diag d;
    diag_clear(&d);
    const struct json_value *body = req->json;
    /* {"Attribute": [...]} or {"Attribute": {...}} or a bare list or object */
    const struct json_value *inner = json_get(body, "Attribute");
    if (inner && (inner->type == JSON_ARRAY || inner->type == JSON_OBJECT))
        body = inner;
    bool many = body->type == JSON_ARRAY;
    size_t n = many ? body->len : 1;
    if (!many && body->type != JSON_OBJECT)
        return http_error(req, 400, "The body must be an attribute object or a list of them.",
                          NULL);
    if (n == 0)
        return http_error(req, 400, "The list of attributes is empty.", NULL);
    struct attribute *list = arena_calloc(req->a, n, sizeof(*list));
    for (size_t i = 0; i < n; i++) {
        char prefix[32];
        snprintf(prefix, sizeof(prefix), many ? "Attribute.%zu" : "Attribute", i);
        int rc = misp_attribute_decode(req->a, many ? &body->u.items[i] : body, prefix, &list[i],
                                       &d);
        if (rc < 0)
            return service_fail(req, rc, &d, "Attribute");
    }
    int rc = begin_event_write(req, 2, 0, &c, &e);
    if (rc < 0)
        return service_fail(req, rc, NULL, "event");
    for (size_t i = 0; i < n && rc == 0; i++) {
        char prefix[32];
        snprintf(prefix, sizeof(prefix), many ? "Attribute.%zu" : "Attribute", i);
        rc = event_attribute_add(c, req->a, &req->who, e, &list[i], prefix, &d);
    }
    store_end(c, rc == 0);
    if (rc < 0)
        return service_fail(req, rc, &d, "Attribute");
    if (!many) {
        attribute_answer(req, &list[0]);
        return 200;
    }
    json_write_object_begin(&req->w);
    json_write_key(&req->w, "Attribute");
    json_write_array_begin(&req->w);
    for (size_t i = 0; i < n; i++)
        misp_attribute_encode(&req->w, &list[i], NULL);
    json_write_array_end(&req->w);
    json_write_object_end(&req->w);
    return 200;
}

int misp_attributes_edit(struct request *req)
{
    if (req->json == NULL)
        return http_error(req, 400, "The request body is empty.", NULL);
    struct diag d;
    diag_clear(&d);
    struct attribute in;
    const struct json_value *body = http_body_unwrap(req, "Attribute");
    int rc = misp_attribute_decode(req->a, body, "Attribute", &in, &d);
    if (rc < 0)
        return service_fail(req, rc, &d, "Attribute");
    struct store_conn *c;
    struct event *e;
    struct attribute *at;
    if ((rc = begin_attribute(req, 2, true, &c, &e, &at)) < 0)
        return service_fail(req, rc, NULL, "attribute");
    rc = event_attribute_edit(c, req->a, &req->who, e, at, &in, &d);
    store_end(c, rc == 0);
    if (rc < 0)
        return service_fail(req, rc, &d, "Attribute");
    attribute_answer(req, at);
    return 200;
}

int misp_attributes_delete(struct request *req)
{
    struct store_conn *c;
    struct event *e;
    struct attribute *at;
    struct diag d;
    diag_clear(&d);
    int rc = begin_attribute(req, 2, true, &c, &e, &at);
    if (rc < 0)
        return service_fail(req, rc, NULL, "attribute");
    /* hard delete: /attributes/delete/ID/1, ?hard=1, or PyMISP's body {"hard": 1} */
    bool hard = req->n_seg > 3 && str_eq_cstr(req->seg[3], "1");
    const char *q = http_query_arg(req, "hard");
    bool b;
    if ((q && strcmp(q, "1") == 0) || (json_as_bool(json_get(req->json, "hard"), &b) && b))
        hard = true;
    if (!hard && at->deleted) {
        store_end(c, false);
        return http_error(req, 404, "Invalid attribute.", NULL);
    }
    rc = event_attribute_delete(c, &req->who, e, at, hard, &d);
    store_end(c, rc == 0);
    if (rc < 0)
        return service_fail(req, rc, &d, "Attribute");
    return http_saved(req, "Attribute deleted.", at->id);
}

int misp_attributes_view(struct request *req)
{
    struct store_conn *c = NULL;
    struct event *e = NULL;
    struct attribute *at = NULL;
    int rc = begin_attribute(req, 2, false, &c, &e, &at);
    if (rc != 0)
        return service_fail(req, rc, NULL, "attribute");
    store_end(c, true);
    const struct object *in = NULL;
    for (size_t i = 0; i < e->n_attrs; i++)
        if (e->attrs[i].id == at->id)
            at = &e->attrs[i];
    for (size_t j = 0; j < e->n_objects; j++)
        for (size_t i = 0; i < e->objects[j].n_attrs; i++)
            if (e->objects[j].attrs[i].id == at->id) {
                at = &e->objects[j].attrs[i];
                in = &e->objects[j];
            }
    /* a peer's sync user: TLP keeps some at home (acl_sync_trim) */
    if (acl_is_sync_peer(&req->who) && !acl_sync_attribute_trim(e, in, at, DIST_COMMUNITY))
        return service_fail(req, ERR_NOTFOUND, NULL, "attribute");
    attribute_answer(req, at);
    return 200;
}

/* ---- objects ---- */

int misp_objects_add(struct request *req)
{
    if (req->json == NULL)
        return http_error(req, 400, "The request body is empty: send an object as JSON.", NULL);
    struct diag d;
    diag_clear(&d);
    struct object o;
    int rc = misp_object_decode(req->a, http_body_unwrap(req, "Object"), "Object", &o, &d);
    if (rc < 0)
        return service_fail(req, rc, &d, "Object");
    struct store_conn *c;
    struct event *e;
    if ((rc = begin_event_write(req, 2, 0, &c, &e)) < 0)
        return service_fail(req, rc, NULL, "event");
    rc = event_object_add(c, req->a, &req->who, e, &o, "Object", &d);
    store_end(c, rc == 0);
    if (rc < 0)
        return service_fail(req, rc, &d, "Object");
    json_write_object_begin(&req->w);
    json_write_key(&req->w, "Object");
    misp_object_encode(&req->w, &o);
    json_write_object_end(&req->w);
    return 200;
}

int misp_objects_delete(struct request *req)
{
    struct store_conn *c;
    (void)http_acl(req); /* before taking a connection: it reads through its own */
    int rc = store_begin_write(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    const char *ref = http_seg(req, 2);
    uint64_t id = 0;
    char uuid[UUID_STR_LEN + 1] = "";
    struct object *o = NULL;
    struct event *e = NULL;
    struct diag d;
    diag_clear(&d);
    if (parse_u64_all(str_from_cstr(ref), 1, INT64_MAX, &id) < 0 &&
        !uuid_canonical(str_from_cstr(ref), uuid))
        rc = ERR_NOTFOUND;
    if (rc == 0)
        rc = store_object_get(c, req->a, (int64_t)id, uuid, &o);
    struct acl_filter acl;
    acl_for(req, &acl);
    if (rc == 0)
        rc = store_event_load(c, req->a, o->event_id, NULL, &acl, 0, &e);
    if (rc == 0 && !acl_can_modify_event(&req->who, e))
        rc = diag_set(&d, ERR_FORBIDDEN, "", "you do not have permission to modify this event");
    bool hard = req->n_seg > 3 && str_eq_cstr(req->seg[3], "1");
    if (rc == 0)
        rc = store_object_delete(c, o->id, hard);
    if (rc == 0)
        rc = store_event_touch(c, e->id, e->timestamp + 1);
    store_end(c, rc == 0);
    if (rc != 0)
        return service_fail(req, rc, &d, "object");
    return http_saved(req, "Object deleted.", o->id);
}

/* ---- tags ---- */

static void tag_encode_full(struct json_writer *w, const struct tag *t)
{
    struct tag_ref ref = {.tag = *t, .local = false};
    misp_tag_encode(w, &ref);
}

int misp_tags_index(struct request *req)
{
    struct store_conn *c;
    int rc = store_begin_read(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct tag *tags;
    size_t n;
    const char *search = http_named(req, "searchall");
    char *like = search ? arena_printf(req->a, "%%%s%%", search) : NULL;
    rc = store_tag_list(c, req->a, like, &tags, &n);
    store_end(c, true);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    json_write_object_begin(&req->w);
    json_write_key(&req->w, "Tag");
    json_write_array_begin(&req->w);
    for (size_t i = 0; i < n; i++)
        tag_encode_full(&req->w, &tags[i]);
    json_write_array_end(&req->w);
    json_write_object_end(&req->w);
    return 200;
}

int misp_tags_add(struct request *req)
{
    if (!acl_is_site_admin(&req->who) && !role_has(&req->who.role, PERM_TAG_EDITOR))
        return http_error(req, 403, "You do not have permission to add tags.", NULL);
    const struct json_value *body = http_body_unwrap(req, "Tag");
    struct tag t;
    memset(&t, 0, sizeof(t));
    char *name = NULL, *colour = NULL;
    struct diag nd;
    diag_clear(&nd);
    /* a colour of another type is ignored (the default), one holding \u0000 refused */
    if (!json_is(body, JSON_OBJECT) || http_opt_str(req, body, "name", &name, &nd) < 0 ||
        (json_is(json_get(body, "colour"), JSON_STRING) &&
         http_opt_str(req, body, "colour", &colour, &nd) < 0) ||
        name == NULL || name[0] == '\0') {
        if (nd.msg[0] == '\0')
            diag_set(&nd, ERR_INVAL, "name", "name is required");
        return http_save_failed(req, "Tag", ERR_INVAL, &nd);
    }
    t.name = name;
    struct str uuid_s;
    if (json_as_str(json_get(body, "uuid"), &uuid_s)) {
        if (!uuid_canonical(uuid_s, t.uuid)) {
            struct diag d = {0};
            diag_set(&d, ERR_INVAL, "uuid", "not a valid uuid");
            return http_save_failed(req, "Tag", ERR_INVAL, &d);
        }
    } else {
        uuid_generate(t.uuid);
    }
    t.timestamp = (int64_t)time(NULL);
    t.colour = colour ? colour : "#ffffff";
    bool b;
    t.exportable = true;
    if (json_as_bool(json_get(body, "exportable"), &b))
        t.exportable = b;
    if (json_as_bool(json_get(body, "hide_tag"), &b))
        t.hide_tag = b;
    struct store_conn *c;
    int rc = store_begin_write(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    rc = store_tag_insert(c, &t);
    store_end(c, rc == 0);
    if (rc == ERR_CONFLICT) {
        struct diag d = {0};
        diag_set(&d, ERR_CONFLICT, "name", "a tag with this name already exists");
        return http_save_failed(req, "Tag", ERR_CONFLICT, &d);
    }
    if (rc < 0)
        return http_fail(req, rc, NULL);
    json_write_object_begin(&req->w);
    json_write_key(&req->w, "Tag");
    tag_encode_full(&req->w, &t);
    json_write_object_end(&req->w);
    return 200;
}

/* attachTagToObject / removeTagFromObject: {"uuid": event or attribute uuid,
 * "tag": name or id, "local": 0/1}. */
static int tag_change(struct request *req, bool attach)
{
    const struct json_value *body = req->json;
    struct str uuid_s, tag_s;
    struct diag d;
    diag_clear(&d);
    if (!json_is(body, JSON_OBJECT) || !json_as_str(json_get(body, "uuid"), &uuid_s)) {
        diag_set(&d, ERR_INVAL, "uuid", "uuid of an event or attribute is required");
        return http_error(req, 400, "Invalid request.", &d);
    }
    const struct json_value *tv = json_get(body, "tag");
    int64_t tag_id = 0;
    if (!json_as_str(tv, &tag_s) && !json_as_i64(tv, &tag_id)) {
        diag_set(&d, ERR_INVAL, "tag", "tag name or id is required");
        return http_error(req, 400, "Invalid request.", &d);
    }
    char uuid[UUID_STR_LEN + 1];
    if (!uuid_canonical(uuid_s, uuid)) {
        diag_set(&d, ERR_INVAL, "uuid", "not a valid uuid");
        return http_error(req, 400, "Invalid request.", &d);
    }
    bool local = false;
    json_as_bool(json_get(body, "local"), &local);
    (void)http_acl(req); /* before taking a connection: it reads through its own */
    struct store_conn *c;
    int rc = store_begin_write(req->app->svc.store, &c);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    struct acl_filter acl;
    acl_for(req, &acl);
    struct event *e = NULL;
    struct attribute *at = NULL;
    const char *tag_name = NULL;
    if (tag_id > 0 || (tv->type == JSON_STRING && parse_i64_all(tag_s, 1, INT64_MAX, &tag_id) == 0)) {
        struct tag *t;
        rc = store_tag_get(c, req->a, tag_id, NULL, &t);
        if (rc == 0)
            tag_name = t->name;
        else if (rc == ERR_NOTFOUND)
            rc = diag_set(&d, ERR_NOTFOUND, "tag", "no tag with id %lld", (long long)tag_id);
    } else {
        tag_name = arena_strndup(req->a, tag_s.ptr, tag_s.len);
    }
    if (rc == 0) {
        rc = store_event_load(c, req->a, 0, uuid, &acl, 0, &e);
        if (rc == ERR_NOTFOUND) {
            rc = store_attribute_get(c, req->a, 0, uuid, &at);
            if (rc == 0)
                rc = store_event_load(c, req->a, at->event_id, NULL, &acl, 0, &e);
            if (rc == ERR_NOTFOUND)
                diag_set(&d, ERR_NOTFOUND, "uuid", "no visible event or attribute with this uuid");
        }
    }
    if (rc == 0)
        rc = attach ? event_tag_attach(c, req->a, &req->who, e, at, tag_name, local, &d)
                    : event_tag_detach(c, req->a, &req->who, e, at, tag_name, &d);
    store_end(c, rc == 0);
    if (rc < 0)
        return http_error(req, rc == ERR_NOTFOUND ? 404 : err_http_status(rc),
                          attach ? "Failed to attach the tag." : "Failed to remove the tag.", &d);
    return http_saved(req, attach ? "Tag attached." : "Tag removed.", 0);
}

int misp_tags_attach(struct request *req)
{
    return tag_change(req, true);
}

int misp_tags_remove(struct request *req)
{
    return tag_change(req, false);
}
