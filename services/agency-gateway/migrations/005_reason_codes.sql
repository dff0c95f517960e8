-- A rejection's reason as a code (what the events carry); the agency's free-text note stays in
-- `note`, in this schema only, readable only by the agency the referral is addressed to.
ALTER TABLE referrals ADD COLUMN reason_code text;
UPDATE referrals SET reason_code = 'lainnya' WHERE status = 'rejected';
