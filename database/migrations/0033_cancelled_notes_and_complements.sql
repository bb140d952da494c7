-- 0033: a credit note the owner cancelled on their own stays cancelled: its returns stay
-- accounted for (no new note on the next pass) until the owner asks for a note again. A note
-- cancelled because its invoice was (02 with it, 01's replacement, 04) does not keep them:
-- the invoice in force after it gets its own note. See docs/cfdi.md ("Returns after the invoice").
ALTER TABLE invoices ADD COLUMN keep_cancelled boolean NOT NULL DEFAULT false;

-- A credit note or payment complement the PAC refused covers nothing, like a refused invoice:
-- its returns get a new note and its payments a new complement on the next pass. A refused
-- complement's applications are deleted (the refused CFDI itself stays, listed among errors).
-- A complement cancelled with 01 hands its payments to its replacement (moved back if the PAC
-- refuses the replacement); one cancelled otherwise frees them for the next pass.
GRANT UPDATE, DELETE ON invoice_payments TO michangarrito_app;

-- After the PAC refuses a CFDI the automatic pass makes (a global, a credit note, a payment
-- complement), it waits before it makes that kind again: 1 hour, 4 hours, then a day after each
-- further refusal (the shop's data stays bad until someone fixes it; without the wait every
-- 15-minute pass signed one more refused CFDI with a new folio). Saving the fiscal set-up, a
-- stamp of that kind, or the owner's "Reintentar ahora" lifts the wait. See docs/cfdi.md.
CREATE TABLE invoice_remake_holds (
    tenant_id  uuid NOT NULL REFERENCES tenants (tenant_id),
    kind       text NOT NULL CHECK (kind IN ('global', 'payment', 'credit')),
    refusals   integer NOT NULL CHECK (refusals > 0),
    held_until timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);
CALL mch_enable_tenant_rls('invoice_remake_holds');
GRANT SELECT, INSERT, UPDATE, DELETE ON invoice_remake_holds TO michangarrito_app;
