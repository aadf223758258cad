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

int svc_open(struct svc *s, const struct config *cfg, struct diag *d)
{
    memset(s, 0, sizeof(*s));
    const char *path = strncmp(cfg->db, "sqlite:", 7) == 0 ? cfg->db + 7 : cfg->db;
    char *copy = xstrdup(path);
    const char *dir = dirname(copy);
    if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
        int rc = diag_set(d, ERR_IO, NULL, "cannot create directory %s: %s", dir, strerror(errno));
        free(copy);
        return rc;
    }
    free(copy);
    int rc = store_open(cfg->db, (unsigned)cfg->threads + 1, &s->store, d);
    if (rc < 0)
        return rc;
    s->cfg = cfg;
    s->policy.unpublished_private = cfg->unpublished_private;
    return 0;
}

void svc_close(struct svc *s)
{
    if (s == NULL)
        return;
    store_close(s->store);
    s->store = NULL;
}
