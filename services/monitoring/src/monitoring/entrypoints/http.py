"""Public performance API, page, CSV and live stream: aggregates only, no personal data."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from monitoring.adapters.repository import MonitoringUnitOfWork
from monitoring.entrypoints import page
from monitoring.service_layer.reports import (
    LEVELS,
    ROLLING,
    current_month,
    months_before,
    national_ranking,
    ranking,
    regency_measures,
    report_card,
)
from monitoring.settings import MonitoringSettings
from slrt_shared.http import ApiError
from slrt_shared.runtime import ServiceRuntime

_PERIOD = re.compile(r"^(\d{4}-(0[1-9]|1[0-2])|rolling-30d|all)$")
Regency = Annotated[str | None, Query(pattern=r"^\d{2}\.\d{2}$")]
# `all`: every served regency together (the country, when all are served).
Scope = Annotated[str | None, Query(pattern=r"^(\d{2}\.\d{2}|all)$")]
Limit = Annotated[int | None, Query(ge=1, le=10000, description="Rows per page (default: all).")]
Offset = Annotated[int, Query(ge=0, description="Rows skipped before the page.")]
NATIONAL = "all"
Kecamatan = Annotated[str | None, Query(pattern=r"^\d{2}\.\d{2}\.\d{2}$")]


def router(runtime: ServiceRuntime, settings: MonitoringSettings) -> APIRouter:
    """Build the routes bound to a runtime."""
    api = APIRouter(tags=["performance"])

    def uow() -> MonitoringUnitOfWork:
        return MonitoringUnitOfWork(runtime.pool, runtime.layout)

    def resolve(regency: str | None, period: str | None) -> tuple[str, str]:
        regency = regency or settings.regency_codes[0]
        if regency != NATIONAL and regency not in settings.regency_codes:
            raise ApiError(404, "unknown_regency", "This regency is not served here.")
        period = period or current_month(datetime.now(UTC))
        if not _PERIOD.match(period):
            raise ApiError(422, "invalid_period", "period is YYYY-MM, rolling-30d or all.")
        return regency, period

    async def rows_for(
        level: str, regency: str, period: str, kecamatan: str | None
    ) -> list[dict[str, Any]]:
        if level not in LEVELS:
            raise ApiError(422, "invalid_level", f"level is one of {', '.join(LEVELS)}.")
        async with uow() as unit:
            return await ranking(
                unit, regency, period, level, settings.policy(), datetime.now(UTC), kecamatan
            )

    async def national(
        level: str, period: str, kecamatan: str | None, limit: int | None, offset: int
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if level == "agency":
            raise ApiError(
                422, "invalid_level", "Agencies are ranked within a regency: name the regency."
            )
        if level not in LEVELS:
            raise ApiError(422, "invalid_level", f"level is one of {', '.join(LEVELS)}.")
        async with uow() as unit:
            return await national_ranking(
                unit,
                settings.regency_codes,
                period,
                level,
                settings.policy(),
                datetime.now(UTC),
                kecamatan,
                limit,
                offset,
            )

    @api.get("/v1/rankings", summary="Ranking of villages, kecamatan or agencies of a regency.")
    async def rankings(
        level: str = "village",
        regency: Scope = None,
        period: str | None = None,
        kecamatan: Kecamatan = None,
        limit: Limit = None,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """`regency=all` ranks the villages or kecamatan of every served regency together."""
        regency, period = resolve(regency, period)
        if regency == NATIONAL:
            head, page = await national(level, period, kecamatan, limit, offset)
            return {
                "regency": regency,
                "level": level,
                "period": period,
                "min_caseload": settings.min_caseload,
                "regency_measures": head["summary"],
                "computed_at": head["computed_at"],
                "total": head["total"],
                "rows": page,
            }
        rows = await rows_for(level, regency, period, kecamatan)
        async with uow() as unit:
            summary = await regency_measures(unit, regency, period, datetime.now(UTC))
        return {
            "regency": regency,
            "level": level,
            "period": period,
            "min_caseload": settings.min_caseload,
            "regency_measures": summary,
            "total": len(rows),
            "rows": rows[offset : None if limit is None else offset + limit],
        }

    @api.get(
        "/v1/rankings.csv",
        summary="The same ranking as CSV.",
        response_class=Response,
        responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    )
    async def rankings_csv(
        level: str = "village",
        regency: Regency = None,
        period: str | None = None,
        kecamatan: Kecamatan = None,
    ) -> Response:
        regency, period = resolve(regency, period)
        rows = await rows_for(level, regency, period, kecamatan)
        out = io.StringIO()
        if rows:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        name = f"peringkat-{level}-{regency}-{period}.csv"
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @api.get("/v1/puskesos/{village_code}", summary="A Puskesos's report card with its trend.")
    async def puskesos(village_code: str, period: str | None = None) -> dict[str, Any]:
        """Counts of one village for a month (`period=YYYY-MM`), or of all time by default."""
        async with uow() as unit:
            village = await unit.region(village_code)
            if village is None or village["level"] != "village":
                raise ApiError(404, "not_found", "No such village.")
            kecamatan = await unit.region(village["parent_code"])
            _, period = resolve(village_code.rsplit(".", 2)[0], period or "all")
            card = await report_card(
                unit, village_code, period, settings.policy(), datetime.now(UTC)
            )
        return {
            **card,
            "village": {"code": village_code, "name": village["name"]},
            "kecamatan": {"code": kecamatan["code"], "name": kecamatan["name"]}
            if kecamatan
            else None,
        }

    @api.get(
        "/v1/rankings/stream",
        summary="Server-sent events: ranking.updated as it happens.",
        response_class=Response,
        responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}}},
    )
    async def stream(request: Request) -> StreamingResponse:
        async def events() -> AsyncIterator[str]:
            async with uow() as unit:
                seen = await unit.latest_version()
            yield "retry: 3000\n\n"
            idle = 0
            while not await request.is_disconnected():
                await asyncio.sleep(1)
                async with uow() as unit:
                    changed = await unit.conn.fetch(
                        "SELECT regency_code, period, level, version, computed_at"
                        " FROM ranking_snapshots WHERE version > $1 ORDER BY version",
                        seen,
                    )
                for row in changed:
                    seen = max(seen, row["version"])
                    data = {
                        "regency": row["regency_code"],
                        "period": row["period"],
                        "level": row["level"],
                        "version": row["version"],
                        "computed_at": row["computed_at"].isoformat(),
                    }
                    yield f"event: message\nid: {row['version']}\ndata: {json.dumps(data)}\n\n"
                idle = 0 if changed else idle + 1
                if idle >= 15:
                    idle = 0
                    yield ": keep-alive\n\n"

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    @api.get("/", response_class=HTMLResponse, summary="Public ranking page.")
    async def home(
        lang: str = "id",
        period: str | None = None,
        regency: Regency = None,
        kecamatan: Annotated[str | None, Query(max_length=8)] = None,
    ) -> HTMLResponse:
        lang = "en" if lang == "en" else "id"
        regency, period = resolve(regency, period)
        kecamatan = kecamatan or None
        now = datetime.now(UTC)
        async with uow() as unit:
            region = await unit.region(regency)
            areas = await unit.kecamatan(regency)
            villages = await ranking(
                unit, regency, period, "village", settings.policy(), now, kecamatan
            )
            agencies = await ranking(unit, regency, period, "agency", settings.policy(), now)
        periods = [*months_before(current_month(now), 12)[::-1], ROLLING]
        params = {"regency": regency, "period": period, "kecamatan": kecamatan or ""}
        return HTMLResponse(
            page.ranking_page(
                lang,
                region["name"] if region else regency,
                params,
                periods,
                areas,
                villages,
                agencies,
            )
        )

    @api.get(
        "/puskesos/{village_code}", response_class=HTMLResponse, summary="Public report card page."
    )
    async def card_page(
        village_code: str, lang: str = "id", period: str | None = None
    ) -> HTMLResponse:
        card = await puskesos(village_code, period)
        lang = "en" if lang == "en" else "id"
        params = {"period": card["period"], "regency": village_code.rsplit(".", 2)[0]}
        kecamatan = card["kecamatan"]["name"] if card["kecamatan"] else ""
        return HTMLResponse(page.report_card_page(lang, card, kecamatan, params))

    return api
