-- 0021: records merge field by field (sync protocol 4, shared/sync/merge.py). Each field keeps
-- the stamp (hlc, writer) of the edit that last set it: NULL while every field carries the
-- record's own (hlc, hlc_device), as every record written whole before this does.

ALTER TABLE products ADD COLUMN field_stamps jsonb;
ALTER TABLE customers ADD COLUMN field_stamps jsonb;
ALTER TABLE categories ADD COLUMN field_stamps jsonb;
ALTER TABLE cashiers ADD COLUMN field_stamps jsonb;
ALTER TABLE shop_settings ADD COLUMN field_stamps jsonb;
ALTER TABLE order_statuses ADD COLUMN field_stamps jsonb;
ALTER TABLE stock_alerts ADD COLUMN field_stamps jsonb;
