-- The routing rules in force, as referral announces them on routing.rules (one row per rule:
-- scope '' the district's, else a kecamatan's override; a removed override stays as a
-- tombstone so an older event read late cannot bring it back). The seed fills it from the
-- catalogue with version 0, so the first announced version of each rule replaces that row.
CREATE TABLE routing_rules (
    service_code     text NOT NULL,
    scope            text NOT NULL,
    agencies         text[] NOT NULL,
    sla_working_days int,
    version          int NOT NULL,
    removed          boolean NOT NULL DEFAULT false,
    changed_at       timestamptz NOT NULL,
    PRIMARY KEY (service_code, scope)
);

-- The catalogue's names of each service, for the public directory.
ALTER TABLE services ADD COLUMN name_id text;
ALTER TABLE services ADD COLUMN name_en text;
