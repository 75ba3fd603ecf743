"""Posting, as a property over any sequence of batches of usages and month closes, on the
memory store and on SQLite: every transaction balances, every account sums to zero across
the ledger, each source key is posted at most once (a usage that costs something exactly
once), nothing lands in a month already closed, and replaying everything posts nothing.
And the handler: a closed incident's lent assignment is posted with the close, and
``replay`` posts a closed incident the handler never saw, once."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from bluepool.adapters.db.engine import make_engine, make_session_factory
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.bootstrap import message_bus
from bluepool.domain.access.roles import Role, User
from bluepool.domain.dispatch.events import IncidentClosed
from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.dispatch.records import IncidentRecord
from bluepool.domain.dispatch.travel import StraightLine
from bluepool.domain.ledger import pricing
from bluepool.domain.ledger.pricing import Usage
from bluepool.domain.shared.errors import Forbidden
from bluepool.domain.shared.ids import AgencyId, JurisdictionId, UnitId, Username
from bluepool.domain.sharing.agreements import Rates
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.services.context import Context
from bluepool.services.ledger import posting
from bluepool.services.messagebus import MessageBus
from bluepool.services.ports import LedgerFilter, Page, UnitOfWork
from tests.builders import T0, a_jurisdiction, a_unit, an_agency, an_agreement, an_incident
from tests.conftest import Templates
from tests.services.test_dispatch import FakeClock, PlainHasher
from tests.strategies import LEDGER_START, rate_cards, usages

Step = tuple[str, object]
#: Numbers the examples that share the SQLite database, to keep their source keys apart.
EXAMPLES = itertools.count()
ADMIN = User(Username("cole"), Role.COLLECTIVE_ADMIN)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("post"), st.lists(st.tuples(usages(), rate_cards()), max_size=6)),
        st.tuples(st.just("close"), st.sampled_from(["2025-01", "2025-02", "2025-03"])),
    ),
    max_size=8,
)


@pytest.fixture(scope="module")
def sqlite_sessions(
    tmp_path_factory: pytest.TempPathFactory, templates: Templates
) -> Iterator[sessionmaker[Session]]:
    url = templates.sqlite(tmp_path_factory.mktemp("ledger") / "ledger.db")
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


def run(make: Callable[[], UnitOfWork], steps: list[Step], prefix: str) -> None:
    """Play ``steps`` (each usage keyed under ``prefix``, so examples sharing a database
    stay apart; a month closed stays closed for the next) and check the ledger."""
    posted_keys: list[str] = []
    all_usages: list[tuple[Usage, Rates]] = []
    for kind, arg in steps:
        with make() as uow:
            closed = set(uow.ledger.closed())
            if kind == "close":
                period = str(arg)
                if period not in closed:
                    uow.ledger.close(period, LEDGER_START, uow.ledger.balances(period))
                    uow.commit()
                continue
            assert isinstance(arg, list)
            batch = [(keyed(u, prefix), r) for u, r in arg]
            written = posting.post_usages(uow, batch, LEDGER_START, "test")
            uow.commit()
        assert not {tx.period for tx in written} & closed  # never into a closed month
        posted_keys += [tx.source_key for tx in written]
        all_usages += batch
    assert len(posted_keys) == len(set(posted_keys))  # at most once
    # A source key any usage of which costs something: posted exactly once.
    costing = {u.source_key for u, r in all_usages if pricing.price(u, r).amount}
    assert set(posted_keys) == costing
    with make() as uow:
        entries, _ = uow.ledger.entries(LedgerFilter(), Page(limit=10_000))
        mine = [tx for tx in entries if tx.source_key.startswith(f"assignment:{prefix}")]
        assert all(sum(p.amount for p in tx.postings) == 0 for tx in mine)
        assert sum(uow.ledger.balances().values()) == 0
        for period in {tx.period for tx in mine}:
            assert uow.ledger.unbalanced(period) == []
        assert posting.post_usages(uow, all_usages, LEDGER_START, "replay") == []  # replay


def keyed(u: Usage, prefix: str) -> Usage:
    return replace(u, source_key=u.source_key.replace("assignment:", f"assignment:{prefix}"))


@settings(max_examples=150, deadline=None)
@given(steps=STEPS)
def test_any_postings_keep_the_memory_ledger_balanced_and_post_each_usage_once(
    steps: list[Step],
) -> None:
    store = MemoryStore()
    run(lambda: MemoryUnitOfWork(store), steps, "")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_any_postings_keep_the_sqlite_ledger_balanced_and_post_each_usage_once(
    sqlite_sessions: sessionmaker[Session], steps: list[Step]
) -> None:
    run(lambda: SqlUnitOfWork(sqlite_sessions), steps, f"x{next(EXAMPLES)}-")


# -- the handler and the replay ----------------------------------------------------------

LENDER, BORROWER = AgencyId("A-1"), AgencyId("A-2")


def collective(store: MemoryStore) -> None:
    """A-1 lends its dog team to A-2 (``an_agreement``: CHF 120.50 an hour for a k9)."""
    with MemoryUnitOfWork(store) as uow:
        for a in (LENDER, BORROWER):
            uow.agencies.add(an_agency(id=a))
        uow.jurisdictions.add(a_jurisdiction(id=JurisdictionId("J-2"), agency_id=BORROWER))
        uow.units.add(a_unit(id=UnitId("A1-K9"), agency_id=LENDER, kind="k9"))
        uow.agreements.add(an_agreement(), "test", T0)
        uow.commit()


def closed_incident(store: MemoryStore, bus: MessageBus | None, minutes: int) -> Incident:
    """An incident in A-2's jurisdiction served by A-1's dog team for ``minutes``, closed
    (its close handled by ``bus``; None: as if the handler never ran)."""
    with MemoryUnitOfWork(store, bus) as uow:
        unit = uow.units.get(UnitId("A1-K9"))
        assert unit is not None
        incident = an_incident(jurisdiction_id=JurisdictionId("J-2"), received_at=T0)
        incident.assign(unit, T0, "dora", lent=("A1-A2-2027-01", 1))
        incident.close(T0 + timedelta(minutes=minutes), "dora", {unit.id: unit}, "done")
        uow.incidents.add(incident)
        uow.units.update(unit)
        record = IncidentRecord.of(incident)
        uow.raise_event(IncidentClosed(T0 + timedelta(minutes=minutes), "dora", record))
        uow.commit()
    return incident


def ledger_context(store: MemoryStore, bus: MessageBus) -> Context:
    return Context(
        uow=lambda: MemoryUnitOfWork(store, bus),
        clock=FakeClock(),
        locator=lambda: JurisdictionIndex([]),
        travel=StraightLine(),
        hasher=PlainHasher(),
    )


def test_a_closed_incident_is_charged_in_its_closing_transaction_and_replay_adds_nothing() -> None:
    store = MemoryStore()
    collective(store)
    bus = message_bus(lambda e: None, lambda: None)
    incident = closed_incident(store, bus, minutes=30)
    with MemoryUnitOfWork(store) as uow:
        (posted,) = uow.ledger.usages(incident=incident.id)
        kinds = [m.type for m in uow.outbox.pending(100)]
    usage = posted.priced.usage
    assert (usage.lender, usage.borrower, usage.kind) == (LENDER, BORROWER, "k9")
    assert usage.source_key == f"assignment:{incident.id}:1"
    assert posted.priced.price.amount == 6025  # 30 minutes at CHF 120.50 an hour
    assert posted.priced.rate == "CHF 120.50/h"
    assert kinds == ["incident.closed", "ledger.posted"]
    assert posting.replay(ledger_context(store, bus), ADMIN) == 0


def test_replay_posts_a_closed_incident_the_handler_never_saw_once() -> None:
    store = MemoryStore()
    collective(store)
    bus = message_bus(lambda e: None, lambda: None)
    incident = closed_incident(store, None, minutes=90)
    with MemoryUnitOfWork(store) as uow:
        assert uow.ledger.usages(incident=incident.id) == []
    ctx = ledger_context(store, bus)
    assert posting.replay(ctx, ADMIN) == 1
    assert posting.replay(ctx, ADMIN) == 0
    with MemoryUnitOfWork(store) as uow:
        (posted,) = uow.ledger.usages(incident=incident.id)
    assert posted.priced.price.amount == 18075  # 90 minutes at CHF 120.50 an hour
    with pytest.raises(Forbidden):
        posting.replay(ctx, User(Username("dora"), Role.DISPATCHER))
