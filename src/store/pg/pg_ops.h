/*
 * pg_ops.h - the PostgreSQL backend's operations, one per entry of struct
 * store_ops (store.h), each with the contract of the store_* function of the
 * same name.  Internal: included by pg_int.h only.
 */
#ifndef LIAISON_STORE_PG_OPS_H
#define LIAISON_STORE_PG_OPS_H

int pg_setting_get(struct store_conn *c, struct arena *a, const char *name, char **value);
int pg_setting_set(struct store_conn *c, const char *name, const char *value);
int pg_org_insert(struct store_conn *c, struct org *o);
int pg_org_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
               const char *name, struct org **out);
int pg_org_list(struct store_conn *c, struct arena *a, struct org **out, size_t *n);
int pg_role_get(struct store_conn *c, struct arena *a, int64_t id, struct role **out);
int pg_role_list(struct store_conn *c, struct arena *a, struct role **out, size_t *n);
int pg_user_insert(struct store_conn *c, struct user *u);
int pg_user_update(struct store_conn *c, const struct user *u);
int pg_user_delete(struct store_conn *c, int64_t id);
int pg_user_get(struct store_conn *c, struct arena *a, int64_t id, const char *email,
                struct user **out);
int pg_user_list(struct store_conn *c, struct arena *a, int64_t org_id, struct user **out,
                 size_t *n);
int pg_key_insert(struct store_conn *c, struct auth_key *k, const unsigned char *hash,
                  size_t hash_len);
int pg_key_candidates(struct store_conn *c, const char *start,
                      int (*fn)(void *ctx, const struct auth_key *k, const void *hash,
                                size_t hash_len),
                      void *ctx);
int pg_key_get(struct store_conn *c, struct arena *a, int64_t id, struct auth_key **out);
int pg_key_delete(struct store_conn *c, int64_t id);
int pg_key_list(struct store_conn *c, struct arena *a, int64_t user_id, struct auth_key **out,
                size_t *n);
int pg_sharing_group_insert(struct store_conn *c, struct sharing_group *g);
int pg_sharing_group_update(struct store_conn *c, const struct sharing_group *g);
int pg_sharing_group_delete(struct store_conn *c, int64_t id);
int pg_sharing_group_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                         struct sharing_group **out);
int pg_sharing_group_list(struct store_conn *c, struct arena *a, struct sharing_group **out,
                          size_t *n);
int pg_sharing_group_org_set(struct store_conn *c, int64_t sg_id, int64_t org_id, bool extend);
int pg_sharing_group_org_remove(struct store_conn *c, int64_t sg_id, int64_t org_id);
int pg_sharing_group_server_set(struct store_conn *c, int64_t sg_id, int64_t server_id,
                                bool all_orgs);
int pg_sharing_group_server_remove(struct store_conn *c, int64_t sg_id, int64_t server_id);
int pg_sharing_group_visible_ids(struct store_conn *c, struct arena *a, int64_t org_id,
                                 bool via_links, struct id_set *out);
int pg_tag_get(struct store_conn *c, struct arena *a, int64_t id, const char *name,
               struct tag **out);
int pg_tag_list(struct store_conn *c, struct arena *a, const char *name_like, struct tag **out,
                size_t *n);
int pg_tag_insert(struct store_conn *c, struct tag *t);
int pg_event_tag_attach(struct store_conn *c, int64_t event_id, int64_t tag_id, bool local);
int pg_event_tag_detach(struct store_conn *c, int64_t event_id, int64_t tag_id);
int pg_attribute_tag_attach(struct store_conn *c, int64_t event_id, int64_t attribute_id,
                            int64_t tag_id, bool local);
int pg_attribute_tag_detach(struct store_conn *c, int64_t attribute_id, int64_t tag_id);
int pg_event_insert(struct store_conn *c, struct event *e);
int pg_event_update(struct store_conn *c, const struct event *e);
int pg_event_touch(struct store_conn *c, int64_t event_id, int64_t timestamp);
int pg_event_delete(struct store_conn *c, int64_t event_id);
int pg_event_purge(struct store_conn *c, int64_t event_id);
int pg_event_load(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                  const struct acl_filter *acl, unsigned flags, struct event **out);
int pg_event_search(struct store_conn *c, struct arena *a, const struct query *q,
                    int (*fn)(void *ctx, struct event *e), void *ctx);
