from pathlib import Path

import pytest

from slrt_shared.contracts.topics import EVENT_TOPICS, TopicLayout
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
