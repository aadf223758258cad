/*
 * links.c - the sync links service.  See links.h.
 */
#include "core/links.h"

#include "core/indexer.h"
#include "core/uuid.h"
#include "store/store.h"
#include "util/parse.h"

#include <string.h>
#include <unistd.h>

#include "util/banned.h"

static bool url_ok(const char *u)
{
    if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
        return false;
    const char *host = u + (u[4] == 's' ? 8 : 7);
    if (*host == '\0' || *host == '/')
        return false;
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return false;
    return strlen(u) <= 2048;
}

static bool authkey_ok(const char *k)
{
    size_t n = strlen(k);
    if (n != 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
              (k[i] >= '0' && k[i] <= '9')))
            return false;
    return true;
}

/* Checks and normalises a link (the rules in links.h); errors name the field. */
static int link_check(struct server *sv, struct diag *d)
{
    if (sv->url == NULL)
        return diag_set(d, ERR_INVAL, "url", "url is required");
    size_t n = strlen(sv->url);
    while (n > 0 && sv->url[n - 1] == '/')
        sv->url[--n] = '\0';
    if (!url_ok(sv->url))
        return diag_set(d, ERR_INVAL, "url", "url must be an http:// or https:// base URL");
    if (sv->name == NULL || *sv->name == '\0')
        sv->name = sv->url;
    if (sv->authkey == NULL || !authkey_ok(sv->authkey))
        return diag_set(d, ERR_INVAL, "authkey",
                        "authkey must be the 40-character API key of a sync user on the peer");
    if (sv->remote_org_id == 0)
        return diag_set(d, ERR_INVAL, "remote_org_id",
                        "give remote_org_id or RemoteOrg {uuid, name}: who runs the peer");
    if (sv->timeout < 1 || sv->timeout > 3600)
        return diag_set(d, ERR_INVAL, "timeout", "timeout must be 1 to 3600 seconds");
    if (sv->pull_interval != 0 && (sv->pull_interval < 60 || sv->pull_interval > 7 * 86400))
        return diag_set(d, ERR_INVAL, "pull_interval",
                        "pull_interval must be 0 (on demand only) or 60 to 604800 seconds");
    if (sv->cert_file != NULL && *sv->cert_file != '\0' && access(sv->cert_file, R_OK) != 0)
        return diag_set(d, ERR_INVAL, "cert_file", "cannot read %s", sv->cert_file);
    return 0;
}

/* Sets sv->remote_org_id from in, if it names the organisation running the
 * peer: by id, by uuid (created, not local, by creator_id when unknown), or a
 * known one by id, uuid or name. */
static int remote_org(struct store_conn *c, struct arena *a, const struct link_change *in,
                      int64_t creator_id, struct server *sv, struct diag *d)
{
    struct org *found;
    int rc;
    if (in->remote_org_id > 0) {
        rc = store_org_get(c, a, in->remote_org_id, NULL, NULL, &found);
        if (rc == ERR_NOTFOUND)
            return diag_set(d, ERR_INVAL, "remote_org_id", "no organisation %lld",
                            (long long)in->remote_org_id);
        if (rc == 0)
            sv->remote_org_id = found->id;
        return rc;
    }
    struct org o;
    memset(&o, 0, sizeof(o));
    if (in->remote_org_uuid != NULL) {
        if (!uuid_canonical(str_from_cstr(in->remote_org_uuid), o.uuid))
            return diag_set(d, ERR_INVAL, "RemoteOrg.uuid", "RemoteOrg needs a valid uuid");
        if ((rc = store_org_get(c, a, 0, o.uuid, NULL, &found)) == 0) {
            sv->remote_org_id = found->id;
            return 0;
        }
        if (rc != ERR_NOTFOUND)
            return rc;
        if (in->remote_org_name == NULL || *in->remote_org_name == '\0')
            return diag_set(d, ERR_INVAL, "RemoteOrg.name",
                            "RemoteOrg needs a name when the organisation is new here");
        o.name = arena_strdup(a, in->remote_org_name);
        o.local = false;
        o.created_by = creator_id;
        if ((rc = store_org_insert(c, &o)) == ERR_CONFLICT)
            return diag_set(d, ERR_CONFLICT, "RemoteOrg.name",
                            "another organisation is already called '%s'", o.name);
        if (rc == 0)
            sv->remote_org_id = o.id;
        return rc;
    }
    if (in->remote_org == NULL)
        return 0;
    uint64_t id = 0;
    struct str ref = str_from_cstr(in->remote_org);
    if (parse_u64_all(ref, 1, INT64_MAX, &id) == 0)
        rc = store_org_get(c, a, (int64_t)id, NULL, NULL, &found);
    else if (uuid_canonical(ref, o.uuid))
        rc = store_org_get(c, a, 0, o.uuid, NULL, &found);
    else
        rc = store_org_get(c, a, 0, NULL, in->remote_org, &found);
    if (rc == ERR_NOTFOUND)
        return diag_set(d, ERR_NOTFOUND, "remote_org", "no organisation '%s'", in->remote_org);
    if (rc == 0)
        sv->remote_org_id = found->id;
    return rc;
}

