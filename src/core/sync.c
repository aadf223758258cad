/*
 * sync.c - pull and push over MISP's sync protocol.  See sync.h.
 *
 * Pull (MISP Server::pull): getVersion; POST events/index {minimal, published,
 * the link's pull rules} with the last ETag; the events newer than here are
 * fetched in parallel with GET events/view/UUID/deleted[]:0/deleted[]:1/
 * excludeGalaxy:1, rewritten for this side and saved in batches by
 * event_receive().  From a Liaison peer, also POST events/syncRevoked: the
 * synced copies it no longer shares are removed here.
 */
#include "core/sync.h"

#include "codec/json.h"
#include "codec/misp_json.h"
#include "core/acl.h"
#include "core/event.h"
#include "core/jobs.h"
#include "core/peer.h"
#include "core/sighting.h"
#include "core/uuid.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

/* An index answer lists every shared event in a few hundred bytes each. */
#define SYNC_INDEX_MAX ((size_t)1 << 30)
/* One event as the peer serves it: some 250 k attributes; with the parallel
 * fetches it bounds what a misbehaving peer can make this node hold. */
#define SYNC_EVENT_MAX ((size_t)128 << 20)
/* A batch is written in one transaction when it holds this many events or
 * attributes, whichever comes first. */
#define BATCH_EVENTS 64
#define BATCH_ATTRIBUTES 32768

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report_error(struct sync_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void report_error(struct sync_report *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_warnx("sync: %s", msg);
    if (r->error[0] == '\0')
        snprintf(r->error, sizeof(r->error), "%s", msg);
}

/* ---- received-side rewriting ---- */

static int downgrade(int dist)
{
    return dist == DIST_COMMUNITY ? DIST_ORG : dist == DIST_CONNECTED ? DIST_COMMUNITY : dist;
}

static void rewrite_attrs(struct attribute *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        v[i].distribution = downgrade(v[i].distribution);
        v[i].n_tags = acl_shared_tags(v[i].tags, v[i].n_tags);
    }
}

void sync_rewrite_pulled(struct event *e)
{
    e->distribution = downgrade(e->distribution < 0 ? DIST_COMMUNITY : e->distribution);
    e->n_tags = acl_shared_tags(e->tags, e->n_tags);
    e->locked = true;
    rewrite_attrs(e->attrs, e->n_attrs);
    for (size_t j = 0; j < e->n_objects; j++) {
        e->objects[j].distribution = downgrade(e->objects[j].distribution);
        rewrite_attrs(e->objects[j].attrs, e->objects[j].n_attrs);
    }
}

/* ---- sharing groups ---- */

static bool org_listed(const struct sharing_group *g, int64_t org_id, const char *uuid)
{
    if (g->org_id == org_id && org_id > 0)
        return true;
    if (uuid != NULL && g->org != NULL && strcmp(g->org->uuid, uuid) == 0)
        return true;
    for (size_t i = 0; i < g->n_orgs; i++) {
        if (org_id > 0 && g->orgs[i].org_id == org_id)
            return true;
        if (uuid != NULL && g->orgs[i].org != NULL && strcmp(g->orgs[i].org->uuid, uuid) == 0)
            return true;
    }
    return false;
}

/* Same base URL, a trailing '/' aside? */
static bool same_url(const char *x, const char *y)
{
    if (x == NULL || y == NULL || *x == '\0' || *y == '\0')
        return false;
    size_t nx = strlen(x), ny = strlen(y);
    while (nx > 0 && x[nx - 1] == '/')
        nx--;
    while (ny > 0 && y[ny - 1] == '/')
        ny--;
    return nx == ny && strncmp(x, y, nx) == 0;
}

/* Is the receiving organisation in g: listed, or on a server of g's list
 * with all_orgs that is this node (MISP's rule, by base URL)? */
static bool receiver_in(const struct sharing_group *g, const struct sync_receiver *rcv)
{
    if (org_listed(g, 0, rcv->member->uuid))
        return true;
    for (size_t i = 0; i < g->n_servers; i++)
        if (g->servers[i].all_orgs && same_url(g->servers[i].url, rcv->self_url))
            return true;
    return false;
}

/* The received group's servers as entries here: this node is server 0, a
 * peer this node has a link to is that link; others cannot be named here. */
static int capture_servers(struct store_conn *c, struct arena *a, const struct sync_receiver *rcv,
                           const struct sharing_group *g, int64_t sg_id)
{
    struct server *links = NULL;
    size_t n_links = 0;
    int rc = g->n_servers ? store_server_list(c, a, &links, &n_links) : 0;
    for (size_t i = 0; rc == 0 && i < g->n_servers; i++) {
        const struct sharing_group_server *e = &g->servers[i];
        int64_t id = -1;
        if (same_url(e->url, rcv->self_url))
            id = 0;
        for (size_t k = 0; id < 0 && k < n_links; k++)
            if (same_url(e->url, links[k].url))
                id = links[k].id;
        if (id >= 0)
            rc = store_sharing_group_server_set(c, sg_id, id, e->all_orgs);
    }
    return rc;
}

/* The local id of a received group the receiving organisation is in, found by
 * uuid or created with its members; 0 when the group was not sent or the
 * receiver is not in it.  For a group known here, membership is the group's
 * as kept here (acl_sharing_group_has_member), never the list the sender
 * claims: otherwise a peer outside a local group could put items into it. */
static int capture_group(struct store_conn *c, struct arena *a, const struct sync_receiver *rcv,
                         const struct sharing_group *g, int64_t *id, struct diag *d)
{
    *id = 0;
    if (g == NULL || g->uuid[0] == '\0')
        return 0;
    struct sharing_group *here;
    int rc = store_sharing_group_get(c, a, 0, g->uuid, &here);
    if (rc == 0) {
        if (acl_sharing_group_has_member(here, rcv->member->id))
            *id = here->id;
        return 0;
    }
    if (rc != ERR_NOTFOUND)
        return rc;
    if (!receiver_in(g, rcv))
        return 0;
    struct sharing_group n = *g;
    n.id = 0;
    n.local = false;
    n.active = true;
    n.created = n.modified = (int64_t)time(NULL);
    if (n.name == NULL || *n.name == '\0')
        n.name = arena_strdup(a, g->uuid);
    rc = n.org != NULL ? org_capture(c, a, n.org, 0, "SharingGroup.Organisation", &n.org_id, d) : 0;
    if (rc == 0 && n.org_id == 0)
        n.org_id = rcv->member->id;
    if (rc == 0 && (rc = store_sharing_group_insert(c, &n)) == ERR_CONFLICT) {
        /* another group here has that name: keep both, told apart */
        size_t len = strlen(n.name) + 16;
        char *name = arena_alloc(a, len);
        snprintf(name, len, "%s (%.8s)", n.name, g->uuid);
        n.name = name;
        rc = store_sharing_group_insert(c, &n);
    }
    for (size_t i = 0; rc == 0 && i < g->n_orgs; i++) {
        int64_t oid;
        if ((rc = org_capture(c, a, g->orgs[i].org, 0, "SharingGroup.SharingGroupOrg", &oid, d)) ==
            0)
            rc = store_sharing_group_org_set(c, n.id, oid, g->orgs[i].extend);
    }
    if (rc == 0)
        rc = capture_servers(c, a, rcv, g, n.id);
    if (rc == 0)
        *id = n.id;
    return rc;
}

static int capture_attrs(struct store_conn *c, struct arena *a, const struct sync_receiver *rcv,
                         struct attribute *v, size_t *n, struct diag *d)
{
    size_t kept = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < *n; i++) {
        if (v[i].distribution == DIST_SHARING_GROUP) {
            rc = capture_group(c, a, rcv, v[i].sharing_group, &v[i].sharing_group_id, d);
            if (v[i].sharing_group_id == 0)
                continue;
        }
        v[kept++] = v[i];
    }
    *n = kept;
    return rc;
}

int sync_capture_sharing_groups(struct store_conn *c, struct arena *a,
                                const struct sync_receiver *rcv, struct event *e, bool *keep,
                                struct diag *d)
{
    *keep = true;
    int rc = 0;
    if (e->distribution == DIST_SHARING_GROUP) {
        if ((rc = capture_group(c, a, rcv, e->sharing_group, &e->sharing_group_id, d)) < 0)
            return rc;
        if (e->sharing_group_id == 0) {
            *keep = false;
            return 0;
        }
    }
    if ((rc = capture_attrs(c, a, rcv, e->attrs, &e->n_attrs, d)) < 0)
        return rc;
    size_t kept = 0;
    for (size_t j = 0; rc == 0 && j < e->n_objects; j++) {
        struct object *o = &e->objects[j];
        if (o->distribution == DIST_SHARING_GROUP) {
            rc = capture_group(c, a, rcv, o->sharing_group, &o->sharing_group_id, d);
            if (o->sharing_group_id == 0)
                continue;
        }
        if (rc == 0)
            rc = capture_attrs(c, a, rcv, o->attrs, &o->n_attrs, d);
        e->objects[kept++] = *o;
    }
    e->n_objects = kept;
    return rc;
}

