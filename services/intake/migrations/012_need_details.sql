-- What the operator wrote for each need, by service code: personal data like the description,
-- erased with it (NULL once erased).
ALTER TABLE complaints ADD COLUMN need_details jsonb DEFAULT '{}'::jsonb;
