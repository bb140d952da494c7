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
