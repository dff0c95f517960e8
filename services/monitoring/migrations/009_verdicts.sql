-- The resident's verdict on a closed complaint (complaint.rated): one row per complaint, the
-- highest revision only (an older revision read later changes nothing). Numbers and codes only:
-- the resident's comment stays in intake and never reaches monitoring.
CREATE TABLE complaint_verdicts (
    complaint_id uuid PRIMARY KEY,
    village_code text NOT NULL,
    solved       text NOT NULL,
    rating       int  NOT NULL,
    revision     int  NOT NULL,
    rated_at     timestamptz NOT NULL
);

-- Each reopening of a complaint (complaint.reopened), once per reopening number: the reason as
-- a code of the list (`lainnya` for one this list does not know), never the reopener's words.
CREATE TABLE complaint_reopenings (
    complaint_id uuid NOT NULL,
    reopening    int  NOT NULL,
    village_code text NOT NULL,
    reason_code  text NOT NULL,
    reopened_at  timestamptz NOT NULL,
    PRIMARY KEY (complaint_id, reopening)
);
