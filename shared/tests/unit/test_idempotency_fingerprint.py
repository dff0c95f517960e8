"""The one request fingerprint of the idempotency keys."""

from __future__ import annotations

from slrt_shared import idempotency


def test_the_fingerprint_is_the_hash_of_the_request_as_canonical_json() -> None:
    # Hashes stored before the mechanism was shared were made this way: they must still match.
    assert idempotency.fingerprint({"b": 1, "a": [None, "x"]}) == idempotency.digest(
        '{"a": [null, "x"], "b": 1}'
    )
    assert idempotency.fingerprint({"a": 1, "b": 2}) == idempotency.fingerprint({"b": 2, "a": 1})
