-- 0028: what the tills were last told about each customer's WhatsApp message (the
-- server-made message_status record, protocol 4): its state, its reason and the record's
-- stamp. A state is sent to the tills once, and each later one is stamped after the last
-- (another replica's clock may run behind ours), so every till settles on the newest.
ALTER TABLE outbound_messages
    ADD COLUMN reported_status text,
    ADD COLUMN reported_reason text,
    ADD COLUMN reported_hlc    bigint;
