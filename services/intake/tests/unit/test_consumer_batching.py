"""Every event intake consumes may share a transaction with its partition's neighbours."""

from __future__ import annotations

from intake.app import build
from intake.settings import IntakeSettings
from slrt_devstack.testing import assert_batchable


def test_every_consumed_topic_runs_batchable_on_the_one_unit_of_work_factory() -> None:
    runtime, _ = build(IntakeSettings(database_url="postgresql://unused"))
    assert_batchable(list(runtime.handlers.values()))
