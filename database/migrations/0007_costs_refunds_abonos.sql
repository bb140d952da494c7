-- 0007: a sale line's unit cost when sold (for the margin), a return's exact part credited to
-- the customer's fiado account (the rest was cash out of the drawer), and who took an abono,
-- on which shift, with which reference.

ALTER TABLE sale_lines ADD COLUMN cost bigint CHECK (cost >= 0);

ALTER TABLE sale_returns ADD COLUMN refund_to_account bigint NOT NULL DEFAULT 0
    CHECK (refund_to_account >= 0 AND refund_to_account <= amount);

ALTER TABLE fiado_payments ADD COLUMN cashier_id uuid;
ALTER TABLE fiado_payments ADD COLUMN shift_id uuid;
ALTER TABLE fiado_payments ADD COLUMN reference text;
CREATE INDEX fiado_payments_shift ON fiado_payments (tenant_id, shift_id) WHERE shift_id IS NOT NULL;
