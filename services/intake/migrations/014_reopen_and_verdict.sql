-- The resident's word after a case closes. A complaint keeps what its latest closing said
-- (complaint.closed): until when it may be reopened (counted by referral on the district's
-- holiday calendar) and each need's outcome, so that a reopening with nothing in its scope is
-- refused here; and how often it was reopened.
ALTER TABLE complaints
    ADD COLUMN reopen_until timestamptz,
    ADD COLUMN outcomes jsonb,
    ADD COLUMN reopenings int NOT NULL DEFAULT 0 CHECK (reopenings >= 0);

-- Each reopening, by the resident (with the code) or the village's operator (`operator`: the
-- hash of their token). The note is the reopener's own words: kept here only, never in an
-- event, and erased with the resident's personal data.
CREATE TABLE reopenings (
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    reopening    int  NOT NULL CHECK (reopening >= 1),
    scope        text NOT NULL CHECK (scope IN ('unresolved', 'all')),
    reason_code  text NOT NULL,
    note         text CHECK (char_length(note) <= 500),
    given_by     text NOT NULL CHECK (given_by IN ('resident', 'operator')),
    operator     text REFERENCES operators (token_hash),
    event_id     uuid NOT NULL UNIQUE,
    at           timestamptz NOT NULL,
    PRIMARY KEY (complaint_id, reopening)
);

-- The resident's verdicts on a closed complaint: every one kept, the highest revision stands
-- (the last answer wins). The comment stays here, erased like the note.
CREATE TABLE verdicts (
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    revision     int  NOT NULL CHECK (revision >= 1),
    solved       text NOT NULL CHECK (solved IN ('yes', 'partly', 'no')),
    rating       int  NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment      text CHECK (char_length(comment) <= 500),
    given_by     text NOT NULL CHECK (given_by IN ('resident', 'operator')),
    operator     text REFERENCES operators (token_hash),
    at           timestamptz NOT NULL,
    PRIMARY KEY (complaint_id, revision)
);
