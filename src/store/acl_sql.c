/*
 * acl_sql.c - the read access-control rule as SQL text (see acl_sql.h and the
 * rule's statement in core/acl.h); tests/api/test_acl_oracle.py checks reads
 * against an independent model of it.
 */
#include "store/acl_sql.h"

#include "core/model.h"

#include "util/banned.h"

static void text(struct acl_sql *w, const char *s)
{
    buf_puts(w->sql, s);
}

static void value(struct acl_sql *w, enum acl_sql_value v)
{
    w->value(w, v);
}

/* "<alias>.distribution IN (community, connected, all[, inherit]) OR
 *  (<alias>.distribution = sharing group AND <alias>.sharing_group_id IN set)" */
static void distribution(struct acl_sql *w, const char *alias, bool inherit)
{
    buf_printf(w->sql, "(%s.distribution IN (%d,%d,%d", alias, DIST_COMMUNITY, DIST_CONNECTED,
               DIST_ALL);
    if (inherit)
        buf_printf(w->sql, ",%d", DIST_INHERIT);
    buf_printf(w->sql, ") OR (%s.distribution = %d AND %s.sharing_group_id", alias,
               DIST_SHARING_GROUP, alias);
    text(w, w->set_open);
    value(w, ACL_SQL_SHARING_GROUPS);
    text(w, w->set_close);
    text(w, "))");
}

/* " AND (" and, for a text serving any filter, "<everything> OR " */
static bool open_fragment(struct acl_sql *w)
{
    if (w->filter != NULL && w->filter->everything)
        return false;
    text(w, " AND (");
    if (w->filter == NULL) {
        value(w, ACL_SQL_EVERYTHING);
        text(w, " OR ");
    }
    return true;
}

void acl_sql_event(struct acl_sql *w, const char *ev)
{
    if (!open_fragment(w))
        return;
    buf_printf(w->sql, "%s.org_id = ", ev);
    value(w, ACL_SQL_ORG_ID);
    text(w, " OR (");
    distribution(w, ev, false);
    if (w->filter == NULL) {
        text(w, " AND (NOT ");
        value(w, ACL_SQL_UNPUBLISHED_PRIVATE);
        buf_printf(w->sql, " OR %s.published = 1)", ev);
    } else if (w->filter->unpublished_private) {
        buf_printf(w->sql, " AND %s.published = 1", ev);
    }
    text(w, "))");
}

void acl_sql_child(struct acl_sql *w, const char *ev, const char *child, const char *obj)
{
    if (!open_fragment(w))
        return;
    buf_printf(w->sql, "%s.org_id = ", ev);
    value(w, ACL_SQL_ORG_ID);
    text(w, " OR (");
    distribution(w, child, true);
    if (obj != NULL) {
        buf_printf(w->sql, " AND (%s.object_id = 0 OR ", child);
        distribution(w, obj, true);
        text(w, ")");
    }
    text(w, "))");
}

void acl_sql_deleted(struct acl_sql *w, const char *ev, const char *child)
{
    if (w->filter != NULL && (w->filter->everything || w->filter->see_deleted))
        return;
    buf_printf(w->sql, " AND (%s.deleted = 0 OR ", child);
    if (w->filter == NULL) {
        value(w, ACL_SQL_EVERYTHING);
        text(w, " OR ");
        value(w, ACL_SQL_SEE_DELETED);
        text(w, " OR ");
    }
    buf_printf(w->sql, "%s.org_id = ", ev);
    value(w, ACL_SQL_ORG_ID);
    text(w, ")");
}