/* Loads the group of id into *out (cached per call in a small table). */
struct group_cache {
    struct sharing_group *v[16];
    size_t n;
};

/* Loads group id with its servers' URLs (this node's for server 0, a link's
 * for the others), cached per event. */
static int group_get(struct store_conn *c, struct arena *a, struct group_cache *gc,
                     const char *self_url, int64_t id, struct sharing_group **out)
{
    for (size_t i = 0; i < gc->n; i++)
        if (gc->v[i]->id == id) {
            *out = gc->v[i];
            return 0;
        }
    int rc = store_sharing_group_get(c, a, id, NULL, out);
    for (size_t i = 0; rc == 0 && i < (*out)->n_servers; i++) {
        struct sharing_group_server *e = &(*out)->servers[i];
        struct server *sv;
        if (e->server_id == 0) {
            e->url = self_url != NULL && *self_url != '\0' ? self_url : NULL;
        } else if ((rc = store_server_get(c, a, e->server_id, &sv)) == 0) {
            e->url = sv->url;
        } else if (rc == ERR_NOTFOUND) {
            rc = 0;
        }
    }
    if (rc == 0 && gc->n < sizeof(gc->v) / sizeof(gc->v[0]))
        gc->v[gc->n++] = *out;
    return rc;
}

int sync_attach_sharing_groups(struct store_conn *c, struct arena *a, const char *self_url,
                               struct event *e)
{
    struct group_cache gc = {.n = 0};
    int rc = 0;
    if (e->distribution == DIST_SHARING_GROUP)
        rc = group_get(c, a, &gc, self_url, e->sharing_group_id, &e->sharing_group);
    for (size_t i = 0; rc == 0 && i < e->n_attrs; i++)
        if (e->attrs[i].distribution == DIST_SHARING_GROUP)
            rc = group_get(c, a, &gc, self_url, e->attrs[i].sharing_group_id,
                           &e->attrs[i].sharing_group);
    for (size_t j = 0; rc == 0 && j < e->n_objects; j++) {
        struct object *o = &e->objects[j];
        if (o->distribution == DIST_SHARING_GROUP)
            rc = group_get(c, a, &gc, self_url, o->sharing_group_id, &o->sharing_group);
        for (size_t i = 0; rc == 0 && i < o->n_attrs; i++)
            if (o->attrs[i].distribution == DIST_SHARING_GROUP)
                rc = group_get(c, a, &gc, self_url, o->attrs[i].sharing_group_id,
                               &o->attrs[i].sharing_group);
    }
    return rc == ERR_NOTFOUND ? 0 : rc;
}

/* Push: may the items in a sharing group go to the link's peer?  Only if the
 * organisation running it is a member (or the group lists the link). */
static bool group_admits(const struct sharing_group *g, const struct server *sv)
{
    if (g == NULL)
        return false;
    if (org_listed(g, sv->remote_org_id, NULL))
        return true;
    for (size_t i = 0; i < g->n_servers; i++)
        if (g->servers[i].server_id == sv->id)
            return true;
    return false;
}

static size_t admit_attrs(struct attribute *v, size_t n, const struct server *sv)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].distribution != DIST_SHARING_GROUP || group_admits(v[i].sharing_group, sv))
            v[kept++] = v[i];
    return kept;
}

/* Removes from e what is in a sharing group the peer is not in; false when
 * that is the event itself. */
static bool admit_groups(struct event *e, const struct server *sv)
{
    if (e->distribution == DIST_SHARING_GROUP && !group_admits(e->sharing_group, sv))
        return false;
    e->n_attrs = admit_attrs(e->attrs, e->n_attrs, sv);
    size_t kept = 0;
    for (size_t j = 0; j < e->n_objects; j++) {
        struct object *o = &e->objects[j];
        if (o->distribution == DIST_SHARING_GROUP && !group_admits(o->sharing_group, sv))
            continue;
        o->n_attrs = admit_attrs(o->attrs, o->n_attrs, sv);
        e->objects[kept++] = *o;
    }
    e->n_objects = kept;
    return true;
}

/* ---- the link, its state and the acting principal ---- */

struct link {
    struct arena *a;
    struct server *sv;
    struct sync_state *state;
    /* acting through the link: its organisation here, which owns what is
     * pulled (MISP's Event::_add with the server's org_id) */
    struct principal actor;
    /* the peer itself, as its sync user here would act: the remote
     * organisation, no site admin; what it sends onto data here other than
     * the copies it sent us, such as sightings, is checked as this */
    struct principal peer;
    const char *self_url; /* this node's base URL (sharing groups' server lists) */
};

static int link_load(struct store *s, int64_t server_id, bool push, struct link *l,
                     struct sync_report *r)
{
    memset(l, 0, sizeof(*l));
    l->a = arena_new();
    struct store_conn *c;
    int rc = store_begin_read(s, &c);
    if (rc < 0)
        return rc;
    struct org *owner = NULL;
    rc = store_server_get(c, l->a, server_id, &l->sv);
    if (rc == 0)
        rc = store_sync_state_get(c, l->a, server_id, push, &l->state);
    if (rc == 0)
        rc = store_org_get(c, l->a, l->sv->org_id, NULL, NULL, &owner);
    store_end(c, true);
    if (rc == ERR_NOTFOUND) {
        report_error(r, "no sync link %lld", (long long)server_id);
        return rc;
    }
    if (rc < 0 || owner == NULL)
        return rc < 0 ? rc : ERR_DB;
    l->actor.org = *owner;
    l->actor.user.org_id = owner->id;
    l->actor.role.name = "sync";
    l->actor.role.perms = PERM_BIT(PERM_ADD) | PERM_BIT(PERM_MODIFY) | PERM_BIT(PERM_MODIFY_ORG) |
                          PERM_BIT(PERM_PUBLISH) | PERM_BIT(PERM_SYNC) | PERM_BIT(PERM_TAGGER) |
                          PERM_BIT(PERM_SITE_ADMIN);
    l->actor.sharing_groups = id_set_none();
    memset(&l->peer, 0, sizeof(l->peer));
    l->peer.org.id = l->sv->remote_org_id;
    l->peer.user.org_id = l->sv->remote_org_id;
    l->peer.role.name = "sync";
    l->peer.role.perms = PERM_BIT(PERM_ADD) | PERM_BIT(PERM_SYNC) | PERM_BIT(PERM_SIGHTING);
    return 0;
}

/* Records how the run went (the checkpoint fields were set by the caller). */
static void link_save(struct store *s, struct link *l, const struct sync_report *r, bool ok)
{
    struct sync_state *st = l->state;
    st->last_run = (int64_t)time(NULL);
    if (ok)
        st->last_success = st->last_run;
    st->last_error = (char *)r->error;
    st->events = r->created + r->updated;
    st->attributes = r->attributes;
    st->failures = r->failed;
    st->sightings = r->sightings;
    st->total_events += r->created + r->updated;
    struct store_conn *c;
    if (store_begin_write(s, &c) < 0)
        return;
    int rc = store_sync_state_put(c, st);
    store_end(c, rc == 0);
}

/* ---- pull ---- */

struct offered {
    char uuid[UUID_STR_LEN + 1];
    int64_t timestamp;
    int64_t sighting_timestamp;
    bool wanted;
};

static int cmp_offered_uuid(const void *x, const void *y)
{
    return strcmp(((const struct offered *)x)->uuid, ((const struct offered *)y)->uuid);
}

static int cmp_offered_time(const void *x, const void *y)
{
    int64_t a = ((const struct offered *)x)->timestamp, b = ((const struct offered *)y)->timestamp;
    return (a > b) - (a < b);
}

struct offer_list {
    struct offered *v;
    size_t n;
};

static int on_local_stamp(void *ctx, const char *uuid, int64_t timestamp, bool locked)
{
    struct offer_list *o = ctx;
    struct offered key = {.timestamp = 0};
    snprintf(key.uuid, sizeof(key.uuid), "%s", uuid);
    struct offered *hit = bsearch(&key, o->v, o->n, sizeof(*o->v), cmp_offered_uuid);
    if (hit != NULL && (!locked || timestamp >= hit->timestamp))
        hit->wanted = false;
    return 0;
}

