-- An escalation read before its referral's dispatch (another replica may be ahead on
-- referral.escalated): kept, the highest level only, and applied when the referral arrives.
CREATE TABLE pending_escalations (
    referral_id  uuid PRIMARY KEY,
    complaint_id uuid NOT NULL,
    level        text NOT NULL CHECK (level IN ('kecamatan', 'kabupaten')),
    at           timestamptz NOT NULL,
    change       text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pending_escalations_complaint ON pending_escalations (complaint_id);
