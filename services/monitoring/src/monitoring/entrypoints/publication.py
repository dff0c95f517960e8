"""What a district publishes: the map, the under-performers, the guide, the monthly bulletin.

Server-rendered HTML and SVG, nothing loaded from elsewhere, in Bahasa Indonesia or English.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from monitoring.domain import choropleth
from monitoring.domain.periods import ROLLING, is_month
from monitoring.domain.ranking import Policy
from monitoring.entrypoints import programmes_page
from monitoring.entrypoints.page import TEXT, _layout, _num, _pct, regency_picker

WORDS = {
    "id": {
        "map": "Peta",
        "map_of": "Peta {measure} per desa/kelurahan",
        "measure": "Ukuran peta",
        "score": "Skor",
        "resolution_rate": "Pengaduan selesai",
        "sla_compliance": "Rujukan tepat waktu",
        "registered_within_a_day": "Dicatat ≤ 1 hari",
        "no_data": "tidak ada data / kasus belum cukup",
        "not_active": "belum aktif (belum ada pengaduan)",
        "no_map": "Peta kabupaten ini belum tersedia: batas desanya belum ada di data rujukan.",
        "legend": "Keterangan",
        "under": "Puskesos belum optimal",
        "under_agencies": "OPD belum optimal",
        "none_flagged": "Tidak ada Puskesos yang ditandai pada periode ini.",
        "none_flagged_agencies": "Tidak ada OPD yang ditandai pada periode ini.",
        "not_closed": "{bad} dari {whole} pengaduan belum selesai",
        "past_sla": "{bad} dari {whole} rujukan melewati batas waktu",
        "registered_late": "{bad} dari {whole} pengaduan dicatat lebih dari sehari setelah "
        "diterima",
        "rejected": "{bad} dari {whole} rujukan ditolak",
        "months_in_a_row": "ditandai {n} bulan berturut-turut",
        "first_month": "ditandai bulan ini",
        "best": "Kinerja terbaik",
        "none_best": "Belum ada Puskesos yang diperingkat.",
        "summary": "Ringkasan",
        "bulletin": "Buletin Kinerja Puskesos",
        "pdf": "Unduh PDF",
        "print": "Cetak",
        "ranked": "Desa/kelurahan diperingkat",
        "active": "Desa/kelurahan dengan pengaduan",
        "villages": "Desa/kelurahan",
        "month": "Bulan",
        "guide": "Cara membaca peringkat ini",
        "months": (
            "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
        ),
        "generated": "Dihitung dari data SLRT; tanpa data pribadi.",
        "programmes": "Program kabupaten",
    },
    "en": {
        "map": "Map",
        "map_of": "Map of {measure} by village",
        "measure": "Map measure",
        "score": "Score",
        "resolution_rate": "Complaints closed",
        "sla_compliance": "Referrals on time",
        "registered_within_a_day": "Registered within a day",
        "no_data": "no data / too few cases",
        "not_active": "not yet active (no complaint yet)",
        "no_map": "No map of this regency yet: its village boundaries are not in the reference "
        "data.",
        "legend": "Legend",
        "under": "Puskesos not performing well",
        "under_agencies": "Agencies not performing well",
        "none_flagged": "No Puskesos is flagged in this period.",
        "none_flagged_agencies": "No agency is flagged in this period.",
        "not_closed": "{bad} of {whole} complaints not closed",
        "past_sla": "{bad} of {whole} referrals past their SLA",
        "registered_late": "{bad} of {whole} complaints registered more than a day after receipt",
        "rejected": "{bad} of {whole} referrals rejected",
        "months_in_a_row": "flagged {n} months in a row",
        "first_month": "flagged this month",
        "best": "Best performers",
        "none_best": "No Puskesos is ranked yet.",
        "summary": "Summary",
        "bulletin": "Puskesos performance bulletin",
        "pdf": "Download PDF",
        "print": "Print",
        "ranked": "Villages ranked",
        "active": "Villages with complaints",
        "villages": "Villages",
        "month": "Month",
        "guide": "How to read this ranking",
        "months": (
            "January February March April May June July August September October November December"
        ),
        "generated": "Computed from SLRT's records; no personal data.",
        "programmes": "District programmes",
    },
}

MAP_STYLE = (
    ".map{margin:1rem 0}.map>svg{width:100%;height:auto;max-height:80vh;display:block}"
    ".map path.v{stroke:#fff;stroke-width:.6}.map a:focus path.v,.map a:hover path.v"
    "{stroke:#000;stroke-width:2.5}.map a:focus{outline:none}"
    ".map .kec{fill:none;stroke:#1d2733;stroke-width:1.6;stroke-linejoin:round;"
    "pointer-events:none}.no_data{fill:#c9ced4}.not_active{fill:url(#hatch)}"
    + "".join(f".{cls}{{fill:{colour}}}" for cls, colour, _, _ in choropleth.steps())
    + ".legend{list-style:none;display:flex;flex-wrap:wrap;gap:.3rem 1rem;padding:0;"
    "font-size:.85rem}.legend svg{width:1.2rem;height:1rem;vertical-align:middle;"
    "margin-right:.3rem}.reason{display:block;font-size:.9rem}"
    "ol.under li{margin:.3rem 0}"
)

PRINT_STYLE = (
    "@page{size:A4;margin:14mm}.bulletin section{break-inside:avoid}"
    ".bulletin .map>svg{max-height:150mm}.facts{display:grid;"
    "grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.5rem;padding:0;"
    "list-style:none}.facts li{border:1px solid #dde3e8;border-radius:.3rem;padding:.4rem}"
    ".facts b{display:block;font-size:1.2rem}"
    "@media print{header nav,#lang,.noprint{display:none}header{background:none;color:#000;"
    "padding:0}body{font-size:10pt}main{padding:0;max-width:none}.scroll{overflow:visible}"
    "a{color:inherit;text-decoration:none}.bulletin .map>svg{max-height:140mm}}"
)


def measure_label(lang: str, measure: str) -> str:
    """A map measure's name."""
    return WORDS[lang][measure]


