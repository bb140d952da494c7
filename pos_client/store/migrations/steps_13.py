"""Client schema step 13 (sync protocol 4): absolute stock counts and records merged field by
field, in one step. Forward-only, like every step: a shipped one is never edited."""

from __future__ import annotations

# What moved a product's stock after hybrid-clock stamp :h (the rule: shared/stock.py). A
# template: each use puts its own product and stamp in.
_AFTER = """
    COALESCE((SELECT sum(m.qty_milli) FROM inventory_movements m
              WHERE m.product_id = {p} AND m.hlc > {h}), 0)
  - COALESCE((SELECT sum(l.qty_milli) FROM sale_lines l
              WHERE l.product_id = {p} AND l.hlc > {h}), 0)
  + COALESCE((SELECT sum(r.qty_milli) FROM sale_return_lines r
              WHERE r.product_id = {p} AND r.hlc > {h}), 0)
"""

# The whole rule for one product, from scratch: its last count, and what moved after it.
_RECOUNT = """
    UPDATE stock SET (count_hlc, count_id) = (
        SELECT c.hlc, c.id FROM stock_counts c WHERE c.product_id = {p}
        ORDER BY c.hlc DESC, c.id DESC LIMIT 1)
    WHERE product_id = {p};
    UPDATE stock SET qty_milli =
        COALESCE((SELECT c.counted_milli FROM stock_counts c WHERE c.id = stock.count_id), 0)
        + """ + _AFTER.format(p="{p}", h="COALESCE(stock.count_hlc, -1)") + """
    WHERE product_id = {p};
"""

# Whether a fact stamped {h} moves {p}'s cached stock: it does unless a count stamped at or
# after it is the last one.
_MOVES = "{h} > COALESCE((SELECT count_hlc FROM stock WHERE product_id = {p}), -1)"

# Wall time of an ISO timestamp as a hybrid-clock stamp (milliseconds << 16).
_STAMP = "(CAST((julianday({t}) - 2440587.5) * 86400000 AS INTEGER) << 16)"


