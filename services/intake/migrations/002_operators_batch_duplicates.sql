-- Operators get a public id so an admin can list and revoke tokens without seeing them.
ALTER TABLE operators ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE;

-- A complaint may be linked to earlier open complaints of the same resident and need.
ALTER TABLE complaints ADD COLUMN possible_duplicate_of uuid[] NOT NULL DEFAULT '{}';
CREATE INDEX residents_nik ON residents (nik);
