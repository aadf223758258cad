/*
 * misp_admin.h - MISP's wire form of organisations, users, roles and API keys
 * (OrganisationsController, UsersController, RolesController,
 * AuthKeysController), and of the instance information answers (getVersion,
 * getPyMISPVersion, users/view/me, attributes/describeTypes).
 *
 * Pure encoders: no I/O, no globals.  Ids and times are written as JSON
 * strings, as MISP does; fields Liaison does not keep are written with MISP's
 * defaults so that PyMISP reads every answer.
 */
#ifndef LIAISON_MISP_ADMIN_H
#define LIAISON_MISP_ADMIN_H

#include "codec/json.h"
#include "core/model.h"

/* getVersion's "version" stays in MISP's 2.5 series: MISP peers refuse to
 * sync with another minor version (MISP Server::checkVersionCompatibility). */
#define MISP_COMPAT_VERSION "2.5.1"

/* One object each, not wrapped. */
void misp_org_encode(struct json_writer *w, const struct org *o);
void misp_user_encode(struct json_writer *w, const struct user *u);
/* Every perm_* flag, and MISP's legacy "permission" level. */
void misp_role_encode(struct json_writer *w, const struct role *r);

/* {"Organisation": {...}}, {"User": {...}}, {"Role": {...}}: MISP's view answers. */
void misp_org_encode_wrapped(struct json_writer *w, const struct org *o);
void misp_user_encode_wrapped(struct json_writer *w, const struct user *u);
void misp_role_encode_wrapped(struct json_writer *w, const struct role *r);

/* [{"Organisation": {...}}, ...] and likewise: MISP's index answers. */
void misp_orgs_encode(struct json_writer *w, const struct org *v, size_t n);
void misp_users_encode(struct json_writer *w, const struct user *v, size_t n);
void misp_roles_encode(struct json_writer *w, const struct role *v, size_t n);

/* {"AuthKey": {...}}; raw, the clear key, is written as "authkey_raw" when not
 * NULL (only in the answer that creates it). */
void misp_auth_key_encode(struct json_writer *w, const struct auth_key *k, const char *raw);

/* users/view/me: {"User", "Role", "UserSetting": [], "Organisation"}. */
void misp_user_me_encode(struct json_writer *w, const struct user *u, const struct role *r,
                         const struct org *o);

/* getVersion for a caller of role r on the node instance_uuid, which speaks
 * Liaison's sync extensions at level sync_level (docs/federation.md). */
void misp_version_encode(struct json_writer *w, const struct role *r, const char *instance_uuid,
                         int sync_level);
/* getPyMISPVersion. */
void misp_pymisp_version_encode(struct json_writer *w);

/* attributes/describeTypes from the type table (core/types.h), which is the
 * source of truth; the tests compare it with MISP's describeTypes.json. */
void misp_describe_types_encode(struct json_writer *w);

#endif
