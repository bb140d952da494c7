-- 0021: PLACEHOLDER, reserved for the whatsapp branch's own 0021 (not on main yet). The runner
-- refuses a gap before 0025_scheduled_jobs; delete this file when the whatsapp branch's 0021 lands.
SELECT 1;
