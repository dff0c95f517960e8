-- Idempotency keys belong to the complaint's village, in one namespace per source ('header':
-- the Idempotency-Key header; 'batch': a device's client_id in the offline sync; 'open311': the
-- digest of an Open311 form), no longer to the operator's token: a device resending after its
-- operator's token was reissued finds the complaint it sent before.
--
-- Existing rows were keyed by token hash with the batch's and Open311's keys prefixed
-- ("client:<id>", "open311:<digest>") in the header keys' namespace; the prefix tells the source.
-- Their village is the complaint's. Where two tokens of one village used one key, the oldest
-- record keeps it (a later resend with the other body is then answered 409).
-- The old `scope` column goes, so that a replica of the previous version fails on these rows
-- instead of missing them during a rolling update.

ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD COLUMN source text, ADD COLUMN village_code text;

UPDATE idempotency_keys k SET
    source = CASE
        WHEN k.key LIKE 'client:%' THEN 'batch'
        WHEN k.key LIKE 'open311:%' THEN 'open311'
        ELSE 'header'
    END,
    key = CASE
        WHEN k.key LIKE 'client:%' THEN substr(k.key, length('client:') + 1)
        WHEN k.key LIKE 'open311:%' THEN substr(k.key, length('open311:') + 1)
        ELSE k.key
    END,
    village_code = c.village_code
FROM complaints c
WHERE c.id = k.complaint_id;

DELETE FROM idempotency_keys k
USING idempotency_keys o
WHERE o.source = k.source AND o.village_code = k.village_code AND o.key = k.key
  AND (o.created_at, o.complaint_id) < (k.created_at, k.complaint_id);

ALTER TABLE idempotency_keys
    DROP COLUMN scope,
    ALTER COLUMN source SET NOT NULL,
    ALTER COLUMN village_code SET NOT NULL,
    ADD CONSTRAINT idempotency_keys_source CHECK (source IN ('header', 'batch', 'open311')),
    ADD CONSTRAINT idempotency_keys_village FOREIGN KEY (village_code) REFERENCES villages (code),
    ADD PRIMARY KEY (source, village_code, key);

-- Retention removes keys by age.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
