"""What the Open311 facade reads: the service catalogue and the requests of a jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import asyncpg

from intake.domain.disclosure import public_services
from intake.domain.tracking import TimelineEntry, status
from intake.service_layer.unit_of_work import UnitOfWork

MAX_REQUESTS = 1000


async def services(uow: UnitOfWork) -> list[asyncpg.Record]:
    """The service catalogue."""
    async with uow:
        return await uow.services()


@dataclass(frozen=True)
class Catalogue:
    """The services' rows by code, and the villages of a regency."""

    services: dict[str, asyncpg.Record]
    villages: list[asyncpg.Record]


async def catalogue(regency: str, uow: UnitOfWork) -> Catalogue:
    """The services and the regency's villages (the values a service definition offers)."""
    async with uow:
        return Catalogue(
            {s["code"]: s for s in await uow.services()}, await uow.villages_of(regency)
        )


@dataclass(frozen=True)
class ListRequests:
    """A search of a regency's service requests, as the caller in `scope` may see them."""

    regency: str
    tickets: list[str]
    service_code: str | None
    start: datetime | None
    end: datetime | None
    state: Literal["open", "closed"] | None
    scope: str | None


@dataclass(frozen=True)
class ListedRequest:
    """A complaint as Open311 lists it: its public columns, state and timeline."""

    row: asyncpg.Record
    state: Literal["open", "closed"]
    timeline: list[TimelineEntry]


async def list_requests(query: ListRequests, uow: UnitOfWork) -> list[ListedRequest]:
    """The newest requests matching the search (at most MAX_REQUESTS), their timelines at once.

    Without the caller's scope, only complaints whose every service is `basic` are listed.
    """
    async with uow:
        levels = {s["code"]: s["pii_level"] for s in await uow.services()}
        rows = await uow.open311_requests(
            query.regency,
            query.tickets,
            query.service_code,
            query.start,
            query.end,
            MAX_REQUESTS,
            public_services(levels),
            query.scope,
        )
        timelines = await uow.timelines([row["id"] for row in rows])
    listed = []
    for row in rows:
        timeline = timelines[row["id"]]
        state: Literal["open", "closed"] = "closed" if status(timeline) == "closed" else "open"
        if query.state is None or query.state == state:
            listed.append(ListedRequest(row, state, timeline))
    return listed
