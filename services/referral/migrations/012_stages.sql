-- A rule may define stages: ordered steps, each a referral to the stage's own agencies with its
-- own SLA ([{code, name_id, name_en, agencies, sla_working_days}, ...]; [] = a single step).
ALTER TABLE routing_rules ADD COLUMN stages jsonb NOT NULL DEFAULT '[]';
ALTER TABLE routing_rule_history ADD COLUMN stages jsonb NOT NULL DEFAULT '[]';

-- Which stage a referral is (null for a single-step need).
ALTER TABLE referrals ADD COLUMN stage text;
ALTER TABLE referrals ADD COLUMN stage_index int;
ALTER TABLE referrals ADD COLUMN stages_total int;

-- The stages a staged need passes, as its rule had them when the need was first routed: a rule
-- changed later does not move a need already on its way.
CREATE TABLE need_stages (
    complaint_id uuid NOT NULL REFERENCES cases (complaint_id),
    service_code text NOT NULL,
    stages       jsonb NOT NULL,
    rule_version int NOT NULL,
    PRIMARY KEY (complaint_id, service_code)
);