static char *dup_or_null(struct arena *a, const char *s)
{
    return s ? arena_strdup(a, s) : NULL;
}

/* Lays the members in gives over sv (strings copied into a). */
static void apply(struct arena *a, const struct link_change *in, struct server *sv)
{
    const struct server *g = &in->sv;
    if (in->set & LINK_SET_URL)
        sv->url = dup_or_null(a, g->url);
    if (in->set & LINK_SET_NAME)
        sv->name = dup_or_null(a, g->name);
    if (in->set & LINK_SET_AUTHKEY)
        sv->authkey = dup_or_null(a, g->authkey);
    if (in->set & LINK_SET_CERT_FILE)
        sv->cert_file = dup_or_null(a, g->cert_file);
    if (in->set & LINK_SET_PUSH)
        sv->push = g->push;
    if (in->set & LINK_SET_PULL)
        sv->pull = g->pull;
    if (in->set & LINK_SET_PUSH_SIGHTINGS)
        sv->push_sightings = g->push_sightings;
    if (in->set & LINK_SET_SELF_SIGNED)
        sv->self_signed = g->self_signed;
    if (in->set & LINK_SET_PUSH_RULES)
        sv->push_rules = dup_or_null(a, g->push_rules);
    if (in->set & LINK_SET_PULL_RULES)
        sv->pull_rules = dup_or_null(a, g->pull_rules);
    if (in->set & LINK_SET_TIMEOUT)
        sv->timeout = g->timeout;
    if (in->set & LINK_SET_PULL_INTERVAL)
        sv->pull_interval = g->pull_interval;
}

/* Fills l's owner, remote organisation and sync states for sv. */
static int link_load(struct store_conn *c, struct arena *a, const struct server *sv, struct link *l)
{
    memset(l, 0, sizeof(*l));
    l->sv = *sv;
    int rc = store_org_get(c, a, sv->org_id, NULL, NULL, &l->org);
    if (rc == 0 || rc == ERR_NOTFOUND)
        rc = store_org_get(c, a, sv->remote_org_id, NULL, NULL, &l->remote);
    if (rc < 0 && rc != ERR_NOTFOUND)
        return rc;
    if ((rc = store_sync_state_get(c, a, sv->id, false, &l->pull)) < 0 ||
        (rc = store_sync_state_get(c, a, sv->id, true, &l->push)) < 0)
        return rc;
    return 0;
}

static int forbidden(struct diag *d)
{
    return diag_set(d, ERR_FORBIDDEN, "", "only site administrators may manage sync links");
}

int links_list(struct svc *s, const struct principal *who, struct arena *a, struct link **out,
               size_t *n)
{
    if (!acl_can_manage_links(who))
        return ERR_FORBIDDEN;
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    struct server *list;
    size_t count = 0;
    rc = store_server_list(c, a, &list, &count);
    struct link *v = arena_calloc(a, count ? count : 1, sizeof(*v));
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = link_load(c, a, &list[i], &v[i]);
    store_end(c, true);
    if (rc < 0)
        return rc;
    *out = v;
    *n = count;
    return 0;
}

/* Adds (id 0) or changes link id by in, in one write transaction. */
static int save(struct svc *s, const struct principal *who, struct arena *a, int64_t id,
                const struct link_change *in, struct link **out, struct diag *d)
{
    if (!acl_can_manage_links(who))
        return forbidden(d);
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    struct server *sv = NULL;
    if (id == 0) {
        sv = arena_calloc(a, 1, sizeof(*sv));
        sv->timeout = LINK_TIMEOUT_DEFAULT;
        sv->pull_interval = LINK_PULL_INTERVAL_DEFAULT;
        sv->org_id = who->org.id;
        char *host = NULL;
        uint64_t v;
        if (sv->org_id <= 0) { /* the command line: the host organisation's */
            rc = store_setting_get(c, a, "host_org_id", &host);
            if (rc == 0 && parse_u64_all(str_from_cstr(host), 1, INT64_MAX, &v) == 0)
                sv->org_id = (int64_t)v;
            else if (rc == 0 || rc == ERR_NOTFOUND)
                rc = diag_set(d, ERR_NOTFOUND, "org_id",
                              "the database has no host organisation (liaison init)");
        }
    } else {
        rc = id > 0 ? store_server_get(c, a, id, &sv) : ERR_NOTFOUND;
    }
    if (rc == 0) {
        apply(a, in, sv);
        rc = remote_org(c, a, in, who->user.id, sv, d);
    }
    if (rc == 0)
        rc = link_check(sv, d);
    if (rc == 0)
        rc = id == 0 ? store_server_insert(c, sv) : store_server_update(c, sv);
    if (rc == ERR_CONFLICT && (d == NULL || d->field[0] == '\0'))
        diag_set(d, ERR_CONFLICT, "url", "a sync link to %s exists already", sv->url);
    struct link *l = arena_calloc(a, 1, sizeof(*l));
    if (rc == 0)
        rc = link_load(c, a, sv, l);
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
    if (rc == 0)
        *out = l;
    return rc;
}

