"""The board report: utilisation by agency and kind, idle specialised units, duplicated
resources with the saving of pooling them, and unit-hours lent and borrowed per month
(``domain.analytics.utilisation``; docs/board-reports.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bluepool.domain.access.roles import User
from bluepool.domain.analytics import utilisation as u
from bluepool.domain.analytics.utilisation import BoardRules, Period
from bluepool.domain.resources.catalogue import ResourceKind, ResourceType
from bluepool.domain.shared.geo import Location
from bluepool.services.analytics import policy
from bluepool.services.context import Context
from bluepool.services.ports import IncidentFilter, LoanFilter, Page
from bluepool.services.resources.catalogue import types_in

#: An assignment is read if its incident was received this long before the period began.
LOOKBACK = timedelta(days=2)
_ALL = Page(limit=10_000_000)
#: A resource of a type the catalogue no longer has counts as a unit (left out).
_UNIT = ResourceType("unknown", "unknown", ResourceKind.UNIT)


@dataclass(frozen=True, slots=True)
class BoardReport:
    start: datetime
    end: datetime
    rules: BoardRules
    incidents: int
    utilisation: tuple[u.UtilisationRow, ...]
    idle: tuple[u.IdleUnit, ...]
    duplication: tuple[u.Duplication, ...]
    lent_borrowed: tuple[u.LentBorrowed, ...]
    #: The yearly saving of pooling every duplicated group, in minor units.
    saving: int


def board_rules(ctx: Context) -> BoardRules:
    """The collective's ``board`` setting, or the defaults."""
    with ctx.reader() as uow:
        setting = uow.settings.get(BoardRules.SETTING)
    return BoardRules.of(setting.value) if setting is not None else BoardRules()


def board_report(
    ctx: Context,
    user: User,
    start: datetime,
    end: datetime,
    idle_below: float | None = None,
    within_minutes: float | None = None,
) -> BoardReport:
    """The report of ``[start, end)``; ``idle_below`` and ``within_minutes`` override the
    collective's ``board`` setting for this report."""
    policy.read(user)
    period = Period(start, end)
    rules = board_rules(ctx)
    rules = replace(
        rules,
        idle_below=rules.idle_below if idle_below is None else idle_below,
        within_minutes=rules.within_minutes if within_minutes is None else within_minutes,
    )
    with ctx.reader() as uow:
        incidents, _ = uow.incidents.find(
            IncidentFilter(received_from=start - LOOKBACK, received_until=end), _ALL
        )
        units = uow.units.list()
        stations = {s.id: s for s in uow.stations.list()}
        owners = uow.jurisdictions.owners()
        kinds = types_in(uow)
        pieces = [
            r
            for r in uow.resources.list()
            if kinds.get(r.type, _UNIT).kind is ResourceKind.EQUIPMENT
        ]
        loans = [x for x in uow.loans.find(LoanFilter()) if (x.returned_at or end) > start]
    # Units and the catalogue's equipment (its typed units are the units themselves).
    assets: list[u.Asset] = [*units, *(u.Equipment(r.id, r.owner, r.type) for r in pieces)]
    spans = u.committed(incidents, end) + u.loan_spans(loans, end)
    busy = u.busy_hours(spans, period)
    idle = u.idle_specialised(assets, busy, period, rules.idle_below)
    home: dict[str, Location] = {
        unit.id: stations[unit.station_id].location
        for unit in units
        if unit.station_id is not None and unit.station_id in stations
    }
    home.update(
        (r.id, stations[r.home_station].location)
        for r in pieces
        if r.home_station is not None and r.home_station in stations
    )

    def drive(a: Location, b: Location) -> float | None:
        seconds = ctx.travel.to_destination([a], b)[0]
        return None if seconds is None else seconds / 60

    groups = u.duplication(
        idle, home, drive, rules.within_minutes, period, rules.target_share, rules.yearly_cost
    )
    return BoardReport(
        start,
        end,
        rules,
        sum(1 for i in incidents if i.received_at >= start),
        tuple(u.utilisation(assets, busy, period)),
        tuple(idle),
        tuple(groups),
        tuple(u.lent_and_borrowed(spans, {x.id: x.agency_id for x in units}, owners, period)),
        sum(d.saving for d in groups),
    )
