-- What the secretariat (a named person) or the admin did on a referral: the case's history.
-- Codes and dates only, like the rest of referral: no free text.
CREATE TABLE case_actions (
    id              bigserial PRIMARY KEY,
    referral_id     uuid NOT NULL REFERENCES referrals (id),
    complaint_id    uuid NOT NULL REFERENCES cases (complaint_id),
    action          text NOT NULL CHECK (action IN ('due_extended')),
    reason_code     text,
    due_before      timestamptz,
    due_after       timestamptz,
    account_id      uuid,
    by_name         text NOT NULL,
    at              timestamptz NOT NULL
);
CREATE INDEX case_actions_referral ON case_actions (referral_id, id);
