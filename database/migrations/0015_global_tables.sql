-- 0015: the two tables whose keys are global by nature become Citus reference tables.
-- A login (email or phone) and a pairing code are looked up before anyone knows the shop, so
-- they are unique across the platform; a distributed table cannot hold a unique key without
-- tenant_id. Owners (one per shop) and short-lived pairing codes are small, rarely written
-- tables: Citus copies a reference table to every node. A reference table may not point at a
-- distributed one, so their foreign keys to tenants go; sign-up writes the shop and its owner
-- in one transaction, and a code is only made for an existing shop.
-- docs/scaling.md has the layout; tests/server/test_citus_rules.py keeps it.

ALTER TABLE owners DROP CONSTRAINT owners_tenant_id_fkey;
ALTER TABLE pairing_codes DROP CONSTRAINT pairing_codes_tenant_id_fkey;
