"""Village boundaries drawn once as SVG paths: projected, simplified, kecamatan outlines.

Longitude and latitude are projected equirectangularly with the regency's mean latitude (true
to shape at a kabupaten's size), scaled to `WIDTH` units across, y downward. Simplification
snaps every vertex to a grid of `GRID` units (about 120 m in Karawang) and drops repeated and
collinear points, so a vertex two villages share snaps to one point in both. A kecamatan's
outline is the edges of its villages that no other of its villages runs along.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from monitoring.domain.regions import kecamatan_of

WIDTH = 1000
GRID = 2.0
PADDING = 5

Point = tuple[float, float]
Ring = list[Point]


@dataclass(frozen=True)
class Boundary:
    """A village's boundary as read: its code and polygons (rings of [lon, lat], outer first)."""

    code: str
    polygons: list[list[Ring]]


@dataclass(frozen=True)
class Drawing:
    """A regency's map: its size in SVG units, a path per village and per kecamatan outline."""

    width: int
    height: int
    villages: dict[str, str]
    kecamatan: dict[str, str]


def boundaries(collection: dict[str, Any]) -> list[Boundary]:
    """The villages of a GeoJSON FeatureCollection (Polygon or MultiPolygon geometries)."""
    found = []
    for feature in collection["features"]:
        geometry = feature["geometry"]
        coordinates = geometry["coordinates"]
        polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
        found.append(
            Boundary(
                str(feature["properties"]["code"]),
                [[[(float(x), float(y)) for x, y in ring] for ring in p] for p in polygons],
            )
        )
    return found


@dataclass(frozen=True)
class Projection:
    """Longitude/latitude to SVG units for one regency's extent."""

    west: float
    north: float
    scale: float
    squash: float

    def __call__(self, point: Point) -> Point:
        """The point in SVG units (x east, y south)."""
        lon, lat = point
        return (
            PADDING + (lon - self.west) * self.squash * self.scale,
            PADDING + (self.north - lat) * self.scale,
        )


def projection(all_points: Iterable[Point]) -> tuple[Projection, int, int]:
    """The projection fitting the points into `WIDTH` units across, and the map's size."""
    points = list(all_points)
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    squash = math.cos(math.radians((south + north) / 2))
    span = max((east - west) * squash, 1e-9)
    scale = (WIDTH - 2 * PADDING) / span
    height = math.ceil((north - south) * scale + 2 * PADDING)
    return Projection(west, north, scale, squash), WIDTH, height


def snap(point: Point) -> tuple[int, int]:
    """A projected point on the grid (in grid steps)."""
    return round(point[0] / GRID), round(point[1] / GRID)


def _cross(a: tuple[int, int], b: tuple[int, int], c: tuple[int, int]) -> int:
    return (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])


