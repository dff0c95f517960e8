"""The generated complaints pass intake's own validation."""

from __future__ import annotations

import random

from intake.domain import nik
from slrt_bench.data import District, complaint
from slrt_shared import reference


def test_every_generated_nik_is_one_intake_accepts() -> None:
    district = District.of("32.15")
    kecamatan = frozenset(r.code for r in reference.regions().values() if r.level == "district")
    rng = random.Random(7)
    for village in district.villages:
        body = complaint(district, village, rng)
        assert nik.problem(body["resident"]["nik"], kecamatan, frozenset({"32.15"})) is None
        assert set(body["needs"]) <= set(district.services)


def test_the_district_is_karawang_with_its_309_villages() -> None:
    assert len(District.of("32.15").villages) == 309
