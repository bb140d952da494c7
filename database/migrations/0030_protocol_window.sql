-- A record's edits in the feed, found by its id: the server answers a refused record edit with
-- its own copy, folded from them (docs/sync-protocol.md, "Push"). Records only (facts are
-- inserts and never looked up this way), so the index stays small beside the sales.
CREATE INDEX changes_record_history
    ON changes (tenant_id, entity, ((body -> 'payload' ->> 'id')))
    WHERE op <> 'insert';

-- The lowest feed number a version-3 pull of this device left out (an entity or value version
-- 3 cannot read). Its first version-4 pull is sent back to just before it, so the upgraded
-- till gets what was skipped (docs/sync-protocol.md, "Versions the server accepts").
ALTER TABLE devices ADD COLUMN skipped_from bigint;
