-- 0033: a credit note the owner cancelled on their own stays cancelled: its returns stay
-- accounted for (no new note on the next pass) until the owner asks for a note again. A note
-- cancelled because its invoice was (02 with it, 01's replacement, 04) does not keep them:
-- the invoice in force after it gets its own note. See docs/cfdi.md ("Returns after the invoice").
ALTER TABLE invoices ADD COLUMN keep_cancelled boolean NOT NULL DEFAULT false;
