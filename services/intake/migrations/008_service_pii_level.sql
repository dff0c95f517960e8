-- Each service's pii_level, so intake reads its own catalogue rather than the reference CSV
-- at run time (which complaints Open311 lists publicly, what the tracking page names). The
-- seed fills it; until then a service counts as `special`, the level that discloses least.
ALTER TABLE services ADD COLUMN pii_level text NOT NULL DEFAULT 'special'
    CHECK (pii_level IN ('basic', 'sensitive', 'special'));
