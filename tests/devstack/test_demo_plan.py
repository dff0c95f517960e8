"""The lived-in demo's plan: deterministic, accepted by intake's rules, a realistic spread."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from intake.domain.complaints import _PHONE, normalise_phone
from intake.domain.nik import problem
from slrt_devstack import demo
from slrt_shared import reference
from slrt_shared.contracts.reasons import is_reason_code
from slrt_shared.contracts.referral_states import OUTCOMES, may_become

ANCHOR = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
REGENCY = "32.15"


def district(seed: str = "karawang", scale: float = 1.0) -> list[demo.Village]:
    return demo.plan_district(demo.regency_villages(REGENCY), seed, ANCHOR, 5, scale)


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
            assert ANCHOR - timedelta(days=150) <= c.recorded_at < ANCHOR


def test_most_villages_have_enough_cases_to_be_ranked_with_busy_quiet_and_struggling_ones() -> None:
    villages = district()
    assert len(villages) == 309
    ranked = sum(1 for v in villages if len(v.complaints) >= 5)
    assert ranked >= 0.85 * len(villages)
    kinds = Counter(v.kind for v in villages)
    assert set(kinds) == {"busy", "steady", "quiet", "struggling", "dormant"}
    assert kinds["struggling"] >= 20
    sizes = sorted(len(v.complaints) for v in villages)
    assert sizes[0] <= 3 and sizes[-1] >= 25


def test_a_struggling_village_syncs_late_and_a_busy_one_mostly_within_the_day() -> None:
    def prompt_share(kind: str) -> float:
        cs = [c for v in district() if v.kind == kind for c in v.complaints]
        return sum(1 for c in cs if ANCHOR - c.recorded_at <= timedelta(days=1)) / len(cs)

    assert prompt_share("struggling") < 0.25 < 0.5 < prompt_share("busy")


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
