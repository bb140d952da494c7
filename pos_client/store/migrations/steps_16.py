"""Client schema step 16: refunds split by tender, and returns and cash movements that name
their shift and cashier. Forward-only, like every step: a shipped one is never edited."""

from __future__ import annotations

STEPS: list[str] = [
    # 16: a return's card and transfer parts (the rest beyond the account part is cash; rows
    # from before keep 0 and are read by their refund_method, shared.returns.refund_parts),
    # the terminal's reference, and the shift whose drawer paid it (NULL before: the corte
    # falls back to the till and the time). A cash movement names who was at the till.
    """
    ALTER TABLE sale_returns ADD COLUMN refund_card INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sale_returns ADD COLUMN refund_transfer INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sale_returns ADD COLUMN refund_reference TEXT;
    ALTER TABLE sale_returns ADD COLUMN shift_id TEXT;
    CREATE INDEX sale_returns_shift ON sale_returns (shift_id);
    ALTER TABLE cash_movements ADD COLUMN cashier_id TEXT;
    """,
]
