-- Each need's detail from complaint.pii, by service code: personal data, kept and erased with
-- the rest of the resident's row; an agency is shown only its own need's.
ALTER TABLE residents ADD COLUMN need_details jsonb NOT NULL DEFAULT '{}'::jsonb;
