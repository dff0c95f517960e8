"""What each problem code says to an operator, in Bahasa Indonesia and English."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {  # code -> (id, en)
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
}


def message(code: str, language: str) -> str:
    """The message of a problem code in 'id' or 'en'."""
    id_, en = MESSAGES.get(code, (code, code))
    return id_ if language == "id" else en
