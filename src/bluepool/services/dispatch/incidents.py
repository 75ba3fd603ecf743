"""Central dispatch use cases: take a call, recommend units, assign, close; and read them.

Every use case has the same four beats: open the unit of work, load, ask the domain, commit.
What happened leaves as events raised into the unit of work (see ``services.messagebus``).
"""

from __future__ import annotations

import uuid

from bluepool.domain.access.roles import User
from bluepool.domain.collective.agencies import CallType
from bluepool.domain.dispatch.events import (
    IncidentClosed,
    IncidentReceived,
    UnitAssigned,
    UnitReleased,
)
from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.dispatch.recommend import (
    Collective,
    IncidentView,
    Recommendation,
    recommend,
)
from bluepool.domain.dispatch.records import (
    AssignResult,
    IncidentPage,
    IncidentRecord,
    RecommendationRecord,
    UnitRecord,
)
from bluepool.domain.dispatch.rules import RuleCode
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.shared.errors import Conflict, Invalid, PolicyForbids, UnitUnavailable
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, IncidentId, JurisdictionId, UnitId
from bluepool.services.audit import reads
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.dispatch import geocode, policy
from bluepool.services.lookup import found, not_found
from bluepool.services.ports import IncidentFilter, Page, Standing, UnitOfWork


@refusal_recorded
def create_incident(
    ctx: Context,
    user: User,
    call_type: str,
    location: Location,
    priority: int | None = None,
    description: str = "",
    address: str | None = None,
) -> IncidentRecord:
    """Receive a call: the jurisdiction comes from the location. A call outside every
    jurisdiction is taken only when the collective accepts such calls (it is then marked
    ``outside``); otherwise it is refused and nothing is recorded. Without an ``address``
    the gazetteer's nearest address to the location is the incident's (when one is
    loaded)."""
    policy.dispatch(user)
    jurisdiction = ctx.locator().locate(location)
    if jurisdiction is None and not ctx.accept_outside_incidents:
        raise Invalid(
            f"({location.lat:g}, {location.lon:g}) lies outside every jurisdiction of the "
            "collective, which takes no calls there (BLUEPOOL_OUTSIDE_INCIDENTS=refuse)",
            code="outside_jurisdictions",
        )
    address = " ".join(address.split()) if address else geocode.address_of(ctx, location)
    with ctx.uow() as uow:
        ct = _call_type(ctx, uow, CallTypeCode(call_type))
        now = ctx.clock.now()
        incident = Incident.receive(
            IncidentId(uuid.uuid4().hex[:12]),
            ct.code,
            ct.default_priority if priority is None else priority,
            location,
            jurisdiction,
            now,
            user.username,
            description,
            address,
        )
        uow.incidents.add(incident)
        record = IncidentRecord.of(incident)
        uow.raise_event(IncidentReceived(now, user.username, record))
        uow.commit()
    return record


def get_incident(ctx: Context, user: User, incident_id: str) -> IncidentRecord:
    policy.read(user)
    with ctx.reader() as uow:
        record = IncidentRecord.of(found(uow.incidents, IncidentId(incident_id), "incident"))
        owners = reads.owners(uow, user)
    note_reads(ctx, user, "dispatch.incidents.get_incident", (record,), owners)
    return record


def list_incidents(ctx: Context, user: User, where: IncidentFilter, page: Page) -> IncidentPage:
    """Incidents, newest first."""
    policy.read(user)
    with ctx.reader() as uow:
        items, total = uow.incidents.find(where, page)
        records = tuple(IncidentRecord.of(i) for i in items)
        owners = reads.owners(uow, user)
    note_reads(ctx, user, "dispatch.incidents.list_incidents", records, owners)
    return IncidentPage(records, total, page.limit, page.offset)


def note_reads(
    ctx: Context,
    user: User,
    action: str,
    records: tuple[IncidentRecord, ...],
    owners: dict[JurisdictionId, AgencyId],
) -> None:
    """An incident is its jurisdiction's agency's."""
    owned = ((r.id, owners.get(r.jurisdiction) if r.jurisdiction else None) for r in records)
    reads.note(ctx, user, action, "incident", owned)


def recommendation(ctx: Context, user: User, incident_id: str) -> RecommendationRecord:
    """Rank the units that can serve an incident now, with the reasons."""
    policy.read(user)
    with ctx.reader() as uow:
        incident = found(uow.incidents, IncidentId(incident_id), "incident")
        return RecommendationRecord.of(_recommend(ctx, uow, incident))


