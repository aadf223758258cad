-- 0001_init: the foundation schema.
-- Every shared row carries `seq`, the value of the global change sequence at its
-- last write; "changes since N" reads are range scans on seq.

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE change_seq (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO change_seq (id, value) VALUES (1, 0);

CREATE TABLE orgs (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL UNIQUE,
    description   TEXT,
    type          TEXT,
    nationality   TEXT,
    sector        TEXT,
    contacts      TEXT,
    local         INTEGER NOT NULL DEFAULT 1,
    created_by    INTEGER NOT NULL DEFAULT 0,
    date_created  INTEGER NOT NULL,
    date_modified INTEGER NOT NULL,
    seq           INTEGER NOT NULL
);

CREATE TABLE roles (
    id                       INTEGER PRIMARY KEY,
    name                     TEXT NOT NULL UNIQUE,
    perms                    INTEGER NOT NULL,
    default_role             INTEGER NOT NULL DEFAULT 0,
    restricted_to_site_admin INTEGER NOT NULL DEFAULT 0,
    created                  INTEGER NOT NULL DEFAULT 0,
    modified                 INTEGER NOT NULL DEFAULT 0
);
-- MISP's default roles.  perms is a bit set in enum role_perm order (core/model.h):
-- add 0, modify 1, modify_org 2, publish 3, delegate 4, sync 5, admin 6, audit 7,
-- auth 8, site_admin 9, regexp_access 10, tagger 11, template 12, sharing_group 13,
-- tag_editor 14, sighting 15, object_template 16, publish_zmq 17, publish_kafka 18,
-- decaying 19, galaxy_editor 20, warninglist 21, view_feed_correlations 22,
-- analyst_data 23, skip_otp 24, server_sign 25.
INSERT INTO roles (id, name, perms, default_role, restricted_to_site_admin) VALUES
    (1, 'admin',       67108863, 0, 1),  -- everything (bits 0-25)
    (2, 'Org Admin',   13171167, 0, 0),  -- add modify modify_org publish delegate admin audit auth tagger template sharing_group tag_editor sighting decaying view_feed_correlations analyst_data
    (3, 'User',        13142279, 1, 0),  -- add modify modify_org auth tagger sighting decaying view_feed_correlations analyst_data
    (4, 'Publisher',   13142287, 0, 0),  -- User + publish
    (5, 'Sync user',   13166911, 0, 0),  -- Publisher + delegate sync sharing_group tag_editor
    (6, 'Read Only',    4194560, 0, 0);  -- auth, view_feed_correlations

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    role_id       INTEGER NOT NULL REFERENCES roles(id),
    disabled      INTEGER NOT NULL DEFAULT 0,
    autoalert     INTEGER NOT NULL DEFAULT 0,
    contactalert  INTEGER NOT NULL DEFAULT 0,
    termsaccepted INTEGER NOT NULL DEFAULT 0,
    change_pw     INTEGER NOT NULL DEFAULT 0,
    nids_sid      TEXT,
    invited_by    INTEGER NOT NULL DEFAULT 0,
    date_created  INTEGER NOT NULL,
    date_modified INTEGER NOT NULL,
    last_login    INTEGER NOT NULL DEFAULT 0,
    seq           INTEGER NOT NULL
);

