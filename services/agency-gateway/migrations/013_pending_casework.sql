-- A step of the secretariat's case work (referral.casework) read before its referral's dispatch
-- (another replica may be behind on referral.dispatched): kept, codes and dates only, and
-- applied in the order they were read (`seq`: a complaint's steps come in order on their
-- partition) when the referral arrives. Pruned with the early escalations.
CREATE TABLE pending_casework (
    event_id     uuid PRIMARY KEY,
    seq          bigserial NOT NULL,
    referral_id  uuid NOT NULL,
    complaint_id uuid NOT NULL,
    action       text NOT NULL CHECK (action IN ('due_extended', 'withdrawn')),
    reason_code  text,
    due_at       timestamptz,
    at           timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pending_casework_referral ON pending_casework (referral_id, seq);
