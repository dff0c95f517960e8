"""The programmes on the public pages: the district summary, the report card, the bulletin, the
guide. Counts only, in Bahasa Indonesia or English; no facilitator is named."""

from __future__ import annotations

from html import escape
from typing import Any

WORDS = {
    "id": {
        "district": "Program kabupaten {year}",
        "card": "Program {year}",
        "graduations": "Graduasi PKH dikonfirmasi",
        "of_target": "{confirmed} dari target {target}",
        "no_target": "{confirmed} (target belum ditetapkan)",
        "on_pace": "sesuai laju",
        "behind": "tertinggal",
        "reached": "target tercapai",
        "projected": "perkiraan akhir tahun {projected}",
        "facilitators": "Pendamping PKH mencapai minimal {minimum} graduasi",
        "facilitators_of": "{at} dari {active}",
        "proposals": "Usulan data DTSEN diterima",
        "states": "Diterima {accepted} · ditolak {rejected} · menunggu di dinas {waiting}"
        " · dikembalikan ke desa {at_village}",
        "kinds": "Baru {baru} · perubahan {perubahan} · penghapusan {penghapusan}",
        "proposal_states": "Status usulan DTSEN",
        "proposal_kinds": "Jenis usulan DTSEN",
        "stage": "Median hari tahap {stage}",
        "stage_of": "{days} hari ({ended} usulan)",
        "month": "Graduasi PKH dikonfirmasi bulan ini",
        "year": "Graduasi PKH dikonfirmasi tahun {year}",
        "none": "–",
    },
    "en": {
        "district": "District programmes {year}",
        "card": "Programmes {year}",
        "graduations": "PKH graduations confirmed",
        "of_target": "{confirmed} of a target of {target}",
        "no_target": "{confirmed} (no target set)",
        "on_pace": "on pace",
        "behind": "behind",
        "reached": "target reached",
        "projected": "year-end estimate {projected}",
        "facilitators": "PKH facilitators at the minimum of {minimum} graduations",
        "facilitators_of": "{at} of {active}",
        "proposals": "DTSEN data proposals received",
        "states": "Accepted {accepted} · rejected {rejected} · waiting at an agency {waiting}"
        " · sent back to the village {at_village}",
        "kinds": "New {baru} · change {perubahan} · removal {penghapusan}",
        "proposal_states": "DTSEN proposals' state",
        "proposal_kinds": "DTSEN proposals' kind",
        "stage": "Median days of stage {stage}",
        "stage_of": "{days} days ({ended} proposals)",
        "month": "PKH graduations confirmed this month",
        "year": "PKH graduations confirmed in {year}",
        "none": "–",
    },
}


def _graduation_text(lang: str, g: dict[str, Any]) -> str:
    w = WORDS[lang]
    if g["target"] is None:
        return w["no_target"].format(confirmed=g["confirmed"])
    pace = w["reached"] if g["reached"] else w["on_pace"] if g["on_pace"] else w["behind"]
    projected = w["projected"].format(projected=g["projected"])
    return f"{w['of_target'].format(confirmed=g['confirmed'], target=g['target'])}: {pace}" + (
        "" if g["reached"] else f" ({projected})"
    )


def proposal_facts(lang: str, counts: dict[str, Any]) -> list[tuple[str, str]]:
    """A place's DTSEN proposals as (label, value) lines: received, states, kinds, stages."""
    w = WORDS[lang]
    facts = [
        (w["proposals"], str(counts["received"])),
        (w["proposal_states"], w["states"].format(**counts)),
        (w["proposal_kinds"], w["kinds"].format(**counts["by_kind"])),
    ]
    facts += [
        (
            w["stage"].format(stage=s["stage"]),
            w["stage_of"].format(days=f"{s['median_days']:.1f}", ended=s["ended"]),
        )
        for s in counts["stages"]
    ]
    return facts


def _table(facts: list[tuple[str, str]], table_id: str) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    return f'<table id="{table_id}">{rows}</table>'


def district_section(lang: str, progress: dict[str, Any]) -> str:
    """The district summary's programmes: graduations against the target, facilitators at the
    minimum, and the DTSEN proposals."""
    w, g = WORDS[lang], progress["graduations"]
    f = g["facilitators"]
    at_minimum = (
        w["none"]
        if f["at_minimum"] is None
        else w["facilitators_of"].format(at=f["at_minimum"], active=f["active"])
    )
    facts = [
        (w["graduations"], _graduation_text(lang, g)),
        (w["facilitators"].format(minimum=f["minimum"] or w["none"]), at_minimum),
        *proposal_facts(lang, progress["data_proposals"]),
    ]
    return (
        f'<section id="programmes"><h2>{escape(w["district"].format(year=progress["year"]))}'
        f"</h2>{_table(facts, 'programme-figures')}</section>"
    )


