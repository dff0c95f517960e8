"""Who may do what with a complaint: register it, or read it with the resident's data."""

from __future__ import annotations

from dataclasses import dataclass

from slrt_shared import regions


@dataclass(frozen=True)
class Caller:
    """Who is calling: a village operator or district staff."""

    token_hash: str
    kind: str
    village_code: str | None
    regency_code: str


def may_register_for(caller: Caller, village_code: str) -> bool:
    """Only the operator of a village registers complaints for it."""
    return caller.kind == "operator" and caller.village_code == village_code


def may_read_complaint(caller: Caller, village_code: str) -> bool:
    """A complaint is read by its village's operator or by district staff of its regency."""
    if caller.kind == "operator":
        return caller.village_code == village_code
    # Codes the shared parser refuses (an empty regency) lie in no region, as before.
    return (
        caller.kind == "district"
        and regions.is_valid(caller.regency_code)
        and regions.is_valid(village_code)
        and village_code != caller.regency_code
        and regions.within(village_code, caller.regency_code)
    )


def may_speak_for(caller: Caller, village_code: str) -> bool:
    """Only the operator of a complaint's village reopens it or gives its verdict for the
    resident (district staff do not)."""
    return caller.kind == "operator" and caller.village_code == village_code
