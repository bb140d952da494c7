-- 0013: the shop's tools: every call audited (who, which tool, what came of it); a write's
-- answer kept under its idempotency key so a retry gets the same answer and changes nothing;
-- the owner's API keys for MCP clients (only a hash of the secret is kept).

CREATE TABLE tool_calls (
    tenant_id     uuid NOT NULL REFERENCES tenants (tenant_id),
    call_id       uuid NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    channel       text NOT NULL,   -- mcp, assistant, whatsapp, owner_api
    actor         text NOT NULL,   -- which key, phone or person (never a secret)
    role          text NOT NULL,   -- owner, staff, customer
    tool          text NOT NULL,
    write         boolean NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('ok', 'replayed', 'refused', 'error')),
    code          text,            -- the refusal's stable code
    duration_ms   integer NOT NULL,
    PRIMARY KEY (tenant_id, call_id)
);
CREATE INDEX tool_calls_at ON tool_calls (tenant_id, at);

CREATE TABLE tool_writes (
    tenant_id        uuid NOT NULL REFERENCES tenants (tenant_id),
    tool             text NOT NULL,
    idempotency_key  text NOT NULL CHECK (length(idempotency_key) BETWEEN 8 AND 100),
    arguments_hash   bytea NOT NULL,  -- the same key with other arguments is refused
    result           jsonb,           -- null while the first call with the key is running
    at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, tool, idempotency_key)
);

CREATE TABLE mcp_keys (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    key_id       uuid NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    secret_hash  bytea NOT NULL,
    hint         text NOT NULL,
    role         text NOT NULL DEFAULT 'owner' CHECK (role IN ('owner', 'staff')),
    can_write    boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    PRIMARY KEY (tenant_id, key_id)
);

CALL mch_enable_tenant_rls('tool_calls', 'tool_writes', 'mcp_keys');
GRANT SELECT, INSERT ON tool_calls TO michangarrito_app;
GRANT SELECT, INSERT, UPDATE ON tool_writes TO michangarrito_app;
GRANT SELECT, INSERT, UPDATE ON mcp_keys TO michangarrito_app;
