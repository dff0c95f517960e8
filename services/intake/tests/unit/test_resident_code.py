from uuid import uuid4

import pytest

from intake.domain import resident_code
from intake.domain.resident_code import ALPHABET, digest, matches, new_code, normalise

KEY = b"k" * 32


def test_a_code_is_eight_characters_easy_to_read_aloud_drawn_at_random() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == 9 and code[4] == "-"
        assert set(code.replace("-", "")) <= set(ALPHABET)
    assert not set("01OIL") & set(ALPHABET)


@pytest.mark.parametrize("typed", ["K7M2-9QXA", "k7m2 9qxa", "K7M29QXA", " k7m2-9qxa "])
def test_a_code_is_read_as_typed(typed: str) -> None:
    assert normalise(typed) == "K7M29QXA"


@pytest.mark.parametrize("typed", ["", "K7M2-9QX", "K7M2-9QXAA", "K7M2-9QX0", "K7M2-9QXI"])
def test_what_is_not_the_shape_of_a_code_is_none(typed: str) -> None:
    assert normalise(typed) is None


def test_only_the_code_of_the_complaint_under_the_key_matches() -> None:
    complaint, code = uuid4(), new_code()
    kept = digest(KEY, complaint, code)
    assert code.replace("-", "") not in kept and len(kept) == 64
    assert matches(KEY, complaint, code.lower(), kept)
    assert not matches(KEY, uuid4(), code, kept)  # the same code of another complaint
    assert not matches(b"other" * 8, complaint, code, kept)
    other = new_code()
    assert other == code or not matches(KEY, complaint, other, kept)
    assert not matches(KEY, complaint, "not a code", kept)
    assert not matches(KEY, complaint, code, None)
    assert not matches(b"", complaint, code, kept)


def test_the_hash_is_keyed_so_the_same_code_hashes_apart_under_two_keys() -> None:
    complaint = uuid4()
    assert digest(KEY, complaint, "K7M2-9QXA") != digest(b"x" * 32, complaint, "K7M2-9QXA")
    assert resident_code.LENGTH == 8
