"""The reason codes an agency gives when it rejects a referral: codes travel, free text does not."""

from __future__ import annotations

from typing import Final

# Code -> (label in Bahasa Indonesia, label in English), for the agency API's docs and the UIs.
# Only additions: a consumer treats a code it does not know yet as FALLBACK.
REASON_CODES: Final[dict[str, tuple[str, str]]] = {
    "bukan_kewenangan": ("Bukan kewenangan instansi ini", "Not this agency's responsibility"),
    "data_tidak_lengkap": ("Data tidak lengkap", "Data incomplete"),
    "sudah_ditangani": ("Sudah ditangani sebelumnya", "Already handled"),
    "di_luar_wilayah": ("Di luar wilayah layanan", "Outside the service area"),
    "tidak_memenuhi_syarat": ("Tidak memenuhi syarat layanan", "Not eligible for the service"),
    "lainnya": ("Lainnya", "Other"),
}
# The code of a rejection given only as free text (the text itself stays in agency-gateway).
FALLBACK: Final = "lainnya"


def is_reason_code(code: str) -> bool:
    """Whether a code is on the list."""
    return code in REASON_CODES


def describe() -> str:
    """The list as Markdown-ish text for field descriptions: `code` (Bahasa / English)."""
    return "; ".join(f"`{c}` ({i} / {e})" for c, (i, e) in REASON_CODES.items())


# Why the secretariat extends a referral's due date: codes, like the agencies' reasons.
# Only additions.
EXTENSION_CODES: Final[dict[str, tuple[str, str]]] = {
    "menunggu_dokumen": ("Menunggu dokumen warga", "Waiting for the resident's documents"),
    "menunggu_instansi_lain": ("Menunggu instansi lain", "Waiting for another agency"),
    "kunjungan_lapangan": ("Perlu kunjungan lapangan", "A field visit is needed"),
    "beban_kerja": ("Beban kerja instansi", "The agency's workload"),
    "lainnya": ("Lainnya", "Other"),
}


def describe_extensions() -> str:
    """The extension codes as text for field descriptions: `code` (Bahasa / English)."""
    return "; ".join(f"`{c}` ({i} / {e})" for c, (i, e) in EXTENSION_CODES.items())


# Why a resident or an operator reopens a closed complaint: codes; their own words stay in intake.
# Only additions.
REOPEN_CODES: Final[dict[str, tuple[str, str]]] = {
    "belum_selesai": ("Masalah belum selesai", "The problem is not solved"),
    "hanya_sebagian": ("Hanya selesai sebagian", "Only partly solved"),
    "bantuan_belum_diterima": ("Bantuan belum diterima", "The help has not arrived"),
    "ditutup_tanpa_kabar": ("Ditutup tanpa kabar ke warga", "Closed without telling the resident"),
    "lainnya": ("Lainnya", "Other"),
}


def is_reopen_code(code: str) -> bool:
    """Whether a reopening's reason code is on the list."""
    return code in REOPEN_CODES


def describe_reopenings() -> str:
    """The reopening codes as text for field descriptions: `code` (Bahasa / English)."""
    return "; ".join(f"`{c}` ({i} / {e})" for c, (i, e) in REOPEN_CODES.items())


# Why the secretariat takes a referral from its agency (to re-route or hold it). Only additions.
REROUTE_CODES: Final[dict[str, tuple[str, str]]] = {
    "salah_instansi": ("Salah instansi tujuan", "Sent to the wrong agency"),
    "instansi_tidak_merespons": ("Instansi tidak merespons", "The agency does not respond"),
    "permintaan_warga": ("Permintaan warga", "At the resident's request"),
    "beban_kerja": ("Beban kerja instansi", "The agency's workload"),
    "lainnya": ("Lainnya", "Other"),
}


def is_reroute_code(code: str) -> bool:
    """Whether a re-routing's reason code is on the list."""
    return code in REROUTE_CODES


def describe_reroutes() -> str:
    """The re-routing codes as text for field descriptions: `code` (Bahasa / English)."""
    return "; ".join(f"`{c}` ({i} / {e})" for c, (i, e) in REROUTE_CODES.items())


# Why a DTSEN data proposal removes a household from the registry (penghapusan). Only additions.
DTSEN_REMOVAL_CODES: Final[dict[str, tuple[str, str]]] = {
    "pindah": ("Pindah domisili", "Moved away"),
    "meninggal": ("Meninggal dunia (seluruh anggota)", "Died (every member)"),
    "tidak_miskin": ("Tidak lagi miskin atau rentan", "No longer poor or vulnerable"),
    "menolak": ("Menolak menerima bantuan", "Refused assistance"),
    "bantuan_ganda": ("Menerima bantuan ganda", "Receives double assistance"),
}


def describe_dtsen_removals() -> str:
    """The DTSEN removal codes as text for field descriptions."""
    return "; ".join(f"`{c}` ({i} / {e})" for c, (i, e) in DTSEN_REMOVAL_CODES.items())
