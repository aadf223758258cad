/*
 * event.c - event service.  See event.h for the contract and the rules.
 *
 * Validation happens before any write of the item concerned, but a request
 * touching many items may fail half-way: the transaction is what makes it all
 * or nothing (the service entry points at the end of the file own it), so the
 * rule functions simply return the first error.
 */
#include "core/event.h"

#include "core/instance.h"
#include "core/svc.h"
#include "core/sync.h"
#include "core/types.h"
#include "core/uuid.h"
#include "util/limits.h"
#include "util/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

static int64_t now_seconds(void)
{
    return (int64_t)time(NULL);
}

static void today(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static int uuid_in_use(const char *uuid, const char *field, struct diag *d)
{
    return diag_set(d, ERR_CONFLICT, field, "uuid %s is already in use on this instance", uuid);
}

/* Gives uuid a fresh value if empty, else checks it is not used elsewhere. */
static int uuid_claim(struct store_conn *c, char uuid[UUID_STR_LEN + 1], const char *field,
                      struct diag *d)
{
    if (uuid[0] == '\0') {
        uuid_generate(uuid);
        return 0;
    }
    bool taken;
    int rc = store_uuid_taken(c, uuid, &taken);
    if (rc < 0)
        return rc;
    if (taken)
        return uuid_in_use(uuid, field, d);
    return 0;
}

/*
 * Checks a distribution level and, for 4, its sharing group: it must exist and
 * be one the caller may see (MISP refuses a group the user is not authorised
 * for).  For other levels the group is cleared, as MISP does.  field names the
 * distribution ("Event.Attribute.2.distribution").
 */
static int check_distribution(const struct principal *p, struct store_conn *c, int dist,
                              int64_t *sg_id, int max, const char *field, struct diag *d)
{
    if (dist < 0 || dist > max)
        return diag_set(d, ERR_INVAL, field, "distribution must be between 0 and %d", max);
    if (dist != DIST_SHARING_GROUP) {
        *sg_id = 0;
        return 0;
    }
    if (*sg_id <= 0)
        return diag_set(d, ERR_INVAL, field,
                        "distribution 4 (sharing group) needs a sharing_group_id");
    /* The groups a user may use are read from the existing ones (acl), so only a
     * site admin, who may use any, needs the existence check against the store. */
    int rc = acl_can_use_sharing_group(p, *sg_id) ? 0 : ERR_NOTFOUND;
    if (rc == 0 && acl_is_site_admin(p)) {
        struct arena *a = arena_new();
        struct sharing_group *g;
        rc = store_sharing_group_get(c, a, *sg_id, NULL, &g);
        arena_free(a);
    }
    if (rc == ERR_NOTFOUND)
        return diag_set(d, ERR_INVAL, field,
                        "sharing group %lld does not exist or you may not use it",
                        (long long)*sg_id);
    return rc;
}

/*
 * Validates type, category and value of at (decoded input) and fills defaults.
 * field is the path prefix for errors ("Attribute.3").
 */
static int attribute_prepare(const struct principal *p, struct store_conn *c, struct arena *a,
                             struct attribute *at, const char *field, int64_t now, struct diag *d)
{
    char path[96];
    if (at->type == NULL || *at->type == '\0') {
        snprintf(path, sizeof(path), "%s.type", field);
        return diag_set(d, ERR_INVAL, path, "type is required");
    }
    const struct attr_type *t = types_find(str_from_cstr(at->type));
    if (t == NULL) {
        snprintf(path, sizeof(path), "%s.type", field);
        return diag_set(d, ERR_INVAL, path, "unknown attribute type '%s'", at->type);
    }
    at->type = (char *)t->name;
    if (at->category == NULL || *at->category == '\0') {
        at->category = (char *)t->default_category;
    } else {
        const char *cat = types_category_find(str_from_cstr(at->category));
        snprintf(path, sizeof(path), "%s.category", field);
        if (cat == NULL)
            return diag_set(d, ERR_INVAL, path, "unknown category '%s'", at->category);
        if (!types_category_allows(cat, t->name))
            return diag_set(d, ERR_INVAL, path, "category '%s' does not allow type '%s'", cat,
                            t->name);
        at->category = (char *)cat;
    }
    if (at->value == NULL) {
        snprintf(path, sizeof(path), "%s.value", field);
        return diag_set(d, ERR_INVAL, path, "value is required");
    }
    char *canon;
    int rc = types_canonicalise(t, str_from_cstr(at->value), a, &canon, d);
    if (rc < 0) {
        if (d) {
            snprintf(path, sizeof(path), "%s.value", field);
            snprintf(d->field, sizeof(d->field), "%s", path);
        }
        return rc;
    }
    at->value = canon;
    if (!at->to_ids_given)
        at->to_ids = t->to_ids;
    if (at->distribution < 0)
        at->distribution = DIST_INHERIT;
    snprintf(path, sizeof(path), "%s.distribution", field);
    if ((rc = check_distribution(p, c, at->distribution, &at->sharing_group_id, DIST_INHERIT, path,
                                 d)) < 0)
        return rc;
    if (at->timestamp <= 0)
        at->timestamp = now;
    return 0;
}

/* Checks the tags given with an item: each needs a name. */
static int tags_check(const struct tag_ref *tags, size_t n, const char *field, struct diag *d)
{
    for (size_t i = 0; i < n; i++) {
        if (tags[i].tag.name == NULL || *tags[i].tag.name == '\0') {
            char path[96];
            snprintf(path, sizeof(path), "%s.Tag.%zu.name", field, i);
            return diag_set(d, ERR_INVAL, path, "tag name is required");
        }
    }
    return 0;
}

static int tags_attach(struct store_conn *c, struct arena *a, int64_t event_id,
                       int64_t attribute_id, struct tag_ref *tags, size_t n, const char *field,
                       struct diag *d)
{
    int rc = tags_check(tags, n, field, d);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct tag *t = &tags[i].tag;
        if (t->colour == NULL)
            t->colour = "#ffffff";
        t->exportable = true;
        if (t->uuid[0] == '\0')
            uuid_generate(t->uuid); /* used only if the tag is new */
        if (t->timestamp <= 0)
            t->timestamp = now_seconds();
        if ((rc = store_tag_resolve(c, a, t, true)) < 0)
            return rc;
        rc = attribute_id
                 ? store_attribute_tag_attach(c, event_id, attribute_id, t->id, tags[i].local)
                 : store_event_tag_attach(c, event_id, t->id, tags[i].local);
    }
    return rc;
}

/* Checks an object's own fields (not its attributes) and fills defaults. */
static int object_check(const struct principal *p, struct store_conn *c, struct object *o,
                        const char *field, int64_t now, struct diag *d)
{
    char path[96];
    if (o->name == NULL || *o->name == '\0') {
        snprintf(path, sizeof(path), "%s.name", field);
        return diag_set(d, ERR_INVAL, path, "object name is required");
    }
    if (o->distribution < 0)
        o->distribution = DIST_INHERIT;
    snprintf(path, sizeof(path), "%s.distribution", field);
    int rc = check_distribution(p, c, o->distribution, &o->sharing_group_id, DIST_INHERIT, path, d);
    if (rc < 0)
        return rc;
    if (o->timestamp <= 0)
        o->timestamp = now;
    if (o->meta_category == NULL)
        o->meta_category = "misc";
    return 0;
}

/* ---- new attributes and objects, written together ---- */

/*
 * The new attributes and objects of one write in document order, an object's
 * attributes right after it: a new event's content, a new object, a lone
 * attribute.  They are written in four steps - all checked, all uuids claimed
 * (a store call per kind), all objects then all attributes inserted (one
 * store call), the attributes' tags attached - so that an import costs a few
 * statements per event instead of several per attribute.  The answer is the
 * one writing the items one after the other would give: the first item that
 * fails, in document order, and within an item its own fields first, then its
 * uuid (taken here, or by an earlier item), then its tags' names.  A failure
 * may leave some items written: the caller undoes the transaction.
 */
