"""The map's geometry: projection, simplification to valid shapes, kecamatan outlines."""

from __future__ import annotations

import itertools
import json
import math
import re

import pytest

from monitoring.domain import geometry
from monitoring.domain.geometry import Boundary
from slrt_shared import reference

NUMBER = r"-?\d+(?:\.\d+)?"
SUBPATH = re.compile(rf"M({NUMBER} {NUMBER})L((?:{NUMBER} {NUMBER} ?)+)Z")


def square(west: float, south: float, size: float) -> list[tuple[float, float]]:
    return [
        (west, south),
        (west + size, south),
        (west + size, south + size),
        (west, south + size),
        (west, south),
    ]


def rings_of(path: str) -> list[list[tuple[float, float]]]:
    rings = []
    for head, rest in SUBPATH.findall(path):
        numbers = [float(n) for n in (head + " " + rest).split()]
        rings.append(list(zip(numbers[::2], numbers[1::2], strict=True)))
    assert "".join(f"M{h}L{r}Z" for h, r in SUBPATH.findall(path)) == path
    return rings


def test_the_projection_fits_the_width_and_keeps_shapes_true_at_the_mean_latitude() -> None:
    points = [(107.0, -6.0), (108.0, -7.0)]
    project, width, height = geometry.projection(points)
    assert project((107.0, -6.0)) == pytest.approx((geometry.PADDING, geometry.PADDING))
    assert project((108.0, -7.0))[0] == pytest.approx(width - geometry.PADDING)
    # A degree of latitude is longer than one of longitude by 1 / cos(latitude).
    across = width - 2 * geometry.PADDING
    assert height - 2 * geometry.PADDING == pytest.approx(
        across / math.cos(math.radians(6.5)), abs=1
    )


def test_collinear_and_repeated_points_are_dropped() -> None:
    ring = [(0, 0), (5, 0), (5, 0), (10, 0), (10, 10), (0, 10), (0, 5)]
    assert geometry.simplified(ring) == [(0, 0), (10, 0), (10, 10), (0, 10)]


def test_a_sliver_narrower_than_the_grid_is_kept_as_a_shape() -> None:
    big = Boundary("32.15.01.2001", [[square(107.0, -6.5, 0.3)]])
    sliver = Boundary(
        "32.15.01.2002", [[[(107.25, -6.5), (107.2501, -6.4), (107.25, -6.3), (107.25, -6.5)]]]
    )
    drawn = geometry.drawing([big, sliver])
    for path in drawn.villages.values():
        [ring] = rings_of(path)
        assert len(ring) >= 3 and geometry.area2(ring) != 0


def test_a_kecamatans_outline_leaves_out_the_borders_its_villages_share() -> None:
    left = Boundary("32.15.01.2001", [[square(107.0, -6.5, 0.1)]])
    right = Boundary("32.15.01.2002", [[square(107.1, -6.5, 0.1)]])
    apart = Boundary("32.15.02.2001", [[square(107.2, -6.5, 0.1)]])
    drawn = geometry.drawing([left, right, apart])
    project, _, _ = geometry.projection(
        p for b in (left, right, apart) for ring in b.polygons[0] for p in ring
    )
    shared_x = project((107.1, -6.45))[0]
    other_x = project((107.2, -6.45))[0]

    def vertical_edges_at(path: str, x: float) -> int:
        points = [
            tuple(map(float, pair.split())) for pair in re.findall(rf"{NUMBER} {NUMBER}", path)
        ]
        return sum(
            1
            for a, b in itertools.pairwise(points)
            if abs(a[0] - x) <= geometry.GRID and abs(b[0] - x) <= geometry.GRID and a[1] != b[1]
        )

    # Kecamatan 32.15.01 is one rectangle: no edge down the middle, one at its east side.
    assert vertical_edges_at(drawn.kecamatan["32.15.01"], shared_x) == 0
    assert vertical_edges_at(drawn.kecamatan["32.15.01"], other_x) == 1
    assert vertical_edges_at(drawn.kecamatan["32.15.02"], other_x) == 1


@pytest.mark.parametrize("regency", ["32.15", "33.24", "62.03"])
def test_every_village_of_the_reference_data_is_one_valid_closed_shape(regency: str) -> None:
    source = reference.data_dir() / "boundaries" / f"villages_{regency}.geojson"
    villages = geometry.boundaries(json.loads(source.read_text(encoding="utf-8")))
    drawn = geometry.drawing(villages)
    expected = {
        r.code
        for r in reference.regions().values()
        if r.level == "village" and r.regency_code == regency
    }
    assert set(drawn.villages) == expected
    assert set(drawn.kecamatan) == {code.rsplit(".", 1)[0] for code in expected}
    for code, path in drawn.villages.items():
        rings = rings_of(path)
        assert rings, code
        for ring in rings:
            assert len(ring) >= 3 and geometry.area2(ring) != 0, code
            assert all(0 <= x <= drawn.width and 0 <= y <= drawn.height for x, y in ring), code
    assert all(outline.startswith("M") for outline in drawn.kecamatan.values())
    # Simplified: far fewer characters than the source's coordinates.
    assert sum(map(len, drawn.villages.values())) < source.stat().st_size / 3
