/*
 * tmpdb.h - a throw-away SQLite file per test (unit tests that open a store):
 * setup picks /tmp/liaison-test-NAME-PID.db, teardown removes it with its WAL
 * files, open_store opens it with two readers; insert_org adds an organisation;
 * member makes a principal of an organisation with a user id and permissions.
 */
#ifndef LIAISON_TEST_TMPDB_H
#define LIAISON_TEST_TMPDB_H

#include "core/acl.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef TMPDB_NAME
#error "define TMPDB_NAME before including tmpdb.h"
#endif

static char db_path[256];

static int setup(void **state)
{
    (void)state;
    snprintf(db_path, sizeof(db_path), "/tmp/liaison-test-%s-%d.db", TMPDB_NAME, (int)getpid());
    unlink(db_path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[300];
    unlink(db_path);
    snprintf(p, sizeof(p), "%s-wal", db_path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", db_path);
    unlink(p);
    return 0;
}

/* Inserts a local organisation (name and uuid given) into o; sets o->id. */
static inline void insert_org(struct store_conn *c, struct org *o, const char *name,
                              const char *uuid)
{
    memset(o, 0, sizeof(*o));
    snprintf(o->uuid, sizeof(o->uuid), "%s", uuid);
    o->name = (char *)name;
    o->local = true;
    assert_int_equal(store_org_insert(c, o), 0);
}

static inline struct principal member(const struct org *o, int64_t user, uint32_t perms)
{
    struct principal p;
    memset(&p, 0, sizeof(p));
    p.user.id = user;
    p.org = *o;
    p.role.perms = perms;
    return p;
}

static struct store *open_store(void)
{
    struct store *s = NULL;
    struct diag d;
    diag_clear(&d);
    assert_int_equal(store_open(db_path, 2, &s, &d), 0);
    return s;
}

#endif
