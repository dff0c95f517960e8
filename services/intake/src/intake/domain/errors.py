"""Intake's message catalogue: what each code says, in Bahasa Indonesia and English.

Every text intake answers with comes from here: the problems of a complaint, the errors of the
HTTP API and the refusals of residents' requests. A code names its message; the HTTP error code
it travels under may be shared (two "not_found" answers say different things).
"""

from __future__ import annotations

from typing import Final

from intake.domain.after_closing import MAX_NOTE
from intake.domain.complaints import MAX_NEED_DETAIL
from intake.domain.data_proposals import MAX_AGE_YEARS, MAX_DETAIL
from intake.domain.listing import MAX_CLIENT_ID, MAX_LIMIT
from intake.domain.programmes import MAX_EVIDENCE
from intake.domain.subjects import MAX_REASON
from slrt_shared.contracts import reasons

_REMOVALS_ID = ", ".join(f"{c} ({i})" for c, (i, _) in reasons.DTSEN_REMOVAL_CODES.items())
_REMOVALS_EN = ", ".join(f"{c} ({e})" for c, (_, e) in reasons.DTSEN_REMOVAL_CODES.items())

MESSAGES: Final[dict[str, tuple[str, str]]] = {  # code -> (id, en)
    # Problems of a complaint, one per field (POST /v1/complaints, the batch, Open311).
    "unknown_village": (
        "Desa/kelurahan tidak dilayani platform ini.",
        "Not a village this platform serves.",
    ),
    "needs_required": ("Isi minimal satu kebutuhan layanan.", "At least one need is required."),
    "duplicate_need": ("Ada kebutuhan yang tercantum dua kali.", "A need is listed twice."),
    "unknown_service": (
        "Kode layanan tidak ada dalam katalog.",
        "Not a service code of the catalogue.",
    ),
    "description_required": ("Uraikan masalahnya.", "Describe the problem."),
    "description_too_long": (
        "Uraian paling banyak 4000 karakter.",
        "The description has at most 4000 characters.",
    ),
    "need_detail_not_a_need": (
        "Rincian kebutuhan hanya untuk layanan yang tercantum di needs.",
        "A need's detail is given only for a service listed in needs.",
    ),
    "need_detail_required": (
        "Rincian kebutuhan tidak boleh kosong; hapus saja bila tidak ada.",
        "A need's detail may not be empty; leave it out instead.",
    ),
    "need_detail_too_long": (
        f"Rincian kebutuhan paling banyak {MAX_NEED_DETAIL} karakter.",
        f"A need's detail has at most {MAX_NEED_DETAIL} characters.",
    ),
    "unknown_channel": ("Saluran pengaduan tidak dikenal.", "Not a known channel."),
    "timezone_required": (
        "Sertakan zona waktu pada recorded_at.",
        "Give recorded_at with its time-zone offset.",
    ),
    "recorded_in_future": (
        "Waktu pencatatan tidak boleh di masa depan.",
        "recorded_at lies in the future.",
    ),
    "invalid_nik": ("NIK harus terdiri dari 16 angka.", "A NIK has exactly 16 digits."),
    "nik_unknown_region": (
        "Kode wilayah pada NIK (6 angka pertama) tidak dikenal.",
        "The region in the NIK (its first six digits) does not exist.",
    ),
    "nik_invalid_birth_date": (
        "Tanggal lahir pada NIK (angka ke-7 s.d. 12) tidak sah.",
        "The birth date in the NIK (digits 7 to 12) is not a real date.",
    ),
    "nik_dummy": (
        "NIK ini tampak seperti NIK contoh, bukan NIK warga.",
        "This NIK looks like a placeholder, not a resident's.",
    ),
    "name_required": ("Nama warga wajib diisi.", "The resident's name is required."),
    "invalid_phone": (
        "Nomor HP tidak sah; gunakan nomor seluler Indonesia.",
        "Not an Indonesian mobile number.",
    ),
    "client_id_required": (
        "Setiap pengaduan luring memerlukan client_id.",
        "Each offline complaint needs its client_id.",
    ),
    # Problems of an offline complaint's shape, found before its rules are checked.
    "unknown_field": ("Kolom ini tidak dikenal.", "This field is not allowed."),
    "field_required": ("Kolom ini wajib diisi.", "This field is required."),
    "invalid_value": ("Nilai ini tidak sah.", "This value is not valid."),
    # Errors of the HTTP API.
    "unauthenticated": (
        "Token operator yang sah diperlukan.",
        "A valid operator token is required.",
    ),
    "invalid_api_key": (
        "api_key ini tidak dikenal atau sudah dicabut.",
        "This api_key is not known or was revoked.",
    ),
    "rate_limited": (
        "Terlalu banyak permintaan dengan token ini: coba lagi {wait} detik.",
        "Too many requests with this token: try again in {wait} seconds.",
    ),
    # A complaint's key belongs to its village (header key, device client_id, Open311 form).
    "idempotency_key_required": (
        "Sertakan header Idempotency-Key agar pengaduan yang diulang tidak tercatat dua kali.",
        "Send an Idempotency-Key header, so that a complaint sent again is not registered twice.",
    ),
    "idempotency_key_reused": (
        "Kunci ini sudah dipakai di desa ini untuk pengaduan lain.",
        "This key was already used in this village for a different complaint.",
    ),
    "wrong_village": (
        "Anda hanya dapat mencatat pengaduan untuk desa Anda.",
        "You may register only for your own village.",
    ),
    "invalid_complaint": ("Pengaduan tidak sah.", "The complaint is not valid."),
    "wrong_resident_code": (
        "Tiket atau kode warga tidak cocok.",
        "The ticket and the resident's code do not match.",
    ),
    # Refusals of a reopening or a verdict after the case closed (POST /v1/track/{ticket}/...).
    "other_village_operator": (
        "Hanya operator desa pengaduan ini yang dapat melakukannya.",
        "Only the operator of this complaint's village may do this.",
    ),
    "complaint_not_closed": (
        "Pengaduan belum ditutup.",
        "The complaint is not closed yet.",
    ),
    "already_reopened": (
        "Pengaduan sudah dibuka kembali dan belum ditutup lagi.",
        "The complaint was reopened already and is not closed again yet.",
    ),
    "reopen_window_passed": (
        "Batas waktu untuk membuka kembali pengaduan ini sudah lewat.",
        "The time for reopening this complaint has passed.",
    ),
    "unknown_reopen_reason": (
        "Alasan harus salah satu dari: " + ", ".join(reasons.REOPEN_CODES) + ".",
        "The reason is one of: " + ", ".join(reasons.REOPEN_CODES) + ".",
    ),
    "unknown_reopen_scope": (
        "Cakupan (scope) harus unresolved atau all.",
        "The scope is unresolved or all.",
    ),
    "nothing_to_reopen": (
        "Semua kebutuhan sudah selesai: tidak ada yang dapat dibuka kembali (gunakan scope all"
        " untuk membuka semuanya).",
        "Every need was resolved: nothing to reopen (scope all reopens every need).",
    ),
    "note_too_long": (
        f"Catatan paling banyak {MAX_NOTE} karakter.",
        f"The note has at most {MAX_NOTE} characters.",
    ),
    "unknown_solved": (
        "solved harus yes, partly atau no.",
        "solved is yes, partly or no.",
    ),
    "rating_out_of_range": (
        "Nilai (rating) berupa bilangan bulat dari 1 sampai 5.",
        "The rating is a whole number from 1 to 5.",
    ),
    "comment_too_long": (
        f"Komentar paling banyak {MAX_NOTE} karakter.",
        f"The comment has at most {MAX_NOTE} characters.",
    ),
    "complaint_not_found": ("Pengaduan tidak ditemukan.", "No such complaint."),
    "page_not_found": ("Halaman tidak ditemukan.", "No such page."),
    "ticket_not_found": (
        "Tidak ada pengaduan dengan tiket ini.",
        "No complaint has this ticket.",
    ),
    "unsupported_media_type": (
        "Kirim isi permintaan sebagai application/json.",
        "Send the body as application/json.",
    ),
    # Parameters of the complaints' list (GET /v1/complaints), one problem per parameter.
    "invalid_query": ("Parameter permintaan tidak sah.", "The query parameters are not valid."),
    "unknown_parameter": ("Parameter ini tidak dikenal.", "This parameter is not known."),
    "repeated_parameter": (
        "Parameter ini hanya boleh diberikan sekali.",
        "This parameter may be given only once.",
    ),
    "unknown_status": (
        "Status harus salah satu dari: received, referred, in_progress, closed.",
        "The status is one of: received, referred, in_progress, closed.",
    ),
    "invalid_date": (
        "Tanggal harus berbentuk TTTT-BB-HH, misalnya 2026-12-01.",
        "A date is written YYYY-MM-DD, e.g. 2026-12-01.",
    ),
    "date_range_reversed": (
        "Tanggal akhir (to) tidak boleh sebelum tanggal awal (from).",
        "The last day (to) may not come before the first (from).",
    ),
    "invalid_ticket": (
        "Tiket berbentuk SLRT-XXXX-XXXX.",
        "A ticket looks like SLRT-XXXX-XXXX.",
    ),
    "invalid_client_id": (
        f"client_id berisi 1 sampai {MAX_CLIENT_ID} karakter.",
        f"A client_id has 1 to {MAX_CLIENT_ID} characters.",
    ),
    "invalid_village_code": (
        "Kode desa/kelurahan berbentuk 32.15.02.2001.",
        "A village code looks like 32.15.02.2001.",
    ),
    "invalid_kecamatan_code": (
        "Kode kecamatan berbentuk 32.15.02.",
        "A kecamatan code looks like 32.15.02.",
    ),
    "invalid_limit": (
        f"limit berupa bilangan bulat dari 1 sampai {MAX_LIMIT}.",
        f"limit is a whole number from 1 to {MAX_LIMIT}.",
    ),
    "invalid_cursor": (
        "Kursor ini tidak dikenal: gunakan next_cursor dari halaman sebelumnya.",
        "Not a cursor of this list: send the next_cursor of the page before.",
    ),
    # Refusals of a resident's access or erasure request.
    "reason_required": (
        "Sebutkan alasan penghapusan (misalnya permintaan warga dan tanggalnya).",
        "Give the reason for the erasure (e.g. the resident's request and its date).",
    ),
    "reason_too_long": (
        f"Alasan paling banyak {MAX_REASON} karakter.",
        f"The reason has at most {MAX_REASON} characters.",
    ),
    "reason_contains_nik": (
        "Alasan tidak boleh memuat NIK: alasan disimpan selamanya, NIK tidak.",
        "The reason may not contain the NIK: the reason is kept for good, the NIK is not.",
    ),
    "requester_required": (
        "Sebutkan siapa yang menjalankan permintaan ini.",
        "Say who carries out this request.",
    ),
    "nothing_held": (
        "Tidak ada data pribadi yang disimpan untuk NIK ini.",
        "No personal data is held for this NIK.",
    ),
    "district_staff_only": (
        "Hanya staf kabupaten yang dapat menjawab permintaan akses atau penghapusan data.",
        "Only district staff can answer access and erasure requests.",
    ),
    "subject_key_missing": (
        "Kunci hash subjek (INTAKE_SUBJECT_HASH_KEY) belum disetel.",
        "The subject hash key (INTAKE_SUBJECT_HASH_KEY) is not configured.",
    ),
    # PKH facilitators, targets and graduation proposals.
    "invalid_kk": ("Nomor KK harus terdiri dari 16 angka.", "A KK number has exactly 16 digits."),
    "unknown_graduation_kind": (
        "Jenis graduasi harus sejahtera_mandiri atau graduasi_alamiah.",
        "The kind of graduation is sejahtera_mandiri or graduasi_alamiah.",
    ),
    "evidence_required": (
        "Catat bukti atau alasan graduasi.",
        "Note the evidence for the graduation.",
    ),
    "evidence_too_long": (
        f"Bukti graduasi paling banyak {MAX_EVIDENCE} karakter.",
        f"The evidence has at most {MAX_EVIDENCE} characters.",
    ),
    "unknown_facilitator": (
        "Pendamping PKH dengan kode ini tidak terdaftar.",
        "No PKH facilitator is registered with this code.",
    ),
    "facilitator_inactive": (
        "Pendamping PKH ini sudah tidak aktif.",
        "This PKH facilitator is no longer active.",
    ),
    "village_not_accompanied": (
        "Desa ini tidak termasuk desa dampingan pendamping tersebut.",
        "This village is not one the facilitator accompanies.",
    ),
    "household_already_graduated": (
        "Keluarga dengan KK ini sudah tercatat graduasi.",
        "The household with this KK has already graduated.",
    ),
    "graduation_already_open": (
        "Usulan graduasi untuk KK ini masih diproses.",
        "A graduation proposal for this KK is still being decided.",
    ),
    # Proposing a graduation, completing a need sent back: the village's own operator only.
    "operator_only": (
        "Hanya operator Puskesos desa yang dapat melakukannya (usulan graduasi atau DTSEN,"
        " kelengkapan).",
        "Only the village's Puskesos operator may do this (a graduation or DTSEN proposal, a"
        " completion).",
    ),
    "outside_regency": (
        "Anda hanya dapat mengelola data kabupaten Anda.",
        "You may manage only your own regency's data.",
    ),
    "invalid_facilitator_code": (
        "Kode pendamping berisi 2 sampai 40 huruf besar, angka atau tanda hubung.",
        "A facilitator code has 2 to 40 capital letters, digits or dashes.",
    ),
    "facilitator_name_required": (
        "Nama pendamping wajib diisi (paling banyak 200 karakter).",
        "The facilitator's name is required (at most 200 characters).",
    ),
    "facilitator_villages_required": (
        "Sebutkan minimal satu desa dampingan.",
        "Name at least one village the facilitator accompanies.",
    ),
    "facilitator_village_unknown": (
        "Desa dampingan harus desa yang dilayani di kabupaten pendamping.",
        "Each village must be one served in the facilitator's regency.",
    ),
    "unknown_regency": (
        "Kabupaten/kota ini tidak dilayani platform ini.",
        "Not a regency this platform serves.",
    ),
    "invalid_year": ("Tahun harus antara 2000 dan 2100.", "The year lies between 2000 and 2100."),
    "invalid_target": (
        "Target kabupaten harus lebih dari 0 dan minimal per pendamping antara 0 dan target itu.",
        "The district total is above 0 and the per-facilitator minimum between 0 and that total.",
    ),
    "target_not_found": (
        "Belum ada target graduasi untuk kabupaten dan tahun ini.",
        "No graduation target is set for this regency and year.",
    ),
    "household_key_missing": (
        "Kunci hash (INTAKE_SUBJECT_HASH_KEY) belum disetel: usulan graduasi tidak dapat dicatat.",
        "The hash key (INTAKE_SUBJECT_HASH_KEY) is not configured: graduations cannot be recorded.",
    ),
    # DTSEN data proposals (POST /v1/data-proposals).
    "unknown_proposal_kind": (
        "Jenis usulan harus baru, perubahan atau penghapusan.",
        "The kind of proposal is baru, perubahan or penghapusan.",
    ),
    "removal_reason_required": (
        "Usulan penghapusan wajib menyebut alasannya: " + _REMOVALS_ID + ".",
        "A removal gives its reason: " + _REMOVALS_EN + ".",
    ),
    "removal_reason_not_allowed": (
        "Alasan penghapusan hanya untuk usulan penghapusan.",
        "A removal reason is given only for a removal (penghapusan).",
    ),
    "unknown_removal_reason": (
        "Alasan penghapusan harus salah satu dari: " + _REMOVALS_ID + ".",
        "The removal reason is one of: " + _REMOVALS_EN + ".",
    ),
    "deliberation_date_required": (
        "Isi tanggal musyawarah desa yang menyepakati usulan.",
        "Give the date of the village deliberation (musyawarah desa) that agreed it.",
    ),
    "invalid_deliberation_date": (
        "Tanggal musyawarah desa ditulis TTTT-BB-HH dan harus tanggal yang ada.",
        "The deliberation date is written YYYY-MM-DD and must exist.",
    ),
    "deliberation_date_in_future": (
        "Tanggal musyawarah desa tidak boleh setelah hari ini.",
        "The deliberation date lies after today.",
    ),
    "deliberation_date_too_old": (
        f"Musyawarah desa paling lama {MAX_AGE_YEARS} tahun yang lalu; adakan musyawarah lagi.",
        f"The deliberation was more than {MAX_AGE_YEARS} year ago; the village deliberates again.",
    ),
    "proposal_detail_required": (
        "Usulan perubahan wajib menjelaskan data yang diubah.",
        "A change (perubahan) says what to change.",
    ),
    "proposal_detail_too_long": (
        f"Rincian usulan paling banyak {MAX_DETAIL} karakter.",
        f"The proposal's detail has at most {MAX_DETAIL} characters.",
    ),
    # Completing a need a stage sent back to the village (POST /v1/complaints/{id}/completion).
    "not_sent_back": (
        "Kebutuhan ini tidak sedang menunggu dilengkapi di desa (tahap belum dikembalikan,"
        " atau sudah dilengkapi).",
        "This need is not waiting at the village for completion (no stage sent it back, or it"
        " was completed already).",
    ),
    "personal_data_erased": (
        "Data pribadi pengaduan ini sudah dihapus; kelengkapan tidak dapat ditambahkan.",
        "The complaint's personal data was erased; it can no longer be completed.",
    ),
}


def message(code: str, language: str, **values: object) -> str:
    """The message of a code in 'id' or 'en' (English for any other), with its values filled in."""
    id_, en = MESSAGES.get(code, (code, code))
    text = id_ if language == "id" else en
    return text.format(**values) if values else text


def texts(code: str, **values: object) -> tuple[str, str]:
    """The (Bahasa Indonesia, English) texts of a code, with its values filled in."""
    return message(code, "id", **values), message(code, "en", **values)
