"""PostgreSQL advisory locks, transaction-scoped, named by ``(service, purpose)``.

The key is a stable signed 32-bit number, the same in every process and every release (replicas
of different versions must agree on it). On SQLite, which serialises writers anyway, taking a
lock does nothing and trying one always succeeds.
"""
from __future__ import annotations

import zlib

from sqlalchemy import text
from sqlalchemy.orm import Session

from .db import is_postgres


def advisory_lock_key(service: str, purpose: str) -> int:
    """The advisory lock key of ``purpose`` in ``service`` (e.g. ``("events", "slot:space:<id>")``)."""
    return zlib.crc32(f"culture:{service}:{purpose}".encode()) - 2**31


def advisory_xact_lock(session: Session, key: int) -> None:
    """Wait for the lock ``key``; it is held until the session's transaction ends."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def try_advisory_xact_lock(session: Session, key: int) -> bool:
    """Take the lock ``key`` if it is free (held until the transaction ends); False if it is not."""
    if not is_postgres(session):
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).scalar())
