-- 0024: PLACEHOLDER, reserved for the cfdi branch's own 0024 (not on main yet). The runner
-- refuses a gap before 0025_scheduled_jobs; delete this file when the cfdi branch's 0024 lands.
SELECT 1;
