-- 0031: refunds by tender, and returns and cash movements that name their shift and cashier.
-- A return's card and transfer parts (the rest beyond refund_to_account is cash; rows from
-- before keep 0 and are read by their refund_method: shared/returns.py refund_parts), the
-- terminal's reference, and the shift whose drawer paid it (NULL before: the corte falls back
-- to the till and the time). A cash movement names who was at the till.

ALTER TABLE sale_returns ADD COLUMN refund_card bigint NOT NULL DEFAULT 0
    CHECK (refund_card >= 0);
ALTER TABLE sale_returns ADD COLUMN refund_transfer bigint NOT NULL DEFAULT 0
    CHECK (refund_transfer >= 0);
ALTER TABLE sale_returns ADD COLUMN refund_reference text;
ALTER TABLE sale_returns ADD COLUMN shift_id uuid;
CREATE INDEX sale_returns_shift ON sale_returns (tenant_id, shift_id);

ALTER TABLE cash_movements ADD COLUMN cashier_id uuid;