struct new_item {
    struct attribute *at; /* an attribute, or NULL for an object */
    struct object *o;     /* the object, or the attribute's new object (NULL: none) */
    const char *field;    /* the item's path for errors ("Event.Object.1.Attribute.2") */
};

struct new_items {
    struct new_item *v;
    size_t n, cap;
    size_t claimed;  /* the items whose uuids are claimed: those before the first that
                        fails its checks, and that one too when a tag name failed */
    size_t conflict; /* the first item whose uuid is taken (claimed: none) */
};

static void items_add(struct arena *a, struct new_items *b, struct attribute *at, struct object *o,
                      const char *field)
{
    b->v = arena_grow(a, b->v, b->n, &b->cap, sizeof(*b->v));
    b->v[b->n++] = (struct new_item){at, o, field};
}

/* Adds attrs[0..n), of the new object o (NULL: of the event itself), with
 * paths "<prefix>.Attribute.<i>". */
static void items_add_attrs(struct arena *a, struct new_items *b, struct attribute *attrs, size_t n,
                            struct object *o, const char *prefix)
{
    for (size_t i = 0; i < n; i++) {
        attrs[i].object_id = 0; /* or o's id, once o is inserted */
        items_add(a, b, &attrs[i], o, arena_printf(a, "%s.Attribute.%zu", prefix, i));
    }
}

static void items_add_object(struct arena *a, struct new_items *b, struct object *o,
                             const char *field)
{
    items_add(a, b, NULL, o, field);
    items_add_attrs(a, b, o->attrs, o->n_attrs, o, field);
}

/* Checks the items in order up to the first that fails: 0 or its failure
 * (d set); sets b->claimed. */
static int items_check(const struct principal *p, struct store_conn *c, struct arena *a,
                       struct new_items *b, int64_t now, struct diag *d)
{
    for (size_t i = 0; i < b->n; i++) {
        struct new_item *it = &b->v[i];
        int rc = it->at ? attribute_prepare(p, c, a, it->at, it->field, now, d)
                        : object_check(p, c, it->o, it->field, now, d);
        b->claimed = i;
        if (rc == 0 && it->at && (rc = tags_check(it->at->tags, it->at->n_tags, it->field, d)) < 0)
            b->claimed = i + 1;
        if (rc < 0)
            return rc;
    }
    b->claimed = b->n;
    return 0;
}

/* A uuid to claim: sorted by uuid, then item, the first of a run of equal
 * uuids is the one that may be free. */
struct claim {
    const char *uuid;
    size_t item;
    bool taken; /* stored (set on the first of its run) */
};

static int cmp_claim(const void *x, const void *y)
{
    const struct claim *a = x, *b = y;
    int c = strcmp(a->uuid, b->uuid);
    return c ? c : (a->item > b->item) - (a->item < b->item);
}

static int cmp_claim_uuid(const void *key, const void *elem)
{
    return strcmp(key, ((const struct claim *)elem)->uuid);
}

struct claims {
    struct claim *v;
    size_t n;
};

/* store_uuids_taken_by's callback: marks the first claim of uuid. */
static int claim_taken(void *ctx, const char *uuid)
{
    struct claims *cl = ctx;
    struct claim *hit = bsearch(uuid, cl->v, cl->n, sizeof(*cl->v), cmp_claim_uuid);
    while (hit != NULL && hit > cl->v && strcmp(hit[-1].uuid, uuid) == 0)
        hit--;
    if (hit != NULL)
        hit->taken = true;
    return 0;
}

/* Asks the store which of the claims' distinct uuids are taken, those of
 * attributes (at) or of objects (!at): an attribute's uuid is checked against
 * the attributes by their insert (store_uuid_taken_by), an object's against
 * every table. */
static int claims_ask(struct store_conn *c, struct arena *a, const struct new_items *b,
                      struct claims *cl, bool at)
{
    const char **set = arena_alloc(a, (cl->n ? cl->n : 1) * sizeof(*set));
    size_t n = 0;
    for (size_t k = 0; k < cl->n; k++)
        if ((k == 0 || strcmp(cl->v[k - 1].uuid, cl->v[k].uuid) != 0) &&
            (b->v[cl->v[k].item].at != NULL) == at)
            set[n++] = cl->v[k].uuid;
    if (n == 0)
        return 0;
    return store_uuids_taken_by(c, (struct str_set){set, n}, !at, claim_taken, cl);
}

/* Gives the claimed items without a uuid a fresh one and finds the first
 * whose uuid is taken here or by an earlier item (b->conflict). */
static int items_claim(struct store_conn *c, struct arena *a, struct new_items *b)
{
    struct claims cl = {arena_alloc(a, (b->claimed ? b->claimed : 1) * sizeof(*cl.v)), 0};
    for (size_t i = 0; i < b->claimed; i++) {
        char *uuid = b->v[i].at ? b->v[i].at->uuid : b->v[i].o->uuid;
        if (uuid[0] == '\0')
            uuid_generate(uuid);
        else
            cl.v[cl.n++] = (struct claim){uuid, i, false};
    }
    qsort(cl.v, cl.n, sizeof(*cl.v), cmp_claim);
    int rc = claims_ask(c, a, b, &cl, false);
    if (rc == 0)
        rc = claims_ask(c, a, b, &cl, true);
    b->conflict = b->claimed;
    for (size_t k = 0; k < cl.n; k++) {
        bool again = k > 0 && strcmp(cl.v[k - 1].uuid, cl.v[k].uuid) == 0;
        if ((again || cl.v[k].taken) && cl.v[k].item < b->conflict)
            b->conflict = cl.v[k].item;
    }
    return rc;
}

static int item_uuid_in_use(const struct new_item *it, struct diag *d)
{
    char path[128];
    snprintf(path, sizeof(path), "%s.uuid", it->field);
    return uuid_in_use(it->at ? it->at->uuid : it->o->uuid, path, d);
}

/* Inserts the items before `end`: the objects, then the attributes with one
 * store call.  An attribute whose uuid a stored attribute has is the
 * conflict. */
static int items_insert(struct store_conn *c, struct arena *a, int64_t event_id,
                        struct new_items *b, size_t end, struct diag *d)
{
    struct attribute **ats = arena_alloc(a, (end ? end : 1) * sizeof(struct attribute *));
    size_t *item = arena_alloc(a, (end ? end : 1) * sizeof(*item));
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; i < end && rc == 0; i++) {
        struct new_item *it = &b->v[i];
        if (it->at == NULL) {
            it->o->event_id = event_id;
            rc = store_object_insert(c, it->o);
            continue;
        }
        it->at->event_id = event_id;
        if (it->o != NULL)
            it->at->object_id = it->o->id;
        item[n] = i;
        ats[n++] = it->at;
    }
    size_t conflict;
    if (rc == 0 && (rc = store_attributes_insert(c, ats, n, &conflict)) == ERR_CONFLICT)
        return item_uuid_in_use(&b->v[item[conflict]], d);
    return rc;
}

/* Writes the items into event event_id (see struct new_item). */
static int items_write(const struct principal *p, struct store_conn *c, struct arena *a,
                       int64_t event_id, struct new_items *b, int64_t now, struct diag *d)
{
    int failure = items_check(p, c, a, b, now, d); /* d holds it until a uuid fails first */
    int rc = items_claim(c, a, b);
    if (rc == 0)
        rc = items_insert(c, a, event_id, b, b->conflict, d);
    if (rc == 0 && b->conflict < b->claimed)
        rc = item_uuid_in_use(&b->v[b->conflict], d);
    if (rc < 0 || failure < 0)
        return rc < 0 ? rc : failure;
    for (size_t i = 0; i < b->n && rc == 0; i++) {
        struct attribute *at = b->v[i].at;
        if (at != NULL)
            rc = tags_attach(c, a, event_id, at->id, at->tags, at->n_tags, b->v[i].field, d);
    }
    return rc;
}

