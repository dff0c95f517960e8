"""`python -m gateway seed`: the agency registry (announced), the services, the catalogue's
rules and the demo keys.

Idempotent. The catalogue (CSV) is read here only: once loaded, the registry and the rules
referral announces are what the gateway goes by.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import asyncpg

from gateway.adapters import seed as store
from gateway.adapters.directory_store import RegistryOnConnection
from gateway.app import build
from gateway.domain.directory import Agency
from gateway.service_layer.directory import RegisterAgencies, register_agencies
from slrt_shared import reference
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.runtime import run_seed
from slrt_shared.tokens import hash_token


async def load(
    conn: asyncpg.Connection,
    credentials: dict[str, Any],
    regency: str,
    *,
    layout: TopicLayout | None = None,
) -> None:
    """Upsert and announce agencies, upsert services, add missing rules and credentials' keys."""
    unit = RegistryOnConnection(conn, layout or TopicLayout())
    catalogue = reference.agencies()
    await register_agencies(
        RegisterAgencies(
            tuple(Agency(a.code, a.name_id, a.name_en, a.kind) for a in catalogue.values())
        ),
        unit,
    )
    await unit.flush()
    services = reference.services().values()
    await store.save_services(conn, [(s.code, s.pii_level, s.name_id, s.name_en) for s in services])
    await store.add_missing_rules(
        conn, [(s.code, list(s.agencies), s.sla_working_days) for s in services]
    )
    await store.add_key_hashes(
        conn,
        [
            (hash_token(key), code)
            for code, key in credentials.get("agencies", {}).items()
            if code in catalogue
        ],
    )


def main(argv: list[str]) -> None:
    """`seed`: what it registers is announced on the topics of the service's layout."""
    runtime = build()[0]
    run_seed(runtime, argv, partial(load, layout=runtime.layout))
