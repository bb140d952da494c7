-- 0023: PLACEHOLDER, reserved for the billing branch's own 0023 (not on main yet). The runner
-- refuses a gap before 0025_scheduled_jobs; delete this file when the billing branch's 0023 lands.
SELECT 1;
