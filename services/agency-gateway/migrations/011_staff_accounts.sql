-- Personal accounts of agency staff: a named person of one agency with a role. The token is
-- kept only as its hash; a revoked account is refused at once (the keys' channel is told).
CREATE TABLE staff_accounts (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash  text NOT NULL UNIQUE,
    agency_code text NOT NULL REFERENCES agencies (code),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role        text NOT NULL CHECK (role IN ('officer', 'viewer', 'supervisor')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX staff_accounts_agency ON staff_accounts (agency_code, created_at);

CREATE TRIGGER staff_accounts_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON staff_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION notify_agency_keys_changed();

-- Which person read the personal data (null: the agency's system key).
ALTER TABLE audit_log ADD COLUMN account_id uuid;

-- Every action taken on a referral and by whom (null account: the agency's system key). Codes
-- only: the agency's free-text note stays on the referral, as before.
CREATE TABLE referral_actions (
    id          bigserial PRIMARY KEY,
    referral_id uuid NOT NULL,
    agency_code text NOT NULL,
    account_id  uuid,
    action      text NOT NULL,
    status      text NOT NULL,
    outcome     text,
    reason_code text,
    at          timestamptz NOT NULL
);
CREATE INDEX referral_actions_referral ON referral_actions (referral_id, id);
