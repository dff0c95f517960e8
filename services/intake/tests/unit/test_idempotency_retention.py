from datetime import timedelta

import pytest

from intake.adapters.repository import idempotency_retention
from intake.app import build
from intake.settings import IntakeSettings


def test_keys_are_kept_ninety_days_by_default_for_devices_that_sync_weeks_later() -> None:
    settings = IntakeSettings(database_url="postgresql://unused")
    assert settings.idempotency_retention_days == 90
    rules = {r.name: r.max_age for r in build(settings)[0].retention_rules}
    assert rules["idempotency_keys"] == timedelta(days=90)


def test_the_age_comes_from_intake_idempotency_retention_days(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTAKE_IDEMPOTENCY_RETENTION_DAYS", "180")
    settings = IntakeSettings(database_url="postgresql://unused")
    assert idempotency_retention(settings.idempotency_retention_days).max_age == timedelta(days=180)


def test_a_retention_of_zero_days_is_refused() -> None:
    with pytest.raises(ValueError, match="idempotency_retention_days"):
        IntakeSettings(database_url="postgresql://unused", idempotency_retention_days=0)
