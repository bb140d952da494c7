-- 0034: "Reintentar ahora" is pressed at most once a minute per shop (from the owner's session
-- or a till): each press makes and signs CFDI again, and pressed over and over while the data
-- is still bad it would sign one more refused CFDI per kind each time. One row per shop: when
-- it was last pressed (the rule: services.stamping.claim_remake). See docs/cfdi.md.
CREATE TABLE invoice_remake_presses (
    tenant_id  uuid PRIMARY KEY REFERENCES tenants (tenant_id),
    pressed_at timestamptz NOT NULL
);
CALL mch_enable_tenant_rls('invoice_remake_presses');
GRANT SELECT, INSERT, UPDATE ON invoice_remake_presses TO michangarrito_app;
