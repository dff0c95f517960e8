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

-- The pull API's position: the transaction that inserted the referral, then its seq. A
-- reader is handed only rows of transactions older than its snapshot's xmin, so a referral
-- committed late can never land behind a cursor already handed out. Rows from before this
-- migration count as transaction 0 (their seq order is kept).
ALTER TABLE referrals ADD COLUMN xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE referrals ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
CREATE INDEX referrals_agency_xid ON referrals (agency_code, xid, seq);
