"""The public page: server-rendered HTML, inline CSS and SVG, no external assets."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

TEXT = {
    "id": {
        "ranking": "Peringkat Puskesos",
        "agencies": "Kinerja OPD",
        "period": "Periode",
        "kecamatan": "Kecamatan",
        "all": "Semua",
        "show": "Tampilkan",
        "rolling": "30 hari terakhir",
        "rank": "#",
        "village": "Desa/Kelurahan",
        "received": "Pengaduan",
        "closed": "Selesai",
        "sla": "Tepat waktu",
        "score": "Skor",
        "status": "Keterangan",
        "agency": "OPD",
        "referrals": "Rujukan",
        "ack": "Hari s.d. ditanggapi",
        "resolved": "Diselesaikan",
        "rejected": "Ditolak",
        "resolve": "Hari s.d. selesai",
        "too_few_cases": "kasus belum cukup",
        "not_active": "belum aktif",
        "flag": "perlu perhatian",
        "csv": "Unduh CSV",
        "live": "Diperbarui langsung",
        "card": "Rapor Puskesos",
        "trend": "Tren 6 bulan",
        "legend": "Batang hijau tua: pengaduan; hijau muda: selesai; garis: skor.",
        "back": "Kembali ke peringkat",
        "backlog": "Belum selesai",
        "median": "Median hari s.d. selesai",
        "p90": "Persentil 90 hari s.d. selesai",
        "escalations": "Eskalasi",
        "rereferrals": "Rujukan ulang",
        "prompt": "Dicatat ≤ 1 hari",
        "method": "Skor 0–100: 50% pengaduan selesai, 30% rujukan tepat waktu, 20% dicatat "
        "dalam sehari; disesuaikan ke rata-rata kabupaten bila kasus sedikit.",
        "regency": "Kabupaten",
        "nav": "Navigasi",
        "nav_ranking": "Peringkat",
        "nav_map": "Peta",
        "nav_bulletin": "Buletin bulanan",
        "nav_guide": "Cara membaca peringkat ini",
        "verdicts": "Penilaian warga",
        "rating": "Rata-rata nilai warga (1–5)",
        "solved": "Selesai menurut warga",
        "solved_parts": "ya {yes} · sebagian {partly} · tidak {no}",
        "reopened": "Dibuka kembali",
        "reopened_of": "{reopened} dari {closed} yang selesai ({rate})",
    },
    "en": {
        "ranking": "Puskesos ranking",
        "agencies": "Agency league table",
        "period": "Period",
        "kecamatan": "Kecamatan",
        "all": "All",
        "show": "Show",
        "rolling": "Last 30 days",
        "rank": "#",
        "village": "Village",
        "received": "Complaints",
        "closed": "Closed",
        "sla": "On time",
        "score": "Score",
        "status": "Note",
        "agency": "Agency",
        "referrals": "Referrals",
        "ack": "Days to acknowledge",
        "resolved": "Resolved",
        "rejected": "Rejected",
        "resolve": "Days to resolve",
        "too_few_cases": "too few cases",
        "not_active": "not yet active",
        "flag": "needs attention",
        "csv": "Download CSV",
        "live": "Live updates",
        "card": "Puskesos report card",
        "trend": "6-month trend",
        "legend": "Dark bars: complaints; light bars: closed; line: score.",
        "back": "Back to ranking",
        "backlog": "Open backlog",
        "median": "Median days to close",
        "p90": "90th percentile days to close",
        "escalations": "Escalations",
        "rereferrals": "Re-referrals",
        "prompt": "Registered within a day",
        "method": "Score 0-100: 50% complaints closed, 30% referrals on time, 20% registered "
        "within a day; shrunk toward the district mean when cases are few.",
        "regency": "Regency",
        "nav": "Navigation",
        "nav_ranking": "Ranking",
        "nav_map": "Map",
        "nav_bulletin": "Monthly bulletin",
        "nav_guide": "How to read this ranking",
        "verdicts": "Residents' verdicts",
        "rating": "Residents' mean rating (1-5)",
        "solved": "Solved, residents say",
        "solved_parts": "yes {yes} · partly {partly} · no {no}",
        "reopened": "Reopened",
        "reopened_of": "{reopened} of {closed} closed ({rate})",
    },
}

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2733}
header{background:#0b5d4b;color:#fff;padding:.8rem 1rem}header a{color:#fff}
main{padding:1rem;max-width:72rem;margin:auto}h1{font-size:1.3rem;margin:0}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}form{display:flex;flex-wrap:wrap;gap:.5rem;
align-items:end}label{display:flex;flex-direction:column;font-size:.85rem}
select,button{font-size:1rem;padding:.3rem}.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{padding:.35rem .5rem;
border-bottom:1px solid #dde3e8;text-align:left;white-space:nowrap}th{background:#eef3f1}
td.n{text-align:right}.flag{background:#fde8e8;color:#9b1c1c;border-radius:.3rem;
padding:0 .3rem;font-size:.8rem}.muted{color:#6b7785}.live{font-size:.8rem}
.bar{fill:#0b5d4b}.bar2{fill:#9fd3c7}.line{fill:none;stroke:#c2410c;stroke-width:2}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.3rem 1rem;margin:.4rem 0 0;padding:0}
#card th,#card td,#programmes th,#programmes td{white-space:normal}
"""


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _rating(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def verdict_facts(lang: str, said: dict[str, Any]) -> list[tuple[str, object]]:
    """The residents' verdicts as lines of a report card: how many, rating, solved, reopened."""
    t = TEXT[lang]
    solved = t["solved_parts"].format(
        yes=_pct(said["solved_yes"]), partly=_pct(said["solved_partly"]), no=_pct(said["solved_no"])
    )
    reopened = t["reopened_of"].format(
        reopened=said["reopened"], closed=said["closed"], rate=_pct(said["reopen_rate"])
    )
    return [
        (t["verdicts"], said["verdicts"]),
        (t["rating"], _rating(said["mean_rating"])),
        (t["solved"], solved if said["verdicts"] else "–"),
        (t["reopened"], reopened),
    ]


def _nav(lang: str, query: dict[str, str]) -> str:
    t = TEXT[lang]
    keep = {"lang": lang, **{k: query[k] for k in ("regency", "period") if query.get(k)}}
    links = [
        ("/", t["nav_ranking"]),
        ("/peta", t["nav_map"]),
        ("/buletin", t["nav_bulletin"]),
        ("/cara-membaca", t["nav_guide"]),
    ]
    items = "".join(
        f'<li><a href="{escape(path + "?" + urlencode(keep))}">{escape(label)}</a></li>'
        for path, label in links
    )
    return f'<nav aria-label="{t["nav"]}"><ul>{items}</ul></nav>'


def _layout(
    lang: str,
    title: str,
    body: str,
    switch_query: dict[str, str],
    *,
    style: str = "",
    path: str = "",
) -> str:
    other = "en" if lang == "id" else "id"
    switch = escape(path + "?" + urlencode({**switch_query, "lang": other}))
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}{style}</style></head><body>"
        f'<header><h1>{escape(title)}</h1><a href="{switch}" id="lang">'
        f"{'English' if lang == 'id' else 'Bahasa Indonesia'}</a>{_nav(lang, switch_query)}"
        f"</header><main>{body}</main></body></html>"
    )


