"""`python -m monitoring seed`: the served regencies' regions and maps, the agencies' names.

Idempotent. The agencies' names are kept up to date afterwards from directory.agencies.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, cast

import asyncpg

from monitoring.adapters.seed import save_agencies, save_map, save_regions
from monitoring.app import build
from monitoring.domain.geometry import Drawing, boundaries, drawing
from monitoring.settings import MonitoringSettings
from slrt_shared import reference, regions
from slrt_shared.runtime import SeedLoader, run_seed


def regions_of(regencies: Iterable[str]) -> list[tuple[str, str, str, str | None]]:
    """Each regency with its kecamatan and villages, from the reference data, as region rows."""
    rows: list[tuple[str, str, str, str | None]] = []
    for regency in sorted(set(regencies)):
        found = [
            r
            for r in reference.regions().values()
            if regions.is_valid(regency) and regions.within(r.code, regency)
        ]
        if not any(r.code == regency and r.level == "regency" for r in found):
            raise SystemExit(f"{regency} is not a regency of the reference data")
        rows += [(r.code, r.name, r.level, r.parent_code) for r in found]
    return rows


async def load_regions(conn: asyncpg.Connection, regencies: Iterable[str]) -> int:
    """Upsert each regency with its kecamatan and villages; return the number of regions."""
    rows = regions_of(regencies)
    await save_regions(conn, rows)
    return len(rows)


def map_of(regency: str) -> Drawing | None:
    """A regency's map drawn from its reference boundaries (None when there are none)."""
    source = reference.data_dir() / "boundaries" / f"villages_{regency}.geojson"
    if not source.exists():
        return None
    return drawing(boundaries(json.loads(source.read_text(encoding="utf-8"))))


async def load_maps(conn: asyncpg.Connection, regencies: Iterable[str]) -> list[str]:
    """Draw and store the map of each regency with boundaries; return those drawn."""
    drawn = []
    for regency in sorted(set(regencies)):
        found = map_of(regency)
        if found is not None:
            await save_map(conn, regency, found)
            drawn.append(regency)
    return drawn


def loader(configured: Iterable[str]) -> SeedLoader:
    """The seed step: regions of the `--regency` given and of every configured regency."""
    served = list(configured)

    async def load(conn: asyncpg.Connection, credentials: dict[str, Any], regency: str) -> None:
        # Monitoring is public: it checks no token, so the credentials carry nothing for it.
        await load_regions(conn, [regency, *served])
        await load_maps(conn, [regency, *served])
        await save_agencies(
            conn, [(a.code, a.name_id, a.name_en, a.kind) for a in reference.agencies().values()]
        )

    return load


def main(argv: list[str]) -> None:
    """`seed --credentials FILE --regency CODE`: migrate, then load the served regions."""
    runtime, _ = build()
    settings = cast(MonitoringSettings, runtime.settings)
    run_seed(runtime, argv, loader(settings.regency_codes))
