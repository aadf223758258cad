/*
 * store.c - the store interface: picks a backend by the URL's scheme and
 * dispatches every store_* call through the backend's struct store_ops.
 *
 * Two operations are composed here from others, the same for every backend:
 * store_uuid_taken (uuid_taken_by with attributes) and store_tag_resolve
 * (tag_get, then tag_insert).
 */
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

/* The backends, by scheme; a bare path (no registered "scheme:") opens the first. */
static const struct store_ops *const backends[] = {&store_sqlite_ops, &store_pg_ops};
#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))

static bool has_scheme(const char *url, const char *scheme)
{
    size_t n = scheme ? strlen(scheme) : 0;
    return n > 0 && strncmp(url, scheme, n) == 0 && url[n] == ':';
}

/* libpq's "keyword=value ..." form: it starts with a keyword and '='. */
static bool is_conninfo(const char *url)
{
    static const char *const keys[] = {
        "host=", "hostaddr=", "dbname=", "user=", "port=", "service=", "sslmode=", "passfile="};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strncmp(url, keys[i], strlen(keys[i])) == 0)
            return true;
    return false;
}

/* The registered backend whose "scheme:" url starts with, or NULL. */
static const struct store_ops *backend_of(const char *url)
{
    for (size_t i = 0; i < N_BACKENDS; i++)
        if (has_scheme(url, backends[i]->scheme) || has_scheme(url, backends[i]->alias))
            return backends[i];
    if (is_conninfo(url))
        return &store_pg_ops;
    return NULL;
}

const char *store_url_file(const char *url)
{
    const struct store_ops *ops = backend_of(url);
    if (ops == NULL)
        return strstr(url, "://") != NULL ? NULL : url;
    if (ops != &store_sqlite_ops)
        return NULL;
    return has_scheme(url, ops->scheme) ? url + strlen(ops->scheme) + 1 : url;
}

int store_open(const char *url, unsigned readers, struct store **out, struct diag *d)
{
    return store_open_flags(url, readers, 0, out, d);
}

int store_wait_change(struct store *s, unsigned timeout_ms)
{
    return s->ops->wait_change(s, timeout_ms);
}

int store_open_flags(const char *url, unsigned readers, unsigned flags, struct store **out,
                     struct diag *d)
{
    const struct store_ops *ops = backend_of(url);
    const char *sep = strstr(url, "://");
    if (ops == NULL && sep != NULL) {
        char supported[128] = "";
        size_t used = 0;
        for (size_t i = 0; i < N_BACKENDS && used < sizeof(supported); i++)
            used += (size_t)snprintf(supported + used, sizeof(supported) - used,
                                     "%s%s:", i ? ", " : "", backends[i]->scheme);
        return diag_set(d, ERR_UNSUPPORTED, "db",
                        "unsupported database URL scheme \"%.*s\" (supported: %s, or a bare "
                        "SQLite path)",
                        (int)(sep - url > 32 ? 32 : sep - url), url, supported);
    }
    if (ops == NULL)
        ops = backends[0];
    return ops->open(url, readers, flags, out, d);
}

void store_close(struct store *s)
{
    if (s != NULL)
        s->ops->close(s);
}

int store_uuid_taken(struct store_conn *c, const char *uuid, bool *taken)
{
    return c->ops->uuid_taken_by(c, uuid, true, taken);
}

int store_tag_resolve(struct store_conn *c, struct arena *a, struct tag *t, bool create)
{
    struct tag *found;
    int rc = c->ops->tag_get(c, a, 0, t->name, &found);
    if (rc == 0) {
        *t = *found;
        return 0;
    }
    if (rc != ERR_NOTFOUND || !create)
        return rc;
    return c->ops->tag_insert(c, t);
}

/* ---- dispatchers ---- */

int store_schema_version(struct store *s, int *version)
{
    return s->ops->schema_version(s, version);
}

