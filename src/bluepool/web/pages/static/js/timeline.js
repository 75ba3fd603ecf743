// Facts read off an incident's timeline, the same way on every screen (the server's rules:
// domain/dispatch/incidents.py).

/** A backup request waits until a unit is assigned after it. */
export function backupWanted(incident) {
  for (let k = incident.timeline.length - 1; k >= 0; k--) {
    const kind = incident.timeline[k].kind;
    if (kind === "backup_requested") return true;
    if (kind === "dispatched") return false;
  }
  return false;
}

/** Whether ``unitId``'s crew acknowledged its current assignment to ``incident``. */
export function acknowledged(incident, unitId) {
  const since = incident.assignments.find((a) => a.unit_id === unitId && !a.cleared_at)?.assigned_at;
  return incident.timeline.some((e) => e.kind === "assignment_acknowledged" && e.unit_id === unitId && (!since || e.at >= since));
}
