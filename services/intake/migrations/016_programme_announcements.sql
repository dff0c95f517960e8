-- Each registry row remembers the change it last announced (programme.facilitators,
-- programme.targets). A save of this version announces in its own transaction and stamps
-- `announced_at = updated_at`; a row from before this version (NULL), or one an older replica
-- saved during a rolling upgrade (its `updated_at` moved on without a stamp), is announced once
-- by the catch-up every replica runs (`programmes.announce_registries`), rows locked so that two
-- replicas never announce the same change.
ALTER TABLE facilitators ADD COLUMN announced_at timestamptz;
ALTER TABLE programme_targets ADD COLUMN announced_at timestamptz;
