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
