-- Each village's complaints of one UTC month (by received_at) and their referrals, as arrays of
-- what the measures need: the rankings read one row per village and month instead of scanning
-- the facts. Kept by triggers on the facts, so the projection's statement keeps them (no extra
-- round trip), and recomputed from the facts of that village and month each time, so any order
-- of events lands as the facts say. Elements carry their complaint's receipt (in
-- microseconds since 2020) so a window that cuts a month (the last 30 days) filters them.
CREATE TABLE village_months (
    village_code    text     NOT NULL,
    month           date     NOT NULL,
    kecamatan_code  text     NOT NULL,
    regency_code    text     NOT NULL,
    -- one element per complaint
    received_us     bigint[] NOT NULL,   -- microseconds since 2020
    prompt          boolean[] NOT NULL,  -- registered within a day of receipt
    close_us        bigint[] NOT NULL,   -- closed_at - received_at; null while open
    -- one element per referral of those complaints
    ref_received_us bigint[] NOT NULL,   -- its complaint's received_at
    ref_due_us      bigint[] NOT NULL,   -- due_at when SLA-judgeable (due, not rejected)
    ref_resolved    boolean[] NOT NULL,
    ref_met         boolean[] NOT NULL,  -- resolved by its due time
    ref_escalations int[]    NOT NULL,
    ref_again       boolean[] NOT NULL,  -- a re-referral (attempt > 1)
    PRIMARY KEY (village_code, month)
);
CREATE INDEX village_months_month ON village_months (month);

-- Village-months changed since the ranking job last read them. Append-only (no key, so no two
-- writers ever wait on each other); the job deletes what it reads.
CREATE TABLE village_month_changes (
    village_code text NOT NULL,
    month        date NOT NULL
);

