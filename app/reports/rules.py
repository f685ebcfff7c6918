"""Who may see and handle a report, and which status may follow which: pure decisions."""

from dataclasses import dataclass

from app.access.principal import Principal

# The way of a report through its receiver; from any open status it can also be
# not the receiver's (ej-vart-ansvar, forwarded or closed) or a duplicate.
_FORWARD = {"ny": "mottagen", "mottagen": "pagar", "pagar": "atgardad"}
_FROM_ANY_OPEN = ("ej-vart-ansvar", "dubblett")


@dataclass(frozen=True)
class ReportFacts:
    """What decides who handles a report: its receiver and the contractors of its place."""

    receiver: int
    contractors: tuple[int, ...] = ()


def sees_details(who: Principal, facts: ReportFacts) -> bool:
    """The description, the reporter's contact and the photos: the receiving organisation's
    handlaggare and gis (bound to it), its contractor where it performs the area, admin."""
    if who.role == "admin":
        return True
    if who.role in ("handlaggare", "gis") and who.organisation_id == facts.receiver:
        return True
    return who.role == "entreprenor" and who.organisation_id in facts.contractors


def may_change_status(who: Principal, facts: ReportFacts) -> bool:
    """Those who see the details, and a gis token bound to no organisation (it acts for all)."""
    unbound_gis = who.role == "gis" and who.organisation_id is None
    return unbound_gis or sees_details(who, facts)


def allowed_next(status: str) -> tuple[str, ...]:
    """The statuses a report in this status may change to (none once it is closed)."""
    following = _FORWARD.get(status)
    if following is None:
        return ()
    return (following, *_FROM_ANY_OPEN)
