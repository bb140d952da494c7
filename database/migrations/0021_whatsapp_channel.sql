-- 0021: the WhatsApp channel. Webhook events land in a global inbox (the shop is not known
-- until the event is read), a worker routes each to its shop once; each shop keeps its
-- WhatsApp contacts (who wrote, who may be messaged, who is verified), their inbound messages
-- and one-time verification codes. outbound_messages now carries every message the server
-- sends (bot replies, order updates, verification answers), how it went out (text, buttons,
-- list, template, document) and how far it got (sent, delivered, read, failed with a code).

-- ---- global: before a shop is known ------------------------------------------------------------
-- (Global tables name their shop column otherwise than tenant_id: that name means a tenant
-- table behind row-level security.) They are Citus reference tables (docs/scaling.md), so they
-- hold no foreign key to tenants (a reference table may not point at a distributed one): a
-- shop's code and a person's choice are only ever written for a shop that exists.

-- One row per webhook item: a message ('message:<wamid>'), a status ('status:<wamid>:<status>')
-- or anything else ('other:<sha256 of the item>'). Meta retries for days and may deliver an item
-- twice: the key makes the second copy a no-op. Not tenant data yet: routed by the worker.
CREATE TABLE whatsapp_inbox (
    event_key        text PRIMARY KEY CHECK (length(event_key) BETWEEN 3 AND 600),
    kind             text NOT NULL CHECK (kind IN ('message', 'status', 'other')),
    phone_number_id  text NOT NULL,
    body             jsonb NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0,
    claimed_at       timestamptz,
    handled_at       timestamptz,
    routed_to        uuid,  -- the shop it was routed to (null: none, see outcome)
    outcome          text
);
CREATE INDEX whatsapp_inbox_due ON whatsapp_inbox (received_at) WHERE handled_at IS NULL;

-- Each shop's code for the platform's shared number ("tienda DONAMARY" from a link or a QR).
CREATE TABLE whatsapp_shop_codes (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z0-9]{4,16}$'),
    shop        uuid NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- On the shared number, the shop a person chose, remembered per conversation (person_key: their
-- WhatsApp id or BSUID as sent by Meta).
CREATE TABLE whatsapp_shared_choices (
    phone_number_id  text NOT NULL,
    person_key       text NOT NULL,
    shop             uuid NOT NULL,
    chosen_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (phone_number_id, person_key)
);

-- Platform-wide: business-initiated messages per recipient per day, whatever the shop, so that
-- no set of shops can make the platform's numbers pester one person. recipient: a SHA-256 of
-- the number or BSUID (this table needs to count, not to know who).
CREATE TABLE whatsapp_recipient_days (
    day        date NOT NULL,
    recipient  bytea NOT NULL,
    sent       integer NOT NULL DEFAULT 0,
    PRIMARY KEY (day, recipient)
);

GRANT SELECT, INSERT, UPDATE ON whatsapp_inbox, whatsapp_shared_choices, whatsapp_recipient_days
    TO michangarrito_app;
GRANT SELECT, INSERT ON whatsapp_shop_codes TO michangarrito_app;
GRANT DELETE ON whatsapp_shared_choices, whatsapp_recipient_days TO michangarrito_app;

-- ---- per shop -----------------------------------------------------------------------------------

-- A person who wrote to the shop (or whom the shop verified). phone is E.164 (the 521 of
-- Mexican WhatsApp ids removed), bsuid the business-scoped user id Meta sends since 2026; at
-- least one. customer_id is set only by a one-time code (verified_at): a phone that merely
-- matches a customer's is not proof enough to tell them a balance.
CREATE TABLE wa_contacts (
    tenant_id         uuid NOT NULL REFERENCES tenants (tenant_id),
    contact_id        uuid NOT NULL,
    phone             text,
    bsuid             text,
    username          text,
    profile_name      text,
    phone_number_id   text,  -- the business number they write to (a reply goes from it)
    customer_id       uuid,
    verified_at       timestamptz,
    owner_id          uuid,  -- set when the owner verified this as their own phone
    first_inbound_at  timestamptz,
    last_inbound_at   timestamptz,  -- Meta's 24-hour customer-service window runs from this
    opted_out_at      timestamptz,  -- BAJA: nothing but the confirmation is sent after it
    state             jsonb NOT NULL DEFAULT '{}'::jsonb,  -- the conversation: cart, question
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, contact_id),
    UNIQUE (tenant_id, phone),
    UNIQUE (tenant_id, bsuid),
    CHECK (phone IS NOT NULL OR bsuid IS NOT NULL)
);
CREATE INDEX wa_contacts_customer ON wa_contacts (tenant_id, customer_id)
    WHERE customer_id IS NOT NULL;

CREATE TABLE wa_messages (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    message_id   text NOT NULL,  -- Meta's wamid
    contact_id   uuid NOT NULL,
    type         text NOT NULL,
    text         text,
    body         jsonb NOT NULL,
    sent_at      timestamptz NOT NULL,  -- Meta's timestamp
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, message_id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES wa_contacts (tenant_id, contact_id)
);
CREATE INDEX wa_messages_contact ON wa_messages (tenant_id, contact_id, sent_at);

