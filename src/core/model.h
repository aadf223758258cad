/*
 * model.h - the domain model: plain data following the MISP core format.
 *
 * These structs are what the codecs decode into and encode from, what the store
 * reads and writes, and what the services pass around.  They carry no behaviour.
 * Strings are NUL-terminated and, inside a request, allocated in that request's
 * arena; a NULL string means "absent" (emitted as MISP emits a missing field).
 * Arrays are (pointer, count) pairs in the same arena.
 *
 * Ids: `id` is the local integer id (0 = not yet stored); `uuid` is the global
 * identity, lower-case canonical 8-4-4-4-12 form ("" = not given).
 * Timestamps are Unix seconds (0 = not given).
 */
#ifndef LIAISON_MODEL_H
#define LIAISON_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UUID_STR_LEN 36

/* Distribution levels (MISP). */
enum distribution {
    DIST_ORG = 0,       /* your organisation only */
    DIST_COMMUNITY = 1, /* this community: every org on this node */
    DIST_CONNECTED = 2, /* connected communities */
    DIST_ALL = 3,       /* all communities */
    DIST_SHARING_GROUP = 4,
    DIST_INHERIT = 5, /* attributes and objects only: the event's */
};

struct org {
    int64_t id;
    char uuid[UUID_STR_LEN + 1];
    char *name;
    char *description;
    char *type;
    char *nationality;
    char *sector;
    char *contacts;
    bool local;
    int64_t created_by;
    int64_t date_created; /* Unix seconds */
    int64_t date_modified;
};

struct tag {
    int64_t id;
    char *name;
    char *colour; /* "#rrggbb" */
    bool exportable;
    bool hide_tag;
    bool is_galaxy;
    bool is_custom_galaxy;
    int64_t org_id;  /* 0: any */
    int64_t user_id; /* 0: any */
    int64_t numerical_value; /* 0 with has_numerical_value false: none */
    bool has_numerical_value;
    bool local_only;
    char uuid[UUID_STR_LEN + 1]; /* "" = not yet assigned */
    int64_t timestamp;
};

/* A tag attached to an event or attribute. */
struct tag_ref {
    struct tag tag;
    bool local; /* local tags never leave this node */
};

struct attribute {
    int64_t id;
    char uuid[UUID_STR_LEN + 1];
    int64_t event_id;
    int64_t object_id; /* 0: not in an object */
    char *object_relation;
    char *type;
    char *category;
    char *value; /* canonical form; for composite types "a|b" */
    char *comment;
    bool to_ids;
    bool to_ids_given;   /* decoder: the client said to_ids (else the type's default) */
    bool category_given; /* decoder: the client gave a category */
    int distribution;
    int64_t sharing_group_id;
    int64_t timestamp;
    bool deleted;
    bool disable_correlation;
    char *first_seen; /* ISO 8601 with microseconds, or NULL */
    char *last_seen;
    struct tag_ref *tags;
    size_t n_tags;
    /* read time only (core/correlation.c): other events' attributes holding
     * the same value, as the reader may see them (MISP's RelatedAttribute) */
    struct related_attribute *related;
    size_t n_related;
    bool over_correlation; /* some part of the value is held by too many events */
    /* sync: the sharing group of distribution 4, as sent to or by a peer */
    struct sharing_group *sharing_group;
};

/* A sync link to a remote server (MISP's Server). */
struct server {
    int64_t id;
    char *name;
    char *url;            /* base URL, http:// or https:// */
    char *authkey;        /* the key of a sync user on the peer (sent, so kept as given) */
    int64_t org_id;       /* the local organisation that owns the link */
    int64_t remote_org_id; /* the organisation running the peer (an org record here) */
    bool push, pull, push_sightings;
    bool self_signed;     /* accept a certificate that does not verify */
    char *cert_file;      /* CA bundle for the peer, or NULL */
    char *push_rules;     /* JSON text ({"tags": {...}, "orgs": {...}}), "" if none */
    char *pull_rules;
    int64_t timeout;      /* seconds per request */
    int64_t pull_interval; /* seconds between the background worker's pulls; 0: on demand */
    int64_t created, modified;
};

/* Where a link's pull or push got to and how its last run went (per link and
 * direction; all zero before the first run). */
struct sync_state {
    int64_t server_id;
    bool push;             /* direction: false = pull */
    char *etag;            /* pull: the peer's events/index ETag after a complete pass */
    int64_t last_timestamp; /* newest event timestamp taken (pull) or sent (push) whole */
    int64_t last_seq;      /* push: the local change sequence offered up to */
    int64_t last_sighting; /* pull: the peer's newest event sighting_timestamp taken */
    int64_t last_run, last_success;
    char *last_error;      /* "" when the last run succeeded */
    int64_t events, attributes, failures; /* of the last run */
    int64_t sightings;     /* of the last run: sightings saved or removed */
    int64_t total_events;  /* since the link exists */
};

