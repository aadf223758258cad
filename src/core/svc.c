/*
 * svc.c - opening and closing the service context (see svc.h).
 */
#include "core/svc.h"

#include "store/store.h"
#include "util/alloc.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/banned.h"

int svc_parent_dir_make(const char *path, const char *field, struct diag *d)
{
    char *copy = xstrdup(path);
    const char *dir = dirname(copy);
    int rc = 0;
    if (mkdir(dir, 0750) < 0 && errno != EEXIST)
        rc = diag_set(d, ERR_IO, field, "cannot create directory %s: %s", dir, strerror(errno));
    free(copy);
    return rc;
}

int svc_db_dir_make(const char *url, struct diag *d)
{
    const char *path = store_url_file(url);
    return path == NULL ? 0 : svc_parent_dir_make(path, NULL, d);
}

int svc_open(struct svc *s, const struct config *cfg, struct diag *d)
{
    memset(s, 0, sizeof(*s));
    if (!cfg->read_only && svc_db_dir_make(cfg->db, d) < 0)
        return ERR_IO;
    int rc = store_open_flags(cfg->db, (unsigned)cfg->threads + 1,
                              cfg->read_only ? STORE_READ_ONLY : 0, &s->store, d);
    if (rc < 0)
        return rc;
    s->cfg = cfg;
    s->policy.unpublished_private = cfg->unpublished_private;
    return 0;
}

const char *svc_db_file(const struct config *cfg)
{
    return store_url_file(cfg->db);
}

void svc_close(struct svc *s)
{
    if (s == NULL)
        return;
    store_close(s->store);
    s->store = NULL;
}
