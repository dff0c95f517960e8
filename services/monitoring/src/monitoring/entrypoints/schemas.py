"""The HTTP side's parameters: the query values the public API accepts."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Query

NATIONAL = "all"
"""`regency=all`: every served regency together (the country, when all are served)."""

PERIOD = re.compile(r"^(\d{4}-(0[1-9]|1[0-2])|rolling-30d|all)$")

Regency = Annotated[str | None, Query(pattern=r"^\d{2}\.\d{2}$")]
Scope = Annotated[str | None, Query(pattern=r"^(\d{2}\.\d{2}|all)$")]
Limit = Annotated[int | None, Query(ge=1, le=10000, description="Rows per page (default: all).")]
Offset = Annotated[int, Query(ge=0, description="Rows skipped before the page.")]
Kecamatan = Annotated[str | None, Query(pattern=r"^\d{2}\.\d{2}\.\d{2}$")]
PageKecamatan = Annotated[str | None, Query(max_length=8)]
