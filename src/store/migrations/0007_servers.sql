-- 0007_servers: sync links to remote servers (MISP's Server): where the peer
-- is, the key of a sync user there, which organisation runs it, what to push
-- and pull.  The key is sent to the peer, so it is stored as given (never
-- shown in full by the API).
CREATE TABLE servers (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    url            TEXT NOT NULL UNIQUE,
    authkey        TEXT NOT NULL,
    org_id         INTEGER NOT NULL REFERENCES orgs(id),
    remote_org_id  INTEGER NOT NULL REFERENCES orgs(id),
    push           INTEGER NOT NULL DEFAULT 0,
    pull           INTEGER NOT NULL DEFAULT 0,
    push_sightings INTEGER NOT NULL DEFAULT 0,
    self_signed    INTEGER NOT NULL DEFAULT 0,
    cert_file      TEXT,
    push_rules     TEXT NOT NULL DEFAULT '',
    pull_rules     TEXT NOT NULL DEFAULT '',
    timeout        INTEGER NOT NULL DEFAULT 60,
    created        INTEGER NOT NULL,
    modified       INTEGER NOT NULL,
    seq            INTEGER NOT NULL
);
