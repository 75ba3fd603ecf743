"""The KPIs of ``domain.analytics.kpis`` as DuckDB SQL, generated from ``KPIS``: a KPI's
start stages become a COALESCE, its end stage the other side, and the figures are those
``summarise`` computes (median and 90th percentile by ``quantile_cont``, linear as
``percentile``; count; missing; doubtful). No formula is written twice."""

from __future__ import annotations

from collections.abc import Sequence

from bluepool.domain.analytics.kpis import KPIS, Dimension, Kpi

#: Each dimension's group key, as ``Call.key`` gives it ("" for none).
KEYS: dict[Dimension, str] = {
    Dimension.PRIORITY: "COALESCE(CAST(priority AS VARCHAR), '')",
    Dimension.CALL_TYPE: "COALESCE(call_type, '')",
    Dimension.JURISDICTION: "COALESCE(jurisdiction, '')",
    Dimension.AGENCY: "COALESCE(agency, '')",
    Dimension.UNIT_KIND: "COALESCE(unit_kind, '')",
    Dimension.SELF_INITIATED: "CASE WHEN self_initiated THEN 'self-initiated' ELSE 'public' END",
    # Monday 0 (isodow 1), hours in the report's zone (the zone is the first parameter).
    Dimension.HOUR_OF_WEEK: "lpad(CAST((isodow(timezone($zone, received)) - 1) * 24"
    " + hour(timezone($zone, received)) AS VARCHAR), 3, '0')",
}

#: What each KPI row carries, in order, per KPI.
FIGURES = ("count", "median_s", "p90_s", "missing", "doubtful")


def seconds(kpi: Kpi) -> str:
    """The KPI of a row in seconds (NULL when a stage is missing), as ``Call.seconds``."""
    start = ", ".join(s.value for s in kpi.start)
    start = f"COALESCE({start})" if len(kpi.start) > 1 else start
    return f"(epoch_us({kpi.end.value}) - epoch_us({start})) / 1e6"


def negative(kpi: Kpi) -> str:
    """Whether a row's KPI is negative (its clocks disagree)."""
    return f"({seconds(kpi)} < 0)"


def any_negative(kpis: Sequence[Kpi] = KPIS) -> str:
    return "COALESCE(" + " OR ".join(negative(k) for k in kpis) + ", false)"


def query(by: Sequence[Dimension], kpis: Sequence[Kpi] = KPIS) -> str:
    """One row per group: the group's keys, then ``FIGURES`` for every KPI in turn.
    Parameters: ``$zone``, ``$start``, ``$end`` (received in ``[start, end)``)."""
    keys = [f"{KEYS[d]} AS k{i}" for i, d in enumerate(by)]
    values = [f"{seconds(k)} AS v{i}" for i, k in enumerate(kpis)]
    figures = []
    for i in range(len(kpis)):
        v = f"v{i}"
        kept = f"FILTER (WHERE {v} >= 0)"
        figures += [
            f"count({v}) {kept}",
            f"quantile_cont({v}, 0.5) {kept}",
            f"quantile_cont({v}, 0.9) {kept}",
            f"count(*) FILTER (WHERE {v} IS NULL)",
            f"count(*) FILTER (WHERE {v} < 0)",
        ]
    group = ", ".join(f"k{i}" for i in range(len(by)))
    return (
        f"SELECT {', '.join([*(f'k{i}' for i in range(len(by))), *figures])} "
        f"FROM (SELECT {', '.join([*keys, *values])} FROM calls "
        "WHERE received >= $start AND received < $end)" + (f" GROUP BY {group}" if by else "")
    )
