/*
 * instance.c - first-start set-up.  See instance.h.
 */
#include "core/instance.h"

#include "core/auth.h"
#include "core/svc.h"
#include "core/uuid.h"
#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/banned.h"

/* --admin-key-file, else admin.key beside a SQLite file, else ./var/admin.key. */
static void key_path_for(const struct config *cfg, char *out, size_t len)
{
    const char *path = store_url_file(cfg->db);
    if (cfg->admin_key_file != NULL && cfg->admin_key_file[0] != '\0') {
        snprintf(out, len, "%s", cfg->admin_key_file);
    } else if (path != NULL) {
        char *copy = xstrdup(path);
        snprintf(out, len, "%s/admin.key", dirname(copy));
        free(copy);
    } else {
        snprintf(out, len, "%s", "./var/admin.key");
    }
}

/* Reads what first start recorded, in a read transaction: a started node
 * (and a read-only one) needs no write.  ERR_NOTFOUND before first start. */
static int instance_read(struct store *s, struct arena *a, struct instance *out)
{
    struct store_conn *c = NULL;
    int rc = store_begin_read(s, &c);
    char *uuid = NULL, *org = NULL;
    if (rc == 0)
        rc = store_setting_get(c, a, "instance_uuid", &uuid);
    if (rc == 0)
        rc = store_setting_get(c, a, "host_org_id", &org);
    store_end(c, true);
    if (rc == 0) {
        snprintf(out->uuid, sizeof(out->uuid), "%s", uuid);
        out->host_org_id = strtoll(org, NULL, 10);
    }
    return rc;
}

static int write_key_file(const char *path, const char *secret, struct diag *d)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return diag_set(d, ERR_IO, "admin.key", "cannot create %s: %s%s", path, strerror(errno),
                        errno == EEXIST ? " (it is never overwritten; move it away)" : "");
    size_t len = strlen(secret);
    int rc = 0;
    if (write(fd, secret, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
        rc = diag_set(d, ERR_IO, "admin.key", "cannot write %s: %s", path, strerror(errno));
    if (close(fd) < 0 && rc == 0)
        rc = diag_set(d, ERR_IO, "admin.key", "cannot write %s: %s", path, strerror(errno));
    return rc;
}

int instance_init(struct store *s, const struct config *cfg, struct instance *out, struct diag *d)
{
    memset(out, 0, sizeof(*out));
    key_path_for(cfg, out->key_path, sizeof(out->key_path));
    struct arena *a = arena_new();
    struct store_conn *c = NULL;
    int rc = instance_read(s, a, out);
    if (rc != ERR_NOTFOUND) {
        if (rc < 0)
            diag_set(d, rc, "db", "cannot read the instance settings: %s", err_str(rc));
        arena_free(a);
        return rc;
    }
    if (cfg->read_only) {
        arena_free(a);
        return diag_set(d, ERR_UNAVAILABLE, "db",
                        "the database is not initialised; a read-only node cannot create it "
                        "(start a read-write node on the primary first)");
    }
    rc = store_begin_write(s, &c);
    if (rc < 0)
        goto out;
    char *value;
    rc = store_setting_get(c, a, "instance_uuid", &value);
    if (rc == ERR_NOTFOUND) {
        uuid_generate(out->uuid);
        rc = store_setting_set(c, "instance_uuid", out->uuid);
    } else if (rc == 0) {
        snprintf(out->uuid, sizeof(out->uuid), "%s", value);
    }
    if (rc < 0)
        goto out;
    rc = store_setting_get(c, a, "host_org_id", &value);
    if (rc == 0) {
        out->host_org_id = strtoll(value, NULL, 10);
        goto out;
    }
    if (rc != ERR_NOTFOUND)
        goto out;
    struct org o;
    memset(&o, 0, sizeof(o));
    uuid_generate(o.uuid);
    o.name = cfg->org_name;
    o.local = true;
    o.description = "Host organisation of this Liaison node";
    if ((rc = store_org_insert(c, &o)) < 0)
        goto out;
    out->host_org_id = o.id;
    char idbuf[32];
    snprintf(idbuf, sizeof(idbuf), "%lld", (long long)o.id);
    if ((rc = store_setting_set(c, "host_org_id", idbuf)) < 0)
        goto out;
    struct user u;
    memset(&u, 0, sizeof(u));
    u.email = cfg->admin_email;
    u.org_id = o.id;
    u.role_id = 1;
    u.termsaccepted = true;
    if ((rc = store_user_insert(c, &u)) < 0)
        goto out;
    char secret[AUTH_KEY_LEN + 1];
    struct auth_key k;
    if ((rc = auth_key_create(c, u.id, "created at first start", 0, secret, &k)) < 0)
        goto out;
    rc = svc_parent_dir_make(out->key_path, "admin_key_file", d); /* ./var for PostgreSQL */
    if (rc == 0)
        rc = write_key_file(out->key_path, secret, d);
    wipe(secret, sizeof(secret));
    if (rc == 0)
        out->created = true;
out:
    if (rc < 0 && d && d->msg[0] == '\0')
        diag_set(d, rc, "db", "first-start set-up failed: %s", err_str(rc));
    store_end(c, rc == 0);
    arena_free(a);
    return rc;
}