def card_section(lang: str, progress: dict[str, Any]) -> str:
    """A report card's programmes: the village's graduations this year and its proposals."""
    w = WORDS[lang]
    facts = [
        (w["graduations"], str(progress["graduations"]["confirmed"])),
        *proposal_facts(lang, progress["data_proposals"]),
    ]
    return (
        f'<section id="programmes"><h2>{escape(w["card"].format(year=progress["year"]))}</h2>'
        f"{_table(facts, 'programme-figures')}</section>"
    )


def bulletin_lines(lang: str, progress: dict[str, Any], month: str) -> list[tuple[str, str]]:
    """The bulletin's programme lines of a month: graduations of the month and of the year
    against the target, facilitators at the minimum, and the year's DTSEN proposals."""
    w, g = WORDS[lang], progress["graduations"]
    f, counts = g["facilitators"], progress["data_proposals"]
    if g["confirmed"] == 0 and g["target"] is None and counts["received"] == 0:
        return []  # nothing of the programmes is recorded yet: the section stays out
    lines = [
        (w["month"], str(g["by_month"].get(month, 0))),
        (w["year"].format(year=progress["year"]), _graduation_text(lang, g)),
    ]
    if f["at_minimum"] is not None:
        lines.append(
            (
                w["facilitators"].format(minimum=f["minimum"]),
                w["facilitators_of"].format(at=f["at_minimum"], active=f["active"]),
            )
        )
    return lines + proposal_facts(lang, counts)


GUIDE = {
    "id": (
        "Program kabupaten: graduasi PKH dan usulan data DTSEN",
        "<p><b>Graduasi PKH</b> dihitung sekali, saat koordinator PKH mengonfirmasinya, pada bulan "
        "keputusannya (waktu kabupaten, WIB); usulan yang ditolak tidak dihitung. Target adalah "
        "yang ditetapkan kabupaten untuk tahun itu. <i>Sesuai laju</i> berarti graduasi sejauh "
        "ini, bila berlanjut dengan kecepatan yang sama sampai akhir tahun, mencapai target "
        "(dikonfirmasi ÷ bagian tahun yang sudah lewat). Pendamping tidak pernah disebut namanya: "
        "hanya berapa pendamping aktif yang sudah mencapai minimal per pendamping.</p>"
        "<p><b>Usulan data DTSEN</b> dari desa melewati tahap-tahap (kelengkapan, verifikasi, "
        "keputusan). <i>Diterima</i>: tahap terakhir menyelesaikannya; <i>ditolak</i>: tahap "
        "terakhir menolaknya atau sebuah tahap berakhir tanpa hasil <i>selesai</i>; "
        "<i>dikembalikan ke desa</i>: menunggu dilengkapi operator; <i>menunggu</i>: sedang di "
        "dinas. Hari per tahap dihitung dari pengiriman <b>pertama</b> tahap itu sampai tahap "
        "itu berakhir, jadi waktu di desa setelah dikembalikan ikut terhitung; median dari usulan "
        "yang tahapnya sudah berakhir.</p><p>Angka ini tidak mengatakan apakah keluarga "
        "benar-benar sejahtera, apakah data DTSEN kini benar, atau mengapa sebuah usulan "
        "lambat; desa dengan banyak usulan bisa jadi desa yang paling rajin memperbaiki "
        "datanya.</p>",
    ),
    "en": (
        "District programmes: PKH graduations and DTSEN data proposals",
        "<p>A <b>PKH graduation</b> counts once, when the PKH coordinator confirms it, in the "
        "month of the decision (district time, WIB); refused proposals do not count. The target "
        "is the one the district set for the year. <i>On pace</i> means the graduations so far, "
        "carried on at the same rate to the year's end, reach the target (confirmed ÷ the share "
        "of the year gone by). Facilitators are never named: only how many active facilitators "
        "have reached the minimum per facilitator.</p>"
        "<p><b>DTSEN data proposals</b> from the villages pass stages (completeness, "
        "verification, decision). <i>Accepted</i>: the last stage resolved it; <i>rejected</i>: "
        "the last stage rejected it or a stage ended without the outcome <i>resolved</i>; "
        "<i>sent back to the village</i>: waiting for the operator to complete it; "
        "<i>waiting</i>: at an agency. A stage's days run from its <b>first</b> dispatch to its "
        "end, so time back at the village counts in it; the median is over the proposals whose "
        "stage has ended.</p><p>These counts do not say whether a family is truly self-reliant, "
        "whether the DTSEN data is now right, or why a proposal is slow; a village with many "
        "proposals may be the one correcting its data most.</p>",
    ),
}


def guide_section(lang: str) -> tuple[str, str]:
    """The guide's paragraph on what the programme counts mean and cannot say."""
    return GUIDE[lang]
