-- The actions' idempotency records take the shape every service shares (slrt_shared.idempotency):
-- a scope, the client's key, the request's hash and the answer to replay. The gateway's scope is
-- the agency: its keys never meet another agency's. The answer is the action's result, as before.
--
-- Every row is copied, with its age, so a key remembered before the upgrade still replays and is
-- still forgotten after GATEWAY_ACTION_REQUEST_RETENTION_DAYS. The old table goes: a replica of
-- the previous version then fails on it instead of missing keys saved by a new one during a
-- rolling update, and no second copy of the agencies' notes outlives an erasure.

CREATE TABLE idempotency_keys (
    scope        text NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    response     jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at)
SELECT agency_code, idempotency_key, request_hash, response, created_at FROM action_requests;

DROP TABLE action_requests;

-- Retention removes keys by age; erasure removes the answers about a complaint's referrals.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
CREATE INDEX idempotency_keys_referral ON idempotency_keys ((response ->> 'referral_id'));
