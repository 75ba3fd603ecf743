"""What every use case is given: the ports, wired once by ``bootstrap``.

Events leave a use case through its unit of work (``uow.raise_event``), whose factory
``bootstrap`` binds to the message bus: a use case never publishes anything itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bluepool.domain.dispatch.travel import GROUNDED, Flight, TravelTimes
from bluepool.services.ports import (
    AuditKeys,
    CallHistory,
    Clock,
    FixQueue,
    Gazetteer,
    JurisdictionLocator,
    PasswordHasher,
    Router,
    SpatialStats,
    StandingFacts,
    UnitOfWork,
)


@dataclass(frozen=True, slots=True)
class Context:
    uow: Callable[[], UnitOfWork]
    clock: Clock
    #: Returns the locator for the current jurisdictions (rebuilt when they change).
    locator: Callable[[], JurisdictionLocator]
    travel: TravelTimes
    hasher: PasswordHasher
    #: The unit kinds that fly (straight, at cruise speed), never by road.
    air: Flight = GROUNDED
    #: Routes and roads for maps; None without a road network.
    router: Router | None = None
    #: A unit of work for reading only (on SQLite it does not queue behind writers);
    #: None: use ``uow``.
    read_uow: Callable[[], UnitOfWork] | None = None
    #: Whether the collective takes calls outside every jurisdiction (marked ``outside``);
    #: otherwise they are refused (``outside_jurisdictions``).
    accept_outside_incidents: bool = False
    #: The audit checkpoints' signing key; None: checkpoints cannot be made or checked.
    audit_keys: AuditKeys | None = None
    #: The standing facts of dispatch, cached and dropped when they change; None: read
    #: them in every use case that needs them.
    standing: StandingFacts | None = None
    #: Single position fixes share transactions (group commit); None: one each.
    fix_queue: FixQueue | None = None
    #: How long the position history keeps a fix; None: for ever.
    position_retention: timedelta | None = None
    #: Addresses by text and by position; None without a gazetteer (docs/geocoding.md).
    gazetteer: Gazetteer | None = None
    #: The call history (imported CAD calls, closed live incidents; docs/history.md); None:
    #: reports on history answer that there is none.
    history: CallHistory | None = None
    #: The hot spots' statistics (H3, Gi*, kernel density); None: hot-spot reports answer
    #: that this runtime has none.
    spatial: SpatialStats | None = None

    def reader(self) -> UnitOfWork:
        """Open a unit of work that only reads."""
        return (self.read_uow or self.uow)()
