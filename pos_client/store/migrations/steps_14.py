"""Client schema step 14: where each WhatsApp message to a customer stands, as the server says
(``message_status``). Forward-only, like every step: a shipped one is never edited."""

from __future__ import annotations

STEPS: list[str] = [
    # 14: the server-made message_status records (protocol 4): queued, sent, delivered, read,
    # failed (with the reason in Spanish) or not_configured, per message, merged like every
    # record; the customers page shows the newest one's state.
    """
    CREATE TABLE message_statuses (
        id           TEXT PRIMARY KEY,
        customer_id  TEXT NOT NULL,
        kind         TEXT NOT NULL,
        status       TEXT NOT NULL,
        reason       TEXT,
        requested_at TEXT NOT NULL,
        changed_at   TEXT NOT NULL,
        hlc          INTEGER NOT NULL,
        hlc_device   TEXT NOT NULL,
        field_stamps TEXT
    );
    CREATE INDEX message_statuses_customer ON message_statuses (customer_id, requested_at);
    """,
]
