-- Keys get a public id so the admin can list, rotate and revoke them without seeing them.
ALTER TABLE agency_keys ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE;

-- One webhook per agency. The secret signs deliveries, so it is kept (never shown again).
CREATE TABLE webhooks (
    agency_code text PRIMARY KEY REFERENCES agencies (code),
    url         text NOT NULL,
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every delivery, written in the transaction of the change it announces: never lost.
CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY,
    agency_code      text NOT NULL REFERENCES agencies (code),
    referral_id      uuid NOT NULL,
    event_type       text NOT NULL,
    payload          text NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'delivered', 'parked')),
    attempts         int  NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_status_code int,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_agency ON webhook_deliveries (agency_code, created_at);
