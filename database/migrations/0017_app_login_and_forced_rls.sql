-- 0017: the server logs in as its own role, never as a superuser or the tables' owner; row-level
-- security binds every tenant table, its owner included (FORCE); the functions that must look
-- across shops (login, pairing, the WhatsApp sender's due list) belong to a role of their own
-- with a pinned search_path. See docs/security.md.

-- The app's login: no superuser, no BYPASSRLS, no role to SET ROLE into. Its password, where
-- the database asks for one, is set by `./bin/server migrate` from MCH_APP_DB_PASSWORD.
-- Only a superuser may name SUPERUSER, BYPASSRLS or REPLICATION in ALTER ROLE (and CREATEDB
-- takes CREATEDB), so those are named only where the role has one of them; an owner login with
-- CREATEROLE alone (a managed PostgreSQL) then sets the rest.
DO $$
BEGIN
    IF (SELECT rolsuper OR rolbypassrls OR rolreplication OR rolcreatedb FROM pg_roles
        WHERE rolname = 'michangarrito_app') THEN
        ALTER ROLE michangarrito_app NOSUPERUSER NOBYPASSRLS NOREPLICATION NOCREATEDB;
    END IF;
END $$;
ALTER ROLE michangarrito_app LOGIN NOCREATEROLE NOINHERIT;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT g.rolname FROM pg_auth_members m
             JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
             WHERE u.rolname = 'michangarrito_app' LOOP
        EXECUTE format('REVOKE %I FROM michangarrito_app', r.rolname);
    END LOOP;
END $$;

-- Owns the definer functions: it can read the few cross-shop facts they answer, nothing else,
-- and nobody logs in as it or is granted it (the migrating login excepted, to hand it the
-- functions; a superuser needs no grant).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'michangarrito_definer') THEN
        CREATE ROLE michangarrito_definer NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
    END IF;
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT michangarrito_definer TO %I', current_user);
    END IF;
END $$;

GRANT USAGE ON SCHEMA public TO michangarrito_definer;
-- A function's new owner must be able to create in its schema when a non-superuser hands it
-- over: granted for the hand-over below, taken back at the end of this migration.
GRANT CREATE ON SCHEMA public TO michangarrito_definer;
GRANT SELECT ON owners, pairing_codes, outbound_messages TO michangarrito_definer;
CREATE POLICY definer_lookup ON owners FOR SELECT TO michangarrito_definer USING (true);
CREATE POLICY definer_lookup ON pairing_codes FOR SELECT TO michangarrito_definer USING (true);
CREATE POLICY definer_lookup ON outbound_messages FOR SELECT TO michangarrito_definer
    USING (true);

-- Every name qualified and the path pinned to pg_catalog, pg_temp last: nothing the caller
-- puts on its search_path can stand in for a table or an operator here.
CREATE OR REPLACE FUNCTION mch_pairing_tenant(p_code_hash bytea) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT tenant_id FROM public.pairing_codes
        WHERE code_hash = p_code_hash AND used_at IS NULL AND expires_at > now()
    $$;
ALTER FUNCTION mch_pairing_tenant(bytea) OWNER TO michangarrito_definer;

CREATE OR REPLACE FUNCTION mch_owner_login(p_login text)
    RETURNS TABLE (tenant_id uuid, owner_id uuid, password_hash text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT o.tenant_id, o.owner_id, o.password_hash FROM public.owners o
        WHERE o.email = lower(p_login) OR o.phone = p_login
    $$;
ALTER FUNCTION mch_owner_login(text) OWNER TO michangarrito_definer;

CREATE OR REPLACE FUNCTION mch_outbound_due_tenants(p_configured boolean, p_lease interval)
    RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT DISTINCT tenant_id FROM public.outbound_messages
        WHERE (status = 'pending' AND next_attempt_at <= now())
           OR (p_configured AND status = 'not_configured')
           OR (status = 'sending' AND claimed_at < now() - p_lease)
    $$;
ALTER FUNCTION mch_outbound_due_tenants(boolean, interval) OWNER TO michangarrito_definer;

REVOKE CREATE ON SCHEMA public FROM michangarrito_definer;

-- FORCE: the tables' owner (the migrating login) is bound too, unless it is a superuser.
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
                                AND NOT a.attisdropped
             WHERE n.nspname = 'public' AND c.relkind = 'r' LOOP
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    END LOOP;
END $$;

-- Tables of later migrations get the same as they are made.
CREATE OR REPLACE PROCEDURE mch_enable_tenant_rls(VARIADIC tables text[])
    LANGUAGE plpgsql
    AS $$
    DECLARE t text;
    BEGIN
        FOREACH t IN ARRAY tables LOOP
            EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
            EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
            EXECUTE format(
                'CREATE POLICY tenant_isolation ON %I USING (tenant_id = mch_current_tenant()) '
                'WITH CHECK (tenant_id = mch_current_tenant())', t);
        END LOOP;
    END $$;