int store_begin_read(struct store *s, struct store_conn **out)
{
    return s->ops->begin_read(s, out);
}

int store_begin_write(struct store *s, struct store_conn **out)
{
    return s->ops->begin_write(s, out);
}

int store_end(struct store_conn *c, bool commit)
{
    return c == NULL ? 0 : c->ops->end(c, commit);
}

int store_savepoint(struct store_conn *c)
{
    return c->ops->savepoint(c);
}

int store_savepoint_end(struct store_conn *c, bool keep)
{
    return c->ops->savepoint_end(c, keep);
}

int store_setting_get(struct store_conn *c, struct arena *a, const char *name, char **value)
{
    return c->ops->setting_get(c, a, name, value);
}

int store_setting_set(struct store_conn *c, const char *name, const char *value)
{
    return c->ops->setting_set(c, name, value);
}

int store_org_insert(struct store_conn *c, struct org *o)
{
    return c->ops->org_insert(c, o);
}

int store_org_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                  const char *name, struct org **out)
{
    return c->ops->org_get(c, a, id, uuid, name, out);
}

int store_org_list(struct store_conn *c, struct arena *a, struct org **out, size_t *n)
{
    return c->ops->org_list(c, a, out, n);
}

int store_role_get(struct store_conn *c, struct arena *a, int64_t id, struct role **out)
{
    return c->ops->role_get(c, a, id, out);
}

int store_role_list(struct store_conn *c, struct arena *a, struct role **out, size_t *n)
{
    return c->ops->role_list(c, a, out, n);
}

int store_user_insert(struct store_conn *c, struct user *u)
{
    return c->ops->user_insert(c, u);
}

int store_user_update(struct store_conn *c, const struct user *u)
{
    return c->ops->user_update(c, u);
}

int store_user_delete(struct store_conn *c, int64_t id)
{
    return c->ops->user_delete(c, id);
}

int store_user_get(struct store_conn *c, struct arena *a, int64_t id, const char *email,
                   struct user **out)
{
    return c->ops->user_get(c, a, id, email, out);
}

int store_user_list(struct store_conn *c, struct arena *a, int64_t org_id, struct user **out,
                    size_t *n)
{
    return c->ops->user_list(c, a, org_id, out, n);
}

int store_key_insert(struct store_conn *c, struct auth_key *k, const unsigned char *hash,
                     size_t hash_len)
{
    return c->ops->key_insert(c, k, hash, hash_len);
}

int store_key_candidates(struct store_conn *c, const char *start,
                         int (*fn)(void *ctx, const struct auth_key *k, const void *hash,
                                   size_t hash_len),
                         void *ctx)
{
    return c->ops->key_candidates(c, start, fn, ctx);
}

int store_key_get(struct store_conn *c, struct arena *a, int64_t id, struct auth_key **out)
{
    return c->ops->key_get(c, a, id, out);
}

int store_key_delete(struct store_conn *c, int64_t id)
{
    return c->ops->key_delete(c, id);
}

int store_key_list(struct store_conn *c, struct arena *a, int64_t user_id, struct auth_key **out,
                   size_t *n)
{
    return c->ops->key_list(c, a, user_id, out, n);
}

int store_sharing_group_insert(struct store_conn *c, struct sharing_group *g)
{
    return c->ops->sharing_group_insert(c, g);
}

int store_sharing_group_update(struct store_conn *c, const struct sharing_group *g)
{
    return c->ops->sharing_group_update(c, g);
}

int store_sharing_group_delete(struct store_conn *c, int64_t id)
{
    return c->ops->sharing_group_delete(c, id);
}

int store_sharing_group_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                            struct sharing_group **out)
{
    return c->ops->sharing_group_get(c, a, id, uuid, out);
}

int store_sharing_group_list(struct store_conn *c, struct arena *a, struct sharing_group **out,
                             size_t *n)
{
    return c->ops->sharing_group_list(c, a, out, n);
}

