-- 0031: the nightly clean-up (sync_server/jobs/cleanup.py) also deletes spent one-time codes and
-- webhook events processed long ago (MCH_WEBHOOK_EVENTS_KEEP_DAYS, 90 by default; docs/jobs.md
-- says why a replay after that is still handled once). Only handled rows are ever deleted: the
-- statements say "handled_at IS NOT NULL", and a pending event is never touched.
GRANT DELETE ON stripe_events, whatsapp_inbox, pay_events, wa_verifications TO michangarrito_app;

-- What the clean-up looks for, without reading every event received in 90 days each night.
CREATE INDEX stripe_events_handled ON stripe_events (handled_at) WHERE handled_at IS NOT NULL;
CREATE INDEX whatsapp_inbox_handled ON whatsapp_inbox (handled_at) WHERE handled_at IS NOT NULL;
CREATE INDEX pay_events_handled ON pay_events (tenant_id, handled_at) WHERE handled_at IS NOT NULL;
