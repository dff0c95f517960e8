"""The resident's code: shown once at registration, it lets the resident act on the complaint.

Eight characters from an alphabet without 0, O, 1, I, L or U (nothing to mishear on the phone
or misread on a receipt), drawn with `secrets`: 30**8, about 6.6e11 codes (39 bits). Only a
keyed hash is kept: HMAC-SHA256 under a secret that lives outside the database
(INTAKE_RESIDENT_CODE_KEY), bound to the complaint's id. A slow hash without a key would cost
every registration (a device's batch of 200) tens of milliseconds of CPU each and still fall to
an offline search of 39 bits; a keyed hash is free to compute and useless without the key, so a
copy of the database alone reveals no code. Guessing online goes through the endpoints that
check a code, which answer a wrong code and an unknown ticket alike.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from uuid import UUID

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
_SHAPE = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    """Draw a code like K7M2-9QXA (shown with a dash in the middle, typed with or without)."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{chars[:4]}-{chars[4:]}"


def normalise(code: str) -> str | None:
    """The code as typed (any case, spaces or dashes) in its canonical form; None if it has not
    the shape of a code."""
    cleaned = re.sub(r"[\s-]", "", code.upper())
    return cleaned if _SHAPE.match(cleaned) else None


def digest(key: bytes, complaint_id: UUID, code: str) -> str:
    """The keyed hash a complaint keeps of its code (the code normalised first)."""
    canonical = normalise(code)
    if canonical is None:
        raise ValueError("not the shape of a resident's code")
    message = f"{complaint_id}:{canonical}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def matches(key: bytes, complaint_id: UUID, code: str, kept: str | None) -> bool:
    """Whether a typed code is the complaint's (compared in constant time)."""
    canonical = normalise(code)
    if kept is None or canonical is None or not key:
        return False
    return hmac.compare_digest(digest(key, complaint_id, canonical), kept)
