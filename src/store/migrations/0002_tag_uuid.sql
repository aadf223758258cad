-- 0002_tag_uuid: tags get a global uuid and a timestamp, like every other
-- shared row (sync will match tags by name, but tombstones need identity).
ALTER TABLE tags ADD COLUMN uuid TEXT;
ALTER TABLE tags ADD COLUMN timestamp INTEGER NOT NULL DEFAULT 0;
UPDATE tags SET
    uuid = lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
           substr(lower(hex(randomblob(2))), 2) || '-' ||
           substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) ||
           '-' || lower(hex(randomblob(6))),
    timestamp = CAST(strftime('%s', 'now') AS INTEGER)
WHERE uuid IS NULL;
CREATE UNIQUE INDEX tags_uuid ON tags (uuid);
