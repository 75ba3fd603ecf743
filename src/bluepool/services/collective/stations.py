"""Where units are posted: an agency's stations."""

from __future__ import annotations

from bluepool.domain.access.roles import User
from bluepool.domain.collective.agencies import Station
from bluepool.domain.collective.events import StationChanged
from bluepool.domain.collective.records import StationRecord
from bluepool.domain.shared.errors import Conflict, Duplicate
from bluepool.domain.shared.events import Action
from bluepool.domain.shared.ids import StationId
from bluepool.services.audit import reads
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.collective import policy
from bluepool.services.context import Context
from bluepool.services.lookup import agency_exists, found


def list_stations(ctx: Context, user: User, agency_id: str | None) -> tuple[StationRecord, ...]:
    policy.read(user)
    with ctx.reader() as uow:
        records = tuple(
            StationRecord.of(s)
            for s in uow.stations.list()
            if agency_id is None or s.agency_id == agency_id
        )
    action = "collective.stations.list_stations"
    reads.note(ctx, user, action, "station", ((r.id, r.agency) for r in records))
    return records


def get_station(ctx: Context, user: User, station_id: str) -> StationRecord:
    policy.read(user)
    with ctx.reader() as uow:
        record = StationRecord.of(found(uow.stations, StationId(station_id), "station"))
    reads.note(
        ctx, user, "collective.stations.get_station", "station", [(record.id, record.agency)]
    )
    return record


@refusal_recorded
def save_station(ctx: Context, user: User, station: Station, create: bool) -> StationRecord:
    policy.keep_agency(user, station.agency_id)
    with ctx.uow() as uow:
        agency_exists(uow, station.agency_id)
        if create:
            if uow.stations.get(station.id) is not None:
                raise Duplicate(f"station {station.id} exists")
            uow.stations.add(station)
        else:
            old = found(uow.stations, station.id, "station")
            policy.keep_agency(user, old.agency_id)
            uow.stations.update(station)
        record = StationRecord.of(station)
        action = Action.CREATED if create else Action.UPDATED
        uow.raise_event(StationChanged(ctx.clock.now(), user.username, action, station.id, record))
        uow.commit()
    return record


@refusal_recorded
def delete_station(ctx: Context, user: User, station_id: str) -> None:
    """Remove a station no unit is posted at."""
    with ctx.uow() as uow:
        old = found(uow.stations, station_id, "station")
        policy.keep_agency(user, old.agency_id)
        posted = [u.id for u in uow.units.list() if u.station_id == station_id]
        if posted:
            raise Conflict(
                f"station {station_id} still has units: {', '.join(posted[:5])}",
                code="in_use",
            )
        uow.stations.delete(StationId(station_id))
        uow.raise_event(StationChanged(ctx.clock.now(), user.username, Action.DELETED, station_id))
        uow.commit()
