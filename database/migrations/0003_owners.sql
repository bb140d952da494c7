-- 0003: shop owners (login by phone or email, argon2 password hashes) and pairing throttling.

CREATE TABLE owners (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id),
    owner_id       uuid NOT NULL,
    name           text NOT NULL,
    email          text CHECK (email IS NULL OR email = lower(email)),
    phone          text,
    password_hash  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, owner_id),
    CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
-- A login identifies one owner across the whole platform.
CREATE UNIQUE INDEX owners_email ON owners (email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX owners_phone ON owners (phone) WHERE phone IS NOT NULL;

CALL mch_enable_tenant_rls('owners');
GRANT SELECT, INSERT, UPDATE ON owners TO michangarrito_app;

-- At login the tenant is not known yet; this answers only "whose login is this".
CREATE FUNCTION mch_owner_login(p_login text)
    RETURNS TABLE (tenant_id uuid, owner_id uuid, password_hash text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$
        SELECT tenant_id, owner_id, password_hash FROM owners
        WHERE email = lower(p_login) OR phone = p_login
    $$;
REVOKE ALL ON FUNCTION mch_owner_login(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mch_owner_login(text) TO michangarrito_app;

-- Failed pairing and login attempts per client address, for rate limiting across replicas.
-- Not tenant data: the attacker has no tenant.
CREATE TABLE auth_failures (
    scope      text NOT NULL,
    client     text NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_failures_recent ON auth_failures (scope, client, failed_at);
GRANT SELECT, INSERT, DELETE ON auth_failures TO michangarrito_app;