int store_sharing_group_org_set(struct store_conn *c, int64_t sg_id, int64_t org_id, bool extend)
{
    return c->ops->sharing_group_org_set(c, sg_id, org_id, extend);
}

int store_sharing_group_org_remove(struct store_conn *c, int64_t sg_id, int64_t org_id)
{
    return c->ops->sharing_group_org_remove(c, sg_id, org_id);
}

int store_sharing_group_server_set(struct store_conn *c, int64_t sg_id, int64_t server_id,
                                   bool all_orgs)
{
    return c->ops->sharing_group_server_set(c, sg_id, server_id, all_orgs);
}

int store_sharing_group_server_remove(struct store_conn *c, int64_t sg_id, int64_t server_id)
{
    return c->ops->sharing_group_server_remove(c, sg_id, server_id);
}

int store_sharing_group_visible_ids(struct store_conn *c, struct arena *a, int64_t org_id,
                                    bool via_links, struct id_set *out)
{
    return c->ops->sharing_group_visible_ids(c, a, org_id, via_links, out);
}

int store_tag_get(struct store_conn *c, struct arena *a, int64_t id, const char *name,
                  struct tag **out)
{
    return c->ops->tag_get(c, a, id, name, out);
}

int store_tag_list(struct store_conn *c, struct arena *a, const char *name_like, struct tag **out,
                   size_t *n)
{
    return c->ops->tag_list(c, a, name_like, out, n);
}

int store_tag_insert(struct store_conn *c, struct tag *t)
{
    return c->ops->tag_insert(c, t);
}

int store_event_tag_attach(struct store_conn *c, int64_t event_id, int64_t tag_id, bool local)
{
    return c->ops->event_tag_attach(c, event_id, tag_id, local);
}

int store_event_tag_detach(struct store_conn *c, int64_t event_id, int64_t tag_id)
{
    return c->ops->event_tag_detach(c, event_id, tag_id);
}

int store_attribute_tag_attach(struct store_conn *c, int64_t event_id, int64_t attribute_id,
                               int64_t tag_id, bool local)
{
    return c->ops->attribute_tag_attach(c, event_id, attribute_id, tag_id, local);
}

int store_attribute_tag_detach(struct store_conn *c, int64_t attribute_id, int64_t tag_id)
{
    return c->ops->attribute_tag_detach(c, attribute_id, tag_id);
}

int store_event_insert(struct store_conn *c, struct event *e)
{
    return c->ops->event_insert(c, e);
}

int store_event_update(struct store_conn *c, const struct event *e)
{
    return c->ops->event_update(c, e);
}

int store_event_touch(struct store_conn *c, int64_t event_id, int64_t timestamp)
{
    return c->ops->event_touch(c, event_id, timestamp);
}

int store_event_delete(struct store_conn *c, int64_t event_id)
{
    return c->ops->event_delete(c, event_id);
}

int store_event_purge(struct store_conn *c, int64_t event_id)
{
    return c->ops->event_purge(c, event_id);
}

int store_event_load(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                     const struct acl_filter *acl, unsigned flags, struct event **out)
{
    return c->ops->event_load(c, a, id, uuid, acl, flags, out);
}

int store_event_search(struct store_conn *c, struct arena *a, const struct query *q,
                       int (*fn)(void *ctx, struct event *e), void *ctx)
{
    return c->ops->event_search(c, a, q, fn, ctx);
}

int store_object_insert(struct store_conn *c, struct object *o)
{
    return c->ops->object_insert(c, o);
}

int store_object_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                     struct object **out)
{
    return c->ops->object_get(c, a, id, uuid, out);
}

int store_object_delete(struct store_conn *c, int64_t id, bool hard)
{
    return c->ops->object_delete(c, id, hard);
}

int store_object_update(struct store_conn *c, const struct object *o)
{
    return c->ops->object_update(c, o);
}