def snapped_ring(ring: Sequence[Point], project: Projection) -> list[tuple[int, int]]:
    """A ring's distinct snapped vertices in order (not repeating the first at the end)."""
    out: list[tuple[int, int]] = []
    for point in ring:
        q = snap(project(point))
        if not out or out[-1] != q:
            out.append(q)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def simplified(ring: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ring without collinear vertices (exact on the integer grid), never below 3."""
    points = list(ring)
    while len(points) > 3:
        kept = [
            b
            for i, b in enumerate(points)
            if _cross(points[i - 1], b, points[(i + 1) % len(points)]) != 0
        ]
        if len(kept) == len(points) or len(kept) < 3:
            break
        points = kept
    return points


def area2(ring: Sequence[tuple[float, float]]) -> float:
    """Twice the signed area of a ring (shoelace)."""
    return sum(
        ring[i][0] * ring[(i + 1) % len(ring)][1] - ring[(i + 1) % len(ring)][0] * ring[i][1]
        for i in range(len(ring))
    )


def _number(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def ring_path(ring: Sequence[tuple[float, float]]) -> str:
    """One closed subpath: `M x y L x y ... Z`."""
    head, *rest = ring
    moves = " ".join(f"{_number(x)} {_number(y)}" for x, y in rest)
    return f"M{_number(head[0])} {_number(head[1])}L{moves}Z"


def village_rings(boundary: Boundary, project: Projection) -> list[list[tuple[float, float]]]:
    """A village's rings as drawn: snapped and simplified, each a valid closed shape.

    A ring the grid would flatten (a sliver narrower than a grid step) is kept at a finer
    precision instead, so no village vanishes from the map.
    """
    rings: list[list[tuple[float, float]]] = []
    for polygon in boundary.polygons:
        for ring in polygon:
            snapped = simplified(snapped_ring(ring, project))
            if len(snapped) >= 3 and area2(snapped) != 0:
                rings.append([(x * GRID, y * GRID) for x, y in snapped])
                continue
            for scale in (10, 100, 1000):
                points = [
                    (round(x * scale) / scale, round(y * scale) / scale)
                    for x, y in map(project, ring)
                ]
                distinct = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
                if len(distinct) > 1 and distinct[0] == distinct[-1]:
                    distinct.pop()
                if len(distinct) >= 3 and area2(distinct) != 0:
                    rings.append(distinct)
                    break
    return rings


Edge = tuple[tuple[int, int], tuple[int, int]]
# How near (in grid steps) another village's edge must pass for an edge to be shared: the
# source simplified each village on its own, so neighbours' borders meet only approximately.
SHARED_WITHIN = 1.5
_CELL = 4


def _distance(p: tuple[float, float], a: tuple[int, int], b: tuple[int, int]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = dx * dx + dy * dy
    t = (
        0.0
        if length == 0
        else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length))
    )
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def outer_edges(villages: dict[str, list[Edge]]) -> list[Edge]:
    """The edges of an area's villages that no other of its villages runs along."""
    cells: dict[tuple[int, int], list[tuple[str, Edge]]] = defaultdict(list)
    for code, edges in villages.items():
        for a, b in edges:
            for cx in range(min(a[0], b[0]) // _CELL, max(a[0], b[0]) // _CELL + 1):
                for cy in range(min(a[1], b[1]) // _CELL, max(a[1], b[1]) // _CELL + 1):
                    cells[(cx, cy)].append((code, (a, b)))
    outer = []
    for code, edges in villages.items():
        for a, b in edges:
            middle = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            near = {
                other
                for dx in (-1, 0, 1)
                for dy in (-1, 0, 1)
                for other in cells.get(
                    (int(middle[0] // _CELL) + dx, int(middle[1] // _CELL) + dy), []
                )
                if other[0] != code
            }
            if all(_distance(middle, *edge) > SHARED_WITHIN for _, edge in near):
                outer.append((a, b))
    return outer


def outline(edges: Iterable[Edge]) -> str:
    """Edges chained into as few subpaths as they allow."""
    single = list(dict.fromkeys(tuple(sorted(e)) for e in edges if e[0] != e[1]))
    neighbours: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for a, b in single:
        neighbours[a].append(b)
        neighbours[b].append(a)
    unused = {frozenset(e) for e in single}
    parts = []
    for a, b in single:
        if frozenset((a, b)) not in unused:
            continue
        unused.discard(frozenset((a, b)))
        chain = [a, b]
        while True:
            end = chain[-1]
            nxt = next((n for n in neighbours[end] if frozenset((end, n)) in unused), None)
            if nxt is None:
                break
            unused.discard(frozenset((end, nxt)))
            chain.append(nxt)
        head, *rest = chain
        moves = " ".join(f"{_number(x * GRID)} {_number(y * GRID)}" for x, y in rest)
        closed = "Z" if chain[0] == chain[-1] else ""
        parts.append(f"M{_number(head[0] * GRID)} {_number(head[1] * GRID)}L{moves}{closed}")
    return "".join(parts)


def drawing(villages: list[Boundary]) -> Drawing:
    """A regency's map from its villages' boundaries."""
    project, width, height = projection(
        p for v in villages for polygon in v.polygons for ring in polygon for p in ring
    )
    paths = {}
    edges: dict[str, dict[str, list[Edge]]] = defaultdict(lambda: defaultdict(list))
    for village in villages:
        rings = village_rings(village, project)
        paths[village.code] = "".join(map(ring_path, rings))
        # Outlines from the snapped rings, before collinear points are dropped: short edges.
        for polygon in village.polygons:
            for ring in polygon:
                snapped = snapped_ring(ring, project)
                edges[kecamatan_of(village.code)][village.code] += [
                    (snapped[i], snapped[(i + 1) % len(snapped)]) for i in range(len(snapped))
                ]
    kecamatan = {code: outline(outer_edges(found)) for code, found in sorted(edges.items())}
    return Drawing(width, height, paths, kecamatan)
