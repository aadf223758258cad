/*
 * acl.c - access decisions.  See acl.h for the rules and their MISP sources.
 */
#include "core/acl.h"

#include <string.h>

#include "util/banned.h"

bool acl_is_site_admin(const struct principal *p)
{
    return p->cli || role_has(&p->role, PERM_SITE_ADMIN);
}

void acl_filter(const struct principal *p, const struct acl_policy *pol, struct acl_filter *out)
{
    memset(out, 0, sizeof(*out));
    out->everything = acl_is_site_admin(p);
    out->org_id = p->org.id;
    out->unpublished_private = pol && pol->unpublished_private;
}

bool acl_can_admin_org(const struct principal *p, int64_t org_id)
{
    if (acl_is_site_admin(p))
        return true;
    return role_has(&p->role, PERM_ADMIN) && p->org.id == org_id;
}

bool acl_can_add(const struct principal *p)
{
    return acl_is_site_admin(p) || role_has(&p->role, PERM_ADD);
}

bool acl_can_modify_event(const struct principal *p, const struct event *e)
{
    if (acl_is_site_admin(p))
        return true;
    if (role_has(&p->role, PERM_MODIFY_ORG) && e->orgc_id == p->org.id)
        return true;
    return role_has(&p->role, PERM_MODIFY) && e->user_id == p->user.id &&
           e->orgc_id == p->org.id;
}

bool acl_can_publish_event(const struct principal *p, const struct event *e)
{
    if (acl_is_site_admin(p))
        return true;
    return role_has(&p->role, PERM_PUBLISH) && e->orgc_id == p->org.id;
}

bool acl_can_tag_event(const struct principal *p, const struct event *e)
{
    if (acl_is_site_admin(p))
        return true;
    return role_has(&p->role, PERM_TAGGER) && e->orgc_id == p->org.id;
}
