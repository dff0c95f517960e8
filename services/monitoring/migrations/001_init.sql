CREATE TABLE regions (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    level       text NOT NULL,
    parent_code text
);

-- Projections built only from events; no personal data.
CREATE TABLE complaint_facts (
    complaint_id   uuid PRIMARY KEY,
    village_code   text NOT NULL,
    kecamatan_code text NOT NULL,
    regency_code   text NOT NULL,
    needs          int  NOT NULL,
    channel        text NOT NULL,
    received_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL,
    closed_at      timestamptz
);
CREATE INDEX complaint_facts_village ON complaint_facts (village_code, received_at);

-- No foreign key: a referral's events may be read before its complaint's.
CREATE TABLE referral_facts (
    referral_id     uuid PRIMARY KEY,
    complaint_id    uuid NOT NULL,
    agency_code     text,
    service_code    text,
    dispatched_at   timestamptz,
    due_at          timestamptz,
    acknowledged_at timestamptz,
    resolved_at     timestamptz,
    outcome         text,
    rejected        boolean NOT NULL DEFAULT false,
    escalations     int NOT NULL DEFAULT 0
);
CREATE INDEX referral_facts_complaint ON referral_facts (complaint_id);