def measure_choice(lang: str, chosen: str) -> str:
    """A select of the measures the map can be coloured by."""
    w = WORDS[lang]
    options = "".join(
        f'<option value="{m}"{" selected" if m == chosen else ""}>{escape(w[m])}</option>'
        for m in choropleth.MEASURES
    )
    return f'<label>{w["measure"]}<select name="measure">{options}</select></label>'


def _value_text(lang: str, row: dict[str, Any], measure: str) -> str:
    t = TEXT[lang]
    shade = choropleth.shade(row, measure)
    if shade == choropleth.NOT_ACTIVE:
        return t["not_active"]
    if shade == choropleth.NO_DATA:
        return t["too_few_cases"] if row["status"] == "too_few_cases" else WORDS[lang]["no_data"]
    value = choropleth.value_of(row, measure)
    shown = f"{value:.1f}" if measure == "score" else f"{value:.0f}%"
    return f"{WORDS[lang][measure]} {shown}"


def _swatch(cls: str) -> str:
    return (
        f'<svg viewBox="0 0 12 10" aria-hidden="true" focusable="false">'
        f'<rect class="{cls}" width="12" height="10" stroke="#6b7785" stroke-width=".5"/></svg>'
    )


def map_figure(
    lang: str,
    drawing: dict[str, Any] | None,
    rows: list[dict[str, Any]],
    measure: str,
    period: str,
) -> str:
    """The regency's villages coloured by `measure`, each linking to its report card."""
    w = WORDS[lang]
    if drawing is None:
        return f'<section id="map"><p>{w["no_map"]}</p></section>'
    caption = w["map_of"].format(measure=w[measure].lower())
    by_code = {r["code"]: r for r in rows}
    shapes = []
    for code, path in drawing["villages"].items():
        row = by_code.get(code)
        if row is None:
            continue
        link = escape(f"/puskesos/{code}?" + urlencode({"lang": lang, "period": period}))
        label = escape(f"{row['name']}: {_value_text(lang, row, measure)}")
        shade = choropleth.shade(row, measure)
        shapes.append(
            f'<a href="{link}" aria-label="{label}"><path class="v {shade}"'
            f' data-code="{escape(code)}" d="{path}"/></a>'
        )
    outlines = "".join(f'<path d="{path}"/>' for path in drawing["kecamatan"].values())
    legend = "".join(
        f"<li>{_swatch(cls)}{low}–{high}{'' if measure == 'score' else '%'}</li>"
        for cls, _, low, high in choropleth.steps()
    )
    legend += f"<li>{_swatch('no_data')}{w['no_data']}</li>"
    legend += f"<li>{_swatch('not_active')}{w['not_active']}</li>"
    shown = TEXT[lang]["rolling"] if period == ROLLING else period
    return (
        f'<section id="map" class="map"><h2 id="map-caption">{escape(caption)} — '
        f"{escape(shown)}</h2>"
        f'<svg viewBox="0 0 {drawing["width"]} {drawing["height"]}" role="group" '
        f'aria-labelledby="map-caption"><defs><pattern id="hatch" width="8" height="8" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="8" height="8" fill="#f6f7f8"/>'
        '<rect width="1.5" height="8" fill="#aab2bb"/></pattern></defs>'
        f'{"".join(shapes)}<g class="kec" aria-hidden="true">{outlines}</g></svg>'
        f'<h3 class="muted" id="legend-title">{w["legend"]}</h3>'
        f'<ul class="legend" aria-labelledby="legend-title">{legend}</ul></section>'
    )


