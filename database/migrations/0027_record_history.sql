-- A record's edits in the feed, found by its id: the server answers a refused record edit with
-- its own copy, folded from them (docs/sync-protocol.md, "Push"). Records only (facts are
-- inserts and never looked up this way), so the index stays small beside the sales.
CREATE INDEX changes_record_history
    ON changes (tenant_id, entity, ((body -> 'payload' ->> 'id')))
    WHERE op <> 'insert';