int pg_object_insert(struct store_conn *c, struct object *o);
int pg_object_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                  struct object **out);
int pg_object_delete(struct store_conn *c, int64_t id, bool hard);
int pg_object_update(struct store_conn *c, const struct object *o);
int pg_reference_insert(struct store_conn *c, int64_t event_id, struct object_reference *r);
int pg_attribute_insert(struct store_conn *c, struct attribute *at);
int pg_attribute_update(struct store_conn *c, const struct attribute *at);
int pg_attribute_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                     struct attribute **out);
int pg_attribute_delete(struct store_conn *c, int64_t id, bool hard);
int pg_uuid_taken_by(struct store_conn *c, const char *uuid, bool attributes, bool *taken);
int pg_uuids_taken_by(struct store_conn *c, struct str_set uuids, bool attributes,
                      int (*fn)(void *ctx, const char *uuid), void *ctx);
int pg_attributes_insert(struct store_conn *c, struct attribute *const *ats, size_t n,
                         size_t *conflict);
int pg_attribute_search(struct store_conn *c, struct arena *a, const struct query *q,
                        bool with_tags,
                        int (*fn)(void *ctx, struct attribute *at, const char *event_uuid),
                        void *ctx);
int pg_event_stamps(struct store_conn *c, struct str_set uuids,
                    int (*fn)(void *ctx, const char *uuid, int64_t timestamp, bool locked),
                    void *ctx);
int pg_events_changed(struct store_conn *c, int64_t since,
                      int (*fn)(void *ctx, const struct event_change *ch), void *ctx);
int pg_sighting_events_changed(struct store_conn *c, int64_t since,
                               int (*fn)(void *ctx, int64_t event_id, const char *uuid), void *ctx);
int pg_server_insert(struct store_conn *c, struct server *sv);
int pg_server_update(struct store_conn *c, const struct server *sv);
int pg_server_delete(struct store_conn *c, int64_t id);
int pg_server_get(struct store_conn *c, struct arena *a, int64_t id, struct server **out);
int pg_server_list(struct store_conn *c, struct arena *a, struct server **out, size_t *n);
int pg_sync_state_get(struct store_conn *c, struct arena *a, int64_t server_id, bool push,
                      struct sync_state **out);
int pg_sync_state_put(struct store_conn *c, const struct sync_state *s);
int pg_event_origin_set(struct store_conn *c, int64_t event_id, int64_t server_id);
int pg_synced_events(struct store_conn *c, int64_t server_id,
                     int (*fn)(void *ctx, const char *uuid), void *ctx);
int pg_change_seq(struct store_conn *c, int64_t *out);
int pg_index_feed(struct store_conn *c, int64_t since,
                  int (*fn)(void *ctx, const struct index_row *r), void *ctx);
int pg_sighting_insert(struct store_conn *c, struct sighting *s);
int pg_sighting_get(struct store_conn *c, struct arena *a, int64_t id, const char *uuid,
                    struct sighting **out);
int pg_sighting_search(struct store_conn *c, struct arena *a, const struct sighting_query *q,
                       int (*fn)(void *ctx, struct sighting *s), void *ctx);
int pg_sighting_delete(struct store_conn *c, int64_t id);
int pg_sighting_expire_previous(struct store_conn *c, int64_t attribute_id, int64_t org_id);
int pg_sighting_uuids_known(struct store_conn *c, int64_t event_id, struct str_set uuids,
                            int (*fn)(void *ctx, const char *uuid), void *ctx);
int pg_event_sighting_touch(struct store_conn *c, int64_t event_id, int64_t now);

/* jobs.c */
int pg_lease_take(struct store_conn *c, const char *name, const char *holder, int64_t now,
                  int64_t expires, bool on_demand, const char *dead_holder, bool *taken);
int pg_lease_renew(struct store_conn *c, const char *holder, int64_t expires);
int pg_lease_release(struct store_conn *c, const char *name, const char *holder, int64_t now,
                     int rc, int64_t failures, int64_t not_before);
int pg_lease_get(struct store_conn *c, const char *name, struct job_lease_row *out);

#endif
