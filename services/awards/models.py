"""The awards service's tables (SQLAlchemy 2), the kit's outbox, inbox, audit log and follower
position among them.

The copies (``orgs``, ``venue_copies``, ``group_copies``, ``activity_copies``, ``talent_copies``)
are what this service learned from registry, events and talent events through the kit's
followers — never read from their databases. Eligibility and the assessment are computed from them.
``quota_counts`` holds each nominating organisation's count per cycle: the quota is checked by a
guarded UPDATE in the database (``count < quota``), so it holds under parallel nominations.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.orgcopy import OrgCopy
from services.common.tables import NAMING_CONVENTION, SeqType, UTCDateTime, add_kit_tables, prefix_index


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- the copies -------------------------------------------------------------------------------

class Org(OrgCopy, Base):
    district: Mapped[str | None] = mapped_column(String(50))


class VenueCopy(Base):
    __tablename__ = "venue_copies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))
    designations: Mapped[list] = mapped_column(JSON)  # the active ones: featured_base, demonstration_base
    seq: Mapped[int] = mapped_column(SeqType)  # the registry event last applied here (older ones are ignored)


class GroupCopy(Base):
    __tablename__ = "group_copies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[str] = mapped_column(String(36))
    designations: Mapped[list] = mapped_column(JSON)
    seq: Mapped[int] = mapped_column(SeqType)


class ActivityCopy(Base):
    """A completed activity (``activity_completed``): where, under which brand, when, how many came."""
    __tablename__ = "activity_copies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(36))
    brand_id: Mapped[str | None] = mapped_column(String(36), index=True)
    venue_ids: Mapped[list] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    checked_in: Mapped[int] = mapped_column(Integer)


class ActivityVenue(Base):
    """Which venue each completed activity booked (a venue's count is one indexed query)."""
    __tablename__ = "activity_venues"
    activity_id: Mapped[str] = mapped_column(ForeignKey("activity_copies.id", ondelete="CASCADE"), primary_key=True)
    venue_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_activity_venues_venue", "venue_id", "starts_at"),)


class TalentCopy(Base):
    __tablename__ = "talent_copies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(20))
    tier: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(SeqType)


# --- cycles and nominations ---------------------------------------------------------------------

class Cycle(Base):
    __tablename__ = "cycles"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    programme: Mapped[str] = mapped_column(String(30))
    year: Mapped[int] = mapped_column(Integer)
    categories: Mapped[list] = mapped_column(JSON)
    nominations_open_at: Mapped[datetime] = mapped_column(UTCDateTime())
    nominations_close_at: Mapped[datetime] = mapped_column(UTCDateTime())
    quota_per_org: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    top_n: Mapped[int | None] = mapped_column(Integer)
    notice_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notice_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class QuotaCount(Base):
    __tablename__ = "quota_counts"
    cycle_id: Mapped[str] = mapped_column(ForeignKey("cycles.id"), primary_key=True)
    by_org_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class Nomination(Base):
    __tablename__ = "nominations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("cycles.id"))
    category: Mapped[str] = mapped_column(String(40))
    nominee_kind: Mapped[str] = mapped_column(String(10))
    ref_id: Mapped[str | None] = mapped_column(String(64))
    nominee_name: Mapped[str] = mapped_column(String(200))
    by_org_id: Mapped[str] = mapped_column(String(36))
    by_org_path: Mapped[str] = mapped_column(String(2000))
    statement: Mapped[str] = mapped_column(String(5000))
    status: Mapped[str] = mapped_column(String(20))
    eligible: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list] = mapped_column(JSON)       # [{rule, passed, detail}] at the last ruling
    mean: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by: Mapped[str] = mapped_column(String(128))
    __table_args__ = (Index("ix_nominations_cycle", "cycle_id", "category", "status"),
                      # a nominee once per category of a cycle (a work has no ref_id: NULLs never clash)
                      UniqueConstraint("cycle_id", "category", "nominee_kind", "ref_id", name="uq_nominations_nominee"),
                      prefix_index("ix_nominations_by_org_path", "by_org_path"))


class Reviewer(Base):
    __tablename__ = "reviewers"
    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("cycles.id"))
    reviewer_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[str | None] = mapped_column(String(36))
    org_path: Mapped[str | None] = mapped_column(String(2000))
    conflicts: Mapped[list] = mapped_column(JSON)
    __table_args__ = (UniqueConstraint("cycle_id", "reviewer_id", name="uq_reviewers_cycle_reviewer"),)


class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    nomination_id: Mapped[str] = mapped_column(ForeignKey("nominations.id"))
    reviewer_id: Mapped[str] = mapped_column(String(128))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(2000))
    submissions: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("nomination_id", "reviewer_id", name="uq_reviews_one_per_reviewer"),)


class Objection(Base):
    __tablename__ = "objections"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    nomination_id: Mapped[str] = mapped_column(ForeignKey("nominations.id"), index=True)
    cycle_id: Mapped[str] = mapped_column(String(36), index=True)
    text: Mapped[str] = mapped_column(String(5000))
    status: Mapped[str] = mapped_column(String(20))
    filed_by: Mapped[str] = mapped_column(String(128))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(String(2000))
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


add_kit_tables(Base.metadata)
metadata = Base.metadata