/* A lone attribute, into object object_id (0: the event itself). */
static int attribute_insert(const struct principal *p, struct store_conn *c, struct arena *a,
                            int64_t event_id, int64_t object_id, struct attribute *at,
                            const char *field, int64_t now, struct diag *d)
{
    struct new_items b = {0};
    items_add(a, &b, at, NULL, field);
    at->object_id = object_id;
    return items_write(p, c, a, event_id, &b, now, d);
}

/* A new object with its attributes. */
static int object_insert(const struct principal *p, struct store_conn *c, struct arena *a,
                         int64_t event_id, struct object *o, const char *field, int64_t now,
                         struct diag *d)
{
    struct new_items b = {0};
    items_add_object(a, &b, o, field);
    return items_write(p, c, a, event_id, &b, now, d);
}

/* References are inserted after all objects and attributes exist, so that a
 * reference may point forward in the document. */
static int object_refs_insert(struct store_conn *c, struct arena *a, int64_t event_id,
                              struct object *o, const char *field, int64_t now, struct diag *d)
{
    for (size_t i = 0; i < o->n_refs; i++) {
        struct object_reference *r = &o->refs[i];
        char path[96];
        snprintf(path, sizeof(path), "%s.ObjectReference.%zu", field, i);
        if (r->referenced_uuid[0] == '\0')
            return diag_set(d, ERR_INVAL, path, "referenced_uuid is required");
        r->object_id = o->id;
        memcpy(r->object_uuid, o->uuid, sizeof(r->object_uuid));
        int rc = uuid_claim(c, r->uuid, path, d);
        if (rc < 0)
            return rc;
        struct attribute *ra;
        struct object *ro;
        if (store_attribute_get(c, a, 0, r->referenced_uuid, &ra) == 0)
            r->referenced_type = "Attribute";
        else if (store_object_get(c, a, 0, r->referenced_uuid, &ro) == 0)
            r->referenced_type = "Object";
        else
            return diag_set(d, ERR_INVAL, path, "referenced_uuid %s names no attribute or object",
                            r->referenced_uuid);
        if (r->timestamp <= 0)
            r->timestamp = now;
        if ((rc = store_reference_insert(c, event_id, r)) < 0)
            return rc;
    }
    return 0;
}

int org_capture(struct store_conn *c, struct arena *a, const struct org *given, int64_t creator,
                const char *field, int64_t *id, struct diag *d)
{
    struct org *found = NULL;
    int rc = ERR_NOTFOUND;
    if (given->uuid[0])
        rc = store_org_get(c, a, 0, given->uuid, NULL, &found);
    if (rc == ERR_NOTFOUND && given->name && *given->name)
        rc = store_org_get(c, a, 0, NULL, given->name, &found);
    if (rc == 0) {
        *id = found->id;
        return 0;
    }
    if (rc != ERR_NOTFOUND)
        return rc;
    if (given->name == NULL || *given->name == '\0')
        return diag_set(d, ERR_INVAL, field, "an organisation unknown here needs a name");
    struct org o = *given;
    o.id = 0;
    o.local = false;
    o.created_by = creator;
    if (o.uuid[0] == '\0')
        uuid_generate(o.uuid);
    if ((rc = store_org_insert(c, &o)) < 0)
        return rc;
    *id = o.id;
    return 0;
}

/* Resolves the creator org given in a document (Orgc with uuid/name): only site
 * admins and sync users may create on behalf of another org. */
static int orgc_resolve(struct store_conn *c, struct arena *a, const struct principal *p,
                        struct event *e, struct diag *d)
{
    e->orgc_id = p->org.id;
    if (e->orgc == NULL || !acl_can_sync(p))
        return 0;
    return org_capture(c, a, e->orgc, p->user.id, "Event.Orgc.name", &e->orgc_id, d);
}

int event_create(struct store_conn *c, struct arena *a, const struct principal *p, struct event *e,
                 struct diag *d)
{
    if (!acl_can_add(p))
        return diag_set(d, ERR_FORBIDDEN, "", "you do not have permission to add events");
    if (e->info == NULL || *e->info == '\0')
        return diag_set(d, ERR_INVAL, "Event.info", "info is required");
    int64_t now = now_seconds();
    int rc;
    if ((rc = uuid_claim(c, e->uuid, "Event.uuid", d)) < 0)
        return rc;
    if (e->date[0] == '\0')
        today(e->date);
    if (e->threat_level_id == 0)
        e->threat_level_id = THREAT_UNDEFINED;
    if (e->threat_level_id < 1 || e->threat_level_id > 4)
        return diag_set(d, ERR_INVAL, "Event.threat_level_id", "threat_level_id must be 1-4");
    if (e->analysis < 0)
        e->analysis = ANALYSIS_INITIAL;
    if (e->analysis > 2)
        return diag_set(d, ERR_INVAL, "Event.analysis", "analysis must be 0, 1 or 2");
    if (e->distribution < 0)
        e->distribution = DIST_COMMUNITY;
    if ((rc = check_distribution(p, c, e->distribution, &e->sharing_group_id, DIST_SHARING_GROUP,
                                 "Event.distribution", d)) < 0)
        return rc;
    if (e->timestamp <= 0)
        e->timestamp = now;
    if (e->published) {
        if (!acl_can_publish(p))
            e->published = false;
        else if (e->publish_timestamp <= 0)
            e->publish_timestamp = now;
    }
    e->org_id = p->org.id;
    e->user_id = p->user.id;
    if ((rc = orgc_resolve(c, a, p, e, d)) < 0)
        return rc;
    if ((rc = store_event_insert(c, e)) < 0)
        return rc;
    struct new_items b = {0};
    items_add_attrs(a, &b, e->attrs, e->n_attrs, NULL, "Event");
    for (size_t i = 0; i < e->n_objects; i++)
        items_add_object(a, &b, &e->objects[i], arena_printf(a, "Event.Object.%zu", i));
    if ((rc = items_write(p, c, a, e->id, &b, now, d)) < 0)
        return rc;
    char path[96];
    for (size_t i = 0; i < e->n_objects; i++) {
        snprintf(path, sizeof(path), "Event.Object.%zu", i);
        if ((rc = object_refs_insert(c, a, e->id, &e->objects[i], path, now, d)) < 0)
            return rc;
    }
    return tags_attach(c, a, e->id, 0, e->tags, e->n_tags, "Event", d);
}

int event_find(struct store_conn *c, struct arena *a, const struct acl_filter *acl, const char *ref,
               unsigned flags, struct event **out)
{
    uint64_t id = 0;
    char uuid[UUID_STR_LEN + 1];
    struct str s = str_from_cstr(ref);
    if (parse_u64_all(s, 1, INT64_MAX, &id) == 0)
        return store_event_load(c, a, (int64_t)id, NULL, acl, flags, out);
    if (uuid_canonical(s, uuid))
        return store_event_load(c, a, 0, uuid, acl, flags, out);
    return ERR_NOTFOUND;
}

static int require_modify(const struct principal *p, const struct event *e, struct diag *d)
{
    if (!acl_can_modify_event(p, e))
        return diag_set(d, ERR_FORBIDDEN, "", "you do not have permission to modify this event");
    return 0;
}

/* Marks e changed: new timestamp, unpublished (MISP unpublishes on any change). */
static int event_changed(struct store_conn *c, struct event *e, int64_t now)
{
    e->timestamp = now > e->timestamp ? now : e->timestamp + 1;
    e->published = false;
    return store_event_update(c, e);
}

static struct attribute *find_attr_by_uuid(struct event *e, const char *uuid)
{
    for (size_t i = 0; i < e->n_attrs; i++)
        if (strcmp(e->attrs[i].uuid, uuid) == 0)
            return &e->attrs[i];
    for (size_t j = 0; j < e->n_objects; j++)
        for (size_t i = 0; i < e->objects[j].n_attrs; i++)
            if (strcmp(e->objects[j].attrs[i].uuid, uuid) == 0)
                return &e->objects[j].attrs[i];
    return NULL;
}

