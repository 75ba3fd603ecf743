"""Reading the ledger: entries, balances, an agency's statement, the settlement of a
month, an incident's cost package. Each read asks ``policy`` once: an agency's admin reads
their own agency's books, a collective admin everything."""

from __future__ import annotations

from bluepool.domain.access.roles import User
from bluepool.domain.ledger.accounts import Account
from bluepool.domain.ledger.entries import Period
from bluepool.domain.ledger.records import (
    Balances,
    BilateralRecord,
    CostPackage,
    EntryPage,
    EntryRecord,
    SettlementRecord,
    TransferRecord,
    UsageRecord,
)
from bluepool.domain.ledger.settlement import bilateral, nets_of, transfers
from bluepool.domain.ledger.statements import Statement, statement
from bluepool.domain.shared.ids import AgencyId, IncidentId
from bluepool.services.context import Context
from bluepool.services.ledger import policy
from bluepool.services.lookup import found, not_found
from bluepool.services.ports import LedgerFilter, Page

#: The most entries one page lists.
MAX_LIMIT = 500


def _period(period: str | None) -> str | None:
    return str(Period.parse(period)) if period is not None else None


def entries(
    ctx: Context,
    user: User,
    account: str | None = None,
    period: str | None = None,
    incident: str | None = None,
    page: Page | None = None,
) -> EntryPage:
    """One page of transactions, in posting order: touching ``account``, in ``period``,
    pricing ``incident``. An agency's admin sees only those touching their agency."""
    page = page or Page()
    own = policy.read(user)
    if account is not None:
        policy.read_agency(user, Account.parse(account).owner)
    where = LedgerFilter(account, own, _period(period), incident)
    with ctx.reader() as uow:
        txs, total = uow.ledger.entries(where, page)
    items = tuple(EntryRecord.of(tx) for tx in txs)
    return EntryPage(items, total, page.limit, page.offset)


def balances(
    ctx: Context, user: User, period: str | None = None, agency: str | None = None
) -> Balances:
    """Each account's balance (over ``period``, or the whole ledger): an agency's admin
    their own agency's accounts, a collective admin every account (or ``agency``'s)."""
    own = policy.read(user)
    if agency is not None:
        policy.read_agency(user, AgencyId(agency))
    month = _period(period)
    with ctx.reader() as uow:
        sums = uow.ledger.balances(month)
        closed = month is not None and month in uow.ledger.closed()
    owner = agency or own
    if owner is not None:
        sums = {a: n for a, n in sums.items() if Account.parse(a).owner == owner}
    return Balances.of(month, closed, sums)


def agency_statement(ctx: Context, user: User, agency: str, period: str) -> tuple[Statement, bool]:
    """``agency``'s statement for ``period`` (every usage it lent or borrowed, posted in the
    month) and whether the month is closed. Its own admin, or a collective admin."""
    policy.read_agency(user, AgencyId(agency))
    month = str(Period.parse(period))
    with ctx.reader() as uow:
        found(uow.agencies, agency, "agency")
        posted = uow.ledger.usages(month)
        closed = month in uow.ledger.closed()
    priced = [(p.priced.usage, p.priced.price, p.priced.rate) for p in posted]
    periods = {p.priced.usage.source_key: p.period for p in posted}
    return statement(AgencyId(agency), month, priced, periods), closed


def settlement(ctx: Context, user: User, period: str) -> SettlementRecord:
    """Who pays whom for ``period`` (at most N-1 transfers for N agencies), and the
    bilateral balances: a collective admin."""
    policy.keep(user)
    month = str(Period.parse(period))
    with ctx.reader() as uow:
        sums = uow.ledger.balances(month)
        txs = uow.ledger.transactions(month)
        closed = month in uow.ledger.closed()
    nets = nets_of({Account.parse(a): n for a, n in sums.items()})
    return SettlementRecord(
        month,
        closed,
        {a: n for a, n in sorted(nets.items()) if n},
        tuple(TransferRecord.of(t) for t in transfers(nets)),
        tuple(BilateralRecord(a, b, n) for (a, b), n in bilateral(txs).items()),
    )


def incident_costs(ctx: Context, user: User, incident_id: str) -> CostPackage:
    """Every cross-agency cost of one incident (posted as it closed). An agency's admin
    sees the costs their agency lent or borrowed; a collective admin all of them."""
    own = policy.read(user)
    with ctx.reader() as uow:
        incident = uow.incidents.get(IncidentId(incident_id))
        if incident is None:
            raise not_found("incident", incident_id)
        posted = uow.ledger.usages(incident=incident_id)
    usages = tuple(
        UsageRecord.of(p.priced, p.period)
        for p in posted
        if own is None or own in (p.priced.usage.lender, p.priced.usage.borrower)
    )
    return CostPackage(incident.id, not incident.is_open, usages, sum(u.amount for u in usages))
