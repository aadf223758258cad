-- 0005_attribute_removals: hard-deleted attribute rows leave a trace, so that
-- readers of "changes since N" (the indicator index, later sync) learn that the
-- row is gone.  Soft deletes need none: the row stays with deleted = 1 and a new
-- seq.  The trigger stamps the transaction's current change-sequence value; the
-- store bumps the sequence before any hard delete, so that value is new.
CREATE TABLE attribute_removals (
    attribute_id INTEGER NOT NULL,
    seq          INTEGER NOT NULL
);
CREATE INDEX attribute_removals_seq ON attribute_removals (seq);

CREATE TRIGGER attributes_removed AFTER DELETE ON attributes
BEGIN
    INSERT INTO attribute_removals (attribute_id, seq)
    VALUES (old.id, (SELECT value FROM change_seq WHERE id = 1));
END;