def ranking_page(
    lang: str,
    regency_name: str,
    params: dict[str, str],
    periods: list[str],
    kecamatan: list[dict[str, Any]],
    villages: list[dict[str, Any]],
    agencies: list[dict[str, Any]],
    *,
    regencies: list[tuple[str, str]] | None = None,
    choices: str = "",
    sections: str = "",
    style: str = "",
) -> str:
    """The ranking of a regency's Puskesos and its agency league table.

    `regencies` (code, name) are offered to pick from; `choices` are more fields of the form
    and `sections` come before the ranking (the under-performers, the map).
    """
    t = TEXT[lang]
    options = "".join(
        f'<option value="{escape(p)}"{" selected" if p == params["period"] else ""}>'
        f"{escape(t['rolling'] if p == 'rolling-30d' else p)}</option>"
        for p in periods
    )

    def kec_option(k: dict[str, Any]) -> str:
        chosen = " selected" if k["code"] == params["kecamatan"] else ""
        return f'<option value="{escape(k["code"])}"{chosen}>{escape(k["name"])}</option>'

    kec_options = f'<option value="">{t["all"]}</option>' + "".join(map(kec_option, kecamatan))
    shown = t["rolling"] if params["period"] == "rolling-30d" else params["period"]
    rows = "".join(_village_row(lang, v, params) for v in villages)

    def agency_row(a: dict[str, Any]) -> str:
        cells = [
            a["referrals"],
            a["resolved"],
            _num(a["median_days_to_acknowledge"]),
            _pct(a["sla_compliance"]),
            _pct(a["rejection_rate"]),
            _num(a["median_days_to_resolve"]),
            _rating(a.get("verdicts", {}).get("mean_rating")),
            _pct(a.get("verdicts", {}).get("reopen_rate")),
        ]
        numbers = "".join(f'<td class="n">{c}</td>' for c in cells)
        return f'<tr><td class="n">{a["rank"]}</td><td>{escape(a["name"])}</td>{numbers}</tr>'

    agency_rows = "".join(map(agency_row, agencies))
    csv = escape(
        "/v1/rankings.csv?"
        + urlencode(
            {
                "level": "village",
                "regency": params["regency"],
                "period": params["period"],
                **({"kecamatan": params["kecamatan"]} if params["kecamatan"] else {}),
            }
        )
    )
    body = (
        f'<form method="get"><input type="hidden" name="lang" value="{lang}">'
        f"{regency_picker(lang, regencies or [], params['regency'])}"
        f'<label>{t["period"]}<select name="period">{options}</select></label>'
        f'<label>{t["kecamatan"]}<select name="kecamatan">{kec_options}</select></label>'
        f"{choices}"
        f'<button type="submit">{t["show"]}</button> <a href="{csv}">{t["csv"]}</a>'
        f'<span class="live muted" id="live">{t["live"]}</span></form>'
        f'<p class="muted">{escape(t["method"])} '
        f'<a href="{escape("/cara-membaca?" + urlencode({"lang": lang}))}">{t["nav_guide"]}</a></p>'
        f"{sections}"
        f'<h2>{t["ranking"]} — {escape(shown)}</h2><div class="scroll" id="ranking" '
        f'tabindex="0" role="region" aria-label="{t["ranking"]}">'
        f"<table><thead><tr><th>{t['rank']}</th><th>{t['village']}</th><th>{t['received']}</th>"
        f"<th>{t['closed']}</th><th>{t['sla']}</th><th>{t['score']}</th><th>{t['status']}</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></div>"
        f'<h2>{t["agencies"]}</h2><div class="scroll" id="agencies" '
        f'tabindex="0" role="region" aria-label="{t["agencies"]}"><table><thead><tr>'
        f"<th>{t['rank']}</th><th>{t['agency']}</th><th>{t['referrals']}</th>"
        f"<th>{t['resolved']}</th><th>{t['ack']}</th>"
        f"<th>{t['sla']}</th><th>{t['rejected']}</th><th>{t['resolve']}</th>"
        f"<th>{t['rating']}</th><th>{t['reopened']}</th></tr></thead>"
        f"<tbody>{agency_rows}</tbody></table></div>"
        "<script>(function(){if(!window.EventSource)return;"
        "var s=new EventSource('/v1/rankings/stream');s.onmessage=function(){"
        "fetch(location.href).then(function(r){return r.text()}).then(function(h){"
        "var d=new DOMParser().parseFromString(h,'text/html');"
        "['ranking','agencies','underperformers','map'].forEach(function(id){"
        "var e=document.getElementById(id);if(e)e.innerHTML=d.getElementById(id).innerHTML});"
        "document.getElementById('live').textContent="
        "new Date().toLocaleTimeString()})}})();</script>"
    )
    return _layout(lang, f"{t['ranking']} {regency_name}", body, params, style=style)


