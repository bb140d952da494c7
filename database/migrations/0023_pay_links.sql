-- 0023: customers pay the shop: payment links through the shop's own provider (MercadoPago,
-- Stripe, Clip), the provider's notifications stored once and processed by a worker, each
-- provider payment turned into one abono (a server-made fiado_payment), and refunds or
-- chargebacks kept as facts of their own (never an edit of the abono).

CREATE TABLE pay_links (
    tenant_id     uuid NOT NULL REFERENCES tenants (tenant_id),
    link_id       uuid NOT NULL,
    provider      text NOT NULL CHECK (provider IN ('mercadopago', 'stripe', 'clip')),
    customer_id   uuid NOT NULL,
    amount        bigint NOT NULL CHECK (amount > 0),
    provider_ref  text NOT NULL,                  -- preference, session or payment request id
    url           text NOT NULL,
    methods       text[] NOT NULL,                -- what the customer can pay with: card, oxxo
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, link_id),
    UNIQUE (tenant_id, provider, provider_ref)
);
CREATE INDEX pay_links_customer ON pay_links (tenant_id, customer_id, created_at);

-- Notifications as received (verified first: a bad signature stores nothing), keyed by what
-- the provider repeats on a retry.
CREATE TABLE pay_events (
    tenant_id        uuid NOT NULL REFERENCES tenants (tenant_id),
    provider         text NOT NULL,
    event_key        text NOT NULL CHECK (length(event_key) BETWEEN 1 AND 300),
    body             jsonb NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    claimed_at       timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    handled_at       timestamptz,
    outcome          text,
    last_error       text,
    PRIMARY KEY (tenant_id, provider, event_key)
);
CREATE INDEX pay_events_due ON pay_events (next_attempt_at) WHERE handled_at IS NULL;

-- A provider payment that became an abono: once, whatever number of notifications say so.
CREATE TABLE pay_payments (
    tenant_id    uuid NOT NULL,
    provider     text NOT NULL,
    payment_ref  text NOT NULL,
    link_id      uuid NOT NULL,
    abono_id     uuid NOT NULL,                   -- the fiado_payment fact
    amount       bigint NOT NULL CHECK (amount > 0),
    method       text NOT NULL,                   -- card, oxxo, …: as the provider says
    paid_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, provider, payment_ref),
    FOREIGN KEY (tenant_id, link_id) REFERENCES pay_links (tenant_id, link_id)
);

-- Money given back (a refund) or taken back (a chargeback) after an abono: its own fact. It
-- reaches the customer's balance as a server-made fiado_charge (charge_id).
CREATE TABLE pay_reversals (
    tenant_id     uuid NOT NULL,
    provider      text NOT NULL,
    reversal_ref  text NOT NULL,
    payment_ref   text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('refund', 'chargeback')),
    amount        bigint NOT NULL CHECK (amount > 0),
    charge_id     uuid NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, provider, reversal_ref),
    FOREIGN KEY (tenant_id, provider, payment_ref)
        REFERENCES pay_payments (tenant_id, provider, payment_ref)
);

CALL mch_enable_tenant_rls('pay_links', 'pay_events', 'pay_payments', 'pay_reversals');
GRANT SELECT, INSERT, UPDATE ON pay_links, pay_events TO michangarrito_app;
GRANT SELECT, INSERT ON pay_payments, pay_reversals TO michangarrito_app;

-- The worker serves every shop; this answers only "which shops have notifications due". Owned
-- by michangarrito_definer with the path pinned (0017), like the other cross-shop functions.
GRANT SELECT ON pay_events TO michangarrito_definer;
CREATE POLICY definer_lookup ON pay_events FOR SELECT TO michangarrito_definer USING (true);
-- Handing a function to the definer needs its CREATE on the schema, for this migration only.
GRANT CREATE ON SCHEMA public TO michangarrito_definer;
CREATE FUNCTION mch_pay_due_tenants(p_lease interval) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT DISTINCT tenant_id FROM public.pay_events
        WHERE handled_at IS NULL AND next_attempt_at <= now()
          AND (claimed_at IS NULL OR claimed_at < now() - p_lease)
    $$;
ALTER FUNCTION mch_pay_due_tenants(interval) OWNER TO michangarrito_definer;
REVOKE ALL ON FUNCTION mch_pay_due_tenants(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mch_pay_due_tenants(interval) TO michangarrito_app;
REVOKE CREATE ON SCHEMA public FROM michangarrito_definer;

-- The server's own WhatsApp messages to a customer: a receipt for a payment made online.
ALTER TABLE outbound_messages DROP CONSTRAINT outbound_messages_kind_check;
ALTER TABLE outbound_messages ADD CONSTRAINT outbound_messages_kind_check
    CHECK (kind IN ('statement', 'reply', 'order_update', 'reminder', 'payment_receipt',
                    'owner_notice'));  -- 0021's kinds, receipts, and the jobs' owner notices
