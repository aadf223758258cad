/*
 * migrate.c - copying a whole node between databases.  See migrate.h.
 */
#include "core/migrate.h"

#include "core/svc.h"
#include "store/store.h"
#include "util/arena.h"

#include <string.h>

#include "util/banned.h"

struct table_copy {
    struct store_conn *dst;
    const char *table;
    bool started;
    int64_t rows;
    int rc;
};

/* A source row: the first one opens the destination table with its columns. */
static int copy_row(void *ctx, size_t n, const char *const *names, const struct store_value *values)
{
    struct table_copy *t = ctx;
    if (!t->started) {
        t->rc = store_copy_in_begin(t->dst, t->table, n, names);
        if (t->rc < 0)
            return 1;
        t->started = true;
    }
    t->rc = store_copy_in_row(t->dst, values);
    if (t->rc < 0)
        return 1;
    t->rows++;
    return 0;
}

/* Copies one table; 0 or the error (d says which table). */
static int copy_table(struct store_conn *src, struct store_conn *dst, const char *table,
                      int64_t *rows, struct diag *d)
{
    struct table_copy t = {.dst = dst, .table = table};
    int rc = store_copy_out(src, table, copy_row, &t);
    const char *side = "from"; /* which database failed */
    if (t.rc < 0) {
        rc = t.rc;
        side = "to";
    } else if (rc > 0) {
        rc = ERR_DB;
    }
    if (rc == 0) {
        side = "to";
        rc = t.started ? store_copy_in_end(dst) : store_copy_in_begin(dst, table, 0, NULL);
    } else if (t.started) {
        store_copy_in_end(dst);
    }
    if (rc < 0)
        return diag_set(d, rc, side, "copying table %s failed after %lld rows: %s", table,
                        (long long)t.rows, err_str(rc));
    *rows = t.rows;
    return 0;
}

/* Refuses a destination that already holds a node. */
static int destination_empty(struct store *s, struct diag *d)
{
    struct arena *a = arena_new();
    struct store_conn *c = NULL;
    int rc = store_begin_read(s, &c);
    char *value = NULL;
    struct org *orgs = NULL;
    size_t n = 0;
    if (rc == 0)
        rc = store_setting_get(c, a, "host_org_id", &value);
    if (rc == ERR_NOTFOUND)
        rc = store_org_list(c, a, &orgs, &n);
    else if (rc == 0)
        rc = ERR_CONFLICT;
    if (rc == 0 && n > 0)
        rc = ERR_CONFLICT;
    store_end(c, true);
    arena_free(a);
    if (rc == ERR_CONFLICT)
        return diag_set(d, rc, "to",
                        "the destination already holds a Liaison node; migrate copies into an "
                        "empty database only");
    if (rc < 0)
        return diag_set(d, rc, "to", "cannot read the destination: %s", err_str(rc));
    return 0;
}

static int open_both(const char *from, const char *to, struct store **src, struct store **dst,
                     struct diag *d)
{
    struct diag inner;
    diag_clear(&inner);
    int rc = store_open(from, 1, src, &inner);
    if (rc < 0)
        return diag_set(d, rc, "from", "%s", inner.msg);
    diag_clear(&inner);
    rc = svc_db_dir_make(to, &inner);
    if (rc == 0)
        rc = store_open(to, 1, dst, &inner);
    if (rc < 0) {
        store_close(*src);
        *src = NULL;
        return diag_set(d, rc, "to", "%s", inner.msg);
    }
    return 0;
}

int node_migrate(const char *from, const char *to, migrate_progress_fn progress, void *ctx,
                 struct diag *d)
{
    if (strcmp(from, to) == 0)
        return diag_set(d, ERR_INVAL, "to", "--from and --to name the same database");
    struct store *src = NULL, *dst = NULL;
    int rc = open_both(from, to, &src, &dst, d);
    if (rc < 0)
        return rc;
    rc = destination_empty(dst, d);
    struct store_conn *in = NULL, *out = NULL;
    if (rc == 0 && (rc = store_begin_read(src, &in)) < 0)
        diag_set(d, rc, "from", "cannot read the source: %s", err_str(rc));
    if (rc == 0 && (rc = store_begin_write(dst, &out)) < 0)
        diag_set(d, rc, "to", "cannot write the destination: %s", err_str(rc));
    for (size_t i = 0; rc == 0 && store_copy_tables[i] != NULL; i++) {
        int64_t rows = 0;
        rc = copy_table(in, out, store_copy_tables[i], &rows, d);
        if (rc == 0 && progress != NULL)
            progress(ctx, store_copy_tables[i], rows);
    }
    int64_t seq = 0;
    if (rc == 0 && (rc = store_change_seq(in, &seq)) < 0)
        diag_set(d, rc, "from", "cannot read the change sequence: %s", err_str(rc));
    if (rc == 0 && (rc = store_copy_finish(out, seq)) < 0)
        diag_set(d, rc, "to", "cannot set the counters: %s", err_str(rc));
    store_end(in, true);
    int end = store_end(out, rc == 0);
    if (rc == 0 && end < 0)
        rc = diag_set(d, end, "to", "the copy could not be committed: %s", err_str(end));
    store_close(src);
    store_close(dst);
    return rc;
}
