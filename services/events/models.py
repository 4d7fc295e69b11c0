"""The events service's tables (SQLAlchemy 2), the kit's outbox, inbox and audit log among them.

``orgs``, ``venues`` and ``spaces`` are this service's copy of the registry's, built from registry
events (never read from the registry's database). ``bookings`` and ``lecturer_slots`` are guarded
against overlaps by the database itself: a PostgreSQL exclusion constraint, or on SQLite a
trigger (both created by the migration), so two replicas can never double-book.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Float, ForeignKey, Index, Integer, MetaData, Numeric, String,
                        UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common.orgcopy import OrgCopy
from services.common.tables import NAMING_CONVENTION, UTCDateTime, add_kit_tables, prefix_index


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- the copy of the registry ----------------------------------------------------------------

class Org(OrgCopy, Base):
    """The copy of a registry organisation (services.common.orgcopy)."""


class Venue(Base):
    __tablename__ = "venues"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[str] = mapped_column(String(36))
    district: Mapped[str] = mapped_column(String(50))
    address: Mapped[str] = mapped_column(String(500))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    opening_hours: Mapped[dict] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)  # the registry's venue version this copy holds
    spaces: Mapped[list["Space"]] = relationship(order_by="Space.position", lazy="selectin",
                                                 cascade="all, delete-orphan")


class Space(Base):
    __tablename__ = "spaces"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    venue_id: Mapped[str] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)


# --- activities ------------------------------------------------------------------------------

class Brand(Base):
    __tablename__ = "brands"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Tour(Base):
    __tablename__ = "tours"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    brand_id: Mapped[str | None] = mapped_column(ForeignKey("brands.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Activity(Base):
    __tablename__ = "activities"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    brand_id: Mapped[str | None] = mapped_column(ForeignKey("brands.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    org_id: Mapped[str] = mapped_column(String(36))
    org_path: Mapped[str] = mapped_column(String(2000))
    capacity: Mapped[int] = mapped_column(Integer)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    audience_open: Mapped[bool] = mapped_column(Boolean)
    audience_org_id: Mapped[str | None] = mapped_column(String(36))
    audience_org_path: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    tour_id: Mapped[str | None] = mapped_column(ForeignKey("tours.id"), index=True)
    tour_position: Mapped[int | None] = mapped_column(Integer)
    lecturer_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(500))  # a site without a venue (a lecture at a unit)
    showcase_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    flags: Mapped[list] = mapped_column(JSON)          # [{reason, venue_id, at}] for the organiser
    cancel_reason: Mapped[str | None] = mapped_column(String(1000))
    attendance: Mapped[dict | None] = mapped_column(JSON)  # set when completed
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Registration counters (migration 0009), changed only by usecases/counters.py
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    waitlisted_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_queue_seq: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    bookings: Mapped[list["Booking"]] = relationship(order_by="Booking.starts_at", lazy="selectin",
                                                     cascade="all, delete-orphan")
    __table_args__ = (prefix_index("ix_activities_org_path", "org_path"),
                      Index("ix_activities_starts_id", "starts_at", "id"))


class Booking(Base):
    """One space for one time range. ``active`` is false once the activity is cancelled."""
    __tablename__ = "bookings"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    activity_id: Mapped[str] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    venue_id: Mapped[str] = mapped_column(String(36), index=True)
    space_id: Mapped[str] = mapped_column(String(36))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (Index("ix_bookings_space_time", "space_id", "starts_at", "ends_at"),
                      # the conflict check's: live bookings only (migration 0008)
                      Index("ix_bookings_live_space_time", "space_id", "starts_at", "ends_at",
                            postgresql_where=text("active IS true"), sqlite_where=text("active IS 1")))


class LecturerSlot(Base):
    """A lecturer's time at a lecture; the same overlap guard as bookings."""
    __tablename__ = "lecturer_slots"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lecturer_id: Mapped[str] = mapped_column(String(64))
    activity_id: Mapped[str] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (Index("ix_lecturer_slots_time", "lecturer_id", "starts_at", "ends_at"),)


class Registration(Base):
    __tablename__ = "registrations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    activity_id: Mapped[str] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[str] = mapped_column(String(64), index=True)  # a worker's own list (my_registrations)
    worker_name: Mapped[str] = mapped_column(String(200))
    worker_org_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))  # confirmed | waitlisted | cancelled
    queue_seq: Mapped[int] = mapped_column(Integer)  # arrival order within the activity
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("activity_id", "worker_id", name="uq_registrations_activity_worker"),
                      Index("ix_registrations_activity_status", "activity_id", "status", "queue_seq"))


# --- the Mobile Lecture Hall -----------------------------------------------------------------

class Lecture(Base):
    __tablename__ = "lectures"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    lecturer_id: Mapped[str] = mapped_column(String(64), index=True)
    lecturer_name: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(20))
    federation_cost: Mapped[Decimal] = mapped_column(Numeric(12, 2))  # yuan per lecture, paid by the federation
    description: Mapped[str | None] = mapped_column(String(2000))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LectureOrder(Base):
    __tablename__ = "lecture_orders"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lecture_id: Mapped[str] = mapped_column(ForeignKey("lectures.id"), index=True)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    site_venue_id: Mapped[str | None] = mapped_column(String(36))
    site_space_id: Mapped[str | None] = mapped_column(String(36))
    site_address: Mapped[str | None] = mapped_column(String(500))
    preferred_dates: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))  # ordered | confirmed | delivered | cancelled
    activity_id: Mapped[str | None] = mapped_column(ForeignKey("activities.id"))
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


add_kit_tables(Base.metadata)
metadata = Base.metadata
