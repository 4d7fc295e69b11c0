"""The kit's own tables, added to each service's metadata (and so to its migrations).

- ``outbox``: events written in the same transaction as the change that caused them, numbered by
  ``seq``; the relay publishes them in ``seq`` order and stamps ``sent_at``. Rows are kept: the
  outbox is also the service's event log that ``events_since`` serves (until the retention, if one
  is set, prunes them).
- ``inbox``: ids of events a handler has applied, written in the handler's own transaction.
- ``audit_log``: every accepted write: who, what, when, on which target, and the reply it got
  (keyed by the request's correlation id, so a redelivered write request is answered, not redone).
- ``follower_position``: how far a follower's catch-up has read another service's event log, one
  row per source (``services.common.follower``); only the catch-up moves it.
- ``outbox_subscribers``, ``outbox_pruned``: the outbox's retention (``services.common.retention``):
  how far each subscriber has read this service's log, and the highest ``seq`` pruned from it.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table
from sqlalchemy.types import TypeDecorator

class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back aware (SQLite otherwise returns naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: store aware datetimes only")
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


# Constraint and index names that are the same on every database (migrations can name them).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s"}


def prefix_index(name: str, column: str) -> Index:
    """An index that serves ``column LIKE 'prefix%'`` (organisation subtrees) on PostgreSQL too."""
    return Index(name, column, postgresql_ops={column: "varchar_pattern_ops"})


# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


def add_kit_tables(metadata: MetaData) -> None:
    Table(
        "outbox",
        metadata,
        Column("seq", SeqType, primary_key=True, autoincrement=True),
        Column("id", String(36), nullable=False, unique=True),
        Column("type", String(64), nullable=False),
        Column("subject", String(64), nullable=False),
        Column("time", UTCDateTime(), nullable=False),
        Column("envelope", JSON, nullable=False),
        Column("sent_at", UTCDateTime(), nullable=True),
        Index("ix_outbox_pending", "sent_at", "seq"),
    )
    Table(
        "inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("handler", String(128), primary_key=True),
        Column("event_type", String(64), nullable=False),
        Column("source", String(64), nullable=False),
        Column("processed_at", UTCDateTime(), nullable=False),
    )
    Table(
        "audit_log",
        metadata,
        Column("id", SeqType, primary_key=True, autoincrement=True),
        Column("at", UTCDateTime(), nullable=False),
        Column("actor", String(128), nullable=False),
        Column("actor_name", String(200), nullable=True),
        Column("actor_org_id", String(64), nullable=True),
        Column("action", String(64), nullable=False),
        Column("target", String(64), nullable=True),
        Column("details", JSON, nullable=True),
        # The RPC request's correlation id: a request redelivered after a crash (the reply went
        # out, the ack did not) is answered from here instead of being applied twice.
        Column("call_id", String(64), nullable=True, unique=True),
        Column("result", JSON, nullable=True),
        Index("ix_audit_target", "target"),
        Index("ix_audit_at", "at"),
    )
    Table(
        "follower_position",
        metadata,
        Column("source", String(64), primary_key=True),
        Column("seq", BigInteger, nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
    )
    Table(
        "outbox_subscribers",
        metadata,
        Column("subscriber", String(64), primary_key=True),
        Column("seq", BigInteger, nullable=False),
        Column("seen_at", UTCDateTime(), nullable=False),
    )
    Table(
        "outbox_pruned",
        metadata,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),  # one row: the highest pruned
        Column("pruned_at", UTCDateTime(), nullable=False),
    )