/* Copies the fields given in `in` onto `cur` (decoder "not given" conventions). */
static void attribute_merge(struct attribute *cur, const struct attribute *in)
{
    if (in->type)
        cur->type = in->type;
    if (in->category_given && in->category)
        cur->category = in->category;
    else if (in->type)
        cur->category = NULL; /* re-derive from the new type */
    if (in->value)
        cur->value = in->value;
    if (in->comment)
        cur->comment = in->comment;
    if (in->to_ids_given) {
        cur->to_ids = in->to_ids;
        cur->to_ids_given = true;
    } else {
        cur->to_ids_given = true; /* keep the stored value */
    }
    if (in->distribution >= 0) {
        cur->distribution = in->distribution;
        cur->sharing_group_id = in->sharing_group_id;
    }
    if (in->object_relation)
        cur->object_relation = in->object_relation;
    if (in->first_seen)
        cur->first_seen = in->first_seen;
    if (in->last_seen)
        cur->last_seen = in->last_seen;
    cur->disable_correlation = in->disable_correlation || cur->disable_correlation;
    cur->deleted = in->deleted;
}

static int attribute_apply(const struct principal *p, struct store_conn *c, struct arena *a,
                           struct attribute *cur, const struct attribute *in, const char *field,
                           int64_t now, bool *changed, struct diag *d)
{
    *changed = false;
    if (in->timestamp > 0 && in->timestamp <= cur->timestamp)
        return 0; /* not newer: keep the stored copy */
    struct attribute next = *cur;
    attribute_merge(&next, in);
    next.timestamp =
        in->timestamp > 0 ? in->timestamp : (now > cur->timestamp ? now : cur->timestamp + 1);
    int rc = attribute_prepare(p, c, a, &next, field, now, d);
    if (rc < 0)
        return rc;
    if ((rc = store_attribute_update(c, &next)) < 0)
        return rc;
    if ((rc = tags_attach(c, a, next.event_id, next.id, in->tags, in->n_tags, field, d)) < 0)
        return rc;
    *cur = next;
    *changed = true;
    return 0;
}

int event_update(struct store_conn *c, struct arena *a, const struct principal *p,
                 struct event *target, const struct event *in, struct diag *d)
{
    int rc = require_modify(p, target, d);
    if (rc < 0)
        return rc;
    if (in->timestamp > 0 && in->timestamp <= target->timestamp)
        return diag_set(d, ERR_STALE, "Event.timestamp",
                        "the stored event is as new as or newer than this update");
    int64_t now = now_seconds();
    if (in->info) {
        if (*in->info == '\0')
            return diag_set(d, ERR_INVAL, "Event.info", "info cannot be empty");
        target->info = in->info;
    }
    if (in->date[0])
        memcpy(target->date, in->date, sizeof(target->date));
    if (in->threat_level_id) {
        if (in->threat_level_id < 1 || in->threat_level_id > 4)
            return diag_set(d, ERR_INVAL, "Event.threat_level_id", "threat_level_id must be 1-4");
        target->threat_level_id = in->threat_level_id;
    }
    if (in->analysis >= 0) {
        if (in->analysis > 2)
            return diag_set(d, ERR_INVAL, "Event.analysis", "analysis must be 0, 1 or 2");
        target->analysis = in->analysis;
    }
    if (in->distribution >= 0) {
        int64_t sg_id = in->sharing_group_id;
        if ((rc = check_distribution(p, c, in->distribution, &sg_id, DIST_SHARING_GROUP,
                                     "Event.distribution", d)) < 0)
            return rc;
        target->distribution = in->distribution;
        target->sharing_group_id = sg_id;
    }
    if (in->extends_uuid)
        target->extends_uuid = in->extends_uuid;
    char path[96];
    for (size_t i = 0; i < in->n_attrs; i++) {
        struct attribute *src = &in->attrs[i];
        struct attribute *cur = src->uuid[0] ? find_attr_by_uuid(target, src->uuid) : NULL;
        snprintf(path, sizeof(path), "Event.Attribute.%zu", i);
        bool changed;
        if (cur) {
            if ((rc = attribute_apply(p, c, a, cur, src, path, now, &changed, d)) < 0)
                return rc;
        } else if ((rc = attribute_insert(p, c, a, target->id, 0, src, path, now, d)) < 0) {
            return rc;
        }
    }
    for (size_t i = 0; i < in->n_objects; i++) {
        struct object *o = &in->objects[i];
        snprintf(path, sizeof(path), "Event.Object.%zu", i);
        struct object *existing = NULL;
        if (o->uuid[0] && store_object_get(c, a, 0, o->uuid, &existing) == 0) {
            if (existing->event_id != target->id)
                return diag_set(d, ERR_CONFLICT, path, "object %s belongs to another event",
                                o->uuid);
            for (size_t j = 0; j < o->n_attrs; j++) {
                struct attribute *src = &o->attrs[j];
                struct attribute *cur = src->uuid[0] ? find_attr_by_uuid(target, src->uuid) : NULL;
                char apath[128];
                snprintf(apath, sizeof(apath), "%s.Attribute.%zu", path, j);
                bool changed;
                if (cur)
                    rc = attribute_apply(p, c, a, cur, src, apath, now, &changed, d);
                else
                    rc = attribute_insert(p, c, a, target->id, existing->id, src, apath, now, d);
                if (rc < 0)
                    return rc;
            }
            continue;
        }
        if ((rc = object_insert(p, c, a, target->id, o, path, now, d)) < 0 ||
            (rc = object_refs_insert(c, a, target->id, o, path, now, d)) < 0)
            return rc;
    }
    if ((rc = tags_attach(c, a, target->id, 0, in->tags, in->n_tags, "Event", d)) < 0)
        return rc;
    target->timestamp =
        in->timestamp > 0 ? in->timestamp : (now > target->timestamp ? now : target->timestamp + 1);
    target->published = in->published && acl_can_publish(p);
    if (target->published)
        target->publish_timestamp = now;
    return store_event_update(c, target);
}

int event_delete(struct store_conn *c, const struct principal *p, struct event *e, struct diag *d)
{
    int rc = require_modify(p, e, d);
    if (rc < 0)
        return rc;
    return store_event_delete(c, e->id);
}

int event_publish(struct store_conn *c, const struct principal *p, struct event *e, bool publish,
                  struct diag *d)
{
    if (!acl_can_publish_event(p, e))
        return diag_set(d, ERR_FORBIDDEN, "",
                        "you do not have permission to publish or unpublish this event");
    e->published = publish;
    if (publish)
        e->publish_timestamp = now_seconds();
    return store_event_update(c, e);
}

int event_attribute_add(struct store_conn *c, struct arena *a, const struct principal *p,
                        struct event *e, struct attribute *at, const char *field, struct diag *d)
{
    int rc = require_modify(p, e, d);
    if (rc < 0)
        return rc;
    int64_t now = now_seconds();
    if ((rc = attribute_insert(p, c, a, e->id, 0, at, field, now, d)) < 0)
        return rc;
    return event_changed(c, e, now);
}

int event_attribute_edit(struct store_conn *c, struct arena *a, const struct principal *p,
                         struct event *e, struct attribute *cur, const struct attribute *in,
                         struct diag *d)
{
    int rc = require_modify(p, e, d);
    if (rc < 0)
        return rc;
    if (in->timestamp > 0 && in->timestamp <= cur->timestamp)
        return diag_set(d, ERR_STALE, "Attribute.timestamp",
                        "the stored attribute is as new as or newer than this update");
    int64_t now = now_seconds();
    bool changed;
    if ((rc = attribute_apply(p, c, a, cur, in, "Attribute", now, &changed, d)) < 0)
        return rc;
    return changed ? event_changed(c, e, now) : 0;
}

