-- 0004_sharing_groups: MISP's sharing groups.  A group has a creator
-- organisation, member organisations (extend: may edit the group) and member
-- servers (server_id 0 is this node; all_orgs: every organisation there).
CREATE TABLE sharing_groups (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL UNIQUE,
    releasability TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    active        INTEGER NOT NULL DEFAULT 1,
    local         INTEGER NOT NULL DEFAULT 1,
    roaming       INTEGER NOT NULL DEFAULT 0,
    created       INTEGER NOT NULL,
    modified      INTEGER NOT NULL,
    seq           INTEGER NOT NULL
);

CREATE TABLE sharing_group_orgs (
    id               INTEGER PRIMARY KEY,
    sharing_group_id INTEGER NOT NULL REFERENCES sharing_groups(id),
    org_id           INTEGER NOT NULL REFERENCES orgs(id),
    extend           INTEGER NOT NULL DEFAULT 0,
    UNIQUE (sharing_group_id, org_id)
);
CREATE INDEX sharing_group_orgs_org ON sharing_group_orgs (org_id);

CREATE TABLE sharing_group_servers (
    id               INTEGER PRIMARY KEY,
    sharing_group_id INTEGER NOT NULL REFERENCES sharing_groups(id),
    server_id        INTEGER NOT NULL,
    all_orgs         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (sharing_group_id, server_id)
);
