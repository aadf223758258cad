/*
 * misp.h - the MISP-compatible REST API surface: its handlers, one group per
 * file (misp_events.c, misp_search.c, misp_admin.c, ...), and the surface
 * (routes, error body, body decoding) in misp.c.
 */
#ifndef LIAISON_HTTP_MISP_H
#define LIAISON_HTTP_MISP_H

#include "http/http.h"

extern const struct http_surface http_misp_surface;

int misp_server_get_version(struct request *req);
int misp_server_pymisp_version(struct request *req);
int misp_users_view_me(struct request *req);
int misp_describe_types(struct request *req);

int misp_events_add(struct request *req);
int misp_events_view(struct request *req);
int misp_events_edit(struct request *req);
int misp_events_delete(struct request *req);
int misp_events_index(struct request *req);
int misp_events_publish(struct request *req);
int misp_events_unpublish(struct request *req);
int misp_events_rest_search(struct request *req);

int misp_attributes_add(struct request *req);
int misp_attributes_edit(struct request *req);
int misp_attributes_delete(struct request *req);
int misp_attributes_view(struct request *req);
int misp_attributes_rest_search(struct request *req);

int misp_objects_add(struct request *req);
int misp_objects_delete(struct request *req);

int misp_tags_index(struct request *req);
int misp_tags_add(struct request *req);
int misp_tags_attach(struct request *req);
int misp_tags_remove(struct request *req);

int misp_orgs_index(struct request *req);
int misp_orgs_view(struct request *req);
int misp_orgs_add(struct request *req);
int misp_users_add(struct request *req);
int misp_users_edit(struct request *req);
int misp_users_delete(struct request *req);
int misp_users_index(struct request *req);
int misp_users_view(struct request *req);
int misp_roles_index(struct request *req);
int misp_auth_keys_add(struct request *req);
int misp_auth_keys_delete(struct request *req);

int misp_sharing_groups_index(struct request *req);
int misp_sharing_groups_view(struct request *req);
int misp_sharing_groups_add(struct request *req);
int misp_sharing_groups_edit(struct request *req);
int misp_sharing_groups_delete(struct request *req);
int misp_sharing_groups_add_org(struct request *req);
int misp_sharing_groups_remove_org(struct request *req);
int misp_sharing_groups_add_server(struct request *req);
int misp_sharing_groups_remove_server(struct request *req);

int lookup_post(struct request *req);

int misp_servers_add(struct request *req);
int misp_servers_edit(struct request *req);
int misp_servers_delete(struct request *req);
int misp_servers_index(struct request *req);
int misp_servers_test_connection(struct request *req);
int misp_events_filter_for_push(struct request *req);
int misp_events_sync_revoked(struct request *req);
int misp_events_sync_remove(struct request *req);
int misp_servers_pull(struct request *req);
int misp_servers_push(struct request *req);

/* Sightings (http/misp_sightings.c). */
int misp_sightings_add(struct request *req);
int misp_sightings_index(struct request *req);
int misp_sightings_list(struct request *req);
int misp_sightings_rest_search(struct request *req);
int misp_sightings_delete(struct request *req);
int misp_sightings_filter_for_push(struct request *req);
int misp_sightings_bulk_save(struct request *req);

#endif
