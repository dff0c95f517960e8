"""Who may see which complaint through the public doors, by the services' `pii_level`.

Only complaints whose every service is `basic` are listed to anyone; the others only to the
operator of their village and to district staff of their regency. The tracker, opened with the
ticket, shows the status of any complaint but never which `special` service it is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

SPECIAL_CODE = "KHUSUS"
SPECIAL_NAME = {"id": "Layanan khusus", "en": "Special service"}


def public_services(levels: Mapping[str, str]) -> list[str]:
    """Codes of the services anyone may see a complaint about (`basic` ones)."""
    return sorted(code for code, level in levels.items() if level == "basic")


def is_special(code: str, levels: Mapping[str, str]) -> bool:
    """Whether a service is `special`; an unknown code counts as special."""
    return levels.get(code, "special") == "special"


def tracked_needs(needs: Iterable[str], levels: Mapping[str, str]) -> list[str]:
    """The needs as the tracker shows them: a special service as the generic code."""
    return [SPECIAL_CODE if is_special(code, levels) else code for code in needs]


def caller_scope(kind: str, village_code: str | None, regency_code: str) -> str:
    """The area whose every complaint a caller may list: own village, or own regency."""
    return village_code if kind == "operator" and village_code else regency_code
