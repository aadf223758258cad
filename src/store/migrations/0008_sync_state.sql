-- 0008_sync_state: per sync link and direction, where the last run got to and
-- how it went.  A pull records the peer's events/index ETag and the newest
-- event timestamp it has taken whole; a push the local change sequence it has
-- offered up to.  Rows go with their link.
CREATE TABLE sync_state (
    server_id      INTEGER NOT NULL REFERENCES servers(id),
    direction      TEXT NOT NULL CHECK (direction IN ('pull', 'push')),
    etag           TEXT NOT NULL DEFAULT '',
    last_timestamp INTEGER NOT NULL DEFAULT 0,
    last_seq       INTEGER NOT NULL DEFAULT 0,
    last_run       INTEGER NOT NULL DEFAULT 0,
    last_success   INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    events         INTEGER NOT NULL DEFAULT 0,
    attributes     INTEGER NOT NULL DEFAULT 0,
    failures       INTEGER NOT NULL DEFAULT 0,
    total_events   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (server_id, direction)
);

-- Which link a synced event last came from by pull, so that a Liaison peer can
-- be asked which of those it no longer shares.
CREATE TABLE event_origins (
    event_id  INTEGER PRIMARY KEY REFERENCES events(id),
    server_id INTEGER NOT NULL REFERENCES servers(id)
);
CREATE INDEX event_origins_server ON event_origins (server_id);
