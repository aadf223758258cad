/* TEMPORARY (development branch only): operations not yet ported; delete
 * this file when its functions exist in their real files. */
#include "store/pg/pg_int.h"



















int pg_sharing_group_insert(struct store_conn *c, struct sharing_group *g)
{
    (void)c; (void)g;
    return ERR_UNSUPPORTED;
}

int pg_sharing_group_update(struct store_conn *c, const struct sharing_group *g)
{
    (void)c; (void)g;
    return ERR_UNSUPPORTED;
}

int pg_sharing_group_delete(struct store_conn *c, int64_t id)
{
    (void)c; (void)id;
    return ERR_UNSUPPORTED;
}

int pg_sharing_group_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid, struct sharing_group **out)
{
    (void)c; (void)a; (void)id; (void)uuid; (void)out;
    return ERR_UNSUPPORTED;
}

int pg_sharing_group_list(struct store_conn *c, struct arena *a, struct sharing_group **out, size_t *n)
{
    (void)c; (void)a; (void)out; (void)n;
    return ERR_UNSUPPORTED;
}

int pg_sharing_group_org_set(struct store_conn *c, int64_t sg_id, int64_t org_id, bool extend)
{
    (void)c; (void)sg_id; (void)org_id; (void)extend;
    return ERR_UNSUPPORTED;
}

int pg_sharing_group_org_remove(struct store_conn *c, int64_t sg_id, int64_t org_id)
{
    (void)c; (void)sg_id; (void)org_id;
    return ERR_UNSUPPORTED;
}

int pg_sharing_group_server_set(struct store_conn *c, int64_t sg_id, int64_t server_id, bool all_orgs)
{
    (void)c; (void)sg_id; (void)server_id; (void)all_orgs;
    return ERR_UNSUPPORTED;
}

int pg_sharing_group_server_remove(struct store_conn *c, int64_t sg_id, int64_t server_id)
{
    (void)c; (void)sg_id; (void)server_id;
    return ERR_UNSUPPORTED;
}

int pg_sharing_group_visible_ids(struct store_conn *c, struct arena *a, int64_t org_id, bool via_links, struct id_set *out)
{
    (void)c; (void)a; (void)org_id; (void)via_links; (void)out;
    return ERR_UNSUPPORTED;
}

void pg_tag_read(struct arena *a, const PGresult *r, int row, int col, struct tag *t)
{
    (void)a; (void)r; (void)row; (void)col; (void)t;
}

void pg_tag_ref_read(struct arena *a, const PGresult *r, int row, int col, struct tag_ref *t)
{
    (void)a; (void)r; (void)row; (void)col; (void)t;
}

int pg_tag_get(struct store_conn *c, struct arena *a, int64_t id, const char *name, struct tag **out)
{
    (void)c; (void)a; (void)id; (void)name; (void)out;
    return ERR_UNSUPPORTED;
}

int pg_tag_list(struct store_conn *c, struct arena *a, const char *name_like, struct tag **out, size_t *n)
{
    (void)c; (void)a; (void)name_like; (void)out; (void)n;
    return ERR_UNSUPPORTED;
}

int pg_tag_insert(struct store_conn *c, struct tag *t)
{
    (void)c; (void)t;
    return ERR_UNSUPPORTED;
}

int pg_event_tag_attach(struct store_conn *c, int64_t event_id, int64_t tag_id, bool local)
{
    (void)c; (void)event_id; (void)tag_id; (void)local;
    return ERR_UNSUPPORTED;
}

int pg_event_tag_detach(struct store_conn *c, int64_t event_id, int64_t tag_id)
{
    (void)c; (void)event_id; (void)tag_id;
    return ERR_UNSUPPORTED;
}

int pg_attribute_tag_attach(struct store_conn *c, int64_t event_id, int64_t attribute_id, int64_t tag_id, bool local)
{
    (void)c; (void)event_id; (void)attribute_id; (void)tag_id; (void)local;
    return ERR_UNSUPPORTED;
}

int pg_attribute_tag_detach(struct store_conn *c, int64_t attribute_id, int64_t tag_id)
{
    (void)c; (void)attribute_id; (void)tag_id;
    return ERR_UNSUPPORTED;
}
