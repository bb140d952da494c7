-- 0012: orders (a customer's request, e.g. over WhatsApp): an immutable fact with its lines at
-- the prices of the moment; where it stands is the order_status record keyed by the same id.
-- Orders move no stock and no money: "cobrar pedido" makes a normal sale at the till.

CREATE TABLE orders (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id),
    order_id       uuid NOT NULL,
    number         integer NOT NULL CHECK (number > 0),
    customer_id    uuid,
    customer_name  text NOT NULL,
    phone          text,
    fulfilment     text NOT NULL CHECK (fulfilment IN ('recoger', 'domicilio')),
    address        text,
    notes          text,
    total          bigint NOT NULL CHECK (total >= 0),
    source         text NOT NULL,
    placed_at      timestamptz NOT NULL,
    device_id      uuid,
    PRIMARY KEY (tenant_id, order_id),
    UNIQUE (tenant_id, number)
);
CREATE INDEX orders_customer ON orders (tenant_id, customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX orders_placed_at ON orders (tenant_id, placed_at);

CREATE TABLE order_lines (
    tenant_id   uuid NOT NULL,
    order_id    uuid NOT NULL,
    line_no     integer NOT NULL,
    product_id  uuid,
    name        text NOT NULL,
    qty_milli   bigint NOT NULL CHECK (qty_milli > 0),
    unit_price  bigint NOT NULL CHECK (unit_price >= 0),
    total       bigint NOT NULL CHECK (total >= 0),
    PRIMARY KEY (tenant_id, order_id, line_no),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, order_id)
);

CREATE INDEX order_statuses_status ON order_statuses (tenant_id, status, changed_at);

CALL mch_enable_tenant_rls('orders', 'order_lines');
GRANT SELECT, INSERT ON orders, order_lines TO michangarrito_app;