STEPS: list[str] = [
    # 14: absolute physical counts. Every fact that moves stock keeps its change's hybrid-clock
    # stamp (sale and return lines carry their ticket's); stock is the last count plus what is
    # stamped after it, so a sale rung up offline before a count and synced after it is not
    # subtracted twice. Facts stored before this step get their stamp from the outbox when
    # this till made them, otherwise from their own time (the server has the exact ones).
    # Then records merge field by field (shared/sync/merge.py): each field's stamp, as JSON,
    # when they are not all the record's own (NULL: written whole and not edited in part since).
    """
    ALTER TABLE inventory_movements ADD COLUMN hlc INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sale_lines ADD COLUMN hlc INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sale_return_lines ADD COLUMN hlc INTEGER NOT NULL DEFAULT 0;
    UPDATE inventory_movements SET hlc = """ + _STAMP.format(t="moved_at") + """;
    UPDATE sale_lines SET hlc = (SELECT """ + _STAMP.format(t="s.sold_at") + """
                                 FROM sales s WHERE s.id = sale_lines.sale_id);
    UPDATE sale_return_lines SET hlc = (SELECT """ + _STAMP.format(t="r.returned_at") + """
                                        FROM sale_returns r WHERE r.id = sale_return_lines.return_id);
    UPDATE inventory_movements SET hlc = o.hlc
      FROM (SELECT json_extract(body, '$.payload.id') AS id, hlc FROM outbox
            WHERE entity = 'inventory_movement') o
     WHERE o.id = inventory_movements.id;
    UPDATE sale_lines SET hlc = o.hlc
      FROM (SELECT json_extract(body, '$.payload.id') AS id, hlc FROM outbox
            WHERE entity = 'sale') o
     WHERE o.id = sale_lines.sale_id;
    UPDATE sale_return_lines SET hlc = o.hlc
      FROM (SELECT json_extract(body, '$.payload.id') AS id, hlc FROM outbox
            WHERE entity = 'sale_return') o
     WHERE o.id = sale_return_lines.return_id;
    CREATE INDEX inventory_movements_product_hlc ON inventory_movements (product_id, hlc);
    CREATE INDEX sale_lines_product_hlc ON sale_lines (product_id, hlc)
        WHERE product_id IS NOT NULL;
    CREATE INDEX sale_return_lines_product_hlc ON sale_return_lines (product_id, hlc)
        WHERE product_id IS NOT NULL;

    CREATE TABLE stock_counts (
        id            TEXT PRIMARY KEY,
        product_id    TEXT NOT NULL,
        counted_milli INTEGER NOT NULL,
        counted_at    TEXT NOT NULL,
        note          TEXT,
        cashier_id    TEXT,
        device_id     TEXT,
        hlc           INTEGER NOT NULL
    );
    CREATE INDEX stock_counts_product ON stock_counts (product_id, hlc, id);

    -- The cache remembers which count it starts from.
    ALTER TABLE stock ADD COLUMN count_hlc INTEGER;
    ALTER TABLE stock ADD COLUMN count_id TEXT;

    DROP TRIGGER stock_on_sale_line;
    DROP TRIGGER stock_on_movement;
    DROP TRIGGER stock_on_return_line;
    DROP TRIGGER stock_off_sale_line;
    DROP TRIGGER stock_off_movement;
    DROP TRIGGER stock_off_return_line;

    CREATE TRIGGER stock_on_sale_line AFTER INSERT ON sale_lines
    WHEN NEW.product_id IS NOT NULL AND """ + _MOVES.format(h="NEW.hlc", p="NEW.product_id") + """
    BEGIN
        INSERT INTO stock (product_id, qty_milli) VALUES (NEW.product_id, -NEW.qty_milli)
        ON CONFLICT (product_id) DO UPDATE SET qty_milli = qty_milli - NEW.qty_milli;
    END;
    CREATE TRIGGER stock_on_movement AFTER INSERT ON inventory_movements
    WHEN """ + _MOVES.format(h="NEW.hlc", p="NEW.product_id") + """
    BEGIN
        INSERT INTO stock (product_id, qty_milli) VALUES (NEW.product_id, NEW.qty_milli)
        ON CONFLICT (product_id) DO UPDATE SET qty_milli = qty_milli + NEW.qty_milli;
    END;
    CREATE TRIGGER stock_on_return_line AFTER INSERT ON sale_return_lines
    WHEN NEW.product_id IS NOT NULL AND """ + _MOVES.format(h="NEW.hlc", p="NEW.product_id") + """
    BEGIN
        INSERT INTO stock (product_id, qty_milli) VALUES (NEW.product_id, NEW.qty_milli)
        ON CONFLICT (product_id) DO UPDATE SET qty_milli = qty_milli + NEW.qty_milli;
    END;
    CREATE TRIGGER stock_off_sale_line AFTER DELETE ON sale_lines
    WHEN OLD.product_id IS NOT NULL AND """ + _MOVES.format(h="OLD.hlc", p="OLD.product_id") + """
    BEGIN
        UPDATE stock SET qty_milli = qty_milli + OLD.qty_milli WHERE product_id = OLD.product_id;
    END;
    CREATE TRIGGER stock_off_movement AFTER DELETE ON inventory_movements
    WHEN """ + _MOVES.format(h="OLD.hlc", p="OLD.product_id") + """
    BEGIN
        UPDATE stock SET qty_milli = qty_milli - OLD.qty_milli WHERE product_id = OLD.product_id;
    END;
    CREATE TRIGGER stock_off_return_line AFTER DELETE ON sale_return_lines
    WHEN OLD.product_id IS NOT NULL AND """ + _MOVES.format(h="OLD.hlc", p="OLD.product_id") + """
    BEGIN
        UPDATE stock SET qty_milli = qty_milli - OLD.qty_milli WHERE product_id = OLD.product_id;
    END;

    -- A count arriving, or withdrawn (the server refused it): the product's stock from scratch.
    CREATE TRIGGER stock_on_count AFTER INSERT ON stock_counts BEGIN
        INSERT OR IGNORE INTO stock (product_id, qty_milli) VALUES (NEW.product_id, 0);
    """ + _RECOUNT.format(p="NEW.product_id") + """
    END;
    CREATE TRIGGER stock_off_count AFTER DELETE ON stock_counts BEGIN
    """ + _RECOUNT.format(p="OLD.product_id") + """
    END;

    -- The rule for every product at once, from the facts alone: what the cache must equal.
    CREATE VIEW stock_by_rule AS
    SELECT p.product_id AS product_id,
           COALESCE(c.counted_milli, 0) + """ + _AFTER.format(
        p="p.product_id", h="COALESCE(c.hlc, -1)") + """ AS qty_milli
      FROM (SELECT product_id FROM inventory_movements UNION SELECT product_id FROM stock_counts
            UNION SELECT product_id FROM sale_lines WHERE product_id IS NOT NULL
            UNION SELECT product_id FROM sale_return_lines WHERE product_id IS NOT NULL) p
      LEFT JOIN stock_counts c ON c.id = (
            SELECT c2.id FROM stock_counts c2 WHERE c2.product_id = p.product_id
            ORDER BY c2.hlc DESC, c2.id DESC LIMIT 1);

    -- Records merged field by field.
    ALTER TABLE products ADD COLUMN field_stamps TEXT;
    ALTER TABLE customers ADD COLUMN field_stamps TEXT;
    ALTER TABLE categories ADD COLUMN field_stamps TEXT;
    ALTER TABLE cashiers ADD COLUMN field_stamps TEXT;
    ALTER TABLE settings ADD COLUMN field_stamps TEXT;
    ALTER TABLE order_statuses ADD COLUMN field_stamps TEXT;
    ALTER TABLE stock_alerts ADD COLUMN field_stamps TEXT;
    ALTER TABLE shop_plan ADD COLUMN field_stamps TEXT;
    """,
]