/* The pull rules as events/index filters (MISP Server::filterRuleToParameter):
 * {"tags": {"OR": [a], "NOT": [b]}} becomes "tag": ["a", "!b"]. */
static void write_rule_filters(struct buf *b, struct arena *a, const char *rules)
{
    struct json_value *root;
    struct diag d;
    diag_clear(&d);
    if (rules == NULL || *rules == '\0' || json_parse(a, rules, strlen(rules), 8, &root, &d) < 0 ||
        !json_is(root, JSON_OBJECT))
        return;
    static const struct {
        const char *rule, *filter;
    } map[] = {{"tags", "tag"}, {"orgs", "org"}};
    for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
        const struct json_value *r = json_get(root, map[k].rule);
        bool any = false;
        for (int neg = 0; neg < 2 && r != NULL; neg++) {
            const struct json_value *list = json_get(r, neg ? "NOT" : "OR");
            for (size_t i = 0; json_is(list, JSON_ARRAY) && i < list->len; i++) {
                struct str s;
                if (!json_as_str(&list->u.items[i], &s) || s.len == 0)
                    continue;
                buf_printf(b, any ? "," : ",\"%s\":[", map[k].filter);
                any = true;
                struct json_writer w;
                json_writer_init(&w, b, false);
                char *text = arena_alloc(a, s.len + 2);
                snprintf(text, s.len + 2, "%s%.*s", neg ? "!" : "", (int)s.len, s.ptr);
                json_write_cstr(&w, text);
            }
        }
        if (any)
            buf_putc(b, ']');
    }
}

/* Reads the peer's minimal index into o (uuids checked; bad items reported). */
static int read_index(struct arena *a, const struct buf *body, struct offer_list *o,
                      struct sync_report *r)
{
    struct json_value *root;
    struct diag d;
    diag_clear(&d);
    if (json_parse(a, body->ptr ? body->ptr : "", body->len, 16, &root, &d) < 0) {
        report_error(r, "the peer's event index is not JSON (line %u, column %u: %s)", d.line,
                     d.col, d.msg);
        return ERR_INVAL;
    }
    if (json_is(root, JSON_OBJECT) && json_get(root, "uuid") != NULL) {
        /* an old MISP answers a single event bare */
        struct json_value *one = arena_calloc(a, 1, sizeof(*one));
        one->type = JSON_ARRAY;
        one->len = 1;
        one->u.items = root;
        root = one;
    }
    if (!json_is(root, JSON_ARRAY)) {
        report_error(r, "the peer's event index is not a list of events");
        return ERR_INVAL;
    }
    o->v = arena_calloc(a, root->len ? root->len : 1, sizeof(*o->v));
    o->n = 0;
    for (size_t i = 0; i < root->len; i++) {
        const struct json_value *e = &root->u.items[i];
        const struct json_value *inner = json_get(e, "Event");
        if (inner != NULL)
            e = inner;
        struct offered *x = &o->v[o->n];
        struct str us;
        r->listed++;
        if (!json_as_str(json_get(e, "uuid"), &us) || !uuid_canonical(us, x->uuid) ||
            !json_as_i64(json_get(e, "timestamp"), &x->timestamp) || x->timestamp <= 0) {
            r->failed++;
            report_error(r, "the peer's event index item %zu has no valid uuid and timestamp", i);
            continue;
        }
        if (!json_as_i64(json_get(e, "sighting_timestamp"), &x->sighting_timestamp))
            x->sighting_timestamp = 0;
        x->wanted = true;
        o->n++;
    }
    return 0;
}

/* Marks which offered events are newer than here; sorts them oldest first. */
static int mark_wanted(struct store *s, struct offer_list *o, struct sync_report *r)
{
    qsort(o->v, o->n, sizeof(*o->v), cmp_offered_uuid);
    const char **list = calloc(o->n ? o->n : 1, sizeof(*list));
    if (list == NULL)
        return ERR_IO;
    for (size_t i = 0; i < o->n; i++)
        list[i] = o->v[i].uuid;
    struct store_conn *c;
    int rc = store_begin_read(s, &c);
    if (rc == 0) {
        rc = store_event_stamps(c, (struct str_set){list, o->n}, on_local_stamp, o);
        store_end(c, true);
    }
    free(list);
    if (rc < 0)
        return rc;
    size_t kept = 0;
    for (size_t i = 0; i < o->n; i++) {
        if (i > 0 && strcmp(o->v[i].uuid, o->v[i - 1].uuid) == 0)
            continue; /* listed twice */
        if (o->v[i].wanted)
            o->v[kept++] = o->v[i];
        else
            r->unchanged++;
    }
    o->n = kept;
    r->wanted = (int64_t)kept;
    qsort(o->v, o->n, sizeof(*o->v), cmp_offered_time);
    return 0;
}

struct received {
    struct arena *a;
    struct event *e;
    int rc; /* event_receive's answer */
    enum receive_result res;
    struct diag d;
};

struct batch {
    struct received items[BATCH_EVENTS];
    size_t n, attrs;
};

/*
 * A pull's events go from the fetching thread (peer_call_many's callbacks:
 * parse, decode, rewrite, batch) to a writer thread through a one-batch
 * hand-over, so that fetching goes on while a batch is written.
 */
struct pull_run {
    struct store *s;
    struct link *l;
    struct offer_list *o;
    struct sync_report *r; /* the fetching side's counts */
    bool exact;
    struct batch *filling;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct batch *queued;  /* handed to the writer, or NULL */
    bool done;             /* no more batches will come */
    int write_rc;          /* the writer's first fatal error */
    struct sync_report wr; /* the writer's counts, merged at the end */
    int64_t newest;        /* the newest event timestamp saved */
};

static size_t event_attr_total(const struct event *e)
{
    size_t n = e->n_attrs;
    for (size_t j = 0; j < e->n_objects; j++)
        n += e->objects[j].n_attrs;
    return n;
}

static void batch_free(struct batch *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->n; i++)
        arena_free(b->items[i].a);
    free(b);
}

static bool is_fatal(int rc)
{
    return rc == ERR_DB || rc == ERR_IO;
}

/* Writes b's events in transaction c; each with its own savepoint when
 * `guarded`, so that a bad one is undone alone.  Returns a fatal error, or
 * ERR_INVAL (unguarded) when some event was refused. */
static int write_events(struct pull_run *p, struct store_conn *c, struct batch *b, bool guarded)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        struct received *x = &b->items[i];
        diag_clear(&x->d);
        x->res = RECEIVE_NOT_NEWER;
        if (guarded && (rc = store_savepoint(c)) < 0)
            break;
        bool keep = true;
        struct sync_receiver rcv = {&p->l->actor.org, p->l->self_url};
        x->rc = sync_capture_sharing_groups(c, x->a, &rcv, x->e, &keep, &x->d);
        if (x->rc == 0 && keep)
            x->rc = event_receive(c, x->a, &p->l->actor, x->e, p->exact, &x->res, &x->d);
        if (x->rc == 0 && (x->res == RECEIVE_CREATED || x->res == RECEIVE_UPDATED))
            x->rc = store_event_origin_set(c, x->e->id, p->l->sv->id);
        if (guarded && (rc = store_savepoint_end(c, x->rc == 0)) < 0)
            break;
        if (is_fatal(x->rc))
            rc = x->rc;
        else if (x->rc < 0 && !guarded)
            rc = ERR_INVAL;
    }
    return rc;
}

/* Writes a batch in one transaction.  Almost always every event is fine and
 * the batch goes in without savepoints (each one costs a statement journal
 * of every page it touches); when one is refused the transaction is undone
 * and the batch written again, one savepoint per event. */
static int write_batch(struct pull_run *p, struct batch *b)
{
    struct store_conn *c;
    int rc = store_begin_write(p->s, &c);
    if (rc < 0)
        return rc;
    rc = write_events(p, c, b, false);
    if (rc == ERR_INVAL) {
        store_end(c, false);
        if ((rc = store_begin_write(p->s, &c)) < 0)
            return rc;
        rc = write_events(p, c, b, true);
    }
    rc = store_end(c, rc == 0) < 0 && rc == 0 ? ERR_DB : rc;
    if (rc < 0)
        return rc;
    struct sync_report *w = &p->wr;
    for (size_t i = 0; i < b->n; i++) {
        struct received *x = &b->items[i];
        if (x->rc < 0) {
            w->failed++;
            report_error(w, "event %s: %s%s%s", x->e->uuid, x->d.field, x->d.field[0] ? ": " : "",
                         x->d.msg[0] ? x->d.msg : err_str(x->rc));
            continue;
        }
        if (x->res == RECEIVE_CREATED)
            w->created++;
        else if (x->res == RECEIVE_UPDATED)
            w->updated++;
        else
            w->unchanged++;
        if (x->res == RECEIVE_CREATED || x->res == RECEIVE_UPDATED)
            w->attributes += (int64_t)event_attr_total(x->e);
        if (x->e->timestamp > p->newest)
            p->newest = x->e->timestamp;
    }
    return 0;
}

