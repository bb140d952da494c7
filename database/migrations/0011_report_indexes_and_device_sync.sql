-- 0011: what the shop's tools read over years of sales: facts by time (a month's sales, a
-- day's returns), and when each device last synced (stale tills).

CREATE INDEX sales_sold_at ON sales (tenant_id, sold_at);
CREATE INDEX sale_returns_returned_at ON sale_returns (tenant_id, returned_at);
CREATE INDEX shift_closes_closed_at ON shift_closes (tenant_id, closed_at);
CREATE INDEX shift_closes_shift ON shift_closes (tenant_id, shift_id);
CREATE INDEX cash_movements_shift ON cash_movements (tenant_id, shift_id);
CREATE INDEX sales_shift ON sales (tenant_id, shift_id) WHERE shift_id IS NOT NULL;
CREATE INDEX sales_device ON sales (tenant_id, device_id, sold_at);

-- Stamped by a device's push or pull (at most once a minute: it is a "seen lately", not a log).
ALTER TABLE devices ADD COLUMN last_sync_at timestamptz;
