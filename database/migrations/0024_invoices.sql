-- 0024: CFDI invoices. The shop's fiscal data, CSD and PAC credentials live in
-- tenant_integrations (kinds csd, pac, cfdi); here are the invoices themselves, which sales each
-- covers, the folio series, the payment complements' applications, and the owner's answers about
-- tills that had not synced a global invoice's period. See docs/cfdi.md.

-- When a till last pulled: it pushes its whole outbox first, so every sale it made before that
-- moment has reached the server (the factura global waits for every till's).
ALTER TABLE devices ADD COLUMN last_pull_at timestamptz;

-- Guesses of a ticket's folio and total on the self-invoicing page count against the address,
-- like logins and pairing codes (services/throttling.py).
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_scope_check,
    ADD CONSTRAINT auth_attempts_scope_check
    CHECK (scope IN ('login', 'pairing', 'signup', 'reset', 'self_invoice'));  -- 0022's reset too

CREATE TABLE invoice_series (
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id),
    series      text NOT NULL CHECK (series ~ '^[A-Z0-9]{1,10}$'),
    last_folio  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, series)
);

CREATE TABLE invoices (
    tenant_id            uuid NOT NULL REFERENCES tenants (tenant_id),
    invoice_id           uuid NOT NULL,
    -- ticket: one sale to a named customer; global: the period's sales to the public;
    -- payment: a payment complement (Pagos 2.0) for PPD invoices.
    kind                 text NOT NULL CHECK (kind IN ('ticket', 'global', 'payment')),
    series               text NOT NULL,
    folio                bigint NOT NULL,
    -- pending: signed, waiting for the PAC (again after next_attempt_at); stamping: claimed by
    -- a worker (claimed_at; an expired claim goes back to pending and the same XML is sent
    -- again: the PAC answers a repeat with its first stamp); stamped: uuid and stamped_xml;
    -- rejected: the PAC refused it (last_error), its sales are free again; discarded: a global
    -- that lost every sale before it was stamped.
    status               text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'stamping', 'stamped', 'rejected', 'discarded')),
    receptor_rfc         text NOT NULL,
    receptor_name        text NOT NULL,
    receptor_postal_code text NOT NULL,
    receptor_regime      text NOT NULL,
    uso                  text NOT NULL,
    forma_pago           text,
    metodo_pago          text,
    total                bigint NOT NULL CHECK (total >= 0),
    base                 bigint NOT NULL DEFAULT 0,
    iva                  bigint NOT NULL DEFAULT 0,
    ieps                 bigint NOT NULL DEFAULT 0,
    periodicity          text,
    period_start         date,
    period_end           date,
    issued_at            timestamptz NOT NULL,
    signed_xml           bytea NOT NULL,
    uuid                 text,
    stamped_xml          bytea,
    stamped_at           timestamptz,
    attempts             integer NOT NULL DEFAULT 0,
    next_attempt_at      timestamptz NOT NULL DEFAULT now(),
    claimed_at           timestamptz,
    last_error           text,
    -- Stamped only once this invoice is cancelled (motive 04: the global a sale was in).
    after_cancel_of      uuid,
    -- The invoice this one replaces (cancelled with motive 01 once this one is stamped).
    replaces             uuid,
    -- null | requested | sending | in_process (the customer must accept) | cancelled | refused
    cancel_status        text CHECK (cancel_status IN ('requested', 'sending', 'in_process',
                                                       'cancelled', 'refused')),
    cancel_motive        text CHECK (cancel_motive IN ('01', '02', '03', '04')),
    cancel_substitute    uuid,
    cancel_attempts      integer NOT NULL DEFAULT 0,
    cancel_next_at       timestamptz,
    cancel_claimed_at    timestamptz,
    cancel_error         text,
    cancel_acuse         bytea,
    cancelled_at         timestamptz,
    access_key           text NOT NULL,
    requested_by         text NOT NULL CHECK (requested_by IN ('customer', 'counter', 'owner',
                                                                'schedule')),
    device_id            uuid,
    created_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, invoice_id),
    UNIQUE (tenant_id, series, folio)
);
CREATE UNIQUE INDEX invoices_uuid ON invoices (tenant_id, uuid) WHERE uuid IS NOT NULL;
CREATE INDEX invoices_due ON invoices (status, next_attempt_at) WHERE status IN ('pending', 'stamping');
CREATE INDEX invoices_cancel_due ON invoices (cancel_status, cancel_next_at)
    WHERE cancel_status IN ('requested', 'sending', 'in_process');
CREATE INDEX invoices_issued ON invoices (tenant_id, issued_at);

-- The sales an invoice covers (history; a global lists many).
CREATE TABLE invoice_sales (
    tenant_id   uuid NOT NULL,
    invoice_id  uuid NOT NULL,
    sale_id     uuid NOT NULL,
    total       bigint NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id, sale_id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, invoice_id),
    FOREIGN KEY (tenant_id, sale_id) REFERENCES sales (tenant_id, sale_id)
);
CREATE INDEX invoice_sales_sale ON invoice_sales (tenant_id, sale_id);

