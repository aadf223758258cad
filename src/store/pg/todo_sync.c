/* TEMPORARY (development branch only): operations not yet ported; delete
 * this file when its functions exist in their real files. */
#include "store/pg/pg_int.h"

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
