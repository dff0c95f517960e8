-- Complaints whose personal data intake erased (id.slrt.complaint.pii_erased.v1): the gateway's
-- copy is erased too, and a complaint.pii record of one of them read later (a replay, a
-- redelivery) is dropped, so the data never comes back. Ids and dates only.
CREATE TABLE erased_complaints (
    complaint_id uuid PRIMARY KEY,
    erased_at    timestamptz NOT NULL,
    cause        text NOT NULL CHECK (cause IN ('retention', 'request')),
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX action_requests_referral ON action_requests ((response ->> 'referral_id'));

-- Every export of what the gateway holds about a NIK (a resident's access request): who, when,
-- which complaints; the NIK only as its keyed hash (HMAC-SHA256 with GATEWAY_SUBJECT_HASH_KEY).
CREATE TABLE subject_requests (
    id            bigserial PRIMARY KEY,
    action        text NOT NULL CHECK (action IN ('export')),
    nik_hash      text NOT NULL,
    requested_by  text NOT NULL,
    via           text NOT NULL CHECK (via IN ('api', 'cli')),
    complaint_ids uuid[] NOT NULL,
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subject_requests_nik ON subject_requests (nik_hash, at);
CREATE INDEX residents_nik ON residents (nik);
