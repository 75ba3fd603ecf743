"""axe-core in the end-to-end tests: run it on a page as it stands and fail on every critical
or serious violation.

axe-core (``vendor/axe-core/axe.min.js``, MPL-2.0, its licence beside it) is a test tool,
never served by bluepool. It is evaluated in the page through the browser's debugging
protocol, which the pages' content security policy does not cover, so the pages are checked
with their policy in force.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SEVERE = ("critical", "serious")

RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => ["critical", "serious"].includes(v.impact))
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes
        .slice(0, 5)
        .map((n) => `${n.target.join(" ")} ${n.html.slice(0, 160)}: ${n.failureSummary}`),
    }));
}"""


@cache
def source() -> str:
    return AXE.read_text(encoding="utf-8")


def severe_violations(page: Any) -> list[dict[str, Any]]:
    """The page's critical and serious violations, as axe-core reports them."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(source())
    found: list[dict[str, Any]] = page.evaluate(RUN)
    return found


def assert_accessible(page: Any, state: str) -> None:
    """No critical or serious axe-core violation on ``page`` in ``state`` (named in the
    failure)."""
    found = severe_violations(page)
    assert not found, f"{state}: " + "\n".join(
        f"{v['impact']} {v['id']} ({v['help']}):\n  " + "\n  ".join(v["nodes"]) for v in found
    )
