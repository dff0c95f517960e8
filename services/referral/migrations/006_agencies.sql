-- The agencies a routing rule may name: agency-gateway's registry as it announces it on
-- directory.agencies (the seed fills it from the catalogue first, upserting by code too).
CREATE TABLE agencies (
    code          text PRIMARY KEY,
    name_id       text NOT NULL,
    name_en       text NOT NULL,
    kind          text NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
);
