/*
 * model.c - constant data of the model: permission names in enum role_perm order.
 */
#include "core/model.h"

#include "util/banned.h"

const char *const role_perm_names[PERM_COUNT] = {
    "perm_add",          "perm_modify",         "perm_modify_org",
    "perm_publish",      "perm_delegate",       "perm_sync",
    "perm_admin",        "perm_audit",          "perm_auth",
    "perm_site_admin",   "perm_regexp_access",  "perm_tagger",
    "perm_template",     "perm_sharing_group",  "perm_tag_editor",
    "perm_sighting",     "perm_object_template", "perm_publish_zmq",
    "perm_publish_kafka", "perm_decaying",      "perm_galaxy_editor",
    "perm_warninglist",  "perm_view_feed_correlations", "perm_analyst_data",
    "perm_skip_otp",     "perm_server_sign",
};
