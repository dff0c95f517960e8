"""Public performance API, page, CSV and live stream: aggregates only, no personal data."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from monitoring.adapters.unit_of_work import UnitOfWorkFactory
from monitoring.domain.periods import ALL, ROLLING, current_month, months_before
from monitoring.domain.ranking import LEVELS
from monitoring.domain.regions import regency_of_village, within
from monitoring.entrypoints import (
    errors,
    page,
    programmes_http,
    programmes_page,
    publication,
    publication_http,
)
from monitoring.entrypoints.schemas import (
    NATIONAL,
    PERIOD,
    Kecamatan,
    Limit,
    Offset,
    PageKecamatan,
    Regency,
    Scope,
)
from monitoring.service_layer import underperformers
from monitoring.service_layer.reports import (
    NationalRanking,
    Ranking,
    RegencyMeasures,
    ReportCard,
    encoded_national,
    national_ranking,
    ranking,
    regency_measures,
    report_card,
)
from monitoring.service_layer.underperformers import Underperformers
from monitoring.settings import MonitoringSettings
from slrt_shared import clock


def router(uow: UnitOfWorkFactory, settings: MonitoringSettings) -> APIRouter:
    """Build the routes on units of work from `uow`."""
    api = APIRouter(tags=["performance"])

    def resolve(regency: str | None, period: str | None) -> tuple[str, str]:
        regency = regency or settings.regency_codes[0]
        if regency != NATIONAL and regency not in settings.regency_codes:
            raise errors.UNKNOWN_REGENCY.error()
        period = period or current_month(clock.now())
        if not PERIOD.match(period):
            raise errors.INVALID_PERIOD.error()
        return regency, period

    async def rows_for(
        level: str, regency: str, period: str, kecamatan: str | None
    ) -> list[dict[str, Any]]:
        if level not in LEVELS:
            raise errors.INVALID_LEVEL.error(levels=", ".join(LEVELS))
        async with uow() as unit:
            return await ranking(
                Ranking(regency, period, level, kecamatan),
                unit,
                policy=settings.policy(),
                now=clock.now(),
            )

    async def national(
        level: str, period: str, kecamatan: str | None, limit: int | None, offset: int
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if level == "agency":
            raise errors.AGENCIES_NEED_A_REGENCY.error()
        if level not in LEVELS:
            raise errors.INVALID_LEVEL.error(levels=", ".join(LEVELS))
        async with uow() as unit:
            return await national_ranking(
                NationalRanking(
                    settings.regency_codes,
                    period,
                    level,
                    kecamatan,
                    limit,
                    offset,
                    settings.national_months,
                ),
                unit,
                policy=settings.policy(),
                now=clock.now(),
            )

    async def whole_country(level: str, period: str) -> Response:
        """The whole country-wide ranking, its rows written out as they are stored."""
        if level == "agency":
            raise errors.AGENCIES_NEED_A_REGENCY.error()
        if level not in LEVELS:
            raise errors.INVALID_LEVEL.error(levels=", ".join(LEVELS))
        async with uow() as unit:
            head, rows = await encoded_national(
                NationalRanking(
                    settings.regency_codes, period, level, None, None, 0, settings.national_months
                ),
                unit,
                policy=settings.policy(),
                now=clock.now(),
            )
        top = {
            "regency": NATIONAL,
            "level": level,
            "period": period,
            "min_caseload": settings.min_caseload,
            "regency_measures": head["summary"],
            "computed_at": head["computed_at"],
            "total": head["total"],
        }
        opening = json.dumps(jsonable_encoder(top), separators=(",", ":"))[:-1]
        body = opening + ',"rows":[' + ",".join(rows) + "]}"
        return Response(body.encode(), media_type="application/json")

    @api.get(
        "/v1/rankings",
        summary="Ranking of villages, kecamatan or agencies of a regency.",
        response_model=dict[str, Any],
    )
    async def rankings(
        level: str = "village",
        regency: Scope = None,
        period: str | None = None,
        kecamatan: Kecamatan = None,
        limit: Limit = None,
        offset: Offset = 0,
    ) -> Any:
        """`regency=all` ranks the villages or kecamatan of every served regency together."""
        regency, period = resolve(regency, period)
        if regency == NATIONAL and kecamatan is None and limit is None and offset == 0:
            return await whole_country(level, period)
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
            summary = await regency_measures(
                RegencyMeasures(regency, period), unit, now=clock.now()
            )
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
                raise errors.NO_SUCH_VILLAGE.error()
            kecamatan = await unit.region(village["parent_code"])
            _, period = resolve(regency_of_village(village_code), period or ALL)
            card = await report_card(
                ReportCard(village_code, period),
                unit,
                policy=settings.policy(),
                now=clock.now(),
            )
            programmes = await programmes_http.village(unit, settings, village_code)
        return {
            **card,
            "programmes": programmes,
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
                    changed = await unit.snapshots_since(seen)
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
        kecamatan: PageKecamatan = None,
        measure: str = "score",
    ) -> HTMLResponse:
        lang = "en" if lang == "en" else "id"
        regency, period = resolve(regency, period)
        measure = publication_http.checked_measure(measure)
        # A kecamatan of another regency (left from before the regency was changed) is dropped.
        kecamatan = kecamatan if kecamatan and within(kecamatan, regency) else None
        now = clock.now()
        policy = settings.policy()
        async with uow() as unit:
            region = await unit.region(regency)
            served = await publication_http.served(unit, settings)
            areas = await unit.regions([regency], "district")
            villages = await ranking(
                Ranking(regency, period, "village"), unit, policy=policy, now=now
            )
            agencies = await ranking(
                Ranking(regency, period, "agency"), unit, policy=policy, now=now
            )
            found = await underperformers.handler(
                Underperformers(regency, period), unit, policy=policy, now=now
            )
            drawing = await unit.regency_map(regency)
            programmes = await programmes_http.district(
                unit, settings, regency, now.astimezone(settings.zone()).year
            )
        periods = [*months_before(current_month(now), 12)[::-1], ROLLING]
        params = {"regency": regency, "period": period, "kecamatan": kecamatan or ""}
        sections = (
            programmes_page.district_section(lang, programmes)
            + publication.underperformers_section(lang, found, period)
            + publication.map_figure(lang, drawing, villages, measure, period)
        )
        return HTMLResponse(
            page.ranking_page(
                lang,
                region["name"] if region else regency,
                params,
                periods,
                areas,
                [v for v in villages if within(v["code"], kecamatan)],
                agencies,
                regencies=served,
                choices=publication.measure_choice(lang, measure),
                sections=sections,
                style=publication.MAP_STYLE,
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
        params = {"period": card["period"], "regency": regency_of_village(village_code)}
        kecamatan = card["kecamatan"]["name"] if card["kecamatan"] else ""
        programmes = programmes_page.card_section(lang, card["programmes"])
        return HTMLResponse(
            page.report_card_page(lang, card, kecamatan, params, sections=programmes)
        )

    return api
