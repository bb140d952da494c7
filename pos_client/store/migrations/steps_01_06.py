"""Client schema versions 1 to 6: catalog and derived stock, sales, the outbox, fiado, stock
alerts, returns and shifts, facts withdrawn after a refusal, product search. Never edited:
shops' files were upgraded through them."""

from __future__ import annotations

STEPS: list[str] = [
    # 1: catalog, derived stock, sales, inventory, outbox, meta.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE products (
        id              TEXT PRIMARY KEY,
        name            TEXT NOT NULL,
        department      TEXT,
        price           INTEGER NOT NULL CHECK (price >= 0),
        cost            INTEGER NOT NULL DEFAULT 0,
        iva             TEXT NOT NULL,
        ieps_bp         INTEGER NOT NULL DEFAULT 0,
        sold_by_weight  INTEGER NOT NULL DEFAULT 0,
        min_stock_milli INTEGER NOT NULL DEFAULT 0,
        active          INTEGER NOT NULL DEFAULT 1,
        deleted         INTEGER NOT NULL DEFAULT 0,
        hlc             INTEGER NOT NULL,
        hlc_device      TEXT NOT NULL
    );
    CREATE INDEX products_name ON products (name COLLATE NOCASE);

    CREATE TABLE product_barcodes (
        barcode    TEXT NOT NULL,
        product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
        PRIMARY KEY (barcode, product_id)
    ) WITHOUT ROWID;

    -- Stock is derived from facts (movements in, sale lines out). This table is a local cache
    -- kept by the triggers below in the same transaction as the facts; it is never synced.
    CREATE TABLE stock (
        product_id TEXT PRIMARY KEY,
        qty_milli  INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE sales (
        id        TEXT PRIMARY KEY,
        folio     TEXT NOT NULL,
        device_id TEXT,
        sold_at   TEXT NOT NULL,
        total     INTEGER NOT NULL,
        change    INTEGER NOT NULL
    );
    CREATE INDEX sales_sold_at ON sales (sold_at);

    CREATE TABLE sale_lines (
        sale_id    TEXT NOT NULL REFERENCES sales (id),
        line_no    INTEGER NOT NULL,
        product_id TEXT,
        name       TEXT NOT NULL,
        qty_milli  INTEGER NOT NULL,
        unit_price INTEGER NOT NULL,
        total      INTEGER NOT NULL,
        iva        TEXT NOT NULL,
        ieps_bp    INTEGER NOT NULL,
        PRIMARY KEY (sale_id, line_no)
    ) WITHOUT ROWID;

    CREATE TABLE sale_payments (
        sale_id    TEXT NOT NULL REFERENCES sales (id),
        payment_no INTEGER NOT NULL,
        method     TEXT NOT NULL,
        amount     INTEGER NOT NULL,
        tendered   INTEGER NOT NULL,
        reference  TEXT,
        PRIMARY KEY (sale_id, payment_no)
    ) WITHOUT ROWID;

    CREATE TABLE inventory_movements (
        id         TEXT PRIMARY KEY,
        product_id TEXT NOT NULL,
        qty_milli  INTEGER NOT NULL,
        reason     TEXT NOT NULL,
        note       TEXT,
        device_id  TEXT,
        moved_at   TEXT NOT NULL
    );
    CREATE INDEX inventory_movements_product ON inventory_movements (product_id);

    CREATE TRIGGER stock_on_sale_line AFTER INSERT ON sale_lines
    WHEN NEW.product_id IS NOT NULL BEGIN
        INSERT INTO stock (product_id, qty_milli) VALUES (NEW.product_id, -NEW.qty_milli)
        ON CONFLICT (product_id) DO UPDATE SET qty_milli = qty_milli - NEW.qty_milli;
    END;

    CREATE TRIGGER stock_on_movement AFTER INSERT ON inventory_movements BEGIN
        INSERT INTO stock (product_id, qty_milli) VALUES (NEW.product_id, NEW.qty_milli)
        ON CONFLICT (product_id) DO UPDATE SET qty_milli = qty_milli + NEW.qty_milli;
    END;

    -- Every local change, in the order it happened. AUTOINCREMENT: a device_seq is never
    -- reused, and a rolled-back use case leaves no gap.
    CREATE TABLE outbox (
        device_seq    INTEGER PRIMARY KEY AUTOINCREMENT,
        change_id     TEXT NOT NULL UNIQUE,
        entity        TEXT NOT NULL,
        op            TEXT NOT NULL,
        hlc           INTEGER NOT NULL,
        body          TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        status        TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'accepted', 'duplicate', 'rejected')),
        pushed_at     TEXT,
        error_code    TEXT,
        error_message TEXT
    );
    CREATE INDEX outbox_pending ON outbox (status, device_seq);
    """,
    # 2: customers and their fiado (store credit) charges and payments.
    """
    CREATE TABLE customers (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        phone        TEXT,
        credit_limit INTEGER NOT NULL DEFAULT 0,
        active       INTEGER NOT NULL DEFAULT 1,
        deleted      INTEGER NOT NULL DEFAULT 0,
        hlc          INTEGER NOT NULL,
        hlc_device   TEXT NOT NULL
    );
    CREATE INDEX customers_name ON customers (name COLLATE NOCASE);

    CREATE TABLE fiado_charges (
        id          TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL,
        amount      INTEGER NOT NULL CHECK (amount > 0),
        sale_id     TEXT,
        note        TEXT,
        device_id   TEXT,
        charged_at  TEXT NOT NULL
    );
    CREATE INDEX fiado_charges_customer ON fiado_charges (customer_id);

    CREATE TABLE fiado_payments (
        id          TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL,
        amount      INTEGER NOT NULL CHECK (amount > 0),
        method      TEXT NOT NULL,
        note        TEXT,
        device_id   TEXT,
        paid_at     TEXT NOT NULL
    );
    CREATE INDEX fiado_payments_customer ON fiado_payments (customer_id);
    """,
    # 3: stock alerts raised by the server when stock goes below zero.
    """
    CREATE TABLE stock_alerts (
        id          TEXT PRIMARY KEY,
        product_id  TEXT NOT NULL,
        stock_milli INTEGER NOT NULL,
        open        INTEGER NOT NULL,
        changed_at  TEXT NOT NULL,
        hlc         INTEGER NOT NULL,
        hlc_device  TEXT NOT NULL
    );
    """,
    # 4: returns and cancellations, cash in/out, shifts; categories, cashiers, settings, orders.
    """
    CREATE TABLE sale_returns (
        id            TEXT PRIMARY KEY,
        sale_id       TEXT NOT NULL,
        amount        INTEGER NOT NULL,
        refund_method TEXT NOT NULL,
        reason        TEXT NOT NULL,
        cashier_id    TEXT,
        device_id     TEXT,
        returned_at   TEXT NOT NULL
    );
    CREATE INDEX sale_returns_sale ON sale_returns (sale_id);

    CREATE TABLE sale_return_lines (
        return_id  TEXT NOT NULL REFERENCES sale_returns (id),
        line_no    INTEGER NOT NULL,
        product_id TEXT,
        qty_milli  INTEGER NOT NULL,
        amount     INTEGER NOT NULL,
        PRIMARY KEY (return_id, line_no)
    ) WITHOUT ROWID;

    CREATE TRIGGER stock_on_return_line AFTER INSERT ON sale_return_lines
    WHEN NEW.product_id IS NOT NULL BEGIN
        INSERT INTO stock (product_id, qty_milli) VALUES (NEW.product_id, NEW.qty_milli)
        ON CONFLICT (product_id) DO UPDATE SET qty_milli = qty_milli + NEW.qty_milli;
    END;

    CREATE TABLE cash_movements (
        id        TEXT PRIMARY KEY,
        shift_id  TEXT,
        direction TEXT NOT NULL,
        amount    INTEGER NOT NULL,
        reason    TEXT NOT NULL,
        device_id TEXT,
        moved_at  TEXT NOT NULL
    );

    CREATE TABLE shifts (
        id           TEXT PRIMARY KEY,
        cashier_id   TEXT,
        float_amount INTEGER NOT NULL,
        device_id    TEXT,
        opened_at    TEXT NOT NULL
    );

    CREATE TABLE shift_closes (
        id        TEXT PRIMARY KEY,
        shift_id  TEXT NOT NULL,
        counted   TEXT NOT NULL,
        note      TEXT,
        device_id TEXT,
        closed_at TEXT NOT NULL
    );

    CREATE TABLE categories (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, active INTEGER NOT NULL,
        deleted INTEGER NOT NULL, hlc INTEGER NOT NULL, hlc_device TEXT NOT NULL
    );

    CREATE TABLE cashiers (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, pin_hash TEXT NOT NULL,
        active INTEGER NOT NULL, deleted INTEGER NOT NULL, hlc INTEGER NOT NULL,
        hlc_device TEXT NOT NULL
    );

    CREATE TABLE settings (
        id TEXT PRIMARY KEY, shop_name TEXT NOT NULL, address TEXT, phone TEXT, rfc TEXT,
        timezone TEXT NOT NULL, receipt_footer TEXT, deleted INTEGER NOT NULL,
        hlc INTEGER NOT NULL, hlc_device TEXT NOT NULL
    );

    CREATE TABLE order_statuses (
        id TEXT PRIMARY KEY, status TEXT NOT NULL, note TEXT, changed_at TEXT NOT NULL,
        deleted INTEGER NOT NULL, hlc INTEGER NOT NULL, hlc_device TEXT NOT NULL
    );
    """,
    # 5: a fact the server rejects is taken back out of the local tables (its change stays in
    # the outbox, listed for the owner); these keep the stock cache right when that happens.
    """
    CREATE TRIGGER stock_off_sale_line AFTER DELETE ON sale_lines
    WHEN OLD.product_id IS NOT NULL BEGIN
        UPDATE stock SET qty_milli = qty_milli + OLD.qty_milli WHERE product_id = OLD.product_id;
    END;

    CREATE TRIGGER stock_off_movement AFTER DELETE ON inventory_movements BEGIN
        UPDATE stock SET qty_milli = qty_milli - OLD.qty_milli WHERE product_id = OLD.product_id;
    END;

    CREATE TRIGGER stock_off_return_line AFTER DELETE ON sale_return_lines
    WHEN OLD.product_id IS NOT NULL BEGIN
        UPDATE stock SET qty_milli = qty_milli - OLD.qty_milli WHERE product_id = OLD.product_id;
    END;
    """,
    # 6: full-text search over product names (accents ignored, prefixes indexed), kept in step
    # with the products table by triggers; barcodes findable by product (each listed row shows
    # one, which without this index meant a scan of every barcode per row).
    """
    CREATE INDEX product_barcodes_product ON product_barcodes (product_id);

    CREATE VIRTUAL TABLE products_fts USING fts5(
        name, content='products', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
    );
    INSERT INTO products_fts (rowid, name) SELECT rowid, name FROM products;

    CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
        INSERT INTO products_fts (rowid, name) VALUES (NEW.rowid, NEW.name);
    END;

    CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
        INSERT INTO products_fts (products_fts, rowid, name) VALUES ('delete', OLD.rowid, OLD.name);
    END;

    CREATE TRIGGER products_fts_update AFTER UPDATE OF name ON products BEGIN
        INSERT INTO products_fts (products_fts, rowid, name) VALUES ('delete', OLD.rowid, OLD.name);
        INSERT INTO products_fts (rowid, name) VALUES (NEW.rowid, NEW.name);
    END;
    """,
]
