-- Agencies' names for the agency ranking: agency-gateway's registry as announced on
-- directory.agencies (the seed fills it from the catalogue first, upserting by code too).
-- Not a projection that `rebuild` empties: a replay only upserts it again.
CREATE TABLE agencies (
    code          text PRIMARY KEY,
    name_id       text NOT NULL,
    name_en       text NOT NULL,
    kind          text NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
);
