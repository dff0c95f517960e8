CREATE TABLE agencies (
    code    text PRIMARY KEY,
    name_id text NOT NULL,
    name_en text NOT NULL,
    kind    text NOT NULL
);

CREATE TABLE agency_keys (
    key_hash    text PRIMARY KEY,
    agency_code text NOT NULL REFERENCES agencies (code),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

CREATE TABLE services (
    code      text PRIMARY KEY,
    pii_level text NOT NULL CHECK (pii_level IN ('basic', 'sensitive', 'special'))
);

-- Personal data from complaint.pii; may arrive before or after the referral.
CREATE TABLE residents (
    complaint_id uuid PRIMARY KEY,
    nik          text NOT NULL,
    name         text NOT NULL,
    phone        text,
    address      text,
    description  text,
    received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE referrals (
    id               uuid PRIMARY KEY,
    seq              bigserial UNIQUE,
    complaint_id     uuid NOT NULL,
    ticket           text NOT NULL,
    village_code     text NOT NULL,
    service_code     text NOT NULL,
    agency_code      text NOT NULL,
    attempt          int  NOT NULL,
    status           text NOT NULL,
    dispatched_at    timestamptz NOT NULL,
    due_at           timestamptz NOT NULL,
    escalation_level text,
    outcome          text,
    note             text,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX referrals_agency ON referrals (agency_code, seq);

CREATE TABLE action_requests (
    agency_code     text NOT NULL,
    idempotency_key text NOT NULL,
    request_hash    text NOT NULL,
    response        jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_code, idempotency_key)
);

-- Every read of personal data through the API: who, which referral, which fields, when.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    agency_code text NOT NULL,
    referral_id uuid NOT NULL,
    fields      text[] NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