-- Microseconds since 2020 (not 1970): moments of this century as 15 digits, never a number a
-- scan for NIKs (16 digits) would take for one.
CREATE FUNCTION epoch_us(t timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (extract(epoch FROM t - timestamptz '2020-01-01 00:00:00+00') * 1000000)::bigint $$;

CREATE FUNCTION month_of(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT date_trunc('month', t AT TIME ZONE 'UTC')::date $$;

-- The SLA rule is `domain.measures.is_sla_judged`/`is_sla_met` (as in adapters/aggregates.py):
-- judged when due, not rejected, and resolved or past due (the clock part is left to the
-- reader: a null `ref_due_us` is never judged); met when resolved by its due time.
CREATE FUNCTION refresh_village_month(v text, m date) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    -- One writer per village-month at a time; the next statement reads after the lock, so it
    -- sees whatever a writer before it committed.
    PERFORM pg_advisory_xact_lock(hashtextextended('monitoring:village-month:' || v || ':' || m, 0));
    WITH c AS (
        SELECT complaint_id, kecamatan_code, regency_code, epoch_us(received_at) AS r_us,
               coalesce(received_at - recorded_at <= interval '1 day', false) AS prompt,
               CASE WHEN closed_at IS NOT NULL THEN epoch_us(closed_at) - epoch_us(received_at)
               END AS close_us
        FROM complaint_facts
        WHERE village_code = v AND received_at >= (m::timestamp AT TIME ZONE 'UTC')
          AND received_at < ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC')
    ), r AS (
        SELECT c.r_us,
               CASE WHEN f.due_at IS NOT NULL AND NOT f.rejected THEN epoch_us(f.due_at) END AS due,
               f.resolved_at IS NOT NULL AS resolved,
               coalesce(f.due_at IS NOT NULL AND NOT f.rejected AND f.resolved_at <= f.due_at, false)
                 AS met,
               f.escalations, f.attempt > 1 AS again
        FROM c JOIN referral_facts f USING (complaint_id)
    ), ca AS (
        -- One scan each, so the arrays of one row stay aligned element by element.
        SELECT min(kecamatan_code) AS kec, min(regency_code) AS reg,
               array_agg(r_us) AS received_us, array_agg(prompt) AS prompt,
               array_agg(close_us) AS close_us
        FROM c
    ), ra AS (
        SELECT coalesce(array_agg(r_us), '{}') AS ref_received_us,
               coalesce(array_agg(due), '{}') AS ref_due_us,
               coalesce(array_agg(resolved), '{}') AS ref_resolved,
               coalesce(array_agg(met), '{}') AS ref_met,
               coalesce(array_agg(escalations), '{}') AS ref_escalations,
               coalesce(array_agg(again), '{}') AS ref_again
        FROM r
    ), agg AS (
        SELECT * FROM ca, ra
    ), gone AS (
        DELETE FROM village_months
        WHERE village_code = v AND month = m AND (SELECT received_us FROM agg) IS NULL
    )
    INSERT INTO village_months (village_code, month, kecamatan_code, regency_code, received_us,
        prompt, close_us, ref_received_us, ref_due_us, ref_resolved, ref_met, ref_escalations,
        ref_again)
    SELECT v, m, kec, reg, received_us, prompt, close_us, ref_received_us, ref_due_us,
           ref_resolved, ref_met, ref_escalations, ref_again
    FROM agg WHERE received_us IS NOT NULL
    ON CONFLICT (village_code, month) DO UPDATE SET
        kecamatan_code = EXCLUDED.kecamatan_code, regency_code = EXCLUDED.regency_code,
        received_us = EXCLUDED.received_us, prompt = EXCLUDED.prompt,
        close_us = EXCLUDED.close_us, ref_received_us = EXCLUDED.ref_received_us,
        ref_due_us = EXCLUDED.ref_due_us, ref_resolved = EXCLUDED.ref_resolved,
        ref_met = EXCLUDED.ref_met, ref_escalations = EXCLUDED.ref_escalations,
        ref_again = EXCLUDED.ref_again;
    INSERT INTO village_month_changes (village_code, month) VALUES (v, m);
END $$;

-- A complaint's events and its referrals' events are read from different topics, by
-- concurrent transactions: both sides first take the complaint's lock, so a referral written
-- before its complaint is seen is counted by whichever of the two commits last.
CREATE FUNCTION lock_complaint(id uuid) RETURNS void LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(hashtextextended('monitoring:complaint:' || id, 0))
$$;

CREATE FUNCTION complaint_facts_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM lock_complaint(NEW.complaint_id);
    IF TG_OP = 'UPDATE' AND OLD.received_at IS NOT NULL
       AND (OLD.village_code, month_of(OLD.received_at))
           IS DISTINCT FROM (NEW.village_code, month_of(NEW.received_at)) THEN
        PERFORM refresh_village_month(OLD.village_code, month_of(OLD.received_at));
    END IF;
    IF NEW.received_at IS NOT NULL THEN
        PERFORM refresh_village_month(NEW.village_code, month_of(NEW.received_at));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION referral_facts_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    c record;
BEGIN
    PERFORM lock_complaint(NEW.complaint_id);
    -- Read after the lock: the complaint as committed by whoever held it.
    SELECT village_code, received_at INTO c FROM complaint_facts
    WHERE complaint_id = NEW.complaint_id;
    IF FOUND AND c.received_at IS NOT NULL THEN
        PERFORM refresh_village_month(c.village_code, month_of(c.received_at));
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.complaint_id <> NEW.complaint_id THEN
        SELECT village_code, received_at INTO c FROM complaint_facts
        WHERE complaint_id = OLD.complaint_id;
        IF FOUND AND c.received_at IS NOT NULL THEN
            PERFORM refresh_village_month(c.village_code, month_of(c.received_at));
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER complaint_facts_village_months AFTER INSERT OR UPDATE ON complaint_facts
    FOR EACH ROW EXECUTE FUNCTION complaint_facts_changed();
CREATE TRIGGER referral_facts_village_months AFTER INSERT OR UPDATE ON referral_facts
    FOR EACH ROW EXECUTE FUNCTION referral_facts_changed();

-- Every village-month from the facts at once: the upgrade's backfill, and a bulk load's (which
-- disables the triggers while it inserts).
CREATE FUNCTION rebuild_village_months() RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
    TRUNCATE village_months, village_month_changes;
    INSERT INTO village_months
    SELECT c.village_code, c.month, min(c.kecamatan_code), min(c.regency_code),
           array_agg(c.r_us), array_agg(c.prompt), array_agg(c.close_us),
           '{}', '{}', '{}', '{}', '{}', '{}'
    FROM (SELECT village_code, month_of(received_at) AS month, kecamatan_code, regency_code,
                 epoch_us(received_at) AS r_us,
                 coalesce(received_at - recorded_at <= interval '1 day', false) AS prompt,
                 CASE WHEN closed_at IS NOT NULL
                      THEN epoch_us(closed_at) - epoch_us(received_at) END AS close_us
          FROM complaint_facts WHERE received_at IS NOT NULL) c
    GROUP BY 1, 2;
    UPDATE village_months v SET ref_received_us = r.received_us, ref_due_us = r.due,
           ref_resolved = r.resolved, ref_met = r.met, ref_escalations = r.escalations,
           ref_again = r.again
    FROM (SELECT c.village_code, month_of(c.received_at) AS month,
                 array_agg(epoch_us(c.received_at)) AS received_us,
                 array_agg(CASE WHEN f.due_at IS NOT NULL AND NOT f.rejected
                                THEN epoch_us(f.due_at) END) AS due,
                 array_agg(f.resolved_at IS NOT NULL) AS resolved,
                 array_agg(coalesce(f.due_at IS NOT NULL AND NOT f.rejected
                                    AND f.resolved_at <= f.due_at, false)) AS met,
                 array_agg(f.escalations) AS escalations, array_agg(f.attempt > 1) AS again
          FROM referral_facts f JOIN complaint_facts c USING (complaint_id)
          WHERE c.received_at IS NOT NULL GROUP BY 1, 2) r
    WHERE v.village_code = r.village_code AND v.month = r.month;
$$;

SELECT rebuild_village_months();
