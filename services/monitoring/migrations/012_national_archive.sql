-- Months before the one just closed stay stored country-wide too (`MONITORING_NATIONAL_MONTHS`),
-- built whole from the village-months by the archive job instead of followed event by event.
-- The ranking job counts, per month, the cycles that changed one of its village-months; a
-- stored month notes the count it was built from, read before its village-months were: a
-- month whose count is ahead of its build's was changed since.
CREATE TABLE national_month_changes (
    period  text PRIMARY KEY,
    changes bigint NOT NULL
);
ALTER TABLE national_rankings ADD COLUMN built_changes bigint NOT NULL DEFAULT 0;