static void *writer_main(void *arg)
{
    struct pull_run *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (p->queued == NULL && !p->done)
            pthread_cond_wait(&p->cond, &p->lock);
        struct batch *b = p->queued;
        p->queued = NULL;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        if (b == NULL)
            break;
        int rc = write_batch(p, b);
        batch_free(b);
        if (rc < 0) {
            pthread_mutex_lock(&p->lock);
            p->write_rc = rc;
            pthread_cond_broadcast(&p->cond);
            pthread_mutex_unlock(&p->lock);
            break;
        }
    }
    return NULL;
}

/* Hands the filling batch to the writer (waiting while it has one queued);
 * returns the writer's fatal error, if any. */
static int hand_over(struct pull_run *p)
{
    if (p->filling == NULL || p->filling->n == 0)
        return 0;
    pthread_mutex_lock(&p->lock);
    while (p->queued != NULL && p->write_rc == 0)
        pthread_cond_wait(&p->cond, &p->lock);
    int rc = p->write_rc;
    if (rc == 0) {
        p->queued = p->filling;
        p->filling = NULL;
        pthread_cond_broadcast(&p->cond);
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

static int on_event(void *ctx, size_t i, struct peer_reply *reply)
{
    struct pull_run *p = ctx;
    const char *uuid = p->o->v[i].uuid;
    if (reply->status != 200) {
        p->r->failed++;
        if (reply->status == 0)
            report_error(p->r, "event %s: %s", uuid, reply->error);
        else
            report_error(p->r, "event %s: the peer answered HTTP %ld", uuid, reply->status);
        return 0;
    }
    struct arena *a = arena_new();
    struct json_value *root;
    struct event *e = NULL;
    struct diag d;
    diag_clear(&d);
    int rc = json_parse(a, reply->body.ptr ? reply->body.ptr : "", reply->body.len,
                        LIMIT_JSON_DEPTH, &root, &d);
    if (rc == 0)
        rc = misp_event_decode(a, root, &e, &d);
    if (rc == 0 && (e == NULL || strcmp(e->uuid, uuid) != 0))
        rc = diag_set(&d, ERR_INVAL, "Event.uuid", "the peer sent event %s for %s",
                      e ? e->uuid : "(none)", uuid);
    if (rc != 0 || e == NULL) {
        arena_free(a);
        p->r->failed++;
        report_error(p->r, "event %s: %s%s%s", uuid, d.field[0] ? d.field : "",
                     d.field[0] ? ": " : "", d.msg[0] ? d.msg : err_str(rc));
        return 0;
    }
    sync_rewrite_pulled(e);
    if (p->filling == NULL && (p->filling = calloc(1, sizeof(*p->filling))) == NULL) {
        arena_free(a);
        return ERR_IO;
    }
    struct batch *b = p->filling;
    b->items[b->n].a = a;
    b->items[b->n].e = e;
    b->n++;
    b->attrs += event_attr_total(e);
    if (b->n == BATCH_EVENTS || b->attrs >= BATCH_ATTRIBUTES)
        return hand_over(p);
    return 0;
}

/* Fetches the wanted events (parallel, bounded) and has them written. */
static int fetch_and_write(struct store *s, struct link *l, struct offer_list *offers,
                           unsigned parallel, struct sync_report *r)
{
    struct peer_call *calls = calloc(offers->n ? offers->n : 1, sizeof(*calls));
    struct pull_run *p = calloc(1, sizeof(*p));
    if (calls == NULL || p == NULL) {
        free(calls);
        free(p);
        return ERR_IO;
    }
    for (size_t i = 0; i < offers->n; i++) {
        char *path = arena_alloc(l->a, 160);
        snprintf(path, 160,
                 "/events/view/%s/deleted[]:0/deleted[]:1/excludeGalaxy:1/"
                 "includeEventCorrelations:0",
                 offers->v[i].uuid);
        calls[i].method = "GET";
        calls[i].path = path;
    }
    p->s = s;
    p->l = l;
    p->o = offers;
    p->r = r;
    p->exact = r->liaison_peer;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    pthread_t writer;
    int rc = pthread_create(&writer, NULL, writer_main, p) == 0 ? 0 : ERR_IO;
    if (rc == 0) {
        rc = peer_call_many(l->sv, calls, offers->n, parallel, SYNC_EVENT_MAX, on_event, p);
        if (rc == 0)
            rc = hand_over(p);
        pthread_mutex_lock(&p->lock);
        p->done = true;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        pthread_join(writer, NULL);
        if (rc == 0)
            rc = p->write_rc;
    }
    batch_free(p->filling);
    batch_free(p->queued);
    r->created += p->wr.created;
    r->updated += p->wr.updated;
    r->unchanged += p->wr.unchanged;
    r->failed += p->wr.failed;
    r->attributes += p->wr.attributes;
    if (r->error[0] == '\0')
        memcpy(r->error, p->wr.error, sizeof(r->error));
    if (p->newest > l->state->last_timestamp)
        l->state->last_timestamp = p->newest;
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    free(p);
    free(calls);
    return rc;
}

struct uuid_set {
    struct arena *a;
    char (*v)[UUID_STR_LEN + 1];
    size_t n, cap;
};

static int on_synced(void *ctx, const char *uuid)
{
    struct uuid_set *set = ctx;
    set->v = arena_grow(set->a, set->v, set->n, &set->cap, sizeof(*set->v));
    snprintf(set->v[set->n++], UUID_STR_LEN + 1, "%s", uuid);
    return 0;
}

static int cmp_uuid(const void *x, const void *y)
{
    return strcmp(x, y);
}

/* Liaison peers: asks which of the copies pulled from them they no longer
 * share (deleted there, distribution narrowed, TLP) and removes those here. */
static int pull_revocations(struct store *s, struct link *l, struct sync_report *r)
{
    struct uuid_set mine = {l->a, NULL, 0, 0};
    struct store_conn *c;
    int rc = store_begin_read(s, &c);
    if (rc < 0)
        return rc;
    rc = store_synced_events(c, l->sv->id, on_synced, &mine);
    store_end(c, true);
    if (rc < 0 || mine.n == 0)
        return rc;
    qsort(mine.v, mine.n, sizeof(*mine.v), cmp_uuid);
    struct buf list;
    buf_init(&list, SYNC_INDEX_MAX);
    buf_putc(&list, '[');
    for (size_t i = 0; i < mine.n; i++)
        buf_printf(&list, "%s\"%s\"", i ? "," : "", mine.v[i]);
    buf_putc(&list, ']');
    struct peer_reply reply;
    peer_reply_init(&reply, SYNC_INDEX_MAX);
    rc = list.err
             ? ERR_TOOBIG
             : peer_request(l->sv, "POST", "/events/syncRevoked", list.ptr, list.len, NULL, &reply);
    buf_free(&list);
    struct json_value *root = NULL;
    struct diag d;
    diag_clear(&d);
    if (rc == 0 && reply.status != 200) {
        report_error(r, "events/syncRevoked: the peer answered HTTP %ld", reply.status);
        rc = ERR_IO;
    } else if (rc < 0) {
        report_error(r, "events/syncRevoked: %s", reply.error[0] ? reply.error : err_str(rc));
    } else if (json_parse(l->a, reply.body.ptr ? reply.body.ptr : "", reply.body.len, 4, &root,
                          &d) < 0 ||
               !json_is(root, JSON_ARRAY)) {
        report_error(r, "events/syncRevoked: the answer is not a list of uuids");
        rc = ERR_INVAL;
    }
    peer_reply_free(&reply);
    if (rc == 0 && root->len > 0 && (rc = store_begin_write(s, &c)) == 0) {
        struct acl_filter all;
        acl_filter_system(&all, false);
        for (size_t i = 0; rc == 0 && i < root->len; i++) {
            struct str us;
            char uuid[UUID_STR_LEN + 1];
            struct event *e;
            /* only copies that came from this peer, never one created here */
            if (!json_as_str(&root->u.items[i], &us) || !uuid_canonical(us, uuid) ||
                bsearch(uuid, mine.v, mine.n, sizeof(*mine.v), cmp_uuid) == NULL)
                continue;
            int lrc = store_event_load(c, l->a, 0, uuid, &all, 0, &e);
            if (lrc == ERR_NOTFOUND || (lrc == 0 && !e->locked))
                continue;
            if ((rc = lrc) == 0 && (rc = store_event_purge(c, e->id)) == 0)
                r->removed++;
        }
        rc = store_end(c, rc == 0) < 0 && rc == 0 ? ERR_DB : rc;
    }
    return rc;
}

/* ---- sightings, pulled ---- */

/* Sightings are asked for this many events at a time. */
#define SIGHTING_CHUNK 100
/* The peer's sighting_timestamp may run a little ahead of its clock: events
 * this close to the checkpoint are asked again (sightings dedupe by uuid). */
#define SIGHTING_MARGIN 60

struct sighted {
    char (*uuids)[UUID_STR_LEN + 1];
    size_t n;
    int64_t newest; /* the newest sighting_timestamp among them (the next checkpoint) */
};

static int note_sighted(struct link *l, const struct offer_list *o, struct sighted *out)
{
    out->uuids = arena_alloc(l->a, (o->n ? o->n : 1) * sizeof(*out->uuids));
    int64_t since = l->state->last_sighting - SIGHTING_MARGIN;
    for (size_t i = 0; i < o->n; i++) {
        int64_t st = o->v[i].sighting_timestamp;
        if (st <= 0 || st <= since)
            continue;
        memcpy(out->uuids[out->n++], o->v[i].uuid, UUID_STR_LEN + 1);
        if (st > out->newest)
            out->newest = st;
    }
    return 0;
}

/* Saves the sightings of one chunk of events: one transaction, a savepoint
 * per event (an event not here, e.g. left out by the pull rules, is skipped). */
/* Where a pull's sightings may land (issue 10: never onto an event not shared
 * with the peer): the copies this link delivered (sorted uuids), or else what
 * the peer may reach as its sync user here.  Read once per pull. */
struct sighting_reach {
    struct acl_filter seen;
    struct uuid_set from_link;
};

static int sighting_reach_load(struct store *s, struct link *l, struct sighting_reach *out)
{
    out->from_link = (struct uuid_set){l->a, NULL, 0, 0};
    int rc = acl_filter_load(s, l->a, &l->peer, NULL, &out->seen);
    struct store_conn *c;
    if (rc < 0 || (rc = store_begin_read(s, &c)) < 0)
        return rc;
    rc = store_synced_events(c, l->sv->id, on_synced, &out->from_link);
    store_end(c, true);
    if (rc == 0 && out->from_link.n)
        qsort(out->from_link.v, out->from_link.n, sizeof(*out->from_link.v), cmp_uuid);
    return rc;
}

static int save_sightings(struct store *s, struct link *l, const struct sighting_reach *reach,
                          struct arena *a, const struct json_value *list,
                          char (*uuids)[UUID_STR_LEN + 1], size_t n, struct sync_report *r)
{
    struct sighting *v = arena_alloc(a, (list->len ? list->len : 1) * sizeof(*v));
    const char **event_of = arena_alloc(a, (list->len ? list->len : 1) * sizeof(*event_of));
    size_t k = 0;
    for (size_t i = 0; i < list->len; i++) {
        const struct json_value *item = &list->u.items[i];
        const struct json_value *inner = json_get(item, "Sighting");
        struct str eu;
        struct diag d;
        diag_clear(&d);
        if (inner == NULL)
            inner = item;
        if (!json_as_str(json_get(inner, "event_uuid"), &eu) ||
            misp_sighting_decode(a, inner, "Sighting", &v[k], &d) < 0) {
            r->failed++;
            report_error(r, "sightings: item %zu: %s", i, d.msg[0] ? d.msg : "no event_uuid");
            continue;
        }
        event_of[k++] = arena_strndup(a, eu.ptr, eu.len);
    }
    /* deletions as acl_can_peer_delete_sighting allows, whichever filter */
    struct acl_filter own;
    acl_filter_system(&own, true);
    const struct uuid_set *from_link = &reach->from_link;
    struct store_conn *c;
    int rc = store_begin_write(s, &c);
    if (rc < 0)
        return rc;
    struct sighting *mine = arena_alloc(a, (k ? k : 1) * sizeof(*mine));
    for (size_t e = 0; rc == 0 && e < n; e++) {
        size_t m = 0;
        for (size_t i = 0; i < k; i++)
            if (strcmp(event_of[i], uuids[e]) == 0)
                mine[m++] = v[i];
        if (m == 0)
            continue;
        struct sighting_bulk_result res;
        struct diag d;
        diag_clear(&d);
        if ((rc = store_savepoint(c)) < 0)
            break;
        bool ours = from_link->n && bsearch(uuids[e], from_link->v, from_link->n,
                                            sizeof(*from_link->v), cmp_uuid) != NULL;
        int brc = sighting_bulk_save(c, a, &l->peer, ours ? &own : &reach->seen, uuids[e], mine,
                                     m, &res, &d);
        if ((rc = store_savepoint_end(c, brc == 0)) < 0)
            break;
        if (brc == ERR_DB || brc == ERR_IO) {
            rc = brc;
        } else if (brc < 0 && brc != ERR_NOTFOUND) {
            r->failed++;
            report_error(r, "sightings of event %s: %s%s%s", uuids[e], d.field,
                         d.field[0] ? ": " : "", d.msg);
        } else if (brc == 0) {
            r->sightings += (int64_t)(res.saved + res.removed);
        }
    }
    return store_end(c, rc == 0) < 0 && rc == 0 ? ERR_DB : rc;
}

/* POST sightings/restSearch/event for the events whose sightings moved. */
static int pull_sightings(struct store *s, struct link *l, struct sighted *sd,
                          struct sync_report *r)
{
    struct sighting_reach reach;
    int rc = sd->n ? sighting_reach_load(s, l, &reach) : 0;
    if (rc < 0)
        return rc;
    for (size_t at = 0; rc == 0 && at < sd->n; at += SIGHTING_CHUNK) {
        size_t n = sd->n - at < SIGHTING_CHUNK ? sd->n - at : SIGHTING_CHUNK;
        struct buf q;
        buf_init(&q, LIMIT_BODY_MAX);
        buf_puts(&q, "{\"returnFormat\":\"json\",\"includeUuid\":1,\"from\":1,");
        if (r->liaison_peer)
            buf_puts(&q, "\"includeDeleted\":1,");
        buf_puts(&q, "\"uuid\":[");
        for (size_t i = 0; i < n; i++)
            buf_printf(&q, "%s\"%s\"", i ? "," : "", sd->uuids[at + i]);
        buf_puts(&q, "]}");
        struct peer_reply reply;
        peer_reply_init(&reply, SYNC_INDEX_MAX);
        rc = peer_request(l->sv, "POST", "/sightings/restSearch/event", q.ptr, q.len, NULL, &reply);
        buf_free(&q);
        struct arena *a = arena_new();
        struct json_value *root = NULL;
        const struct json_value *list = NULL;
        struct diag d;
        diag_clear(&d);
        if (rc < 0) {
            report_error(r, "sightings/restSearch: %s", reply.error);
        } else if (reply.status != 200) {
            report_error(r, "sightings/restSearch: the peer answered HTTP %ld", reply.status);
            rc = ERR_IO;
        } else if (json_parse(a, reply.body.ptr ? reply.body.ptr : "", reply.body.len,
                              LIMIT_JSON_DEPTH, &root, &d) < 0 ||
                   !json_is((list = json_get(root, "response")), JSON_ARRAY)) {
            report_error(r, "sightings/restSearch: the answer is not {\"response\": [...]}");
            rc = ERR_INVAL;
        }
        peer_reply_free(&reply);
        if (rc == 0 && list->len > 0)
            rc = save_sightings(s, l, &reach, a, list, sd->uuids + at, n, r);
        arena_free(a);
    }
    /* a peer without sightings (an old MISP) is not a failed pull */
    if (rc == ERR_IO || rc == ERR_INVAL) {
        r->failed++;
        rc = 0;
    }
    return rc;
}

static int pull_run(struct store *s, struct link *l, const struct sync_opts *o,
                    struct sync_report *r)
{
    struct server *sv = l->sv;
    if (!sv->pull) {
        report_error(r, "pulling is not enabled on link %lld (%s): set pull on it first",
                     (long long)sv->id, sv->name);
        return ERR_FORBIDDEN;
    }
    struct peer_version v;
    enum peer_status st = peer_test(sv, o->self_uuid, &v);
    if (st != PEER_OK && st != PEER_NOT_SYNC_USER) {
        report_error(r, "%s: %s", peer_status_name(st), v.message);
        return ERR_IO;
    }
    r->liaison_peer = v.liaison_sync >= 1;
    struct buf q;
    buf_init(&q, LIMIT_BODY_MAX);
    buf_puts(&q, "{\"minimal\":1,\"published\":1");
    write_rule_filters(&q, l->a, sv->pull_rules);
    buf_putc(&q, '}');
    struct peer_reply reply;
    peer_reply_init(&reply, SYNC_INDEX_MAX);
    int rc = peer_request(sv, "POST", "/events/index", q.ptr, q.len,
                          o->full ? NULL : l->state->etag, &reply);
    buf_free(&q);
    if (rc < 0) {
        report_error(r, "events/index: %s", reply.error);
    } else if (reply.status == 304) {
        r->not_modified = true;
    } else if (reply.status != 200) {
        report_error(r, "events/index: the peer answered HTTP %ld", reply.status);
        rc = ERR_IO;
    }
    struct offer_list offers = {NULL, 0};
    char etag[80];
    snprintf(etag, sizeof(etag), "%s", reply.etag);
    if (rc == 0 && !r->not_modified)
        rc = read_index(l->a, &reply.body, &offers, r);
    peer_reply_free(&reply);
    /* the events with sightings newer than the checkpoint, before
     * mark_wanted keeps only the events to fetch */
    struct sighted sighted = {NULL, 0, l->state->last_sighting};
    if (rc == 0 && !r->not_modified)
        rc = note_sighted(l, &offers, &sighted);
    if (rc == 0 && !r->not_modified)
        rc = mark_wanted(s, &offers, r);
    if (rc < 0 || r->not_modified)
        return rc;

    rc = fetch_and_write(s, l, &offers, o->parallel ? o->parallel : SYNC_PARALLEL_DEFAULT, r);
    if (rc == 0 && r->liaison_peer)
        rc = pull_revocations(s, l, r);
    int64_t failed = r->failed;
    if (rc == 0)
        rc = pull_sightings(s, l, &sighted, r);
    if (rc == 0 && r->failed == failed)
        l->state->last_sighting = sighted.newest;
    /* The ETag stands for the index just handled: keep it only when every
     * event in it landed, so that failures are retried next time. */
    if (rc == 0 && r->failed == 0)
        l->state->etag = arena_strdup(l->a, etag);
    return rc;
}

/* ---- push ---- */

/* The events pushed per round: loaded, encoded, offered, sent. */
#define PUSH_CHUNK 100

/* A link's push rules: {"tags": {"OR": [..], "NOT": [..]}, "orgs": {...}}. */
struct rules {
    const struct json_value *tags_or, *tags_not, *orgs_or, *orgs_not;
};

static void rules_load(struct arena *a, const char *text, struct rules *out)
{
    memset(out, 0, sizeof(*out));
    struct json_value *root;
    struct diag d;
    diag_clear(&d);
    if (text == NULL || *text == '\0' || json_parse(a, text, strlen(text), 8, &root, &d) < 0 ||
        !json_is(root, JSON_OBJECT))
        return;
    const struct json_value *t = json_get(root, "tags"), *g = json_get(root, "orgs");
    out->tags_or = json_get(t, "OR");
    out->tags_not = json_get(t, "NOT");
    out->orgs_or = json_get(g, "OR");
    out->orgs_not = json_get(g, "NOT");
}

static bool listed(const struct json_value *list, const char *a, const char *b, int64_t id)
{
    if (list == NULL || list->type != JSON_ARRAY)
        return false;
    for (size_t i = 0; i < list->len; i++) {
        const struct json_value *v = &list->u.items[i];
        struct str sv;
        int64_t n;
        if (json_as_str(v, &sv) && sv.len > 0 &&
            ((a && str_eq_cstr(sv, a)) || (b && str_eq_cstr(sv, b))))
            return true;
        if (id > 0 && json_as_i64(v, &n) && n == id)
            return true;
    }
    return false;
}

static bool has_items(const struct json_value *list)
{
    return list != NULL && list->type == JSON_ARRAY && list->len > 0;
}

/* MISP's push rules: the event needs one of the OR tags (if any) and none of
 * the NOT tags; its creator organisation (by name, uuid or id) likewise. */
static bool rules_pass(const struct rules *ru, const struct event *e)
{
    bool any = false;
    for (size_t i = 0; i < e->n_tags; i++) {
        if (listed(ru->tags_not, e->tags[i].tag.name, NULL, 0))
            return false;
        any = any || listed(ru->tags_or, e->tags[i].tag.name, NULL, 0);
    }
    if (has_items(ru->tags_or) && !any)
        return false;
    const char *name = e->orgc ? e->orgc->name : NULL, *uuid = e->orgc ? e->orgc->uuid : NULL;
    if (listed(ru->orgs_not, name, uuid, e->orgc_id))
        return false;
    return !has_items(ru->orgs_or) || listed(ru->orgs_or, name, uuid, e->orgc_id);
}

/* What a push sends (MISP's Event::__updateEventForSync): "connected
 * communities" goes out as "this community"; the TLP cut and the children
 * below 2 were removed by acl_sync_trim(e, 2). */
static void rewrite_pushed(struct event *e)
{
    if (e->distribution == DIST_CONNECTED)
        e->distribution = DIST_COMMUNITY;
    for (size_t i = 0; i < e->n_attrs; i++)
        if (e->attrs[i].distribution == DIST_CONNECTED)
            e->attrs[i].distribution = DIST_COMMUNITY;
    for (size_t j = 0; j < e->n_objects; j++) {
        struct object *o = &e->objects[j];
        if (o->distribution == DIST_CONNECTED)
            o->distribution = DIST_COMMUNITY;
        for (size_t i = 0; i < o->n_attrs; i++)
            if (o->attrs[i].distribution == DIST_CONNECTED)
                o->attrs[i].distribution = DIST_COMMUNITY;
    }
}

struct change_list {
    struct arena *a;
    struct event_change *v;
    size_t n, cap;
};

static int on_change(void *ctx, const struct event_change *ch)
{
    struct change_list *l = ctx;
    l->v = arena_grow(l->a, l->v, l->n, &l->cap, sizeof(*l->v));
    l->v[l->n++] = *ch;
    return 0;
}

struct outgoing {
    char uuid[UUID_STR_LEN + 1];
    int64_t timestamp;
    char *json; /* {"Event": ...} */
    size_t len;
    size_t attrs;
};

/* Loads, filters and encodes one chunk of changed events.  Those that may no
 * longer go to the peer (deleted, narrowed, TLP) are added to revoked. */
static int push_prepare(struct store *s, struct link *l, const struct rules *ru,
                        const struct event_change *v, size_t n, struct arena *a,
                        struct outgoing *out, size_t *n_out, struct buf *revoked,
                        struct sync_report *r)
{
    struct store_conn *c;
    int rc = store_begin_read(s, &c);
    if (rc < 0)
        return rc;
    struct acl_filter all;
    acl_filter_system(&all, true);
    *n_out = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct event_change *ch = &v[i];
        if (!ch->deleted && !ch->published)
            continue; /* a draft: it goes when published */
        r->listed++;
        struct event *e = NULL;
        int lrc =
            ch->deleted
                ? ERR_NOTFOUND
                : store_event_load(c, a, ch->id, NULL, &all,
                                   STORE_LOAD_CHILDREN | STORE_LOAD_TAGS | STORE_LOAD_DELETED, &e);
        if (lrc < 0 && lrc != ERR_NOTFOUND) {
            rc = lrc;
            break;
        }
        if (lrc == 0 && (lrc = sync_attach_sharing_groups(c, a, l->self_url, e)) < 0) {
            rc = lrc;
            break;
        }
        bool eligible = lrc == 0 && acl_sync_trim(e, DIST_CONNECTED) && admit_groups(e, l->sv);
        if (!eligible) {
            buf_printf(revoked, "%s\"%s\"", revoked->len > 1 ? "," : "", ch->uuid);
            continue;
        }
        if (!rules_pass(ru, e)) {
            r->unchanged++;
            continue;
        }
        rewrite_pushed(e);
        struct buf doc;
        buf_init(&doc, SYNC_EVENT_MAX);
        struct json_writer w;
        json_writer_init(&w, &doc, false);
        misp_event_encode(&w, e); /* {"Event": {...}} */
        if (doc.err) {
            buf_free(&doc);
            r->failed++;
            report_error(r, "event %s: too large to push", ch->uuid);
            continue;
        }
        struct outgoing *o = &out[(*n_out)++];
        snprintf(o->uuid, sizeof(o->uuid), "%s", e->uuid);
        o->timestamp = e->timestamp;
        o->json = buf_take(&doc, &o->len);
        o->attrs = event_attr_total(e);
    }
    store_end(c, true);
    return rc;
}

/* POST events/filterEventIdsForPush: which of out the peer wants. */
static int push_offer(const struct server *sv, struct arena *a, struct outgoing *out, size_t n,
                      bool *wanted, struct sync_report *r)
{
    struct buf q;
    buf_init(&q, LIMIT_BODY_MAX);
    buf_putc(&q, '[');
    for (size_t i = 0; i < n; i++)
        buf_printf(&q, "%s{\"Event\":{\"uuid\":\"%s\",\"timestamp\":\"%lld\"}}", i ? "," : "",
                   out[i].uuid, (long long)out[i].timestamp);
    buf_putc(&q, ']');
    struct peer_reply reply;
    peer_reply_init(&reply, SYNC_INDEX_MAX);
    int rc = peer_request(sv, "POST", "/events/filterEventIdsForPush", q.ptr, q.len, NULL, &reply);
    buf_free(&q);
    struct json_value *root = NULL;
    struct diag d;
    diag_clear(&d);
    if (rc < 0) {
        report_error(r, "events/filterEventIdsForPush: %s", reply.error);
    } else if (reply.status != 200) {
        report_error(r, "events/filterEventIdsForPush: the peer answered HTTP %ld", reply.status);
        rc = ERR_IO;
    } else if (json_parse(a, reply.body.ptr ? reply.body.ptr : "", reply.body.len, 4, &root, &d) <
                   0 ||
               !json_is(root, JSON_ARRAY)) {
        report_error(r, "events/filterEventIdsForPush: the answer is not a list of uuids");
        rc = ERR_INVAL;
    }
    peer_reply_free(&reply);
    for (size_t i = 0; i < n; i++)
        wanted[i] = false;
    for (size_t k = 0; rc == 0 && k < root->len; k++) {
        struct str us;
        char uuid[UUID_STR_LEN + 1];
        if (!json_as_str(&root->u.items[k], &us) || !uuid_canonical(us, uuid))
            continue;
        for (size_t i = 0; i < n; i++)
            if (strcmp(out[i].uuid, uuid) == 0)
                wanted[i] = true;
    }
    return rc;
}

/* Sending the wanted events of a chunk: HEAD events/view for each tells add
 * from edit (MISP's push), then events/add or events/edit, each round with
 * SYNC_PARALLEL_DEFAULT requests in flight. */
struct push_round {
    struct outgoing *out;
    size_t *pick; /* the wanted indexes into out */
    bool *exists;
    struct sync_report *r;
};

static int on_head(void *ctx, size_t i, struct peer_reply *reply)
{
    struct push_round *pr = ctx;
    pr->exists[i] = reply->status == 200;
    return 0;
}

static int on_sent(void *ctx, size_t i, struct peer_reply *reply)
{
    struct push_round *pr = ctx;
    const struct outgoing *o = &pr->out[pr->pick[i]];
    struct sync_report *r = pr->r;
    if (reply->status == 200) {
        if (pr->exists[i])
            r->updated++;
        else
            r->created++;
        r->attributes += (int64_t)o->attrs;
    } else if (reply->status == 403 && reply->body.ptr != NULL &&
               strstr(reply->body.ptr, "not newer") != NULL) {
        r->unchanged++;
    } else {
        r->failed++;
        if (reply->status == 0)
            report_error(r, "event %s: %s", o->uuid, reply->error);
        else
            report_error(r, "event %s: the peer answered HTTP %ld: %.200s", o->uuid, reply->status,
                         reply->body.ptr ? reply->body.ptr : "");
    }
    return 0;
}

static int push_send(const struct server *sv, struct arena *a, struct outgoing *out,
                     const bool *wanted, size_t n, struct sync_report *r)
{
    struct push_round pr = {.out = out, .r = r};
    pr.pick = arena_alloc(a, (n ? n : 1) * sizeof(*pr.pick));
    pr.exists = arena_calloc(a, n ? n : 1, sizeof(*pr.exists));
    struct peer_call *calls = arena_calloc(a, n ? n : 1, sizeof(*calls));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (wanted[i])
            pr.pick[k++] = i;
    r->wanted += (int64_t)k;
    for (size_t i = 0; i < k; i++) {
        char *path = arena_alloc(a, 64);
        snprintf(path, 64, "/events/view/%.36s", out[pr.pick[i]].uuid);
        calls[i].method = "HEAD";
        calls[i].path = path;
    }
    int rc = peer_call_many(sv, calls, k, SYNC_PARALLEL_DEFAULT, 4096, on_head, &pr);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        const struct outgoing *o = &out[pr.pick[i]];
        char *path = arena_alloc(a, 80);
        if (pr.exists[i])
            snprintf(path, 80, "/events/edit/%.36s/metadata:1", o->uuid);
        else
            snprintf(path, 80, "/events/add/metadata:1");
        calls[i].method = "POST";
        calls[i].path = path;
        calls[i].body = o->json;
        calls[i].len = o->len;
    }
    if (rc == 0)
        rc = peer_call_many(sv, calls, k, SYNC_PARALLEL_DEFAULT, 1 << 20, on_sent, &pr);
    return rc;
}