struct related_attribute {
    int64_t attribute_id;
    int64_t event_id;
    int64_t org_id; /* the related event's owner */
    const char *info;
    const char *value;
};

struct object_reference {
    int64_t id;
    char uuid[UUID_STR_LEN + 1];
    int64_t timestamp;
    int64_t object_id;
    char object_uuid[UUID_STR_LEN + 1]; /* source object */
    char referenced_uuid[UUID_STR_LEN + 1];
    char *referenced_type; /* "Attribute" or "Object" (derived on store) */
    char *relationship_type;
    char *comment;
    bool deleted;
};

struct object {
    int64_t id;
    char uuid[UUID_STR_LEN + 1];
    int64_t event_id;
    char *name;
    char *meta_category;
    char *description;
    char *template_uuid;
    char *template_version;
    char *comment;
    int distribution;
    int64_t sharing_group_id;
    int64_t timestamp;
    bool deleted;
    char *first_seen;
    char *last_seen;
    struct attribute *attrs;
    size_t n_attrs;
    struct object_reference *refs;
    size_t n_refs;
    struct sharing_group *sharing_group; /* sync, as for attributes */
};

enum threat_level { THREAT_HIGH = 1, THREAT_MEDIUM = 2, THREAT_LOW = 3, THREAT_UNDEFINED = 4 };
enum analysis { ANALYSIS_INITIAL = 0, ANALYSIS_ONGOING = 1, ANALYSIS_COMPLETE = 2 };

struct event {
    int64_t id;
    char uuid[UUID_STR_LEN + 1];
    char *info;
    char date[11]; /* YYYY-MM-DD, "" = not given */
    int threat_level_id;
    int analysis;
    int distribution;
    int64_t sharing_group_id;
    bool published;
    int64_t timestamp;
    int64_t publish_timestamp;
    int64_t sighting_timestamp;
    int64_t org_id;  /* owner org on this node */
    int64_t orgc_id; /* creator org */
    int64_t user_id;
    bool locked;
    bool disable_correlation;
    bool proposal_email_lock;
    char *extends_uuid;
    int64_t attribute_count;
    bool deleted;
    /* Organisations as given in a decoded document (Orgc/Org with uuid and name),
     * or as loaded for output; may be NULL. */
    struct org *org;
    struct org *orgc;
    struct attribute *attrs; /* attributes outside objects */
    size_t n_attrs;
    struct object *objects;
    size_t n_objects;
    struct tag_ref *tags;
    size_t n_tags;
    struct sharing_group *sharing_group; /* sync, as for attributes */
    /* read time only: the events correlating with this one (MISP's
     * RelatedEvent), with org and orgc, newest date first */
    struct event **related;
    size_t n_related;
    /* read time only: the sightings of its attributes the reader may see
     * (core/sighting.h), ordered by attribute id; the encoder writes each
     * attribute's own as its "Sighting" list, as MISP's event view does */
    struct sighting *sightings;
    size_t n_sightings;
};


/* Role permissions (MISP's perm_* flags), as bits of struct role.perms.
 * role_perm_names[] gives their MISP names in this order. */
enum role_perm {
    PERM_ADD,
    PERM_MODIFY,
    PERM_MODIFY_ORG,
    PERM_PUBLISH,
    PERM_DELEGATE,
    PERM_SYNC,
    PERM_ADMIN,
    PERM_AUDIT,
    PERM_AUTH,
    PERM_SITE_ADMIN,
    PERM_REGEXP_ACCESS,
    PERM_TAGGER,
    PERM_TEMPLATE,
    PERM_SHARING_GROUP,
    PERM_TAG_EDITOR,
    PERM_SIGHTING,
    PERM_OBJECT_TEMPLATE,
    PERM_PUBLISH_ZMQ,
    PERM_PUBLISH_KAFKA,
    PERM_DECAYING,
    PERM_GALAXY_EDITOR,
    PERM_WARNINGLIST,
    PERM_VIEW_FEED_CORRELATIONS,
    PERM_ANALYST_DATA,
    PERM_SKIP_OTP,
    PERM_SERVER_SIGN,
    PERM_COUNT,
};

#define PERM_BIT(p) (1u << (p))

extern const char *const role_perm_names[PERM_COUNT];

struct role {
    int64_t id;
    char *name;
    uint32_t perms; /* PERM_BIT(PERM_ADD) | ... */
    bool default_role;
    bool restricted_to_site_admin;
    int64_t created;
    int64_t modified;
};

static inline bool role_has(const struct role *r, enum role_perm p)
{
    return (r->perms & PERM_BIT(p)) != 0;
}

struct user {
    int64_t id;
    char *email;
    int64_t org_id;
    int64_t role_id;
    bool disabled;
    bool autoalert;
    bool contactalert;
    bool termsaccepted;
    bool change_pw;
    char *nids_sid;
    int64_t date_created;
    int64_t date_modified;
    int64_t last_login;
    int64_t invited_by;
};

