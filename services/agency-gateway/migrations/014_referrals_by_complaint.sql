-- A complaint's referrals are read on every event of the complaint (the resident's data, an
-- escalation, an erasure) and in its order: without this index each such read scanned every
-- referral the gateway ever kept. (IF NOT EXISTS: a district may build it CONCURRENTLY first.)
CREATE INDEX IF NOT EXISTS referrals_complaint ON referrals (complaint_id, seq);
