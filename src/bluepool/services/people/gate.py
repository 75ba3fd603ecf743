"""The certification gate of dispatch: what each unit's crew cannot staff now.

``withheld`` takes the collective's ``certifications`` rules (cached with the standing
facts) and, only when some exist, reads the crews on shift and their grants; the
recommender then offers of each unit only the capabilities its crew can staff
(``domain.people.gating``). Dispatch asks here in the one place it gathers the
recommender's inputs, so a recommendation, an assignment and a
diversion all see the same gate.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bluepool.domain.dispatch.units import Unit
from bluepool.domain.people import gating
from bluepool.domain.people.gating import CertificationRules
from bluepool.domain.shared.ids import UnitId
from bluepool.services.ports import CrewFilter, UnitOfWork


def rules(uow: UnitOfWork) -> CertificationRules:
    """The collective's ``certifications`` setting (none stored: no capability needs any)."""
    setting = uow.settings.get(CertificationRules.SETTING)
    return CertificationRules.of(setting.value if setting else None)


def withheld(
    uow: UnitOfWork, found: CertificationRules, units: Sequence[Unit], at: datetime
) -> dict[UnitId, dict[str, str]]:
    """The capabilities of each unit its crew at ``at`` cannot staff under ``found`` (the
    standing facts' rules), with the reasons."""
    if not found.needs:
        return {}
    named = found.capabilities
    gated = [(u.id, u.capabilities) for u in units if not u.capabilities.isdisjoint(named)]
    if not gated:
        return {}
    crews = uow.crews.find(CrewFilter(at=at))
    grants = uow.certifications.of_people({a.person_id for a in crews})
    return gating.withheld(found, gated, crews, grants, at)
