"""Where a staged need stands, from the complaint's timeline alone; no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intake.domain.stages import stages_now, waiting
from intake.domain.tracking import TimelineEntry, status

AT = datetime(2025, 6, 23, 3, 0, tzinfo=UTC)


def referred(minutes: int, referral: str, stage: str, index: int) -> TimelineEntry:
    return TimelineEntry(
        AT + timedelta(minutes=minutes),
        "referred",
        "DINSOS",
        stage=stage,
        stage_index=index,
        stages_total=3,
        referral_id=referral,
        service_code="DTSEN",
    )


def rejected(minutes: int, referral: str, reason: str) -> TimelineEntry:
    at = AT + timedelta(minutes=minutes)
    return TimelineEntry(at, "rejected", "DINSOS", reason_code=reason, referral_id=referral)


def completed(minutes: int, referral: str) -> TimelineEntry:
    at = AT + timedelta(minutes=minutes)
    return TimelineEntry(at, "completed", referral_id=referral, service_code="DTSEN")


def test_the_current_stage_is_the_latest_referred_one() -> None:
    entries = [TimelineEntry(AT, "received"), referred(1, "a", "kelengkapan", 1)]
    assert [(s.stage, s.index, s.waiting_at_village) for s in stages_now(entries)] == [
        ("kelengkapan", 1, False)
    ]
    entries.append(referred(2, "b", "verifikasi", 2))
    assert [(s.stage, s.referral_id) for s in stages_now(entries)] == [("verifikasi", "b")]
    # A single-step need has no stage.
    plain = [TimelineEntry(AT, "received"), TimelineEntry(AT, "referred", "DINSOS")]
    assert stages_now(plain) == []


def test_a_send_back_waits_at_the_village_until_completed_once() -> None:
    entries = [referred(1, "a", "kelengkapan", 1), rejected(2, "a", "data_tidak_lengkap")]
    now = waiting(entries, "DTSEN")
    assert now is not None and (now.stage, now.referral_id, now.completions) == (
        "kelengkapan",
        "a",
        0,
    )
    entries.append(completed(3, "a"))
    assert waiting(entries, "DTSEN") is None  # completed: a second completion is refused
    entries += [referred(4, "c", "kelengkapan", 1), rejected(5, "c", "data_tidak_lengkap")]
    again = waiting(entries, "DTSEN")
    assert again is not None and (again.referral_id, again.completions) == ("c", 1)
    # A completion is no step back for the public status.
    assert status(entries) == "referred"


def test_other_rejections_and_the_decision_do_not_wait_at_the_village() -> None:
    other = [referred(1, "a", "verifikasi", 2), rejected(2, "a", "bukan_kewenangan")]
    assert waiting(other, "DTSEN") is None
    decision = [referred(1, "a", "keputusan", 3), rejected(2, "a", "data_tidak_lengkap")]
    assert waiting(decision, "DTSEN") is None
    assert waiting([referred(1, "a", "kelengkapan", 1)], "GRADUASI") is None
