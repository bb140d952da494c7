-- 0001: tenants, devices, pairing, the change feed, the catalog, sales and inventory.
-- Every tenant table carries tenant_id in its primary and foreign keys (Citus-ready) and is
-- guarded by row-level security bound to the michangarrito_app role the server runs as.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'michangarrito_app') THEN
        CREATE ROLE michangarrito_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
END $$;

-- The login that migrates must be able to become the app role (PostgreSQL 16 does not grant
-- that to a role's creator by default). A superuser can already.
DO $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT michangarrito_app TO %I', current_user);
    END IF;
END $$;

CREATE FUNCTION mch_current_tenant() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE TABLE tenants (
    tenant_id   uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    timezone    text NOT NULL DEFAULT 'America/Mexico_City',
    -- Last sequence number handed to the change feed. Pushes lock this row, so feed numbers
    -- commit in order and a pull can never skip a change (docs/sync-protocol.md).
    feed_seq    bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
    tenant_id        uuid NOT NULL REFERENCES tenants (tenant_id),
    device_id        uuid NOT NULL,
    name             text NOT NULL,
    -- Short code printed in folios; unique in the shop, never reused.
    code             text NOT NULL CHECK (code ~ '^[A-Z0-9]{1,8}$'),
    token_hash       bytea NOT NULL,
    last_device_seq  bigint NOT NULL DEFAULT 0,
    revoked_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, device_id),
    UNIQUE (tenant_id, code)
);

CREATE TABLE pairing_codes (
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id),
    code_hash   bytea NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    device_id   uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, code_hash)
);
CREATE UNIQUE INDEX pairing_codes_code_hash ON pairing_codes (code_hash);

-- A device presenting a pairing code does not know its tenant yet, and RLS hides every other
-- tenant's rows from the app role. This narrow definer function answers only "which tenant
-- issued this unexpired, unused code".
CREATE FUNCTION mch_pairing_tenant(p_code_hash bytea) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$
        SELECT tenant_id FROM pairing_codes
        WHERE code_hash = p_code_hash AND used_at IS NULL AND expires_at > now()
    $$;
REVOKE ALL ON FUNCTION mch_pairing_tenant(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mch_pairing_tenant(bytea) TO michangarrito_app;

CREATE TABLE changes (
    tenant_id         uuid NOT NULL REFERENCES tenants (tenant_id),
    seq               bigint NOT NULL,
    change_id         uuid NOT NULL,
    origin_device_id  uuid,
    device_seq        bigint NOT NULL,
    entity            text NOT NULL,
    op                text NOT NULL,
    hlc               bigint NOT NULL,
    -- The whole change envelope as received, served back verbatim by pulls.
    body              jsonb NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, seq),
    UNIQUE (tenant_id, change_id)
);

CREATE TABLE products (
    tenant_id        uuid NOT NULL REFERENCES tenants (tenant_id),
    product_id       uuid NOT NULL,
    name             text NOT NULL,
    barcodes         text[] NOT NULL DEFAULT '{}',
    department       text,
    price            bigint NOT NULL CHECK (price >= 0),
    cost             bigint NOT NULL DEFAULT 0 CHECK (cost >= 0),
    iva              text NOT NULL CHECK (iva IN ('16', '8', '0', 'exento')),
    ieps_bp          integer NOT NULL DEFAULT 0,
    sold_by_weight   boolean NOT NULL DEFAULT false,
    min_stock_milli  bigint NOT NULL DEFAULT 0,
    active           boolean NOT NULL DEFAULT true,
    deleted          boolean NOT NULL DEFAULT false,
    hlc              bigint NOT NULL,
    hlc_device       uuid NOT NULL,
    PRIMARY KEY (tenant_id, product_id)
);
CREATE INDEX products_barcodes ON products USING gin (barcodes);

CREATE TABLE sales (
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id),
    sale_id     uuid NOT NULL,
    device_id   uuid,
    folio       text NOT NULL,
    sold_at     timestamptz NOT NULL,
    total       bigint NOT NULL,
    change      bigint NOT NULL,
    PRIMARY KEY (tenant_id, sale_id)
);

CREATE TABLE sale_lines (
    tenant_id   uuid NOT NULL,
    sale_id     uuid NOT NULL,
    line_no     integer NOT NULL,
    product_id  uuid,
    name        text NOT NULL,
    qty_milli   bigint NOT NULL,
    unit_price  bigint NOT NULL,
    total       bigint NOT NULL,
    iva         text NOT NULL,
    ieps_bp     integer NOT NULL,
    PRIMARY KEY (tenant_id, sale_id, line_no),
    FOREIGN KEY (tenant_id, sale_id) REFERENCES sales (tenant_id, sale_id)
);
CREATE INDEX sale_lines_product ON sale_lines (tenant_id, product_id);

CREATE TABLE sale_payments (
    tenant_id   uuid NOT NULL,
    sale_id     uuid NOT NULL,
    payment_no  integer NOT NULL,
    method      text NOT NULL,
    amount      bigint NOT NULL,
    tendered    bigint NOT NULL,
    reference   text,
    PRIMARY KEY (tenant_id, sale_id, payment_no),
    FOREIGN KEY (tenant_id, sale_id) REFERENCES sales (tenant_id, sale_id)
);

CREATE TABLE inventory_movements (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    movement_id  uuid NOT NULL,
    product_id   uuid NOT NULL,
    qty_milli    bigint NOT NULL,
    reason       text NOT NULL,
    note         text,
    device_id    uuid,
    moved_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, movement_id)
);
CREATE INDEX inventory_movements_product ON inventory_movements (tenant_id, product_id);

-- Stock is derived, never stored: movements in, sold quantities out.
CREATE VIEW product_stock WITH (security_invoker = true) AS
    SELECT p.tenant_id, p.product_id,
           COALESCE((SELECT sum(m.qty_milli) FROM inventory_movements m
                     WHERE m.tenant_id = p.tenant_id AND m.product_id = p.product_id), 0)
         - COALESCE((SELECT sum(l.qty_milli) FROM sale_lines l
                     WHERE l.tenant_id = p.tenant_id AND l.product_id = p.product_id), 0)
           AS stock_milli
    FROM products p;

-- Row-level security: the second wall behind the application's own tenant scoping. Every
-- tenant table, in this and later migrations, goes through this one procedure.
CREATE PROCEDURE mch_enable_tenant_rls(VARIADIC tables text[])
    LANGUAGE plpgsql
    AS $$
    DECLARE t text;
    BEGIN
        FOREACH t IN ARRAY tables LOOP
            EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
            EXECUTE format(
                'CREATE POLICY tenant_isolation ON %I USING (tenant_id = mch_current_tenant()) '
                'WITH CHECK (tenant_id = mch_current_tenant())', t);
        END LOOP;
    END $$;

CALL mch_enable_tenant_rls('tenants', 'devices', 'pairing_codes', 'changes', 'products',
                           'sales', 'sale_lines', 'sale_payments', 'inventory_movements');

GRANT USAGE ON SCHEMA public TO michangarrito_app;
GRANT SELECT ON product_stock TO michangarrito_app;
GRANT SELECT, INSERT, UPDATE ON tenants, devices, pairing_codes, products TO michangarrito_app;
-- Facts are immutable: the app role may add them, never change or remove them.
GRANT SELECT, INSERT ON changes, sales, sale_lines, sale_payments, inventory_movements
    TO michangarrito_app;
