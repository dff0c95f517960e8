-- Reads of personal data are kept for good and read a month at a time.
CREATE INDEX pii_reads_at ON pii_reads (at);
