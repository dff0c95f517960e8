-- The resident's code of a complaint, only as its keyed hash (HMAC-SHA256 under
-- INTAKE_RESIDENT_CODE_KEY, bound to the complaint's id); NULL when none was issued.
ALTER TABLE complaints ADD COLUMN resident_code_hash text;