int event_attribute_delete(struct store_conn *c, const struct principal *p, struct event *e,
                           struct attribute *at, bool hard, struct diag *d)
{
    int rc = require_modify(p, e, d);
    if (rc < 0)
        return rc;
    if ((rc = store_attribute_delete(c, at->id, hard)) < 0)
        return rc;
    return event_changed(c, e, now_seconds());
}

int event_object_add(struct store_conn *c, struct arena *a, const struct principal *p,
                     struct event *e, struct object *o, const char *field, struct diag *d)
{
    int rc = require_modify(p, e, d);
    if (rc < 0)
        return rc;
    int64_t now = now_seconds();
    if ((rc = object_insert(p, c, a, e->id, o, field, now, d)) < 0 ||
        (rc = object_refs_insert(c, a, e->id, o, field, now, d)) < 0)
        return rc;
    return event_changed(c, e, now);
}

static int tag_permission(const struct principal *p, const struct event *e, struct diag *d)
{
    if (!acl_can_tag_event(p, e))
        return diag_set(d, ERR_FORBIDDEN, "", "you do not have permission to tag this event");
    return 0;
}

int event_tag_attach(struct store_conn *c, struct arena *a, const struct principal *p,
                     struct event *e, struct attribute *at, const char *tag_name, bool local,
                     struct diag *d)
{
    int rc = tag_permission(p, e, d);
    if (rc < 0)
        return rc;
    struct tag_ref ref;
    memset(&ref, 0, sizeof(ref));
    ref.tag.name = (char *)tag_name;
    ref.local = local;
    if ((rc = tags_attach(c, a, e->id, at ? at->id : 0, &ref, 1, "tag", d)) < 0)
        return rc;
    return event_changed(c, e, now_seconds());
}

int event_tag_detach(struct store_conn *c, struct arena *a, const struct principal *p,
                     struct event *e, struct attribute *at, const char *tag_name, struct diag *d)
{
    int rc = tag_permission(p, e, d);
    if (rc < 0)
        return rc;
    struct tag *t;
    if ((rc = store_tag_get(c, a, 0, tag_name, &t)) < 0)
        return rc == ERR_NOTFOUND ? diag_set(d, ERR_NOTFOUND, "tag", "no such tag") : rc;
    rc =
        at ? store_attribute_tag_detach(c, at->id, t->id) : store_event_tag_detach(c, e->id, t->id);
    if (rc == ERR_NOTFOUND)
        return diag_set(d, ERR_NOTFOUND, "tag", "the tag is not attached");
    if (rc < 0)
        return rc;
    return event_changed(c, e, now_seconds());
}

/* ---- events received from peers (sync) ---- */

static bool tag_listed(const struct tag_ref *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].tag.name != NULL && strcmp(list[i].tag.name, name) == 0)
            return true;
    return false;
}

/* Attaches the received tags; exact: also detaches the shared (not local)
 * tags the sender no longer carries.  Local tags are this node's business. */
static int tags_receive(struct store_conn *c, struct arena *a, int64_t event_id,
                        int64_t attribute_id, const struct tag_ref *cur, size_t ncur,
                        struct tag_ref *in, size_t nin, bool exact, const char *field,
                        struct diag *d)
{
    int rc = tags_attach(c, a, event_id, attribute_id, in, nin, field, d);
    for (size_t i = 0; rc == 0 && exact && i < ncur; i++) {
        if (cur[i].local || tag_listed(in, nin, cur[i].tag.name))
            continue;
        rc = attribute_id ? store_attribute_tag_detach(c, attribute_id, cur[i].tag.id)
                          : store_event_tag_detach(c, event_id, cur[i].tag.id);
        if (rc == ERR_NOTFOUND)
            rc = 0;
    }
    return rc;
}

static const struct attribute *in_attr(const struct event *in, const char *uuid)
{
    for (size_t i = 0; i < in->n_attrs; i++)
        if (strcmp(in->attrs[i].uuid, uuid) == 0)
            return &in->attrs[i];
    for (size_t j = 0; j < in->n_objects; j++)
        for (size_t i = 0; i < in->objects[j].n_attrs; i++)
            if (strcmp(in->objects[j].attrs[i].uuid, uuid) == 0)
                return &in->objects[j].attrs[i];
    return NULL;
}

static struct object *find_object(struct event *e, const char *uuid)
{
    for (size_t i = 0; i < e->n_objects; i++)
        if (strcmp(e->objects[i].uuid, uuid) == 0)
            return &e->objects[i];
    return NULL;
}

/* One received attribute over the stored event: applied if newer, inserted if new. */
static int attribute_receive(const struct principal *p, struct store_conn *c, struct arena *a,
                             struct event *target, int64_t object_id, struct attribute *src,
                             bool exact, const char *field, int64_t now, struct diag *d)
{
    struct attribute *cur = src->uuid[0] ? find_attr_by_uuid(target, src->uuid) : NULL;
    if (cur == NULL)
        return attribute_insert(p, c, a, target->id, object_id, src, field, now, d);
    struct tag_ref *old = cur->tags;
    size_t nold = cur->n_tags;
    bool changed;
    int rc = attribute_apply(p, c, a, cur, src, field, now, &changed, d);
    if (rc == 0)
        rc = tags_receive(c, a, target->id, cur->id, old, nold, src->tags, src->n_tags, exact,
                          field, d);
    return rc;
}

/* The received object over the stored one: its own fields when newer, its
 * attributes one by one, the references that are new. */
static int object_receive(const struct principal *p, struct store_conn *c, struct arena *a,
                          struct event *target, struct object *cur, struct object *src, bool exact,
                          const char *field, int64_t now, struct diag *d)
{
    int rc;
    if (src->timestamp > cur->timestamp) {
        struct object next = *cur;
        if (src->name && *src->name)
            next.name = src->name;
        next.meta_category = src->meta_category ? src->meta_category : cur->meta_category;
        next.description = src->description;
        next.template_uuid = src->template_uuid;
        next.template_version = src->template_version;
        next.comment = src->comment;
        next.first_seen = src->first_seen;
        next.last_seen = src->last_seen;
        next.deleted = src->deleted;
        next.timestamp = src->timestamp;
        if (src->distribution >= 0) {
            next.distribution = src->distribution;
            next.sharing_group_id = src->sharing_group_id;
        }
        char path[128];
        snprintf(path, sizeof(path), "%s.distribution", field);
        if ((rc = check_distribution(p, c, next.distribution, &next.sharing_group_id, DIST_INHERIT,
                                     path, d)) < 0 ||
            (rc = store_object_update(c, &next)) < 0)
            return rc;
        *cur = next;
    }
    for (size_t j = 0; j < src->n_attrs; j++) {
        char path[128];
        snprintf(path, sizeof(path), "%s.Attribute.%zu", field, j);
        if ((rc = attribute_receive(p, c, a, target, cur->id, &src->attrs[j], exact, path, now,
                                    d)) < 0)
            return rc;
    }
    struct object fresh = *cur;
    fresh.refs = arena_alloc(a, (src->n_refs ? src->n_refs : 1) * sizeof(*fresh.refs));
    fresh.n_refs = 0;
    for (size_t i = 0; i < src->n_refs; i++) {
        bool taken = false;
        if (src->refs[i].uuid[0] && (rc = store_uuid_taken(c, src->refs[i].uuid, &taken)) < 0)
            return rc;
        if (!taken)
            fresh.refs[fresh.n_refs++] = src->refs[i];
    }
    return object_refs_insert(c, a, target->id, &fresh, field, now, d);
}

/* exact: what the sender no longer holds (hard deleted there, or no longer
 * shared with us) goes here too. */
