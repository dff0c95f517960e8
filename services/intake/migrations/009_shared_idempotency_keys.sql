-- Idempotency keys take the shape every service shares (slrt_shared.idempotency): a scope, the
-- client's key, the request's hash and the answer to replay. Intake's scope is the key's source
-- and the complaint's village ('header:<village>', 'batch:<village>', 'open311:<village>'), so
-- the three namespaces and the village's ownership of its keys stay as they were; the answer is
-- the complaint the key registered.
--
-- Every row is copied, with its age, so a key remembered before the upgrade still replays and is
-- still forgotten on time. The old table goes: a replica of the previous version then fails on
-- it instead of missing keys saved by a new one during a rolling update, and no second copy of
-- the hashes outlives an erasure.

ALTER TABLE idempotency_keys RENAME TO idempotency_keys_by_village;
ALTER INDEX idempotency_keys_pkey RENAME TO idempotency_keys_by_village_pkey;
ALTER INDEX idempotency_keys_created_at RENAME TO idempotency_keys_by_village_created_at;

CREATE TABLE idempotency_keys (
    scope        text NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    response     jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at)
SELECT source || ':' || village_code, key, request_hash,
       jsonb_build_object('complaint_id', complaint_id), created_at
FROM idempotency_keys_by_village;

DROP TABLE idempotency_keys_by_village;

-- Retention removes keys by age; erasure removes a complaint's keys.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
CREATE INDEX idempotency_keys_complaint ON idempotency_keys ((response ->> 'complaint_id'));
