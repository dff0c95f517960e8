"""The public page: Bahasa Indonesia by default, escaped, self-contained."""

from __future__ import annotations

import re
from typing import Any

from monitoring.entrypoints import page

PARAMS = {"regency": "32.15", "period": "2025-06", "kecamatan": ""}


def village(code: str, name: str, rank: int | None, status: str, received: int) -> dict[str, Any]:
    return {
        "rank": rank,
        "code": code,
        "name": name,
        "score": 80.0 if rank else None,
        "status": status,
        "flagged": False,
        "received": received,
        "closed": received - 1 if received else 0,
        "resolution_rate": (received - 1) / received if received else None,
        "sla_compliance": 0.5 if received else None,
    }


AGENCY = {
    "rank": 1,
    "code": "DINSOS",
    "name": "Dinas Sosial",
    "referrals": 7,
    "resolved": 5,
    "median_days_to_acknowledge": 1.0,
    "sla_compliance": 0.75,
    "rejection_rate": 0.1,
    "median_days_to_resolve": 4.5,
}


def render(lang: str = "id", name: str = "Ramai") -> str:
    return page.ranking_page(
        lang,
        "Kabupaten Karawang",
        PARAMS,
        ["2025-06", "2025-05", "rolling-30d"],
        [{"code": "32.15.02", "name": "Pangkalan"}],
        [
            village("32.15.02.2001", name, 1, "ranked", 8),
            village("32.15.02.2002", "Sepi", None, "too_few_cases", 2),
            village("32.15.02.2003", "Diam", None, "not_active", 0),
        ],
        [AGENCY],
    )


def test_the_page_is_the_regency_s_puskesos_ranking_in_bahasa_indonesia() -> None:
    html = render()
    assert '<html lang="id">' in html
    assert "<title>Peringkat Puskesos Kabupaten Karawang</title>" in html
    assert "kasus belum cukup" in html and "belum aktif" in html
    assert '<td class="n">7 (88%)</td>' in html  # closed count beside its share
    assert 'name="viewport"' in html


def test_the_page_loads_nothing_from_elsewhere() -> None:
    html = render()
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "<link" not in html and "@import" not in html


def test_names_are_escaped() -> None:
    html = render(name='<script>alert("x")</script>')
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_english_on_request() -> None:
    html = render("en")
    assert '<html lang="en">' in html and "Puskesos ranking" in html
