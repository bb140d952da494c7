-- 0019: the metrics' queue-depth function (0016) joins the other functions that look across
-- shops: owned by michangarrito_definer, with the same pinned search path (0017).
GRANT CREATE ON SCHEMA public TO michangarrito_definer;  -- for the hand-over (see 0017)
ALTER FUNCTION mch_outbound_queue_depth() OWNER TO michangarrito_definer;
REVOKE CREATE ON SCHEMA public FROM michangarrito_definer;
ALTER FUNCTION mch_outbound_queue_depth() SET search_path = pg_catalog, pg_temp;
