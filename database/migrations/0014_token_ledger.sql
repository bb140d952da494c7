-- 0014: the assistant's tokens, per shop: a ledger of what each LLM call used (from the
-- provider's own usage figures) and of the packages bought. The balance is derived: this
-- month's plan allowance left + packages left. A call is charged once (call_key), a package
-- credited once (purchase_id).

CREATE TABLE token_ledger (
    tenant_id       uuid NOT NULL REFERENCES tenants (tenant_id),
    entry_id        uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('usage', 'package')),
    at              timestamptz NOT NULL DEFAULT now(),
    -- The month whose allowance a usage drew on (first day, the shop's local calendar).
    month           date NOT NULL,
    call_key        text,
    purchase_id     text,
    provider        text,
    model           text,
    input_tokens    bigint NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens   bigint NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    from_allowance  bigint NOT NULL DEFAULT 0 CHECK (from_allowance >= 0),
    from_packages   bigint NOT NULL DEFAULT 0 CHECK (from_packages >= 0),
    credited        bigint NOT NULL DEFAULT 0 CHECK (credited >= 0),
    PRIMARY KEY (tenant_id, entry_id),
    UNIQUE (tenant_id, call_key),
    UNIQUE (tenant_id, purchase_id),
    CHECK ((kind = 'usage') = (call_key IS NOT NULL)),
    CHECK ((kind = 'package') = (purchase_id IS NOT NULL))
);
CREATE INDEX token_ledger_month ON token_ledger (tenant_id, month);

-- One row per shop: the lock every charge takes (charges of one shop queue up, so two calls
-- cannot both spend the same last tokens unseen), and whether the owner was told the
-- balance ran out (once per time it runs out).
CREATE TABLE token_accounts (
    tenant_id            uuid NOT NULL REFERENCES tenants (tenant_id),
    exhausted_notice_at  timestamptz,
    PRIMARY KEY (tenant_id)
);

CALL mch_enable_tenant_rls('token_ledger', 'token_accounts');
GRANT SELECT, INSERT ON token_ledger TO michangarrito_app;
GRANT SELECT, INSERT, UPDATE ON token_accounts TO michangarrito_app;
