/* TEMPORARY (development branch only): operations not yet ported; delete
 * this file when its functions exist in their real files. */
#include "store/pg/pg_int.h"

int pg_server_insert(struct store_conn *c, struct server *sv)
{
    (void)c; (void)sv;
    return ERR_UNSUPPORTED;
}

int pg_server_update(struct store_conn *c, const struct server *sv)
{
    (void)c; (void)sv;
    return ERR_UNSUPPORTED;
}

int pg_server_delete(struct store_conn *c, int64_t id)
{
    (void)c; (void)id;
    return ERR_UNSUPPORTED;
}

int pg_server_get(struct store_conn *c, struct arena *a, int64_t id, struct server **out)
{
    (void)c; (void)a; (void)id; (void)out;
    return ERR_UNSUPPORTED;
}

int pg_server_list(struct store_conn *c, struct arena *a, struct server **out, size_t *n)
{
    (void)c; (void)a; (void)out; (void)n;
    return ERR_UNSUPPORTED;
}

int pg_sync_state_get(struct store_conn *c, struct arena *a, int64_t server_id, bool push, struct sync_state **out)
{
    (void)c; (void)a; (void)server_id; (void)push; (void)out;
    return ERR_UNSUPPORTED;
}

int pg_sync_state_put(struct store_conn *c, const struct sync_state *s)
{
    (void)c; (void)s;
    return ERR_UNSUPPORTED;
}

int pg_event_origin_set(struct store_conn *c, int64_t event_id, int64_t server_id)
{
    (void)c; (void)event_id; (void)server_id;
    return ERR_UNSUPPORTED;
}

int pg_synced_events(struct store_conn *c, int64_t server_id, int (*fn)(void *ctx, const char *uuid), void *ctx)
{
    (void)c; (void)server_id; (void)fn; (void)ctx;
    return ERR_UNSUPPORTED;
}

int pg_sighting_insert(struct store_conn *c, struct sighting *s)
{
    (void)c; (void)s;
    return ERR_UNSUPPORTED;
}

int pg_sighting_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid, struct sighting **out)
{
    (void)c; (void)a; (void)id; (void)uuid; (void)out;
    return ERR_UNSUPPORTED;
}

int pg_sighting_search(struct store_conn *c, struct arena *a, const struct sighting_query *q, int (*fn)(void *ctx, struct sighting *s), void *ctx)
{
    (void)c; (void)a; (void)q; (void)fn; (void)ctx;
    return ERR_UNSUPPORTED;
}

int pg_sighting_delete(struct store_conn *c, int64_t id)
{
    (void)c; (void)id;
    return ERR_UNSUPPORTED;
}

int pg_sighting_expire_previous(struct store_conn *c, int64_t attribute_id, int64_t org_id)
{
    (void)c; (void)attribute_id; (void)org_id;
    return ERR_UNSUPPORTED;
}

int pg_sighting_uuids_known(struct store_conn *c, int64_t event_id, struct str_set uuids, int (*fn)(void *ctx, const char *uuid), void *ctx)
{
    (void)c; (void)event_id; (void)uuids; (void)fn; (void)ctx;
    return ERR_UNSUPPORTED;
}

int pg_event_sighting_touch(struct store_conn *c, int64_t event_id, int64_t now)
{
    (void)c; (void)event_id; (void)now;
    return ERR_UNSUPPORTED;
}

int pg_events_changed(struct store_conn *c, int64_t since, int (*fn)(void *ctx, const struct event_change *ch), void *ctx)
{
    (void)c; (void)since; (void)fn; (void)ctx;
    return ERR_UNSUPPORTED;
}

int pg_sighting_events_changed(struct store_conn *c, int64_t since, int (*fn)(void *ctx, int64_t event_id, const char *uuid), void *ctx)
{
    (void)c; (void)since; (void)fn; (void)ctx;
    return ERR_UNSUPPORTED;
}

int pg_change_seq(struct store_conn *c, int64_t *out)
{
    (void)c; (void)out;
    return ERR_UNSUPPORTED;
}

int pg_index_feed(struct store_conn *c, int64_t since, int (*fn)(void *ctx, const struct index_row *r), void *ctx)
{
    (void)c; (void)since; (void)fn; (void)ctx;
    return ERR_UNSUPPORTED;
}

int pg_lease_take(struct store_conn *c, const char *name, const char *holder, int64_t now, int64_t expires, bool on_demand, const char *dead_holder, bool *taken)
{
    (void)c; (void)name; (void)holder; (void)now; (void)expires; (void)on_demand; (void)dead_holder; (void)taken;
    return ERR_UNSUPPORTED;
}

int pg_lease_renew(struct store_conn *c, const char *holder, int64_t expires)
{
    (void)c; (void)holder; (void)expires;
    return ERR_UNSUPPORTED;
}

int pg_lease_release(struct store_conn *c, const char *name, const char *holder, int64_t now, int rc, int64_t failures, int64_t not_before)
{
    (void)c; (void)name; (void)holder; (void)now; (void)rc; (void)failures; (void)not_before;
    return ERR_UNSUPPORTED;
}

int pg_lease_get(struct store_conn *c, const char *name, struct job_lease_row *out)
{
    (void)c; (void)name; (void)out;
    return ERR_UNSUPPORTED;
}
