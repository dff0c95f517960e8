-- Personal accounts of the secretariat (per regency) and of kecamatan staff (per kecamatan): a
-- named person, issued and revoked by the admin. The token is kept only as its hash; every
-- request reads this table, so a revoked account is refused at once on every replica.
CREATE TABLE staff_accounts (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash  text NOT NULL UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('secretariat', 'kecamatan')),
    area_code   text NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX staff_accounts_area ON staff_accounts (area_code, created_at);
