-- A regency's complaints of a period are read by range: without this index every ranking
-- request scans every complaint of the country.
CREATE INDEX complaint_facts_regency ON complaint_facts (regency_code, received_at);
-- The rolling window of the whole country is read by time alone.
CREATE INDEX complaint_facts_received ON complaint_facts (received_at);

-- The country-wide (or all served regencies') ranking, computed by the ranking job: too large
-- for one Kafka record or one JSON document, so its rows are stored one by one and read a page
-- at a time.
CREATE TABLE national_rankings (
    period      text NOT NULL,
    level       text NOT NULL,
    summary     jsonb NOT NULL,
    total       int NOT NULL,
    computed_at timestamptz NOT NULL,
    PRIMARY KEY (period, level)
);
CREATE TABLE national_ranking_rows (
    period   text NOT NULL,
    level    text NOT NULL,
    position int  NOT NULL,
    code     text NOT NULL,
    row      jsonb NOT NULL,
    PRIMARY KEY (period, level, position)
);
CREATE INDEX national_ranking_rows_code ON national_ranking_rows (period, level, code text_pattern_ops);
