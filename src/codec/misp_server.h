/*
 * misp_server.h - MISP's ServersController wire formats: a sync link's body
 * (servers/add|edit) and answer (servers/add|edit|index), the testConnection
 * answer, and the lists a peer sends to the sync endpoints
 * (events/filterEventIdsForPush, Liaison's events/syncRevoked|syncRemove).
 * Pure functions: no I/O, no globals; the decoders are fuzzed
 * (fuzz/fuzz_misp_server.c).
 */
#ifndef LIAISON_MISP_SERVER_H
#define LIAISON_MISP_SERVER_H

#include "codec/json.h"
#include "core/model.h"
#include "util/arena.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which members of struct link_change's sv were given. */
enum {
    LINK_SET_URL = 1u << 0,
    LINK_SET_NAME = 1u << 1,
    LINK_SET_AUTHKEY = 1u << 2,
    LINK_SET_CERT_FILE = 1u << 3,
    LINK_SET_PUSH = 1u << 4,
    LINK_SET_PULL = 1u << 5,
    LINK_SET_PUSH_SIGHTINGS = 1u << 6,
    LINK_SET_SELF_SIGNED = 1u << 7,
    LINK_SET_PUSH_RULES = 1u << 8,
    LINK_SET_PULL_RULES = 1u << 9,
    LINK_SET_TIMEOUT = 1u << 10,
    LINK_SET_PULL_INTERVAL = 1u << 11,
};

/*
 * A sync link as a client gives it (servers/add|edit, `liaison peer add`):
 * plain data the links service (core/links.h) applies over a new link's
 * defaults or the stored one.
 */
struct link_change {
    struct server sv; /* the values given */
    unsigned set;     /* which of them: LINK_SET_* */
    /* who runs the peer, if given (the first that is set wins): */
    int64_t remote_org_id;       /* > 0: this organisation */
    const char *remote_org_uuid; /* the organisation with this uuid, created as */
    const char *remote_org_name; /*   remote_org_name (not local) when unknown */
    const char *remote_org;      /* a known organisation's id, uuid or name */
};

/*
 * Decodes a servers/add|edit body (unwrapped from {"Server": ...}) into out
 * (zeroed first; strings in a): url, name, authkey, cert_file (strings),
 * push, pull, push_sightings, self_signed (booleans), push_rules, pull_rules
 * (a JSON object, or MISP's JSON-encoded string of one; kept as text, "" for
 * ""), timeout, pull_interval (numbers), and remote_org_id (an id) or
 * RemoteOrg {uuid, name}.  Absent or null members are not given.  ERR_INVAL
 * naming the member otherwise.
 */
int misp_server_decode(struct arena *a, const struct json_value *body, struct link_change *out,
                       struct diag *d);

/* {"Server": {...}, "Organisation": {id, name, uuid}, "RemoteOrg": {...},
 * "sync": {"pull": {...}, "push": {...}}}: the link (its key shown by its first
 * four characters only), its owner, the organisation running the peer (either
 * may be NULL) and, beyond MISP, how its last pull and push went. */
void misp_server_encode(struct json_writer *w, const struct server *sv, const struct org *org,
                        const struct org *remote, const struct sync_state *pull,
                        const struct sync_state *push);

/* servers/testConnection's answer. */
struct misp_connection_test {
    int status;          /* MISP's code: 1 OK, 2 unreachable, ... */
    const char *message; /* MISP's name for it */
    const char *version; /* the peer's getVersion, "" if none came */
    const char *uuid;
    bool perm_sync, perm_sighting;
    const char *error; /* what went wrong; NULL when status is OK */
};
/* {"status", "message", ["version", "uuid", "perm_sync", "perm_sighting"],
 * ["error"]} */
void misp_connection_test_encode(struct json_writer *w, const struct misp_connection_test *t);

/*
 * events/filterEventIdsForPush's body, [{"Event": {"uuid", "timestamp"}}, ...]
 * (the Event wrapper optional): *uuids (canonical) and *stamps, *n items, in a.
 * ERR_INVAL: d->field "" when the body is not an array, else naming the item
 * ("3.Event.uuid").
 */
int misp_push_offers_decode(struct arena *a, const struct json_value *body,
                            char (**uuids)[UUID_STR_LEN + 1], int64_t **stamps, size_t *n,
                            struct diag *d);

/* A JSON array of event uuids (syncRevoked, syncRemove): *uuids canonical, in
 * a.  ERR_INVAL: d->field "" when the body is not an array, else the index of
 * the bad item ("3"). */
int misp_uuid_list_decode(struct arena *a, const struct json_value *body,
                          char (**uuids)[UUID_STR_LEN + 1], size_t *n, struct diag *d);

/* A JSON array of the uuids[i] for which pick[i] holds, in order (the
 * answers of filterEventIdsForPush and syncRevoked). */
void misp_uuid_list_encode(struct json_writer *w, char (*uuids)[UUID_STR_LEN + 1], const bool *pick,
                           size_t n);

/* syncRemove's answer: {"removed": N}. */
void misp_sync_removed_encode(struct json_writer *w, int64_t removed);

#endif
