-- 0009: WhatsApp messages tills asked the server to send (message_request facts), with their
-- delivery state. The request itself is a fact (in the feed); this row is the server's work
-- on it, so unlike facts it is updated: pending → sending → sent | failed | pending (retry),
-- or not_configured and back.

CREATE TABLE outbound_messages (
    tenant_id        uuid NOT NULL REFERENCES tenants (tenant_id),
    request_id       uuid NOT NULL,
    customer_id      uuid NOT NULL,
    to_phone         text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('statement')),
    body             text NOT NULL CHECK (length(body) BETWEEN 1 AND 4096),
    cashier_id       uuid,
    requested_at     timestamptz NOT NULL,
    device_id        uuid,
    -- pending: to be tried (again, after a transient error, from next_attempt_at);
    -- sending: claimed by a sender (committed before the HTTP call, claimed_at); a claim that
    -- outlives its lease means the outcome is unknown: it becomes failed, never re-sent;
    -- sent: WhatsApp accepted it (provider_id is its wamid); failed: given up, see last_error;
    -- not_configured: waits until the server has WhatsApp credentials.
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'not_configured')),
    claimed_at       timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    provider_id      text,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, request_id)
);
CREATE INDEX outbound_messages_due ON outbound_messages (status, next_attempt_at)
    WHERE status IN ('pending', 'sending', 'not_configured');
CREATE INDEX outbound_messages_customer ON outbound_messages (tenant_id, customer_id);

CALL mch_enable_tenant_rls('outbound_messages');
GRANT SELECT, INSERT, UPDATE ON outbound_messages TO michangarrito_app;

-- The sender serves every shop, and RLS shows the app role one shop at a time. This narrow
-- definer function answers only "which shops have messages due"; the sender then works in
-- each shop's own tenant transaction.
CREATE FUNCTION mch_outbound_due_tenants(p_configured boolean, p_lease interval)
    RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT DISTINCT tenant_id FROM public.outbound_messages
        WHERE (status = 'pending' AND next_attempt_at <= now())
           OR (p_configured AND status = 'not_configured')
           OR (status = 'sending' AND claimed_at < now() - p_lease)
    $$;
REVOKE ALL ON FUNCTION mch_outbound_due_tenants(boolean, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mch_outbound_due_tenants(boolean, interval) TO michangarrito_app;
