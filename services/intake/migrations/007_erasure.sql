-- Personal data of a complaint is erased (values gone, not flagged) once its case has been closed
-- longer than the retention period, or when the resident asks; the case record stays.
ALTER TABLE complaints
    ALTER COLUMN description DROP NOT NULL,
    ADD COLUMN erased_at     timestamptz,
    ADD COLUMN erasure_cause text CHECK (erasure_cause IN ('retention', 'request')),
    ADD CONSTRAINT complaints_erased_without_description
        CHECK (erased_at IS NULL OR description IS NULL);
-- The retention job looks for closed complaints not yet erased, oldest first.
CREATE INDEX complaints_closed_unerased ON complaints (closed_at)
    WHERE status = 'closed' AND erased_at IS NULL;

-- Every access (export) and erasure request about a resident: who, when, why, which
-- complaints. The NIK itself is never kept here, only its keyed hash (HMAC-SHA256 with
-- INTAKE_SUBJECT_HASH_KEY), so "was this NIK erased, when, by whom" stays answerable.
CREATE TABLE subject_requests (
    id            bigserial PRIMARY KEY,
    action        text NOT NULL CHECK (action IN ('export', 'erase')),
    nik_hash      text NOT NULL,
    requested_by  text NOT NULL,
    via           text NOT NULL CHECK (via IN ('api', 'cli')),
    reason        text,
    complaint_ids uuid[] NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    CHECK (action <> 'erase' OR reason IS NOT NULL)
);
CREATE INDEX subject_requests_nik ON subject_requests (nik_hash, at);