static int remove_unlisted(struct store_conn *c, struct event *target, const struct event *in)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < target->n_attrs; i++)
        if (in_attr(in, target->attrs[i].uuid) == NULL)
            rc = store_attribute_delete(c, target->attrs[i].id, true);
    for (size_t j = 0; rc == 0 && j < target->n_objects; j++) {
        struct object *o = &target->objects[j];
        bool listed = false;
        for (size_t k = 0; k < in->n_objects && !listed; k++)
            listed = strcmp(in->objects[k].uuid, o->uuid) == 0;
        if (!listed) {
            rc = store_object_delete(c, o->id, true);
            continue;
        }
        for (size_t i = 0; rc == 0 && i < o->n_attrs; i++)
            if (in_attr(in, o->attrs[i].uuid) == NULL)
                rc = store_attribute_delete(c, o->attrs[i].id, true);
    }
    return rc;
}

static int receive_update(struct store_conn *c, struct arena *a, const struct principal *p,
                          struct event *target, struct event *in, bool exact, struct diag *d)
{
    if (in->info == NULL || *in->info == '\0')
        return diag_set(d, ERR_INVAL, "Event.info", "info is required");
    if (in->threat_level_id < 1 || in->threat_level_id > 4)
        in->threat_level_id = target->threat_level_id;
    if (in->analysis < 0 || in->analysis > 2)
        in->analysis = target->analysis;
    int64_t sg_id = in->sharing_group_id;
    int dist = in->distribution >= 0 ? in->distribution : target->distribution;
    int rc = check_distribution(p, c, dist, &sg_id, DIST_SHARING_GROUP, "Event.distribution", d);
    if (rc < 0)
        return rc;
    int64_t now = now_seconds();
    struct tag_ref *old_tags = target->tags;
    size_t n_old_tags = target->n_tags;
    if (exact && (rc = remove_unlisted(c, target, in)) < 0)
        return rc;
    char path[96];
    for (size_t i = 0; i < in->n_attrs; i++) {
        snprintf(path, sizeof(path), "Event.Attribute.%zu", i);
        if ((rc = attribute_receive(p, c, a, target, 0, &in->attrs[i], exact, path, now, d)) < 0)
            return rc;
    }
    for (size_t i = 0; i < in->n_objects; i++) {
        struct object *o = &in->objects[i];
        snprintf(path, sizeof(path), "Event.Object.%zu", i);
        struct object *cur = o->uuid[0] ? find_object(target, o->uuid) : NULL;
        if (cur != NULL)
            rc = object_receive(p, c, a, target, cur, o, exact, path, now, d);
        else if ((rc = object_insert(p, c, a, target->id, o, path, now, d)) == 0)
            rc = object_refs_insert(c, a, target->id, o, path, now, d);
        if (rc < 0)
            return rc;
    }
    if ((rc = tags_receive(c, a, target->id, 0, old_tags, n_old_tags, in->tags, in->n_tags, exact,
                           "Event", d)) < 0)
        return rc;
    target->info = in->info;
    if (in->date[0])
        memcpy(target->date, in->date, sizeof(target->date));
    target->threat_level_id = in->threat_level_id;
    target->analysis = in->analysis;
    target->distribution = dist;
    target->sharing_group_id = sg_id;
    target->extends_uuid = in->extends_uuid;
    target->timestamp = in->timestamp;
    target->published = in->published;
    target->publish_timestamp = in->publish_timestamp > 0 ? in->publish_timestamp : now;
    target->locked = true;
    return store_event_update(c, target);
}

int event_receive(struct store_conn *c, struct arena *a, const struct principal *p,
                  struct event *in, bool exact, enum receive_result *res, struct diag *d)
{
    if (in->uuid[0] == '\0')
        return diag_set(d, ERR_INVAL, "Event.uuid", "a received event needs its uuid");
    if (in->timestamp <= 0)
        return diag_set(d, ERR_INVAL, "Event.timestamp", "a received event needs its timestamp");
    struct acl_filter all;
    acl_filter_system(&all, true);
    struct event *target;
    int rc = store_event_load(c, a, 0, in->uuid, &all,
                              STORE_LOAD_CHILDREN | STORE_LOAD_TAGS | STORE_LOAD_DELETED, &target);
    if (rc == ERR_NOTFOUND) {
        bool taken;
        if ((rc = store_uuid_taken(c, in->uuid, &taken)) < 0)
            return rc;
        if (taken) {
            *res = RECEIVE_DELETED;
            return 0;
        }
        in->locked = true;
        if (in->distribution < 0)
            in->distribution = DIST_COMMUNITY;
        if ((rc = event_create(c, a, p, in, d)) == 0)
            *res = RECEIVE_CREATED;
        return rc;
    }
    if (rc < 0)
        return rc;
    if (!target->locked) {
        *res = RECEIVE_LOCAL;
        return 0;
    }
    if (in->timestamp <= target->timestamp) {
        *res = RECEIVE_NOT_NEWER;
        return 0;
    }
    if ((rc = receive_update(c, a, p, target, in, exact, d)) == 0) {
        in->id = target->id;
        *res = RECEIVE_UPDATED;
    }
    return rc;
}

/* ---- the service entry points (see event.h) ---- */

int event_attribute_find(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                         const char *ref, struct event **e, struct attribute **at)
{
    uint64_t id = 0;
    char uuid[UUID_STR_LEN + 1] = "";
    if (parse_u64_all(str_from_cstr(ref), 1, INT64_MAX, &id) < 0 &&
        !uuid_canonical(str_from_cstr(ref), uuid))
        return ERR_NOTFOUND;
    /* the store answers 0 or an ERR_* code (< 0) */
    int rc = store_attribute_get(c, a, (int64_t)id, uuid, at);
    if (rc != 0)
        return rc < 0 ? rc : ERR_DB;
    rc = store_event_load(c, a, (*at)->event_id, NULL, acl,
                          STORE_LOAD_CHILDREN | STORE_LOAD_TAGS | STORE_LOAD_DELETED, e);
    if (rc != 0)
        return rc < 0 ? rc : ERR_DB;
    /* the attribute itself must be visible to the caller too */
    for (size_t i = 0; i < (*e)->n_attrs; i++)
        if ((*e)->attrs[i].id == (*at)->id)
            return 0;
    for (size_t j = 0; j < (*e)->n_objects; j++)
        for (size_t i = 0; i < (*e)->objects[j].n_attrs; i++)
            if ((*e)->objects[j].attrs[i].id == (*at)->id)
                return 0;
    return ERR_NOTFOUND;
}

/* The caller as the rules see it: its sharing groups loaded (the groups it
 * may use), and its read filter.  A storage failure leaves it no group (acl
 * fails closed), as a read would. */
static void caller_load(struct svc *s, struct arena *a, const struct principal *who,
                        struct principal *me, struct acl_filter *f)
{
    *me = *who;
    (void)acl_principal_load(s->store, a, &s->policy, me, f);
}

/* Opens a write transaction and loads the event ref visible through f. */
static int event_write_begin(struct svc *s, struct arena *a, const struct acl_filter *f,
                             const char *ref, unsigned flags, struct store_conn **c,
                             struct event **e)
{
    int rc = store_begin_write(s->store, c);
    if (rc < 0)
        return rc;
    if ((rc = event_find(*c, a, f, ref, flags, e)) < 0) {
        store_end(*c, false);
        *c = NULL;
    }
    return rc;
}

/* Ends the write transaction c: committed when rc is 0.  Returns rc, or the
 * commit's failure. */
static int write_end(struct store_conn *c, int rc)
{
    int erc = store_end(c, rc == 0);
    return rc < 0 ? rc : erc;
}

static void warn(struct arena *a, struct event_saved *out, size_t *cap, enum tlp_level level,
                 int dist, const char *what, const char *uuid)
{
    if (acl_tlp_allows(level, dist))
        return;
    out->warnings = arena_grow(a, out->warnings, out->n_warnings, cap, sizeof(*out->warnings));
    out->warnings[out->n_warnings++] =
        arena_printf(a,
                     "%s %s: distribution %d is wider than %s allows; exports, feeds and sync "
                     "will not share it further than the TLP permits",
                     what, uuid, dist, acl_tlp_name(level));
}