int store_reference_insert(struct store_conn *c, int64_t event_id, struct object_reference *r)
{
    return c->ops->reference_insert(c, event_id, r);
}

int store_attribute_insert(struct store_conn *c, struct attribute *at)
{
    return c->ops->attribute_insert(c, at);
}

int store_attribute_update(struct store_conn *c, const struct attribute *at)
{
    return c->ops->attribute_update(c, at);
}

int store_attribute_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                        struct attribute **out)
{
    return c->ops->attribute_get(c, a, id, uuid, out);
}

int store_attribute_delete(struct store_conn *c, int64_t id, bool hard)
{
    return c->ops->attribute_delete(c, id, hard);
}

int store_uuid_taken_by(struct store_conn *c, const char *uuid, bool attributes, bool *taken)
{
    return c->ops->uuid_taken_by(c, uuid, attributes, taken);
}

int store_uuids_taken_by(struct store_conn *c, struct str_set uuids, bool attributes,
                         int (*fn)(void *ctx, const char *uuid), void *ctx)
{
    return c->ops->uuids_taken_by(c, uuids, attributes, fn, ctx);
}

int store_attributes_insert(struct store_conn *c, struct attribute *const *ats, size_t n,
                            size_t *conflict)
{
    return c->ops->attributes_insert(c, ats, n, conflict);
}

int store_attribute_search(struct store_conn *c, struct arena *a, const struct query *q,
                           bool with_tags,
                           int (*fn)(void *ctx, struct attribute *at, const char *event_uuid),
                           void *ctx)
{
    return c->ops->attribute_search(c, a, q, with_tags, fn, ctx);
}

int store_event_stamps(struct store_conn *c, struct str_set uuids,
                       int (*fn)(void *ctx, const char *uuid, int64_t timestamp, bool locked),
                       void *ctx)
{
    return c->ops->event_stamps(c, uuids, fn, ctx);
}

int store_events_changed(struct store_conn *c, int64_t since,
                         int (*fn)(void *ctx, const struct event_change *ch), void *ctx)
{
    return c->ops->events_changed(c, since, fn, ctx);
}

int store_sighting_events_changed(struct store_conn *c, int64_t since,
                                  int (*fn)(void *ctx, int64_t event_id, const char *uuid),
                                  void *ctx)
{
    return c->ops->sighting_events_changed(c, since, fn, ctx);
}

int store_server_insert(struct store_conn *c, struct server *sv)
{
    return c->ops->server_insert(c, sv);
}

int store_server_update(struct store_conn *c, const struct server *sv)
{
    return c->ops->server_update(c, sv);
}

int store_server_delete(struct store_conn *c, int64_t id)
{
    return c->ops->server_delete(c, id);
}

int store_server_get(struct store_conn *c, struct arena *a, int64_t id, struct server **out)
{
    return c->ops->server_get(c, a, id, out);
}

int store_server_list(struct store_conn *c, struct arena *a, struct server **out, size_t *n)
{
    return c->ops->server_list(c, a, out, n);
}

int store_sync_state_get(struct store_conn *c, struct arena *a, int64_t server_id, bool push,
                         struct sync_state **out)
{
    return c->ops->sync_state_get(c, a, server_id, push, out);
}

int store_sync_state_put(struct store_conn *c, const struct sync_state *s)
{
    return c->ops->sync_state_put(c, s);
}

int store_event_origin_set(struct store_conn *c, int64_t event_id, int64_t server_id)
{
    return c->ops->event_origin_set(c, event_id, server_id);
}

int store_synced_events(struct store_conn *c, int64_t server_id,
                        int (*fn)(void *ctx, const char *uuid), void *ctx)
{
    return c->ops->synced_events(c, server_id, fn, ctx);
}

int store_change_seq(struct store_conn *c, int64_t *out)
{
    return c->ops->change_seq(c, out);
}

