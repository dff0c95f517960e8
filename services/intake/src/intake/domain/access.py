"""Who may do what with a complaint: register it, or read it with the resident's data."""

from __future__ import annotations

from dataclasses import dataclass


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
    return caller.kind == "district" and village_code.startswith(caller.regency_code + ".")
