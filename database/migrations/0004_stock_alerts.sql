-- 0004: stock alerts, records the server raises when derived stock goes below zero.

CREATE TABLE stock_alerts (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    alert_id     uuid NOT NULL,
    product_id   uuid NOT NULL,
    stock_milli  bigint NOT NULL,
    open         boolean NOT NULL,
    changed_at   timestamptz NOT NULL,
    hlc          bigint NOT NULL,
    hlc_device   uuid NOT NULL,
    PRIMARY KEY (tenant_id, alert_id)
);
CREATE UNIQUE INDEX stock_alerts_product ON stock_alerts (tenant_id, product_id);

CALL mch_enable_tenant_rls('stock_alerts');
GRANT SELECT, INSERT, UPDATE ON stock_alerts TO michangarrito_app;
