import pytest

from gateway.domain.referrals import check_action, disclosed_fields
from gateway.entrypoints.http import decode_cursor, encode_cursor
from slrt_shared.http import ApiError


@pytest.mark.parametrize(
    ("status", "action", "refusal"),
    [
        ("dispatched", "acknowledge", None),
        ("dispatched", "progress", None),
        ("dispatched", "reject", None),
        ("dispatched", "resolve", None),
        ("acknowledged", "progress", None),
        ("in_progress", "progress", None),
        ("in_progress", "resolve", None),
        ("acknowledged", "acknowledge", "invalid_transition"),
        ("in_progress", "acknowledge", "invalid_transition"),
        ("resolved", "resolve", "invalid_transition"),
        ("resolved", "reject", "invalid_transition"),
        ("rejected", "acknowledge", "invalid_transition"),
        ("dispatched", "cancel", "unknown_action"),
    ],
)
def test_actions_follow_the_referral_state_machine(
    status: str, action: str, refusal: str | None
) -> None:
    result = check_action(status, action)
    assert (result.code if result else None) == refusal


def test_each_pii_level_discloses_only_what_the_service_needs() -> None:
    assert disclosed_fields("basic") == ("name", "phone", "address")
    assert "nik" in disclosed_fields("sensitive")
    assert "description" not in disclosed_fields("sensitive")
    assert "description" in disclosed_fields("special")
    assert disclosed_fields("unheard-of") == disclosed_fields("basic")


def test_cursors_round_trip_and_foreign_ones_are_refused() -> None:
    assert decode_cursor(encode_cursor(1234)) == 1234
    assert decode_cursor(None) == 0
    for bad in ("garbage!", encode_cursor(5)[:-2] + "zz", "Zm9vOjE"):
        with pytest.raises(ApiError):
            decode_cursor(bad)
