"""Monitoring's unit of work on Postgres: one transaction with every adapter's queries."""

from __future__ import annotations

from collections.abc import Callable

from monitoring.adapters.agencies import AgencyNames
from monitoring.adapters.aggregates import Aggregates
from monitoring.adapters.facts import FactWrites
from monitoring.adapters.maps import MapReads
from monitoring.adapters.month_summaries import MonthSummaries
from monitoring.adapters.national import NationalStore
from monitoring.adapters.programmes import ProgrammeStore
from monitoring.adapters.regions import RegionReads
from monitoring.adapters.snapshots import Snapshots
from monitoring.adapters.verdicts import VerdictStore


class MonitoringUnitOfWork(
    FactWrites,
    RegionReads,
    MapReads,
    AgencyNames,
    Aggregates,
    MonthSummaries,
    Snapshots,
    NationalStore,
    VerdictStore,
    ProgrammeStore,
):
    """A transaction on the monitoring schema; implements `service_layer.unit_of_work`."""


UnitOfWorkFactory = Callable[[], MonitoringUnitOfWork]
"""Opens a new unit of work: what `app.py` hands to routes, subscribers and jobs."""
