/*
 * misp_server.c - instance information endpoints: getVersion,
 * getPyMISPVersion, users/view/me and attributes/describeTypes (encoded by
 * codec/misp_admin.c).
 */
#include "http/misp.h"

#include "codec/misp_admin.h"
#include "core/sync.h"

#include "util/banned.h"

int misp_server_get_version(struct request *req)
{
    misp_version_encode(&req->w, &req->who.role, req->app->svc.instance_uuid, LIAISON_SYNC_LEVEL);
    return 200;
}

int misp_server_pymisp_version(struct request *req)
{
    misp_pymisp_version_encode(&req->w);
    return 200;
}

int misp_users_view_me(struct request *req)
{
    misp_user_me_encode(&req->w, &req->who.user, &req->who.role, &req->who.org);
    return 200;
}

int misp_describe_types(struct request *req)
{
    misp_describe_types_encode(&req->w);
    return 200;
}
