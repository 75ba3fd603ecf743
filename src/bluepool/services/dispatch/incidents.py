"""Central dispatch use cases: take a call, recommend units, assign, close; and read them.

Every use case has the same four beats: open the unit of work, load, ask the domain, commit.
What happened leaves as events raised into the unit of work (see ``services.messagebus``).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.collective.agencies import CallType, Requirement
from bluepool.domain.dispatch.closing import ClosingRules, check_report_number
from bluepool.domain.dispatch.command import MAX_OFFERS, OVERRIDABLE, FloorRules, Override
from bluepool.domain.dispatch.events import (
    IncidentClosed,
    IncidentReceived,
    UnitAssigned,
    UnitReleased,
)
from bluepool.domain.dispatch.incidents import Incident, IncidentChange
from bluepool.domain.dispatch.recommend import (
    Collective,
    Recommendation,
    recommend,
)
from bluepool.domain.dispatch.records import (
    AssignResult,
    IncidentPage,
    IncidentRecord,
    LendingRecord,
    RecommendationRecord,
    UnitRecord,
)
from bluepool.domain.dispatch.rules import RuleCode
from bluepool.domain.dispatch.units import Unit, reason_given
from bluepool.domain.shared.errors import Conflict, Invalid, PolicyForbids, UnitUnavailable
from bluepool.domain.shared.geo import Location, format_duration
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, IncidentId, JurisdictionId, UnitId
from bluepool.domain.sharing.lending import LendingClause, lending_clause
from bluepool.services.audit import reads
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.dispatch import closing, diversions, geocode, policy
from bluepool.services.lookup import found, not_found
from bluepool.services.people import gate
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
    caller_name: str = "",
    caller_phone: str = "",
) -> IncidentRecord:
    """Receive a call: the jurisdiction comes from the location. A call outside every
    jurisdiction is taken only when the collective accepts such calls (it is then marked
    ``outside``); otherwise it is refused and nothing is recorded. Without an ``address``
    the gazetteer's nearest address to the location is the incident's (when one is
    loaded)."""
    policy.dispatch(user)
    caller = IncidentChange(caller_name=caller_name, caller_phone=caller_phone)
    jurisdiction = located(ctx, location)
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
        incident.caller_name, incident.caller_phone = (
            caller.caller_name or "",
            caller.caller_phone or "",
        )
        uow.incidents.add(incident)
        record = IncidentRecord.of(incident)
        uow.raise_event(IncidentReceived(now, user.username, record))
        uow.commit()
    return record


def located(ctx: Context, location: Location) -> JurisdictionId | None:
    """The jurisdiction a call at ``location`` lies in; a call outside every jurisdiction
    is taken only when the collective accepts such calls, otherwise refused."""
    jurisdiction = ctx.locator().locate(location)
    if jurisdiction is None and not ctx.accept_outside_incidents:
        raise Invalid(
            f"({location.lat:g}, {location.lon:g}) lies outside every jurisdiction of the "
            "collective, which takes no calls there (BLUEPOOL_OUTSIDE_INCIDENTS=refuse)",
            code="outside_jurisdictions",
        )
    return jurisdiction


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
    """Rank the units that can serve an incident now, with the reasons; and offer the
    nearest units on less urgent calls for diversion."""
    policy.read(user)
    with ctx.reader() as uow:
        incident = found(uow.incidents, IncidentId(incident_id), "incident")
        fleet = uow.units.list()
        facts = _standing(ctx, uow)
        rec = _recommend(ctx, uow, incident, fleet)
        ct = _call_type(ctx, uow, incident.call_type, facts)
        now = ctx.clock.now()
        found_ = diversions.diversions(uow, incident, ct, fleet, facts, ctx.travel, now)
        offers = diversions.offers(found_, facts, MAX_OFFERS)
        lent = lending_records(facts, incident, rec, fleet, now)
        return RecommendationRecord.of(rec, offers, policy.may_override(user, facts.floor), lent)


@refusal_recorded
def assign(
    ctx: Context,
    user: User,
    incident_id: str,
    unit_id: str,
    override_reason: str | None = None,
) -> AssignResult:
    """Dispatch a unit to an incident, if it may serve it now.

    The unit must be a candidate of the incident's recommendation (available, capable,
    allowed by its agency's sharing policy and reserve). The write is checked against
    concurrent changes, so a unit is never committed to two incidents.

    With ``override_reason``, a unit that only a sharing rule excludes (its agency's
    policy or home reserve) is assigned all the same, by those who may override
    (``policy.override``), and the override is marked on the timeline, in the change log
    and in the audit log (``command.overridden``).
    """
    policy.dispatch(user)
    with ctx.uow() as uow:
        result = assign_in(ctx, uow, user, incident_id, unit_id, override_reason)
        uow.commit()
    return result


def assign_in(
    ctx: Context,
    uow: UnitOfWork,
    user: User,
    incident_id: str,
    unit_id: str,
    override_reason: str | None = None,
    wanted: frozenset[str] = frozenset(),
) -> AssignResult:
    """``assign`` within an open unit of work, which the caller commits (a mutual-aid
    fulfilment sends the unit and records it in one transaction); the caller checked
    ``policy.dispatch``. ``wanted``: capabilities needed beyond the call type's response
    plan (what an approved mutual-aid request asks for)."""
    if override_reason is not None:
        policy.override(user, _standing(ctx, uow).floor)
        override_reason = reason_given(override_reason, "an override")
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
    rec = _recommend(ctx, uow, incident, fleet, wanted)
    candidate = next((c for c in rec.candidates if c.unit_id == unit.id), None)
    override: Override | None = None
    if candidate is None:
        exclusion = next((e for e in rec.excluded if e.unit_id == unit.id), None)
        if override_reason is not None and exclusion and exclusion.code in OVERRIDABLE:
            override = Override.of(exclusion, override_reason)
            eta_s, reasons = _overridden_eta(ctx, incident, unit, override)
        else:
            reason = exclusion.reason if exclusion else "not eligible"
            raise _refusal(
                exclusion.code if exclusion else None,
                f"unit {unit.id} cannot take incident {incident.id}: {reason}",
            )
    else:
        eta_s, reasons = candidate.eta_seconds, candidate.reasons
    now = ctx.clock.now()
    fills = frozenset(candidate.fills) if candidate is not None else frozenset()
    clause = lent_under(_standing(ctx, uow), incident, unit, fills, now)
    if clause is not None:
        reasons = (*reasons, f"lent under {clause.citation}")
    incident.assign(
        unit,
        now,
        user.username,
        "; ".join(reasons),
        override.detail if override else "",
        (clause.agreement.id, clause.number) if clause is not None else ("", 0),
    )
    uow.units.update(unit)
    uow.incidents.update(incident)
    eta = round(eta_s, 1)
    incident_record, unit_record = IncidentRecord.of(incident), UnitRecord.of(unit)
    uow.raise_event(UnitAssigned(now, user.username, incident_record, unit_record, eta, override))
    return AssignResult(incident.id, unit.id, eta, reasons, incident_record, unit_record, override)


def _overridden_eta(
    ctx: Context, incident: Incident, unit: Unit, override: Override
) -> tuple[float, tuple[str, ...]]:
    """The ETA and reasons of a unit sent over a sharing rule (it has a position: the
    rules that exclude a unit without one come first)."""
    assert unit.location is not None
    (eta,) = ctx.travel.to_destination([unit.location], incident.location)
    if eta is None:
        raise Conflict(
            f"unit {unit.id} cannot reach incident {incident.id} {ctx.travel.method}",
            code="unreachable",
        )
    return eta, (
        f"eta {ctx.travel.method}: {format_duration(eta)}",
        f"override of {override.rule.value}: {override.reason}",
    )


def _refusal(code: RuleCode | None, detail: str) -> Exception:
    """The error for a unit recommend() excluded, by the rule that excluded it."""
    if code is RuleCode.UNIT_UNAVAILABLE:
        return UnitUnavailable(detail)
    if code in (RuleCode.POLICY_FORBIDS, RuleCode.RESERVE_KEPT):
        return PolicyForbids(detail)
    if code is RuleCode.NOT_CAPABLE:
        return Conflict(detail, code="not_capable")
    if code is RuleCode.CERTIFICATION_LAPSED:
        return Conflict(detail, code="certification_lapsed")
    return Conflict(detail, code="not_eligible")


@refusal_recorded
def close_incident(
    ctx: Context, user: User, incident_id: str, disposition: str, report_number: str = ""
) -> IncidentRecord:
    """Close an incident with a disposition the collective's closing rules allow for its
    call type (and a report number, if one was written), and free every unit still on it."""
    policy.dispatch(user)
    number = check_report_number(report_number)
    with ctx.uow() as uow:
        incident = found(uow.incidents, IncidentId(incident_id), "incident")
        if not incident.is_open:
            raise Conflict(
                f"incident {incident.id} is already {incident.status.value}",
                code="incident_closed",
            )
        chosen = closing_rules(ctx, uow).disposition(disposition, incident.call_type)
        units = {uid: u for uid in incident.active_units() if (u := uow.units.get(uid))}
        now = ctx.clock.now()
        incident.close(now, user.username, units, chosen.code, number)
        for u in units.values():
            uow.units.update(u)
        uow.incidents.update(incident)
        record = IncidentRecord.of(incident)
        uow.raise_event(IncidentClosed(now, user.username, record))
        for u in units.values():
            uow.raise_event(UnitReleased(now, user.username, UnitRecord.of(u)))
        uow.commit()
    return record


def floor_rules(uow: UnitOfWork) -> FloorRules:
    """The collective's ``dispatch`` setting (its defaults when none is stored)."""
    setting = uow.settings.get(FloorRules.SETTING)
    return FloorRules.of(setting.value if setting else None)


