/*
 * orgs.c - the organisation service.  See orgs.h.
 */
#include "core/orgs.h"

#include "core/uuid.h"
#include "store/store.h"
#include "util/parse.h"

#include <string.h>

#include "util/banned.h"

int orgs_add(struct svc *s, const struct principal *who, const struct org_in *in, struct org *out,
             struct diag *d)
{
    if (!acl_can_add_org(who))
        return diag_set(d, ERR_FORBIDDEN, NULL, "Only site administrators may add organisations.");
    memset(out, 0, sizeof(*out));
    if (in->name == NULL || *in->name == '\0')
        return diag_set(d, ERR_INVAL, "name", "name is required");
    if (in->uuid == NULL)
        uuid_generate(out->uuid);
    else if (!uuid_canonical(str_from_cstr(in->uuid), out->uuid))
        return diag_set(d, ERR_INVAL, "uuid", "not a valid uuid");
    out->name = (char *)in->name;
    out->description = (char *)in->description;
    out->type = (char *)in->type;
    out->nationality = (char *)in->nationality;
    out->sector = (char *)in->sector;
    out->contacts = (char *)in->contacts;
    out->local = in->local;
    out->created_by = who->user.id;
    struct store_conn *c;
    int rc = store_begin_write(s->store, &c);
    if (rc < 0)
        return rc;
    rc = store_org_insert(c, out);
    if (store_end(c, rc == 0) < 0 && rc == 0)
        rc = ERR_DB;
    if (rc == ERR_CONFLICT)
        diag_set(d, ERR_CONFLICT, "name", "an organisation with this name or uuid already exists");
    return rc;
}

int orgs_get(struct svc *s, const struct principal *who, struct arena *a, const char *ref,
             bool by_name, struct org **out)
{
    (void)who; /* every user sees every organisation */
    uint64_t id = 0;
    char uuid[UUID_STR_LEN + 1] = "";
    const char *name = NULL;
    if (parse_u64_all(str_from_cstr(ref), 1, INT64_MAX, &id) < 0 &&
        !uuid_canonical(str_from_cstr(ref), uuid)) {
        if (!by_name || *ref == '\0')
            return ERR_NOTFOUND;
        name = ref;
    }
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    rc = store_org_get(c, a, (int64_t)id, uuid[0] ? uuid : NULL, name, out);
    store_end(c, true);
    return rc;
}

int orgs_list(struct svc *s, const struct principal *who, struct arena *a, struct org **out,
              size_t *n)
{
    (void)who;
    struct store_conn *c;
    int rc = store_begin_read(s->store, &c);
    if (rc < 0)
        return rc;
    rc = store_org_list(c, a, out, n);
    store_end(c, true);
    return rc;
}
