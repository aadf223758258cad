/*
 * misp_sharing.h - MISP's SharingGroupsController answers: a group as
 * sharing_groups/view, add and edit return it, and the index.  Pure encoders:
 * no I/O, no globals.
 */
#ifndef LIAISON_MISP_SHARING_H
#define LIAISON_MISP_SHARING_H

#include "codec/json.h"
#include "core/model.h"

#include <stdbool.h>
#include <stddef.h>

/* {"SharingGroup": {...}, "Organisation": {...}, "SharingGroupOrg": [...],
 * "SharingGroupServer": [...]}: g with its organisations and servers; the
 * entry of server 0 is this node, "Local instance" at local_url. */
void misp_sharing_group_encode(struct json_writer *w, const struct sharing_group *g,
                               const char *local_url);

/* {"response": [...]}: each of g[0..n) as misp_sharing_group_encode writes
 * it, with "editable" and "deletable" both editable[i]. */
void misp_sharing_group_index_encode(struct json_writer *w, const struct sharing_group *g,
                                     const bool *editable, size_t n, const char *local_url);

#endif
