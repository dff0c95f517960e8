"""The gateway's message catalogue: every error it answers, by code, in both languages.

Bahasa Indonesia first (the default answer), English second (`Accept-Language: en`). A text may
name values (`{status}`), filled in by `texts`. The HTTP status of each answer is the API's
business (`entrypoints/errors.py`); the codes and their words are here, where the domain's
refusals, the API and the command line all find them.
"""

from __future__ import annotations

from typing import Final

# code -> (Bahasa Indonesia, English)
MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # Who calls
    "unauthenticated": ("Diperlukan kunci instansi yang sah.", "A valid agency key is required."),
    "admin_required": ("Token admin diperlukan.", "The admin token is required."),
    "role_forbidden": (
        "Peran akun Anda tidak mengizinkan tindakan ini.",
        "Your account's role does not allow this.",
    ),
    # Staff accounts, issued by the admin
    "staff_name_invalid": (
        "Nama petugas wajib diisi, paling banyak 200 karakter.",
        "The person's name is required, at most 200 characters.",
    ),
    "staff_role_invalid": ("role harus salah satu dari {known}.", "role must be one of {known}."),
    "unknown_agency": ("Instansi {agency} tidak terdaftar.", "Agency {agency} is not registered."),
    "no_staff_account": (
        "Tidak ada akun petugas aktif dengan id ini.",
        "No active staff account with this id.",
    ),
    # Referrals and the actions on them
    "not_found": ("Rujukan tidak ditemukan.", "No such referral."),
    "not_found_page": ("Halaman tidak ditemukan.", "No such page."),
    "invalid_cursor": ("Kursor tidak sah.", "The cursor is not valid."),
    # An action's key belongs to the agency that sent it.
    "idempotency_key_reused": (
        "Instansi Anda sudah memakai Idempotency-Key ini untuk tindakan lain.",
        "Your agency already used this Idempotency-Key for a different action.",
    ),
    "invalid_transition": (
        "Rujukan berstatus {status} tidak dapat menjadi {target}.",
        "A referral that is {status} cannot become {target}.",
    ),
    "referral_withdrawn": (
        "Rujukan ini sudah dialihkan oleh sekretariat SLRT; tindakan instansi tidak berlaku lagi.",
        "The SLRT secretariat has withdrawn this referral; the agency's actions no longer apply.",
    ),
    "reason_required": (
        "Sebutkan alasan penolakan: reason_code, reason, atau keduanya.",
        "Say why the referral is rejected: a reason_code, a reason, or both.",
    ),
    "unknown_reason_code": (
        "reason_code harus salah satu dari {known}.",
        "reason_code must be one of {known}.",
    ),
    "invalid_outcome": (
        "outcome harus salah satu dari {known}.",
        "outcome must be one of {known}.",
    ),
    # Webhooks and their deliveries
    "no_webhook": ("Belum ada webhook yang terdaftar.", "No webhook is registered."),
    "no_parked_delivery": (
        "Tidak ada pengiriman tertahan dengan id ini.",
        "No parked delivery with this id.",
    ),
    "delivery_purged": (
        "Isi pengiriman ini sudah dihapus setelah masa simpannya; baca rujukannya melalui API.",
        "This delivery's payload was purged after the retention period;"
        " read the referral from the API instead.",
    ),
    "webhook_url_not_https": (
        "URL webhook harus memakai https.",
        "The webhook URL must use https.",
    ),
    "webhook_url_userinfo": (
        "URL webhook tidak boleh memuat nama pengguna atau kata sandi.",
        "The webhook URL must not contain a user name or password.",
    ),
    "webhook_url_invalid": (
        "URL webhook bukan URL http(s) yang sah dengan nama host.",
        "The webhook URL is not a valid http(s) URL with a host name.",
    ),
    "webhook_host_unresolvable": (
        "Nama host URL webhook tidak dapat diterjemahkan ke alamat.",
        "The webhook URL's host name does not resolve to an address.",
    ),
    "webhook_address_refused": (
        "Host URL webhook adalah atau mengarah ke alamat {kind};"
        " hanya alamat publik yang diizinkan.",
        "The webhook URL's host is or resolves to a {kind} address;"
        " only public addresses are allowed.",
    ),
    # A resident's requests about their data
    "invalid_nik": ("NIK harus terdiri dari 16 angka.", "A NIK has exactly 16 digits."),
    "nothing_held": (
        "Gateway tidak menyimpan data pribadi untuk NIK ini.",
        "The gateway holds no personal data for this NIK.",
    ),
    "requester_required": (
        "Sebutkan siapa yang menjalankan permintaan ini.",
        "Say who carries out this request.",
    ),
    "subject_key_missing": (
        "Kunci hash subjek (GATEWAY_SUBJECT_HASH_KEY) belum disetel.",
        "The subject hash key (GATEWAY_SUBJECT_HASH_KEY) is not configured.",
    ),
}

# The kinds of address the webhook URL rule refuses, named in `webhook_address_refused`.
ADDRESS_KINDS: Final[dict[str, tuple[str, str]]] = {
    "metadata": ("metadata cloud", "cloud metadata"),
    "loopback": ("loopback", "loopback"),
    "private": ("privat", "private"),
    "link_local": ("link-local", "link-local"),
    "shared": ("bersama (CGNAT)", "shared (CGNAT)"),
    "unspecified": ("tak tertentu", "unspecified"),
    "multicast": ("multicast", "multicast"),
    "reserved": ("cadangan", "reserved"),
}


def texts(code: str, **values: str) -> tuple[str, str]:
    """A code's message in Bahasa Indonesia and in English, with its named values filled in."""
    text_id, text_en = MESSAGES[code]
    return text_id.format(**values), text_en.format(**values)


def text(code: str, language: str, **values: str) -> str:
    """A code's message in one language: `id` (Bahasa Indonesia), else English."""
    text_id, text_en = texts(code, **values)
    return text_id if language == "id" else text_en
