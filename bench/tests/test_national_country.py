"""The national-scale benchmark's synthetic country, its caseload and the events that tell it."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from slrt_bench.national.country import synthetic_regions, village_plan
from slrt_bench.national.events import case_events, new_complaint
from slrt_bench.national.load import generate_cases_sql
from slrt_bench.national.timing import month_back, summary
from slrt_shared import reference
from slrt_shared.contracts import topics
from slrt_shared.contracts.events import ComplaintCreated, ReferralDispatched


def test_the_country_has_the_asked_villages_each_under_a_region_of_its_own() -> None:
    regions = synthetic_regions(5_000, seed=3)
    codes = [r.code for r in regions]
    assert len(codes) == len(set(codes))
    assert sum(1 for r in regions if r.level == "village") == 5_000
    known = set(codes)
    assert all(r.parent_code in known for r in regions if r.level != "province")
    assert set(reference.regions()) <= known


def test_the_same_seed_gives_the_same_country_and_caseload() -> None:
    first = synthetic_regions(2_000, seed=11)
    assert first == synthetic_regions(2_000, seed=11)
    assert village_plan(first, 50_000, seed=11) == village_plan(first, 50_000, seed=11)


def test_indonesia_s_size_gives_its_proportions() -> None:
    regions = synthetic_regions(83_000, seed=2025)
    levels = {level: sum(1 for r in regions if r.level == level) for level in
              ("province", "regency", "district", "village")}  # fmt: skip
    assert levels == {"province": 38, "regency": 512, "district": 7195, "village": 83_000}


def test_the_plan_numbers_every_complaint_once() -> None:
    regions = synthetic_regions(1_000, seed=5)
    plan = village_plan(regions, 30_001, seed=5)
    assert sum(p.complaints for p in plan) == 30_001
    assert [p.first for p in plan] == [1, *(p.first + p.complaints for p in plan[:-1])]
    assert all(p.code.startswith(p.kecamatan + ".") and p.kecamatan.startswith(p.regency + ".")
               for p in plan)  # fmt: skip


def test_the_generating_script_has_its_values_written_in() -> None:
    sql = generate_cases_sql(datetime(2026, 6, 1, tzinfo=UTC), [0.25, 0.5])
    assert ":now" not in sql and ":bounds" not in sql
    assert "'2026-06-01T00:00:00+00:00'::timestamptz" in sql
    assert "ARRAY[0.25,0.5]::float8[]" in sql


def test_a_rejected_then_resolved_case_is_told_in_order() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    cid, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    referral = {"service_code": "PKH", "due_at": now + timedelta(days=7), "escalations": 1,
                "acknowledged_at": None, "resolved_at": None, "outcome": None}  # fmt: skip
    referrals = [
        {**referral, "referral_id": first, "agency_code": "DINSOS", "attempt": 1,
         "dispatched_at": now, "rejected": True, "escalations": 0},
        {**referral, "referral_id": second, "agency_code": "PKH", "attempt": 2,
         "dispatched_at": now + timedelta(days=1), "rejected": False,
         "resolved_at": now + timedelta(days=9), "outcome": "resolved"},
    ]  # fmt: skip
    complaint = {"complaint_id": cid, "village_code": "32.15.01.1001", "needs": 1,
                 "channel": "walk_in", "received_at": now, "recorded_at": now,
                 "closed_at": now + timedelta(days=9)}  # fmt: skip
    told = case_events(complaint, referrals)
    assert [e.topic for e in told] == [
        topics.COMPLAINT_CREATED,
        topics.REFERRAL_DISPATCHED,
        topics.REFERRAL_UPDATED,
        topics.REFERRAL_DISPATCHED,
        topics.REFERRAL_ESCALATED,
        topics.CASE_RESOLVED,
        topics.COMPLAINT_CLOSED,
    ]
    assert all(getattr(e, "complaint_id", None) == cid for e in told)


def test_a_new_complaint_is_dispatched_to_its_service_s_first_agency() -> None:
    cid, told = new_complaint("32.15.01.1001", random.Random(1))
    created, dispatched = told
    assert isinstance(created, ComplaintCreated) and isinstance(dispatched, ReferralDispatched)
    assert created.complaint_id == dispatched.complaint_id == cid
    assert created.needs == [dispatched.service_code]
    assert dispatched.agency_code == reference.services()[dispatched.service_code].agencies[0]


def test_summary_of_no_samples_and_of_some() -> None:
    assert summary([])["n"] == 0
    figures = summary([float(n) for n in range(1, 101)])
    assert (figures["p50"], figures["p95"], figures["p99"], figures["max"]) == (50.5, 95, 99, 100)


def test_the_months_back_that_are_timed() -> None:
    now = datetime(2026, 1, 20, tzinfo=UTC)
    assert [month_back(now, b) for b in (0, 1, 2, 12, 13)] == [
        "2026-01",
        "2025-12",
        "2025-11",
        "2025-01",
        "2024-12",
    ]
