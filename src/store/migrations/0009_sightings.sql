-- 0009_sightings: sightings (MISP's Sighting): an organisation saw an
-- attribute's value (type 0), found it a false positive (1) or declared it
-- expired (2), at date_sighting (Unix seconds).  Sightings are immutable; a
-- deletion leaves a tombstone (deleted = 1, a new seq) so that it can travel to
-- peers like any other change.  org_id 0 is an anonymous sighting (MISP sync
-- sends org_id 0 for those), hence no foreign key on it.  The uuid stays
-- unique across live and deleted rows: a peer may not bring back a sighting
-- deleted here.
CREATE TABLE sightings (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    attribute_id  INTEGER NOT NULL REFERENCES attributes(id),
    event_id      INTEGER NOT NULL REFERENCES events(id),
    org_id        INTEGER NOT NULL DEFAULT 0,
    type          INTEGER NOT NULL DEFAULT 0 CHECK (type IN (0, 1, 2)),
    source        TEXT NOT NULL DEFAULT '',
    date_sighting INTEGER NOT NULL,
    deleted       INTEGER NOT NULL DEFAULT 0,
    seq           INTEGER NOT NULL
);
CREATE INDEX sightings_event ON sightings (event_id, deleted);
CREATE INDEX sightings_attribute ON sightings (attribute_id, deleted);
CREATE INDEX sightings_seq ON sightings (seq);