/* Liaison peers: the copies of events that may no longer go to them
 * (deleted, narrowed, TLP) are removed there. */
static int push_revocations(const struct server *sv, struct arena *a, struct buf *revoked,
                            struct sync_report *r)
{
    buf_putc(revoked, ']');
    if (revoked->len <= 2)
        return 0;
    struct peer_reply reply;
    peer_reply_init(&reply, 1 << 20);
    int rc = revoked->err ? ERR_TOOBIG
                          : peer_request(sv, "POST", "/events/syncRemove", revoked->ptr,
                                         revoked->len, NULL, &reply);
    struct json_value *root;
    struct diag d;
    diag_clear(&d);
    int64_t n = 0;
    if (rc < 0) {
        report_error(r, "events/syncRemove: %s", reply.error[0] ? reply.error : err_str(rc));
    } else if (reply.status != 200) {
        report_error(r, "events/syncRemove: the peer answered HTTP %ld", reply.status);
        rc = ERR_IO;
    } else if (json_parse(a, reply.body.ptr ? reply.body.ptr : "", reply.body.len, 4, &root, &d) ==
                   0 &&
               json_as_i64(json_get(root, "removed"), &n)) {
        r->removed += n;
    }
    peer_reply_free(&reply);
    return rc;
}

/* ---- sightings, pushed ---- */