def reason_text(lang: str, reason: dict[str, Any] | None) -> str:
    """A flag's reason in words: `12 dari 20 rujukan melewati batas waktu`."""
    if reason is None:
        return ""
    return WORDS[lang][reason["measure"]].format(bad=reason["bad"], whole=reason["whole"])


def _streak(lang: str, months: int) -> str:
    w = WORDS[lang]
    if months <= 0:
        return ""
    return w["first_month"] if months == 1 else w["months_in_a_row"].format(n=months)


def underperformers_section(
    lang: str, found: dict[str, Any], period: str, *, heading: str = "h2"
) -> str:
    """The flagged villages (worst first) and agencies, each with its reason and streak."""
    w, t = WORDS[lang], TEXT[lang]
    shown = t["rolling"] if period == ROLLING else period

    def item(name: str, link: str | None, figure: str, reason: str, streak: str) -> str:
        title = f'<a href="{escape(link)}">{escape(name)}</a>' if link else escape(name)
        detail = "; ".join(x for x in (reason, streak) if x)
        return f'<li>{title} ({figure})<span class="reason">{escape(detail)}</span></li>'

    villages = "".join(
        item(
            v["name"],
            f"/puskesos/{v['code']}?" + urlencode({"lang": lang, "period": period}),
            f"{t['score']} {_num(v['score'])}",
            reason_text(lang, v["reason"]),
            _streak(lang, v["months_in_a_row"]),
        )
        for v in found["villages"]
    )
    agencies = "".join(
        item(
            a["name"] or a["code"],
            None,
            f"{a['referrals']} {t['referrals'].lower()}",
            reason_text(lang, a["reason"]),
            _streak(lang, a["months_in_a_row"]),
        )
        for a in found["agencies"]
    )
    sub = "h3" if heading == "h2" else "h4"
    return (
        f'<section id="underperformers"><{heading}>{w["under"]} — {escape(shown)}</{heading}>'
        + (f'<ol class="under" id="under-villages">{villages}</ol>' if villages else "")
        + ("" if villages else f"<p>{w['none_flagged']}</p>")
        + f"<{sub}>{w['under_agencies']}</{sub}>"
        + (f'<ol class="under" id="under-agencies">{agencies}</ol>' if agencies else "")
        + ("" if agencies else f"<p>{w['none_flagged_agencies']}</p>")
        + "</section>"
    )


