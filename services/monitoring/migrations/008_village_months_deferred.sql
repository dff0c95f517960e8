-- The facts' triggers only note which village-months went stale; whoever needs fresh rows
-- recomputes them: the ranking job once per cycle for every noted key (one statement), and a
-- reader reads the noted keys of its scope recomputed from the facts (without writing). A fact
-- upsert no longer recomputes its whole village-month under locks held until its batch commits.

-- Append-only (no key: no two writers ever wait on each other, duplicates are folded by the
-- reader). A complaint's change notes its village and month; a referral's notes its complaint,
-- resolved to a village-month when read: the complaint may not be committed yet, and once it
-- is, its own note brings the village-month back (with every referral committed by then).
CREATE TABLE village_month_stale (
    village_code text,
    month        date,
    complaint_id uuid
);

DROP TRIGGER complaint_facts_village_months ON complaint_facts;
DROP TRIGGER referral_facts_village_months ON referral_facts;
DROP FUNCTION complaint_facts_changed();
DROP FUNCTION referral_facts_changed();
DROP FUNCTION refresh_village_month(text, date);
DROP FUNCTION lock_complaint(uuid);
DROP FUNCTION rebuild_village_months();
-- `village_month_changes` stays, empty: the pods of the release before read it until the roll
-- ends (their ranking job then sees no change, and a new pod's takes over); a later release
-- drops it.

CREATE FUNCTION complaint_facts_noted() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.received_at IS NOT NULL
       AND (OLD.village_code, month_of(OLD.received_at))
           IS DISTINCT FROM (NEW.village_code, month_of(NEW.received_at)) THEN
        INSERT INTO village_month_stale (village_code, month)
        VALUES (OLD.village_code, month_of(OLD.received_at));
    END IF;
    IF NEW.received_at IS NOT NULL THEN
        INSERT INTO village_month_stale (village_code, month)
        VALUES (NEW.village_code, month_of(NEW.received_at));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION referral_facts_noted() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO village_month_stale (complaint_id) VALUES (NEW.complaint_id);
    IF TG_OP = 'UPDATE' AND OLD.complaint_id <> NEW.complaint_id THEN
        INSERT INTO village_month_stale (complaint_id) VALUES (OLD.complaint_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER complaint_facts_village_months AFTER INSERT OR UPDATE ON complaint_facts
    FOR EACH ROW EXECUTE FUNCTION complaint_facts_noted();
CREATE TRIGGER referral_facts_village_months AFTER INSERT OR UPDATE ON referral_facts
    FOR EACH ROW EXECUTE FUNCTION referral_facts_noted();

-- The village-months noted stale (as the statement's snapshot sees the notes and the facts); a
-- referral's note whose complaint is not there yet is left to the complaint's own note.
-- `OFFSET 0` keeps each lookup a probe of the complaint's key: a few notes must never cost a
-- scan of the country's complaints.
CREATE FUNCTION stale_village_months() RETURNS TABLE (village_code text, month date)
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT s.village_code, s.month FROM village_month_stale s WHERE s.complaint_id IS NULL
    UNION
    SELECT c.village_code, month_of(c.received_at)
    FROM (SELECT DISTINCT complaint_id FROM village_month_stale
          WHERE complaint_id IS NOT NULL) s
    CROSS JOIN LATERAL (SELECT f.village_code, f.received_at FROM complaint_facts f
                        WHERE f.complaint_id = s.complaint_id OFFSET 0) c
    WHERE c.received_at IS NOT NULL
$$;

-- The rows of some village-months as their facts say now, in one statement; a key without
-- complaints comes back with null arrays (its row is to go). Each key is read by its own index
-- probes (the aggregates keep the lateral reads apart), whatever the planner guesses of how
-- many keys there are. The SLA rule is `domain.measures.is_sla_judged`/`is_sla_met` (as in
-- adapters/aggregates.py): judged when due, not rejected, and resolved or past due (the clock
-- part is left to the reader: a null `ref_due_us` is never judged); met when resolved by its
-- due time.
CREATE FUNCTION village_months_of(villages text[], months date[])
RETURNS TABLE (village_code text, month date, kecamatan_code text, regency_code text,
               received_us bigint[], prompt boolean[], close_us bigint[],
               ref_received_us bigint[], ref_due_us bigint[], ref_resolved boolean[],
               ref_met boolean[], ref_escalations int[], ref_again boolean[])
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT k.v, k.m, ca.kec, ca.reg, ca.received_us, ca.prompt, ca.close_us,
           coalesce(ra.received_us, '{}'), coalesce(ra.due, '{}'), coalesce(ra.resolved, '{}'),
           coalesce(ra.met, '{}'), coalesce(ra.escalations, '{}'), coalesce(ra.again, '{}')
    FROM (SELECT DISTINCT u.v, u.m, (u.m::timestamp AT TIME ZONE 'UTC') AS since,
                 ((u.m + interval '1 month')::timestamp AT TIME ZONE 'UTC') AS until
          FROM unnest(villages, months) AS u(v, m)) k
    CROSS JOIN LATERAL (
        -- One aggregation each, so the arrays of one row stay aligned element by element.
        SELECT min(f.kecamatan_code) AS kec, min(f.regency_code) AS reg,
               array_agg(epoch_us(f.received_at)) AS received_us,
               array_agg(coalesce(f.received_at - f.recorded_at <= interval '1 day', false))
                 AS prompt,
               array_agg(CASE WHEN f.closed_at IS NOT NULL
                              THEN epoch_us(f.closed_at) - epoch_us(f.received_at) END)
                 AS close_us
        FROM complaint_facts f
        WHERE f.village_code = k.v AND f.received_at >= k.since AND f.received_at < k.until
    ) ca
    CROSS JOIN LATERAL (
        SELECT array_agg(epoch_us(f.received_at)) AS received_us,
               array_agg(CASE WHEN r.due_at IS NOT NULL AND NOT r.rejected
                              THEN epoch_us(r.due_at) END) AS due,
               array_agg(r.resolved_at IS NOT NULL) AS resolved,
               array_agg(coalesce(r.due_at IS NOT NULL AND NOT r.rejected
                                  AND r.resolved_at <= r.due_at, false)) AS met,
               array_agg(r.escalations) AS escalations, array_agg(r.attempt > 1) AS again
        FROM complaint_facts f JOIN referral_facts r USING (complaint_id)
        WHERE f.village_code = k.v AND f.received_at >= k.since AND f.received_at < k.until
    ) ra
$$;

-- Recompute every village-month noted stale, once each, and forget the notes; return the keys.
-- One refresher at a time: two with different snapshots could otherwise write one row in the
-- wrong order. The statement after the lock sees whatever a refresher before committed.
CREATE FUNCTION refresh_village_months() RETURNS TABLE (village_code text, month date)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
#variable_conflict use_column
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('monitoring:village-months:refresh', 0));
    RETURN QUERY WITH taken AS (
        DELETE FROM village_month_stale s RETURNING s.village_code, s.month, s.complaint_id
    ), keys AS MATERIALIZED (
        SELECT t.village_code AS v, t.month AS m FROM taken t WHERE t.complaint_id IS NULL
        UNION
        SELECT c.village_code, month_of(c.received_at)
        FROM (SELECT DISTINCT t.complaint_id FROM taken t WHERE t.complaint_id IS NOT NULL) t
        CROSS JOIN LATERAL (SELECT f.village_code, f.received_at FROM complaint_facts f
                            WHERE f.complaint_id = t.complaint_id OFFSET 0) c
        WHERE c.received_at IS NOT NULL
    ), fresh AS MATERIALIZED (
        SELECT * FROM village_months_of(ARRAY(SELECT k.v FROM keys k),
                                        ARRAY(SELECT k.m FROM keys k))
    ), gone AS (
        DELETE FROM village_months v USING fresh f
        WHERE v.village_code = f.village_code AND v.month = f.month AND f.received_us IS NULL
    ), put AS (
        INSERT INTO village_months (village_code, month, kecamatan_code, regency_code,
            received_us, prompt, close_us, ref_received_us, ref_due_us, ref_resolved, ref_met,
            ref_escalations, ref_again)
        SELECT f.village_code, f.month, f.kecamatan_code, f.regency_code, f.received_us,
               f.prompt, f.close_us, f.ref_received_us, f.ref_due_us, f.ref_resolved, f.ref_met,
               f.ref_escalations, f.ref_again
        FROM fresh f WHERE f.received_us IS NOT NULL
        ON CONFLICT ON CONSTRAINT village_months_pkey DO UPDATE SET
            kecamatan_code = EXCLUDED.kecamatan_code, regency_code = EXCLUDED.regency_code,
            received_us = EXCLUDED.received_us, prompt = EXCLUDED.prompt,
            close_us = EXCLUDED.close_us, ref_received_us = EXCLUDED.ref_received_us,
            ref_due_us = EXCLUDED.ref_due_us, ref_resolved = EXCLUDED.ref_resolved,
            ref_met = EXCLUDED.ref_met, ref_escalations = EXCLUDED.ref_escalations,
            ref_again = EXCLUDED.ref_again
    )
    SELECT k.v, k.m FROM keys k;
END $$;

-- Every village-month from the facts at once: the upgrade's backfill, and a bulk load's (which
-- disables the triggers while it inserts).
CREATE FUNCTION rebuild_village_months() RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
    TRUNCATE village_months, village_month_stale;
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
