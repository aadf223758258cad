/*
 * misp_events.c - events, attributes, objects and tags (MISP's EventsController,
 * AttributesController, ObjectsController and TagsController write and view
 * actions).  Each handler decodes, makes one call to the event service
 * (core/event.c) or the event view (core/event_view.c), and encodes; the
 * rules live there and in core/acl.c.
 */
#include "http/misp.h"

#include "codec/misp_answer.h"

#include "codec/misp_json.h"
#include "core/event.h"
#include "core/event_view.h"
#include "core/uuid.h"
#include "util/parse.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

/* Answers a failed service call; ERR_STALE becomes MISP's 403 "not newer". */
static int service_fail(struct request *req, int rc, const struct diag *d, const char *what)
{
    if (rc == ERR_STALE) {
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "%s could not be saved: %s in the request not newer than "
                 "the local copy.",
                 what, what);
        return http_error(req, 403, msg, d);
    }
    return http_save_failed(req, what, rc, d);
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

/* Soft-deleted children shown beside the live ones, as MISP's
 * EventsController::view does: asked by MISP's named parameters (deleted:1,
 * or deleted[]:1 with or without deleted[]:0), the query string or, as
 * PyMISP's get_event(deleted=...) sends it, a POST body {"deleted": ...}. */
static bool view_deleted(struct request *req)
{
    const char *q = http_query_arg(req, "deleted");
    bool deleted = (q && strcmp(q, "1") == 0) || wants_deleted(json_get(req->json, "deleted"));
    for (size_t i = 0; i < req->n_named; i++)
        if (str_has_prefix(req->named[i].key, "deleted") && str_eq_cstr(req->named[i].value, "1"))
            deleted = true;
    return deleted;
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

/*
 * Answers a failed service call: a target that does not exist or may not be
 * seen (ERR_NOTFOUND with no detail) as "Invalid <target>.", anything else
 * as a failed save of <what>.
 */
static int fail(struct request *req, int rc, const struct diag *d, const char *what,
                const char *target)
{
    if (rc == ERR_NOTFOUND && d->msg[0] == '\0')
        return service_fail(req, rc, NULL, target);
    return service_fail(req, rc, d, what);
}

/*
 * Writes {"Event": {...}} for a saved event and, beyond MISP, "warnings" when a
 * distribution is wider than the TLP tags allow (acl.h: TLP is a policy).
 */
static int event_saved_answer(struct request *req, const struct event_saved *sv)
{
    misp_answer_saved_event(&req->w, sv->event, sv->warnings, sv->n_warnings);
    return 200;
}

/* Answers events_add / events_edit. */
static int event_save_answer(struct request *req, int rc, const struct event_saved *sv,
                             const struct diag *d, const char *target)
{
    if (rc == 0)
        return event_saved_answer(req, sv);
    if (sv->refused != NULL)
        return http_error(req, err_http_status(rc), sv->refused, NULL);
    if (sv->saved) /* the write is done; reading it back failed */
        return http_fail(req, rc, NULL);
    return fail(req, rc, d, "Event", target);
}

/* A push from a peer: a Liaison peer (X-Liaison-Sync: 1) sends the whole truth. */
static struct events_push push_of(struct request *req)
{
    const char *hdr = http_header(req, "X-Liaison-Sync");
    return (struct events_push){.exact = hdr != NULL && strcmp(hdr, "1") == 0,
                                .self_url = req->app->base_url};
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
    struct events_push push = push_of(req);
    struct event_saved sv;
    rc = events_add(&req->app->svc, &req->who, req->a, e, &push, &sv, &d);
    return event_save_answer(req, rc, &sv, &d, "Event");
}

int misp_events_view(struct request *req)
{
    /* MISP: RelatedEvent unless includeEventCorrelations is 0; per-attribute
     * RelatedAttribute with includeGranularCorrelations */
    struct event_view_opts o = {
        .deleted = view_deleted(req),
        .correlations = view_option(req, "includeEventCorrelations", true),
        .granular = view_option(req, "includeGranularCorrelations", false),
        .self_url = req->app->base_url,
    };
    struct event *e;
    int rc = event_view(&req->app->svc, &req->who, req->a, http_seg(req, 2), &o, &e);
    if (rc == ERR_NOTFOUND)
        return http_error(req, 404, "Invalid event.", NULL);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_event_encode(&req->w, e);
    return 200;
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
    struct events_push push = push_of(req);
    struct event_saved sv;
    rc = events_edit(&req->app->svc, &req->who, req->a, http_seg(req, 2), in, &push, &sv, &d);
    return event_save_answer(req, rc, &sv, &d, "Event");
}

int misp_events_delete(struct request *req)
{
    struct diag d;
    diag_clear(&d);
    int64_t id = 0;
    int rc = events_delete(&req->app->svc, &req->who, req->a, http_seg(req, 2), &id, &d);
    if (rc < 0)
        return fail(req, rc, &d, "Event", "event");
    return http_saved(req, "Event deleted.", id);
}

static int publish_common(struct request *req, bool publish)
{
    struct diag d;
    diag_clear(&d);
    int64_t id = 0;
    int rc = events_publish(&req->app->svc, &req->who, req->a, http_seg(req, 2), publish, &id, &d);
    if (rc < 0)
        return fail(req, rc, &d, "Event", "event");
    return http_saved(req, publish ? "Event published without alerts" : "Event unpublished.", id);
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

static void attribute_answer(struct request *req, const struct attribute *at)
{
    misp_answer_attribute(&req->w, at);
}

int misp_attributes_add(struct request *req)
{
    if (req->json == NULL)
        return http_error(req, 400, "The request body is empty: send an attribute as JSON.", NULL);
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
        int rc =
            misp_attribute_decode(req->a, many ? &body->u.items[i] : body, prefix, &list[i], &d);
        if (rc < 0)
            return service_fail(req, rc, &d, "Attribute");
    }
    int rc = attributes_add(&req->app->svc, &req->who, req->a, http_seg(req, 2), list, n, many, &d);
    if (rc < 0)
        return fail(req, rc, &d, "Attribute", "event");
    if (!many) {
        attribute_answer(req, &list[0]);
        return 200;
    }
    misp_answer_attributes(&req->w, list, n);
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
    struct attribute *at;
    rc = attributes_edit(&req->app->svc, &req->who, req->a, http_seg(req, 2), &in, &at, &d);
    if (rc < 0)
        return fail(req, rc, &d, "Attribute", "attribute");
    attribute_answer(req, at);
    return 200;
}

int misp_attributes_delete(struct request *req)
{
    struct diag d;
    diag_clear(&d);
    /* hard delete: /attributes/delete/ID/1, ?hard=1, or PyMISP's body {"hard": 1} */
    bool hard = req->n_seg > 3 && str_eq_cstr(req->seg[3], "1");
    const char *q = http_query_arg(req, "hard");
    bool b;
    if ((q && strcmp(q, "1") == 0) || (json_as_bool(json_get(req->json, "hard"), &b) && b))
        hard = true;
    int64_t id = 0;
    int rc = attributes_delete(&req->app->svc, &req->who, req->a, http_seg(req, 2), hard, &id, &d);
    if (rc < 0)
        return fail(req, rc, &d, "Attribute", "attribute");
    return http_saved(req, "Attribute deleted.", id);
}

int misp_attributes_view(struct request *req)
{
    struct attribute *at;
    int rc = attribute_view(&req->app->svc, &req->who, req->a, http_seg(req, 2), &at);
    if (rc < 0)
        return service_fail(req, rc, NULL, "attribute");
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
    rc = objects_add(&req->app->svc, &req->who, req->a, http_seg(req, 2), &o, &d);
    if (rc < 0)
        return fail(req, rc, &d, "Object", "event");
    misp_answer_object(&req->w, &o);
    return 200;
}

int misp_objects_delete(struct request *req)
{
    struct diag d;
    diag_clear(&d);
    bool hard = req->n_seg > 3 && str_eq_cstr(req->seg[3], "1");
    int64_t id = 0;
    int rc = objects_delete(&req->app->svc, &req->who, req->a, http_seg(req, 2), hard, &id, &d);
    if (rc != 0)
        return service_fail(req, rc, &d, "object");
    return http_saved(req, "Object deleted.", id);
}

/* ---- tags ---- */

int misp_tags_index(struct request *req)
{
    struct tag *tags;
    size_t n;
    int rc = tags_list(&req->app->svc, &req->who, req->a, http_named(req, "searchall"), &tags, &n);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_answer_tags(&req->w, tags, n);
    return 200;
}

int misp_tags_add(struct request *req)
{
    const struct json_value *body = http_body_unwrap(req, "Tag");
    struct tag t;
    memset(&t, 0, sizeof(t));
    t.exportable = true;
    struct diag d;
    diag_clear(&d);
    /* a colour of another type is ignored (the default), one holding \u0000 refused */
    if (json_is(body, JSON_OBJECT) && (http_opt_str(req, body, "name", &t.name, &d) < 0 ||
                                       (json_is(json_get(body, "colour"), JSON_STRING) &&
                                        http_opt_str(req, body, "colour", &t.colour, &d) < 0)))
        return http_save_failed(req, "Tag", ERR_INVAL, &d);
    struct str uuid;
    bool uuid_given = json_as_str(json_get(body, "uuid"), &uuid);
    bool b;
    if (json_as_bool(json_get(body, "exportable"), &b))
        t.exportable = b;
    if (json_as_bool(json_get(body, "hide_tag"), &b))
        t.hide_tag = b;
    int rc = tags_add(&req->app->svc, &req->who, &t, uuid_given ? &uuid : NULL, &d);
    if (rc == ERR_FORBIDDEN)
        return http_error(req, 403, "You do not have permission to add tags.", NULL);
    if (rc == ERR_INVAL || rc == ERR_CONFLICT)
        return http_save_failed(req, "Tag", rc, &d);
    if (rc < 0)
        return http_fail(req, rc, NULL);
    misp_answer_tag(&req->w, &t);
    return 200;
}

/* attachTagToObject / removeTagFromObject: {"uuid": event or attribute uuid,
 * "tag": name or id, "local": 0/1}. */
static int tag_change(struct request *req, bool attach)
{
    const struct json_value *body = req->json;
    struct str uuid_s, tag_s = {0};
    struct diag d;
    diag_clear(&d);
    if (!json_is(body, JSON_OBJECT) || !json_as_str(json_get(body, "uuid"), &uuid_s)) {
        diag_set(&d, ERR_INVAL, "uuid", "uuid of an event or attribute is required");
        return http_error(req, 400, "Invalid request.", &d);
    }
    const struct json_value *tv = json_get(body, "tag");
    struct tag_change in = {.attach = attach};
    if (!json_as_str(tv, &tag_s) && !json_as_i64(tv, &in.tag_id)) {
        diag_set(&d, ERR_INVAL, "tag", "tag name or id is required");
        return http_error(req, 400, "Invalid request.", &d);
    }
    if (!uuid_canonical(uuid_s, in.uuid)) {
        diag_set(&d, ERR_INVAL, "uuid", "not a valid uuid");
        return http_error(req, 400, "Invalid request.", &d);
    }
    json_as_bool(json_get(body, "local"), &in.local);
    if (in.tag_id <= 0 &&
        (tv->type != JSON_STRING || parse_i64_all(tag_s, 1, INT64_MAX, &in.tag_id) < 0)) {
        in.tag_id = 0;
        in.tag_name = arena_strndup(req->a, tag_s.ptr ? tag_s.ptr : "", tag_s.len);
    }
    int rc = tags_change(&req->app->svc, &req->who, req->a, &in, &d);
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