int store_index_feed(struct store_conn *c, int64_t since,
                     int (*fn)(void *ctx, const struct index_row *r), void *ctx)
{
    return c->ops->index_feed(c, since, fn, ctx);
}

int store_sighting_insert(struct store_conn *c, struct sighting *s)
{
    return c->ops->sighting_insert(c, s);
}

int store_sighting_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                       struct sighting **out)
{
    return c->ops->sighting_get(c, a, id, uuid, out);
}

int store_sighting_search(struct store_conn *c, struct arena *a, const struct sighting_query *q,
                          int (*fn)(void *ctx, struct sighting *s), void *ctx)
{
    return c->ops->sighting_search(c, a, q, fn, ctx);
}

int store_sighting_delete(struct store_conn *c, int64_t id)
{
    return c->ops->sighting_delete(c, id);
}

int store_sighting_expire_previous(struct store_conn *c, int64_t attribute_id, int64_t org_id)
{
    return c->ops->sighting_expire_previous(c, attribute_id, org_id);
}

int store_sighting_uuids_known(struct store_conn *c, int64_t event_id, struct str_set uuids,
                               int (*fn)(void *ctx, const char *uuid), void *ctx)
{
    return c->ops->sighting_uuids_known(c, event_id, uuids, fn, ctx);
}

int store_event_sighting_touch(struct store_conn *c, int64_t event_id, int64_t now)
{
    return c->ops->event_sighting_touch(c, event_id, now);
}

int store_lease_take(struct store_conn *c, const char *name, const char *holder, int64_t now,
                     int64_t expires, bool on_demand, const char *dead_holder, bool *taken)
{
    return c->ops->lease_take(c, name, holder, now, expires, on_demand, dead_holder, taken);
}

int store_lease_renew(struct store_conn *c, const char *holder, int64_t expires)
{
    return c->ops->lease_renew(c, holder, expires);
}

int store_lease_release(struct store_conn *c, const char *name, const char *holder, int64_t now,
                        int rc, int64_t failures, int64_t not_before)
{
    return c->ops->lease_release(c, name, holder, now, rc, failures, not_before);
}

int store_lease_get(struct store_conn *c, const char *name, struct job_lease_row *out)
{
    return c->ops->lease_get(c, name, out);
}

/* ---- copying a whole database ---- */

const char *const store_copy_tables[] = {
    "settings",
    "orgs",
    "roles",
    "users",
    "auth_keys",
    "events",
    "objects",
    "attributes",
    "object_references",
    "tags",
    "event_tags",
    "attribute_tags",
    "sharing_groups",
    "sharing_group_orgs",
    "sharing_group_servers",
    "attribute_removals",
    "servers",
    "sync_state",
    "event_origins",
    "sightings",
    NULL,
};

bool store_copy_name_ok(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 63)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* Only the listed tables: their names go into SQL text. */
static bool copy_table_known(const char *table)
{
    for (size_t i = 0; store_copy_tables[i] != NULL; i++)
        if (strcmp(store_copy_tables[i], table) == 0)
            return true;
    return false;
}

int store_copy_out(struct store_conn *c, const char *table,
                   int (*fn)(void *ctx, size_t n, const char *const *names,
                             const struct store_value *values),
                   void *ctx)
{
    if (!copy_table_known(table))
        return ERR_INVAL;
    return c->ops->copy_out(c, table, fn, ctx);
}

int store_copy_in_begin(struct store_conn *c, const char *table, size_t n, const char *const *names)
{
    if (!copy_table_known(table))
        return ERR_INVAL;
    return c->ops->copy_in_begin(c, table, n, names);
}

int store_copy_in_row(struct store_conn *c, const struct store_value *values)
{
    return c->ops->copy_in_row(c, values);
}

int store_copy_in_end(struct store_conn *c)
{
    return c->ops->copy_in_end(c);
}

int store_copy_finish(struct store_conn *c, int64_t seq)
{
    return c->ops->copy_finish(c, seq);
}
