-- The country-wide ranking kept by area, not by position: each area's row (without its rank)
-- and the key that orders it (group: 0 ranked, 1 too few cases, 2 not active; then the score,
-- highest first; the caseload, largest first; the code). A cycle in which a few areas moved
-- rewrites only theirs; a reader numbers the rows along the index (`domain.ranking.Place`).
-- Codes compare byte by byte (COLLATE "C"), as the ranking orders them, and a kecamatan's
-- villages are read by prefix from the key.
CREATE TABLE national_ranking_areas (
    period   text NOT NULL,
    level    text NOT NULL,
    code     text COLLATE "C" NOT NULL,
    place    smallint NOT NULL,
    score    double precision NOT NULL,
    received int NOT NULL,
    row      jsonb NOT NULL,
    PRIMARY KEY (period, level, code)
);
CREATE INDEX national_ranking_areas_order
    ON national_ranking_areas (period, level, place, score DESC, received DESC, code);

-- The rankings by position are no longer written (a later release drops the table). A head
-- written by this release says so (`by_area`); readers of this release serve only those, so
-- while the release before's job may still write its heads during the roll, and until this
-- release's job first stores the rankings by area, they compute them on request instead.
ALTER TABLE national_rankings ADD COLUMN by_area boolean NOT NULL DEFAULT false;
