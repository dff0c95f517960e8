-- Referral keeps why an agency rejected a referral as a code only. The agencies' free text
-- (which may name a resident or a diagnosis) was copied here from the events: cleared. The
-- column stays, always null, so replicas of the previous version keep working during a rollout.
ALTER TABLE referrals ADD COLUMN reason_code text;
UPDATE referrals SET reason_code = 'lainnya' WHERE status = 'rejected';
UPDATE referrals SET note = NULL WHERE note IS NOT NULL;
