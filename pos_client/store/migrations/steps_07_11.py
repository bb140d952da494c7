"""Client schema versions 7 to 11: discounts, mayoreo and the audit log, costs of sale lines,
WhatsApp message requests, report summaries over years, customers' orders. A shipped step is
never edited; the next one is appended here (or to a new module once this one is full)."""

from __future__ import annotations

STEPS: list[str] = [
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
    # 11: customers' orders (WhatsApp, the assistant), made by the server: kept as they came,
    # lines as JSON, for the orders panel; where each stands is its order_statuses record.
    """
    CREATE TABLE orders (
        id            TEXT PRIMARY KEY,
        number        INTEGER NOT NULL,
        customer_id   TEXT,
        customer_name TEXT NOT NULL,
        phone         TEXT,
        fulfilment    TEXT NOT NULL,
        address       TEXT,
        notes         TEXT,
        lines         TEXT NOT NULL,
        total         INTEGER NOT NULL,
        source        TEXT NOT NULL,
        placed_at     TEXT NOT NULL
    );
    CREATE INDEX orders_placed_at ON orders (placed_at);
    """,
]
