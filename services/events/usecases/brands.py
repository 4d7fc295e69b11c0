"""Activity brands 活动品牌: the federation names them; anyone lists them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.errors import Conflict

from ..domain import utcnow
from ..models import Brand
from ..schemas import BrandOut
from .shared import new_id

BRAND_OUT = BrandOut()
LECTURE_BRAND = "职工流动大讲堂"  # the Mobile Lecture Hall's lectures carry this brand when it exists


def create_brand(session: Session, data: dict) -> Brand:
    if session.scalar(select(Brand.id).where(Brand.name == data["name"])):
        raise Conflict(f"the brand {data['name']} exists already")
    brand = Brand(id=new_id(), name=data["name"], description=data["description"], created_at=utcnow())
    session.add(brand)
    session.flush()
    return brand


def list_brands(session: Session) -> dict:
    brands = session.scalars(select(Brand).order_by(Brand.name)).all()
    return {"items": [BRAND_OUT.dump(b) for b in brands], "next_cursor": None}


def brand_id_named(session: Session, name: str) -> str | None:
    return session.scalar(select(Brand.id).where(Brand.name == name))
