"""The registry's tables (SQLAlchemy 2). The kit's outbox, inbox and audit log are added here too."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, Float, ForeignKey, Index, Integer, MetaData, String,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common import orgpath
from services.common.tables import NAMING_CONVENTION, UTCDateTime, add_kit_tables, prefix_index


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Org(Base):
    __tablename__ = "orgs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    # "/<root id>/.../<own id>/": the subtree of X is every path that starts with X's path.
    path: Mapped[str] = mapped_column(String(2000))
    district: Mapped[str | None] = mapped_column(String(50))
    enterprise: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_orgs_parent_name"),
                      prefix_index("ix_orgs_path", "path"))

    @property
    def ancestors(self) -> list[str]:
        """Own id and every ancestor id, root first."""
        return orgpath.ancestors(self.path)


class Venue(Base):
    __tablename__ = "venues"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    type: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(2000))
    district: Mapped[str] = mapped_column(String(50))
    address: Mapped[str] = mapped_column(String(500))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    opening_hours: Mapped[dict] = mapped_column(JSON)
    facilities: Mapped[list] = mapped_column(JSON)
    art_fields: Mapped[list] = mapped_column(JSON)
    book_count: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    spaces: Mapped[list["Space"]] = relationship(
        back_populates="venue", cascade="all, delete-orphan", order_by="[Space.position, Space.id]",
        lazy="selectin")
    designations: Mapped[list["VenueDesignation"]] = relationship(
        back_populates="venue", cascade="all, delete-orphan",
        order_by="[VenueDesignation.granted_at, VenueDesignation.id]", lazy="selectin")
    art_field_rows: Mapped[list["VenueArtField"]] = relationship(cascade="all, delete-orphan")

    # A search's filter and its order (name, id) in one index: the first page is the index's first
    # entries for the value, never a sort of every match (docs/PERFORMANCE.md, registry). org_path's
    # pattern_ops serve the subtree's LIKE on PostgreSQL; SQLite reads the subtree as a range.
    __table_args__ = (Index("ix_venues_lat_lon", "lat", "lon"), Index("ix_venues_name_id", "name", "id"),
                      Index("ix_venues_type_name_id", "type", "name", "id"),
                      Index("ix_venues_district_name_id", "district", "name", "id"),
                      Index("ix_venues_district_type_name_id", "district", "type", "name", "id"),
                      Index("ix_venues_status_name_id", "status", "name", "id"),
                      Index("ix_venues_org_path_name_id", "org_path", "name", "id",
                            postgresql_ops={"org_path": "varchar_pattern_ops"}))


class Space(Base):
    __tablename__ = "spaces"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    venue_id: Mapped[str] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    venue: Mapped[Venue] = relationship(back_populates="spaces")
    __table_args__ = (UniqueConstraint("venue_id", "name", name="uq_spaces_venue_name"),)


class VenueArtField(Base):
    """One row per (venue, art field): the art_field filter uses an index, not a JSON scan."""
    __tablename__ = "venue_art_fields"
    venue_id: Mapped[str] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), primary_key=True)
    art_field: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


class VenueDesignation(Base):
    __tablename__ = "venue_designations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    venue_id: Mapped[str] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    designation: Mapped[str] = mapped_column(String(30), index=True)
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(100))  # "rpc:<sub>" or "award:<event id>"
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(String(1000))
    venue: Mapped[Venue] = relationship(back_populates="designations")


class VenueDocument(Base):
    """``get_venue``'s answer, stored: written by ``usecases/documents.py`` only, in the venue
    write's own transaction; ``version`` is the venue's version it was built from."""
    __tablename__ = "venue_documents"
    venue_id: Mapped[str] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict] = mapped_column(JSON)


class Group(Base):
    __tablename__ = "groups"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(2000))
    home_venue_id: Mapped[str | None] = mapped_column(ForeignKey("venues.id"), index=True)
    art_field: Mapped[str | None] = mapped_column(String(20), index=True)
    members: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    designations: Mapped[list["GroupDesignation"]] = relationship(
        cascade="all, delete-orphan", order_by="GroupDesignation.granted_at", lazy="selectin")
    __table_args__ = (Index("ix_groups_name_id", "name", "id"), prefix_index("ix_groups_org_path", "org_path"))


class GroupDesignation(Base):
    __tablename__ = "group_designations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    designation: Mapped[str] = mapped_column(String(30))
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


add_kit_tables(Base.metadata)
metadata = Base.metadata
