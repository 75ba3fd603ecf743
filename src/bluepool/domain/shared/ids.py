"""Identifiers of the collective's things: short, human-readable strings."""

from typing import NewType

AgencyId = NewType("AgencyId", str)
JurisdictionId = NewType("JurisdictionId", str)
StationId = NewType("StationId", str)
UnitId = NewType("UnitId", str)
IncidentId = NewType("IncidentId", str)
CallTypeCode = NewType("CallTypeCode", str)
Username = NewType("Username", str)
