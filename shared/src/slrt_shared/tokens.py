"""Bearer tokens and agency keys: random secrets stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(prefix: str) -> str:
    """Create a random token; the prefix tells its kind at a glance (e.g. `op_`, `ak_`)."""
    return f"{prefix}{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def bearer(authorization: str | None) -> str | None:
    """Extract the token of an `Authorization: Bearer <token>` header."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def same_secret(given: str, expected: str) -> bool:
    """Compare two secrets in constant time."""
    return hmac.compare_digest(given.encode(), expected.encode())


def is_admin(authorization: str | None, admin_token: str | None) -> bool:
    """Whether an Authorization header carries the platform admin's token."""
    token = bearer(authorization)
    return bool(token and admin_token and same_secret(token, admin_token))
