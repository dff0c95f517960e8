"""Public performance API and page: aggregates only, never personal data."""

from __future__ import annotations

import html
import re
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from monitoring.adapters.repository import MonitoringUnitOfWork
from monitoring.service_layer.reports import LEVELS, ranking, reports
from monitoring.settings import MonitoringSettings
from slrt_shared.http import ApiError
from slrt_shared.runtime import ServiceRuntime

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _check_period(period: str | None) -> None:
    if period is not None and not _PERIOD.match(period):
        raise ApiError(422, "invalid_period", "period must look like YYYY-MM.")


def router(runtime: ServiceRuntime, settings: MonitoringSettings) -> APIRouter:
    """Build the routes bound to a runtime."""
    api = APIRouter(tags=["performance"])

    def uow() -> MonitoringUnitOfWork:
        return MonitoringUnitOfWork(runtime.pool, runtime.layout)

    @api.get("/v1/puskesos/{village_code}", summary="A Puskesos's report card.")
    async def puskesos(village_code: str, period: str | None = None) -> dict[str, Any]:
        _check_period(period)
        async with uow() as unit:
            village = await unit.region(village_code)
            if village is None or village["level"] != "village":
                raise ApiError(404, "not_found", "No such village.")
            kecamatan = await unit.region(village["parent_code"])
            regency = village_code.rsplit(".", 2)[0]
            name, card = (await reports(unit, regency, period))[village_code]
        return {
            "village": {"code": village_code, "name": name},
            "kecamatan": {"code": kecamatan["code"], "name": kecamatan["name"]}
            if kecamatan
            else None,
            "period": period or "all",
            **asdict(card),
        }

    @api.get("/v1/rankings", summary="Ranking of villages or kecamatan of a regency.")
    async def rankings(
        level: Annotated[str, Query()] = "village",
        regency: Annotated[str, Query(pattern=r"^\d{2}\.\d{2}$")] = "32.15",
        period: str | None = None,
    ) -> dict[str, Any]:
        _check_period(period)
        if level not in LEVELS:
            raise ApiError(422, "unsupported_level", f"level must be one of {', '.join(LEVELS)}.")
        if regency not in settings.regency_codes:
            raise ApiError(404, "not_found", "This regency is not served here.")
        async with uow() as unit:
            rows = await ranking(unit, regency, period, level, settings.min_caseload)
        return {
            "regency": regency,
            "level": level,
            "period": period or "all",
            "min_caseload": settings.min_caseload,
            "rows": [
                {
                    "rank": r.rank,
                    "code": r.code,
                    "name": r.name,
                    "score": r.score,
                    "status": r.status,
                    **asdict(r.report),
                }
                for r in rows
            ],
        }

    @api.get("/", response_class=HTMLResponse, summary="Public ranking page.")
    async def page() -> HTMLResponse:
        regency = settings.regency_codes[0]
        period = datetime.now(UTC).strftime("%Y-%m")
        async with uow() as unit:
            region = await unit.region(regency)
            rows = await ranking(unit, regency, period, "village", settings.min_caseload)
        return HTMLResponse(_render(region["name"] if region else regency, period, rows))

    return api


def _render(regency_name: str, period: str, rows: list[Any]) -> str:
    label = {"ranked": "", "too_few_cases": "kasus belum cukup", "not_active": "belum aktif"}
    body = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            r.rank or "–",
            html.escape(r.name),
            r.report.received,
            r.report.closed,
            f"{r.score:.1f}" if r.score is not None else html.escape(label[r.status]),
        )
        for r in rows
    )
    title = f"Peringkat Puskesos {html.escape(regency_name)}"
    return f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:1rem;max-width:60rem}}
table{{border-collapse:collapse;width:100%}}td,th{{padding:.3rem .5rem;border-bottom:1px solid #ddd;
text-align:left}}th{{background:#f3f3f3}}</style></head><body>
<h1>{title}</h1><p>Periode {html.escape(period)}. Skor 0–100: 60% pengaduan selesai,
40% rujukan selesai tepat waktu.</p>
<table><thead><tr><th>Peringkat</th><th>Desa/Kelurahan</th><th>Pengaduan</th><th>Selesai</th>
<th>Skor</th></tr></thead><tbody>{body}</tbody></table></body></html>"""
