"""Position ingest (AVL): a gateway's batch and a unit's single fix, on the in-memory
adapters and on the databases. Every fix goes to the history; the latest position only
moves forward; a batch is all or nothing and names its bad fix; one event per batch, no
change-log lines."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bluepool import bootstrap
from bluepool.adapters.db.engine import make_engine, make_session_factory
from bluepool.adapters.db.migrate import upgrade
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.domain.access.roles import Role, User
from bluepool.domain.collective.agencies import Agency, Jurisdiction
from bluepool.domain.dispatch.events import PositionsReported, UnitMoved
from bluepool.domain.dispatch.positions import PositionFix
from bluepool.domain.dispatch.records import UnitUpdateResult
from bluepool.domain.dispatch.travel import StraightLine
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.errors import Forbidden, Invalid, NotFound
from bluepool.domain.shared.events import Event
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, JurisdictionId, UnitId, Username
from bluepool.services.context import Context
from bluepool.services.dispatch import positions, units
from bluepool.services.grouping import GroupCommit
from bluepool.services.ports import Page, PendingFix, UnitOfWork
from tests.builders import T0, a_square
from tests.conftest import _database

HERE = Location(47.0, 9.0)
AWAY = Location(47.05, 9.05)
DISPATCHER = User(Username("dora"), Role.DISPATCHER)
OFFICER = User(Username("olaf"), Role.OFFICER, agency_id=AgencyId("a"), unit_id=UnitId("a-1"))
ADMIN_A = User(Username("ada"), Role.AGENCY_ADMIN, agency_id=AgencyId("a"))
NOW = T0 + timedelta(hours=1)


class FixedClock:
    def __init__(self) -> None:
        self.at = NOW

    def now(self) -> datetime:
        return self.at


class PlainHasher:
    def hash(self, password: str) -> str:
        return "plain:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "plain:" + password


def _seed(ctx: Context) -> None:
    with ctx.uow() as uow:
        for a in ("a", "b"):
            uow.agencies.add(Agency(AgencyId(a), a.upper()))
        uow.jurisdictions.add(
            Jurisdiction(JurisdictionId("ja"), "A", AgencyId("a"), a_square(47.0, 9.0, 0.1))
        )
        for uid, a in (("a-1", "a"), ("a-2", "a"), ("b-1", "b")):
            uow.units.add(
                Unit(UnitId(uid), AgencyId(a), "patrol", frozenset({"patrol"}), location=HERE)
            )
        uow.commit()


class Harness:
    def __init__(self, ctx: Context, clock: FixedClock, published: list[Event]) -> None:
        self.ctx = ctx
        self.clock = clock
        self.published = published

    def unit(self, uid: str) -> Unit:
        with self.ctx.uow() as uow:
            u = uow.units.get(UnitId(uid))
            assert u is not None
            return u

    def history(self, uid: str) -> list[tuple[datetime, Location]]:
        h = positions.position_history(self.ctx, DISPATCHER, uid)
        return [(p.at, p.location) for p in h.items]

    def change_log(self) -> list[str]:
        with self.ctx.uow() as uow:
            found, _ = uow.changes.find(None, None, Page(limit=1000))
        return [c.action for c in found]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def h(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    with ExitStack() as stack:
        yield _harness(request.param, stack, tmp_path)


def _harness(backend: str, stack: ExitStack, tmp_path: Path) -> Harness:
    published: list[Event] = []
    bus = bootstrap.message_bus(published.append, lambda: None)
    clock = FixedClock()
    make_uow: Callable[[], UnitOfWork]
    if backend == "memory":
        store = MemoryStore()
        make_uow = lambda: MemoryUnitOfWork(store, bus)  # noqa: E731
    else:
        url = stack.enter_context(_database(backend, tmp_path))
        upgrade(url)
        engine = make_engine(url)
        stack.callback(engine.dispose)
        sessions = make_session_factory(engine)
        make_uow = lambda: SqlUnitOfWork(sessions, bus)  # noqa: E731
    ctx = Context(
        uow=make_uow,
        clock=clock,
        locator=bootstrap.CachedLocator(make_uow),
        travel=StraightLine(),
        hasher=PlainHasher(),
        position_retention=timedelta(hours=24),
    )
    _seed(ctx)
    return Harness(ctx, clock, published)


def fix(uid: str, minutes: float, where: Location = AWAY) -> PositionFix:
    return PositionFix(UnitId(uid), T0 + timedelta(minutes=minutes), where)


def test_a_batch_moves_each_unit_to_its_newest_fix_and_keeps_every_fix(h: Harness) -> None:
    later = Location(47.06, 9.06)
    result = positions.report_positions(
        h.ctx, DISPATCHER, [fix("a-1", 1), fix("b-1", 1), fix("a-1", 2, later)]
    )
    assert result.received == 3
    assert result.moved == ("a-1", "b-1")
    a1 = h.unit("a-1")
    assert (a1.location, a1.position_at) == (later, T0 + timedelta(minutes=2))
    assert h.unit("b-1").location == AWAY
    assert h.unit("a-2").location == HERE
    assert h.history("a-1") == [
        (T0 + timedelta(minutes=1), AWAY),
        (T0 + timedelta(minutes=2), later),
    ]
    # One event for the batch, with each moved unit's newest position; no change-log line.
    batches = [e for e in h.published if isinstance(e, PositionsReported)]
    assert len(batches) == 1
    assert [(p.id, p.location) for p in batches[0].positions] == [("a-1", later), ("b-1", AWAY)]
    assert "position" not in h.change_log()


def test_a_late_fix_goes_to_history_without_moving_the_unit_back(h: Harness) -> None:
    positions.report_positions(h.ctx, DISPATCHER, [fix("a-1", 10)])
    late = positions.report_positions(h.ctx, DISPATCHER, [fix("a-1", 5, HERE)])
    assert late.moved == ()
    assert h.unit("a-1").position_at == T0 + timedelta(minutes=10)
    assert h.unit("a-1").location == AWAY
    assert [at for at, _ in h.history("a-1")] == [
        T0 + timedelta(minutes=5),
        T0 + timedelta(minutes=10),
    ]
    assert len([e for e in h.published if isinstance(e, PositionsReported)]) == 1


def test_a_repeated_batch_changes_nothing(h: Harness) -> None:
    batch = [fix("a-1", 1), fix("a-2", 1)]
    positions.report_positions(h.ctx, DISPATCHER, batch)
    version = h.unit("a-1").version
    again = positions.report_positions(h.ctx, DISPATCHER, batch)
    assert again.moved == ()
    assert len(h.history("a-1")) == 1
    assert h.unit("a-1").version == version  # positions never bump the version


def test_a_bad_fix_refuses_the_whole_batch_and_names_it(h: Harness) -> None:
    with pytest.raises(Invalid, match=r"fixes\[1\]: no unit 'nope'"):
        positions.report_positions(h.ctx, DISPATCHER, [fix("a-1", 1), fix("nope", 1)])
    future = PositionFix(UnitId("a-2"), NOW + timedelta(hours=1), AWAY)
    with pytest.raises(Invalid, match=r"fixes\[2\].*clock"):
        positions.report_positions(h.ctx, DISPATCHER, [fix("a-1", 1), fix("a-2", 1), future])
    assert h.history("a-1") == []
    assert h.unit("a-1").location == HERE
    with pytest.raises(Invalid, match="1 to 5000"):
        positions.report_positions(h.ctx, DISPATCHER, [])


def test_an_officer_reports_only_their_own_unit_and_an_admin_their_agencys(h: Harness) -> None:
    assert positions.report_positions(h.ctx, OFFICER, [fix("a-1", 1)]).moved == ("a-1",)
    with pytest.raises(Forbidden, match=r"fixes\[1\]"):
        positions.report_positions(h.ctx, OFFICER, [fix("a-1", 2), fix("a-2", 2)])
    assert positions.report_positions(h.ctx, ADMIN_A, [fix("a-2", 2)]).moved == ("a-2",)
    with pytest.raises(Forbidden, match=r"fixes\[0\]"):
        positions.report_positions(h.ctx, ADMIN_A, [fix("b-1", 2)])
    assert h.unit("a-1").position_at == T0 + timedelta(minutes=1)


def test_a_single_fix_keeps_history_and_moves_only_forward(h: Harness) -> None:
    first = units.report_position(h.ctx, OFFICER, "a-1", AWAY, T0 + timedelta(minutes=3))
    assert first.applied
    assert (first.location, first.jurisdiction) == (AWAY, "ja")
    late = units.report_position(h.ctx, OFFICER, "a-1", HERE, T0 + timedelta(minutes=1))
    assert (late.applied, late.location) == (False, AWAY)
    assert [at for at, _ in h.history("a-1")] == [
        T0 + timedelta(minutes=1),
        T0 + timedelta(minutes=3),
    ]
    moved = [e for e in h.published if isinstance(e, UnitMoved)]
    assert [e.unit.location for e in moved] == [AWAY]
    assert "position" not in h.change_log()


def test_a_status_change_does_not_undo_a_position_written_meanwhile(h: Harness) -> None:
    unit = h.unit("a-1")  # loaded before the fix, written after it
    positions.report_positions(h.ctx, DISPATCHER, [fix("a-1", 1)])
    with h.ctx.uow() as uow:
        unit.change_status(UnitStatus.BUSY, T0 + timedelta(minutes=2))
        uow.units.update(unit)  # no conflict: the fix did not change the version
        uow.commit()
    a1 = h.unit("a-1")
    assert (a1.status, a1.location) == (UnitStatus.BUSY, AWAY)


def test_history_outside_the_retention_is_pruned_on_ingest_and_by_prune(h: Harness) -> None:
    positions.report_positions(h.ctx, DISPATCHER, [fix("a-1", m) for m in range(4)])
    h.clock.at = NOW + timedelta(hours=48)  # the four are now past the 24 hours kept
    # Each batch first deletes up to as many expired fixes as it brings.
    recent = [fix("a-2", 48 * 60 + m) for m in range(2)]
    positions.report_positions(h.ctx, DISPATCHER, recent)
    assert len(h.history("a-1")) == 2
    # A fix already past the retention is not kept (it may still move its unit).
    positions.report_positions(h.ctx, DISPATCHER, [fix("b-1", 4)])
    assert h.history("b-1") == []
    assert h.unit("b-1").position_at == T0 + timedelta(minutes=4)
    assert len(h.history("a-1")) == 1
    root = User(Username("root"), Role.COLLECTIVE_ADMIN)
    assert positions.prune_positions(h.ctx, root) == 1
    assert h.history("a-1") == []
    assert [at for at, _ in h.history("a-2")] == [f.at for f in recent]
    with pytest.raises(Forbidden):
        positions.prune_positions(h.ctx, DISPATCHER)


def test_history_reads_a_window_and_only_for_those_who_may_see_the_track(h: Harness) -> None:
    positions.report_positions(h.ctx, DISPATCHER, [fix("a-1", m) for m in range(5)])
    window = positions.position_history(
        h.ctx, DISPATCHER, "a-1", T0 + timedelta(minutes=1), T0 + timedelta(minutes=3)
    )
    assert [p.at for p in window.items] == [T0 + timedelta(minutes=m) for m in (1, 2)]
    assert len(positions.position_history(h.ctx, OFFICER, "a-1", limit=2).items) == 2
    with pytest.raises(Forbidden):
        positions.position_history(h.ctx, OFFICER, "a-2")


# -- group commit: single fixes from many requests in one transaction ------------------


def pending(user: User, uid: str, minutes: float, key: str | None = None) -> PendingFix:
    return PendingFix(user, fix(uid, minutes), JurisdictionId("ja"), key, NOW)


def test_a_group_answers_each_fix_on_its_own(h: Harness) -> None:
    answers = positions.commit_fixes(
        h.ctx,
        [
            pending(OFFICER, "a-1", 1, key="k1"),
            pending(OFFICER, "a-1", 2),  # newer: this one moves the unit
            pending(OFFICER, "a-2", 1),  # not the officer's unit
            pending(DISPATCHER, "nope", 1),
            pending(OFFICER, "a-1", 3, key="k1"),  # the same key again: a replay
            pending(DISPATCHER, "b-1", 1),
        ],
    )
    first, newer, forbidden, unknown, replay, other = answers
    assert isinstance(first, UnitUpdateResult)
    assert first.applied is False  # kept in the history, but not the newest
    assert isinstance(newer, UnitUpdateResult)
    assert newer.applied is True
    assert newer.position_at == T0 + timedelta(minutes=2)
    assert isinstance(forbidden, Forbidden)
    assert isinstance(unknown, NotFound)
    assert isinstance(replay, UnitUpdateResult)
    assert replay.applied is False
    assert isinstance(other, UnitUpdateResult)
    assert other.applied is True
    assert [at for at, _ in h.history("a-1")] == [T0 + timedelta(minutes=m) for m in (1, 2)]
    assert h.history("a-2") == []
    events = [e for e in h.published if isinstance(e, PositionsReported)]
    assert sorted((e.actor, tuple(p.id for p in e.positions)) for e in events) == [
        ("dora", ("b-1",)),
        ("olaf", ("a-1",)),
    ]


def test_concurrent_single_fixes_share_transactions_and_each_gets_its_answer(
    h: Harness,
) -> None:
    queue: GroupCommit[PendingFix, UnitUpdateResult] = GroupCommit(max_items=8)
    ctx = replace(h.ctx, fix_queue=queue)
    queue.start(lambda items: positions.commit_fixes(ctx, items))
    jobs = [("a-1", m) for m in range(1, 21)] + [("a-2", m) for m in range(1, 21)]

    def send(job: tuple[str, int]) -> object:
        uid, minute = job
        try:
            return units.report_position(ctx, OFFICER, uid, AWAY, T0 + timedelta(minutes=minute))
        except Forbidden as exc:
            return exc

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, jobs))
    assert all(isinstance(a, UnitUpdateResult) for a in answers[:20])
    assert all(isinstance(a, Forbidden) for a in answers[20:])
    assert len(h.history("a-1")) == 20
    assert h.unit("a-1").position_at == T0 + timedelta(minutes=20)
    assert h.history("a-2") == []


def test_a_group_that_fails_whole_fails_each_of_its_callers() -> None:
    queue: GroupCommit[int, int] = GroupCommit()

    def broken(items: Sequence[int]) -> list[int | Exception]:
        raise ConnectionError("the database is gone")

    queue.start(broken)
    with pytest.raises(ConnectionError):
        queue.submit(1)
    queue.start(lambda items: [i * 2 if i else ValueError("zero") for i in items])
    assert queue.submit(21) == 42
    with pytest.raises(ValueError, match="zero"):
        queue.submit(0)
