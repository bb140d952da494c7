-- 0005: returns and cancellations, cash in/out, shifts (facts); categories, cashiers, settings
-- and order status (records). Stock now also counts returned units back in.

CREATE TABLE sale_returns (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id),
    return_id      uuid NOT NULL,
    sale_id        uuid NOT NULL,
    amount         bigint NOT NULL,
    refund_method  text NOT NULL,
    reason         text NOT NULL,
    cashier_id     uuid,
    device_id      uuid,
    returned_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, return_id)
);
CREATE INDEX sale_returns_sale ON sale_returns (tenant_id, sale_id);

CREATE TABLE sale_return_lines (
    tenant_id   uuid NOT NULL,
    return_id   uuid NOT NULL,
    line_no     integer NOT NULL,
    product_id  uuid,
    qty_milli   bigint NOT NULL,
    amount      bigint NOT NULL,
    PRIMARY KEY (tenant_id, return_id, line_no),
    FOREIGN KEY (tenant_id, return_id) REFERENCES sale_returns (tenant_id, return_id)
);
CREATE INDEX sale_return_lines_product ON sale_return_lines (tenant_id, product_id);

CREATE TABLE cash_movements (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    movement_id  uuid NOT NULL,
    shift_id     uuid,
    direction    text NOT NULL CHECK (direction IN ('entrada', 'salida')),
    amount       bigint NOT NULL CHECK (amount > 0),
    reason       text NOT NULL,
    device_id    uuid,
    moved_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, movement_id)
);

CREATE TABLE shifts (
    tenant_id     uuid NOT NULL REFERENCES tenants (tenant_id),
    shift_id      uuid NOT NULL,
    cashier_id    uuid,
    float_amount  bigint NOT NULL,
    device_id     uuid,
    opened_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, shift_id)
);

CREATE TABLE shift_closes (
    tenant_id  uuid NOT NULL REFERENCES tenants (tenant_id),
    close_id   uuid NOT NULL,
    shift_id   uuid NOT NULL,
    counted    jsonb NOT NULL,
    note       text,
    device_id  uuid,
    closed_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, close_id)
);

CREATE TABLE categories (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    category_id  uuid NOT NULL,
    name         text NOT NULL,
    active       boolean NOT NULL,
    deleted      boolean NOT NULL DEFAULT false,
    hlc          bigint NOT NULL,
    hlc_device   uuid NOT NULL,
    PRIMARY KEY (tenant_id, category_id)
);

CREATE TABLE cashiers (
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id),
    cashier_id  uuid NOT NULL,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('dueno', 'encargado', 'cajero')),
    pin_hash    text NOT NULL,
    active      boolean NOT NULL,
    deleted     boolean NOT NULL DEFAULT false,
    hlc         bigint NOT NULL,
    hlc_device  uuid NOT NULL,
    PRIMARY KEY (tenant_id, cashier_id)
);

CREATE TABLE shop_settings (
    tenant_id       uuid NOT NULL REFERENCES tenants (tenant_id),
    settings_id     uuid NOT NULL,
    shop_name       text NOT NULL,
    address         text,
    phone           text,
    rfc             text,
    timezone        text NOT NULL,
    receipt_footer  text,
    deleted         boolean NOT NULL DEFAULT false,
    hlc             bigint NOT NULL,
    hlc_device      uuid NOT NULL,
    PRIMARY KEY (tenant_id, settings_id)
);

CREATE TABLE order_statuses (
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id),
    order_id    uuid NOT NULL,
    status      text NOT NULL,
    note        text,
    changed_at  timestamptz NOT NULL,
    deleted     boolean NOT NULL DEFAULT false,
    hlc         bigint NOT NULL,
    hlc_device  uuid NOT NULL,
    PRIMARY KEY (tenant_id, order_id)
);

DROP VIEW product_stock;
CREATE VIEW product_stock WITH (security_invoker = true) AS
    SELECT p.tenant_id, p.product_id,
           (COALESCE((SELECT sum(m.qty_milli) FROM inventory_movements m
                      WHERE m.tenant_id = p.tenant_id AND m.product_id = p.product_id), 0)
          - COALESCE((SELECT sum(l.qty_milli) FROM sale_lines l
                      WHERE l.tenant_id = p.tenant_id AND l.product_id = p.product_id), 0)
          + COALESCE((SELECT sum(r.qty_milli) FROM sale_return_lines r
                      WHERE r.tenant_id = p.tenant_id AND r.product_id = p.product_id), 0)
           )::bigint AS stock_milli
    FROM products p;

GRANT SELECT ON product_stock TO michangarrito_app;

CALL mch_enable_tenant_rls('sale_returns', 'sale_return_lines', 'cash_movements', 'shifts',
                           'shift_closes', 'categories', 'cashiers', 'shop_settings',
                           'order_statuses');
GRANT SELECT, INSERT ON sale_returns, sale_return_lines, cash_movements, shifts, shift_closes
    TO michangarrito_app;
GRANT SELECT, INSERT, UPDATE ON categories, cashiers, shop_settings, order_statuses
    TO michangarrito_app;
