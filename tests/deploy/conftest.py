"""The chart rendered once per values file, for every deployment test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from slrt_devstack.chart import check

ROOT = Path(__file__).resolve().parents[2]
CHART = check.chart_dir(ROOT)
PRODUCTION = CHART / "ci" / "production-values.yaml"


class Rendered:
    """A rendered manifest and lookups over its resources."""

    def __init__(self, manifest: str) -> None:
        self.manifest = manifest
        self.docs = check.documents(manifest)

    def kind(self, kind: str) -> list[dict[str, Any]]:
        """Every resource of a kind."""
        return [d for d in self.docs if d["kind"] == kind]

    def one(self, kind: str, name: str) -> dict[str, Any]:
        """The resource of a kind and name."""
        found = [d for d in self.kind(kind) if d["metadata"]["name"] == name]
        assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
        return found[0]


@pytest.fixture(scope="session")
def default_chart() -> Rendered:
    return Rendered(check.render(CHART))


@pytest.fixture(scope="session")
def production_chart() -> Rendered:
    return Rendered(check.render(CHART, [PRODUCTION]))


@pytest.fixture(scope="session", params=["default", "production"])
def chart(request: pytest.FixtureRequest) -> Rendered:
    return Rendered(check.render(CHART, [PRODUCTION] if request.param == "production" else []))