def collective(uow: UnitOfWork, floor: FloorRules | None = None) -> Collective:
    """Read the standing facts the recommender works within; what each agency lends
    depends on the time, and ``lending`` adds it."""
    return Collective(
        jurisdiction_agency=uow.jurisdictions.owners(),
        policies={},
        agency_names={a.id: a.name for a in uow.agencies.list()},
        specialist_margin_s=(floor or floor_rules(uow)).specialist_margin_s,
    )


def standing(uow: UnitOfWork) -> Standing:
    """Read every standing fact dispatch needs (what ``Context.standing`` caches)."""
    floor = floor_rules(uow)
    call_types = {c.code: c for c in uow.call_types.list()}
    agreements = tuple(uow.agreements.list())
    return Standing(
        collective(uow, floor),
        call_types,
        agreements,
        floor,
        closing.rules(uow),
        gate.rules(uow),
    )


def lent_under(
    facts: Standing, incident: Incident, unit: Unit, fills: frozenset[str], now: datetime
) -> LendingClause | None:
    """The agreement clause that lends ``unit`` (of another agency than the incident's) to
    ``incident``; None for an own unit, or one no clause lends (sent over a rule)."""
    owner = facts.collective.agency_of(incident.jurisdiction_id)
    if unit.agency_id == owner:
        return None
    return lending_clause(
        facts.agreements,
        incident.received_at,
        now,
        facts.collective.jurisdiction_agency,
        unit.agency_id,
        incident.jurisdiction_id,
        incident.call_type,
        incident.priority,
        fills or unit.capabilities,
    )


