-- 0006_attributes_event_live: the attribute count of an event (every event
-- load computes it) reads only this index, not every attribute row: a 10,000-
-- attribute event cost 10,000 random row reads.
DROP INDEX attributes_event;
CREATE INDEX attributes_event ON attributes (event_id, deleted);
