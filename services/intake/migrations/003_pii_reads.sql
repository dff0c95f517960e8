-- Who read which resident's personal data through the API, and when.
CREATE TABLE pii_reads (
    id           bigserial PRIMARY KEY,
    reader       text NOT NULL REFERENCES operators (token_hash),
    complaint_id uuid NOT NULL REFERENCES complaints (id),
    fields       text[] NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pii_reads_complaint ON pii_reads (complaint_id, at);
