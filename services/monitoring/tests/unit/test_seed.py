"""The seed loads the regions of the served regencies from the reference data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from monitoring.entrypoints import cli_seed as seed


class RecordingConnection:
    """Keeps the rows an upsert would write, by region code, and the maps' shapes."""

    def __init__(self) -> None:
        self.regions: dict[str, tuple[Any, ...]] = {}
        self.shapes: dict[str, tuple[Any, ...]] = {}
        self.maps: list[str] = []

    async def executemany(self, query: str, rows: list[tuple[Any, ...]]) -> None:
        if "region_shapes" in query:
            self.shapes.update({row[0]: row for row in rows})
            return
        assert "ON CONFLICT (code) DO UPDATE" in query
        self.regions.update({row[0]: row for row in rows})

    async def execute(self, query: str, *args: Any) -> None:
        if query.startswith("INSERT INTO region_maps"):
            self.maps.append(args[0])

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield


async def test_the_given_and_the_configured_regencies_are_loaded_with_their_villages() -> None:
    conn = RecordingConnection()
    await seed.loader(["33.24"])(conn, {}, "32.15")  # type: ignore[arg-type]
    assert conn.regions["32.15"] == ("32.15", "Kabupaten Karawang", "regency", "32")
    assert conn.regions["32.15.03"][2:] == ("district", "32.15")
    assert conn.regions["32.15.03.2001"] == (
        "32.15.03.2001",
        "Telukjambe",
        "village",
        "32.15.03",
    )
    assert any(code.startswith("33.24.") for code in conn.regions)
    assert not any(code.startswith("62.03") for code in conn.regions)


async def test_seeding_twice_writes_the_same_rows() -> None:
    first, second = RecordingConnection(), RecordingConnection()
    await seed.load_regions(first, ["32.15"])  # type: ignore[arg-type]
    await seed.load_regions(second, ["32.15", "32.15"])  # type: ignore[arg-type]
    assert first.regions == second.regions


async def test_an_unknown_regency_is_refused() -> None:
    with pytest.raises(SystemExit, match=r"99\.99"):
        await seed.load_regions(RecordingConnection(), ["99.99"])  # type: ignore[arg-type]


async def test_each_served_regency_gets_a_map_with_a_shape_per_village() -> None:
    conn = RecordingConnection()
    await seed.loader(["33.24"])(conn, {}, "32.15")  # type: ignore[arg-type]
    assert sorted(conn.maps) == ["32.15", "33.24"]
    villages = {code for code, row in conn.regions.items() if row[2] == "village"}
    drawn = {code for code, row in conn.shapes.items() if row[2] == "village"}
    assert drawn == villages
    outlines = {code for code, row in conn.shapes.items() if row[2] == "district"}
    assert outlines == {code for code, row in conn.regions.items() if row[2] == "district"}
