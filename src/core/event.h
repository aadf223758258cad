/*
 * event.h - the event service: the rules for creating and changing events,
 * attributes, objects and tags.
 *
 * Every function runs inside the caller's write transaction (struct store_conn
 * from store_begin_write) and leaves commit or rollback to the caller, so a
 * request is all or nothing.  Validation errors name the field in struct diag.
 *
 * Rules (MISP's, see the foundation issue):
 *  - uuids are accepted when given (canonicalised), generated (v4) otherwise,
 *    and unique across the instance;
 *  - an update carrying a timestamp older than or equal to the stored one does
 *    not overwrite it (ERR_STALE for the event itself; silently kept for
 *    children), which makes sync safe;
 *  - attribute types and categories come from the type table; values are
 *    canonicalised; the category defaults from the type;
 *  - every write stamps the global change sequence (store).
 */
#ifndef LIAISON_EVENT_H
#define LIAISON_EVENT_H

#include "core/acl.h"
#include "store/store.h"

/* The organisation a document names (by uuid, else name): its id here, or,
 * when unknown, a new (not local) organisation created by user `creator` -
 * which needs a name (else ERR_INVAL naming `field`).  MISP's captureOrg. */
int org_capture(struct store_conn *c, struct arena *a, const struct org *given,
                int64_t creator, const char *field, int64_t *id, struct diag *d);

/* Creates e (with its attributes, objects, references and tags) owned by the
 * caller's org.  On success e->id and all child ids are set. */
int event_create(struct store_conn *c, struct arena *a, const struct principal *p,
                 struct event *e, struct diag *d);

/* Applies the fields given in in to the stored event `target` (loaded with its
 * children, deleted ones included): event fields, then attributes and objects
 * matched by uuid (new ones added). */
int event_update(struct store_conn *c, struct arena *a, const struct principal *p,
                 struct event *target, const struct event *in, struct diag *d);

/* Loads the event by id or uuid text ("12" or a uuid) if visible; ERR_NOTFOUND otherwise. */
int event_find(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
               const char *ref, unsigned flags, struct event **out);

int event_delete(struct store_conn *c, const struct principal *p, struct event *e,
                 struct diag *d);
int event_publish(struct store_conn *c, const struct principal *p, struct event *e, bool publish,
                  struct diag *d);

/* Adds attribute at to event e (validated; e is touched and unpublished). */
int event_attribute_add(struct store_conn *c, struct arena *a, const struct principal *p,
                        struct event *e, struct attribute *at, const char *field,
                        struct diag *d);
/* Applies the given fields of in to stored attribute cur (timestamp rule). */
int event_attribute_edit(struct store_conn *c, struct arena *a, const struct principal *p,
                         struct event *e, struct attribute *cur, const struct attribute *in,
                         struct diag *d);
int event_attribute_delete(struct store_conn *c, const struct principal *p, struct event *e,
                           struct attribute *at, bool hard, struct diag *d);
int event_object_add(struct store_conn *c, struct arena *a, const struct principal *p,
                     struct event *e, struct object *o, const char *field, struct diag *d);

/* Attaches or detaches a tag by name on an event or attribute. */
int event_tag_attach(struct store_conn *c, struct arena *a, const struct principal *p,
                     struct event *e, struct attribute *at, const char *tag_name, bool local,
                     struct diag *d);
int event_tag_detach(struct store_conn *c, struct arena *a, const struct principal *p,
                     struct event *e, struct attribute *at, const char *tag_name,
                     struct diag *d);

/* How event_receive treated an event from a peer. */
enum receive_result {
    RECEIVE_CREATED,
    RECEIVE_UPDATED,
    RECEIVE_NOT_NEWER, /* the copy here is as new or newer */
    RECEIVE_LOCAL,     /* created here (not locked): a peer never overwrites it */
    RECEIVE_DELETED,   /* deleted here, or its uuid names something else here */
};

/*
 * Saves an event received from a peer (pulled, or pushed by a sync user),
 * already rewritten for this side (core/sync.h): created when new; applied
 * over the synced copy here when strictly newer, per event and, inside, per
 * attribute and object (MISP's rule).  The copy is locked and owned by p's
 * organisation (a pull: the organisation owning the link here, as MISP's
 * Event::_add with the server's org_id; a push: the pushing sync user's); the
 * creator is the document's Orgc (created here, not local, when unknown).  exact (a Liaison peer): the document is the whole
 * truth, so shared tags it no longer carries and attributes and objects it no
 * longer holds are removed here; local tags stay.  in->id is set unless the
 * result is NOT_NEWER, LOCAL or DELETED.
 */
int event_receive(struct store_conn *c, struct arena *a, const struct principal *p,
                  struct event *in, bool exact, enum receive_result *res, struct diag *d);

#endif
