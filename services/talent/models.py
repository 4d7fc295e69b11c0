"""The talent service's tables (SQLAlchemy 2), the kit's outbox, inbox, audit log and follower
position among them.

``orgs`` is this service's copy of the registry's organisation tree, built from ``org_registered``
by the kit's follower (never read from the registry's database): a person's organisation must be
one it knows. A candidate's ``org_path`` is copied from it when nominated, so subtree checks and
searches need no join.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common.orgcopy import OrgCopy
from services.common.tables import NAMING_CONVENTION, SeqType, UTCDateTime, add_kit_tables, prefix_index


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Org(OrgCopy, Base):
    """The copy of a registry organisation; ``district`` places a talent in the pool's search."""
    district: Mapped[str | None] = mapped_column(String(50))


class Campaign(Base):
    __tablename__ = "campaigns"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    fields: Mapped[list] = mapped_column(JSON)
    nominations_close_at: Mapped[datetime] = mapped_column(UTCDateTime())
    org_id: Mapped[str | None] = mapped_column(String(36))  # the federation that opened it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rounds: Mapped[list["Round"]] = relationship(order_by="Round.number", lazy="selectin")


class Round(Base):
    __tablename__ = "rounds"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    criteria: Mapped[list] = mapped_column(JSON)       # [{name, weight}]
    advance: Mapped[dict] = mapped_column(JSON)        # {top: N} or {threshold: X}
    normalise: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))    # pending | open | closed
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(128))
    judges: Mapped[list["PanelJudge"]] = relationship(order_by="PanelJudge.position", lazy="selectin",
                                                      cascade="all, delete-orphan")
    __table_args__ = (UniqueConstraint("campaign_id", "number", name="uq_rounds_campaign_number"),)


class PanelJudge(Base):
    __tablename__ = "panel_judges"
    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    judge_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[str | None] = mapped_column(String(36))
    conflicts: Mapped[list] = mapped_column(JSON)      # candidate ids the judge declared
    __table_args__ = (UniqueConstraint("round_id", "judge_id", name="uq_panel_judges_round_judge"),)


class Candidate(Base):
    __tablename__ = "candidates"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    worker_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[str] = mapped_column(String(36))
    org_path: Mapped[str] = mapped_column(String(2000))
    field: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    works: Mapped[list] = mapped_column(JSON)
    recommended_by_org_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))  # unindexed: see migration 0002
    round: Mapped[int] = mapped_column(Integer)         # the last round it entered (0: none yet)
    showcase: Mapped[dict | None] = mapped_column(JSON)  # the latest showcase outcome
    training: Mapped[list] = mapped_column(JSON)        # [{title, hours, at, by}]
    nominated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stages: Mapped[list["Stage"]] = relationship(order_by="Stage.id", lazy="selectin",
                                                 cascade="all, delete-orphan")
    __table_args__ = (UniqueConstraint("campaign_id", "worker_id", "field", name="uq_candidates_person_field"),
                      prefix_index("ix_candidates_org_path", "org_path"))
    # On PostgreSQL the table has fillfactor 70 (migration 0002): room for status changes in place.


class Stage(Base):
    """One stage transition of a candidate: what, when, who, why."""
    __tablename__ = "candidate_stages"
    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    candidate_id: Mapped[str] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(30))
    round: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(String(1000))


class Score(Base):
    """A judge's latest scores for a candidate in a round (a second submission replaces the first)."""
    __tablename__ = "scores"
    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"))
    candidate_id: Mapped[str] = mapped_column(ForeignKey("candidates.id"))
    judge_id: Mapped[str] = mapped_column(String(128))
    scores: Mapped[dict] = mapped_column(JSON)
    weighted: Mapped[float] = mapped_column(Float)
    submissions: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("round_id", "candidate_id", "judge_id", name="uq_scores_one_per_judge"),
                      Index("ix_scores_round", "round_id"))


class Result(Base):
    """A candidate's standing in a closed round."""
    __tablename__ = "round_results"
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    candidate_id: Mapped[str] = mapped_column(ForeignKey("candidates.id"), primary_key=True)
    field: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    median: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    advanced: Mapped[bool] = mapped_column(Boolean)
    judges: Mapped[int] = mapped_column(Integer)


class Showcase(Base):
    __tablename__ = "showcases"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    venue_id: Mapped[str] = mapped_column(String(64))
    space_id: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    candidate_ids: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))    # requested | scheduled | refused
    activity_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(2000))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requested_by: Mapped[str] = mapped_column(String(128))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Talent(Base):
    """A member of the talent pool 职工文艺人才库."""
    __tablename__ = "talents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    candidate_id: Mapped[str] = mapped_column(ForeignKey("candidates.id"), unique=True)
    campaign_id: Mapped[str] = mapped_column(String(36))
    worker_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[str] = mapped_column(String(36))
    org_path: Mapped[str] = mapped_column(String(2000))
    district: Mapped[str | None] = mapped_column(String(50), index=True)
    field: Mapped[str] = mapped_column(String(20))
    tier: Mapped[str] = mapped_column(String(20))
    achievements: Mapped[list] = mapped_column(JSON)
    training: Mapped[list] = mapped_column(JSON)
    volunteer: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    admitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_talents_field_tier", "field", "tier", "name", "id"),)


add_kit_tables(Base.metadata)
metadata = Base.metadata
