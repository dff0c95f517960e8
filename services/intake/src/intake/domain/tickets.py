"""Public tickets: short enough to read over the phone, impossible to guess from another."""

from __future__ import annotations

import re
import secrets

# Crockford-style alphabet without I, L, O, U: nothing a caller can mishear or misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PATTERN = re.compile(r"^SLRT-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def new_ticket() -> str:
    """Draw a random ticket like SLRT-K7M2-9QXA (40 random bits)."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"SLRT-{chars[:4]}-{chars[4:]}"


def normalise(ticket: str) -> str:
    """Read a ticket as a resident might type it: any case, spaces, O for 0, I or L for 1."""
    cleaned = re.sub(r"[\s-]", "", ticket.upper())
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    if cleaned.startswith("S1RT"):
        cleaned = "SLRT" + cleaned[4:]
    if len(cleaned) == 12 and cleaned.startswith("SLRT"):
        return f"SLRT-{cleaned[4:8]}-{cleaned[8:]}"
    return ticket


def is_ticket(value: str) -> bool:
    """Whether a value has the shape of a ticket."""
    return bool(PATTERN.match(value))
