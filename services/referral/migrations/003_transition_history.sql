-- The transition log keeps every status change asked of a referral, accepted or refused, so a
-- referral's history is in one place; rows written before this migration were all refusals.
ALTER TABLE transition_log ADD COLUMN accepted boolean NOT NULL DEFAULT false;
ALTER TABLE transition_log ALTER COLUMN accepted DROP DEFAULT;
CREATE INDEX transition_log_referral ON transition_log (referral_id, id);
ALTER TABLE transition_log ADD CONSTRAINT transition_log_referral_fk
    FOREIGN KEY (referral_id) REFERENCES referrals (id);

ALTER TABLE referrals ADD CONSTRAINT referrals_status_known
    CHECK (status IN ('dispatched', 'acknowledged', 'in_progress', 'rejected', 'resolved'));
ALTER TABLE referrals ADD CONSTRAINT referrals_outcome_known
    CHECK (outcome IS NULL OR outcome IN ('resolved', 'partially_resolved', 'unresolvable'));
ALTER TABLE referrals ADD CONSTRAINT referrals_attempt_positive CHECK (attempt >= 1);