/* The saved event e and its TLP warnings into out. */
static void saved(struct arena *a, struct event *e, struct event_saved *out)
{
    out->event = e;
    size_t cap = 0;
    enum tlp_level level = acl_tlp_level(e->tags, e->n_tags);
    warn(a, out, &cap, level, e->distribution, "Event", e->uuid);
    for (size_t i = 0; i < e->n_attrs; i++) {
        const struct attribute *at = &e->attrs[i];
        warn(a, out, &cap, acl_tlp_stricter(level, acl_tlp_level(at->tags, at->n_tags)),
             at->distribution, "Attribute", at->uuid);
    }
    for (size_t j = 0; j < e->n_objects; j++) {
        const struct object *o = &e->objects[j];
        warn(a, out, &cap, level, o->distribution, "Object", o->uuid);
        for (size_t i = 0; i < o->n_attrs; i++) {
            const struct attribute *at = &o->attrs[i];
            warn(a, out, &cap, acl_tlp_stricter(level, acl_tlp_level(at->tags, at->n_tags)),
                 at->distribution, "Attribute", at->uuid);
        }
    }
}

/* Commits c, then loads the event as stored through a reader (the writer is
 * free while the answer is built). */
static int commit_and_load(struct svc *s, struct store_conn *c, struct arena *a,
                           const struct acl_filter *f, int64_t id, struct event_saved *out)
{
    int rc = store_end(c, true);
    if (rc < 0)
        return rc;
    out->saved = true;
    if ((rc = store_begin_read(s->store, &c)) < 0)
        return rc;
    struct event *e;
    rc = store_event_load(c, a, id, NULL, f, STORE_LOAD_CHILDREN | STORE_LOAD_TAGS, &e);
    store_end(c, true);
    if (rc == 0)
        saved(a, e, out);
    return rc;
}

/* A push (MISP's sync): an event from a peer's sync user, carrying its uuid
 * and timestamp. */
static bool is_push(const struct principal *p, const struct event *in)
{
    return acl_is_sync_peer(p) && in->uuid[0] != '\0' && in->timestamp > 0;
}

/* Saves a pushed event as a synced copy (event_receive): locked, owned by the
 * sync user's organisation, only over an older synced copy. */
static int receive_push(struct svc *s, const struct principal *me, const struct acl_filter *f,
                        struct arena *a, struct event *in, const struct events_push *push,
                        struct event_saved *out, struct diag *d)
{
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    enum receive_result res = RECEIVE_NOT_NEWER;
    bool keep = true;
    struct sync_receiver rcv = {&me->org, push ? push->self_url : NULL};
    rc = sync_capture_sharing_groups(c, a, &rcv, in, &keep, d);
    if (rc == 0 && !keep) {
        store_end(c, false);
        out->refused = "Event could not be saved: its sharing group does not include your "
                       "organisation.";
        return ERR_FORBIDDEN;
    }
    /* the groups were checked and captured above: distribution 4 now names
     * one the sender's organisation is in, which the receiving side may use */
    struct principal actor;
    acl_principal_for_peer_push(me, &actor);
    if (rc == 0)
        rc = event_receive(c, a, &actor, in, push && push->exact, &res, d);
    if (rc == 0 && (res == RECEIVE_CREATED || res == RECEIVE_UPDATED))
        return commit_and_load(s, c, a, f, in->id, out);
    store_end(c, false);
    if (rc < 0)
        return rc;
    if (res == RECEIVE_NOT_NEWER)
        return ERR_STALE;
    out->refused = res == RECEIVE_LOCAL
                       ? "Event could not be saved: an event created on this instance is never "
                         "overwritten by a peer."
                       : "Event could not be saved: it was deleted on this instance.";
    return ERR_FORBIDDEN;
}

int events_add(struct svc *s, const struct principal *who, struct arena *a, struct event *in,
               const struct events_push *push, struct event_saved *out, struct diag *d)
{
    memset(out, 0, sizeof(*out));
    struct principal me;
    struct acl_filter f;
    caller_load(s, a, who, &me, &f);
    if (is_push(&me, in))
        return receive_push(s, &me, &f, a, in, push, out, d);
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    rc = event_create(c, a, &me, in, d);
    struct org *orgc = NULL;
    if (rc == 0)
        rc = store_org_get(c, a, in->orgc_id, NULL, NULL, &orgc);
    if ((rc = write_end(c, rc)) < 0)
        return rc;
    /* The created event is answered from memory: event_create filled in every id,
     * default and canonical value, so reloading it would only repeat the work
     * (tests/api/test_events.py checks the answer equals a later view).
     * RelatedEvent stays empty here: computing it made bulk ingest of
     * overlapping feeds 17 times slower (bench/ingest); a view has it. */
    out->saved = true;
    in->org = arena_alloc(a, sizeof(*in->org));
    *in->org = who->org;
    in->orgc = orgc;
    in->attribute_count = (int64_t)in->n_attrs;
    for (size_t i = 0; i < in->n_objects; i++)
        in->attribute_count += (int64_t)in->objects[i].n_attrs;
    saved(a, in, out);
    return 0;
}

int events_edit(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                struct event *in, const struct events_push *push, struct event_saved *out,
                struct diag *d)
{
    memset(out, 0, sizeof(*out));
    struct principal me;
    struct acl_filter f;
    caller_load(s, a, who, &me, &f);
    if (in->uuid[0] == '\0' && ref != NULL)
        uuid_canonical(str_from_cstr(ref), in->uuid);
    if (is_push(&me, in)) {
        char path_uuid[UUID_STR_LEN + 1];
        if (ref != NULL && uuid_canonical(str_from_cstr(ref), path_uuid) &&
            strcmp(path_uuid, in->uuid) != 0) {
            out->refused = "The event's uuid differs from the one in the path.";
            return ERR_INVAL;
        }
        return receive_push(s, &me, &f, a, in, push, out, d);
    }
    struct store_conn *c;
    struct event *e;
    int rc = event_write_begin(s, a, &f, ref, STORE_LOAD_CHILDREN | STORE_LOAD_DELETED, &c, &e);
    if (rc < 0)
        return rc;
    if ((rc = event_update(c, a, &me, e, in, d)) < 0) {
        store_end(c, false);
        return rc;
    }
    return commit_and_load(s, c, a, &f, e->id, out);
}

int events_delete(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                  int64_t *id, struct diag *d)
{
    struct principal me;
    struct acl_filter f;
    caller_load(s, a, who, &me, &f);
    struct store_conn *c;
    struct event *e;
    int rc = event_write_begin(s, a, &f, ref, 0, &c, &e);
    if (rc < 0)
        return rc;
    *id = e->id;
    return write_end(c, event_delete(c, &me, e, d));
}

int events_publish(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                   bool publish, int64_t *id, struct diag *d)
{
    struct principal me;
    struct acl_filter f;
    caller_load(s, a, who, &me, &f);
    struct store_conn *c;
    struct event *e;
    int rc = event_write_begin(s, a, &f, ref, 0, &c, &e);
    if (rc < 0)
        return rc;
    *id = e->id;
    return write_end(c, event_publish(c, &me, e, publish, d));
}

int attributes_add(struct svc *s, const struct principal *who, struct arena *a,
                   const char *event_ref, struct attribute *v, size_t n, bool listed,
                   struct diag *d)
{
    struct principal me;
    struct acl_filter f;
    caller_load(s, a, who, &me, &f);
    struct store_conn *c;
    struct event *e;
    int rc = event_write_begin(s, a, &f, event_ref, 0, &c, &e);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char field[32];
        snprintf(field, sizeof(field), listed ? "Attribute.%zu" : "Attribute", i);
        rc = event_attribute_add(c, a, &me, e, &v[i], field, d);
    }
    return write_end(c, rc);
}