def map_page(
    lang: str,
    regency_name: str,
    params: dict[str, str],
    regencies: list[tuple[str, str]],
    periods: list[str],
    figure: str,
) -> str:
    """The map alone, with the choice of regency, period and measure."""
    t = TEXT[lang]
    options = "".join(
        f'<option value="{escape(p)}"{" selected" if p == params["period"] else ""}>'
        f"{escape(t['rolling'] if p == ROLLING else p)}</option>"
        for p in periods
    )
    body = (
        f'<form method="get"><input type="hidden" name="lang" value="{lang}">'
        f"{regency_picker(lang, regencies, params['regency'])}"
        f'<label>{t["period"]}<select name="period">{options}</select></label>'
        f"{measure_choice(lang, params['measure'])}"
        f'<button type="submit">{t["show"]}</button></form>{figure}'
    )
    return _layout(
        lang, f"{WORDS[lang]['map']} {regency_name}", body, params, style=MAP_STYLE, path="/peta"
    )


def month_name(lang: str, period: str) -> str:
    """`2026-12` as `Desember 2026`."""
    if not is_month(period):
        return period
    year, month = period.split("-")
    return f"{WORDS[lang]['months'].split()[int(month) - 1]} {year}"


def bulletin_page(
    lang: str,
    regency_name: str,
    params: dict[str, str],
    regencies: list[tuple[str, str]],
    months: list[str],
    summary: dict[str, Any],
    rows: list[dict[str, Any]],
    figure: str,
    found: dict[str, Any],
    agencies: list[dict[str, Any]],
    programmes: list[tuple[str, str]],
) -> str:
    """A regency's monthly bulletin, printable on A4.

    `programmes` are (name, progress in words) of the district's programmes; the section is
    left out while there are none.
    """
    w, t = WORDS[lang], TEXT[lang]
    month = params["period"]
    options = "".join(
        f'<option value="{m}"{" selected" if m == month else ""}>{month_name(lang, m)}</option>'
        for m in months
    )
    pdf = escape("/buletin.pdf?" + urlencode({**params, "lang": lang}))
    ranked = sum(1 for r in rows if r["status"] == "ranked")
    active = sum(1 for r in rows if r["status"] != "not_active")
    facts = [
        (t["received"], summary["received"]),
        (t["closed"], _pct(summary["resolution_rate"])),
        (t["sla"], _pct(summary["sla_compliance"])),
        (t["prompt"], _pct(summary["registered_within_a_day"])),
        (t["escalations"], summary["escalations"]),
        (t["backlog"], summary["open_backlog"]),
        (w["active"], f"{active} / {len(rows)}"),
        (w["ranked"], f"{ranked} / {len(rows)}"),
    ]
    fact_items = "".join(f"<li>{escape(str(k))}<b>{escape(str(v))}</b></li>" for k, v in facts)
    best = "".join(
        f"<li>{escape(b['name'])} ({t['score']} {_num(b['score'])})</li>" for b in found["best"]
    )
    league = "".join(
        f'<tr><td class="n">{a["rank"]}</td><td>{escape(a["name"] or a["code"] or "–")}</td>'
        f'<td class="n">{a["referrals"]}</td><td class="n">{_pct(a["sla_compliance"])}</td>'
        f'<td class="n">{_pct(a["rejection_rate"])}</td>'
        f'<td class="n">{_num(a["median_days_to_resolve"])}</td></tr>'
        for a in agencies
    )
    progress = "".join(
        f"<tr><th>{escape(name)}</th><td>{escape(text)}</td></tr>" for name, text in programmes
    )
    body = (
        f'<div class="bulletin"><form method="get" class="noprint">'
        f'<input type="hidden" name="lang" value="{lang}">'
        f"{regency_picker(lang, regencies, params['regency'])}"
        f'<label>{w["month"]}<select name="period">{options}</select></label>'
        f'<button type="submit">{t["show"]}</button> <a href="{pdf}" id="pdf">{w["pdf"]}</a>'
        "</form>"
        f'<p class="muted">{escape(regency_name)} — {month_name(lang, month)}. '
        f"{w['generated']}</p>"
        f'<section id="summary"><h2>{w["summary"]}</h2><ul class="facts">{fact_items}</ul>'
        f'<p class="muted">{escape(t["method"])}</p></section>'
        f"{figure}"
        f"{underperformers_section(lang, found, month)}"
        f'<section id="best"><h2>{w["best"]}</h2>'
        + (f"<ol>{best}</ol>" if best else f"<p>{w['none_best']}</p>")
        + "</section>"
        f'<section id="league"><h2>{t["agencies"]}</h2><div class="scroll" tabindex="0" '
        f'role="region" aria-label="{t["agencies"]}"><table><thead><tr><th>{t["rank"]}</th>'
        f"<th>{t['agency']}</th><th>{t['referrals']}</th><th>{t['sla']}</th>"
        f"<th>{t['rejected']}</th><th>{t['resolve']}</th></tr></thead><tbody>{league}</tbody>"
        "</table></div></section>"
        + (
            f'<section id="programmes"><h2>{w["programmes"]}</h2>'
            f"<table>{progress}</table></section>"
            if progress
            else ""
        )
        + "</div>"
    )
    title = f"{w['bulletin']} {regency_name} — {month_name(lang, month)}"
    return _layout(lang, title, body, params, style=MAP_STYLE + PRINT_STYLE, path="/buletin")


