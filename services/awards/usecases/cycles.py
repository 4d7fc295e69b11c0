"""Cycles: one programme's selection in one year, with its categories, nomination window and
quota per nominating organisation. Opening one is a federation admin's act."""
from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.clock import utcnow

from ..models import Cycle
from ..schemas import CycleOut
from .shared import new_id

CYCLE_OUT = CycleOut()


def open_cycle(session: Session, caller: Caller, data: dict) -> Cycle:
    cycle = Cycle(id=new_id(), programme=data["programme"], year=data["year"], categories=data["categories"],
                  nominations_open_at=data["nominations_open_at"], nominations_close_at=data["nominations_close_at"],
                  quota_per_org=data["quota_per_org"], status="open", created_at=utcnow())
    session.add(cycle)
    session.flush()
    return cycle
