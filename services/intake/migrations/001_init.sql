CREATE TABLE villages (
    code           text PRIMARY KEY,
    name           text NOT NULL,
    kecamatan_code text NOT NULL,
    regency_code   text NOT NULL
);

CREATE TABLE services (
    code             text PRIMARY KEY,
    name_id          text NOT NULL,
    name_en          text NOT NULL,
    sla_working_days int  NOT NULL
);

-- Operator (village) and district-staff tokens, stored only as hashes.
CREATE TABLE operators (
    token_hash   text PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('operator', 'district')),
    village_code text REFERENCES villages (code),
    regency_code text NOT NULL,
    label        text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    CHECK (kind = 'district' OR village_code IS NOT NULL)
);

CREATE TABLE complaints (
    id           uuid PRIMARY KEY,
    ticket       text NOT NULL UNIQUE,
    village_code text NOT NULL REFERENCES villages (code),
    needs        text[] NOT NULL,
    description  text NOT NULL,
    channel      text NOT NULL,
    recorded_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL,
    recorded_by  text NOT NULL,
    status       text NOT NULL DEFAULT 'received',
    closed_at    timestamptz
);
CREATE INDEX complaints_village ON complaints (village_code, received_at);

-- Personal data, apart from the complaint so that public views never touch it.
CREATE TABLE residents (
    complaint_id uuid PRIMARY KEY REFERENCES complaints (id),
    nik          text NOT NULL,
    name         text NOT NULL,
    phone        text,
    address      text
);

CREATE TABLE idempotency_keys (
    scope        text NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

-- What the resident's tracking page shows: built from events, no personal data.
CREATE TABLE timeline (
    id           bigserial PRIMARY KEY,
    complaint_id uuid NOT NULL,
    event_id     uuid NOT NULL UNIQUE,
    kind         text NOT NULL,
    at           timestamptz NOT NULL,
    agency_code  text,
    detail       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX timeline_complaint ON timeline (complaint_id, at);
