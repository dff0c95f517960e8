-- The complaints' list (GET /v1/complaints) pages newest first by (received_at, id): a village's
-- operator within the village, district staff across the regency. The new village index ends
-- with the id as well and so takes the place of complaints_village.
CREATE INDEX complaints_listed ON complaints (received_at, id);
CREATE INDEX complaints_village_listed ON complaints (village_code, received_at, id);
DROP INDEX complaints_village;

-- A device's client_id is the key of its complaint under the scope 'batch:<village>'; the list
-- finds a complaint by it without knowing the village.
CREATE INDEX idempotency_keys_client ON idempotency_keys (key) WHERE scope LIKE 'batch:%';

-- Who listed complaints (the list shows the resident's name and NIK masked), with which
-- filters, how many items and which complaints; kept for good like pii_reads, read by month.
CREATE TABLE complaint_lists (
    id            bigserial PRIMARY KEY,
    reader        text NOT NULL REFERENCES operators (token_hash),
    filters       jsonb NOT NULL,
    items         int NOT NULL,
    complaint_ids uuid[] NOT NULL,
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaint_lists_at ON complaint_lists (at);
