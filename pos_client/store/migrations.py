"""Client schema versions, applied in order at open; ``PRAGMA user_version`` records the last one.

Forward-only: a shop's file is upgraded in the field, so a shipped step is never edited.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
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
    # 7: discounts, mayoreo, who sold and on which shift and account; audit log; parked tickets.
    """
    ALTER TABLE products ADD COLUMN wholesale_price INTEGER;
    ALTER TABLE products ADD COLUMN wholesale_min_milli INTEGER NOT NULL DEFAULT 0;

    ALTER TABLE sales ADD COLUMN customer_id TEXT;
    ALTER TABLE sales ADD COLUMN cashier_id TEXT;
    ALTER TABLE sales ADD COLUMN shift_id TEXT;
    CREATE INDEX sales_shift ON sales (shift_id);
    ALTER TABLE sale_lines ADD COLUMN discount INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE settings ADD COLUMN permissions TEXT;

    CREATE TABLE audit_events (
        id            TEXT PRIMARY KEY,
        action        TEXT NOT NULL,
        cashier_id    TEXT,
        authorized_by TEXT,
        subject_id    TEXT,
        detail        TEXT,
        device_id     TEXT,
        at            TEXT NOT NULL
    );
    CREATE INDEX audit_events_at ON audit_events (at);

    -- Tickets set aside while another customer is served. Local to this till, never synced:
    -- they are not sales until they are paid.
    CREATE TABLE parked_tickets (
        id        TEXT PRIMARY KEY,
        label     TEXT NOT NULL,
        body      TEXT NOT NULL,
        parked_at TEXT NOT NULL
    );
    """,
    # 8: a sale line's cost when sold; a return's exact part credited to the fiado account;
    # who took an abono, on which shift, with which reference.
    """
    ALTER TABLE sale_lines ADD COLUMN cost INTEGER;
    ALTER TABLE sale_returns ADD COLUMN refund_to_account INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE fiado_payments ADD COLUMN cashier_id TEXT;
    ALTER TABLE fiado_payments ADD COLUMN shift_id TEXT;
    ALTER TABLE fiado_payments ADD COLUMN reference TEXT;
    CREATE INDEX fiado_payments_shift ON fiado_payments (shift_id) WHERE shift_id IS NOT NULL;
    """,
    # 9: WhatsApp messages a cashier asked the server to send (an estado de cuenta): kept
    # here so the customers page can show them while they wait in the outbox.
    """
    CREATE TABLE message_requests (
        id           TEXT PRIMARY KEY,
        customer_id  TEXT NOT NULL,
        to_phone     TEXT NOT NULL,
        kind         TEXT NOT NULL,
        text         TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        cashier_id   TEXT,
        device_id    TEXT
    );
    CREATE INDEX message_requests_customer ON message_requests (customer_id, requested_at);
    -- A request's state is read from the outbox by entity: never a scan of every change the
    -- till ever made (the outbox keeps them all), inside the write lock sales wait on.
    CREATE INDEX outbox_entity ON outbox (entity, device_seq);
    """,
    # 10: reports over years. Each stored time also as UTC epoch seconds (a virtual column the
    # string's own offset decides; the fraction is dropped so an instant just before a day's
    # end never rounds into the next day), indexed, so a period's facts are found by range.
    # Days that are over keep summary rows (report_*), rebuilt whenever a fact of theirs or a
    # catalog value they used changes: see store/repositories/report_summaries.py.
    """
    ALTER TABLE sales ADD COLUMN sold_ts INTEGER GENERATED ALWAYS AS
        (CAST(strftime('%s', substr(sold_at, 1, 19) || substr(sold_at, -6)) AS INTEGER)) VIRTUAL;
    CREATE INDEX sales_sold_ts ON sales (sold_ts);
    ALTER TABLE sale_returns ADD COLUMN returned_ts INTEGER GENERATED ALWAYS AS
        (CAST(strftime('%s', substr(returned_at, 1, 19) || substr(returned_at, -6)) AS INTEGER)) VIRTUAL;
    CREATE INDEX sale_returns_returned_ts ON sale_returns (returned_ts);
    ALTER TABLE fiado_charges ADD COLUMN charged_ts INTEGER GENERATED ALWAYS AS
        (CAST(strftime('%s', substr(charged_at, 1, 19) || substr(charged_at, -6)) AS INTEGER)) VIRTUAL;
    CREATE INDEX fiado_charges_customer_ts ON fiado_charges (customer_id, charged_ts, amount);

    -- One row per summarized local day: the zone and UTC bounds it was built for.
    CREATE TABLE report_days (
        day      TEXT PRIMARY KEY,
        zone     TEXT NOT NULL,
        lo       INTEGER NOT NULL,
        hi       INTEGER NOT NULL,
        built_at TEXT NOT NULL
    ) WITHOUT ROWID;

    -- Sales and returns of a day per hour, department and payment form.
    CREATE TABLE report_tallies (
        day     TEXT NOT NULL,
        kind    TEXT NOT NULL,
        key     TEXT NOT NULL,
        tickets INTEGER NOT NULL,
        gross   INTEGER NOT NULL,
        returns INTEGER NOT NULL,
        PRIMARY KEY (day, kind, key)
    ) WITHOUT ROWID;

    -- A day's sales net of returns per product ('' for común lines), name as shown, and
    -- whether a cost is known; catalog_lines counts lines that read the catalog's cost or taxes.
    CREATE TABLE report_products (
        day           TEXT NOT NULL,
        product_id    TEXT NOT NULL,
        name          TEXT NOT NULL,
        costed        INTEGER NOT NULL,
        known         INTEGER NOT NULL,
        department    TEXT NOT NULL,
        qty_milli     INTEGER NOT NULL,
        amount        INTEGER NOT NULL,
        cost          INTEGER NOT NULL,
        catalog_lines INTEGER NOT NULL,
        PRIMARY KEY (day, product_id, name, costed)
    ) WITHOUT ROWID;
    CREATE INDEX report_products_product ON report_products (product_id, catalog_lines);
    -- The same per month ('YYYY-MM'), added up from its summarized days from the 1st to
    -- ``upto`` (a year is then twelve months of products, not 365 days of them).
    CREATE TABLE report_months (month TEXT PRIMARY KEY, upto TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE report_month_products (
        month         TEXT NOT NULL,
        product_id    TEXT NOT NULL,
        name          TEXT NOT NULL,
        costed        INTEGER NOT NULL,
        known         INTEGER NOT NULL,
        department    TEXT NOT NULL,
        qty_milli     INTEGER NOT NULL,
        amount        INTEGER NOT NULL,
        cost          INTEGER NOT NULL,
        catalog_lines INTEGER NOT NULL,
        PRIMARY KEY (month, product_id, name, costed)
    ) WITHOUT ROWID;

    CREATE TABLE report_taxes (
        day        TEXT NOT NULL,
        rate       TEXT NOT NULL,
        sold_total INTEGER NOT NULL, sold_base INTEGER NOT NULL,
        sold_ieps  INTEGER NOT NULL, sold_iva  INTEGER NOT NULL,
        back_total INTEGER NOT NULL, back_base INTEGER NOT NULL,
        back_ieps  INTEGER NOT NULL, back_iva  INTEGER NOT NULL,
        PRIMARY KEY (day, rate)
    ) WITHOUT ROWID;

    -- What makes a summarized day out of date, kept without touching the sale path: facts
    -- stored since the marks (rowids, read at the next report), instants of withdrawn facts,
    -- and days whose products changed name, department, cost or taxes.
    CREATE TABLE report_marks (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        sales_seen   INTEGER NOT NULL,
        returns_seen INTEGER NOT NULL
    );
    INSERT INTO report_marks VALUES (1, (SELECT coalesce(max(rowid), 0) FROM sales),
                                        (SELECT coalesce(max(rowid), 0) FROM sale_returns));
    CREATE TABLE report_stale_instants (ts INTEGER);
    CREATE TABLE report_stale_days (day TEXT PRIMARY KEY) WITHOUT ROWID;

    -- A withdrawn fact's rowid may be handed out again: the mark steps back below it.
    CREATE TRIGGER report_sale_withdrawn AFTER DELETE ON sales BEGIN
        INSERT INTO report_stale_instants (ts) VALUES (OLD.sold_ts);
        INSERT INTO report_stale_instants (ts)
            SELECT returned_ts FROM sale_returns WHERE sale_id = OLD.id;
        UPDATE report_marks SET sales_seen = min(sales_seen, OLD.rowid - 1);
    END;
    CREATE TRIGGER report_return_withdrawn AFTER DELETE ON sale_returns BEGIN
        INSERT INTO report_stale_instants (ts) VALUES (OLD.returned_ts);
        UPDATE report_marks SET returns_seen = min(returns_seen, OLD.rowid - 1);
    END;

    CREATE TRIGGER report_product_added AFTER INSERT ON products BEGIN
        INSERT OR IGNORE INTO report_stale_days (day)
            SELECT day FROM report_products WHERE product_id = NEW.id;
    END;
    CREATE TRIGGER report_product_removed AFTER DELETE ON products BEGIN
        INSERT OR IGNORE INTO report_stale_days (day)
            SELECT day FROM report_products WHERE product_id = OLD.id;
    END;
    CREATE TRIGGER report_product_renamed AFTER UPDATE OF name, department ON products
    WHEN OLD.name IS NOT NEW.name OR OLD.department IS NOT NEW.department BEGIN
        INSERT OR IGNORE INTO report_stale_days (day)
            SELECT day FROM report_products WHERE product_id = NEW.id;
    END;
    CREATE TRIGGER report_product_repriced AFTER UPDATE OF cost, iva, ieps_bp ON products
    WHEN OLD.cost IS NOT NEW.cost OR OLD.iva IS NOT NEW.iva OR OLD.ieps_bp IS NOT NEW.ieps_bp BEGIN
        INSERT OR IGNORE INTO report_stale_days (day)
            SELECT day FROM report_products WHERE product_id = NEW.id AND catalog_lines > 0;
    END;
    """,
    # 11: the shop's plan as the server last sent it (a server-made record): what it allows
    # and until when, known offline. Nothing in it stops selling.
    """
    CREATE TABLE shop_plan (
        id         TEXT PRIMARY KEY,
        body       TEXT NOT NULL,
        deleted    INTEGER NOT NULL DEFAULT 0,
        hlc        INTEGER NOT NULL,
        hlc_device TEXT NOT NULL
    );
    """,
]
