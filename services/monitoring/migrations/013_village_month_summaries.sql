-- A whole month's village ranking (one not stored country-wide, or an older month's build)
-- needs little of a village-month's arrays: its counts, the percentiles of its days to close,
-- and only its open complaints' receipts and its unresolved referrals' due times (those are
-- what `now` changes). Kept as generated columns, so every writer of a row (the refresh, the
-- bulk rebuild) keeps them and the upgrade computes them for the rows already there; a read
-- of 20,000 villages then moves scalars instead of half a million elements.

-- The q-th percentile (0-100) of a sorted array, computed as `domain.measures.percentile`
-- computes it before it rounds: the same float operations in the same order, so rounding the
-- result to two places in Python gives that function's figure exactly.
CREATE FUNCTION sorted_percentile(a float8[], q int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN coalesce(cardinality(a), 0) = 0 THEN NULL ELSE
        a[lo + 1] + (a[least(lo + 1, cardinality(a) - 1) + 1] - a[lo + 1]) * (pos - lo) END
    FROM (SELECT ((coalesce(cardinality(a), 1) - 1) * q)::float8 / 100 AS pos) p,
         LATERAL (SELECT floor(p.pos)::int AS lo) l
$$;

-- Durations in microseconds as days, sorted (nulls left out): `close / MICROSECONDS_PER_DAY`.
CREATE FUNCTION sorted_days(d bigint[]) RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(x::float8 / 86400000000 ORDER BY x), '{}')
    FROM unnest(d) x WHERE x IS NOT NULL
$$;

CREATE FUNCTION count_true(b boolean[]) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT count(*)::int FROM unnest(b) x WHERE x
$$;

CREATE FUNCTION count_not_null(v bigint[]) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT count(x)::int FROM unnest(v) x
$$;

CREATE FUNCTION total(v int[]) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(sum(x), 0)::int FROM unnest(v) x
$$;

-- The receipts of a month's complaints still open, newest first.
CREATE FUNCTION open_receipts(received_us bigint[], close_us bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(r ORDER BY r DESC), '{}')
    FROM unnest(received_us, close_us) u(r, c) WHERE c IS NULL
$$;

-- Referrals judged whatever the clock says (SLA-judgeable and resolved), and the due times of
-- the judgeable ones not resolved: judged once past due (`domain.measures.is_sla_judged`).
CREATE FUNCTION count_settled(due bigint[], resolved boolean[]) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT count(*)::int FROM unnest(due, resolved) u(d, r) WHERE d IS NOT NULL AND r
$$;

CREATE FUNCTION pending_due(due bigint[], resolved boolean[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(d), '{}')
    FROM unnest(due, resolved) u(d, r) WHERE d IS NOT NULL AND NOT r
$$;

ALTER TABLE village_months
    ADD COLUMN received int GENERATED ALWAYS AS (cardinality(received_us)) STORED,
    ADD COLUMN prompt_count int GENERATED ALWAYS AS (count_true(prompt)) STORED,
    ADD COLUMN closed int GENERATED ALWAYS AS (count_not_null(close_us)) STORED,
    ADD COLUMN close_p50 float8
        GENERATED ALWAYS AS (sorted_percentile(sorted_days(close_us), 50)) STORED,
    ADD COLUMN close_p90 float8
        GENERATED ALWAYS AS (sorted_percentile(sorted_days(close_us), 90)) STORED,
    ADD COLUMN open_us bigint[] GENERATED ALWAYS AS (open_receipts(received_us, close_us)) STORED,
    ADD COLUMN ref_settled int GENERATED ALWAYS AS (count_settled(ref_due_us, ref_resolved)) STORED,
    ADD COLUMN ref_pending_due_us bigint[]
        GENERATED ALWAYS AS (pending_due(ref_due_us, ref_resolved)) STORED,
    ADD COLUMN ref_met_count int GENERATED ALWAYS AS (count_true(ref_met)) STORED,
    ADD COLUMN ref_escalation_count int GENERATED ALWAYS AS (total(ref_escalations)) STORED,
    ADD COLUMN ref_again_count int GENERATED ALWAYS AS (count_true(ref_again)) STORED;
