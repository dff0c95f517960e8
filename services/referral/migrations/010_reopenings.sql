-- A closed case reopened by the resident or the operator (complaint.reopened): the number of the
-- last reopening it was sent back for, so that the same reopening announced again changes nothing.
ALTER TABLE cases ADD COLUMN reopenings int NOT NULL DEFAULT 0 CHECK (reopenings >= 0);
