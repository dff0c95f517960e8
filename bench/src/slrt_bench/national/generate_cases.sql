-- The synthetic country's cases, written as monitoring's event handlers would write them.
-- :now is the moment of the load, :bounds the cumulative weights of the catalogue's services;
-- both are written in as literals (a multi-statement script takes no parameters).
-- Each uniform draw is a hash of (row number, salt): the same country whatever the plan's order.
CREATE FUNCTION pg_temp.u(i bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8(i * 97 + salt) & 2147483647)::float8 / 2147483648.0 $$;

CREATE TEMP TABLE syn_c AS
SELECT i, v.code AS village, v.kec, v.reg, v.q, received_at,
       CASE WHEN pg_temp.u(i, 2) < 0.08 + 0.2 * (1 - v.q) THEN 'offline_sync'
            WHEN pg_temp.u(i, 3) < 0.2 THEN 'home_visit'
            WHEN pg_temp.u(i, 3) < 0.3 THEN 'phone' ELSE 'walk_in' END AS channel,
       1 + (pg_temp.u(i, 4) > 0.7)::int + (pg_temp.u(i, 4) > 0.95)::int AS needs
FROM syn_villages v, generate_series(v.first, v.first + v.n - 1) AS i,
     LATERAL (SELECT :now
              - make_interval(secs => (0.1 + 364.9 * pg_temp.u(i, 1)) * 86400) AS received_at) t;

CREATE TEMP TABLE syn_need AS
SELECT c.i, j, c.received_at, c.q, s.code AS service, s.sla, s.agencies,
       (pg_temp.u(c.i * 4 + j, 6) < 0.06 AND cardinality(s.agencies) > 1
        AND c.received_at < :now - interval '3 days') AS bounced,
       c.received_at + make_interval(secs => 300 + 7200 * pg_temp.u(c.i * 4 + j, 7)) AS first_at
FROM syn_c c, generate_series(1, c.needs) AS j, syn_services s
WHERE s.idx = width_bucket(pg_temp.u(c.i * 4 + j, 5), :bounds);

CREATE TEMP TABLE syn_r AS
SELECT n.i, n.j, attempt, agency, n.service, dispatched_at, due_at, acknowledged_at,
       resolved_at, outcome, rejected,
       (coalesce(resolved_at, :now) > due_at AND NOT rejected)::int
       + (coalesce(resolved_at, :now) > due_at + interval '7 days' AND NOT rejected)::int
         AS escalations
FROM syn_need n,
LATERAL (
  SELECT 1 AS attempt, n.agencies[1] AS agency, n.first_at AS dispatched_at,
         n.first_at + make_interval(secs => n.sla * 1.4 * 86400) AS due_at,
         CASE WHEN pg_temp.u(n.i * 4 + n.j, 14) < 0.5
              THEN n.first_at + make_interval(secs => 86400 * 0.5 * pg_temp.u(n.i * 4 + n.j, 9))
         END AS acknowledged_at,
         NULL::timestamptz AS resolved_at, NULL AS outcome, true AS rejected
  WHERE n.bounced
  UNION ALL
  SELECT 1 + n.bounced::int, n.agencies[1 + n.bounced::int], d,
         d + make_interval(secs => n.sla * 1.4 * 86400),
         CASE WHEN pg_temp.u(n.i * 4 + n.j, 10) < 0.92
              AND least(ack, coalesce(res, ack)) <= :now THEN least(ack, coalesce(res, ack)) END,
         CASE WHEN res <= :now THEN res END,
         CASE WHEN res > :now OR res IS NULL THEN NULL
              WHEN pg_temp.u(n.i * 4 + n.j, 13) < 0.8 THEN 'resolved'
              WHEN pg_temp.u(n.i * 4 + n.j, 13) < 0.92 THEN 'partially_resolved'
              ELSE 'unresolvable' END,
         false
  FROM (SELECT n.first_at + CASE WHEN n.bounced
                 THEN make_interval(secs => 86400 * (1 + 2 * pg_temp.u(n.i * 4 + n.j, 8)))
                 ELSE interval '0' END AS d) dd,
  LATERAL (SELECT d + make_interval(
                    secs => 86400 * (0.05 + 2.95 * pg_temp.u(n.i * 4 + n.j, 9) ^ 2)) AS ack,
                  CASE WHEN pg_temp.u(n.i * 4 + n.j, 11) < 0.03 + 0.07 * (1 - n.q) THEN NULL
                       ELSE d + make_interval(secs => 86400 * n.sla * 1.4
                            * (0.15 + 1.7 * pg_temp.u(n.i * 4 + n.j, 12) ^ (1 + 2 * n.q)))
                  END AS res) times
) r;

INSERT INTO complaint_facts (complaint_id, village_code, kecamatan_code, regency_code, needs,
                             channel, received_at, recorded_at, closed_at)
SELECT md5('c' || c.i)::uuid, c.village, c.kec, c.reg, c.needs, c.channel, c.received_at,
       c.received_at - CASE WHEN c.channel = 'offline_sync'
         THEN make_interval(secs => 86400 * (0.5 + 9.5 * pg_temp.u(c.i, 5)))
         ELSE make_interval(secs => 3 * 3600 * pg_temp.u(c.i, 5)) END,
       done.closed_at
FROM syn_c c
JOIN (SELECT i, CASE WHEN bool_and(resolved_at IS NOT NULL) THEN max(resolved_at) END
             AS closed_at
      FROM syn_r WHERE NOT rejected GROUP BY i) done USING (i);

INSERT INTO referral_facts (referral_id, complaint_id, agency_code, service_code, dispatched_at,
                            due_at, acknowledged_at, resolved_at, outcome, rejected,
                            escalations, attempt)
SELECT md5('r' || i || ':' || j || ':' || attempt)::uuid, md5('c' || i)::uuid, agency, service,
       dispatched_at, due_at, acknowledged_at, resolved_at, outcome, rejected, escalations,
       attempt
FROM syn_r;
