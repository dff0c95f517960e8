"""Routes of what a district publishes: the map, the under-performers, the bulletin, the guide."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from monitoring.adapters import pdf
from monitoring.adapters.unit_of_work import MonitoringUnitOfWork, UnitOfWorkFactory
from monitoring.domain import choropleth
from monitoring.domain.periods import ROLLING, current_month, is_month, months_before
from monitoring.entrypoints import errors, programmes_http, programmes_page, publication
from monitoring.entrypoints.schemas import PERIOD, Regency
from monitoring.service_layer import underperformers
from monitoring.service_layer.reports import Ranking, RegencyMeasures, ranking, regency_measures
from monitoring.service_layer.underperformers import Underperformers
from monitoring.settings import MonitoringSettings

PRINTED_KEPT = 8


def checked_measure(measure: str) -> str:
    """The map measure asked for, or a coded error."""
    if measure not in choropleth.MEASURES:
        raise errors.INVALID_MEASURE.error(measures=", ".join(choropleth.MEASURES))
    return measure


async def served(unit: MonitoringUnitOfWork, settings: MonitoringSettings) -> list[tuple[str, str]]:
    """The served regencies as (code, name), in the order configured."""
    out = []
    for code in settings.regency_codes:
        region = await unit.region(code)
        out.append((code, region["name"] if region else code))
    return out


def router(uow: UnitOfWorkFactory, settings: MonitoringSettings) -> APIRouter:
    """Build the routes on units of work from `uow`."""
    api = APIRouter(tags=["publication"])
    # The PDFs of the last bulletins printed, by the digest of their HTML: the same page is
    # not printed twice (a print takes Chromium seconds), and a changed one is printed anew.
    printed: OrderedDict[str, bytes] = OrderedDict()

    def resolve(regency: str | None, period: str | None, *, month: bool = False) -> tuple[str, str]:
        regency = regency or settings.regency_codes[0]
        if regency not in settings.regency_codes:
            raise errors.UNKNOWN_REGENCY.error()
        period = period or current_month(datetime.now(UTC))
        if not PERIOD.match(period):
            raise errors.INVALID_PERIOD.error()
        if month and not is_month(period):
            raise errors.MONTH_NEEDED.error()
        return regency, period

    def language(lang: str) -> str:
        return "en" if lang == "en" else "id"

    async def village_rows(
        unit: MonitoringUnitOfWork, regency: str, period: str, now: datetime
    ) -> list[dict[str, Any]]:
        return await ranking(
            Ranking(regency, period, "village"), unit, policy=settings.policy(), now=now
        )

    @api.get("/v1/map", summary="A regency's map: a path per village with its shade of a measure.")
    async def regency_map(
        regency: Regency = None, period: str | None = None, measure: str = "score"
    ) -> dict[str, Any]:
        """SVG paths (in the map's `width` x `height` units) with each village's value."""
        regency, period = resolve(regency, period)
        measure = checked_measure(measure)
        now = datetime.now(UTC)
        async with uow() as unit:
            drawing = await unit.regency_map(regency)
            rows = await village_rows(unit, regency, period, now)
            names = {k["code"]: k["name"] for k in await unit.regions([regency], "district")}
        if drawing is None:
            raise errors.NO_MAP.error()
        by_code = {r["code"]: r for r in rows}
        return {
            "regency": regency,
            "period": period,
            "measure": measure,
            "width": drawing["width"],
            "height": drawing["height"],
            "steps": [
                {"shade": cls, "colour": colour, "from": low, "to": high}
                for cls, colour, low, high in choropleth.steps()
            ],
            "villages": [
                {
                    "code": code,
                    "name": by_code[code]["name"],
                    "status": by_code[code]["status"],
                    "value": choropleth.value_of(by_code[code], measure),
                    "shade": choropleth.shade(by_code[code], measure),
                    "path": path,
                }
                for code, path in drawing["villages"].items()
                if code in by_code
            ],
            "kecamatan": [
                {"code": code, "name": names.get(code, code), "path": path}
                for code, path in drawing["kecamatan"].items()
            ],
        }

    @api.get(
        "/v1/underperformers",
        summary="Flagged villages and agencies of a period, with reason and months in a row.",
    )
    async def flagged(regency: Regency = None, period: str | None = None) -> dict[str, Any]:
        """Villages worst first, agencies by their reason's share, and the best villages."""
        regency, period = resolve(regency, period)
        async with uow() as unit:
            found = await underperformers.handler(
                Underperformers(regency, period),
                unit,
                policy=settings.policy(),
                now=datetime.now(UTC),
            )
        return {"regency": regency, "period": period, **found}

    @api.get("/peta", response_class=HTMLResponse, summary="Public map page.")
    async def map_page(
        lang: str = "id",
        regency: Regency = None,
        period: str | None = None,
        measure: str = "score",
    ) -> HTMLResponse:
        lang = language(lang)
        regency, period = resolve(regency, period)
        measure = checked_measure(measure)
        now = datetime.now(UTC)
        async with uow() as unit:
            regencies = await served(unit, settings)
            drawing = await unit.regency_map(regency)
            rows = await village_rows(unit, regency, period, now)
        periods = [*months_before(current_month(now), 12)[::-1], ROLLING]
        params = {"regency": regency, "period": period, "measure": measure}
        figure = publication.map_figure(lang, drawing, rows, measure, period)
        name = dict(regencies).get(regency, regency)
        return HTMLResponse(publication.map_page(lang, name, params, regencies, periods, figure))

    async def bulletin_html(lang: str, regency: str, period: str) -> str:
        now = datetime.now(UTC)
        policy = settings.policy()
        async with uow() as unit:
            regencies = await served(unit, settings)
            drawing = await unit.regency_map(regency)
            rows = await village_rows(unit, regency, period, now)
            summary = await regency_measures(RegencyMeasures(regency, period), unit, now=now)
            found = await underperformers.handler(
                Underperformers(regency, period), unit, policy=policy, now=now
            )
            agencies = await ranking(
                Ranking(regency, period, "agency"), unit, policy=policy, now=now
            )
            progress = await programmes_http.district(unit, settings, regency, int(period[:4]))
        months = months_before(current_month(now), 12)[::-1]
        if period not in months:
            months.insert(0, period)
        return publication.bulletin_page(
            lang,
            dict(regencies).get(regency, regency),
            {"regency": regency, "period": period},
            regencies,
            months,
            summary,
            rows,
            publication.map_figure(lang, drawing, rows, "score", period),
            found,
            agencies,
            programmes_page.bulletin_lines(lang, progress, period),
        )

    @api.get("/buletin", response_class=HTMLResponse, summary="Monthly bulletin, printable (A4).")
    async def bulletin(
        lang: str = "id", regency: Regency = None, period: str | None = None
    ) -> HTMLResponse:
        regency, period = resolve(regency, period, month=True)
        return HTMLResponse(await bulletin_html(language(lang), regency, period))

    @api.get(
        "/buletin.pdf",
        summary="The monthly bulletin as PDF (printed by a headless Chromium).",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {"schema": {"type": "string"}}}}},
    )
    async def bulletin_pdf(
        lang: str = "id", regency: Regency = None, period: str | None = None
    ) -> Response:
        regency, period = resolve(regency, period, month=True)
        if pdf.renderer(settings.pdf_chromium) is None:
            raise errors.PDF_UNAVAILABLE.error()
        html = await bulletin_html(language(lang), regency, period)
        key = hashlib.sha256(html.encode()).hexdigest()
        data = printed.get(key)
        if data is None:
            try:
                data = await pdf.print_to_pdf(
                    html, settings.pdf_chromium, settings.pdf_timeout_seconds
                )
            except pdf.RendererUnavailableError:
                raise errors.PDF_UNAVAILABLE.error() from None
            except pdf.RenderFailedError:
                raise errors.PDF_FAILED.error() from None
            printed[key] = data
            while len(printed) > PRINTED_KEPT:
                printed.popitem(last=False)
        printed.move_to_end(key)
        name = f"buletin-{regency}-{period}.pdf"
        return Response(
            data,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )

    @api.get("/cara-membaca", response_class=HTMLResponse, summary="How to read the ranking.")
    async def guide(lang: str = "id") -> HTMLResponse:
        lang = language(lang)
        return HTMLResponse(publication.guide_page(lang, settings.policy(), {}))

    return api
