-- 0012_sighting_origin: the organisation of the peer that delivered a
-- sighting (its push to bulkSaveSightings, or a pull from its link); 0 for a
-- sighting recorded on this node.  A peer may later delete only what its own
-- organisation reported or what it delivered (acl_can_peer_delete_sighting).
-- Sightings received before this migration count as recorded here.
ALTER TABLE sightings ADD COLUMN from_org_id INTEGER NOT NULL DEFAULT 0;
