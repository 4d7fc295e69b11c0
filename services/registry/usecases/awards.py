"""Awards take effect here: ``award_granted`` designates a demonstration base or an excellent team."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..schemas import AwardGranted
from .groups import designate_group
from .venues import designate_venue


def apply_award(session: Session, envelope: dict) -> None:
    """``award_granted`` from awards: a demonstration base, or an excellent team."""
    data = AwardGranted().load(envelope["data"])
    nominee = data["nominee"]
    source = f"award:{envelope['id']}"
    if data["programme"] == "demonstration_base" and nominee["kind"] == "venue":
        designate_venue(session, nominee["ref_id"], "demonstration_base", data["year"], source=source)
    elif nominee["kind"] == "group" and data["category"] == "outstanding_team":
        designate_group(session, nominee["ref_id"], "excellent_team", data["year"], source=source)
    # other awards (individuals, works, organisations) designate nothing in the registry
