/* TEMPORARY (development branch only): operations not yet ported; delete
 * this file when its functions exist in their real files. */
#include "store/pg/pg_int.h"

void pg_event_read(struct arena *a, const PGresult *r, int row, struct event *e)
{
    (void)a; (void)r; (void)row; (void)e;
}

int pg_event_insert(struct store_conn *c, struct event *e)
{
    (void)c; (void)e;
    return ERR_UNSUPPORTED;
}

int pg_event_update(struct store_conn *c, const struct event *e)
{
    (void)c; (void)e;
    return ERR_UNSUPPORTED;
}

int pg_event_touch(struct store_conn *c, int64_t event_id, int64_t timestamp)
{
    (void)c; (void)event_id; (void)timestamp;
    return ERR_UNSUPPORTED;
}

int pg_event_delete(struct store_conn *c, int64_t event_id)
{
    (void)c; (void)event_id;
    return ERR_UNSUPPORTED;
}

int pg_event_purge(struct store_conn *c, int64_t event_id)
{
    (void)c; (void)event_id;
    return ERR_UNSUPPORTED;
}

int pg_event_stamps(struct store_conn *c, struct str_set uuids, int (*fn)(void *ctx, const char *uuid, int64_t timestamp, bool locked), void *ctx)
{
    (void)c; (void)uuids; (void)fn; (void)ctx;
    return ERR_UNSUPPORTED;
}

int pg_event_tags_load(struct pg_conn *c, struct arena *a, struct event *e)
{
    (void)c; (void)a; (void)e;
    return ERR_UNSUPPORTED;
}

int pg_event_orgs_load(struct pg_conn *c, struct arena *a, struct event *e)
{
    (void)c; (void)a; (void)e;
    return ERR_UNSUPPORTED;
}

void pg_attr_read(struct arena *a, const PGresult *r, int row, struct attribute *at)
{
    (void)a; (void)r; (void)row; (void)at;
}

int pg_attribute_insert(struct store_conn *c, struct attribute *at)
{
    (void)c; (void)at;
    return ERR_UNSUPPORTED;
}

int pg_attribute_update(struct store_conn *c, const struct attribute *at)
{
    (void)c; (void)at;
    return ERR_UNSUPPORTED;
}

int pg_attribute_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid, struct attribute **out)
{
    (void)c; (void)a; (void)id; (void)uuid; (void)out;
    return ERR_UNSUPPORTED;
}

int pg_attribute_delete(struct store_conn *c, int64_t id, bool hard)
{
    (void)c; (void)id; (void)hard;
    return ERR_UNSUPPORTED;
}

int pg_uuid_taken_by(struct store_conn *c, const char *uuid, bool attributes, bool *taken)
{
    (void)c; (void)uuid; (void)attributes; (void)taken;
    return ERR_UNSUPPORTED;
}

int pg_attr_tags_load(struct pg_conn *c, struct arena *a, struct attribute *at)
{
    (void)c; (void)a; (void)at;
    return ERR_UNSUPPORTED;
}

int pg_object_insert(struct store_conn *c, struct object *o)
{
    (void)c; (void)o;
    return ERR_UNSUPPORTED;
}

int pg_object_update(struct store_conn *c, const struct object *o)
{
    (void)c; (void)o;
    return ERR_UNSUPPORTED;
}

int pg_object_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid, struct object **out)
{
    (void)c; (void)a; (void)id; (void)uuid; (void)out;
    return ERR_UNSUPPORTED;
}

int pg_object_delete(struct store_conn *c, int64_t id, bool hard)
{
    (void)c; (void)id; (void)hard;
    return ERR_UNSUPPORTED;
}

int pg_reference_insert(struct store_conn *c, int64_t event_id, struct object_reference *r)
{
    (void)c; (void)event_id; (void)r;
    return ERR_UNSUPPORTED;
}

void pg_event_texts_build(struct pg_texts *t)
{
    (void)t;
}

int pg_event_load(struct store_conn *c, struct arena *a, int64_t id, const char *uuid, const struct acl_filter *acl, unsigned flags, struct event **out)
{
    (void)c; (void)a; (void)id; (void)uuid; (void)acl; (void)flags; (void)out;
    return ERR_UNSUPPORTED;
}

int pg_attribute_search(struct store_conn *c, struct arena *a, const struct query *q, bool with_tags, int (*fn)(void *ctx, struct attribute *at, const char *event_uuid), void *ctx)
{
    (void)c; (void)a; (void)q; (void)with_tags; (void)fn; (void)ctx;
    return ERR_UNSUPPORTED;
}

int pg_event_search(struct store_conn *c, struct arena *a, const struct query *q, int (*fn)(void *ctx, struct event *e), void *ctx)
{
    (void)c; (void)a; (void)q; (void)fn; (void)ctx;
    return ERR_UNSUPPORTED;
}