-- A one-time code the shop shows (at the till, to the customer in front of it; or to the owner),
-- which that person then sends to the shop's WhatsApp: it proves who writes from that account.
CREATE TABLE wa_verifications (
    tenant_id        uuid NOT NULL REFERENCES tenants (tenant_id),
    verification_id  uuid NOT NULL,
    purpose          text NOT NULL CHECK (purpose IN ('customer', 'owner')),
    customer_id      uuid,
    owner_id         uuid,
    code_hash        bytea NOT NULL,
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz,
    contact_id       uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, verification_id),
    CHECK ((purpose = 'customer') = (customer_id IS NOT NULL)),
    CHECK ((purpose = 'owner') = (owner_id IS NOT NULL))
);
CREATE INDEX wa_verifications_code ON wa_verifications (tenant_id, code_hash) WHERE used_at IS NULL;

-- Orders placed in a WhatsApp conversation: whom to tell when each one moves (a username user
-- may have no phone on the order).
CREATE TABLE wa_orders (
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id),
    order_id    uuid NOT NULL,
    contact_id  uuid NOT NULL,
    PRIMARY KEY (tenant_id, order_id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES wa_contacts (tenant_id, contact_id)
);

CALL mch_enable_tenant_rls('wa_contacts', 'wa_messages', 'wa_verifications', 'wa_orders');
GRANT SELECT, INSERT, UPDATE ON wa_contacts, wa_verifications TO michangarrito_app;
GRANT SELECT, INSERT ON wa_messages, wa_orders TO michangarrito_app;

-- ---- outbound messages: every kind, every shape, every status ------------------------------------

ALTER TABLE outbound_messages DROP CONSTRAINT outbound_messages_kind_check;
ALTER TABLE outbound_messages ADD CONSTRAINT outbound_messages_kind_check
    CHECK (kind IN ('statement', 'reply', 'order_update', 'reminder'));
ALTER TABLE outbound_messages DROP CONSTRAINT outbound_messages_status_check;
-- delivered and read come from Meta's status webhooks; they only ever move forward
-- (sent < delivered < read). no_consent: the person never wrote to the shop nor verified, or
-- said BAJA: nothing is sent. capped: the platform's limit for that person today was reached.
ALTER TABLE outbound_messages ADD CONSTRAINT outbound_messages_status_check
    CHECK (status IN ('pending', 'sending', 'sent', 'delivered', 'read', 'failed',
                      'not_configured', 'no_consent', 'capped'));
ALTER TABLE outbound_messages ALTER COLUMN customer_id DROP NOT NULL;
ALTER TABLE outbound_messages ALTER COLUMN to_phone DROP NOT NULL;
ALTER TABLE outbound_messages
    ADD COLUMN to_bsuid        text,
    ADD COLUMN contact_id      uuid,
    ADD COLUMN message         jsonb,  -- a bot reply's shape (buttons, list…); null: plain text
    ADD COLUMN template        text,   -- the approved template it went out as, if any
    ADD COLUMN phone_number_id text,   -- the business number it goes from (null: the shop's)
    ADD COLUMN error_code      integer,  -- Graph's code when it failed
    ADD COLUMN delivered_at    timestamptz,
    ADD COLUMN read_at         timestamptz,
    ADD CONSTRAINT outbound_messages_recipient CHECK (to_phone IS NOT NULL OR to_bsuid IS NOT NULL);
CREATE INDEX outbound_messages_provider ON outbound_messages (tenant_id, provider_id)
    WHERE provider_id IS NOT NULL;

-- ---- routing: which shop an event is for (definer functions: RLS hides other shops) -----------
-- Owned by michangarrito_definer with the path pinned, like the others (0017): it reads the
-- few cross-shop facts these answer, nothing else.

GRANT CREATE ON SCHEMA public TO michangarrito_definer;  -- for the hand-over (see 0017)
GRANT SELECT ON tenant_integrations, whatsapp_shop_codes TO michangarrito_definer;
CREATE POLICY definer_lookup ON tenant_integrations FOR SELECT TO michangarrito_definer
    USING (true);

CREATE FUNCTION mch_whatsapp_number_tenant(p_phone_number_id text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT tenant_id FROM public.tenant_integrations
        WHERE kind = 'whatsapp' AND settings ->> 'phone_number_id' = p_phone_number_id
        ORDER BY updated_at DESC LIMIT 1
    $$;
ALTER FUNCTION mch_whatsapp_number_tenant(text) OWNER TO michangarrito_definer;

CREATE FUNCTION mch_whatsapp_code_tenant(p_code text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT shop FROM public.whatsapp_shop_codes WHERE code = upper(p_code) $$;
ALTER FUNCTION mch_whatsapp_code_tenant(text) OWNER TO michangarrito_definer;

-- A status names our wamid only; on the shared number it may be any shop's message.
CREATE FUNCTION mch_whatsapp_message_tenant(p_provider_id text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT tenant_id FROM public.outbound_messages WHERE provider_id = p_provider_id LIMIT 1 $$;
ALTER FUNCTION mch_whatsapp_message_tenant(text) OWNER TO michangarrito_definer;
CREATE INDEX outbound_messages_provider_any ON outbound_messages (provider_id)
    WHERE provider_id IS NOT NULL;

REVOKE CREATE ON SCHEMA public FROM michangarrito_definer;
REVOKE ALL ON FUNCTION mch_whatsapp_number_tenant(text), mch_whatsapp_code_tenant(text),
    mch_whatsapp_message_tenant(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mch_whatsapp_number_tenant(text), mch_whatsapp_code_tenant(text),
    mch_whatsapp_message_tenant(text) TO michangarrito_app;
