"""Builders for domain objects: sensible defaults, override what the test is about.

a_unit(capabilities={"k9"}, status=UnitStatus.AVAILABLE)
an_incident(priority=1, jurisdiction_id="J-1")
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from bluepool.domain.access.roles import Role, User
from bluepool.domain.aid.requests import DEFAULT_STEPS, Category, Route, Terms
from bluepool.domain.aid.requests import Item as AidItem
from bluepool.domain.aid.requests import Request as AidRequest
from bluepool.domain.collective.agencies import Agency, CallType, Jurisdiction, Requirement, Station
from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.ledger import pricing
from bluepool.domain.ledger.entries import Transaction
from bluepool.domain.ledger.pricing import PricedUsage, Usage, rate_words
from bluepool.domain.resources.loans import Loan, LoanId
from bluepool.domain.resources.resources import Condition, Resource, ResourceId
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    IncidentId,
    JurisdictionId,
    StationId,
    UnitId,
    Username,
)
from bluepool.domain.sharing.agreements import (
    Agreement,
    AgreementId,
    Clause,
    Rates,
    Signature,
    Stage,
)
from bluepool.domain.sharing.lending import from_policy
from bluepool.domain.sharing.policies import SharingPolicy, SharingRule

#: A fixed instant the tests count from.
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
#: Somewhere in the collective's area.
HQ = Location(48.8566, 2.3522)

#: What the tests close calls with: a disposition in the default list and the demo's.
DISPOSITION = "no_report"
#: The body of ``POST /incidents/{id}/close`` the tests send.
CLOSE = {"disposition": DISPOSITION}

_serial = itertools.count(1)


def _next(prefix: str) -> str:
    return f"{prefix}-{next(_serial)}"


def at(minutes: float) -> datetime:
    """Return T0 plus ``minutes``."""
    return T0 + timedelta(minutes=minutes)


def an_agency(**overrides: Any) -> Agency:
    fields: dict[str, Any] = {"id": AgencyId(_next("A")), "name": "Metro Police"}
    fields.update(overrides)
    return Agency(**fields)


def a_square(lat: float = HQ.lat, lon: float = HQ.lon, size: float = 0.05) -> dict[str, Any]:
    """Return a GeoJSON polygon: a square of ``size`` degrees around (lat, lon)."""
    h = size / 2
    ring = [
        [lon - h, lat - h],
        [lon + h, lat - h],
        [lon + h, lat + h],
        [lon - h, lat + h],
        [lon - h, lat - h],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def a_jurisdiction(**overrides: Any) -> Jurisdiction:
    fields: dict[str, Any] = {
        "id": JurisdictionId(_next("J")),
        "name": "Downtown",
        "agency_id": AgencyId("A-1"),
        "geometry": a_square(),
    }
    fields.update(overrides)
    return Jurisdiction(**fields)


def a_station(**overrides: Any) -> Station:
    fields: dict[str, Any] = {
        "id": StationId(_next("S")),
        "agency_id": AgencyId("A-1"),
        "name": "Central",
        "location": HQ,
    }
    fields.update(overrides)
    return Station(**fields)


def a_unit(**overrides: Any) -> Unit:
    fields: dict[str, Any] = {
        "id": UnitId(_next("P")),
        "agency_id": AgencyId("A-1"),
        "kind": "car",
        "capabilities": frozenset({"patrol"}),
        "location": HQ,
        "status_at": T0,
        "position_at": T0,
    }
    fields.update(overrides)
    if not isinstance(fields["capabilities"], frozenset):
        fields["capabilities"] = frozenset(fields["capabilities"])
    return Unit(**fields)


def an_incident(**overrides: Any) -> Incident:
    """Return a freshly received incident (its timeline holds the "received" entry)."""
    fields: dict[str, Any] = {
        "id": IncidentId(_next("I")),
        "call_type": CallTypeCode("burglary"),
        "priority": 2,
        "location": HQ,
        "jurisdiction_id": None,
        "at": T0,
        "actor": "dispatcher-1",
    }
    fields.update(overrides)
    if "received_at" in fields:
        fields["at"] = fields.pop("received_at")
    return Incident.receive(**fields)


def a_call_type(**overrides: Any) -> CallType:
    fields: dict[str, Any] = {
        "code": CallTypeCode(_next("ct")),
        "name": "Burglary in progress",
        "default_priority": 2,
        "plan": (Requirement("patrol", 2), Requirement("k9")),
    }
    fields.update(overrides)
    return CallType(**fields)


def a_policy(**overrides: Any) -> SharingPolicy:
    fields: dict[str, Any] = {
        "agency_id": AgencyId("A-1"),
        "home_reserve": 2,
        "rules": (
            SharingRule(),
            SharingRule(
                jurisdictions=frozenset({JurisdictionId("J-2")}),
                call_types=frozenset({CallTypeCode("riot")}),
                capabilities=frozenset({"swat", "k9"}),
                max_priority=2,
            ),
        ),
    }
    fields.update(overrides)
    return SharingPolicy(**fields)


def an_agreement(**overrides: Any) -> Agreement:
    """A signed agreement with every field set (a full rate card, a clause each way)."""
    a1, a2 = AgencyId("A-1"), AgencyId("A-2")
    fields: dict[str, Any] = {
        "id": AgreementId("A1-A2-2027-01"),
        "title": "A-1 lends A-2 its dog teams; A-2 lends anything",
        "parties": (a1, a2),
        "clauses": (
            Clause(
                a1,
                capabilities=frozenset({"k9"}),
                resource_types=frozenset({"k9-detection"}),
                call_types=frozenset({CallTypeCode("riot")}),
                jurisdictions=frozenset({JurisdictionId("J-2")}),
                max_priority=2,
                home_reserve=1,
                max_loan_hours=12,
                rates=Rates({"k9": 12050, "*": 9000}, {"*": 4000}, {"drone": 25000}, 5000),
            ),
            Clause(a2),
        ),
        "valid_from": T0,
        "valid_until": T0 + timedelta(days=365),
        "stage": Stage.SIGNED,
        "signatures": (Signature(a1, "admin-a1", T0), Signature(a2, "admin-a2", T0)),
        "version": 3,
    }
    fields.update(overrides)
    return Agreement(**fields)


#: When the agreements ``lend`` stores were signed and came into force.
SINCE = datetime(2000, 1, 1, tzinfo=UTC)


def lend(uow: Any, policy: SharingPolicy) -> Agreement | None:
    """Store what ``policy`` lends: the agreement between its agency and the collective,
    signed and in force since ``SINCE`` (nothing for a policy that lends nothing)."""
    agreement = from_policy(policy, SINCE, "test")
    if agreement is not None:
        uow.agreements.add(agreement, "test", SINCE)
    return agreement


def a_user(**overrides: Any) -> User:
    fields: dict[str, Any] = {
        "username": Username(_next("user")),
        "role": Role.DISPATCHER,
        "password_hash": "$argon2id$fake",
        "full_name": "Dana Dispatcher",
    }
    fields.update(overrides)
    return User(**fields)


def a_resource(**overrides: Any) -> Resource:
    """A serviceable drone of A-1, lendable at any time."""
    fields: dict[str, Any] = {
        "id": ResourceId(_next("R")),
        "type": "drone",
        "name": "Drone",
        "owner": AgencyId("A-1"),
    }
    fields.update(overrides)
    return Resource(**fields)


def a_loan(**overrides: Any) -> Loan:
    """An open loan of a drone from A-1 to A-2, out at T0 for a day."""
    fields: dict[str, Any] = {
        "id": LoanId(_next("loan")),
        "resource": ResourceId("R-1"),
        "resource_type": "drone",
        "lender": AgencyId("A-1"),
        "borrower": AgencyId("A-2"),
        "out_at": T0,
        "due_at": T0 + timedelta(days=1),
        "condition_out": Condition.SERVICEABLE,
    }
    fields.update(overrides)
    return Loan(**fields)


def an_aid_request(**overrides: Any) -> AidRequest:
    """A mutual-aid request from A-2 for two k9 units, routed to A-1 (rate 12050 per hour)
    and A-3, waiting for its first approval (the default steps)."""
    fields: dict[str, Any] = {
        "id": "MA-2025-0001",
        "incident_id": IncidentId("I-aid"),
        "incident_name": "Riot, Städtle 1",
        "requested_at": T0,
        "requested_by": "dispatcher-1",
        "requesting_agency": AgencyId("A-2"),
        "items": (AidItem(2, Category.UNIT, "k9", requested_arrival=T0 + timedelta(minutes=30)),),
        "needed_until": T0 + timedelta(hours=4, minutes=30),
        "steps": DEFAULT_STEPS,
        "routes": (
            Route(AgencyId("A-1"), (Terms("A1-A2-2027-01", 1, 12050, 5000),)),
            Route(AgencyId("A-3"), (Terms("A3-collective", 1, 9000),)),
        ),
    }
    fields.update(overrides)
    return AidRequest(**fields)


def a_usage(**overrides: Any) -> Usage:
    """A-1's dog team lent to A-2 for 42 minutes under clause 1 of ``an_agreement``."""
    fields: dict[str, Any] = {
        "source_key": _next("assignment:I-1"),
        "incident": IncidentId("I-1"),
        "resource": "A1-K9",
        "kind": "k9",
        "lender": AgencyId("A-1"),
        "borrower": AgencyId("A-2"),
        "agreement": AgreementId("A1-A2-2027-01"),
        "clause": 1,
        "started": T0,
        "ended": T0 + timedelta(minutes=42),
    }
    fields.update(overrides)
    return Usage(**fields)