@refusal_recorded
def assign(ctx: Context, user: User, incident_id: str, unit_id: str) -> AssignResult:
    """Dispatch a unit to an incident, if it may serve it now.

    The unit must be a candidate of the incident's recommendation (available, capable,
    allowed by its agency's sharing policy and reserve). The write is checked against
    concurrent changes, so a unit is never committed to two incidents.
    """
    policy.dispatch(user)
    with ctx.uow() as uow:
        incident = found(uow.incidents, IncidentId(incident_id), "incident")
        # Lending agencies' reserves are fleet-wide: decide with the unit's agency held, on
        # a fresh read of its units (the fleet, read after the lock; the standing facts may
        # come from the cache, the units never do).
        if uow.lock_agency_of(UnitId(unit_id)) is None:
            raise not_found("unit", unit_id)
        fleet = uow.units.list()
        unit = next((u for u in fleet if u.id == unit_id), None)
        if unit is None:  # removed since the lock (removing a unit takes no agency lock)
            raise not_found("unit", unit_id)
        rec = _recommend(ctx, uow, incident, fleet)
        candidate = next((c for c in rec.candidates if c.unit_id == unit.id), None)
        if candidate is None:
            exclusion = next((e for e in rec.excluded if e.unit_id == unit.id), None)
            reason = exclusion.reason if exclusion else "not eligible"
            raise _refusal(
                exclusion.code if exclusion else None,
                f"unit {unit.id} cannot take incident {incident.id}: {reason}",
            )
        now = ctx.clock.now()
        incident.assign(unit, now, user.username, "; ".join(candidate.reasons))
        uow.units.update(unit)
        uow.incidents.update(incident)
        eta = round(candidate.eta_seconds, 1)
        incident_record, unit_record = IncidentRecord.of(incident), UnitRecord.of(unit)
        uow.raise_event(UnitAssigned(now, user.username, incident_record, unit_record, eta))
        uow.commit()
    return AssignResult(incident.id, unit.id, eta, candidate.reasons, incident_record, unit_record)


def _refusal(code: RuleCode | None, detail: str) -> Exception:
    """The error for a unit recommend() excluded, by the rule that excluded it."""
    if code is RuleCode.UNIT_UNAVAILABLE:
        return UnitUnavailable(detail)
    if code in (RuleCode.POLICY_FORBIDS, RuleCode.RESERVE_KEPT):
        return PolicyForbids(detail)
    if code is RuleCode.NOT_CAPABLE:
        return Conflict(detail, code="not_capable")
    return Conflict(detail, code="not_eligible")


@refusal_recorded
def close_incident(ctx: Context, user: User, incident_id: str) -> IncidentRecord:
    """Close an incident and free every unit still on it."""
    policy.dispatch(user)
    with ctx.uow() as uow:
        incident = found(uow.incidents, IncidentId(incident_id), "incident")
        units = {uid: u for uid in incident.active_units() if (u := uow.units.get(uid))}
        now = ctx.clock.now()
        incident.close(now, user.username, units)
        for u in units.values():
            uow.units.update(u)
        uow.incidents.update(incident)
        record = IncidentRecord.of(incident)
        uow.raise_event(IncidentClosed(now, user.username, record))
        for u in units.values():
            uow.raise_event(UnitReleased(now, user.username, UnitRecord.of(u)))
        uow.commit()
    return record


def collective(uow: UnitOfWork) -> Collective:
    """Read the standing facts the recommender works within."""
    return Collective(
        jurisdiction_agency=uow.jurisdictions.owners(),
        policies={p.agency_id: p for p in uow.policies.list()},
        agency_names={a.id: a.name for a in uow.agencies.list()},
    )


def standing(uow: UnitOfWork) -> Standing:
    """Read every standing fact dispatch needs (what ``Context.standing`` caches)."""
    return Standing(collective(uow), {c.code: c for c in uow.call_types.list()})


def _standing(ctx: Context, uow: UnitOfWork) -> Standing:
    return ctx.standing(uow) if ctx.standing is not None else standing(uow)


def _recommend(
    ctx: Context, uow: UnitOfWork, incident: Incident, fleet: list[Unit] | None = None
) -> Recommendation:
    facts = _standing(ctx, uow)
    ct = _call_type(ctx, uow, incident.call_type, facts)
    view = IncidentView(
        incident.id,
        incident.call_type,
        incident.priority,
        incident.location,
        incident.jurisdiction_id,
    )
    units = uow.units.list() if fleet is None else fleet
    assigned = set(incident.active_units())
    on_scene = [u.capabilities for u in units if u.id in assigned]
    return recommend(view, ct.plan, units, facts.collective, ctx.travel, on_scene)


def _call_type(
    ctx: Context, uow: UnitOfWork, code: CallTypeCode, facts: Standing | None = None
) -> CallType:
    ct = (facts or _standing(ctx, uow)).call_types.get(code)
    if ct is None:
        # Not in the cache: perhaps added a moment ago (by another worker); ask the database.
        ct = uow.call_types.get(code)
    if ct is None:
        known = ", ".join(sorted(c.code for c in uow.call_types.list()))
        raise Invalid(f"no call type {code!r}; known: {known}", code="unknown_call_type")
    return ct


def recommend_for(
    ctx: Context, uow: UnitOfWork, incident: Incident, fleet: list[Unit] | None = None
) -> Recommendation:
    """The recommendation for ``incident`` within an open unit of work (``fleet``: the
    units, when the caller has read them already)."""
    return _recommend(ctx, uow, incident, fleet)
