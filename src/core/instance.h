/*
 * instance.h - first-start set-up of a node: instance uuid, host organisation,
 * admin user and the admin's API key file.
 */
#ifndef LIAISON_INSTANCE_H
#define LIAISON_INSTANCE_H

#include "core/config.h"
#include "core/model.h"
#include "store/store.h"

struct instance {
    char uuid[UUID_STR_LEN + 1];
    int64_t host_org_id;
    char key_path[4096]; /* admin.key beside the database */
    bool created;        /* this call created the admin user and key */
};

/*
 * Makes sure the instance uuid, host organisation and an admin user exist.  On
 * first start writes the admin's new API key to admin.key beside the database
 * file (mode 0600, never overwritten: if it exists, start-up fails rather than
 * replacing it).
 */
int instance_init(struct store *s, const struct config *cfg, struct instance *out,
                  struct diag *d);

#endif