struct sighted_event {
    int64_t id;
    char uuid[UUID_STR_LEN + 1];
};

struct sighted_list {
    struct arena *a;
    struct sighted_event *v;
    size_t n, cap;
};

static int on_sighted(void *ctx, int64_t event_id, const char *uuid)
{
    struct sighted_list *l = ctx;
    l->v = arena_grow(l->a, l->v, l->n, &l->cap, sizeof(*l->v));
    l->v[l->n].id = event_id;
    snprintf(l->v[l->n].uuid, sizeof(l->v[l->n].uuid), "%s", uuid);
    l->n++;
    return 0;
}

/* The sightings of one event the peer lacks (MISP's pushSightings:
 * filterSightingUuidsForPush answers those it has), and, to a Liaison peer,
 * the deleted ones, through bulkSaveSightings. */
static int push_event_sightings(struct link *l, struct arena *a, const struct sighted_event *ev,
                                const struct sighting_list *all, struct sync_report *r)
{
    struct buf q;
    buf_init(&q, SYNC_INDEX_MAX);
    buf_putc(&q, '[');
    for (size_t i = 0; i < all->n; i++)
        buf_printf(&q, "%s\"%s\"", i ? "," : "", all->v[i].uuid);
    buf_putc(&q, ']');
    char path[128];
    snprintf(path, sizeof(path), "/sightings/filterSightingUuidsForPush/%.36s", ev->uuid);
    struct peer_reply reply;
    peer_reply_init(&reply, SYNC_INDEX_MAX);
    int rc = peer_request(l->sv, "POST", path, q.ptr, q.len, NULL, &reply);
    struct json_value *known = NULL;
    struct diag d;
    diag_clear(&d);
    if (rc == 0 &&
        (reply.status != 200 ||
         json_parse(a, reply.body.ptr ? reply.body.ptr : "", reply.body.len, 4, &known, &d) < 0 ||
         !json_is(known, JSON_ARRAY)))
        rc = ERR_IO;
    if (rc < 0)
        report_error(r, "sightings of event %s: filterSightingUuidsForPush: %s", ev->uuid,
                     reply.error[0] ? reply.error : "unexpected answer");
    peer_reply_free(&reply);
    if (rc < 0 || known == NULL) {
        buf_free(&q);
        return rc < 0 ? rc : ERR_IO;
    }
    buf_reset(&q);
    buf_putc(&q, '[');
    size_t sent = 0;
    for (size_t i = 0; i < all->n; i++) {
        const struct sighting *s = &all->v[i];
        bool has = false;
        for (size_t k = 0; k < known->len && !has; k++) {
            struct str us;
            has = json_as_str(&known->u.items[k], &us) && str_eq_cstr(us, s->uuid);
        }
        if (s->deleted ? !(r->liaison_peer && has) : has)
            continue;
        if (sent++)
            buf_putc(&q, ',');
        struct json_writer w;
        json_writer_init(&w, &q, false);
        misp_sighting_encode(&w, s,
                             MISP_SIGHTING_ATTRIBUTE_UUID | MISP_SIGHTING_ORG |
                                 (r->liaison_peer ? MISP_SIGHTING_DELETED : 0));
    }
    buf_putc(&q, ']');
    if (sent > 0) {
        snprintf(path, sizeof(path), "/sightings/bulkSaveSightings/%.36s", ev->uuid);
        peer_reply_init(&reply, 1 << 20);
        rc = q.err ? ERR_TOOBIG : peer_request(l->sv, "POST", path, q.ptr, q.len, NULL, &reply);
        if (rc == 0 && reply.status == 200)
            r->sightings += (int64_t)sent;
        else
            report_error(r, "sightings of event %s: bulkSaveSightings: %s", ev->uuid,
                         rc < 0 ? reply.error : "the peer refused them");
        if (rc == 0 && reply.status != 200)
            rc = ERR_IO;
        peer_reply_free(&reply);
    }
    buf_free(&q);
    return rc;
}

