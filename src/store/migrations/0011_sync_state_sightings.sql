-- 0011_sync_state_sightings: a pull's sighting checkpoint, the newest event
-- sighting_timestamp of the peer whose sightings were taken (the peer's clock,
-- compared only with itself).
ALTER TABLE sync_state ADD COLUMN last_sighting INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN sightings INTEGER NOT NULL DEFAULT 0;
