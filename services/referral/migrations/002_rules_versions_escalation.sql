-- Rules may be overridden per kecamatan; scope '' is the district-wide rule.
ALTER TABLE routing_rules ADD COLUMN scope text NOT NULL DEFAULT '';
ALTER TABLE routing_rules DROP CONSTRAINT routing_rules_pkey;
ALTER TABLE routing_rules ADD PRIMARY KEY (service_code, scope);
ALTER TABLE routing_rules ADD COLUMN updated_by text NOT NULL DEFAULT 'catalogue';

-- Every version of every rule, kept for audit: a referral names the version that chose it.
CREATE TABLE routing_rule_history (
    service_code     text NOT NULL,
    scope            text NOT NULL,
    version          int  NOT NULL,
    agencies         text[],
    sla_working_days int,
    removed          boolean NOT NULL DEFAULT false,
    changed_by       text NOT NULL,
    changed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_code, scope, version)
);
INSERT INTO routing_rule_history (service_code, scope, version, agencies, sla_working_days,
                                  changed_by)
SELECT service_code, scope, version, agencies, sla_working_days, 'catalogue' FROM routing_rules;

ALTER TABLE referrals ADD COLUMN rule_scope text NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN bounces int NOT NULL DEFAULT 0;
ALTER TABLE referrals ADD COLUMN sla_working_days int NOT NULL DEFAULT 7;
ALTER TABLE referrals ADD COLUMN escalation_level text;
ALTER TABLE referrals ADD COLUMN escalated_at timestamptz;
-- When the referral next breaches: its due time, then one more SLA period at the kecamatan.
ALTER TABLE referrals ADD COLUMN next_breach_at timestamptz;
UPDATE referrals SET next_breach_at = due_at WHERE outcome IS NULL;
CREATE INDEX referrals_next_breach ON referrals (next_breach_at) WHERE next_breach_at IS NOT NULL;
DROP INDEX IF EXISTS referrals_open_due;
