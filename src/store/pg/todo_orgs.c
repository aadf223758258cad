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









