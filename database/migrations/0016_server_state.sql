-- 0016: what operations need from the database: the feed epoch, and the WhatsApp queue's depth.

-- feed_epoch names this database's history of change feeds. `michangarrito-server restore`
-- gives it a new value after loading a backup: every feed then restarts behind where tills had
-- read, and a till that sees a new epoch (the X-MCH-Feed-Epoch header) pushes again what the
-- server lost and pulls from the start (docs/sync-protocol.md, "A server restored from a backup").
CREATE TABLE server_state (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    feed_epoch     uuid NOT NULL DEFAULT gen_random_uuid(),
    restored_at    timestamptz,
    restored_from  text
);
INSERT INTO server_state DEFAULT VALUES;
GRANT SELECT ON server_state TO michangarrito_app;

-- The sender's queue across every shop, for /metrics (RLS shows the app role one shop at a time).
CREATE FUNCTION mch_outbound_queue_depth()
    RETURNS TABLE (status text, n bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT status, count(*) FROM public.outbound_messages
        WHERE status IN ('pending', 'sending', 'not_configured')
        GROUP BY status
    $$;
REVOKE ALL ON FUNCTION mch_outbound_queue_depth() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mch_outbound_queue_depth() TO michangarrito_app;
