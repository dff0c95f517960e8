-- The district's programmes, from intake's registries and decisions and referral's stages.
-- Codes and counts only: no facilitator's name, no household, no resident.

-- A PKH facilitator as its last record (programme.facilitators) stands: never the name.
CREATE TABLE programme_facilitators (
    code          text PRIMARY KEY,
    regency_code  text NOT NULL,
    village_codes text[] NOT NULL,
    active        boolean NOT NULL,
    at            timestamptz NOT NULL
);

-- A regency's graduation target of a year as its last record (programme.targets) stands.
CREATE TABLE programme_targets (
    regency_code    text NOT NULL,
    year            int  NOT NULL,
    district_total  int  NOT NULL,
    per_facilitator int  NOT NULL,
    at              timestamptz NOT NULL,
    PRIMARY KEY (regency_code, year)
);

-- Each graduation proposal's decision (programme.graduations), once per complaint: a confirmed
-- one is final, a refused one may still be confirmed by a later record.
CREATE TABLE programme_graduations (
    complaint_id     uuid PRIMARY KEY,
    village_code     text NOT NULL,
    kecamatan_code   text NOT NULL,
    regency_code     text NOT NULL,
    facilitator_code text NOT NULL,
    graduation_kind  text NOT NULL,
    decision         text NOT NULL,
    reason_code      text,
    proposed_at      timestamptz NOT NULL,
    decided_at       timestamptz NOT NULL
);
CREATE INDEX programme_graduations_regency ON programme_graduations (regency_code, decided_at);

-- A DTSEN data proposal of a village (complaint.created with `data_proposal`): its kind and
-- removal reason; its stages are its referrals (referral_facts, by complaint).
CREATE TABLE data_proposals (
    complaint_id   uuid PRIMARY KEY,
    village_code   text NOT NULL,
    kecamatan_code text NOT NULL,
    regency_code   text NOT NULL,
    kind           text NOT NULL,
    removal_reason text,
    received_at    timestamptz NOT NULL
);
CREATE INDEX data_proposals_regency ON data_proposals (regency_code, received_at);

-- Which stage a referral is (referral.dispatched; null for a single-step need): a stage's days
-- run from its dispatch to its end.
ALTER TABLE referral_facts
    ADD COLUMN stage text,
    ADD COLUMN stage_index int,
    ADD COLUMN stages_total int;

-- When a referral was rejected (referral.updated): a decision stage's rejection ends its stage.
CREATE TABLE referral_rejections (
    referral_id  uuid PRIMARY KEY,
    complaint_id uuid NOT NULL,
    rejected_at  timestamptz NOT NULL
);
CREATE INDEX referral_rejections_complaint ON referral_rejections (complaint_id);