-- Where each sale stands now: its own invoice, or the global that covers it. One row per sale,
-- so "invoiced once" and "never in a global and in its own invoice" are row locks, not hopes.
-- No foreign key to invoices: a global claims its sales before its row exists (same
-- transaction), and Citus takes no deferrable keys.
CREATE TABLE sale_invoicing (
    tenant_id          uuid NOT NULL,
    sale_id            uuid NOT NULL,
    invoice_id         uuid,
    global_invoice_id  uuid,
    PRIMARY KEY (tenant_id, sale_id),
    FOREIGN KEY (tenant_id, sale_id) REFERENCES sales (tenant_id, sale_id)
);

-- Payments applied to PPD invoices, each put on a payment complement once. ``payment_id`` is a
-- fiado abono, or the sale itself for what was paid at the counter (a mixed sale's cash part).
CREATE TABLE invoice_payments (
    tenant_id        uuid NOT NULL,
    payment_id       uuid NOT NULL,
    invoice_id       uuid NOT NULL,
    receipt_id       uuid NOT NULL,
    installment      integer NOT NULL CHECK (installment >= 1),
    balance_before   bigint NOT NULL,
    amount           bigint NOT NULL CHECK (amount > 0),
    PRIMARY KEY (tenant_id, payment_id, invoice_id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, invoice_id),
    FOREIGN KEY (tenant_id, receipt_id) REFERENCES invoices (tenant_id, invoice_id)
);
CREATE INDEX invoice_payments_invoice ON invoice_payments (tenant_id, invoice_id);

-- A global invoice's period, and which unsynced tills the owner said not to wait for.
CREATE TABLE global_periods (
    tenant_id         uuid NOT NULL REFERENCES tenants (tenant_id),
    periodicity       text NOT NULL,
    period_start      date NOT NULL,
    period_end        date NOT NULL,
    accepted_missing  uuid[] NOT NULL DEFAULT '{}',
    accepted_at       timestamptz,
    PRIMARY KEY (tenant_id, periodicity, period_start)
);

CALL mch_enable_tenant_rls('invoice_series', 'invoices', 'invoice_sales', 'sale_invoicing',
                           'invoice_payments', 'global_periods');
GRANT SELECT, INSERT, UPDATE ON invoice_series, invoices, sale_invoicing, global_periods
    TO michangarrito_app;
GRANT SELECT, INSERT, DELETE ON invoice_sales TO michangarrito_app;
GRANT SELECT, INSERT ON invoice_payments TO michangarrito_app;

-- The invoicing worker serves every shop, and RLS shows the app role one shop at a time: these
-- answer only "which shops have invoicing work due", "which shops issue invoices" and "which
-- shops have a sale with this id". Like the others that look across shops (0017, 0019): owned
-- by michangarrito_definer, every name qualified, the path pinned. The definer reads only the
-- columns they need.
GRANT SELECT (tenant_id, status, next_attempt_at, claimed_at, cancel_status, cancel_next_at,
              cancel_claimed_at) ON invoices TO michangarrito_definer;
GRANT SELECT (tenant_id, kind, secret) ON tenant_integrations TO michangarrito_definer;
GRANT SELECT (tenant_id, sale_id) ON sales TO michangarrito_definer;
CREATE POLICY definer_lookup ON invoices FOR SELECT TO michangarrito_definer USING (true);
-- (0021 already lets the definer role read tenant_integrations: the WhatsApp routing needs it.)
CREATE POLICY definer_lookup ON sales FOR SELECT TO michangarrito_definer USING (true);
-- A function's new owner must be able to create in the schema when a non-superuser hands it
-- over; granted for the hand-overs below and taken back after them.
GRANT CREATE ON SCHEMA public TO michangarrito_definer;

CREATE FUNCTION mch_cfdi_due_tenants(p_lease interval) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT DISTINCT tenant_id FROM public.invoices
        WHERE (status = 'pending' AND next_attempt_at <= now())
           OR (status = 'stamping' AND claimed_at < now() - p_lease)
           OR (cancel_status IN ('requested', 'in_process') AND cancel_next_at <= now())
           OR (cancel_status = 'sending' AND cancel_claimed_at < now() - p_lease)
    $$;
ALTER FUNCTION mch_cfdi_due_tenants(interval) OWNER TO michangarrito_definer;
REVOKE ALL ON FUNCTION mch_cfdi_due_tenants(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mch_cfdi_due_tenants(interval) TO michangarrito_app;

CREATE FUNCTION mch_cfdi_tenants() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT tenant_id FROM public.tenant_integrations WHERE kind = 'csd' AND secret IS NOT NULL
    $$;
ALTER FUNCTION mch_cfdi_tenants() OWNER TO michangarrito_definer;
REVOKE ALL ON FUNCTION mch_cfdi_tenants() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mch_cfdi_tenants() TO michangarrito_app;

-- The self-invoicing page knows a sale by the id in its ticket's QR, not its shop (the page then
-- checks folio and total in each shop named).
CREATE INDEX sales_sale_id ON sales (sale_id);
CREATE FUNCTION mch_sale_tenants(p_sale uuid) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT tenant_id FROM public.sales WHERE sale_id = p_sale LIMIT 5 $$;
ALTER FUNCTION mch_sale_tenants(uuid) OWNER TO michangarrito_definer;
REVOKE ALL ON FUNCTION mch_sale_tenants(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mch_sale_tenants(uuid) TO michangarrito_app;
REVOKE CREATE ON SCHEMA public FROM michangarrito_definer;
