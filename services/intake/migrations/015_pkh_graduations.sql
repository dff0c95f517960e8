-- PKH facilitators (pendamping), the district's yearly graduation targets, and graduation
-- proposals. Reference data and counts only: the household's KK number is personal data and
-- lives with the head's NIK and name in `residents` (erased with them); `graduations` keeps
-- only its keyed hash (HMAC-SHA256 under INTAKE_SUBJECT_HASH_KEY).
CREATE TABLE facilitators (
    code          text PRIMARY KEY CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{1,39}$'),
    name          text NOT NULL,
    regency_code  text NOT NULL,
    village_codes text[] NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX facilitators_regency ON facilitators (regency_code);

CREATE TABLE programme_targets (
    regency_code     text NOT NULL,
    year             int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    district_total   int NOT NULL CHECK (district_total > 0),
    per_facilitator  int NOT NULL CHECK (per_facilitator >= 0),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (regency_code, year)
);

-- One row per proposal (the complaint it became); a household has at most one open or
-- confirmed proposal: the partial unique index decides two proposals sent at once.
CREATE TABLE graduations (
    complaint_id     uuid PRIMARY KEY REFERENCES complaints (id),
    household_hash   text NOT NULL,
    facilitator_code text NOT NULL REFERENCES facilitators (code),
    kind             text NOT NULL CHECK (kind IN ('sejahtera_mandiri', 'graduasi_alamiah')),
    village_code     text NOT NULL,
    regency_code     text NOT NULL,
    state            text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'confirmed', 'refused')),
    reason_code      text,
    proposed_at      timestamptz NOT NULL,
    decided_at       timestamptz
);
CREATE UNIQUE INDEX graduations_one_per_household ON graduations (household_hash)
    WHERE state IN ('open', 'confirmed');
CREATE INDEX graduations_progress ON graduations (regency_code, decided_at) WHERE state = 'confirmed';

ALTER TABLE residents ADD COLUMN kk_number text;

-- Every change of the programmes' reference data: who, how, what (never a token hash).
CREATE TABLE programme_changes (
    id           bigserial PRIMARY KEY,
    action       text NOT NULL,
    subject      text NOT NULL,
    changed_by   text NOT NULL,
    via          text NOT NULL CHECK (via IN ('api', 'cli')),
    detail       jsonb NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
