"""The services serve HTTP with uvloop and httptools, and still start where those cannot load."""

from __future__ import annotations

import sys

import pytest

from slrt_shared.runtime import server_stack


def test_the_compiled_loop_and_parser_are_used_where_they_load() -> None:
    assert server_stack() == ("uvloop", "httptools")


def test_the_pure_python_loop_and_parser_stand_in_where_they_do_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # None in sys.modules makes the import fail, as on a platform without the wheels
    monkeypatch.setitem(sys.modules, "uvloop", None)
    monkeypatch.setitem(sys.modules, "httptools", None)
    assert server_stack() == ("asyncio", "h11")
