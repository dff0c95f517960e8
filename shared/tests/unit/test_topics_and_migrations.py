from pathlib import Path

import pytest

from slrt_shared.contracts.topics import DAY_MS, EVENT_TOPICS, Retention, TopicLayout
from slrt_shared.db import SHARED_MIGRATIONS, load_migrations


def test_layout_prefixes_every_topic_and_adds_dead_letters_and_agency_topics() -> None:
    layout = TopicLayout("kendal.")
    names = {t.name for t in layout.all_topics(["DINSOS", "BPJSKES"])}
    for topic in EVENT_TOPICS:
        assert f"kendal.{topic}" in names
        assert f"kendal.{topic}.dlq" in names
    assert "kendal.agency.DINSOS.referrals" in names
    assert "kendal.agency.BPJSKES.referrals" in names


def test_migrations_are_read_in_numeric_order(tmp_path: Path) -> None:
    (tmp_path / "002_second.sql").write_text("SELECT 2;")
    (tmp_path / "001_first.sql").write_text("SELECT 1;")
    assert [m.version for m in load_migrations("svc", tmp_path)] == [1, 2]


@pytest.mark.parametrize("name", ["1_short.sql", "001-dash.sql", "001_Upper.sql"])
def test_badly_named_migration_files_are_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(ValueError):
        load_migrations("svc", tmp_path)


def test_duplicate_migration_numbers_are_refused(tmp_path: Path) -> None:
    (tmp_path / "001_a.sql").write_text("SELECT 1;")
    (tmp_path / "001_b.sql").write_text("SELECT 1;")
    with pytest.raises(ValueError):
        load_migrations("svc", tmp_path)


def test_shared_messaging_tables_are_a_migration() -> None:
    names = [m.name for m in load_migrations("slrt_shared", SHARED_MIGRATIONS)]
    assert names[0] == "001_messaging"
    assert "003_outbox_parking" in names


@pytest.mark.parametrize("dead_letters_ms", [-1, 400 * DAY_MS, 30 * DAY_MS])
def test_a_personal_topics_dead_letters_are_never_kept_longer_than_it(dead_letters_ms: int) -> None:
    kept = Retention(personal_ms=30 * DAY_MS, dead_letters_ms=dead_letters_ms)
    specs = {s.name: s.retention_ms for s in TopicLayout().all_topics(retention=kept)}
    assert specs["complaint.pii.dlq"] == specs["complaint.pii"] == 30 * DAY_MS
    assert specs["complaint.created.dlq"] == dead_letters_ms  # copies of non-personal records
    assert Retention(dead_letters_ms=DAY_MS).of_dead_letters("complaint.pii") == DAY_MS
