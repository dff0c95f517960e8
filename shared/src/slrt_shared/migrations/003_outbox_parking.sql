-- A row the relay could not publish stays in the outbox, parked: why, how often, since when,
-- and when the relay tries again. The other rows of its key wait behind it, so a key's events
-- keep their order; rows of other keys go on.
ALTER TABLE outbox
    ADD COLUMN attempts        int         NOT NULL DEFAULT 0,
    ADD COLUMN last_error      text,
    ADD COLUMN first_failed_at timestamptz,
    ADD COLUMN last_failed_at  timestamptz,
    ADD COLUMN next_attempt_at timestamptz;

-- Parked rows are few: each relay pass looks up whether a row's key has one.
CREATE INDEX outbox_parked_keys ON outbox (key) WHERE next_attempt_at IS NOT NULL;
