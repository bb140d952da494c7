-- 0006: line discounts, mayoreo prices, who sold (cashier, shift, fiado customer), audit log.

ALTER TABLE products ADD COLUMN wholesale_price bigint;
ALTER TABLE products ADD COLUMN wholesale_min_milli bigint NOT NULL DEFAULT 0;

ALTER TABLE sales ADD COLUMN customer_id uuid;
ALTER TABLE sales ADD COLUMN cashier_id uuid;
ALTER TABLE sales ADD COLUMN shift_id uuid;
CREATE INDEX sales_customer ON sales (tenant_id, customer_id) WHERE customer_id IS NOT NULL;
ALTER TABLE sale_lines ADD COLUMN discount bigint NOT NULL DEFAULT 0;
ALTER TABLE shop_settings ADD COLUMN permissions jsonb;

CREATE TABLE audit_events (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id),
    event_id       uuid NOT NULL,
    action         text NOT NULL,
    cashier_id     uuid,
    authorized_by  uuid,
    subject_id     uuid,
    detail         text,
    device_id      uuid,
    at             timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX audit_events_at ON audit_events (tenant_id, at);

CALL mch_enable_tenant_rls('audit_events');
GRANT SELECT, INSERT ON audit_events TO michangarrito_app;
