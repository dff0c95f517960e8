-- Each served regency's map, drawn once by the seed from the reference boundaries: its size in
-- SVG units, and an SVG path per village and per kecamatan outline. Reference data, like
-- `regions`: not a projection that `rebuild` empties.
CREATE TABLE region_maps (
    regency_code text PRIMARY KEY,
    width        int NOT NULL,
    height       int NOT NULL
);
CREATE TABLE region_shapes (
    code         text PRIMARY KEY,
    regency_code text NOT NULL REFERENCES region_maps (regency_code) ON DELETE CASCADE,
    level        text NOT NULL,
    path         text NOT NULL
);
CREATE INDEX region_shapes_regency ON region_shapes (regency_code, level);
