-- 0022: the platform's billing of shops: plans and token packages (global reference tables,
-- edited as data), each shop's subscription state, the Checkout sessions it started, the
-- Stripe events received (the platform's own Stripe account: not tenant data), the plan
-- record the tills receive, and owners' WhatsApp verification and one-time codes.

-- ---- global reference tables -----------------------------------------------------------------
-- plans, token_packages and stripe_events carry no tenant_id: Citus reference tables
-- (tests/server/test_citus_rules.py names them; docs/scaling.md has the layout). No foreign
-- key from them to a tenant table; tenant tables may point at them.

-- What each plan allows. Edited without a code change (UPDATE, or `michangarrito-server plans
-- set`); the server reads it at every check and re-sends the plan record to the shops on it.
CREATE TABLE plans (
    plan_id            text PRIMARY KEY CHECK (plan_id ~ '^[a-z][a-z0-9_]{1,30}$'),
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    monthly_price      bigint NOT NULL CHECK (monthly_price >= 0),   -- centavos MXN
    max_tills          integer NOT NULL CHECK (max_tills >= 1),
    max_products       integer CHECK (max_products >= 0),            -- NULL: no limit
    max_users          integer CHECK (max_users >= 0),
    whatsapp_bot       boolean NOT NULL,
    monthly_tokens     bigint NOT NULL DEFAULT 0 CHECK (monthly_tokens >= 0),
    -- The Stripe Price (recurring, monthly, MXN) is found or made by this lookup key.
    stripe_lookup_key  text UNIQUE,
    is_free            boolean NOT NULL DEFAULT false,
    sort               integer NOT NULL DEFAULT 0,
    active             boolean NOT NULL DEFAULT true,
    CHECK (is_free = (monthly_price = 0))
);
-- Exactly one free plan: what a shop falls back to.
CREATE UNIQUE INDEX plans_one_free ON plans (is_free) WHERE is_free;

INSERT INTO plans (plan_id, name, monthly_price, max_tills, max_products, max_users,
                   whatsapp_bot, monthly_tokens, stripe_lookup_key, is_free, sort) VALUES
    ('gratis', 'Gratis', 0, 1, 500, 2, false, 0, NULL, true, 0),
    ('changarrito', 'Changarrito', 9900, 2, 3000, 5, true, 100000,
     'michangarrito_changarrito_mensual_mxn', false, 1),
    ('tiendita', 'Tiendita', 19900, 5, NULL, 20, true, 500000,
     'michangarrito_tiendita_mensual_mxn', false, 2);

-- AI-token packages sold one at a time (Checkout in payment mode: card or OXXO).
CREATE TABLE token_packages (
    package_id  text PRIMARY KEY CHECK (package_id ~ '^[a-z0-9_]{1,30}$'),
    tokens      bigint NOT NULL CHECK (tokens > 0),
    price       bigint NOT NULL CHECK (price > 0),   -- centavos MXN
    sort        integer NOT NULL DEFAULT 0,
    active      boolean NOT NULL DEFAULT true
);
INSERT INTO token_packages (package_id, tokens, price, sort) VALUES
    ('tokens_1000', 1000, 2900, 0),
    ('tokens_3000', 3000, 7900, 1),
    ('tokens_8000', 8000, 19900, 2),
    ('tokens_20000', 20000, 44900, 3);

GRANT SELECT ON plans, token_packages TO michangarrito_app;
-- The operator's `plans set` runs as the app role: it may change what a plan allows, never
-- which plan is the free one or its Stripe lookup key.
GRANT UPDATE (name, monthly_price, max_tills, max_products, max_users, whatsapp_bot,
              monthly_tokens, active) ON plans TO michangarrito_app;

-- Events of the platform's Stripe account, stored by id before anything is done with them
-- (a duplicate delivery inserts nothing), then processed once by a background worker:
-- claimed (claimed_at, attempts) in a committed transaction, handled with no transaction
-- open, stamped handled_at. A claim older than the lease is picked up again: handling is
-- idempotent (it re-reads Stripe's current state and credits under a unique key).
CREATE TABLE stripe_events (
    event_id     text PRIMARY KEY CHECK (length(event_id) BETWEEN 1 AND 255),
    type         text NOT NULL,
    created      timestamptz NOT NULL,         -- Stripe's own timestamp of the event
    livemode     boolean NOT NULL,
    body         jsonb NOT NULL,
    source       text NOT NULL CHECK (source IN ('webhook', 'backfill')),
    received_at  timestamptz NOT NULL DEFAULT now(),
    claimed_at   timestamptz,
    attempts     integer NOT NULL DEFAULT 0,
    handled_at   timestamptz,
    outcome      text,                         -- what handling did (or "ignored")
    last_error   text,
    next_attempt_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stripe_events_due ON stripe_events (next_attempt_at) WHERE handled_at IS NULL;
GRANT SELECT, INSERT, UPDATE ON stripe_events TO michangarrito_app;

-- ---- each shop's billing (tenant tables) ---------------------------------------------------

CREATE TABLE subscriptions (
    tenant_id               uuid NOT NULL REFERENCES tenants (tenant_id),
    plan_id                 text NOT NULL REFERENCES plans (plan_id),
    -- The subscription's part: gratis (none), trial, active, past_due, cancelled.
    status                  text NOT NULL DEFAULT 'gratis'
                            CHECK (status IN ('gratis', 'trial', 'active', 'past_due', 'cancelled')),
    stripe_customer_id      text,
    stripe_subscription_id  text,
    stripe_status           text,           -- Stripe's own word, as last read
    renews_at               timestamptz,    -- trial end or current period end
    cancel_at_period_end    boolean NOT NULL DEFAULT false,
    past_due_since          timestamptz,
    -- Prepaid months (one-time payments, card or OXXO) extend this, whatever the subscription.
    prepaid_until           timestamptz,
    prepaid_plan_id         text REFERENCES plans (plan_id),
    trial_used              boolean NOT NULL DEFAULT false,
    -- When Stripe's state written here was read (the claim's time): a slower reader holding
    -- an older view never overwrites a newer one.
    stripe_read_at          timestamptz,
    updated_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id)
);

-- Checkout sessions a shop started: what each one buys, and whether it was settled. A
-- purchase is granted once: `granted_at` is set by the same statement that claims it.
CREATE TABLE billing_checkouts (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    session_id   text NOT NULL,
    purpose      text NOT NULL CHECK (purpose IN ('subscription', 'prepaid', 'tokens')),
    plan_id      text REFERENCES plans (plan_id),
    months       integer CHECK (months BETWEEN 1 AND 12),
    package_id   text REFERENCES token_packages (package_id),
    tokens       bigint CHECK (tokens > 0),
    amount       bigint NOT NULL CHECK (amount >= 0),
    url          text,
    -- open: not finished; pending: finished, OXXO voucher issued, unpaid; paid; failed: the
    -- voucher expired or the payment failed; expired: the session was never finished.
    status       text NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'pending', 'paid', 'failed', 'expired')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    settled_at   timestamptz,
    granted_at   timestamptz,
    PRIMARY KEY (tenant_id, session_id),
    CHECK ((purpose = 'tokens') = (tokens IS NOT NULL)),
    CHECK ((purpose = 'prepaid') = (months IS NOT NULL))
);
CREATE INDEX billing_checkouts_created ON billing_checkouts (tenant_id, created_at);