def verdict_guide(weighed: bool, sat: int, reo: int, k: float) -> tuple[str, str]:
    """The guide's section on the residents' verdicts, in Bahasa Indonesia and in English."""
    if weighed:
        score_id = (
            f"Di kabupaten ini keduanya ikut dalam skor: {sat}% kepuasan warga dan {reo}% "
            "pengaduan selesai yang tidak dibuka kembali. Karena hanya sebagian warga menjawab, "
            f"masing-masing lebih dulu ditarik ke arah nilai seluruh kabupaten seolah ada {k:g} "
            "jawaban (atau pengaduan selesai) tambahan bernilai rata-rata; desa tanpa jawaban "
            "dihitung sama dengan rata-rata kabupaten."
        )
        score_en = (
            f"In this regency both count in the score: {sat}% residents' satisfaction and {reo}%"
            " closed complaints not reopened. As only some residents answer, each is first "
            f"pulled toward the whole regency's value as if there were {k:g} more answers (or "
            "closed complaints) of average value; a village without answers counts at the "
            "regency's value."
        )
    else:
        score_id = (
            "Keduanya ditampilkan di rapor Puskesos dan tabel OPD, tetapi tidak ikut dalam skor: "
            "jawaban warga sukarela dan masih sedikit. Kabupaten dapat memberinya bobot "
            "(MONITORING_WEIGHT_SATISFACTION, MONITORING_WEIGHT_NOT_REOPENED)."
        )
        score_en = (
            "Both are shown on the Puskesos report card and the agency table, but do not count "
            "in the score: residents answer by choice and still few do. A regency may weigh "
            "them (MONITORING_WEIGHT_SATISFACTION, MONITORING_WEIGHT_NOT_REOPENED)."
        )
    said_id = (
        "<p>Setelah pengaduan selesai, warga (atau petugas atas namanya) dapat memberi penilaian: "
        "apakah masalahnya selesai (ya, sebagian, tidak) dan nilai 1–5; yang dihitung adalah "
        "penilaian terakhirnya. Komentar warga tidak pernah sampai ke halaman ini.</p><ul>"
        "<li><b>Rata-rata nilai warga</b>: rata-rata nilai 1–5; sebagai bagian skor, "
        "kepuasan = (nilai − 1) ÷ 4, dari 0 sampai 1.</li>"
        "<li><b>Dibuka kembali</b>: pengaduan yang dibuka kembali oleh warga atau petugas, dari "
        "pengaduan periode ini yang sudah selesai.</li><li><b>OPD</b>: penilaian dan pembukaan "
        "kembali pengaduan yang pernah dirujuk ke OPD itu dalam periode ini.</li></ul>"
        f"<p>{score_id}</p>"
    )
    said_en = (
        "<p>Once a complaint is closed, the resident (or the operator on their behalf) may say "
        "whether the problem was solved (yes, partly, no) and rate it 1-5; their latest answer "
        "counts. Residents' comments never reach this page.</p><ul>"
        "<li><b>Residents' mean rating</b>: the mean of the 1-5 ratings; as a share of the "
        "score, satisfaction = (rating - 1) / 4, from 0 to 1.</li>"
        "<li><b>Reopened</b>: complaints reopened by the resident or the operator, among the "
        "period's closed complaints.</li><li><b>Agencies</b>: the verdicts and reopenings of the "
        "complaints referred to the agency in the period.</li></ul>"
        f"<p>{score_en}</p>"
    )
    return said_id, said_en


