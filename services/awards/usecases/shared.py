"""What the awards use cases share: the outbox, and loading an organisation, a cycle or a
nomination (locked for a write)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.errors import NotFound
from services.common.orgcopy import known_org
from services.common.outbox import Outbox
from services.common.query import get_or_not_found, new_id  # noqa: F401 (new_id: the use cases import it here)

from ..models import Cycle, Nomination, Org, metadata
from ..schemas import EVENT_SCHEMAS

OUTBOX = Outbox("awards", metadata, EVENT_SCHEMAS)


def get_org(session: Session, org_id: str) -> Org:
    return known_org(session, Org, org_id, "awards")


def get_cycle(session: Session, cycle_id: str, *, for_write: bool = False, sharing: bool = False) -> Cycle:
    """The cycle; ``for_write`` locks it for a change of its state (shortlist, notice, finalize);
    ``sharing`` for a write that must not race such a change (a nomination, an objection): those
    wait for each other's commit (``FOR SHARE`` on PostgreSQL; SQLite serialises writers)."""
    if sharing:
        cycle = session.scalars(select(Cycle).where(Cycle.id == cycle_id).with_for_update(read=True)).first()
        if cycle is None:
            raise NotFound(f"no cycle with id {cycle_id}")
        return cycle
    return get_or_not_found(session, Cycle, cycle_id, "cycle", for_update=for_write)


def get_nomination(session: Session, nomination_id: str, *, for_write: bool = False) -> Nomination:
    return get_or_not_found(session, Nomination, nomination_id, "nomination", for_update=for_write)
