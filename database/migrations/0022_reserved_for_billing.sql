-- 0022: PLACEHOLDER, reserved for the billing branch's own 0022 (not on main yet). The runner
-- refuses a gap before 0025_scheduled_jobs; delete this file when the billing branch's 0022 lands.
SELECT 1;
