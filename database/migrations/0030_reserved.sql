-- 0030: PLACEHOLDER, reserved for another helper's migration of this session (not on main yet).
-- The runner refuses a gap before 0032_credit_notes; delete this file when that one lands.
SELECT 1;
