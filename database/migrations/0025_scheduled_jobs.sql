-- 0025: scheduled jobs (docs/jobs.md). Every replica runs the same scheduler; these tables make
-- each run happen once: a run is claimed by inserting its key (job, shop, period), and a second
-- replica's insert finds it taken. The run row then records what came of it.

-- Each shop's choice per job: on or off, and at what local time (the shop's time zone). A job
-- without a row runs with its defaults (sync_server/jobs/catalog.py).
CREATE TABLE job_settings (
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id),
    job         text NOT NULL CHECK (job ~ '^[a-z][a-z_]{2,39}$'),
    enabled     boolean NOT NULL,
    at_time     time,  -- local wall-clock time; null for jobs that are not run at a time of day
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, job)
);

-- One row per run: claimed ('running', by whom, when), then finished as sent, skipped (with the
-- reason's stable code) or failed. period_key names the period the run is for: the shop's local
-- date of a daily job, or what a notice is about (a till's silent spell, a trial's end date).
-- A claim older than the lease is taken over (its process died); a failed run is tried again a
-- few times. late: it ran after its time (the server was down), e.g. a summary "enviado tarde".
CREATE TABLE job_runs (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id),
    job            text NOT NULL,
    period_key     text NOT NULL CHECK (length(period_key) BETWEEN 1 AND 200),
    scheduled_for  timestamptz NOT NULL,
    status         text NOT NULL DEFAULT 'running'
                   CHECK (status IN ('running', 'sent', 'skipped', 'failed')),
    reason         text,
    late           boolean NOT NULL DEFAULT false,
    detail         jsonb,
    claimed_by     text NOT NULL,
    claimed_at     timestamptz NOT NULL,
    finished_at    timestamptz,
    attempts       integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, job, period_key)
);
CREATE INDEX job_runs_recent ON job_runs (tenant_id, claimed_at);

-- The fiado reminders' weekly cap, per customer: the one conditional upsert that moves
-- last_at holds the customer's reminder for the week, whichever replica asks, across restarts.
CREATE TABLE fiado_reminders (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    customer_id  uuid NOT NULL,
    last_at      timestamptz NOT NULL,
    reminders    integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, customer_id)
);

CALL mch_enable_tenant_rls('job_settings', 'job_runs', 'fiado_reminders');
GRANT SELECT, INSERT, UPDATE ON job_settings, fiado_reminders TO michangarrito_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON job_runs TO michangarrito_app;
-- The clean-up removes expired pairing codes, shop by shop (row-level security still applies).
GRANT DELETE ON pairing_codes TO michangarrito_app;

-- Global: runs of platform jobs that belong to no shop (the clean-ups), claimed the same way.
CREATE TABLE platform_job_runs (
    job          text NOT NULL,
    period_key   text NOT NULL CHECK (length(period_key) BETWEEN 1 AND 200),
    status       text NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'sent', 'skipped', 'failed')),
    reason       text,
    detail       jsonb,
    claimed_by   text NOT NULL,
    claimed_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    attempts     integer NOT NULL DEFAULT 1,
    PRIMARY KEY (job, period_key)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON platform_job_runs TO michangarrito_app;

-- The scheduler must see every shop, and row-level security shows the app one at a time. This
-- narrow definer function answers only what scheduling needs: each shop's id, its time zone
-- (its settings record, else what it was created with) and its job settings. The jobs then
-- work in each shop's own tenant transaction.
GRANT SELECT ON tenants, shop_settings, job_settings TO michangarrito_definer;
CREATE POLICY definer_lookup ON tenants FOR SELECT TO michangarrito_definer USING (true);
CREATE POLICY definer_lookup ON shop_settings FOR SELECT TO michangarrito_definer USING (true);
CREATE POLICY definer_lookup ON job_settings FOR SELECT TO michangarrito_definer USING (true);

-- The function's new owner must be able to create in the schema when a non-superuser hands it
-- over (as in 0017 and 0019): granted for the hand-over, taken back right after.
GRANT CREATE ON SCHEMA public TO michangarrito_definer;
CREATE FUNCTION mch_job_shops()
    RETURNS TABLE (tenant_id uuid, timezone text, settings jsonb)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT t.tenant_id, COALESCE(s.timezone, t.timezone),
               COALESCE((SELECT jsonb_object_agg(j.job, jsonb_build_object(
                                    'enabled', j.enabled, 'at', to_char(j.at_time, 'HH24:MI')))
                         FROM public.job_settings j WHERE j.tenant_id = t.tenant_id),
                        '{}'::jsonb)
        FROM public.tenants t
        LEFT JOIN LATERAL (
            SELECT ss.timezone FROM public.shop_settings ss
            WHERE ss.tenant_id = t.tenant_id AND NOT ss.deleted
            ORDER BY ss.hlc DESC LIMIT 1) s ON true
        ORDER BY t.tenant_id
    $$;
ALTER FUNCTION mch_job_shops() OWNER TO michangarrito_definer;
REVOKE CREATE ON SCHEMA public FROM michangarrito_definer;
REVOKE ALL ON FUNCTION mch_job_shops() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mch_job_shops() TO michangarrito_app;
