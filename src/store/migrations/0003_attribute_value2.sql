-- 0003_attribute_value2: the second part of composite values ("ip-dst|port",
-- "filename|sha256", ...) gets its own indexed column, so that restSearch for a
-- port, hash or address finds the composite attributes holding it, as MISP's
-- value1/value2 do.  The index is partial: plain attributes cost nothing.
ALTER TABLE attributes ADD COLUMN value2 TEXT;
UPDATE attributes SET value2 = substr(value, instr(value, '|') + 1)
WHERE instr(type, '|') > 0 AND instr(value, '|') > 0;
CREATE INDEX attributes_value2 ON attributes (value2) WHERE value2 IS NOT NULL;