def lending_records(
    facts: Standing, incident: Incident, rec: Recommendation, fleet: Sequence[Unit], now: datetime
) -> dict[UnitId, LendingRecord]:
    """For each candidate another agency lends: the clause that lends it, and its rate."""
    units = {u.id: u for u in fleet}
    out: dict[UnitId, LendingRecord] = {}
    for c in rec.candidates:
        unit = units.get(c.unit_id)
        if c.own_agency or unit is None:
            continue
        found_ = lent_under(facts, incident, unit, frozenset(c.fills), now)
        if found_ is not None:
            out[unit.id] = LendingRecord.of(found_, unit.kind)
    return out


def closing_rules(ctx: Context, uow: UnitOfWork) -> ClosingRules:
    """The collective's closing rules (cached with the standing facts)."""
    return _standing(ctx, uow).closing


def _standing(ctx: Context, uow: UnitOfWork) -> Standing:
    return ctx.standing(uow) if ctx.standing is not None else standing(uow)


def _recommend(
    ctx: Context,
    uow: UnitOfWork,
    incident: Incident,
    fleet: list[Unit] | None = None,
    wanted: frozenset[str] = frozenset(),
) -> Recommendation:
    facts = _standing(ctx, uow)
    ct = _call_type(ctx, uow, incident.call_type, facts)
    planned = {r.capability for r in ct.plan}
    plan = (*ct.plan, *(Requirement(c) for c in sorted(wanted - planned)))
    units = uow.units.list() if fleet is None else fleet
    assigned = set(incident.active_units())
    on_scene = [u.capabilities for u in units if u.id in assigned]
    now = ctx.clock.now()
    collective = dataclasses.replace(
        facts.lending(incident.received_at, now),
        kind_counts=Counter(u.kind for u in units),
        withheld=gate.withheld(uow, facts.certifications, units, now),
    )
    view = diversions.view_of(incident)
    return recommend(view, plan, units, collective, ctx.travel, on_scene, ctx.air)


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


def standing_facts(ctx: Context, uow: UnitOfWork) -> Standing:
    """The standing facts of dispatch, from the cache when there is one."""
    return _standing(ctx, uow)


def call_type_of(ctx: Context, uow: UnitOfWork, incident: Incident, facts: Standing) -> CallType:
    """The incident's call type (with its response plan)."""
    return _call_type(ctx, uow, incident.call_type, facts)


def known_call_type(ctx: Context, uow: UnitOfWork, code: CallTypeCode) -> CallType:
    """The call type ``code``; raise Invalid (naming the known ones) when there is none."""
    return _call_type(ctx, uow, code)


def recommend_for(
    ctx: Context, uow: UnitOfWork, incident: Incident, fleet: list[Unit] | None = None
) -> Recommendation:
    """The recommendation for ``incident`` within an open unit of work (``fleet``: the
    units, when the caller has read them already)."""
    return _recommend(ctx, uow, incident, fleet)