/* Opens a write transaction and loads the attribute ref and its event. */
static int attribute_write_begin(struct svc *s, struct arena *a, const struct acl_filter *f,
                                 const char *ref, struct store_conn **c, struct event **e,
                                 struct attribute **at)
{
    int rc = store_begin_write(s->store, c);
    if (rc < 0)
        return rc;
    if ((rc = event_attribute_find(*c, a, f, ref, e, at)) < 0) {
        store_end(*c, false);
        *c = NULL;
    }
    return rc;
}

int attributes_edit(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                    const struct attribute *in, struct attribute **out, struct diag *d)
{
    struct principal me;
    struct acl_filter f;
    caller_load(s, a, who, &me, &f);
    struct store_conn *c;
    struct event *e;
    int rc = attribute_write_begin(s, a, &f, ref, &c, &e, out);
    if (rc < 0)
        return rc;
    return write_end(c, event_attribute_edit(c, a, &me, e, *out, in, d));
}

int attributes_delete(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                      bool hard, int64_t *id, struct diag *d)
{
    struct principal me;
    struct acl_filter f;
    caller_load(s, a, who, &me, &f);
    struct store_conn *c;
    struct event *e;
    struct attribute *at;
    int rc = attribute_write_begin(s, a, &f, ref, &c, &e, &at);
    if (rc < 0)
        return rc;
    *id = at->id;
    if (!hard && at->deleted) {
        store_end(c, false);
        return ERR_NOTFOUND;
    }
    return write_end(c, event_attribute_delete(c, &me, e, at, hard, d));
}

int objects_add(struct svc *s, const struct principal *who, struct arena *a, const char *event_ref,
                struct object *o, struct diag *d)
{
    struct principal me;
    struct acl_filter f;
    caller_load(s, a, who, &me, &f);
    struct store_conn *c;
    struct event *e;
    int rc = event_write_begin(s, a, &f, event_ref, 0, &c, &e);
    if (rc < 0)
        return rc;
    return write_end(c, event_object_add(c, a, &me, e, o, "Object", d));
}

int objects_delete(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                   bool hard, int64_t *id, struct diag *d)
{
    struct principal me;
    struct acl_filter f;
    caller_load(s, a, who, &me, &f);
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    uint64_t oid = 0;
    char uuid[UUID_STR_LEN + 1] = "";
    struct object *o = NULL;
    struct event *e = NULL;
    if (parse_u64_all(str_from_cstr(ref), 1, INT64_MAX, &oid) < 0 &&
        !uuid_canonical(str_from_cstr(ref), uuid))
        rc = ERR_NOTFOUND;
    if (rc == 0)
        rc = store_object_get(c, a, (int64_t)oid, uuid, &o);
    if (rc == 0)
        rc = store_event_load(c, a, o->event_id, NULL, &f, 0, &e);
    if (rc == 0) {
        *id = o->id;
        rc = require_modify(&me, e, d);
    }
    if (rc == 0)
        rc = store_object_delete(c, o->id, hard);
    if (rc == 0)
        rc = store_event_touch(c, e->id, e->timestamp + 1);
    return write_end(c, rc);
}

int tags_list(struct svc *s, const struct principal *who, struct arena *a, const char *search,
              struct tag **out, size_t *n)
{
    (void)who; /* every caller may list the tags, as in MISP */
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    char *like = search ? arena_printf(a, "%%%s%%", search) : NULL;
    rc = store_tag_list(c, a, like, out, n);
    store_end(c, true);
    return rc;
}

int tags_add(struct svc *s, const struct principal *who, struct tag *t, const struct str *uuid,
             struct diag *d)
{
    if (!acl_can_edit_tags(who))
        return diag_set(d, ERR_FORBIDDEN, "", "you do not have permission to add tags");
    if (t->name == NULL || t->name[0] == '\0')
        return diag_set(d, ERR_INVAL, "name", "name is required");
    if (uuid == NULL)
        uuid_generate(t->uuid);
    else if (!uuid_canonical(*uuid, t->uuid))
        return diag_set(d, ERR_INVAL, "uuid", "not a valid uuid");
    t->timestamp = now_seconds();
    if (t->colour == NULL)
        t->colour = "#ffffff";
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    rc = write_end(c, store_tag_insert(c, t));
    if (rc == ERR_CONFLICT)
        return diag_set(d, ERR_CONFLICT, "name", "a tag with this name already exists");
    return rc;
}

int tags_change(struct svc *s, const struct principal *who, struct arena *a,
                const struct tag_change *in, struct diag *d)
{
    struct principal me;
    struct acl_filter f;
    caller_load(s, a, who, &me, &f);
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    struct event *e = NULL;
    struct attribute *at = NULL;
    const char *tag_name = in->tag_name;
    if (in->tag_id > 0) {
        struct tag *t;
        rc = store_tag_get(c, a, in->tag_id, NULL, &t);
        if (rc == 0)
            tag_name = t->name;
        else if (rc == ERR_NOTFOUND)
            rc = diag_set(d, ERR_NOTFOUND, "tag", "no tag with id %lld", (long long)in->tag_id);
    }
    if (rc == 0) {
        rc = store_event_load(c, a, 0, in->uuid, &f, 0, &e);
        if (rc == ERR_NOTFOUND) {
            rc = store_attribute_get(c, a, 0, in->uuid, &at);
            if (rc == 0)
                rc = store_event_load(c, a, at->event_id, NULL, &f, 0, &e);
            if (rc == ERR_NOTFOUND)
                diag_set(d, ERR_NOTFOUND, "uuid", "no visible event or attribute with this uuid");
        }
    }
    if (rc == 0)
        rc = in->attach ? event_tag_attach(c, a, &me, e, at, tag_name, in->local, d)
                        : event_tag_detach(c, a, &me, e, at, tag_name, d);
    return write_end(c, rc);
}

/* ---- liaison import ---- */

int events_import_principal(struct svc *s, struct arena *a, struct principal *out, struct diag *d)
{
    acl_principal_cli(NULL, out);
    struct instance inst;
    int rc = instance_init(s->store, s->cfg, &inst, d);
    if (rc < 0)
        return rc;
    struct store_conn *c;
    if ((rc = store_begin_read(s->store, &c)) < 0)
        return rc;
    struct org *o;
    rc = store_org_get(c, a, inst.host_org_id, NULL, NULL, &o);
    store_end(c, true);
    if (rc == 0)
        acl_principal_cli(o, out);
    return rc;
}

void events_import_init(struct events_import *im, struct svc *s, const struct principal *who)
{
    memset(im, 0, sizeof(*im));
    im->svc = s;
    im->who = who;
}

int events_import_file_begin(struct events_import *im)
{
    im->file_events = im->file_attrs = 0;
    int rc;
    if (im->c == NULL && (rc = store_begin_write(im->svc->store, &im->c)) < 0) {
        im->c = NULL;
        return rc;
    }
    return store_savepoint(im->c);
}

int events_import_add(struct events_import *im, struct arena *a, struct event *e, struct diag *d)
{
    int rc = event_create(im->c, a, im->who, e, d);
    if (rc < 0)
        return rc;
    im->file_events++;
    im->file_attrs += e->n_attrs;
    for (size_t j = 0; j < e->n_objects; j++)
        im->file_attrs += e->objects[j].n_attrs;
    return 0;
}

int events_import_file_end(struct events_import *im, bool keep)
{
    if (store_savepoint_end(im->c, keep) < 0 && keep)
        return ERR_DB;
    if (keep) {
        im->pending_events += im->file_events;
        im->pending_attrs += im->file_attrs;
        im->in_tx += im->file_attrs;
    }
    return 0;
}

int events_import_commit(struct events_import *im)
{
    if (im->c == NULL)
        return 0;
    int rc = store_end(im->c, true);
    im->c = NULL;
    im->in_tx = 0;
    if (rc < 0)
        return rc;
    im->events += im->pending_events;
    im->attrs += im->pending_attrs;
    im->pending_events = im->pending_attrs = 0;
    return 0;
}
