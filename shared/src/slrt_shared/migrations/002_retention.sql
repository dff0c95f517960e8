-- Retention removes processed event ids by age.
CREATE INDEX inbox_processed_at ON inbox (processed_at);
