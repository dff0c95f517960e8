"""The lived-in demo's plan: deterministic, accepted by intake's rules, a realistic spread."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import cache

from intake.domain.complaints import _PHONE, normalise_phone
from intake.domain.nik import problem
from slrt_devstack import demo
from slrt_shared import reference
from slrt_shared.contracts.reasons import is_reason_code
from slrt_shared.contracts.referral_states import OUTCOMES, may_become

ANCHOR = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
REGENCY = "32.15"


MONTHS = 3
START = ANCHOR - timedelta(days=30 * MONTHS)


@cache
def district(seed: str = "karawang", scale: float = 1.0) -> list[demo.Village]:
    return demo.plan_district(demo.regency_villages(REGENCY), seed, ANCHOR, MONTHS, scale)


def test_the_same_seed_and_anchor_give_the_same_plan_and_another_seed_another() -> None:
    assert district() == district()
    assert district() != district("kendal")


def test_every_client_id_is_unique_and_names_the_seed_and_village() -> None:
    ids = [c.client_id for v in district() for c in v.complaints]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("demo-karawang:32.15.") for i in ids)


def test_every_resident_passes_intakes_nik_and_phone_rules() -> None:
    kecamatan = frozenset(r.code for r in reference.regions().values() if r.level == "district")
    regencies = frozenset(r.code for r in reference.regions().values() if r.level == "regency")
    for village in district():
        for c in village.complaints:
            assert problem(c.resident.nik, kecamatan, regencies) is None, c.resident.nik
            assert c.resident.nik[:6] == village.code.replace(".", "")[:6]
            assert _PHONE.match(normalise_phone(c.resident.phone)), c.resident.phone


def test_needs_come_from_the_catalogue_and_recordings_from_the_window() -> None:
    catalogue = reference.services()
    for village in district():
        for c in village.complaints:
            assert c.needs and len(set(c.needs)) == len(c.needs)
            assert all(n in catalogue for n in c.needs)
            assert START <= c.recorded_at < c.synced_at <= ANCHOR


def month_counts(village: demo.Village) -> Counter[str]:
    return Counter(f"{c.synced_at:%Y-%m}" for c in village.complaints)


def test_most_villages_have_enough_cases_a_month_to_be_ranked_busy_quiet_struggling() -> None:
    villages = district()
    assert len(villages) == 309
    # Monitoring counts a complaint in the month it arrived: October and November are whole.
    for month in ("2026-10", "2026-11"):
        ranked = sum(1 for v in villages if month_counts(v)[month] >= 5)
        assert ranked >= 0.6 * len(villages), month
    kinds = Counter(v.kind for v in villages)
    assert set(kinds) == {"busy", "steady", "quiet", "struggling", "dormant"}
    assert kinds["struggling"] >= 20
    sizes = sorted(len(v.complaints) for v in villages)
    assert sizes[0] <= 3 and sizes[-1] >= 30


def test_a_struggling_village_syncs_late_and_a_busy_one_mostly_within_the_day() -> None:
    def prompt_share(kind: str) -> float:
        cs = [c for v in district() if v.kind == kind for c in v.complaints]
        return sum(1 for c in cs if c.synced_at - c.recorded_at <= timedelta(days=1)) / len(cs)

    assert prompt_share("struggling") < 0.25 < 0.5 < prompt_share("busy")


def test_a_struggling_village_syncs_its_backlog_in_few_batches_weeks_apart() -> None:
    villages = district()
    syncs = demo.batches(villages)
    assert syncs == sorted(syncs, key=lambda b: b.synced_at)
    assert sum(len(b.complaints) for b in syncs) == sum(len(v.complaints) for v in villages)
    assert all(len(b.complaints) <= demo.BATCH_SIZE for b in syncs)
    assert all(c.synced_at == b.synced_at for b in syncs for c in b.complaints)
    for village in villages:
        if village.kind != "struggling":
            continue
        days = sorted({b.synced_at for b in syncs if b.village_code == village.code})
        late = [
            d
            for d in days
            if any(
                c.synced_at == d
                for c in village.complaints
                if d - c.recorded_at > timedelta(days=1)
            )
        ]
        gaps = [b - a for a, b in itertools.pairwise(late)]
        assert all(g >= timedelta(days=10) for g in gaps), (village.code, gaps)
        assert len(late) <= 9


@cache
def referral_plans() -> list[tuple[str, int, tuple[demo.Step, ...]]]:
    plans = []
    for village in district():
        for c in village.complaints:
            for need in c.needs:
                for attempt, agency in enumerate(reference.services()[need].agencies, 1):
                    steps = demo.plan_referral(
                        "karawang", c.client_id, need, attempt, agency, village.kind
                    )
                    plans.append((agency, attempt, steps))
    return plans


def test_each_agency_plan_is_a_walk_the_referral_states_allow() -> None:
    for _, _, steps in referral_plans():
        status = "dispatched"
        for step in steps:
            target = demo.REACHES[step.action]
            assert may_become(status, target), (status, steps)  # type: ignore[arg-type]
            status = target
        for step in steps:
            if step.action == "reject":
                assert is_reason_code(step.body["reason_code"])
            if step.action == "resolve":
                assert step.body["outcome"] in OUTCOMES


def test_agencies_differ_some_reject_some_leave_cases_open_and_none_rejects_forever() -> None:
    fates: dict[str, Counter[str]] = {}
    for agency, attempt, steps in referral_plans():
        last = steps[-1].action if steps else "open"
        fates.setdefault(agency, Counter())[last] += 1
        if attempt > demo.MAX_REJECTIONS:
            assert last != "reject"
    bpjs, dukcapil = fates["BPJSKES"], fates["DISDUKCAPIL"]
    assert bpjs["reject"] / sum(bpjs.values()) > 2 * dukcapil["reject"] / sum(dukcapil.values())
    assert all(f["open"] + f["progress"] + f["acknowledge"] > 0 for f in fates.values())
    assert sum(1 for f in fates.values() if f["reject"]) >= 5


def test_slow_desks_act_after_weeks_prompt_ones_within_days_each_step_after_the_last() -> None:
    first: dict[str, list[float]] = {}
    for agency, _, steps in referral_plans():
        if steps:
            first.setdefault(agency, []).append(steps[0].after / timedelta(days=1))
        afters = [s.after for s in steps]
        assert afters == sorted(afters) and all(a >= timedelta(hours=1) for a in afters)

    def median(agency: str) -> float:
        days = sorted(first[agency])
        return days[len(days) // 2]

    assert median("DINKES") < 3 < 14 < median("DISPERKIM")
    assert median("BPJSKES") > 5  # beyond JKN-PBI's 5 working days often: escalated
    spread = sorted(first["DINSOS"])
    assert spread[len(spread) // 10] * 3 < spread[9 * len(spread) // 10]


def test_the_replay_rate_makes_the_months_take_the_minutes_asked() -> None:
    rate = demo.replay_rate(3, 8)
    assert (90 * 86400) / (rate - 1) == 8 * 60
    try:
        demo.replay_rate(3, 0)
    except ValueError:
        return
    raise AssertionError("0 minutes accepted")


def test_what_a_referral_status_shows_done_is_not_planned_again() -> None:
    steps = (
        demo.Step("acknowledge"),
        demo.Step("progress"),
        demo.Step("resolve", {"outcome": "resolved"}),
    )
    assert [n for n, _ in demo.remaining(steps, "dispatched")] == [0, 1, 2]
    assert [n for n, _ in demo.remaining(steps, "acknowledged")] == [1, 2]
    assert [n for n, _ in demo.remaining(steps, "in_progress")] == [2]
    assert demo.remaining(steps, "resolved") == []
    assert demo.remaining((demo.Step("reject", {"reason_code": "lainnya"}),), "rejected") == []


def test_a_complaint_body_is_what_the_offline_batch_takes() -> None:
    c = district()[0].complaints[0]
    body = c.body()
    assert set(body) == {
        "client_id",
        "village_code",
        "needs",
        "description",
        "recorded_at",
        "resident",
    }
    assert datetime.fromisoformat(str(body["recorded_at"])).tzinfo is not None


NOW = ANCHOR + timedelta(hours=2)


def test_a_second_run_keeps_the_first_runs_anchor_and_size_and_takes_what_is_given() -> None:
    first = demo.settings_for({"villages": 40}, {}, NOW)
    assert first.anchor == NOW.replace(second=0, microsecond=0)
    kept = first.as_json()
    again = demo.settings_for({"seed": None, "anchor": None}, kept, NOW + timedelta(days=3))
    assert again == first
    assert demo.settings_for({"scale": 0.5}, kept, NOW).scale == 0.5


def test_an_anchor_ahead_of_now_or_without_a_time_zone_is_refused() -> None:
    for anchor in ((NOW + timedelta(minutes=1)).isoformat(), "2026-12-01T09:00:00"):
        try:
            demo.settings_for({"anchor": anchor}, {}, NOW)
        except ValueError:
            continue
        raise AssertionError(f"{anchor} accepted")
