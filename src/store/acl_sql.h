/*
 * acl_sql.h - the read access-control rule as SQL text, written in this one
 * place from the DIST_* constants (core/model.h), for every SQL backend.
 *
 * acl decides (core/acl.h) and hands the store a struct acl_filter; a backend
 * renders it with these functions into the statements that read events,
 * objects, attributes and sightings.  Each function appends " AND (...)" on
 * the aliases it is given, or nothing when the filter lets everything
 * through.  How a value appears is the backend's: w->value appends the
 * placeholder of a value (and, for a statement built per request, records
 * what to bind there), and w->set_open / w->set_close wrap the placeholder of
 * the sharing-group id set into a membership test (SQLite:
 * "IN (SELECT value FROM json_each(" ... "))").
 *
 * Two ways to render:
 * - w->filter set: the filter's flags decide the text (a site admin gets no
 *   fragment, the published test appears only for unpublished_private, ...);
 *   only the organisation id and the sharing groups are values.
 * - w->filter NULL: one text for every filter, for a statement prepared once
 *   and cached; the flags are values as well (ACL_SQL_EVERYTHING, ...).
 */
#ifndef LIAISON_ACL_SQL_H
#define LIAISON_ACL_SQL_H

#include "core/query.h"
#include "util/buf.h"

/* The values a fragment refers to. */
enum acl_sql_value {
    ACL_SQL_EVERYTHING,          /* 0/1: acl_filter.everything */
    ACL_SQL_ORG_ID,              /* the reader's organisation id */
    ACL_SQL_UNPUBLISHED_PRIVATE, /* 0/1 */
    ACL_SQL_SEE_DELETED,         /* 0/1 */
    ACL_SQL_SHARING_GROUPS,      /* the sharing groups the reader may see, as a set */
};

struct acl_sql {
    struct buf *sql;                 /* the text is appended here */
    const struct acl_filter *filter; /* NULL: a text for any filter */
    void (*value)(struct acl_sql *w, enum acl_sql_value v);
    const char *set_open, *set_close; /* around the sharing-group set's placeholder */
    void *ctx;                        /* the backend's, for value() */
};

/* The event (alias ev) is visible: its organisation's own, or distributed to
 * the community, connected communities, all, or a visible sharing group (and
 * published, for unpublished_private). */
void acl_sql_event(struct acl_sql *w, const char *ev);

/*
 * A child of a visible event ev - an object or attribute with alias child -
 * passes its own distribution test (inherit passes), or ev is the reader's
 * organisation's.  With obj (an attribute's object, LEFT JOINed on the
 * attribute's object_id), an attribute inside an object needs the object to
 * pass as well.
 */
void acl_sql_child(struct acl_sql *w, const char *ev, const char *child, const char *obj);

/* A soft-deleted child (alias child) of event ev is shown only to its event's
 * organisation, site admins and readers with see_deleted. */
void acl_sql_deleted(struct acl_sql *w, const char *ev, const char *child);

#endif