def regency_picker(lang: str, regencies: list[tuple[str, str]], chosen: str) -> str:
    """A select of the served regencies (nothing when only one is served)."""
    if len(regencies) < 2:
        return f'<input type="hidden" name="regency" value="{escape(chosen)}">'
    options = "".join(
        f'<option value="{escape(code)}"{" selected" if code == chosen else ""}>'
        f"{escape(name)}</option>"
        for code, name in regencies
    )
    return f'<label>{TEXT[lang]["regency"]}<select name="regency">{options}</select></label>'


def _village_row(lang: str, v: dict[str, Any], params: dict[str, str]) -> str:
    t = TEXT[lang]
    note = t[v["status"]] if v["status"] != "ranked" else ""
    if v.get("flagged"):
        note = f'<span class="flag">{t["flag"]}</span>'
    link = escape(f"/puskesos/{v['code']}?" + urlencode({"lang": lang, "period": params["period"]}))
    return (
        f'<tr><td class="n">{v["rank"] or "–"}</td><td><a href="{link}">{escape(v["name"])}</a>'
        f'</td><td class="n">{v["received"]}</td>'
        f'<td class="n">{v["closed"]} ({_pct(v["resolution_rate"])})</td>'
        f'<td class="n">{_pct(v["sla_compliance"])}</td><td class="n">{_num(v["score"])}</td>'
        f"<td>{note}</td></tr>"
    )


