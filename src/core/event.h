/*
 * event.h - the event service: the rules for creating and changing events,
 * attributes, objects and tags.
 *
 * Two levels.  The service entry points (events_*, attributes_*, objects_*,
 * tags_*) take a struct svc, open and end their own store transaction (a
 * request is all or nothing), load the caller's sharing groups and read
 * filter (acl_principal_load) and ask acl.c for every decision; the HTTP
 * handlers and the CLI call them.  The rule functions below them (event_*,
 * org_capture) run inside the caller's write transaction (struct store_conn
 * from store_begin_write) and leave commit or rollback to it: core/sync.c
 * calls event_receive and org_capture inside its own.  Validation errors name
 * the field in struct diag.
 *
 * A service entry point fails with ERR_NOTFOUND and an empty diag when the
 * target it names (event, attribute, object) does not exist or the caller
 * may not see it; any other failure of the rules names its field.
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
#include "util/str.h"

/* ---- the service: each call owns its transaction ---- */

struct svc;

/* A write that may be a peer's push (events_add, events_edit). */
struct events_push {
    bool exact;           /* a Liaison peer (X-Liaison-Sync: 1): the document is the whole truth */
    const char *self_url; /* this node's base URL (sharing groups' server lists), or NULL */
};

/* A saved event, for the answer. */
struct event_saved {
    struct event *event; /* as stored, with children and tags */
    /* beyond MISP: items whose distribution is wider than their TLP tags
     * allow (acl.h: TLP is a policy); the write is accepted all the same */
    const char **warnings;
    size_t n_warnings;
    /* a push refused as a whole: the sentence that answers it (with the
     * returned code's status), else NULL */
    const char *refused;
    bool saved; /* committed: a failure after this is the answer's, not the write's */
};

/*
 * Creates event in (decoded) owned by the caller's organisation, answered as
 * created (without RelatedEvent: computing it made bulk ingest slow).  A
 * peer's sync user sending an event with its uuid and timestamp pushes it
 * (MISP's sync): its sharing groups are captured for the sync user's
 * organisation and the event is saved as a synced copy (event_receive, as
 * acl_principal_for_peer_push), reloaded as the caller sees it; ERR_STALE
 * when the copy here is as new, ERR_FORBIDDEN with out->refused when it may
 * not land (a sharing group without the sender's organisation, an event
 * created or deleted here).
 */
int events_add(struct svc *s, const struct principal *who, struct arena *a, struct event *in,
               const struct events_push *push, struct event_saved *out, struct diag *d);
/* Applies in to the event ref (id or uuid; in's uuid defaults to ref's)
 * and answers it as stored; a peer's push as events_add (ERR_INVAL with
 * out->refused when in's uuid is not ref's). */
int events_edit(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                struct event *in, const struct events_push *push, struct event_saved *out,
                struct diag *d);
/* Tombstones the event ref; *id is its id. */
int events_delete(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                  int64_t *id, struct diag *d);
int events_publish(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                   bool publish, int64_t *id, struct diag *d);

/* Adds v[0..n) to the event ref, all or none; errors name "Attribute.i"
 * when listed (a list was sent), else "Attribute". */
int attributes_add(struct svc *s, const struct principal *who, struct arena *a,
                   const char *event_ref, struct attribute *v, size_t n, bool listed,
                   struct diag *d);
/* Applies in to the attribute ref (id or uuid); *out is it as stored. */
int attributes_edit(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                    const struct attribute *in, struct attribute **out, struct diag *d);
/* Soft-deletes (hard: removes) the attribute ref; a soft delete of one
 * already deleted is ERR_NOTFOUND.  *id is its id. */
int attributes_delete(struct svc *s, const struct principal *who, struct arena *a,
                      const char *ref, bool hard, int64_t *id, struct diag *d);

/* Adds object o (with its attributes and references) to the event ref. */
int objects_add(struct svc *s, const struct principal *who, struct arena *a, const char *event_ref,
                struct object *o, struct diag *d);
/* Soft-deletes (hard: removes) the object ref (id or uuid); *id is its id. */
int objects_delete(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
                   bool hard, int64_t *id, struct diag *d);

/* Every tag, or those whose name holds search (NULL: all); any caller. */
int tags_list(struct svc *s, const struct principal *who, struct arena *a, const char *search,
              struct tag **out, size_t *n);
/* Creates tag t (acl_can_edit_tags, else ERR_FORBIDDEN): a name is needed;
 * uuid, when given, must be one (else one is generated); the colour
 * defaults to white.  ERR_CONFLICT (field "name") for a name in use. */
int tags_add(struct svc *s, const struct principal *who, struct tag *t, const struct str *uuid,
             struct diag *d);

/* attachTagToObject / removeTagFromObject. */
struct tag_change {
    char uuid[UUID_STR_LEN + 1]; /* the event's or attribute's */
    int64_t tag_id;              /* the tag by id, or */
    const char *tag_name;        /* by name */
    bool local;
    bool attach; /* else detach */
};
int tags_change(struct svc *s, const struct principal *who, struct arena *a,
                const struct tag_change *in, struct diag *d);

/*
 * liaison import: files of events written in batches, each file inside its
 * own savepoint of one write transaction that holds files until the caller
 * commits it (a bad file is undone alone, good ones share a commit).
 */
struct events_import {
    size_t events, attrs; /* committed */
    size_t in_tx;         /* attributes written in the open transaction */
    /* the service's */
    struct svc *svc;
    const struct principal *who;
    struct store_conn *c;
    size_t pending_events, pending_attrs, file_events, file_attrs;
};
/* The principal liaison import writes as: the command line acting for the
 * host organisation (acl_principal_cli), the instance set up first when new
 * (instance_init). */
int events_import_principal(struct svc *s, struct arena *a, struct principal *out,
                            struct diag *d);
void events_import_init(struct events_import *im, struct svc *s, const struct principal *who);
/* Opens the transaction if none is, and a savepoint for one file. */
int events_import_file_begin(struct events_import *im);
/* Creates e (decoded) in the open file. */
int events_import_add(struct events_import *im, struct arena *a, struct event *e,
                      struct diag *d);
/* Keeps or undoes the file since events_import_file_begin. */
int events_import_file_end(struct events_import *im, bool keep);
/* Commits the open transaction (if any): its files count as imported. */
int events_import_commit(struct events_import *im);

/* ---- the rules, inside the caller's transaction ---- */

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

/* Loads the attribute ref (id or uuid) and its event (children, tags, deleted
 * ones included) if both are visible; ERR_NOTFOUND otherwise.  *at is the
 * stored row, not the event's copy. */
int event_attribute_find(struct store_conn *c, struct arena *a, const struct acl_filter *acl,
                         const char *ref, struct event **e, struct attribute **at);

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
