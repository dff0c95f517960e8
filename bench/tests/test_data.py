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


def test_a_child_process_is_counted_once_under_its_nearest_named_parent() -> None:
    import os
    import subprocess
    import sys
    import time

    import psutil

    from slrt_bench.cpu import cpu_times

    # burns a known amount of CPU however fast the machine is, then idles
    burn = "import time\nwhile time.process_time() < 0.5: pass\ntime.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", burn])
    try:
        busy = psutil.Process(child.pid)
        deadline = time.monotonic() + 20
        while sum(busy.cpu_times()[:2]) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        both = cpu_times({"parent": os.getpid(), "child": child.pid})
        alone = cpu_times({"parent": os.getpid()})
    finally:
        child.kill()
        child.wait()
    assert both["child"] >= 0.3
    # named on its own, the child is not also counted in its parent; unnamed, it is
    assert alone["parent"] >= both["parent"] + 0.9 * both["child"]
