ALTER TABLE referral_facts ADD COLUMN attempt int NOT NULL DEFAULT 1;
CREATE INDEX referral_facts_agency ON referral_facts (agency_code, dispatched_at);

-- The last ranking published per regency, period and level: what dashboards are told about.
CREATE TABLE ranking_snapshots (
    regency_code text NOT NULL,
    period       text NOT NULL,
    level        text NOT NULL,
    digest       text NOT NULL,
    payload      jsonb NOT NULL,
    version      bigint NOT NULL,
    computed_at  timestamptz NOT NULL,
    PRIMARY KEY (regency_code, period, level)
);
CREATE SEQUENCE ranking_snapshot_version;

-- A complaint may be seen closed before it is seen created (topics are read independently,
-- and a replay reads them in any order): its creation facts arrive later.
ALTER TABLE complaint_facts ALTER COLUMN needs DROP NOT NULL;
ALTER TABLE complaint_facts ALTER COLUMN channel DROP NOT NULL;
ALTER TABLE complaint_facts ALTER COLUMN received_at DROP NOT NULL;
ALTER TABLE complaint_facts ALTER COLUMN recorded_at DROP NOT NULL;
