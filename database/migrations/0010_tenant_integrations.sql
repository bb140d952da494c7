-- 0010: each shop's own integrations (its WhatsApp number, LLM provider, payment provider, PAC,
-- CSD…): plain settings, and the secret part encrypted by the server with a key that is never
-- in the database (MCH_SECRETS_KEY). secret_hint keeps only masked forms ("••••a1b2") so the
-- owner can tell which key is set without the server ever decrypting it to answer.

CREATE TABLE tenant_integrations (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    kind         text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{1,39}$'),
    settings     jsonb NOT NULL DEFAULT '{}'::jsonb,
    secret       bytea,
    secret_hint  jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind)
);

CALL mch_enable_tenant_rls('tenant_integrations');
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_integrations TO michangarrito_app;
