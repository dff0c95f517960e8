-- Which agencies handle a service, in order, and its SLA; versioned so each referral can say
-- which rule chose it.
CREATE TABLE routing_rules (
    service_code     text PRIMARY KEY,
    agencies         text[] NOT NULL CHECK (cardinality(agencies) > 0),
    sla_working_days int    NOT NULL CHECK (sla_working_days > 0),
    version          int    NOT NULL DEFAULT 1,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_tokens (
    token_hash   text PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('district', 'admin')),
    regency_code text
);

CREATE TABLE cases (
    complaint_id uuid PRIMARY KEY,
    ticket       text NOT NULL,
    village_code text NOT NULL,
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    opened_at    timestamptz NOT NULL,
    closed_at    timestamptz
);

CREATE TABLE referrals (
    id            uuid PRIMARY KEY,
    complaint_id  uuid NOT NULL REFERENCES cases (complaint_id),
    service_code  text NOT NULL,
    agency_code   text NOT NULL,
    attempt       int  NOT NULL,
    status        text NOT NULL,
    rule_version  int  NOT NULL,
    dispatched_at timestamptz NOT NULL,
    due_at        timestamptz NOT NULL,
    outcome       text,
    note          text,
    resolved_at   timestamptz,
    UNIQUE (complaint_id, service_code, attempt)
);
CREATE INDEX referrals_open_due ON referrals (due_at) WHERE outcome IS NULL;

-- Transitions refused by the state machine: kept, answered, never crashing a consumer.
CREATE TABLE transition_log (
    id          bigserial PRIMARY KEY,
    referral_id uuid NOT NULL,
    event_id    uuid NOT NULL,
    from_status text,
    to_status   text NOT NULL,
    reason      text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