def _chart(trend: list[dict[str, Any]], label: str) -> str:
    width, height, pad = 320, 140, 20
    top = max([p["received"] for p in trend] + [1])
    step = (width - 2 * pad) / max(len(trend), 1)
    bars, points, labels = [], [], []
    for i, p in enumerate(trend):
        x = pad + i * step
        h1 = (height - 2 * pad) * p["received"] / top
        h2 = (height - 2 * pad) * p["closed"] / top
        bars.append(
            f'<rect class="bar" x="{x:.1f}" y="{height - pad - h1:.1f}" '
            f'width="{step * 0.4:.1f}" height="{h1:.1f}"/>'
        )
        bars.append(
            f'<rect class="bar2" x="{x + step * 0.4:.1f}" y="{height - pad - h2:.1f}" '
            f'width="{step * 0.4:.1f}" height="{h2:.1f}"/>'
        )
        if p["score"] is not None:
            y = height - pad - (height - 2 * pad) * p["score"] / 100
            points.append(f"{x + step * 0.4:.1f},{y:.1f}")
        labels.append(f'<text x="{x:.1f}" y="{height - 4}" font-size="9">{p["period"][2:]}</text>')
    line = f'<polyline class="line" points="{" ".join(points)}"/>' if len(points) > 1 else ""
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(label)}" style="max-width:32rem">'
        f"{''.join(bars)}{line}{''.join(labels)}</svg>"
    )


def _trend_label(t: dict[str, str], trend: list[dict[str, Any]]) -> str:
    """What the chart shows, for a screen reader: each month's received and closed counts."""
    months = "; ".join(
        f"{p['period']}: {t['received']} {p['received']}, {t['closed']} {p['closed']}"
        for p in trend
    )
    return f"{t['trend']}. {months}"


def report_card_page(
    lang: str,
    card: dict[str, Any],
    kecamatan_name: str,
    params: dict[str, str],
    *,
    sections: str = "",
) -> str:
    """A Puskesos's report card with its six-month trend; `sections` come after the trend."""
    t = TEXT[lang]
    facts = [
        (t["score"], _num(card["score"])),
        (t["rank"], card["rank"] or t[card["status"]]),
        (t["received"], card["received"]),
        (t["closed"], _pct(card["resolution_rate"])),
        (t["sla"], _pct(card["sla_compliance"])),
        (t["prompt"], _pct(card["registered_within_a_day"])),
        (t["median"], _num(card["median_days_to_close"])),
        (t["p90"], _num(card["p90_days_to_close"])),
        (t["backlog"], card["open_backlog"]),
        (t["escalations"], card["escalations"]),
        (t["rereferrals"], card["re_referrals"]),
        *verdict_facts(lang, card["verdicts"]),
    ]
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in facts)
    back = escape("/?" + urlencode({"lang": lang, "period": params["period"]}))
    body = (
        f'<p><a href="{back}">{t["back"]}</a></p>'
        f'<h2>{escape(card["name"])} <span class="muted">({escape(kecamatan_name)})</span></h2>'
        f'<table id="card">{rows}</table><h2>{t["trend"]}</h2>'
        f"{_chart(card['trend'], _trend_label(t, card['trend']))}"
        f'<p class="muted">{t["legend"]}</p>{sections}'
    )
    return _layout(lang, f"{t['card']} — {card['name']}", body, params)
