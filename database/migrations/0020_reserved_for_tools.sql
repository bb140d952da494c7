-- 0020: PLACEHOLDER, reserved for the tools branch's own 0020 (not on main yet). The runner
-- refuses a gap before 0025_scheduled_jobs; delete this file when the tools branch's 0020 lands.
SELECT 1;