-- API keys: only a keyed hash of the secret is stored; key_start selects the
-- candidates, the hash is then compared in constant time.
CREATE TABLE auth_keys (
    id         INTEGER PRIMARY KEY,
    uuid       TEXT NOT NULL UNIQUE,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    key_start  TEXT NOT NULL,
    key_end    TEXT NOT NULL,
    key_hash   BLOB NOT NULL,
    comment    TEXT,
    created    INTEGER NOT NULL,
    expiration INTEGER NOT NULL DEFAULT 0,
    read_only  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX auth_keys_start ON auth_keys (key_start);
CREATE INDEX auth_keys_user ON auth_keys (user_id);

CREATE TABLE events (
    id                  INTEGER PRIMARY KEY,
    uuid                TEXT NOT NULL UNIQUE,
    org_id              INTEGER NOT NULL REFERENCES orgs(id),
    orgc_id             INTEGER NOT NULL REFERENCES orgs(id),
    user_id             INTEGER NOT NULL DEFAULT 0,
    info                TEXT NOT NULL,
    date                TEXT NOT NULL,
    threat_level_id     INTEGER NOT NULL DEFAULT 4,
    analysis            INTEGER NOT NULL DEFAULT 0,
    distribution        INTEGER NOT NULL DEFAULT 1,
    sharing_group_id    INTEGER NOT NULL DEFAULT 0,
    published           INTEGER NOT NULL DEFAULT 0,
    timestamp           INTEGER NOT NULL,
    publish_timestamp   INTEGER NOT NULL DEFAULT 0,
    sighting_timestamp  INTEGER NOT NULL DEFAULT 0,
    locked              INTEGER NOT NULL DEFAULT 0,
    disable_correlation INTEGER NOT NULL DEFAULT 0,
    proposal_email_lock INTEGER NOT NULL DEFAULT 0,
    extends_uuid        TEXT,
    deleted             INTEGER NOT NULL DEFAULT 0,
    seq                 INTEGER NOT NULL
);
CREATE INDEX events_seq ON events (seq);
CREATE INDEX events_org ON events (org_id);
CREATE INDEX events_timestamp ON events (timestamp);

CREATE TABLE objects (
    id               INTEGER PRIMARY KEY,
    uuid             TEXT NOT NULL UNIQUE,
    event_id         INTEGER NOT NULL REFERENCES events(id),
    name             TEXT NOT NULL,
    meta_category    TEXT,
    description      TEXT,
    template_uuid    TEXT,
    template_version TEXT,
    comment          TEXT,
    distribution     INTEGER NOT NULL DEFAULT 5,
    sharing_group_id INTEGER NOT NULL DEFAULT 0,
    timestamp        INTEGER NOT NULL,
    deleted          INTEGER NOT NULL DEFAULT 0,
    first_seen       TEXT,
    last_seen        TEXT,
    seq              INTEGER NOT NULL
);
CREATE INDEX objects_event ON objects (event_id);

CREATE TABLE attributes (
    id                  INTEGER PRIMARY KEY,
    uuid                TEXT NOT NULL UNIQUE,
    event_id            INTEGER NOT NULL REFERENCES events(id),
    object_id           INTEGER NOT NULL DEFAULT 0,
    object_relation     TEXT,
    type                TEXT NOT NULL,
    category            TEXT NOT NULL,
    value               TEXT NOT NULL,
    comment             TEXT,
    to_ids              INTEGER NOT NULL DEFAULT 0,
    distribution        INTEGER NOT NULL DEFAULT 5,
    sharing_group_id    INTEGER NOT NULL DEFAULT 0,
    timestamp           INTEGER NOT NULL,
    deleted             INTEGER NOT NULL DEFAULT 0,
    disable_correlation INTEGER NOT NULL DEFAULT 0,
    first_seen          TEXT,
    last_seen           TEXT,
    seq                 INTEGER NOT NULL
);
CREATE INDEX attributes_event ON attributes (event_id);
CREATE INDEX attributes_value ON attributes (value);
CREATE INDEX attributes_seq ON attributes (seq);

CREATE TABLE object_references (
    id                INTEGER PRIMARY KEY,
    uuid              TEXT NOT NULL UNIQUE,
    object_id         INTEGER NOT NULL REFERENCES objects(id),
    event_id          INTEGER NOT NULL REFERENCES events(id),
    referenced_uuid   TEXT NOT NULL,
    referenced_type   TEXT NOT NULL,
    relationship_type TEXT,
    comment           TEXT,
    timestamp         INTEGER NOT NULL,
    deleted           INTEGER NOT NULL DEFAULT 0,
    seq               INTEGER NOT NULL
);
CREATE INDEX object_references_object ON object_references (object_id);

CREATE TABLE tags (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    colour           TEXT NOT NULL,
    exportable       INTEGER NOT NULL DEFAULT 1,
    hide_tag         INTEGER NOT NULL DEFAULT 0,
    org_id           INTEGER NOT NULL DEFAULT 0,
    user_id          INTEGER NOT NULL DEFAULT 0,
    numerical_value  INTEGER,
    is_galaxy        INTEGER NOT NULL DEFAULT 0,
    is_custom_galaxy INTEGER NOT NULL DEFAULT 0,
    local_only       INTEGER NOT NULL DEFAULT 0,
    seq              INTEGER NOT NULL
);

CREATE TABLE event_tags (
    id       INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id),
    tag_id   INTEGER NOT NULL REFERENCES tags(id),
    local    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, tag_id)
);
CREATE INDEX event_tags_tag ON event_tags (tag_id);

CREATE TABLE attribute_tags (
    id           INTEGER PRIMARY KEY,
    attribute_id INTEGER NOT NULL REFERENCES attributes(id),
    event_id     INTEGER NOT NULL,
    tag_id       INTEGER NOT NULL REFERENCES tags(id),
    local        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (attribute_id, tag_id)
);
CREATE INDEX attribute_tags_tag ON attribute_tags (tag_id);
CREATE INDEX attribute_tags_event ON attribute_tags (event_id);