#: The rate card the ledger's tests price at: CHF 90.00 an hour for any kind.
RATES = Rates({"*": 9000})


def a_posting(**overrides: Any) -> tuple[Transaction, PricedUsage]:
    """A priced usage (``a_usage(**overrides)`` at ``RATES``) and its transaction."""
    usage = a_usage(**overrides)
    price = pricing.price(usage, RATES)
    tx = pricing.post(usage, price)
    assert tx is not None
    return tx, PricedUsage(usage, price, rate_words(usage, RATES))


def lent_in_march(*incidents: str, hours: int = 1) -> list[tuple[Usage, Rates]]:
    """The demo's Vaduz lent Schaan-Planken a patrol car for ``hours`` on each incident, on
    10 March 2025, at CHF 90.00 an hour (``VAD-collective-2026`` clause 1)."""
    started = datetime(2025, 3, 10, 8, tzinfo=UTC)
    return [
        (
            a_usage(
                source_key=f"assignment:{i}:1",
                incident=IncidentId(i),
                resource="vaduz-p1",
                kind="patrol",
                lender=AgencyId("vaduz"),
                borrower=AgencyId("schaan-planken"),
                agreement=AgreementId("VAD-collective-2026"),
                started=started,
                ended=started + timedelta(hours=hours),
            ),
            RATES,
        )
        for i in incidents
    ]