/* For the events whose sightings changed since the checkpoint and that may
 * go to the peer, their sightings. */
static int push_sightings(struct store *s, struct link *l, const struct rules *ru, int64_t since,
                          struct sync_report *r)
{
    struct sighted_list events = {l->a, NULL, 0, 0};
    struct store_conn *c;
    int rc = store_begin_read(s, &c);
    if (rc < 0)
        return rc;
    rc = store_sighting_events_changed(c, since, on_sighted, &events);
    store_end(c, true);
    struct acl_filter all;
    acl_filter_system(&all, true);
    for (size_t i = 0; rc == 0 && i < events.n; i++) {
        struct arena *a = arena_new();
        struct event *e = NULL;
        struct sighting_list list = {0}; /* in a */
        struct sighting_query q = {
            .acl = all, .event_ids = {&events.v[i].id, 1}, .with_deleted = true};
        if ((rc = store_begin_read(s, &c)) < 0) {
            arena_free(a);
            break;
        }
        int lrc = store_event_load(c, a, events.v[i].id, NULL, &all, STORE_LOAD_TAGS, &e);
        if (lrc == 0 && e->distribution == DIST_SHARING_GROUP)
            lrc = sync_attach_sharing_groups(c, a, l->self_url, e);
        bool eligible = lrc == 0 && e->published && acl_sync_trim(e, DIST_CONNECTED) &&
                        admit_groups(e, l->sv) && rules_pass(ru, e);
        if (eligible)
            rc = sighting_search(c, a, &q, &list);
        else if (lrc < 0 && lrc != ERR_NOTFOUND)
            rc = lrc;
        store_end(c, true);
        if (rc == 0 && eligible && list.n > 0 &&
            push_event_sightings(l, a, &events.v[i], &list, r) < 0)
            r->failed++;
        arena_free(a);
    }
    return rc;
}

