-- 0032: self-invoicing over WhatsApp (the bot's "factura" flow, sync_server/bot/selfinvoice.py).
-- The conversation's state lives in wa_contacts.state like an order's cart: no table of its own.

-- An invoice the customer asked for in the shop's WhatsApp chat. Every value 0024 allowed stays.
ALTER TABLE invoices DROP CONSTRAINT invoices_requested_by_check,
    ADD CONSTRAINT invoices_requested_by_check
    CHECK (requested_by IN ('customer', 'counter', 'owner', 'schedule', 'whatsapp'));

-- Wrong guesses of a ticket's folio and total in the chat count per WhatsApp number, in their own
-- scope (services/throttling.py). Every scope 0022 and 0024 allowed stays.
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_scope_check,
    ADD CONSTRAINT auth_attempts_scope_check
    CHECK (scope IN ('login', 'pairing', 'signup', 'reset', 'self_invoice', 'self_invoice_wa'));

-- The chat has no QR: a ticket is looked up by its folio within the shop, as printed (any case).
CREATE INDEX sales_folio ON sales (tenant_id, upper(folio));