int links_add(struct svc *s, const struct principal *who, struct arena *a,
              const struct link_change *in, struct link **out, struct diag *d)
{
    return save(s, who, a, 0, in, out, d);
}

int links_edit(struct svc *s, const struct principal *who, struct arena *a, int64_t id,
               const struct link_change *in, struct link **out, struct diag *d)
{
    return save(s, who, a, id > 0 ? id : -1, in, out, d);
}

int links_delete(struct svc *s, const struct principal *who, int64_t id)
{
    if (!acl_can_manage_links(who))
        return ERR_FORBIDDEN;
    if (id <= 0)
        return ERR_NOTFOUND;
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    rc = store_server_delete(c, id);
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
    return rc;
}

int links_find(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
               int64_t *id)
{
    if (!acl_can_manage_links(who))
        return ERR_FORBIDDEN;
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    struct server *list;
    size_t n;
    rc = store_server_list(c, a, &list, &n);
    store_end(c, true);
    if (rc < 0)
        return rc;
    size_t len = strlen(ref);
    while (len > 0 && ref[len - 1] == '/')
        len--;
    uint64_t num;
    bool numeric = parse_u64_all(str_from_cstr(ref), 1, INT64_MAX, &num) == 0;
    for (size_t i = 0; i < n; i++) {
        if ((numeric && list[i].id == (int64_t)num) || strcmp(list[i].name, ref) == 0 ||
            (strlen(list[i].url) == len && strncmp(list[i].url, ref, len) == 0)) {
            *id = list[i].id;
            return 0;
        }
    }
    return ERR_NOTFOUND;
}

/* This node's uuid: s's, else (the command line) the stored one; NULL if
 * there is none. */
static const char *self_uuid(struct svc *s, struct store_conn *c, struct arena *a)
{
    if (s->instance_uuid[0] != '\0')
        return s->instance_uuid;
    char *v = NULL;
    return store_setting_get(c, a, "instance_uuid", &v) == 0 ? v : NULL;
}

int links_test(struct svc *s, const struct principal *who, int64_t id, enum peer_status *st,
               struct peer_version *v)
{
    if (!acl_can_manage_links(who))
        return ERR_FORBIDDEN;
    if (id <= 0)
        return ERR_NOTFOUND;
    struct arena *a = arena_new();
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    struct server *sv = NULL;
    const char *self = NULL;
    if (rc == 0) {
        rc = store_server_get(c, a, id, &sv);
        if (rc == 0)
            self = self_uuid(s, c, a);
        store_end(c, true);
    }
    /* the link and the uuid live in a: the store is not held while the peer
     * is asked */
    if (rc == 0)
        *st = peer_test(sv, self, v);
    arena_free(a);
    return rc;
}

int links_sync(struct svc *s, const struct principal *who, int64_t id, bool push,
               const struct sync_opts *o, struct sync_report *r, struct diag *d)
{
    memset(r, 0, sizeof(*r));
    diag_clear(d);
    if (!acl_can_manage_links(who))
        return diag_set(d, ERR_FORBIDDEN, "", "only site administrators may start a sync");
    if (id <= 0)
        return ERR_NOTFOUND;
    struct arena *a = arena_new();
    struct sync_opts run = *o;
    if (run.self_uuid == NULL) {
        struct store_conn *c;
        if (store_begin_read(s->store, &c) == 0) {
            run.self_uuid = self_uuid(s, c, a);
            store_end(c, true);
        }
    }
    int rc = push ? sync_push(s->store, id, &run, r) : sync_pull(s->store, id, &run, r);
    if (!push && s->indexer != NULL)
        indexer_refresh(s->indexer);
    arena_free(a);
    return rc;
}
