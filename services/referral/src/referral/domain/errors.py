"""Referral's message catalogue: each refusal's code and its text in Bahasa Indonesia and English.

The HTTP entrypoints answer with the Indonesian text unless the caller asks for English
(`Accept-Language: en`); the holidays CLI prints both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    """A refusal: its machine-readable code and its text in each language."""

    code: str
    en: str
    id: str

    def texts(self, **values: Any) -> tuple[str, str]:
        """The English and Indonesian texts with the named values filled in."""
        return self.en.format(**values), self.id.format(**values)


class Refusal(Exception):  # noqa: N818 - a refusal is an answer, not a failure
    """A request the rules refuse: its code and its texts from the catalogue."""

    def __init__(self, message: Message, **values: Any) -> None:
        self.code = message.code
        self.message, self.message_id = message.texts(**values)
        super().__init__(self.message)


# Authentication (401) and authorisation (403)
STAFF_OR_ADMIN_REQUIRED = Message(
    "unauthenticated",
    "A district staff or admin token is required.",
    "Diperlukan token staf kabupaten atau admin.",
)
ADMIN_REQUIRED = Message(
    "unauthenticated", "The admin token is required.", "Diperlukan token admin."
)
REGENCY_STAFF_REQUIRED = Message(
    "forbidden",
    "Only staff of the whole regency (district, secretariat) or the admin may do this.",
    "Hanya staf tingkat kabupaten (dinas, sekretariat) atau admin yang boleh melakukan ini.",
)

# Personal accounts of secretariat and kecamatan staff
STAFF_NAME_INVALID = Message(
    "staff_name_invalid",
    "The person's name must have 1 to 200 characters.",
    "Nama orang harus 1 sampai 200 karakter.",
)
STAFF_KIND_INVALID = Message(
    "staff_kind_invalid",
    "kind must be secretariat or kecamatan.",
    "Jenis akun harus secretariat (sekretariat) atau kecamatan.",
)
STAFF_AREA_INVALID = Message(
    "staff_area_invalid",
    "The area must be a regency code (32.15) for the secretariat, a kecamatan code (32.15.02)"
    " for kecamatan staff.",
    "Wilayah harus kode kabupaten/kota (32.15) untuk sekretariat, kode kecamatan (32.15.02)"
    " untuk staf kecamatan.",
)
NO_STAFF_ACCOUNT = Message(
    "not_found", "No active account with this id.", "Tidak ada akun aktif dengan id ini."
)
ACCOUNT_ERRORS = {m.code: m for m in (STAFF_NAME_INVALID, STAFF_KIND_INVALID, STAFF_AREA_INVALID)}

# Cases and referrals (404: another regency's case is answered as one that does not exist)
NO_CASE = Message("not_found", "No such case.", "Kasus tidak ditemukan.")
NO_PAGE = Message("not_found", "No such page.", "Halaman tidak ditemukan.")
NO_REFERRAL = Message("not_found", "No such referral.", "Rujukan tidak ditemukan.")

# The secretariat's work on cases
SECRETARIAT_REQUIRED = Message(
    "forbidden",
    "Only a named secretariat person or the admin works on cases.",
    "Hanya petugas sekretariat (akun pribadi) atau admin yang boleh menangani kasus.",
)
REFERRAL_CLOSED = Message(
    "referral_closed",
    "The referral is {status}: it can no longer be changed.",
    "Rujukan sudah berstatus {status}: tidak dapat diubah lagi.",
)
UNKNOWN_EXTENSION_REASON = Message(
    "invalid_reason",
    "reason_code must be one of {codes}.",
    "Alasan (reason_code) harus salah satu dari {codes}.",
)
DUE_WITHOUT_ZONE = Message(
    "invalid_due",
    "due_at must carry a time zone (e.g. +07:00).",
    "Tenggat (due_at) harus memuat zona waktu (misalnya +07:00).",
)
DUE_IN_THE_PAST = Message(
    "due_in_past",
    "The new due date must be in the future.",
    "Tenggat baru harus di masa depan.",
)
DUE_NOT_LATER = Message(
    "due_not_later",
    "The new due date must be after the current one ({due_at}).",
    "Tenggat baru harus setelah tenggat sekarang ({due_at}).",
)

NOT_WAITING = Message(
    "not_waiting",
    "The need is not waiting at the secretariat (it is at {agency_code}, {status}).",
    "Kebutuhan ini tidak sedang menunggu di sekretariat (di {agency_code}, {status}).",
)
TRIAGE_UNKNOWN_SERVICE = Message(
    "invalid_service",
    "No service {service_code} in the catalogue.",
    "Layanan {service_code} tidak ada di katalog.",
)
UNKNOWN_AGENCY = Message(
    "invalid_agency",
    "No agency {agency_code} in the registry.",
    "Instansi {agency_code} tidak terdaftar.",
)
SAME_AGENCY = Message(
    "same_agency",
    "The referral is already at {agency_code}: choose another agency.",
    "Rujukan sudah berada di {agency_code}: pilih instansi lain.",
)
NEED_EXISTS = Message(
    "need_exists",
    "The case already has a need for {service_code}.",
    "Kasus ini sudah memiliki kebutuhan layanan {service_code}.",
)
UNKNOWN_REROUTE_REASON = Message(
    "invalid_reason",
    "reason_code must be one of {codes}.",
    "Alasan (reason_code) harus salah satu dari {codes}.",
)
ALREADY_HELD = Message(
    "already_held",
    "The secretariat already holds this referral.",
    "Sekretariat sudah menangani rujukan ini sendiri.",
)
NOT_HELD = Message(
    "not_held",
    "The secretariat does not hold this referral (it is at {agency_code}): hold it first.",
    "Rujukan ini tidak ditangani sekretariat (berada di {agency_code}): ambil alih dulu.",
)
INVALID_OUTCOME = Message(
    "invalid_outcome",
    "outcome must be one of {outcomes}.",
    "Hasil (outcome) harus salah satu dari {outcomes}.",
)
INVALID_NOTE = Message(
    "invalid_note",
    "A note must have 1 to {longest} characters.",
    "Catatan harus 1 sampai {longest} karakter.",
)
NOTE_NOT_ALLOWED = Message(
    "forbidden",
    "Only the secretariat, the kecamatan's staff or the admin may note a case.",
    "Hanya sekretariat, staf kecamatan kasus ini, atau admin yang boleh memberi catatan.",
)

# Routing rules
UNKNOWN_SERVICE = Message(
    "unknown_service",
    "No service {service_code} in the catalogue.",
    "Layanan {service_code} tidak ada di katalog.",
)
UNKNOWN_KECAMATAN = Message(
    "unknown_kecamatan",
    "No kecamatan {kecamatan_code}.",
    "Kecamatan {kecamatan_code} tidak dikenal.",
)
NO_OVERRIDE = Message(
    "not_found", "No such override.", "Aturan khusus kecamatan ini tidak ditemukan."
)
RULE_WITHOUT_AGENCY = Message(
    "invalid_rule", "a rule needs at least one agency", "aturan memerlukan sedikitnya satu instansi"
)
RULE_REPEATS_AGENCY = Message(
    "invalid_rule",
    "an agency appears twice in the order",
    "sebuah instansi muncul dua kali dalam urutan",
)
RULE_UNKNOWN_AGENCIES = Message(
    "invalid_rule", "unknown agencies: {agencies}", "instansi tidak dikenal: {agencies}"
)
RULE_SLA_OUT_OF_RANGE = Message(
    "invalid_rule",
    "sla_working_days must be between 1 and 90",
    "sla_working_days harus antara 1 dan 90",
)


# Stages of a rule (ordered steps, each a referral of its own)
STAGE_BAD_CODE = Message(
    "invalid_rule",
    "stage {number}: the code must be 2-40 lowercase letters or _",
    "tahap {number}: kode harus 2-40 huruf kecil atau _",
)
STAGE_WITHOUT_NAMES = Message(
    "invalid_rule",
    "stage {number}: both names (name_id, name_en) are required",
    "tahap {number}: kedua nama (name_id, name_en) wajib diisi",
)
STAGE_WITHOUT_AGENCY = Message(
    "invalid_rule",
    "stage {number}: a stage needs at least one agency",
    "tahap {number}: tahap memerlukan sedikitnya satu instansi",
)
STAGE_REPEATS_AGENCY = Message(
    "invalid_rule",
    "stage {number}: an agency appears twice",
    "tahap {number}: sebuah instansi muncul dua kali",
)
STAGE_UNKNOWN_AGENCIES = Message(
    "invalid_rule",
    "stage {number}: unknown agencies: {agencies}",
    "tahap {number}: instansi tidak dikenal: {agencies}",
)
STAGE_SLA_OUT_OF_RANGE = Message(
    "invalid_rule",
    "stage {number}: sla_working_days must be between 1 and 90",
    "tahap {number}: sla_working_days harus antara 1 dan 90",
)
STAGES_REPEAT_CODE = Message(
    "invalid_rule", "a stage code appears twice", "sebuah kode tahap muncul dua kali"
)
STAGES_TOO_MANY = Message(
    "invalid_rule", "a rule has at most 10 stages", "aturan paling banyak 10 tahap"
)
STAGE_OUT_OF_ORDER = Message(
    "stage_out_of_order",
    "Stage {stage} of this need is not its current stage ({current}).",
    "Tahap {stage} untuk kebutuhan ini bukan tahap yang sedang berjalan ({current}).",
)
STAGE_NOT_SENT_BACK = Message(
    "stage_not_sent_back",
    "This need is not waiting at the village for completion.",
    "Kebutuhan ini tidak sedang menunggu dilengkapi di desa.",
)

# The holiday calendar
INVALID_DATE = Message(
    "invalid_date",
    "{shown} is not a date written YYYY-MM-DD.",
    "{shown} bukan tanggal yang sah (tulis YYYY-MM-DD).",
)
INVALID_YEAR = Message(
    "invalid_year",
    "The year must be between {first} and {last}.",
    "Tahun harus antara {first} dan {last}.",
)
INVALID_KIND = Message(
    "invalid_kind",
    "kind must be one of {kinds}, not {kind}.",
    "Jenis harus holiday (hari libur nasional) atau cuti_bersama, bukan {kind}.",
)
INVALID_NAME = Message(
    "invalid_name",
    "The name must have 1 to {longest} characters.",
    "Nama hari libur harus 1 sampai {longest} karakter.",
)
INVALID_SOURCE = Message(
    "invalid_source",
    "The source (e.g. the decree's number) must have 1 to {longest} characters.",
    "Sumber (misalnya nomor SKB) harus 1 sampai {longest} karakter.",
)
DECREE_REQUIRED = Message(
    "decree_required",
    "Name the year's decree (SKB 3 Menteri): 3 to {longest} characters.",
    "Sebutkan SKB 3 Menteri tahun itu: 3 sampai {longest} karakter.",
)
HOLIDAY_EXISTS = Message(
    "holiday_exists",
    "{day} is already in the calendar ({name}); correct it instead.",
    "{day} sudah ada di kalender ({name}); ubah entri itu.",
)
HOLIDAY_NOT_FOUND = Message(
    "holiday_not_found", "{day} is not in the calendar.", "{day} tidak ada di kalender."
)
YEAR_EMPTY = Message(
    "year_empty",
    "No holiday of {year} is stored: load the decree's dates first.",
    "Belum ada hari libur tahun {year}: muat dulu tanggal-tanggal dari SKB.",
)
YEAR_NOT_COMPLETE = Message(
    "year_not_complete", "{year} is not marked complete.", "Tahun {year} belum ditandai lengkap."
)
BAD_DECREE_ROW = Message("invalid_file", "expected year,decree", "harus tahun,SKB")
# A file's line: the refusal of the line (reason_en, reason_id) after its number.
INVALID_LINE = Message("invalid_file", "line {number}: {reason_en}", "baris {number}: {reason_id}")
