-- 0026: absolute physical counts (sync protocol 4). A count says "at this moment (hlc), the
-- shelf held N"; stock is the last count plus every movement, sale and return stamped after
-- it (shared/stock.py), so a sale rung up offline before a count and synced after it is not
-- subtracted twice. Every fact that moves stock keeps its change's hybrid-clock stamp.

ALTER TABLE inventory_movements ADD COLUMN hlc bigint NOT NULL DEFAULT 0;
ALTER TABLE sale_lines ADD COLUMN hlc bigint NOT NULL DEFAULT 0;
ALTER TABLE sale_return_lines ADD COLUMN hlc bigint NOT NULL DEFAULT 0;

-- Stored facts take their stamp from the change that brought them (the feed keeps it). Row
-- security binds the tables' owner too (0017), and a migration runs for no one shop: lifted
-- for these few statements, put back at once.
ALTER TABLE changes NO FORCE ROW LEVEL SECURITY;
ALTER TABLE inventory_movements NO FORCE ROW LEVEL SECURITY;
ALTER TABLE sale_lines NO FORCE ROW LEVEL SECURITY;
ALTER TABLE sale_return_lines NO FORCE ROW LEVEL SECURITY;
UPDATE inventory_movements m SET hlc = c.hlc
  FROM (SELECT tenant_id, (body->'payload'->>'id')::uuid AS id, min(hlc) AS hlc FROM changes
        WHERE entity = 'inventory_movement' GROUP BY 1, 2) c
 WHERE c.tenant_id = m.tenant_id AND c.id = m.movement_id;
UPDATE sale_lines l SET hlc = c.hlc
  FROM (SELECT tenant_id, (body->'payload'->>'id')::uuid AS id, min(hlc) AS hlc FROM changes
        WHERE entity = 'sale' GROUP BY 1, 2) c
 WHERE c.tenant_id = l.tenant_id AND c.id = l.sale_id;
UPDATE sale_return_lines l SET hlc = c.hlc
  FROM (SELECT tenant_id, (body->'payload'->>'id')::uuid AS id, min(hlc) AS hlc FROM changes
        WHERE entity = 'sale_return' GROUP BY 1, 2) c
 WHERE c.tenant_id = l.tenant_id AND c.id = l.return_id;
ALTER TABLE changes FORCE ROW LEVEL SECURITY;
ALTER TABLE inventory_movements FORCE ROW LEVEL SECURITY;
ALTER TABLE sale_lines FORCE ROW LEVEL SECURITY;
ALTER TABLE sale_return_lines FORCE ROW LEVEL SECURITY;

CREATE TABLE stock_counts (
    tenant_id     uuid NOT NULL REFERENCES tenants (tenant_id),
    count_id      uuid NOT NULL,
    product_id    uuid NOT NULL,
    counted_milli bigint NOT NULL CHECK (counted_milli >= 0),
    counted_at    timestamptz NOT NULL,
    note          text,
    cashier_id    uuid,
    device_id     uuid,
    hlc           bigint NOT NULL,
    PRIMARY KEY (tenant_id, count_id)
);
CREATE INDEX stock_counts_last ON stock_counts (tenant_id, product_id, hlc DESC, count_id DESC);
CALL mch_enable_tenant_rls('stock_counts');
ALTER TABLE stock_counts FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON stock_counts TO michangarrito_app;

DROP VIEW product_stock;
CREATE VIEW product_stock WITH (security_invoker = true) AS
    SELECT p.tenant_id, p.product_id,
           (COALESCE(c.counted_milli, 0)
          + COALESCE((SELECT sum(m.qty_milli) FROM inventory_movements m
                      WHERE m.tenant_id = p.tenant_id AND m.product_id = p.product_id
                        AND m.hlc > COALESCE(c.hlc, -1)), 0)
          - COALESCE((SELECT sum(l.qty_milli) FROM sale_lines l
                      WHERE l.tenant_id = p.tenant_id AND l.product_id = p.product_id
                        AND l.hlc > COALESCE(c.hlc, -1)), 0)
          + COALESCE((SELECT sum(r.qty_milli) FROM sale_return_lines r
                      WHERE r.tenant_id = p.tenant_id AND r.product_id = p.product_id
                        AND r.hlc > COALESCE(c.hlc, -1)), 0)
           )::bigint AS stock_milli
    FROM products p
    LEFT JOIN LATERAL (
        SELECT sc.counted_milli, sc.hlc FROM stock_counts sc
        WHERE sc.tenant_id = p.tenant_id AND sc.product_id = p.product_id
        ORDER BY sc.hlc DESC, sc.count_id DESC LIMIT 1
    ) c ON true;
GRANT SELECT ON product_stock TO michangarrito_app;

-- Records merge field by field (sync protocol 4, shared/sync/merge.py). Each field keeps
-- the stamp (hlc, writer) of the edit that last set it: NULL while every field carries the
-- record's own (hlc, hlc_device), as every record written whole before this does.

ALTER TABLE products ADD COLUMN field_stamps jsonb;
ALTER TABLE customers ADD COLUMN field_stamps jsonb;
ALTER TABLE categories ADD COLUMN field_stamps jsonb;
ALTER TABLE cashiers ADD COLUMN field_stamps jsonb;
ALTER TABLE shop_settings ADD COLUMN field_stamps jsonb;
ALTER TABLE order_statuses ADD COLUMN field_stamps jsonb;
ALTER TABLE stock_alerts ADD COLUMN field_stamps jsonb;