def guide_page(lang: str, policy: Policy, params: dict[str, str]) -> str:
    """How to read the ranking, in plain words, with this deployment's numbers."""
    weights = policy.weights
    shares = (
        weights.resolution,
        weights.sla,
        weights.registration,
        weights.satisfaction,
        weights.not_reopened,
    )
    total = sum(shares) or 1.0
    res, sla, reg, sat, reo = (round(100 * x / total) for x in shares)
    k, n_min, bar = policy.prior_strength, policy.min_caseload, policy.flag_below
    said_id, said_en = verdict_guide(weights.weighs_verdicts, sat, reo, k)
    more_id = more_en = ""
    if weights.weighs_verdicts:
        more_id = f" Ditambah {sat}% kepuasan warga dan {reo}% pengaduan yang tidak dibuka kembali."
        more_en = f" Plus {sat}% residents' satisfaction and {reo}% closed complaints not reopened."

    def shrunk(n: int) -> str:
        return f"{(n * 100 + k * 60) / (n + k):.1f}"

    if lang == "id":
        sections = [
            (
                "Apa yang diukur",
                f"<p><b>Skor</b> (0–100) menggabungkan tiga bagian: {res}% pengaduan yang sudah "
                f"selesai, {sla}% rujukan yang diselesaikan sebelum batas waktunya (SLA), dan "
                f"{reg}% pengaduan yang dicatat paling lambat sehari setelah diterima. Bagian yang "
                "belum bisa dihitung (misalnya belum ada rujukan yang jatuh tempo) dihitung "
                f"sama dengan rata-rata kabupaten.{more_id}</p><ul>"
                "<li><b>Pengaduan selesai</b>: bagian pengaduan periode ini yang sudah ditutup."
                "</li><li><b>Rujukan tepat waktu</b>: rujukan yang selesai sebelum batas waktu, "
                "dari semua rujukan yang sudah jatuh tempo atau sudah selesai (rujukan yang "
                "ditolak tidak dihitung di sini).</li><li><b>Dicatat ≤ 1 hari</b>: pengaduan "
                "yang masuk ke sistem paling lambat sehari setelah warga menyampaikannya; "
                "pencatatan luring yang terlambat menurunkannya.</li><li><b>OPD</b>: hari "
                "sampai rujukan ditanggapi, rujukan tepat waktu, rujukan ditolak, hari sampai "
                "selesai.</li></ul>",
            ),
            ("Penilaian warga dan pengaduan yang dibuka kembali", said_id),
            (
                "Mengapa desa dengan sedikit kasus tidak diperingkat",
                f"<p>Sebuah desa baru diperingkat bila punya paling sedikit {n_min} pengaduan "
                "dalam periode itu. Dengan lebih sedikit, keterangannya <i>kasus belum cukup</i>; "
                "tanpa pengaduan sama sekali, <i>belum aktif</i>. Dua atau tiga kasus yang "
                "kebetulan cepat selesai belum menunjukkan kinerja.</p>",
            ),
            (
                "Bagaimana skor disesuaikan",
                f"<p>Skor setiap desa ditarik ke arah rata-rata kabupaten seolah-olah ada {k:g} "
                "pengaduan tambahan bernilai rata-rata: skor = (n × skor desa + "
                f"{k:g} × rata-rata) ÷ (n + {k:g}), dengan n jumlah pengaduan desa. Contoh, bila "
                f"rata-rata kabupaten 60 dan skor desa 100: dengan 5 pengaduan menjadi "
                f"{shrunk(5)}, dengan 50 pengaduan {shrunk(50)}. Makin banyak kasus, makin "
                "sedikit penyesuaiannya.</p>",
            ),
            (
                "Siapa yang ditandai belum optimal",
                f"<p>Desa yang diperingkat dengan skor di bawah {bar:g} ditandai <i>perlu "
                "perhatian</i> dan masuk daftar <i>Puskesos belum optimal</i>, dengan ukuran "
                "yang paling menurunkan skornya dan berapa bulan berturut-turut ia ditandai. "
                f"OPD dengan paling sedikit {n_min} rujukan ditandai bila kurang dari {bar:g}% "
                f"rujukannya tepat waktu atau lebih dari {100 - bar:g}% ditolak.</p>",
            ),
            (
                "Apa yang tidak bisa dikatakan peringkat ini",
                "<ul><li>Peringkat hanya menghitung pengaduan yang tercatat di SLRT, bukan "
                "kebutuhan warga yang tidak pernah disampaikan.</li><li>Desa dengan banyak "
                "pengaduan bisa jadi desa yang paling aktif menjangkau warganya.</li><li>Peringkat "
                "tidak mengukur mutu bantuan; penilaian warga hanya dari yang mau menjawab."
                "</li><li>Desa berbeda jumlah "
                "penduduk dan masalahnya; selisih skor yang kecil tidak berarti.</li><li>Gunakan "
                "peringkat untuk bertanya dan membantu, bukan untuk menghukum.</li></ul>",
            ),
        ]
        title = WORDS["id"]["guide"]
    else:
        sections = [
            (
                "What is measured",
                f"<p>The <b>score</b> (0-100) combines three parts: {res}% complaints closed, "
                f"{sla}% referrals resolved before their due time (SLA), and {reg}% complaints "
                "registered within a day of being received. A part that cannot be computed yet "
                f"(no referral due, say) counts at the regency's mean.{more_en}</p><ul>"
                "<li><b>Complaints closed</b>: the share of the period's complaints that are "
                "closed.</li><li><b>Referrals on time</b>: referrals resolved by their due time, "
                "among those due or resolved (rejected ones do not count here).</li>"
                "<li><b>Registered within a day</b>: complaints entered at most a day after the "
                "resident made them; offline batches entered late lower it.</li><li><b>Agencies"
                "</b>: days to acknowledge, referrals on time, referrals rejected, days to "
                "resolve.</li></ul>",
            ),
            ("Residents' verdicts and reopened complaints", said_en),
            (
                "Why villages with few cases are not ranked",
                f"<p>A village is ranked only with at least {n_min} complaints in the period. "
                "With fewer it reads <i>too few cases</i>; with none, <i>not yet active</i>. Two "
                "or three cases that happened to close fast do not show performance.</p>",
            ),
            (
                "How the score is adjusted",
                f"<p>Each village's score is pulled toward the regency's mean as if it had {k:g} "
                f"more complaints of average performance: score = (n × own score + {k:g} × mean)"
                f" ÷ (n + {k:g}), n being its complaints. With a regency mean of 60 and an own "
                f"score of 100: {shrunk(5)} with 5 complaints, {shrunk(50)} with 50. The more "
                "cases, the smaller the adjustment.</p>",
            ),
            (
                "Who is flagged",
                f"<p>Ranked villages scoring under {bar:g} are flagged <i>needs attention</i> and "
                "listed under <i>Puskesos not performing well</i>, with the measure pulling "
                "them down most and how many months in a row they have been flagged. Agencies "
                f"with at least {n_min} referrals are flagged when under {bar:g}% of them were "
                f"on time or over {100 - bar:g}% were rejected.</p>",
            ),
            (
                "What this ranking cannot say",
                "<ul><li>It counts only complaints recorded in SLRT, not needs never reported."
                "</li><li>A village with many complaints may be the one reaching its residents "
                "best.</li><li>It does not measure the quality of help; residents' verdicts "
                "come only from those who choose to answer.</li><li>Villages differ in "
                "population and problems; small "
                "differences in score mean nothing.</li><li>Use it to ask questions and to help,"
                " not to punish.</li></ul>",
            ),
        ]
        title = WORDS["en"]["guide"]
    sections.insert(-1, programmes_page.guide_section(lang))
    body = "".join(f"<section><h2>{h}</h2>{text}</section>" for h, text in sections)
    return _layout(lang, title, body, params, path="/cara-membaca")