static int push_run(struct store *s, struct link *l, const struct sync_opts *o,
                    struct sync_report *r)
{
    struct server *sv = l->sv;
    if (!sv->push) {
        report_error(r, "pushing is not enabled on link %lld (%s): set push on it first",
                     (long long)sv->id, sv->name);
        return ERR_FORBIDDEN;
    }
    struct peer_version v;
    enum peer_status st = peer_test(sv, o->self_uuid, &v);
    if (st != PEER_OK) {
        report_error(r, "%s: %s", peer_status_name(st), v.message);
        return ERR_IO;
    }
    r->liaison_peer = v.liaison_sync >= 1;
    struct rules ru;
    rules_load(l->a, sv->push_rules, &ru);
    struct change_list changes = {l->a, NULL, 0, 0};
    int64_t seq_now = 0;
    struct store_conn *c;
    int rc = store_begin_read(s, &c);
    if (rc < 0)
        return rc;
    rc = store_change_seq(c, &seq_now);
    if (rc == 0)
        rc = store_events_changed(c, o->full ? 0 : l->state->last_seq, on_change, &changes);
    store_end(c, true);
    struct buf revoked;
    buf_init(&revoked, SYNC_INDEX_MAX);
    buf_putc(&revoked, '[');
    struct outgoing out[PUSH_CHUNK];
    bool wanted[PUSH_CHUNK];
    for (size_t at = 0; rc == 0 && at < changes.n; at += PUSH_CHUNK) {
        size_t n = changes.n - at < PUSH_CHUNK ? changes.n - at : PUSH_CHUNK;
        struct arena *a = arena_new();
        size_t n_out = 0;
        rc = push_prepare(s, l, &ru, changes.v + at, n, a, out, &n_out, &revoked, r);
        if (rc == 0 && n_out > 0)
            rc = push_offer(sv, a, out, n_out, wanted, r);
        for (size_t i = 0; rc == 0 && i < n_out; i++)
            if (!wanted[i])
                r->unchanged++;
        if (rc == 0 && n_out > 0)
            rc = push_send(sv, a, out, wanted, n_out, r);
        for (size_t i = 0; i < n_out; i++)
            free(out[i].json);
        arena_free(a);
    }
    if (rc == 0 && r->liaison_peer)
        rc = push_revocations(sv, l->a, &revoked, r);
    if (rc == 0 && sv->push_sightings)
        rc = push_sightings(s, l, &ru, o->full ? 0 : l->state->last_seq, r);
    buf_free(&revoked);
    /* the checkpoint moves only when everything went: failures are retried */
    if (rc == 0 && r->failed == 0)
        l->state->last_seq = seq_now;
    return rc;
}

void sync_job_name(char *out, int64_t server_id, bool push)
{
    snprintf(out, JOBS_NAME_MAX, "sync.%s.%lld", push ? "push" : "pull", (long long)server_id);
}

int sync_run_leased(struct store *s, int64_t server_id, bool push, const struct sync_opts *o,
                    struct sync_report *r)
{
    memset(r, 0, sizeof(*r));
    double t0 = now_mono();
    struct link l;
    int rc = link_load(s, server_id, push, &l, r);
    l.self_url = o->self_url;
    if (rc == 0) {
        rc = push ? push_run(s, &l, o, r) : pull_run(s, &l, o, r);
        if (rc < 0 && r->error[0] == '\0')
            report_error(r, "%s", err_str(rc));
        r->seconds = now_mono() - t0;
        link_save(s, &l, r, rc == 0);
    }
    arena_free(l.a);
    return rc;
}

/* Runs a pull or a push on link server_id on demand, under the job's lease:
 * one at a time per link and direction, across processes. */
static int sync_run(struct store *s, int64_t server_id, bool push, const struct sync_opts *o,
                    struct sync_report *r)
{
    memset(r, 0, sizeof(*r));
    char name[JOBS_NAME_MAX];
    sync_job_name(name, server_id, push);
    struct job_lease *lease;
    int rc = jobs_lease_take(s, name, true, &lease);
    if (rc == ERR_CONFLICT) {
        report_error(r, "a %s with link %lld is running already", push ? "push" : "pull",
                     (long long)server_id);
        return ERR_CONFLICT;
    }
    if (rc < 0) {
        report_error(r, "cannot take the %s job's lease: %s", push ? "push" : "pull",
                     err_str(rc));
        return rc;
    }
    rc = sync_run_leased(s, server_id, push, o, r);
    jobs_lease_release(lease, rc);
    return rc;
}

int sync_pull(struct store *s, int64_t server_id, const struct sync_opts *o, struct sync_report *r)
{
    return sync_run(s, server_id, false, o, r);
}

int sync_push(struct store *s, int64_t server_id, const struct sync_opts *o, struct sync_report *r)
{
    return sync_run(s, server_id, true, o, r);
}