struct sharing_group_org {
    int64_t org_id;
    bool extend; /* may edit the group */
    struct org *org; /* loaded for output, may be NULL */
};

struct sharing_group_server {
    int64_t server_id; /* 0: this node */
    bool all_orgs;     /* every organisation of that server is a member */
    const char *url;   /* sync: the server's base URL, as sent to or by a peer */
};

struct sharing_group {
    int64_t id;
    char uuid[UUID_STR_LEN + 1];
    char *name;
    char *releasability;
    char *description;
    int64_t org_id; /* creator organisation */
    bool active;
    bool local;
    bool roaming;
    int64_t created;
    int64_t modified;
    struct org *org; /* creator, loaded for output, may be NULL */
    struct sharing_group_org *orgs;
    size_t n_orgs;
    struct sharing_group_server *servers;
    size_t n_servers;
};

/* An API key as listed (the secret itself is never stored). */
struct auth_key {
    int64_t id;
    char uuid[UUID_STR_LEN + 1];
    int64_t user_id;
    char key_start[5]; /* first four characters, shown to the user */
    char key_end[5];   /* last four characters */
    char *comment;
    int64_t created;
    int64_t expiration; /* 0: never */
    bool read_only;
};

/* ---- sightings ---- */

/* What a sighting says (MISP's Sighting::TYPE). */
enum sighting_type {
    SIGHTING_SEEN = 0,
    SIGHTING_FALSE_POSITIVE = 1,
    SIGHTING_EXPIRATION = 2,
};

/*
 * A sighting (MISP's Sighting): an organisation saw an attribute's value, found
 * it a false positive or declared it expired, at date_sighting.  Immutable once
 * stored except for the tombstone (deleted); the same sighting on every node
 * has the same uuid.
 */
struct sighting {
    int64_t id;
    char uuid[UUID_STR_LEN + 1];
    int64_t attribute_id;
    int64_t event_id;
    int64_t org_id;        /* the reporting organisation; 0: anonymous */
    int64_t from_org_id;   /* the peer organisation that delivered it; 0: recorded here */
    int type;              /* enum sighting_type */
    char *source;          /* free text, "" if none */
    int64_t date_sighting; /* Unix seconds */
    bool deleted;
    /* read with the row, for acl and output */
    int64_t event_org_id;  /* owner organisation of the event */
    char attribute_uuid[UUID_STR_LEN + 1];
    char event_uuid[UUID_STR_LEN + 1];
    char *value;           /* the attribute's value */
    struct org *org;       /* id, uuid, name; NULL for org_id 0 */
};

/* A request to record sightings (MISP's sightings/add), as decoded. */
struct sighting_add {
    const char *attribute;     /* the attribute's id or uuid, or NULL: by value */
    const char *const *values; /* else: every visible attribute holding one */
    size_t n_values;
    int type;                  /* -1: 0 */
    const char *source;        /* NULL: "" */
    int64_t date_sighting;     /* 0: now */
};

/* What the ids and uuids of a sighting read name. */
enum sighting_context { SIGHTING_CONTEXT_NONE, SIGHTING_CONTEXT_ATTRIBUTE, SIGHTING_CONTEXT_EVENT };

/* A reporting organisation named in a sighting read: by id, or by uuid (an
 * organisation unknown here matches no sighting). */
struct sighting_org_ref {
    int64_t id;                  /* when uuid is "" */
    char uuid[UUID_STR_LEN + 1]; /* canonical */
    bool negate;                 /* none of these rather than one of these */
};

/* A sighting search (MISP's sightings/restSearch), as decoded; every list
 * empty means "any". */
struct sighting_filter {
    enum sighting_context context;     /* what ids and uuids name (NONE: unused) */
    int64_t *ids;
    size_t n_ids;
    char (*uuids)[UUID_STR_LEN + 1];
    size_t n_uuids;
    int *types;
    size_t n_types;
    const char **sources;
    size_t n_sources;
    struct sighting_org_ref *orgs;
    size_t n_orgs;
    int64_t from, to;  /* date_sighting bounds (inclusive), 0: open */
    bool with_deleted; /* asked for tombstones too (granted to peers: acl) */
};

/* Why a sighting of a bulk save was not saved. */
struct sighting_skip {
    const struct sighting *sighting; /* as given */
    const char *reason;
};

/* What a peer's bulk save of sightings did. */
struct sighting_bulk_result {
    size_t saved;
    size_t duplicates; /* uuid known here (or twice in the request): ignored */
    size_t removed;    /* sent as deleted by a Liaison peer: tombstoned here too */
    struct sighting_skip *skipped; /* attribute not a visible live one of the event */
    size_t n_skipped, cap_skipped;
};

#endif
