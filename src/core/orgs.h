/*
 * orgs.h - the organisation service: the only code that adds organisations or
 * reads them for an API or command-line caller.
 *
 * Every function opens and ends its own store transaction and asks acl.c
 * (acl_can_add_org); results live in the caller's arena.  Every
 * authenticated user may list and view organisations (MISP's default).
 * Organisations a received event names are captured by the event service
 * (org_capture), not here.
 */
#ifndef LIAISON_ORGS_H
#define LIAISON_ORGS_H

#include "core/acl.h"
#include "core/svc.h"
#include "util/arena.h"

/* A new organisation as a caller gives it; NULL: not given. */
struct org_in {
    const char *name; /* required, unique */
    const char *uuid; /* any case; NULL: a new v4 uuid */
    const char *description;
    const char *type;
    const char *nationality;
    const char *sector;
    const char *contacts;
    bool local; /* an organisation of this node (MISP's "local") */
};

/*
 * Adds an organisation created by who (site admins only: ERR_FORBIDDEN, no
 * field).  ERR_INVAL naming "name" (missing) or "uuid" (not a uuid);
 * ERR_CONFLICT naming "name" when the name or uuid is taken.  *out is the
 * stored organisation (its strings are in's).
 */
int orgs_add(struct svc *s, const struct principal *who, const struct org_in *in, struct org *out,
             struct diag *d);

/* The organisation ref names: a positive id, a uuid or, with by_name, a name.
 * ERR_NOTFOUND when there is none (or ref is none of these). */
int orgs_get(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
             bool by_name, struct org **out);

/* Every organisation, by id. */
int orgs_list(struct svc *s, const struct principal *who, struct arena *a, struct org **out,
              size_t *n);

#endif
