-- The SLA calendar as data the district keeps: holidays and cuti bersama, the years whose joint
-- ministerial decree (SKB 3 Menteri) is loaded, and every change to either, audited. `seed`
-- loads the bundled list; district staff keep it up to date through the API or the CLI.
CREATE TABLE holidays (
    day        date PRIMARY KEY CHECK (day BETWEEN '2000-01-01' AND '2100-12-31'),
    kind       text NOT NULL CHECK (kind IN ('holiday', 'cuti_bersama')),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    source     text NOT NULL CHECK (length(source) BETWEEN 1 AND 500),
    added_by   text NOT NULL,
    added_at   timestamptz NOT NULL DEFAULT now(),
    updated_by text,
    updated_at timestamptz
);

-- A year is complete once its decree is loaded; a year without a row is not.
CREATE TABLE calendar_years (
    year         int PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    decree       text NOT NULL CHECK (length(decree) BETWEEN 3 AND 500),
    completed_by text NOT NULL,
    completed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE calendar_audit (
    id      bigserial PRIMARY KEY,
    entity  text NOT NULL CHECK (entity IN ('holiday', 'year')),
    subject text NOT NULL,
    action  text NOT NULL CHECK (action IN ('add', 'correct', 'remove', 'complete', 'reopen')),
    before  jsonb,
    after   jsonb,
    by      text NOT NULL,
    via     text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX calendar_audit_subject ON calendar_audit (entity, subject);

-- Bumped in the transaction of every change: each replica reloads its cached calendar when the
-- number it last read is no longer the current one. An UPDATE of one row orders the bumps as
-- the changes commit, which a sequence (assigned at insert) would not.
CREATE TABLE calendar_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint  NOT NULL
);
INSERT INTO calendar_version (singleton, version) VALUES (true, 0);

-- Whether the calendar was complete for every day the referral's SLA was counted over.
ALTER TABLE referrals ADD COLUMN calendar_complete boolean NOT NULL DEFAULT true;
-- Deadlines counted before this migration came from a list that ended in 2026: any of them that
-- falls in 2027 or later counted 2027's holidays as working days.
UPDATE referrals SET calendar_complete = false WHERE due_at >= '2027-01-01T00:00:00Z';
