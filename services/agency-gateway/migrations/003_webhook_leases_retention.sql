-- Deliveries are claimed under a lease and posted outside any transaction: the lease keeps other
-- replicas off a delivery in flight and expires when its worker dies; the token lets only the
-- lease's holder record the outcome. `seq` orders the deliveries of one referral.
ALTER TABLE webhook_deliveries
    ADD COLUMN seq          bigserial,
    ADD COLUMN leased_until timestamptz,
    ADD COLUMN lease_token  uuid,
    ADD COLUMN parked_at    timestamptz,
    ADD COLUMN purged_at    timestamptz,
    ALTER COLUMN payload DROP NOT NULL;

-- A payload (it holds the resident's data) is purged a while after delivery or parking; the log
-- row stays. What is still to be sent always has its payload.
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_payload_kept
    CHECK (status <> 'pending' OR payload IS NOT NULL);
-- Parking set next_attempt_at to the moment of the last try: the best date there is.
UPDATE webhook_deliveries SET parked_at = next_attempt_at WHERE status = 'parked';

DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_lane ON webhook_deliveries (agency_code, next_attempt_at, seq)
    WHERE status = 'pending';
-- What is in flight per agency (a lease is cleared when its outcome is recorded).
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (agency_code, leased_until)
    WHERE leased_until IS NOT NULL;
CREATE INDEX webhook_deliveries_referral ON webhook_deliveries (agency_code, referral_id, seq)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_delivered_payload ON webhook_deliveries (delivered_at)
    WHERE status = 'delivered' AND payload IS NOT NULL;
CREATE INDEX webhook_deliveries_parked_payload ON webhook_deliveries (parked_at)
    WHERE status = 'parked' AND payload IS NOT NULL;

-- Idempotency records are pruned by age.
CREATE INDEX action_requests_created ON action_requests (created_at);

-- The audit log is kept for good and read a month at a time.
CREATE INDEX audit_log_at ON audit_log (at);