-- The plan record as the tills receive it (entity `plan`, made by the server only).
CREATE TABLE plan_records (
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id),
    record_id   uuid NOT NULL,
    body        jsonb NOT NULL,
    deleted     boolean NOT NULL DEFAULT false,
    hlc         bigint NOT NULL,
    hlc_device  uuid NOT NULL,
    PRIMARY KEY (tenant_id, record_id)
);

-- Owners: a WhatsApp number proven by a code (password resets are sent only there), and the
-- one-time codes themselves (only a hash; one live code per owner and purpose).
ALTER TABLE owners ADD COLUMN whatsapp_verified_at timestamptz;

CREATE TABLE owner_codes (
    tenant_id   uuid NOT NULL,
    owner_id    uuid NOT NULL,
    purpose     text NOT NULL CHECK (purpose IN ('password_reset', 'verify_whatsapp')),
    code_hash   bytea NOT NULL,
    expires_at  timestamptz NOT NULL,
    attempts    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, owner_id, purpose),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES owners (tenant_id, owner_id)
);

CALL mch_enable_tenant_rls('subscriptions', 'billing_checkouts', 'plan_records', 'owner_codes');
GRANT SELECT, INSERT, UPDATE ON subscriptions, billing_checkouts, plan_records TO michangarrito_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON owner_codes TO michangarrito_app;

-- The functions below look across shops, so they belong to michangarrito_definer (0017) with
-- the path pinned and every name qualified; it may read only what they answer.
GRANT SELECT ON subscriptions, tenants, plans TO michangarrito_definer;
CREATE POLICY definer_lookup ON subscriptions FOR SELECT TO michangarrito_definer USING (true);
-- Named apart: 0025 (jobs) adds its own definer_lookup on tenants.
CREATE POLICY definer_billing_lookup ON tenants FOR SELECT TO michangarrito_definer USING (true);

-- Handing a function to the definer needs its CREATE on the schema, for this migration only.
GRANT CREATE ON SCHEMA public TO michangarrito_definer;
-- A Stripe object names our shop in its metadata; when an old one does not, its customer id
-- does. This answers only "which shop has this Stripe customer".
CREATE FUNCTION mch_billing_tenant_of_customer(p_customer text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT tenant_id FROM public.subscriptions WHERE stripe_customer_id = p_customer LIMIT 1 $$;
ALTER FUNCTION mch_billing_tenant_of_customer(text) OWNER TO michangarrito_definer;
REVOKE ALL ON FUNCTION mch_billing_tenant_of_customer(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mch_billing_tenant_of_customer(text) TO michangarrito_app;

-- After a plan is edited, the shops on it get a new plan record.
CREATE FUNCTION mch_billing_tenants_on_plan(p_plan text) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT tenant_id FROM public.subscriptions WHERE plan_id = p_plan OR prepaid_plan_id = p_plan
        UNION
        SELECT t.tenant_id FROM public.tenants t
        WHERE EXISTS (SELECT 1 FROM public.plans WHERE plan_id = p_plan AND is_free)
    $$;
ALTER FUNCTION mch_billing_tenants_on_plan(text) OWNER TO michangarrito_definer;
REVOKE ALL ON FUNCTION mch_billing_tenants_on_plan(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mch_billing_tenants_on_plan(text) TO michangarrito_app;
REVOKE CREATE ON SCHEMA public FROM michangarrito_definer;

-- Password resets are throttled like logins (per address and per account).
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_scope_check;
ALTER TABLE auth_attempts ADD CONSTRAINT auth_attempts_scope_check
    CHECK (scope IN ('login', 'pairing', 'signup', 'reset'));
