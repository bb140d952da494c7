-- 0002: customers (records) and fiado charges and payments (facts); balances are derived.

CREATE TABLE customers (
    tenant_id     uuid NOT NULL REFERENCES tenants (tenant_id),
    customer_id   uuid NOT NULL,
    name          text NOT NULL,
    phone         text,
    credit_limit  bigint NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),
    active        boolean NOT NULL DEFAULT true,
    deleted       boolean NOT NULL DEFAULT false,
    hlc           bigint NOT NULL,
    hlc_device    uuid NOT NULL,
    PRIMARY KEY (tenant_id, customer_id)
);
CREATE INDEX customers_phone ON customers (tenant_id, phone);

CREATE TABLE fiado_charges (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    charge_id    uuid NOT NULL,
    customer_id  uuid NOT NULL,
    amount       bigint NOT NULL CHECK (amount > 0),
    sale_id      uuid,
    note         text,
    device_id    uuid,
    charged_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, charge_id)
);
CREATE INDEX fiado_charges_customer ON fiado_charges (tenant_id, customer_id);

CREATE TABLE fiado_payments (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    payment_id   uuid NOT NULL,
    customer_id  uuid NOT NULL,
    amount       bigint NOT NULL CHECK (amount > 0),
    method       text NOT NULL,
    note         text,
    device_id    uuid,
    paid_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, payment_id)
);
CREATE INDEX fiado_payments_customer ON fiado_payments (tenant_id, customer_id);

-- Balance = charges − payments, computed from facts, never stored.
CREATE VIEW customer_balances WITH (security_invoker = true) AS
    SELECT c.tenant_id, c.customer_id,
           COALESCE((SELECT sum(f.amount) FROM fiado_charges f
                     WHERE f.tenant_id = c.tenant_id AND f.customer_id = c.customer_id), 0)
         - COALESCE((SELECT sum(p.amount) FROM fiado_payments p
                     WHERE p.tenant_id = c.tenant_id AND p.customer_id = c.customer_id), 0)
           AS balance
    FROM customers c;

CALL mch_enable_tenant_rls('customers', 'fiado_charges', 'fiado_payments');

GRANT SELECT ON customer_balances TO michangarrito_app;
GRANT SELECT, INSERT, UPDATE ON customers TO michangarrito_app;
GRANT SELECT, INSERT ON fiado_charges, fiado_payments TO michangarrito_app;
